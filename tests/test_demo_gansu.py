"""The demo's second province: 甘肃省 › 张掖市, and seed 004's five projects of 张掖市民政局.

Two provinces in one deployment that cannot see each other: 甘肃's administrator sees 甘肃's
fund and nothing of 新疆's, and the other way round. The figures are typed from seed 004 in
tests/seed_figures.py, never computed by the code under test.
"""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from docx import Document

from evalportal.models import User
from indicators.ledger import FundLedger
from indicators.models import IndicatorActual, Return, TargetTable
from reports.builders import build
from reports.data import report_data
from reports.services import report_text_save
from tests.seed_figures import (
    ZHANGYE_COUNTS,
    ZHANGYE_ESTIMATES,
    ZHANGYE_HOME_CARE_RATE,
    ZHANGYE_HOME_CARE_REACH,
    ZHANGYE_PROJECTS,
    ZHANGYE_RETIREES_PAY_YUAN,
    ZHANGYE_TOTAL,
)
from transfers.models import Fund, Region
from transfers.services import project_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_printed_anew():
    """The home page's body is kept under its funds' data versions (home_views.home); these
    tests read what a page was printed from, so each prints its pages anew."""
    cache.clear()


D = Decimal

XJ_FUNDS = ("xj-2024-elderly", "xj-2024-relief")


@pytest.fixture
def fund():
    return Fund.objects.get(code="gs-2024-zhangye")


@pytest.fixture
def bureau():
    return Region.objects.get(code="620700-01")


@pytest.fixture
def admin_gs(db):
    return User.objects.get(username="admin_gs")


@pytest.fixture
def clerk_zhangye(db):
    return User.objects.get(username="clerk_zhangye")


def test_gansu_has_zhangye_its_six_counties_and_the_civil_affairs_bureau():
    gansu = Region.objects.get(code="620000")
    assert (gansu.name, gansu.short_name, gansu.level, gansu.parent) == ("甘肃省", "甘肃", 1, None)
    zhangye = Region.objects.get(code="620700")
    assert (zhangye.name, zhangye.parent, zhangye.level) == ("张掖市", gansu, Region.Level.PREFECTURE)
    # GB/T 2260: 张掖市's one district and five counties.
    counties = Region.objects.filter(parent=zhangye, kind=Region.Kind.ADMINISTRATIVE)
    assert dict(counties.values_list("code", "name")) == {
        "620702": "甘州区",
        "620721": "肃南裕固族自治县",
        "620722": "民乐县",
        "620723": "临泽县",
        "620724": "高台县",
        "620725": "山丹县",
    }
    bureau = Region.objects.get(code="620700-01")
    assert (bureau.name, bureau.parent, bureau.kind) == ("张掖市民政局", zhangye, Region.Kind.BUREAU)
    assert bureau.is_budget_unit and bureau.level == Region.Level.COUNTY


# --- the fund, its projects and their money ------------------------------------------------------


def test_the_bureaus_five_projects_in_its_order_with_their_seed_budgets(fund, bureau):
    assert fund.region.code == "620000" and fund.year == 2024
    projects = list(fund.projects.order_by("order"))
    assert [p.name for p in projects] == [name for name, _, _ in ZHANGYE_PROJECTS]
    assert {p.region for p in projects} == {bureau}
    assert projects[0].summary.startswith("用于城乡居民最低生活保障、城乡特困供养")
    # The city's own budget (市级预算): nothing was allocated, each return states its budget.
    assert not fund.allocations.exists()
    ledger = FundLedger(fund, bureau)
    for project, (name, budget, spent) in zip(projects, ZHANGYE_PROJECTS, strict=True):
        ret = Return.objects.get(fund=fund, project=project, period="year_end")
        assert ret.status == Return.Status.APPROVED, name
        local = ledger.return_money(ret).line("local")
        assert (local.budget, local.spent, local.stated) == (budget, spent, True), name
        assert ledger.return_money(ret).total.budget == budget, name  # no other money
    home_care = Return.objects.get(fund=fund, project=projects[4])
    assert ledger.return_money(home_care).total.rate == ZHANGYE_HOME_CARE_RATE


def test_the_bureau_and_the_province_count_the_five_projects_once(fund, bureau):
    for region in (bureau, bureau.parent, fund.region):
        total = FundLedger(fund, region).account().total
        assert (total.budget, total.spent, total.rate) == ZHANGYE_TOTAL, region.name


