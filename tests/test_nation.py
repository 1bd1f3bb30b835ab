"""The central department's view (issue #14): one central fund across the provinces.

民政部's account belongs to no region and changes nothing; it reads each central fund with one
row a province, by the province's own ledger, the national total, and each indicator met
province by province. A province never sees another's through it.
"""

import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document as DocxDocument
from openpyxl import load_workbook

from evalportal.accounts import user_create
from evalportal.models import AuditEvent, Role, User
from indicators.models import IndicatorActual, IndicatorTarget, Return, TargetTable
from indicators.nation import NationalBoard, NationalIndicator, ProvinceResult, national_board
from tests.scenarios import gansu
from tests.seed_figures import (
    ELDERLY_EXECUTION,
    ELDERLY_INDICATORS,
    ELDERLY_TOTAL,
    RELIEF_COUNTIES,
    RELIEF_SUBTOTALS,
)
from transfers.models import Allocation, CentralFund, Fund, Notice, Region
from transfers.services import central_fund_save, fund_save

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

pytestmark = pytest.mark.django_db
D = Decimal
ELDERLY = "mca-2024-elderly"


@pytest.fixture
def ministry(db):
    """民政部's account of the demo: no region, role 中央部委."""
    return User.objects.get(username="ministry_mca")


@pytest.fixture
def elderly_central(db):
    """The demo's central fund of which xj-2024-elderly is 新疆's copy."""
    return CentralFund.objects.get(code=ELDERLY)


def link(fund: Fund, central: CentralFund) -> None:
    fund_save(actor=None, code=fund.code, name=fund.name, year=fund.year, region=fund.region, central=central)


def board_page(client, user, code=ELDERLY):
    client.force_login(user)
    return client.get(reverse("nation:board", args=[code]))


# --- the figures ------------------------------------------------------------------------------------


def test_the_ministry_reads_xinjiang_as_its_own_board_does(elderly_central):
    board = national_board(elderly_central)
    (line,) = board.lines
    budget, spent, rate = ELDERLY_TOTAL
    assert line.row.region.code == "650000"
    assert (line.central_money.budget, line.central_money.spent, line.central_money.rate) == (
        budget,
        spent,
        rate,
    )
    assert (board.central_money.budget, board.central_money.spent, board.central_money.rate) == (
        budget,
        spent,
        rate,
    )
    # The seed's 自评表: the lines whose 完成率 is 100 are met, the others missed.
    met = sum(1 for *_name, completion, _deviation in ELDERLY_INDICATORS if D(completion) >= 100)
    assert line.indicators_met == (met, len(ELDERLY_INDICATORS))
    missed = [i for i in board.indicators if i.missed]
    assert len(missed) == len(ELDERLY_INDICATORS) - met
    assert board.pending == []


def test_a_second_province_adds_its_money_and_waits_for_its_approval(elderly_central):
    gs = gansu()  # 1000 from the centre to 甘肃; its county's return is a draft
    link(gs.fund, elderly_central)
    board = national_board(elderly_central)
    assert [line.row.region.code for line in board.lines] == ["620000", "650000"]
    gansu_line = board.lines[0]
    assert gansu_line.central_money.budget == D("1000")
    assert gansu_line.central_money.spent is None  # nothing of 甘肃 approved
    assert gansu_line.indicators_met is None
    budget, spent, _rate = ELDERLY_TOTAL
    assert board.central_money.budget == budget + D("1000")
    assert board.central_money.spent == spent
    assert board.central_money.rate == D("0.29")  # 27.67 / 9454, half-up
    assert board.pending == ["甘肃"]


def test_the_board_reads_one_province_or_two_in_the_same_queries(client, ministry, elderly_central):
    client.force_login(ministry)
    url = reverse("nation:board", args=[ELDERLY])
    counts = []
    for step in ("one", "two"):
        cache.clear()  # the board built, not the body kept from the visit before (nation_views)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        if step == "one":
            link(gansu().fund, elderly_central)
    assert counts[0] == counts[1], counts


