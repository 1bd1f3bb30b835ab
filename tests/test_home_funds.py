"""A year of many funds on the home page: one line each (资金一览) with its money, rate and the
states below, each leading to its board; a year of a few funds keeps each fund's board (issue
#14: a home of 50 funds drew 50 boards and their charts, 690 KiB)."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import Role
from indicators.models import Deadline, Return
from tests.scenarios import person, synthetic_prefecture
from transfers.models import Allocation, Fund, Notice, Region

pytestmark = pytest.mark.django_db
D = Decimal


def add_fund(prefecture: Region, code: str, *, counties: int = 3, returns=()) -> Fund:
    """A fund of 2024 allocating 8 to each of the first ``counties`` counties of ``prefecture``;
    ``returns``: (county index, status, spent) of the returns below."""
    province = prefecture.parent
    fund = Fund.objects.create(code=code, name=f"资金{code}", year=2024, region=province)
    notice = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2024〕{code}号", title="测试"
    )
    below = list(Region.objects.filter(parent=prefecture).order_by("code")[:counties])
    for county in below:
        Allocation.objects.create(
            fund=fund, notice=notice, from_region=province, region=county, amount=D("8")
        )
    for index, status, spent in returns:
        ret = Return.objects.create(fund=fund, region=below[index], status=status)
        ret.funding.create(source="central", spent=spent)
    return fund


def fund_row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-fund="{re.escape(code)}">.*?</tr>', page, re.S)
    assert match, f"no line for {code}"
    return re.sub(r"\s+", " ", match.group(0))


@pytest.fixture
def four_funds():
    """A prefecture of ten counties (test-10, all submitted, 10 each) and three more funds."""
    reviewer = synthetic_prefecture(10)
    prefecture = reviewer.region
    add_fund(
        prefecture,
        "b",
        returns=[(0, Return.Status.APPROVED, D("4")), (1, Return.Status.DRAFT, D("8"))],
    )
    add_fund(prefecture, "c", counties=2)
    add_fund(prefecture, "d", counties=1)
    return reviewer


def test_a_year_of_four_funds_lists_one_line_each(client, four_funds):
    client.force_login(four_funds)
    page = client.get(reverse("home")).content.decode()
    assert "2024年资金一览（4项）" in page
    # No board drawn, and no chart library loaded.
    assert "progress-chart" not in page and "<tr data-region=" not in page and "echarts" not in page
    # 10 counties × 10, all submitted and none approved: no execution yet.
    first = fund_row(page, "test-10")
    assert '<td class="num">100.00</td> <td class="num">—</td>' in first
    assert "已提交 10" in first and "共10个" in first and "已审核" not in first
    # 3 counties × 8 = 24; 4 spent by the one approved return (the draft's 8 does not count):
    # 4 / 24 = 16.67%.
    second = fund_row(page, "b")
    assert '<td class="num">24.00</td> <td class="num">16.67%</td>' in second
    assert "已审核 1" in second and "填报中 1" in second and "未开始 1" in second and "共3个" in second
    assert f'href="{reverse("board", args=["b", four_funds.region.code])}">下级进度</a>' in second
    assert f'href="{reverse("indicators:fund_checks", args=["b"])}">数据检查</a>' in second
    assert "16.00" in fund_row(page, "c") and "未开始 2" in fund_row(page, "c")
    assert "8.00" in fund_row(page, "d") and "共1个" in fund_row(page, "d")


def test_a_line_kept_in_the_cache_follows_a_change_of_its_fund_alone(client, four_funds):
    """The lines are kept under each fund's data version: an approval below fund b changes b's
    line at the next visit, and only b's is read again."""
    client.force_login(four_funds)
    client.get(reverse("home"))
    draft = Return.objects.get(fund__code="b", status=Return.Status.DRAFT)
    Return.objects.filter(pk=draft.pk).update(status=Return.Status.APPROVED)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()
    # 4 + 8 approved of 24: 50.00%.
    assert '<td class="num">24.00</td> <td class="num">50.00%</td>' in fund_row(page, "b")
    assert "已审核 2" in fund_row(page, "b") and "已提交 10" in fund_row(page, "test-10")
    [allocations] = [q["sql"] for q in queries if 'FROM "transfers_allocation"' in q["sql"]]
    # The funds whose allocations were read: the list after fund_id (not the ORDER BY's numbers).
    listed = re.search(r'"fund_id" IN \(([\d, ]+)\)', allocations).group(1)
    read = {int(pk) for pk in listed.split(",")}
    assert read == {Fund.objects.get(code="b").pk}


def test_a_year_of_three_funds_keeps_each_board(client, four_funds):
    Fund.objects.filter(code="d").delete()
    client.force_login(four_funds)
    page = client.get(reverse("home")).content.decode()
    assert "资金一览" not in page and "data-fund=" not in page
    assert page.count('data-kind="status"') == 3  # each fund's chart
    assert '<tr data-region="712000"' in page  # 县0 on test-10's board