def test_the_boards_count_the_five_approved_project_returns_below_the_city_and_the_bureau(
    client, admin_gs, fund, bureau
):
    # The fund's money is stated in the projects' returns, not allocated: the projects are
    # reached by their returns, and the rows above them count those returns (已审核 5), as
    # the figures beside them do (68.84 下级已审核汇总).
    client.force_login(admin_gs)
    home = client.get(reverse("home"))
    (zhangye,) = home.context["funds"][0]["progress"]
    assert (zhangye.units, zhangye.below_display) == (5, [("已审核", 5)])
    assert zhangye.status_counts == {"approved": 5, "none": 0}
    assert "已审核 5" in home.content.decode()
    board = client.get(reverse("board", args=[fund.code, bureau.parent.code]))
    (row,) = board.context["rows"]
    assert (row.name, row.below_display) == ("张掖市民政局", [("已审核", 5)])
    assert "已审核 5" in board.content.decode()
    # A project is a unit itself: nothing below it.
    projects = client.get(reverse("board", args=[fund.code, bureau.code])).context["rows"]
    assert [p.below_display for p in projects] == [[]] * 5


def test_each_project_has_its_own_target_table_with_the_seeds_counts(fund):
    tables = {t.project.name: t for t in TargetTable.objects.filter(fund=fund).select_related("project")}
    assert set(tables) == {name for name, _, _ in ZHANGYE_PROJECTS}
    assert all(t.region is None and t.parent is None for t in tables.values())  # the bureau's own
    first = tables[ZHANGYE_PROJECTS[0][0]]
    assert first.overall_goals.count("\n") == 3  # four numbered goals
    counts = {
        ZHANGYE_PROJECTS[1][0]: ZHANGYE_COUNTS["retired_workers"],
        ZHANGYE_PROJECTS[2][0]: ZHANGYE_COUNTS["visited"],
        ZHANGYE_PROJECTS[3][0]: ZHANGYE_COUNTS["care_homes"],
    }
    for name, count in counts.items():
        quantity = tables[name].indicators.get(level2="数量指标")
        assert quantity.target_text == count, name
        assert quantity.actuals.get().actual_text == count, name


def test_a_project_of_the_fund_is_run_within_its_province(fund, bureau):
    with pytest.raises(ValueError, match="伊宁市不在甘肃省"):
        project_save(actor=None, fund=fund, region=Region.objects.get(code="654002"), name="越界项目")
    with pytest.raises(ValueError, match="张掖市是地州市"):
        project_save(actor=None, fund=fund, region=bureau.parent, name="市级项目")
    project, _ = project_save(actor=None, fund=fund, region=bureau, name="张掖市民政局测试项目", order=9)
    assert (project.region, project.order) == (bureau, 9)
    with pytest.raises(ValueError, match="资金总概算不能为负数"):
        project_save(actor=None, fund=fund, region=bureau, name=project.name, total_estimate=D("-1"))
    _, changes = project_save(
        actor=None, fund=fund, region=bureau, name=project.name, total_estimate=D("2.472")
    )
    assert changes == {"资金总概算（万元）": ["", "2.472"]}  # audited, to the 元


# --- two provinces that cannot see each other --------------------------------------------------------


def _fund_codes(response) -> set[str]:
    return {f.code for f in response.context["funds"]} if "funds" in response.context else set()


def test_gansus_administrator_sees_gansus_fund_and_nothing_of_xinjiang(client, admin_gs):
    client.force_login(admin_gs)
    home = client.get(reverse("home"))
    assert [row["fund"].code for row in home.context["funds"]] == ["gs-2024-zhangye"]
    assert [row.name for row in home.context["funds"][0]["progress"]] == ["张掖市"]
    assert _fund_codes(client.get(reverse("reports:index"))) == {"gs-2024-zhangye"}
    imports = client.get(reverse("imports:index"))
    assert _fund_codes(imports) == {"gs-2024-zhangye"}
    for page in (home, imports, client.get(reverse("reports:index"))):
        text = page.content.decode()
        assert "新疆" not in text and "困难群众救助补助资金" not in text
    for code in XJ_FUNDS:
        assert client.get(reverse("reports:fund_files", args=[code])).status_code == 404
    xj_return = Return.objects.filter(fund__code="xj-2024-elderly").first()
    assert client.get(reverse("indicators:detail", args=[xj_return.pk])).status_code == 404


