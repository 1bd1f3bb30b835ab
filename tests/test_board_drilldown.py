"""The board of #11: each region's own status and the share of its indicator lines filled, and
the drill-down from the province to a prefecture to its counties, scoped to the reader's region."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import Role
from indicators import rules
from indicators.models import Return
from indicators.selectors import BOARD_PAGE_ROWS, filled_lines
from indicators.services import ReturnInput, return_open, return_save, return_submit
from tests.scenarios import board_rows, complete_input, fill_submit_approve, person, synthetic_prefecture

D = Decimal
RELIEF = "xj-2024-relief"


@pytest.mark.parametrize(
    ("filled", "lines", "share"),
    [(2, 3, Decimal("66.67")), (1, 3, Decimal("33.33")), (0, 4, Decimal("0.00")), (5, 5, Decimal("100.00"))],
)
def test_filled_share_is_a_half_up_percentage(filled, lines, share):
    assert rules.filled_share(filled, lines) == share


def test_filled_share_of_a_return_without_lines_is_none():
    assert rules.filled_share(0, 0) is None


def board_url(code: str, fund: str = RELIEF) -> str:
    return reverse("board", args=[fund, code])


def row_html(page: str, code: str) -> str:
    """The board's table row of one region (the table marks each row with its code)."""
    match = re.search(rf'<tr data-region="{re.escape(code)}".*?</tr>', page, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def shown_regions(page: str) -> list[str]:
    return re.findall(r'<tr data-region="([^"]+)"', page)


@pytest.fixture
def three_counties(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    """伊宁市 approved, 霍城县 submitted, 奎屯市 (654003) not started."""
    yining = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    fill_submit_approve(
        yining, clerk=clerk_yining, reviewer=reviewer_yili, funding={"central": {"spent": D("9000.50")}}
    )
    huocheng = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    return_save(
        ret=huocheng, actor=clerk_huocheng, base_version=huocheng.version, data=complete_input(huocheng)
    )
    return_submit(ret=huocheng, actor=clerk_huocheng, acknowledge_warnings=True)
    return yining, huocheng


# --- status and filled share ------------------------------------------------------------------------


def test_each_county_shows_its_own_returns_status(relief, yili, three_counties):
    with CaptureQueriesContext(connection) as queries:
        rows = {row.region.code: row for row in board_rows(relief, yili)}
    # Both returns' lines are counted by one aggregate query, not one per row.
    assert len([q for q in queries if "indicators_indicatoractual" in q["sql"]]) == 1
    assert rows["654002"].filled_share == rows["654023"].filled_share == D("100.00")
    assert (rows["654002"].status, rows["654002"].status_label) == ("approved", "已审核")
    assert (rows["654023"].status, rows["654023"].status_label) == ("submitted", "已提交")
    assert (rows["654003"].status, rows["654003"].status_label) == ("none", "未开始")


def test_a_prefecture_without_a_return_shows_not_started_and_its_counties_counts(
    client, admin_xj, three_counties
):
    client.force_login(admin_xj)
    row = row_html(client.get(board_url("650000")).content.decode(), "654000")
    assert 'data-status="none"' in row and '<span class="text-muted small">未开始</span>' in row
    # 13 reporting units of 伊犁州 (seed 003): one approved, one submitted, eleven not begun.
    assert "已提交 1，已审核 1，未开始 11" in row


def test_a_draft_with_3_of_14_lines_typed_is_21_43_percent_filled(
    client, relief, yili, clerk_yining, reviewer_yili
):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    lines = list(ret.actuals.order_by("indicator__order")[:3])
    typed = {line.indicator_id: {"actual_text": "应保尽保", "reason": "", "measure": ""} for line in lines}
    data = ReturnInput(funding={}, actuals=typed, narratives={}, goal_achievement="")
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)

    assert filled_lines([ret]) == {ret.pk: (3, 14)}  # seed 003: 伊宁市's table has 14 indicators
    (row,) = [row for row in board_rows(relief, yili) if row.region.code == "654002"]
    assert (row.status_label, row.filled_share) == ("填报中", D("21.43"))
    client.force_login(reviewer_yili)
    html = row_html(client.get(board_url("654000")).content.decode(), "654002")
    assert "21.43%" in html and "3/14项" in html
    # 奎屯市 has no return: no share, not 0%.
    kuitun = row_html(client.get(board_url("654000")).content.decode(), "654003")
    assert '<td class="num">—</td>' in kuitun


@pytest.mark.django_db
def test_filled_lines_of_no_returns_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert filled_lines([]) == {}


# --- the drill-down -----------------------------------------------------------------------------------


def test_province_board_leads_to_ili_and_ili_board_to_its_counties(client, admin_xj, three_counties):
    yining, huocheng = three_counties
    client.force_login(admin_xj)
    home = client.get(reverse("home")).content.decode()
    relief_board = home[home.index(reverse("indicators:fund_checks", args=[RELIEF])) :]
    assert f'href="{board_url("654000")}"' in row_html(relief_board, "654000")

    province = client.get(board_url("650000")).content.decode()
    assert f'href="{board_url("654000")}"' in row_html(province, "654000")
    # One table for both pages: the home page's row of 伊犁州 is the province board's.
    assert row_html(relief_board, "654000") == row_html(province, "654000")
    assert f'href="{board_url("652900")}"' in row_html(province, "652900")  # 阿克苏地区

    ili = client.get(board_url("654000"))
    assert ili.status_code == 200
    page = ili.content.decode()
    # Seed 003: 伊犁州's 11 counties and 2 budget units.
    assert len(shown_regions(page)) == 13
    assert {"654002", "654023", "654003", "654000-01"} <= set(shown_regions(page))
    yining_row = row_html(page, "654002")
    # A county has nothing below: its row leads to its return, not to another board.
    assert f'href="{reverse("indicators:detail", args=[yining.pk])}"' in yining_row
    assert "/board/" not in yining_row
    assert "/board/" not in row_html(page, "654003") and "查看填报" not in row_html(page, "654003")


def test_breadcrumbs_go_back_up_to_the_readers_own_region_and_no_higher(client, admin_xj, reviewer_yili):
    client.force_login(admin_xj)
    crumbs = re.search(
        r'<ol class="breadcrumb.*?</ol>', client.get(board_url("654000")).content.decode(), re.S
    )
    assert f'<a href="{board_url("650000")}">新疆</a>' in crumbs.group(0)
    assert '<li class="breadcrumb-item active" aria-current="page">伊犁州</li>' in crumbs.group(0)

    client.force_login(reviewer_yili)
    crumbs = re.search(
        r'<ol class="breadcrumb.*?</ol>', client.get(board_url("654000")).content.decode(), re.S
    )
    assert "新疆" not in crumbs.group(0) and board_url("650000") not in crumbs.group(0)


@pytest.mark.parametrize(
    ("status", "shown"),
    [("approved", ["654002"]), ("submitted", ["654023"]), ("draft", []), ("returned", [])],
)
def test_status_filter_shows_only_regions_in_that_state(client, reviewer_yili, three_counties, status, shown):
    client.force_login(reviewer_yili)
    page = client.get(board_url("654000"), {"status": status}).content.decode()
    assert shown_regions(page) == shown
    if not shown:
        assert "没有符合条件的地区或单位。" in page


def test_status_filter_none_shows_the_regions_not_started(client, reviewer_yili, three_counties):
    client.force_login(reviewer_yili)
    shown = shown_regions(client.get(board_url("654000"), {"status": "none"}).content.decode())
    assert len(shown) == 11 and "654002" not in shown and "654023" not in shown and "654003" in shown
    # An unknown filter shows the whole board rather than an empty one.
    assert len(shown_regions(client.get(board_url("654000"), {"status": "x"}).content.decode())) == 13


# --- who may open which board ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["650000", "652900", "652901"])
def test_ili_reviewer_finds_no_board_above_or_beside_ili(client, reviewer_yili, code):
    client.force_login(reviewer_yili)
    assert client.get(board_url(code)).status_code == 404


def test_another_prefectures_clerk_finds_no_ili_board(client, clerk_aksu):
    client.force_login(clerk_aksu)
    assert client.get(board_url("654000")).status_code == 404


def test_a_county_with_nothing_below_has_no_board(client, clerk_yining):
    client.force_login(clerk_yining)
    assert client.get(board_url("654002")).status_code == 404


def test_a_prefecture_where_the_money_stops_has_no_board(client, admin_xj):
    """Seed 000: the elderly fund goes to the prefectures and no further; 伊犁州's counties are
    not on it, so its row offers no board and the board's address finds nothing."""
    client.force_login(admin_xj)
    province = client.get(board_url("650000", fund="xj-2024-elderly")).content.decode()
    assert "/board/" not in row_html(province, "654000")
    assert client.get(board_url("654000", fund="xj-2024-elderly")).status_code == 404


def test_unknown_fund_or_region_is_404(client, admin_xj):
    client.force_login(admin_xj)
    assert client.get(board_url("654000", fund="no-such-fund")).status_code == 404
    assert client.get(board_url("999999")).status_code == 404


def test_board_needs_sign_in(client):
    response = client.get(board_url("650000"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_auditor_reads_the_boards_of_their_region_and_below(client, auditor_xj, three_counties):
    client.force_login(auditor_xj)
    assert client.get(board_url("650000")).status_code == 200
    page = client.get(board_url("654000")).content.decode()
    assert "已审核" in row_html(page, "654002")
    assert "/returns/start/" not in page  # reading, not filling in


# --- a fixed number of queries ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_board_costs_the_same_queries_for_10_or_150_counties(client):
    counts, province_counts = [], []
    for count in (10, 150):
        reviewer = synthetic_prefecture(count)
        client.force_login(reviewer)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(board_url(reviewer.region.code, fund=f"test-{count}")).content.decode()
        assert len(shown_regions(page)) == min(count, BOARD_PAGE_ROWS)  # a page of rows
        assert page.count("已提交") >= min(count, BOARD_PAGE_ROWS)
        counts.append(len(queries))
        # The province above, whose one row (the prefecture) counts its counties.
        viewer = person(f"viewer{count}", reviewer.region.parent.code, Role.VIEWER)
        client.force_login(viewer)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(board_url(reviewer.region.parent.code, fund=f"test-{count}")).content.decode()
        assert f"已提交 {count}" in row_html(page, reviewer.region.code)
        province_counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert province_counts[0] == province_counts[1], province_counts
    assert Return.objects.filter(fund__code="test-150").count() == 150


# --- a page of rows at a time ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_board_of_150_counties_lists_50_a_page_and_finds_one_by_name(client):
    reviewer = synthetic_prefecture(150)  # counties 县0 … 县149, codes 722000 … 722149
    client.force_login(reviewer)
    url = board_url(reviewer.region.code, fund="test-150")
    page = client.get(url).content.decode()
    assert shown_regions(page) == [f"72{2000 + i}" for i in range(50)]
    assert "第1–50个地区或单位，共150个" in page
    # The filter's buttons count the whole board, not the page.
    assert "全部 150" in page and "已提交 150" in page and "未开始 0" in page
    assert shown_regions(client.get(url, {"page": 3}).content.decode()) == [
        f"72{2000 + i}" for i in range(100, 150)
    ]
    assert len(shown_regions(client.get(url, {"page": "末页"}).content.decode())) == 50  # page 1
    # A name: 县14 and 县140 … 县149.
    found = client.get(url, {"q": "县14"}).content.decode()
    assert shown_regions(found) == ["722014", *[f"72{2140 + i}" for i in range(10)]]
    assert "名称含“县14”的11个" in found and "第1–" not in found  # one page: no page links
    # A state, and a name within it.
    Return.objects.filter(region__code__in=["722007", "722140"]).update(status=Return.Status.APPROVED)
    approved = client.get(url, {"status": "approved"}).content.decode()
    assert shown_regions(approved) == ["722007", "722140"] and "已审核 2" in approved
    assert shown_regions(client.get(url, {"status": "approved", "q": "县14"}).content.decode()) == ["722140"]


@pytest.mark.django_db
def test_the_home_page_lists_the_first_page_and_links_to_the_rest(client):
    reviewer = synthetic_prefecture(150)
    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert len(shown_regions(page)) == 50
    assert "共150个地区或单位，这里列出前50个" in page
    assert board_url(reviewer.region.code, fund="test-150") in page
