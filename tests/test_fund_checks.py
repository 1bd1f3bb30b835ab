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