def test_xinjiangs_administrator_sees_nothing_of_gansu(client, admin_xj, fund):
    client.force_login(admin_xj)
    home = client.get(reverse("home"))
    assert {row["fund"].code for row in home.context["funds"]} == set(XJ_FUNDS)
    assert _fund_codes(client.get(reverse("reports:index"))) == set(XJ_FUNDS)
    assert _fund_codes(client.get(reverse("imports:index"))) == set(XJ_FUNDS)
    for name in ("reports:index", "imports:index", "home"):
        assert "张掖" not in client.get(reverse(name)).content.decode(), name
    assert client.get(reverse("reports:fund_files", args=[fund.code])).status_code == 404
    for ret in Return.objects.filter(fund=fund):
        assert client.get(reverse("indicators:detail", args=[ret.pk])).status_code == 404


# --- the bureau's clerk -----------------------------------------------------------------------------------


def test_the_bureaus_clerk_finds_the_five_project_returns_on_his_home_page(client, clerk_zhangye, fund):
    client.force_login(clerk_zhangye)
    (row,) = client.get(reverse("home")).context["funds"]
    assert row["fund"] == fund and row["fills"]
    year_end = [(node.name, ret) for node, period, ret, _ in row["returns"] if period.value == "year_end"]
    # Only the projects: the bureau reports through them, it has no return of its own.
    assert [name for name, _ in year_end] == [name for name, _, _ in ZHANGYE_PROJECTS]
    assert all(ret is not None and ret.status == Return.Status.APPROVED for _, ret in year_end)
    assert row["own_money"].budget == ZHANGYE_TOTAL[0]  # what the returns state, nothing allocated
    page = client.get(reverse("home")).content.decode()
    assert '本级资金 <strong class="text-body">68.87</strong> 万元' in page


def test_the_bureaus_clerk_opens_each_project_return_and_nobody_else_does(
    client, clerk_zhangye, clerk_yining, fund
):
    returns = Return.objects.filter(fund=fund, period="year_end").select_related("project")
    assert returns.count() == 5
    client.force_login(clerk_zhangye)
    for ret in returns:
        page = client.get(reverse("indicators:detail", args=[ret.pk]))
        assert page.status_code == 200 and ret.project.name in page.content.decode()
    xj_return = Return.objects.filter(fund__code="xj-2024-elderly").first()
    assert client.get(reverse("indicators:detail", args=[xj_return.pk])).status_code == 404
    client.force_login(clerk_yining)
    for ret in returns:
        assert client.get(reverse("indicators:detail", args=[ret.pk])).status_code == 404


def test_the_bureaus_clerk_starts_a_projects_monitoring_return_with_its_own_table(
    client, clerk_zhangye, fund
):
    project = fund.projects.get(name=ZHANGYE_PROJECTS[4][0])
    client.force_login(clerk_zhangye)
    response = client.post(
        reverse("indicators:start", args=[fund.code]), {"period": "mid_year", "project": project.pk}
    )
    ret = Return.objects.get(fund=fund, project=project, period="mid_year")
    assert response["Location"] == reverse("indicators:edit", args=[ret.pk])
    form = client.get(response["Location"]).content.decode()
    assert "养老服务信息平台运营服务费用" in form and "≤30万元" in form
    assert 'name="funding-local-budget"' in form  # the bureau's own money: its budget is typed


# --- report F of 张掖市民政局 ---------------------------------------------------------------------------------


@pytest.fixture
def report_f(fund, bureau) -> list[str]:
    data = report_data(fund=fund, region=bureau)
    assert data.warnings == []  # every project approved; the bureau reports through them
    return [p.text for p in Document(BytesIO(build(data, kind="f", format="docx"))).paragraphs]


