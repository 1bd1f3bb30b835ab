"""One ledger of money: every figure the same on every screen, check, workbook and document.

Each test builds a fund with money from several sources (central, provincial added by the
allocation import, a county's own matching money; a fund that goes to county projects),
then reads the same figures back from what people see — the return form and detail page,
the boards, the fund check page, the fund workbook, the 自评表 (DOCX and XLSX), reports A
and G — never from the ledger itself. Expected rates are worked by hand (half-up, two places).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.models import Return, TargetTable
from indicators.services import return_open, return_save
from reports.builders import build
from reports.data import report_data
from reports.exports import fund_export
from tests import readers
from tests.scenarios import (
    add_provincial_money,
    fill_submit_approve,
    met_input,
    project_fund,
    project_return,
    synthetic_prefecture,
    three_source_fund,
)
from tests.seed_figures import (
    DOMAIN_COUNTY_SOURCES,
    RELIEF_SUBTOTALS,
    YINING_RELIEF,
    YINING_RELIEF_ADVANCE,
    YINING_RELIEF_BATCH,
)
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db
D = Decimal

# 伊宁市 in xj-2024-relief: central 14005 (seed 003: 8419 + 5586), provincial 500 added by the
# allocation import, its own matching money stated as 208.11; it spends 13000 + 480 + 200.
#   13000 / 14005 = 92.82%   480 / 500 = 96.00%   200 / 208.11 = 96.10%
#   14005 + 500 + 208.11 = 14713.11;  13680 / 14713.11 = 92.98%
#   地方财政资金 (provincial + local): 708.11, 680 → 96.03%
YINING = {
    "中央财政资金": (YINING_RELIEF, D("13000"), D("92.82")),
    "省级财政资金": (D("500"), D("480"), D("96.00")),
    "市县财政资金": (D("208.11"), D("200"), D("96.10")),
    "其他资金": (None, None, None),
    "合计": (D("14713.11"), D("13680"), D("92.98")),
}
# Report G's sources table prints a source the county has none of as 0.00, as the 自评表 does.
NONE_PRINTED = (D("0"), D("0"), None)
YINING_G = YINING | {"其他资金": NONE_PRINTED}
YINING_BLOCK = {
    "年度资金总额": YINING["合计"],
    "中央财政资金": YINING["中央财政资金"],
    "地方财政资金": (D("708.11"), D("680"), D("96.03")),
    "其他资金": NONE_PRINTED,  # none of it: 0, as seed 000's 自评表 prints it
}
# 伊犁州 reports nothing of its own: its figures are its approved counties' (伊宁市 alone so far),
# over its whole budget (seed 003: 65682) plus the provincial 500 and 伊宁市's stated 208.11.
#   65682 + 500 + 208.11 = 66390.11;  13680 / 66390.11 = 20.61%
YILI = (D("66390.11"), D("13680"), D("20.61"))

YINING_FUNDING = {
    "central": {"spent": D("13000")},
    "provincial": {"spent": D("480")},
    "local": {"budget": D("208.11"), "spent": D("200")},
}


@pytest.fixture
def yining_saved(relief, admin_xj, clerk_yining):
    add_provincial_money(admin=admin_xj, fund=relief, amount=500)
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    return_save(
        ret=ret,
        actor=clerk_yining,
        base_version=ret.version,
        data=met_input(ret, funding=YINING_FUNDING),
    )
    return ret


@pytest.fixture
def yining_approved(yining_saved, clerk_yining, reviewer_yili):
    fill_submit_approve(yining_saved, clerk=clerk_yining, reviewer=reviewer_yili, funding=YINING_FUNDING)
    return yining_saved


def _doc(fund, code, kind):
    return readers.docx(
        build(report_data(fund=fund, region=Region.objects.get(code=code)), kind=kind, format="docx")
    )


def test_the_return_form_shows_each_source_against_its_own_budget(client, clerk_yining, yining_saved):
    client.force_login(clerk_yining)
    form = readers.page(client.get(reverse("indicators:edit", args=[yining_saved.pk])))
    assert readers.money_rows(form, table_heading="资金投入情况") == YINING


def test_the_detail_page_shows_the_same(client, reviewer_yili, yining_approved):
    client.force_login(reviewer_yili)
    detail = readers.page(client.get(reverse("indicators:detail", args=[yining_approved.pk])))
    assert readers.money_rows(detail, table_heading="资金投入情况") == YINING


def test_the_boards_show_the_same_and_the_prefecture_rolled_up(
    client, reviewer_yili, admin_xj, yining_approved
):
    client.force_login(reviewer_yili)
    name = yining_approved.fund.full_name
    assert readers.board_rows(readers.page(client.get(reverse("home"))), name)["伊宁市"] == YINING["合计"]
    client.force_login(admin_xj)
    province = readers.board_rows(readers.page(client.get(reverse("home"))), name)
    assert province["伊犁州"] == YILI


def test_the_fund_check_page_finds_nothing_wrong_with_the_money(
    client, reviewer_yili, relief, yining_approved
):
    client.force_login(reviewer_yili)
    page = readers.page(client.get(reverse("indicators:fund_checks", args=[relief.code])))
    yining = [readers.cell_text(td) for td in page.iter("td") if readers.cell_text(td).startswith("伊宁市：")]
    assert not [text for text in yining if "资金" in text or "执行数" in text or "预算数" in text]
    assert "伊宁市获分配" not in page.text_content()  # it has reported


def test_the_fund_workbook_shows_the_same(reviewer_yili, relief, yining_approved):
    book = readers.workbook(fund_export(fund=relief, region=reviewer_yili.region, user=reviewer_yili))
    lines = {
        row[4]: (readers.number(row[6]), readers.number(row[7]), readers.number(row[8]))
        for row in book["资金执行"].iter_rows(min_row=2, values_only=True)
        if row[0] == yining_approved.region.code
    }
    assert lines == YINING
    budgets = {row[1]: row for row in book["分地区预算"].iter_rows(min_row=2, values_only=True)}
    # 下达: 8419 提前下达; 5586 + 500 本次下达 = 6086; 14505 in all, before its own 208.11.
    yining = budgets["654002"]
    assert [readers.number(v) for v in yining[2:5]] == [
        YINING_RELIEF_ADVANCE,
        YINING_RELIEF_BATCH + 500,
        YINING_RELIEF + 500,
    ]
    assert tuple(readers.number(v) for v in yining[5:8]) == YINING["合计"]
    assert tuple(readers.number(v) for v in budgets["654000"][5:8]) == YILI


def test_the_evaluation_table_docx_and_xlsx_show_the_same(relief, yining_approved):
    assert readers.docx_money_block(_doc(relief, "654002", "b")) == YINING_BLOCK
    data = report_data(fund=relief, region=Region.objects.get(code="654002"))
    book = readers.workbook(build(data, kind="b", format="xlsx"))
    assert readers.xlsx_money_block(book["自评表"]) == YINING_BLOCK


def test_reports_a_and_g_show_the_same(relief, yining_approved):
    county = readers.docx_lines(readers.docx_table(_doc(relief, "654002", "g"), "资金来源"))
    assert county == YINING_G
    prefecture = readers.docx_lines(
        readers.docx_table(_doc(relief, "654000", "a"), "地区", "投入资金（万元）")
    )
    assert prefecture["伊宁市"] == YINING["合计"]
    assert prefecture["合计"] == YILI
    province = readers.docx_lines(readers.docx_table(_doc(relief, "650000", "a"), "地区", "投入资金（万元）"))
    assert province["伊犁哈萨克自治州"] == YILI


# --- domain.md: 14869.11 = 11894 central + 2767 provincial + 208.11 local -----------------------------


def test_a_county_with_three_sources_shows_each_one_at_100_percent(
    client, admin_xj, clerk_huocheng, reviewer_yili
):
    central, provincial, local, total = DOMAIN_COUNTY_SOURCES
    county = clerk_huocheng.region
    fund = three_source_fund(admin=admin_xj, county=county, central=central, provincial=provincial)
    funding = {
        "central": {"spent": central},
        "provincial": {"spent": provincial},
        "local": {"budget": local, "spent": local},
    }
    ret = return_open(fund=fund, region=county, actor=clerk_huocheng)
    return_save(
        ret=ret,
        actor=clerk_huocheng,
        base_version=ret.version,
        data=met_input(ret, funding=funding),
    )
    hundred = D("100.00")
    expected = {
        "中央财政资金": (central, central, hundred),
        "省级财政资金": (provincial, provincial, hundred),
        "市县财政资金": (local, local, hundred),
        "其他资金": (None, None, None),
        "合计": (total, total, hundred),
    }
    client.force_login(clerk_huocheng)
    form = readers.page(client.get(reverse("indicators:edit", args=[ret.pk])))
    assert readers.money_rows(form, table_heading="资金投入情况") == expected

    fill_submit_approve(ret, clerk=clerk_huocheng, reviewer=reviewer_yili, funding=funding)
    detail = readers.page(client.get(reverse("indicators:detail", args=[ret.pk])))
    assert readers.money_rows(detail, table_heading="资金投入情况") == expected
    block = readers.docx_money_block(_doc(fund, county.code, "b"))
    assert block["中央财政资金"] == (central, central, hundred)
    assert block["年度资金总额"] == (total, total, hundred)
    in_g = expected | {"其他资金": NONE_PRINTED}
    assert readers.docx_lines(readers.docx_table(_doc(fund, county.code, "g"), "资金来源")) == in_g


# --- a fund that goes to named county projects ----------------------------------------------------------


@pytest.fixture
def pilot(admin_xj, clerk_yining, clerk_huocheng, reviewer_yili, clerk_aksu, reviewer_aksu):
    """300 to three projects: 伊宁市 120 (spends 100), 霍城县 80 (80), 阿克苏市 100 (50)."""
    pf = project_fund(admin=admin_xj, amounts={"伊宁市": 120, "霍城县": 80, "阿克苏市": 100})
    for county, clerk, reviewer, spent in (
        ("伊宁市", clerk_yining, reviewer_yili, "100"),
        ("霍城县", clerk_huocheng, reviewer_yili, "80"),
        ("阿克苏市", clerk_aksu, reviewer_aksu, "50"),
    ):
        ret = project_return(pf, county, clerk=clerk)
        fill_submit_approve(ret, clerk=clerk, reviewer=reviewer, funding={"central": {"spent": D(spent)}})
    return pf


def test_a_prefecture_of_a_project_fund_gets_no_copy_of_the_targets(pilot, reviewer_yili):
    ret = return_open(fund=pilot.fund, region=reviewer_yili.region, actor=reviewer_yili)
    assert ret.actuals.count() == 0  # the targets went to the projects
    assert not TargetTable.objects.filter(fund=pilot.fund, region=reviewer_yili.region).exists()
    # It starts from its projects' approved spending, 100 + 80, and its history says so.
    assert ret.funding.get(source="central").spent == D("180")
    (event,) = AuditEvent.objects.filter(object_type="indicators.return", object_id=str(ret.pk))
    assert event.summary == "创建填报，按下级已审核数据填入"
    assert event.changes == {"中央财政资金·全年执行数": ["", "180.00"]}


def test_the_province_reaches_the_projects_where_no_prefecture_reported(client, pilot, admin_xj):
    client.force_login(admin_xj)
    board = readers.board_rows(readers.page(client.get(reverse("home"))), pilot.fund.full_name)
    # 伊犁州: 120 + 80 = 200, spent 180 → 90.00%; 阿克苏地区: 100, spent 50 → 50.00%.
    assert board["伊犁州"] == (D("200"), D("180"), D("90.00"))
    assert board["阿克苏地区"] == (D("100"), D("50"), D("50.00"))

    ret = return_open(fund=pilot.fund, region=admin_xj.region, actor=admin_xj)
    filled = {a.indicator.name: a.actual_text for a in ret.actuals.select_related("indicator")}
    assert filled["试点项目建设数量"] == "3个"  # 1个 in each of three projects, summed
    assert ret.funding.get(source="central").spent == D("230")

    execution = readers.docx_lines(
        readers.docx_table(_doc(pilot.fund, "650000", "a"), "地区", "投入资金（万元）")
    )
    assert execution["伊犁哈萨克自治州"] == (D("200"), D("180"), D("90.00"))
    assert execution["阿克苏地区"] == (D("100"), D("50"), D("50.00"))
    assert execution["合计"] == (D("300"), D("230"), D("76.67"))  # 230 / 300 = 76.666… → 76.67


def test_report_a_of_a_project_fund_prints_the_project_tables_only(pilot, reviewer_yili):
    return_open(fund=pilot.fund, region=reviewer_yili.region, actor=reviewer_yili)  # opened, never filled
    data = report_data(fund=pilot.fund, region=Region.objects.get(code="650000"))
    assert sorted(t.owner for t in data.child_tables) == sorted(p.name for p in pilot.projects.values())


def test_the_province_check_page_has_no_lines_nobody_can_fill(client, pilot, admin_xj, reviewer_yili):
    return_open(fund=pilot.fund, region=reviewer_yili.region, actor=reviewer_yili)
    client.force_login(admin_xj)
    text = client.get(reverse("indicators:fund_checks", args=[pilot.fund.code])).content.decode()
    assert "未填写全年实际完成值" not in text
    assert Return.objects.filter(fund=pilot.fund, project__isnull=False).count() == 3


# --- a fixed number of queries, whatever the number of regions -------------------------------------------


def test_checks_workbook_and_documents_cost_the_same_queries_for_10_or_150_counties(client):
    reads = {
        "checks": lambda fund, reviewer: client.get(reverse("indicators:fund_checks", args=[fund.code])),
        "home": lambda fund, reviewer: client.get(reverse("home")),
        "workbook": lambda fund, reviewer: fund_export(fund=fund, region=reviewer.region, user=reviewer),
        "report": lambda fund, reviewer: report_data(fund=fund, region=reviewer.region),
        "province report": lambda fund, reviewer: report_data(fund=fund, region=reviewer.region.parent),
    }
    counts = {name: [] for name in reads}
    for count in (10, 150):
        reviewer = synthetic_prefecture(count)
        Return.objects.filter(region__parent=reviewer.region).update(status=Return.Status.APPROVED)
        fund = Fund.objects.get(code=f"test-{count}")
        client.force_login(reviewer)
        for name, read in reads.items():
            with CaptureQueriesContext(connection) as queries:
                read(fund, reviewer)
            counts[name].append(len(queries))
        # The ledger's figures for the prefecture: 5 spent of 10 in every county.
        data = report_data(fund=fund, region=reviewer.region.parent)
        (line,) = data.execution.lines
        assert (line.budget, line.spent, line.rate) == (D(10) * count, D(5) * count, D("50.00"))
    assert all(small == large for small, large in counts.values()), counts


def test_a_county_reopened_and_changed_moves_the_board_and_the_report_together(
    client, relief, admin_xj, clerk_yining, reviewer_yili, yining_approved
):
    from indicators.services import return_reopen

    def both():
        client.force_login(admin_xj)
        board = readers.board_rows(readers.page(client.get(reverse("home"))), relief.full_name)["伊犁州"]
        table = readers.docx_table(_doc(relief, "650000", "a"), "地区", "投入资金（万元）")
        return board, readers.docx_lines(table)["伊犁哈萨克自治州"]

    assert both() == (YILI, YILI)
    return_reopen(ret=yining_approved, actor=admin_xj, reason="执行数有误")
    # Reopened, 伊宁市's figures are not approved ones any more: neither shows them.
    allocated = RELIEF_SUBTOTALS["伊犁州"][0] + 500
    assert both() == ((allocated, None, None), (allocated, None, None))
    funding = YINING_FUNDING | {"central": {"spent": YINING_RELIEF}}
    fill_submit_approve(yining_approved, clerk=clerk_yining, reviewer=reviewer_yili, funding=funding)
    # 14005 + 480 + 200 = 14685 of 66390.11 → 22.12%
    assert both() == ((D("66390.11"), D("14685"), D("22.12")),) * 2