def test_the_page_prints_the_figures_and_the_missed_lines(client, ministry):
    page = board_page(client, ministry).content.decode()
    budget, spent, rate = ELDERLY_TOTAL
    assert "全国合计" in page
    assert f"{budget:,.2f}" in page and f"{spent:,.2f}" in page and f"{rate}%" in page
    name, target, actual, *_ = ELDERLY_INDICATORS[0]
    assert name in page and f"指标值{target}，实际{actual}" in page


def test_a_fund_with_nothing_approved_says_so_instead_of_an_empty_table(client, ministry):
    """The relief fund of the demo has no approved return anywhere: its indicator section says
    so in a line, not under six column headings of an empty table; the elderly fund's lists."""
    relief = board_page(client, ministry, "mca-2024-relief").content.decode()
    section = relief.split("绩效指标完成情况</h2>")[1].split("</section>")[0]
    assert "还没有省份的填报审核通过，尚无指标完成情况。" in section and "<table" not in section
    elderly = board_page(client, ministry).content.decode().split("绩效指标完成情况</h2>")[1]
    assert "<th>三级指标</th>" in elderly and "尚无指标完成情况" not in elderly


def test_a_figure_not_yet_approved_is_a_dash_as_its_rate_is(client, ministry):
    """The relief fund has nothing approved: 新疆's row and the national total print — for
    执行数 as for 执行率 (blank beside a dash read as a figure left out), the list of central
    funds the same."""
    relief = board_page(client, ministry, "mca-2024-relief").content.decode()
    row = relief.split('data-region="650000"')[1].split("</tr>")[0]
    total = relief.split('data-region="total"')[1].split("</tr>")[0]
    for printed in (row, total):
        cells = [cell.split("<", 1)[0] for cell in printed.split('<td class="num">')[1:7]]
        assert cells[1:3] == ["—", "—"] and cells[4:6] == ["—", "—"], cells


def test_the_ministry_lands_on_its_funds_and_sees_no_province_page(client, ministry):
    client.force_login(ministry)
    assert client.get(reverse("home")).url == reverse("nation:funds")
    page = client.get(reverse("nation:funds")).content.decode()
    assert "mca-2024-elderly" in page and "mca-2024-relief" in page
    # One year at a time, the latest first.
    CentralFund.objects.create(code="mca-2025-relief", name="来年测试资金", year=2025)
    page = client.get(reverse("nation:funds")).content.decode()
    assert "来年测试资金" in page and "mca-2024-relief" not in page
    assert 'aria-current="page" href="?year=2025">2025年资金（1项）' in page
    earlier = client.get(reverse("nation:funds"), {"year": "2024"}).content.decode()
    assert "mca-2024-relief" in earlier and "来年测试资金" not in earlier
    # No region: the provinces' own pages are outside its scope.
    assert client.get(reverse("board", args=["xj-2024-elderly", "650000"])).status_code == 404
    assert client.get(reverse("setup:funds")).status_code == 403


# --- a province not yet approved: its indicators by the roll-up rule ---------------------------------