def test_report_f_has_the_bureaus_five_chapters_in_its_order(report_f):
    assert report_f[0].split("\n") == ["张掖市民政局", "2024年度项目支出绩效自评报告"]
    chapters = [t for t in report_f if t[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert chapters == [
        f"{n}、{name}" for n, (name, _, _) in zip("一二三四五", ZHANGYE_PROJECTS, strict=True)
    ]
    assert "项目概况：用于城乡居民最低生活保障、城乡特困供养、结对帮扶关爱张掖工作经费" in report_f[2]
    assert report_f[-2:] == ["张掖市民政局", "年    月    日"]  # 落款, signed by hand


def test_report_f_prints_each_projects_budget_and_spending_from_seed_004(report_f):
    # 二1: “该项目资金总概算2.472万元，2024市级预算金额2.472万元” — the estimate, then the year's budget.
    for (name, budget, _spent), estimate in zip(ZHANGYE_PROJECTS, ZHANGYE_ESTIMATES, strict=True):
        whole = f"资金总概算{estimate}万元，" if estimate is not None else ""
        assert f"该项目{whole}2024年全年预算数{budget}万元，全部为市县财政资金。" in report_f, name
    for _name, _budget, spent in ZHANGYE_PROJECTS[:4]:  # paid in full
        assert f"全年执行{spent}万元，预算执行率100.00%。" in report_f
    _name, _budget, spent = ZHANGYE_PROJECTS[4]
    assert f"全年执行{spent}万元，预算执行率{ZHANGYE_HOME_CARE_RATE}%。" in report_f
    # 五 of the fifth project: below budget, with the bureau's own reason.
    assert f"全年预算执行率{ZHANGYE_HOME_CARE_RATE}%，资金未全部支出。" in report_f
    assert "因此项经费的拨付时间早而居家养老平台评估工作时间滞后，导致资金支付不同步。" in report_f
    pay = ZHANGYE_RETIREES_PAY_YUAN
    assert f"4.成本指标：生活补助资金，指标值为≤{pay}元，实际完成{pay}元，完成率100.00%。" in report_f


def test_report_f_leaves_out_what_seed_004_leaves_out_and_shows_no_blanks(report_f):
    # 二3 资金管理 in the first, second and fifth projects; 二4 in the first two only.
    assert report_f.count("3.项目资金管理情况分析。") == 3
    assert report_f.count("4.总体绩效目标完成情况分析。") == 2
    # 三 numbers the groups a table has: the third project has no 质量 indicator.
    assert "2.时效指标：慰问完成时间，指标值为“春节前夕完成”，已完成。" in report_f
    assert not [t for t in report_f if "尚未" in t or "未设定" in t]


def _report_f(fund, bureau) -> list[str]:
    return [
        p.text
        for p in Document(
            BytesIO(build(report_data(fund=fund, region=bureau), kind="f", format="docx"))
        ).paragraphs
    ]


def _chapter(texts: list[str], n: int) -> list[str]:
    """The paragraphs of the n-th project's chapter (1-based), its heading first."""
    starts = [i for i, t in enumerate(texts) if t[:2] in ("一、", "二、", "三、", "四、", "五、")]
    ends = [*starts[1:], len(texts) - 3]  # the 落款 (a blank line, the unit, the date) closes the last
    return texts[starts[n - 1] : ends[n - 1]]


def _after(texts: list[str], heading: str) -> list[str]:
    """The paragraphs under ``heading`` up to the next （…） heading."""
    start = texts.index(heading) + 1
    end = next((i for i in range(start, len(texts)) if texts[i].startswith("（")), len(texts))
    return texts[start:end]


def test_report_f_counts_a_projects_own_budget_once(fund, bureau):
    """The issue's 2.4 → 4.8 at 50%: the 市县 money a return states is the budget, once — not
    again as 省级 money, nor with the money its target table states added on top."""
    name, budget, spent = ZHANGYE_PROJECTS[2]
    project = fund.projects.get(name=name)
    TargetTable.objects.filter(project=project).update(stated_total=budget, stated_local=budget)
    ret = Return.objects.get(fund=fund, project=project, period="year_end")
    money = FundLedger(fund, bureau).return_money(ret)
    assert (money.total.budget, money.total.spent, money.total.rate) == (budget, spent, D("100.00"))
    assert (money.line("provincial").budget, money.line("local").budget) == (None, budget)
    chapter = _chapter(_report_f(fund, bureau), 3)
    assert f"该项目资金总概算{budget}万元，2024年全年预算数{budget}万元，全部为市县财政资金。" in chapter
    assert f"全年执行{spent}万元，预算执行率100.00%。" in chapter
    assert not [t for t in chapter if f"{budget * 2}" in t or "50.00%" in t]


def test_report_f_follows_the_order_the_office_gives(fund, bureau, clerk_zhangye):
    first, *_, last = fund.projects.order_by("order")
    for project, order in ((first, last.order + 1), (last, 0)):
        project_save(actor=clerk_zhangye, fund=fund, region=bureau, name=project.name, order=order)
    chapters = [t for t in _report_f(fund, bureau) if t[:2] in ("一、", "二、", "三、", "四、", "五、")]
    names = [name for name, _, _ in ZHANGYE_PROJECTS]
    assert chapters == [
        f"{n}、{name}" for n, name in zip("一二三四五", [names[4], *names[1:4], names[0]], strict=True)
    ]


def test_report_f_prints_an_indicator_of_words_as_words(report_f):
    # Seed 004's own sentence, numbers inside, read as qualitative and printed whole.
    home_care = _chapter(report_f, 5)
    reach = ZHANGYE_HOME_CARE_REACH.replace("“", "‘").replace("”", "’")  # quotes nest as ‘…’
    assert f"1.数量指标：居家老年人养老服务覆盖，指标值为“{reach}”，已完成。" in home_care
    # Words carry no 完成率; numbers do.
    groups = [t for t in report_f if t[:2] in ("1.", "2.", "3.", "4.") and "指标值为" in t]
    for text in groups:
        for part in text.split("；"):
            assert ("指标值为“" in part) != ("完成率" in part), part
    assert not [t for t in report_f if "为为" in t or "““" in t]


def test_report_f_six_and_seven_say_what_the_office_and_the_returns_say(fund, bureau, clerk_zhangye):
    texts = _report_f(fund, bureau)
    assert "无。" not in [
        t for n in range(1, 6) for t in _after(_chapter(texts, n), "（六）绩效自评结果拟应用和公开情况")
    ]
    # Fully spent, every target met: no problem claimed.
    first = _after(_chapter(texts, 1), "（六）绩效自评结果拟应用和公开情况")
    assert first == [
        "将自评结果作为以后年度预算安排和绩效目标设定的重要参考。",
        "绩效自评结果将在张掖市民政局门户网站进行公示公开，广泛接受社会监督。",
    ]
    # 29.97 of 30 spent: the measure its return calls for, and no 未完成 indicator.
    (use, _public) = _after(_chapter(texts, 5), "（六）绩效自评结果拟应用和公开情况")
    assert "督促加快预算执行进度" in use and "未完成" not in use
    assert _after(_chapter(texts, 5), "（七）其他需要说明的问题") == [
        "截至报告日，在中央巡视、各级审计和财会监督中未发现问题。"
    ]
    # What the bureau writes on its 报告文字 page goes into every chapter.
    report_text_save(
        actor=clerk_zhangye,
        fund=fund,
        region=bureau,
        values={
            "application": "自评结果作为2025年预算安排的依据。",
            "website": "张掖市人民政府网站",
            "other_matters": "本单位无其他需要说明的问题。",
        },
        base_version=0,
    )
    texts = _report_f(fund, bureau)
    for n in range(1, 6):
        chapter = _chapter(texts, n)
        assert _after(chapter, "（六）绩效自评结果拟应用和公开情况") == [
            "自评结果作为2025年预算安排的依据。",
            "绩效自评结果将在张掖市人民政府网站进行公示公开，广泛接受社会监督。",
        ], n
        assert _after(chapter, "（七）其他需要说明的问题") == ["本单位无其他需要说明的问题。"], n


def test_report_f_names_an_indicator_judged_missed_in_three_five_and_six(fund, bureau):
    name = ZHANGYE_PROJECTS[3][0]
    IndicatorActual.objects.filter(
        ret__project__name=name, indicator__name="民办养老机构自律性和社会诚信度"
    ).update(
        actual_text="部分机构有所提升", judged_met=False, reason="评定后整改未完成。", measure="督促整改。"
    )
    chapter = _chapter(_report_f(fund, bureau), 4)
    assert (
        "2.可持续影响指标：民办养老机构自律性和社会诚信度，指标值为“有所提升”，实际完成为“部分机构有所提升”，未完成。"
        in chapter
    )
    assert _after(chapter, "（五）偏离绩效目标的原因和下一步改进措施") == [
        "民办养老机构自律性和社会诚信度指标未完成，原因：评定后整改未完成。改进措施：督促整改。"
    ]
    (use, _public) = _after(chapter, "（六）绩效自评结果拟应用和公开情况")
    assert "对未完成的绩效指标逐项落实改进措施" in use and "督促加快预算执行进度" not in use


def test_render_report_writes_report_f_for_the_bureau(tmp_path, capsys):
    out = tmp_path / "f.docx"
    call_command("render_report", "gs-2024-zhangye", "--region", "620700-01", "--kind", "f", "-o", str(out))
    assert "提示" not in capsys.readouterr().err
    assert Document(str(out)).paragraphs[0].text.startswith("张掖市民政局")
