"""Checking a whole fund: each return's problems, spending without money, missing returns."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.checks import fund_findings
from indicators.models import Return
from tests.seed_figures import YINING_RELIEF
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db


def test_province_check_of_the_elderly_fund_flags_blank_prefecture_indicators():
    elderly = Fund.objects.get(code="xj-2024-elderly")
    findings = fund_findings(elderly, Region.objects.get(code="650000"))
    # Seed 000 has each prefecture's spending but none of its indicator actuals: the prefecture
    # returns hold no actual lines, so no indicator finding; spending within budget is fine.
    assert [f.message for _, f in findings if f.severity == "error"] == []
    assert not [f for _, f in findings if f.code == "missing_return"]


def test_spending_where_nothing_was_allocated_is_an_error():
    relief = Fund.objects.get(code="xj-2024-relief")
    yili = Region.objects.get(code="654000")
    # 伊犁州's 2 budget units and 11 counties all have money; a new unit has none.
    unit = Region.objects.create(
        code="654000-09", name="伊犁州测试福利院", level=3, parent=yili, kind="elderly"
    )
    ret = Return.objects.create(fund=relief, region=unit)
    ret.funding.create(source="central", spent=Decimal("3"))
    findings = fund_findings(relief, yili)
    errors = [(r, f) for r, f in findings if f.code == "spent_without_allocation"]
    assert len(errors) == 1
    assert errors[0][0] == ret
    assert errors[0][1].message == "伊犁州测试福利院：未获分配中央财政资金，却填报了中央财政资金执行数3万元。"
    missing = {f.where for _, f in findings if f.code == "missing_return"}
    assert "伊宁市" in missing and "霍城县" in missing and len(missing) == 13


def test_checks_page_is_scoped(client, reviewer_yili, clerk_huocheng):
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:fund_checks", args=["xj-2024-relief"])).content.decode()
    assert f"伊宁市获分配{YINING_RELIEF}万元，尚无填报。" in page
    assert "阿克苏市" not in page
    client.force_login(clerk_huocheng)
    page = client.get(reverse("indicators:fund_checks", args=["xj-2024-relief"])).content.decode()
    assert "伊宁市" not in page


def test_fund_check_queries_do_not_grow_with_returns(
    django_assert_max_num_queries, clerk_yining, clerk_huocheng
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators.services import return_open

    relief = Fund.objects.get(code="xj-2024-relief")
    yili = Region.objects.get(code="654000")
    counts = []
    for clerk in (clerk_yining, clerk_huocheng):
        return_open(fund=relief, region=clerk.region, actor=clerk)
        with CaptureQueriesContext(connection) as queries:
            fund_findings(relief, yili)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- at scale: queries and objects constant in the returns, the page a page of regions at a time ----


def _open_county_returns(relief, yili, count: int) -> list[Return]:
    """Returns of the first ``count`` counties of 伊犁州 (each with its indicator lines, blank)."""
    from indicators.services import return_open
    from tests.scenarios import Role, person

    counties = Region.objects.filter(parent=yili, level=3).order_by("code")[:count]
    opened = []
    for county in counties:
        clerk = person(f"clerk_t{county.code}", county.code, Role.CLERK)
        opened.append(return_open(fund=relief, region=county, actor=clerk))
    return opened


def test_fund_check_page_costs_the_same_queries_for_2_or_6_county_returns(client, reviewer_yili):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    relief = Fund.objects.get(code="xj-2024-relief")
    yili = Region.objects.get(code="654000")
    client.force_login(reviewer_yili)
    url = reverse("indicators:fund_checks", args=[relief.code])
    counts = []
    for count in (2, 6):
        opened = _open_county_returns(relief, yili, count)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        counts.append(len(queries))
        # Every opened return's blank lines were checked (so the lines were read).
        assert all(f'href="{reverse("indicators:detail", args=[ret.pk])}"' in page for ret in opened)
        assert "未填写全年实际完成值" in page
    assert counts[0] == counts[1], counts


def test_fund_check_builds_no_indicator_line_objects(reviewer_yili):
    """The lines of every return are read as rows: no IndicatorActual or IndicatorTarget object
    is made, however many lines there are (1,100 counties made 86,000 of them)."""
    from django.db.models.signals import post_init

    from indicators.models import IndicatorActual, IndicatorTarget

    relief = Fund.objects.get(code="xj-2024-relief")
    yili = Region.objects.get(code="654000")
    opened = _open_county_returns(relief, yili, 3)
    assert IndicatorActual.objects.filter(ret__in=opened).count() >= 3  # the returns have lines
    built = []

    def made(sender, instance, **kwargs):
        built.append(sender.__name__)

    for model in (IndicatorActual, IndicatorTarget):
        post_init.connect(made, sender=model)
    try:
        findings = fund_findings(relief, yili)
    finally:
        for model in (IndicatorActual, IndicatorTarget):
            post_init.disconnect(made, sender=model)
    assert built == []
    blank = {ret.pk for ret, f in findings if f.code == "actual_blank"}
    assert blank == {ret.pk for ret in opened}


def _regions_shown(page: str) -> list[str]:
    import re

    return re.findall(r'<tbody data-region="([^"]+)">', page)


def test_fund_check_page_lists_50_regions_a_page_errors_first_and_every_finding_is_reachable(client):
    from tests.scenarios import synthetic_prefecture

    reviewer = synthetic_prefecture(60)  # 县0…县59, each allocated 10 with a return spending 5
    fund = Fund.objects.get(code="test-60")
    below = Return.objects.filter(fund=fund, region__parent=reviewer.region)
    # 县0…县4 have no return (a warning each); the other 55 spent 20 of 10 (an error each).
    below.filter(region__name__in=[f"县{n}" for n in range(5)]).delete()
    for ret in below:
        ret.funding.update(spent=Decimal("20"))
    client.force_login(reviewer)
    url = reverse("indicators:fund_checks", args=[fund.code])

    first = client.get(url).content.decode()
    assert "60个地区有问题：错误55条，提示5条，信息0条" in first
    shown = _regions_shown(first)
    assert shown == [f"县{n}" for n in range(5, 55)]  # errors first, in the regions' order
    assert 'href="?page=2"' in first and "下一页" in first
    assert "县55：" not in first and "县0获分配" not in first

    second = client.get(url, {"page": 2}).content.decode()
    assert _regions_shown(second) == [f"县{n}" for n in range(55, 60)] + [f"县{n}" for n in range(5)]
    assert "县55：中央财政资金执行数20万元超过下达资金10万元。" in second
    assert "县0获分配10万元，尚无填报。" in second
    ret = below.get(region__name="县59")
    assert f'href="{reverse("indicators:detail", args=[ret.pk])}"' in second

    warnings = client.get(url, {"severity": "warning"}).content.decode()
    assert _regions_shown(warnings) == [f"县{n}" for n in range(5)]
    assert "下一页" not in warnings
    found = client.get(url, {"q": "县57"}).content.decode()
    assert _regions_shown(found) == ["县57"]


def test_a_page_of_the_check_is_printed_once_and_follows_a_change(client):
    """An unfiltered page is kept as printed beside its findings: a second visit prints
    nothing, a county's correction prints the page again, a filter prints its own."""
    from tests.scenarios import synthetic_prefecture

    reviewer = synthetic_prefecture(3)  # 县0…县2, each allocated 10 with a return spending 5
    fund = Fund.objects.get(code="test-3")
    ret = Return.objects.get(fund=fund, region__name="县1")
    ret.funding.update(spent=Decimal("20"))
    client.force_login(reviewer)
    url = reverse("indicators:fund_checks", args=[fund.code])

    def visit(**query):
        response = client.get(url, query)
        printed = [t.name for t in response.templates].count("indicators/_check_groups.html")
        return response.content.decode(), printed

    page, printed = visit()
    assert printed == 1 and "县1：中央财政资金执行数20万元超过下达资金10万元。" in page
    again, printed = visit()
    assert printed == 0 and _regions_shown(again) == _regions_shown(page) == ["县1"]
    ret.funding.update(spent=Decimal("8"))  # corrected below the allocation
    fixed, printed = visit()
    assert printed == 1 and "县1：" not in fixed and "未发现问题。" in fixed
    _page, printed = visit(severity="error")
    assert printed == 1