def province_of_two_counties(central: CentralFund) -> Fund:
    """测试省 (760000) of one prefecture and two counties, its fund a copy of ``central``. Its
    table: 服务人次 ≥100人次, 满意度 ≥90%, 救助政策落实 (words: 应保尽保). 甲县 (10 allocated)
    reports 40人次, 92%, 应保尽保; 乙县 (30) 70人次, 85%, 应保尽保, both approved. Neither the
    province nor the prefecture has a return of its own."""
    province = Region.objects.create(code="760000", name="测试省", level=1)
    prefecture = Region.objects.create(code="760100", name="测试州", level=2, parent=province)
    fund, _ = fund_save(actor=None, code="t-2024-roll", name="测试资金", year=2024, region=province)
    link(fund, central)
    notice = Notice.objects.create(province=province, issuer="测试", number="测〔2024〕1号", title="测试")
    table = TargetTable.objects.create(fund=fund, region=province)
    lines = [
        ("产出指标", "数量指标", "服务人次", "≥100人次"),
        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%"),
        ("效益指标", "社会效益指标", "救助政策落实", "应保尽保"),
    ]
    targets = [
        IndicatorTarget.objects.create(
            table=table, level1=l1, level2=l2, name=name, target_text=target, order=order
        )
        for order, (l1, l2, name, target) in enumerate(lines, 1)
    ]
    for index, (name, amount, actuals) in enumerate(
        [("甲县", "10", ("40人次", "92%", "应保尽保")), ("乙县", "30", ("70人次", "85%", "应保尽保"))]
    ):
        county = Region.objects.create(code=f"76010{index + 1}", name=name, level=3, parent=prefecture)
        Allocation.objects.create(fund=fund, notice=notice, from_region=None, region=county, amount=D(amount))
        own = TargetTable.objects.create(fund=fund, region=county, parent=table)
        ret = Return.objects.create(fund=fund, region=county, status=Return.Status.APPROVED)
        ret.funding.create(source="central", spent=D("5"))
        for order, (target, actual) in enumerate(zip(targets, actuals, strict=True), 1):
            line = IndicatorTarget.objects.create(
                table=own,
                parent_indicator=target,
                level1=target.level1,
                level2=target.level2,
                name=target.name,
                target_text=target.target_text,
                order=order,
            )
            IndicatorActual.objects.create(ret=ret, indicator=line, actual_text=actual)
    return fund


def test_a_province_not_yet_approved_is_judged_on_its_counties_rolled_up(elderly_central):
    province_of_two_counties(elderly_central)
    board = national_board(elderly_central)
    line = next(line for line in board.lines if line.row.region.code == "760000")
    # 40 + 70 = 110人次 (≥100: met); 满意度 by allocation (92×10 + 85×30) / 40 = 86.75% (missed);
    # both counties 应保尽保: met.
    assert line.indicators_met == (2, 3) and line.indicators_rolled_up
    results = {i.name: r for i in board.indicators for r in i.results if r.province == "测试省"}
    assert (results["服务人次"].actual_text, results["服务人次"].met) == ("110人次", True)
    assert (results["满意度"].actual_text, results["满意度"].met) == ("86.75%", False)
    assert results["救助政策落实"].met is True and results["救助政策落实"].rolled_up
    assert board.pending == ["测试省"] and board.not_counted == []
    # 新疆's own approved return is read as before.
    xinjiang = next(line for line in board.lines if line.row.region.code == "650000")
    assert not xinjiang.indicators_rolled_up and xinjiang.indicators_met[1] == len(ELDERLY_INDICATORS)


def test_a_province_with_the_central_table_is_judged_on_it_once(elderly_central):
    fund = province_of_two_counties(elderly_central)
    # The table the centre sent, which the province's own return reports against; the
    # province's own table (the one passed down) is copied from it.
    central = TargetTable.objects.create(fund=fund, region=fund.region, is_central=True)
    for own in IndicatorTarget.objects.filter(
        table__fund=fund, table__region=fund.region, table__is_central=False
    ):
        sent = IndicatorTarget.objects.create(
            table=central,
            level1=own.level1,
            level2=own.level2,
            name=own.name,
            target_text=own.target_text,
            order=own.order,
        )
        own.parent_indicator = sent
        own.save()
    board = national_board(elderly_central)
    line = next(line for line in board.lines if line.row.region.code == "760000")
    assert line.indicators_met == (2, 3)
    results = [r for i in board.indicators for r in i.results if r.province == "测试省"]
    assert [r.actual_text for r in results] == ["110人次", "86.75%", results[2].actual_text]


def test_a_line_on_an_indicator_of_another_table_is_rolled_up_the_same(elderly_central):
    fund = province_of_two_counties(elderly_central)
    # 乙县's lines point at the province's indicators themselves, not at copies in its own table.
    for actual in IndicatorActual.objects.filter(ret__region__code="760102").select_related("indicator"):
        actual.indicator = actual.indicator.parent_indicator
        actual.save()
    TargetTable.objects.filter(fund=fund, region__code="760102").update(parent=None)
    IndicatorTarget.objects.filter(table__fund=fund, table__region__code="760102").delete()
    board = national_board(elderly_central)
    results = {i.name: r for i in board.indicators for r in i.results if r.province == "测试省"}
    assert results["服务人次"].actual_text == "110人次" and results["满意度"].actual_text == "86.75%"


