"""The demo's second province: 甘肃省 › 张掖市, and seed 004's five projects of 张掖市民政局.

Two provinces in one deployment that cannot see each other: 甘肃's administrator sees 甘肃's
fund and nothing of 新疆's, and the other way round. The figures are typed from seed 004 in
tests/seed_figures.py, never computed by the code under test.
"""

import pytest
from django.urls import reverse

from evalportal.models import User
from indicators.ledger import FundLedger
from indicators.models import Return, TargetTable
from tests.seed_figures import ZHANGYE_COUNTS, ZHANGYE_HOME_CARE_RATE, ZHANGYE_PROJECTS, ZHANGYE_TOTAL
from transfers.models import Fund, Region
from transfers.services import project_save

pytestmark = pytest.mark.django_db

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