def test_a_county_s_board_of_a_fund_it_received_nothing_of_says_so(client, four_funds):
    """县2 receives 10 of test-10 and 8 of b, nothing of c or d: with three funds each has its
    own card, and the card of a fund it took no part in says it has nothing to fill in rather
    than 提前下达 0.00 + 本次下达 0.00 = 0.00 above nothing."""
    Fund.objects.filter(code="d").delete()
    county = Region.objects.filter(parent=four_funds.region).order_by("code")[2]
    client.force_login(person("clerk_712002", county.code, Role.CLERK))
    page = client.get(reverse("home")).content.decode()
    cards = {
        fund.code: next(
            card for card in page.split('<section class="card') if f"{fund.full_name}</h2>" in card
        )
        for fund in Fund.objects.filter(code__in=["b", "c"])
    }
    assert "本地区未获分配这项资金，无需填报。" in cards["c"]
    assert "提前下达" not in cards["c"] and "开始填报" not in cards["c"]
    assert "本地区未获分配" not in cards["b"]
    assert '= <strong class="text-body">8.00</strong> 万元' in cards["b"] and "开始填报" in cards["b"]


def test_the_one_line_view_costs_the_same_queries_for_four_or_eight_funds(client, four_funds):
    client.force_login(four_funds)
    counts = []
    for extra in ("e", "f", "g", "h"):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        counts.append(len(queries))
        add_fund(four_funds.region, extra, returns=[(0, Return.Status.SUBMITTED, D("1"))])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home")).content.decode()
    assert "2024年资金一览（8项）" in page
    assert len(set(counts)) == 1 and len(queries) == counts[0], (counts, len(queries))


def test_a_county_s_one_line_view_has_no_columns_for_regions_below(client, four_funds):
    county = Region.objects.filter(parent=four_funds.region).order_by("code").first()  # 县0
    clerk = person("clerk_712000", county.code, Role.CLERK)
    client.force_login(clerk)
    page = client.get(reverse("home")).content.decode()
    # 县0 has money of all four funds (10 of test-10, 8 of b, c and d).
    assert "2024年资金一览（4项）" in page and "下级年度绩效自评" not in page and "下级进度" not in page
    assert '<td class="num">8.00</td>' in fund_row(page, "b")


def test_a_kept_line_follows_the_office_s_own_return_and_its_deadline(client, four_funds):
    """A line of 资金一览 is printed once and kept beside the fund's figures: the office's own
    return started and a deadline set by the prefecture show at the next visit, on fund c's line
    alone; the other three lines are served as printed."""
    county = Region.objects.filter(parent=four_funds.region).order_by("code").first()  # 县0
    client.force_login(person("clerk_712000", county.code, Role.CLERK))
    first = client.get(reverse("home"))
    assert [t.name for t in first.templates].count("indicators/_home_fund_row.html") == 4
    line = fund_row(first.content.decode(), "c")
    assert "开始填报" in line and "截止" not in line
    c = Fund.objects.get(code="c")
    Deadline.objects.create(fund=c, region=four_funds.region, due_on=date(2025, 3, 31))
    Return.objects.create(fund=c, region=county, status=Return.Status.DRAFT)
    again = client.get(reverse("home"))
    assert [t.name for t in again.templates].count("indicators/_home_fund_row.html") == 1
    line = fund_row(again.content.decode(), "c")
    assert "截止3月31日" in line and "填报中" in line and "开始填报" not in line.split("绩效运行监控")[0]
    assert "截止" not in fund_row(again.content.decode(), "d")


def test_a_kept_line_s_form_carries_the_token_of_the_person_it_is_served_to(four_funds):
    """开始填报 on a kept line posts with the CSRF token of whoever the page is served to, never
    the one of the visit that printed the line."""
    county = Region.objects.filter(parent=four_funds.region).order_by("code").first()
    clerk = person("clerk_712000", county.code, Role.CLERK)
    tokens = []
    for _visit in range(2):  # the second person's page is served from the kept lines
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(clerk)
        response = browser.get(reverse("home"))
        assert [t.name for t in response.templates].count("indicators/_home_fund_row.html") == (
            4 if not tokens else 0
        )
        line = fund_row(response.content.decode(), "c")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', line).group(1)
        tokens.append(token)
    assert tokens[0] != tokens[1]
    posted = browser.post(
        reverse("indicators:start", args=["c"]), {"period": "year_end", "csrfmiddlewaretoken": tokens[1]}
    )
    assert posted.status_code == 302
    assert Return.objects.filter(fund__code="c", region=county).exists()


def test_a_kept_line_prints_a_name_that_spells_the_token_s_stand_in_as_typed(client, four_funds):
    """Only the CSRF field of a kept line takes the request's token: a fund named after the
    stand-in it is printed with keeps its name."""
    from common.kept_html import CSRF_MARK

    Fund.objects.filter(code="c").update(name=f"资金{CSRF_MARK}")
    client.force_login(four_funds)
    client.get(reverse("home"))  # printed and kept
    line = fund_row(client.get(reverse("home")).content.decode(), "c")
    assert f"资金{CSRF_MARK}</td>" in line


@pytest.mark.parametrize("page", ["home", "deadlines:list"])
def test_a_page_reads_the_data_versions_before_the_funds_it_keeps_lines_of(client, four_funds, page):
    """A kept line (the home page's, 截止日期's) prints its fund's name: the tokens it is kept
    under are read before the funds, so a rename between the two reads is never kept under the
    newer token."""
    from transfers import versions

    funds = Fund.objects.filter(region=four_funds.region.parent)
    assert versions.tokens(funds) == versions.tokens(list(funds.values_list("pk", flat=True)))
    client.force_login(four_funds)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(page))
    tables = [q["sql"] for q in queries]
    first_tokens = next(i for i, sql in enumerate(tables) if 'FROM "transfers_dataversion"' in sql)
    first_funds = next(i for i, sql in enumerate(tables) if sql.startswith('SELECT "transfers_fund".'))
    assert first_tokens < first_funds, tables[: first_funds + 1]