def test_the_page_and_the_summary_mark_a_figure_rolled_up(client, ministry, elderly_central):
    province_of_two_counties(elderly_central)
    page = board_page(client, ministry).content.decode()
    assert '<li><span class="text-danger">测试省（下级汇总）</span>：指标值≥90%，实际86.75%</li>' in page
    response = client.get(reverse("reports:national_docx", args=[ELDERLY]))
    document = DocxDocument(io.BytesIO(b"".join(response.streaming_content)))
    _money, _indicators, open_lines = document.tables
    rows = [[cell.text for cell in row.cells] for row in open_lines.rows]
    assert ["满意度", "测试省（下级汇总）", "≥90%", "86.75%", "未完成"] in rows
    text = "\n".join(p.text for p in document.paragraphs)
    assert "测试省的省级自评尚未审核通过，其执行数和指标完成值取下级已审核的填报汇总" in text


def test_a_province_with_nothing_approved_is_not_counted(elderly_central):
    link(gansu().fund, elderly_central)  # its one county's return is a draft
    board = national_board(elderly_central)
    assert board.not_counted == ["甘肃"]
    assert next(line for line in board.lines if line.row.region.code == "620000").indicators_met is None


# --- the boards below the national one ---------------------------------------------------------------


def region_board(client, user, code, region_code):
    client.force_login(user)
    return client.get(reverse("nation:region_board", args=[code, region_code]))


def test_the_national_board_opens_each_province_s_own_board(client, ministry):
    page = board_page(client, ministry).content.decode()
    assert reverse("nation:region_board", args=[ELDERLY, "650000"]) in page
    page = region_board(client, ministry, ELDERLY, "650000").content.decode()
    budget, _spent, rate = ELDERLY_TOTAL
    assert f'全年预算数 <strong class="text-body">{budget:,.2f}</strong> 万元，执行率 {rate}%' in page
    # 伊犁州's row, as the seed's execution table prints it.
    ili_budget, ili_spent, ili_rate = ELDERLY_EXECUTION["伊犁哈萨克自治州"]
    row = page[page.index('data-region="654000"') :].split("</tr>")[0]
    assert f">{D(ili_budget):,.2f}<" in row and f">{D(ili_spent):,.2f}" in row and f">{ili_rate}%<" in row
    # The trail goes back to the national board, not to a province's home page; every
    # prefecture's return is approved, and none of them opens from here.
    assert reverse("nation:board", args=[ELDERLY]) in page
    assert "已审核" in row and "查看填报" not in page and "/returns/" not in page.split("<main")[-1]


def test_the_ministry_goes_down_to_a_prefecture_and_opens_no_return(client, ministry):
    relief = "mca-2024-relief"
    page = region_board(client, ministry, relief, "650000").content.decode()
    below = reverse("nation:region_board", args=[relief, "654000"])
    assert below in page
    page = region_board(client, ministry, relief, "654000").content.decode()
    assert f'全年预算数 <strong class="text-body">{RELIEF_SUBTOTALS["伊犁州"][0]:,.2f}</strong>' in page
    row = page[page.index("伊宁市") :].split("</tr>")[0]
    assert f"{RELIEF_COUNTIES['伊宁市'][0]:,.2f}" in row
    # Read only: no return, form or monitoring page of the province, nor its own board.
    for name in ("/returns/", "/monitoring/", "/board/"):
        assert name not in page.split("<main")[-1], name
    assert reverse("nation:board", args=[relief]) in page


def test_the_ministry_reads_only_provinces_of_the_fund(client, ministry):
    # 甘肃 has not linked a fund to it; an unknown region; a county with nothing below it.
    assert region_board(client, ministry, ELDERLY, "620000").status_code == 404
    assert region_board(client, ministry, ELDERLY, "999999").status_code == 404
    assert region_board(client, ministry, "mca-2024-relief", "654002").status_code == 404
    assert region_board(client, ministry, "mca-2099-none", "650000").status_code == 404


@pytest.mark.parametrize("username", ["admin_xj", "reviewer_yili", "auditor_xj", "admin_gs"])
def test_no_province_account_opens_a_board_through_the_nation(client, username):
    response = region_board(client, User.objects.get(username=username), ELDERLY, "650000")
    assert response.status_code == 403


def test_the_boards_below_take_the_same_queries_at_every_level(client, ministry):
    client.force_login(ministry)
    counts = []
    for code in ("650000", "650000", "654000"):  # the first read warms the session
        with CaptureQueriesContext(connection) as queries:
            assert (
                client.get(reverse("nation:region_board", args=["mca-2024-relief", code])).status_code == 200
            )
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin_xj", "reviewer_yili", "auditor_xj", "admin_gs"])
def test_no_province_account_reads_the_nation(client, username):
    client.force_login(User.objects.get(username=username))
    assert client.get(reverse("nation:funds")).status_code == 403
    assert client.get(reverse("nation:board", args=[ELDERLY])).status_code == 403


def test_the_nation_needs_sign_in_and_a_known_fund(client, ministry):
    assert client.get(reverse("nation:board", args=[ELDERLY])).status_code == 302
    assert board_page(client, ministry, code="mca-2099-none").status_code == 404


def test_a_province_administrator_cannot_make_a_ministry_account(admin_xj):
    with pytest.raises(ValidationError, match="由系统管理员在管理后台创建"):
        user_create(
            actor=admin_xj,
            username="m1",
            display_name="部委",
            region=admin_xj.region,
            role=Role.MINISTRY,
            password="Ab3$kLmn9xQ",
        )
    assert not User.objects.filter(username="m1").exists()


def test_a_ministry_account_belongs_to_no_region(db):
    user = User(
        username="ministry_x", role=Role.MINISTRY, region=Fund.objects.get(code="xj-2024-elderly").region
    )
    with pytest.raises(ValidationError, match="中央部委账号不属于任何地区"):
        user.full_clean()
    assert User(username="ministry_y", role=Role.MINISTRY).is_read_only


# --- a province points its fund at a central fund ---------------------------------------------------


def test_a_province_admin_links_its_fund_on_the_fund_form(client, elderly_central):
    gs = gansu()
    client.force_login(gs.admin)
    url = reverse("setup:fund_edit", args=[gs.fund.code])
    data = {"name": gs.fund.name, "year": gs.fund.year, "central": elderly_central.pk}
    assert client.post(url, data).status_code == 302
    gs.fund.refresh_from_db()
    assert gs.fund.central == elderly_central
    event = AuditEvent.objects.filter(fund=gs.fund).latest("pk")
    assert "中央资金" in event.changes


def test_a_fund_links_only_to_a_central_fund_of_its_year_and_once_a_province(elderly_central):
    gs = gansu()
    later, _ = central_fund_save(actor=None, code="mca-2025-test", name="测试中央资金", year=2025)
    with pytest.raises(ValidationError, match="是2025年的"):
        link(gs.fund, later)
    link(gs.fund, elderly_central)
    second, _ = fund_save(actor=None, code="gs-2024-second", name="第二项", year=2024, region=gs.fund.region)
    with pytest.raises(ValidationError, match="每个省份只对应一项"):
        link(second, elderly_central)


def test_an_import_of_the_fund_keeps_its_link(elderly_central):
    fund = Fund.objects.get(code="xj-2024-elderly")
    fund_save(
        actor=None,
        code=fund.code,
        name=fund.name,
        year=fund.year,
        region=fund.region,
        direction=fund.direction,
    )
    fund.refresh_from_db()
    assert fund.central == elderly_central


# --- the summary documents ----------------------------------------------------------------------------


def test_the_ministry_downloads_the_summary_as_word_and_excel(client, ministry):
    client.force_login(ministry)
    budget, spent, rate = ELDERLY_TOTAL
    response = client.get(reverse("reports:national_docx", args=[ELDERLY]))
    assert response.status_code == 200
    assert unquote(response["Content-Disposition"]).endswith("各省绩效自评汇总表.docx")
    document = DocxDocument(io.BytesIO(b"".join(response.streaming_content)))
    money, indicators, open_lines = document.tables
    total = [cell.text for cell in money.rows[-1].cells]
    assert total[:4] == ["全国合计", f"{budget:.2f}", f"{spent:.2f}", f"{rate}%"]
    assert len(indicators.rows) == 1 + len(ELDERLY_INDICATORS)
    # The seed's first indicator is one 新疆 missed: counted in 表2, named with its figures in 表3.
    name, target, actual, *_ = ELDERLY_INDICATORS[0]
    first = [cell.text for cell in indicators.rows[1].cells]
    assert name in first[2] and first[3:5] == ["0/1省", "1省"]
    assert [cell.text for cell in open_lines.rows[0].cells] == [
        "三级指标",
        "省份",
        "指标值",
        "实际完成值",
        "情况",
    ]
    missed = [cell.text for cell in open_lines.rows[1].cells]
    assert name in missed[0] and missed[1:] == ["新疆", target, actual, "未完成"]

    response = client.get(reverse("reports:national_xlsx", args=[ELDERLY]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["各省资金执行", "绩效指标完成", "未完成和需人工判断"]
    values = [[cell for cell in row] for row in book["各省资金执行"].iter_rows(values_only=True)]
    (total_row,) = [row for row in values if row[0] == "全国合计"]
    assert [D(str(total_row[1])), D(str(total_row[2]))] == [budget, spent]


def test_a_draft_summary_says_which_provinces_are_not_approved(client, ministry, elderly_central):
    link(gansu().fund, elderly_central)
    client.force_login(ministry)
    response = client.get(reverse("reports:national_docx", args=[ELDERLY]))
    text = "\n".join(
        p.text for p in DocxDocument(io.BytesIO(b"".join(response.streaming_content))).paragraphs
    )
    assert "数据未全部审核" in text and "甘肃的省级自评尚未审核通过" in text


@pytest.mark.parametrize("name", ["national_docx", "national_xlsx"])
def test_no_province_account_downloads_the_summary(client, admin_xj, ministry, name):
    client.force_login(admin_xj)
    assert client.get(reverse(f"reports:{name}", args=[ELDERLY])).status_code == 403
    client.force_login(ministry)
    assert client.get(reverse(f"reports:{name}", args=["mca-2099-none"])).status_code == 404


def test_a_figure_a_person_must_judge_is_listed_in_table_3(client, ministry, elderly_central):
    province_of_two_counties(elderly_central)
    # 乙县 words its line otherwise: the roll-up cannot say every county met it.
    IndicatorActual.objects.filter(ret__region__code="760102", indicator__name="救助政策落实").update(
        actual_text="基本做到"
    )
    page = board_page(client, ministry).content.decode()
    assert "<li>测试省（下级汇总）：未全部完成</li>" in page
    response = client.get(reverse("reports:national_docx", args=[ELDERLY]))
    document = DocxDocument(io.BytesIO(b"".join(response.streaming_content)))
    _money, indicators, open_lines = document.tables
    line = next([c.text for c in row.cells] for row in indicators.rows if row.cells[2].text == "救助政策落实")
    assert line[3:] == ["0/1省", "—", "1省"]  # 新疆's table has no such line: only 测试省 reports it
    rows = [[cell.text for cell in row.cells] for row in open_lines.rows]
    assert ["救助政策落实", "测试省（下级汇总）", "应保尽保", "未全部完成", "需人工判断"] in rows


def test_every_row_of_table_3_names_its_indicator_so_no_page_starts_without_it():
    """Thirty provinces missing one indicator run over a page: a cell merged down over them
    printed the indicator's name on the first page only."""
    from reports.builders.docx_base import DocxWriter
    from reports.builders.docx_tables import render_table
    from reports.nation import _open_table

    provinces = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏",
                 "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西",
                 "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏"]  # fmt: skip
    missed = NationalIndicator(
        "产出指标", "数量指标", "特困人员供养人数",
        [ProvinceResult(name, "≥8000人", "7011人", False) for name in provinces],
    )  # fmt: skip
    judged = NationalIndicator(
        "效益指标", "社会效益指标", "困难群众基本生活",
        [ProvinceResult("新疆", "得到保障", "基本保障", None), ProvinceResult("西藏", "得到保障", "得到保障", True)],
    )  # fmt: skip
    board = NationalBoard(central=None, lines=[], total=None, indicators=[missed, judged], pending=[])
    table = _open_table(board)
    writer = DocxWriter()
    render_table(writer, table)
    (tbl,) = DocxDocument(io.BytesIO(writer.to_bytes())).tables
    rows = [[cell.text for cell in row.cells] for row in tbl.rows[1:]]
    assert [row[:2] for row in rows] == [["特困人员供养人数", name] for name in provinces] + [
        ["困难群众基本生活", "新疆"]
    ]
    assert rows[-1][2:] == ["得到保障", "基本保障", "需人工判断"]
    assert not list(tbl._tbl.iter(f"{W}vMerge"))


def test_table_2_keeps_its_headings_and_a_count_of_31_provinces_to_one_line():
    """表2's 需人工判断 heading broke into 需人 / 工判断 in a column of 1,000 twips."""
    from indicators.ledger import together
    from reports.builders.docx_base import DocxWriter
    from reports.builders.docx_tables import measure
    from reports.nation import national_tables

    results = [ProvinceResult(f"省{i}", "≥95%", "96%", True) for i in range(31)]
    indicator = NationalIndicator("产出指标", "数量指标", "补助资金按时发放率", results)
    board = NationalBoard(central=None, lines=[], total=together([]), indicators=[indicator], pending=[])
    _money, table, _open = national_tables(board)
    (grid,) = table.grids
    measured = measure(grid, DocxWriter().text_width, table.font_size)
    assert [cell.value for _w, cell, _c, _l in measured.cells[0]] == [
        "一级指标", "二级指标", "三级指标", "完成", "未完成", "需人工判断"
    ]  # fmt: skip
    assert [cell.value for _w, cell, _c, _l in measured.cells[1]][3:] == ["31/31省", "—", "—"]
    assert measured.heights == [1, 1]


def test_table_3_gives_the_indicator_the_room_and_a_province_and_its_state_one_line_each():
    """A row of 表3 is as tall as its indicator's name, which has the widest column: the
    province, rolled up or not, and 需人工判断 each keep to one line (the province's column was
    as wide as the indicator's, which wrapped a name of the seed onto four lines)."""
    from reports.builders.docx_base import DocxWriter
    from reports.builders.docx_tables import measure
    from reports.nation import _open_table

    def heights(name):
        results = [
            ProvinceResult("黑龙江", "≥95%", "33.93%", False, rolled_up=True),
            ProvinceResult("新疆", "≥95%", "基本到位", None),
        ]
        indicator = NationalIndicator("产出指标", "数量指标", name, results)
        table = _open_table(
            NationalBoard(central=None, lines=[], total=None, indicators=[indicator], pending=[])
        )
        (grid,) = table.grids
        measured = measure(grid, DocxWriter().text_width, table.font_size)
        assert [cell.value for _w, cell, _c, _l in measured.cells[1]][:2] == [name, "黑龙江（下级汇总）"]
        assert [cell.value for _w, cell, _c, _l in measured.cells[2]][1:] == [
            "新疆",
            "≥95%",
            "基本到位",
            "需人工判断",
        ]
        return measured.heights[1:]

    assert heights("补助资金按时发放率") == [1, 1]
    assert heights(
        "依据《老年人能力评估规范》国家标准，对申请享受救助待遇的救助对象开展综合能力评估的覆盖率"
    ) == [3, 3]
