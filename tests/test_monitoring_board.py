"""#12: the mid-year roll-up of forecasts and the province's board of lights (运行监控).

The demo's mid-year returns of xj-2024-elderly (fixtures/demo/xj-2024-elderly/monitoring.toml):
伊犁州 approved, red on 开展综合能力评估的覆盖率 (forecast 80% of 100%), the other 8 lines green;
塔城地区 submitted, yellow on 知晓率 (90% of ≥95%). 1–6月, yellow from 90%. The roll-up and the
drill-down are tried on xj-2024-relief, whose counties the tests fill in through the services.
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import Role, User
from indicators.models import IndicatorActual, IndicatorTarget, MonitoringPlan, Period, Return, TargetTable
from indicators.rollups import return_rollup
from indicators.services import return_approve, return_open, return_save, return_submit
from tests.scenarios import met_input, person
from transfers.models import Allocation, Fund, Notice, Region

pytestmark = pytest.mark.django_db

D = Decimal
RELIEF = "xj-2024-relief"
ELDERLY = "xj-2024-elderly"
MID = Period.MID_YEAR


def board_url(region: str, fund: str = RELIEF) -> str:
    return reverse("monitoring:board", args=[fund, region])


def row_html(page: str, code: str) -> str:
    match = re.search(rf'<tr data-region="{re.escape(code)}".*?</tr>', page, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def light_of(page: str, code: str) -> str:
    return re.search(r'data-light="([a-z]+)"', row_html(page, code)).group(1)


# --- the demo's mid-year data --------------------------------------------------------------------------


def test_the_demo_monitors_the_elderly_fund_to_june_with_two_prefectures(elderly):
    plan = MonitoringPlan.objects.get(fund=elderly)
    assert (plan.through_month, plan.yellow_from, plan.months_label) == (6, D("90"), "1–6月")
    returns = {
        r.region.code: r for r in Return.objects.filter(fund=elderly, period=MID).select_related("region")
    }
    assert {code: r.status for code, r in returns.items()} == {"654000": "approved", "654200": "submitted"}
    central = returns["654000"].funding.get(source="central")
    assert (central.spent, central.forecast) == (D("520.00"), D("950.00"))
    red = returns["654000"].actuals.get(indicator__order=2)  # 综合能力评估的覆盖率, 100%
    assert (red.actual_text, red.forecast_text) == ("72%", "80%")
    assert (red.get_deviation_cause_display(), red.get_likelihood_display()) == ("人员保障", "有可能")
    assert red.reason.startswith("具备资质的老年人能力评估人员不足") and red.measure.startswith("三季度委托")
    lagging = returns["654200"].funding.get(source="central")
    assert lagging.spent == D("98.00") and lagging.lag_reason.startswith("部分县市集中照护协议于5月签订")


# --- the roll-up of a mid-year return ----------------------------------------------------------------


RESCUES = "临时救助人次（监控测试）"


@pytest.fixture
def counted_rescues(relief, yili):
    """A count target on 伊犁州's table, which the counties opened after it take in their copies."""
    table = TargetTable.objects.get(fund=relief, region=yili, project__isnull=True)
    return IndicatorTarget.objects.create(
        table=table, level1="产出指标", level2="数量指标", name=RESCUES, target_text="≥200人次", order=99
    )


def approved_mid_year(fund, county: str, *, rescues: tuple[str, str], spent: str, forecast: str, reviewer):
    """A county's mid-year return, every line on track, approved by 伊犁州's reviewer."""
    clerk = person(f"clerk_{county}", county, Role.CLERK)
    ret = return_open(fund=fund, region=clerk.region, period=MID, actor=clerk)
    data = met_input(ret, funding={"central": {"spent": D(spent), "forecast": D(forecast)}})
    for line in ret.actuals.select_related("indicator"):
        typed = data.actuals[line.indicator_id]
        if line.indicator.name == RESCUES:
            typed["actual_text"], typed["forecast_text"] = rescues
        else:
            typed["forecast_text"] = typed["actual_text"]
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=data)
    return_submit(ret=ret, actor=clerk, acknowledge_warnings=True)
    return_approve(ret=ret, actor=reviewer)
    return ret


@pytest.fixture
def two_counties(relief, counted_rescues, reviewer_yili):
    """奎屯市 (930万元) and 霍尔果斯市 (484万元): 150 and 100 rescues by June, 300 and 220 for the year."""
    kuitun = approved_mid_year(
        relief, "654003", rescues=("150人次", "300人次"), spent="500", forecast="900", reviewer=reviewer_yili
    )
    khorgos = approved_mid_year(
        relief, "654004", rescues=("100人次", "220人次"), spent="250", forecast="480", reviewer=reviewer_yili
    )
    return kuitun, khorgos


def test_forecasts_of_a_count_roll_up_by_the_sum_rule(
    relief, yili, reviewer_yili, counted_rescues, two_counties
):
    ret = return_open(fund=relief, region=yili, period=MID, actor=reviewer_yili)
    rolled = return_rollup(ret)
    own = IndicatorActual.objects.get(ret=ret, indicator=counted_rescues)
    forecast, actual = rolled.forecasts[counted_rescues.pk], rolled.indicators[counted_rescues.pk]
    assert (forecast.rule, forecast.value, forecast.text) == ("sum", D("520"), "520人次")
    assert (actual.rule, actual.value, actual.text) == ("sum", D("250"), "250人次")
    assert [(c.region, c.value) for c in forecast.contributions] == [
        ("奎屯市", D("300")),
        ("霍尔果斯市", D("220")),
    ]
    # Opening the prefecture's return filled both from the approved returns below.
    assert (own.actual_text, own.forecast_text) == ("250人次", "520人次")


def test_mid_year_money_rolls_up_to_date_and_forecast(relief, yili, reviewer_yili, two_counties):
    ret = return_open(fund=relief, region=yili, period=MID, actor=reviewer_yili)
    central = ret.funding.get(source="central")
    assert (central.spent, central.forecast) == (D("750.00"), D("1380.00"))  # 500 + 250, 900 + 480


def test_fill_from_roll_up_replaces_a_typed_forecast_and_audits_it(
    relief, yili, reviewer_yili, counted_rescues, two_counties, new_events
):
    from indicators.services import return_fill_from_rollup

    ret = return_open(fund=relief, region=yili, period=MID, actor=reviewer_yili)
    IndicatorActual.objects.filter(ret=ret, indicator=counted_rescues).update(forecast_text="600人次")
    ret.funding.filter(source="central").update(forecast=D("1"))
    changes = return_fill_from_rollup(ret=ret, actor=reviewer_yili)
    assert changes[f"指标“{RESCUES}”·全年预计完成值"] == ["600人次", "520人次"]
    assert changes["中央财政资金·全年预计执行数"] == ["1.00", "1380.00"]
    assert IndicatorActual.objects.get(ret=ret, indicator=counted_rescues).forecast_text == "520人次"
    assert new_events().filter(summary="按下级汇总数据填入").count() == 1


def test_a_year_end_roll_up_has_no_forecasts(relief, yili, reviewer_yili):
    ret = return_open(fund=relief, region=yili, actor=reviewer_yili)
    assert return_rollup(ret).forecasts == {}


# --- the board of lights -----------------------------------------------------------------------------


def test_province_board_shows_red_for_ili_and_yellow_for_tacheng(client, admin_xj):
    client.force_login(admin_xj)
    response = client.get(board_url("650000", fund=ELDERLY))
    assert response.status_code == 200
    page = response.content.decode()
    ili, tacheng = row_html(page, "654000"), row_html(page, "654200")
    assert light_of(page, "654000") == "red" and 'aria-label="红灯">红</span>' in ili
    assert "已审核" in ili and "8 / 0 / 1" in ili
    # The ledger's figures of the approved return: 520 / 966 and 950 / 966.
    assert "520.00" in ili and "53.83%" in ili and "950.00" in ili and "98.34%" in ili
    ili_return = Return.objects.get(fund__code=ELDERLY, region__code="654000", period=MID)
    assert reverse("indicators:detail", args=[ili_return.pk]) in ili
    assert light_of(page, "654200") == "yellow" and ">黄</span>" in tacheng
    assert "已提交" in tacheng and "8 / 1 / 0" in tacheng and "待审核通过" in tacheng
    assert light_of(page, "652900") == "none" and "未开始" in row_html(page, "652900")
    assert "数据截至1–6月" in page and "1–6月执行率" in page
    # The money stops at the prefectures: no board below them.
    assert "/monitoring/" not in ili


def test_a_county_with_every_line_on_track_is_green(client, relief, reviewer_yili, counted_rescues):
    ret = approved_mid_year(
        relief, "654003", rescues=("150人次", "300人次"), spent="500", forecast="900", reviewer=reviewer_yili
    )
    client.force_login(reviewer_yili)
    row = row_html(client.get(board_url("654000")).content.decode(), "654003")
    assert 'data-light="green"' in row and 'aria-label="绿灯">绿</span>' in row and "15 / 0 / 0" in row
    assert "53.76%" in row and "96.77%" in row  # 500 / 930, 900 / 930
    assert reverse("indicators:detail", args=[ret.pk]) in row


def test_a_region_without_its_own_return_shows_the_worst_approved_light_below(
    client, relief, admin_xj, reviewer_yili, counted_rescues, two_counties
):
    """伊犁州 has no relief return: its light is the worst of the approved returns its figures
    roll up from. 霍尔果斯市 reopened and made red, then approved again, turns it red."""
    client.force_login(admin_xj)
    page = client.get(board_url("650000")).content.decode()
    assert light_of(page, "654000") == "green" and "下级已审核" in row_html(page, "654000")
    assert "30 / 0 / 0" in row_html(page, "654000")  # two counties, 15 lines each
    assert f'href="{board_url("654000")}"' in row_html(page, "654000")
    assert light_of(page, "652900") == "none"  # 阿克苏地区: nothing reported

    _kuitun, khorgos = two_counties
    line = IndicatorActual.objects.get(ret=khorgos, indicator__name=RESCUES)  # its copy of the target
    line.forecast_text = "120人次"  # 60% of ≥200人次
    line.save(update_fields=["forecast_text"])
    page = client.get(board_url("650000")).content.decode()
    assert light_of(page, "654000") == "red" and "29 / 0 / 1" in row_html(page, "654000")


def test_a_submitted_return_below_does_not_light_the_region_above(client, relief, admin_xj, counted_rescues):
    clerk = person("clerk_654003", "654003", Role.CLERK)
    ret = return_open(fund=relief, region=clerk.region, period=MID, actor=clerk)
    Return.objects.filter(pk=ret.pk).update(status=Return.Status.SUBMITTED)
    IndicatorActual.objects.filter(ret=ret).update(actual_text="1%", forecast_text="1%")
    client.force_login(admin_xj)
    page = client.get(board_url("650000")).content.decode()
    assert light_of(page, "654000") == "none"
    assert light_of(client.get(board_url("654000")).content.decode(), "654003") == "red"


def test_breadcrumbs_lead_back_to_the_province_board(client, admin_xj):
    client.force_login(admin_xj)
    crumbs = re.search(
        r'<ol class="breadcrumb.*?</ol>', client.get(board_url("654000")).content.decode(), re.S
    )
    assert f'<a href="{board_url("650000")}">新疆</a>' in crumbs.group(0)
    assert '<li class="breadcrumb-item active" aria-current="page">伊犁州</li>' in crumbs.group(0)


def test_the_year_end_board_and_home_link_to_the_board_of_lights(client, admin_xj):
    client.force_login(admin_xj)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{board_url("650000")}">运行监控</a>' in home
    assert f'href="{board_url("650000", fund=ELDERLY)}">运行监控</a>' in home
    year_end = client.get(reverse("board", args=[RELIEF, "654000"])).content.decode()
    assert f'href="{board_url("654000")}">运行监控</a>' in year_end


def test_a_fund_with_a_cut_off_of_july_says_so(client, elderly, admin_xj):
    MonitoringPlan.objects.filter(fund=elderly).update(through_month=7)
    client.force_login(admin_xj)
    page = client.get(board_url("650000", fund=ELDERLY)).content.decode()
    assert "数据截至1–7月" in page and "1–7月执行数" in page


def test_a_fund_without_a_plan_is_monitored_to_june(client, relief, admin_xj):
    assert not MonitoringPlan.objects.filter(fund=relief).exists()
    client.force_login(admin_xj)
    assert "数据截至1–6月" in client.get(board_url("650000")).content.decode()


# --- who may see which board ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "fund", "region"),
    [
        ("admin_gs", RELIEF, "654000"),  # 甘肃 sees no 新疆 fund …
        ("admin_gs", "gs-2024-zhangye", "654000"),  # … and no 新疆 region with its own fund
        ("clerk_zhangye", "gs-2024-zhangye", "650000"),
        ("clerk_yining", RELIEF, "654000"),  # a county clerk on its prefecture
        ("reviewer_yili", RELIEF, "650000"),  # the prefecture on the province
        ("reviewer_yili", RELIEF, "652900"),  # … and on another prefecture
    ],
)
def test_no_board_outside_the_readers_region(client, username, fund, region):
    client.force_login(User.objects.get(username=username))
    assert client.get(board_url(region, fund=fund)).status_code == 404


def test_a_county_has_no_board_and_unknown_codes_are_404(client, admin_xj, clerk_yining):
    client.force_login(clerk_yining)
    assert client.get(board_url("654002")).status_code == 404  # nothing below a county
    client.force_login(admin_xj)
    assert client.get(board_url("999999")).status_code == 404
    assert client.get(board_url("654000", fund="no-such-fund")).status_code == 404


def test_the_board_needs_sign_in(client):
    response = client.get(board_url("650000"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_auditor_reads_the_board(client, auditor_xj):
    client.force_login(auditor_xj)
    assert light_of(client.get(board_url("650000", fund=ELDERLY)).content.decode(), "654000") == "red"


def test_the_prefecture_reads_its_own_row_on_no_board_of_the_province(client, reviewer_yili):
    client.force_login(reviewer_yili)
    assert client.get(board_url("650000", fund=ELDERLY)).status_code == 404
    # The elderly fund stops at 伊犁州: nothing below it, no board.
    assert client.get(board_url("654000", fund=ELDERLY)).status_code == 404


# --- a fixed number of queries ---------------------------------------------------------------------------


def monitored_prefecture(count: int) -> User:
    """A prefecture of ``count`` counties, each allocated 10, with an approved mid-year return
    (spent 5, forecast 9) of two lines, one red and one green; returns its reviewer."""
    prefix = "73" if count < 10 else "74"
    province = Region.objects.create(code=f"{prefix}0000", name=f"监控省{count}", level=1)
    prefecture = Region.objects.create(code=f"{prefix}0100", name=f"监控州{count}", level=2, parent=province)
    fund = Fund.objects.create(code=f"mon-{count}", name="监控测试资金", year=2024, region=province)
    MonitoringPlan.objects.create(fund=fund, through_month=6)
    notice = Notice.objects.create(
        province=province, issuer="测试", number=f"监〔2024〕{count}号", title="测试"
    )
    table = TargetTable.objects.create(fund=fund, region=prefecture)
    served = IndicatorTarget.objects.create(
        table=table, level1="产出指标", level2="数量指标", name="服务人次", target_text="≥100人次", order=1
    )
    rate = IndicatorTarget.objects.create(
        table=table,
        level1="满意度指标",
        level2="服务对象满意度指标",
        name="满意度",
        target_text="≥90%",
        order=2,
    )
    reviewer = User.objects.create_user(f"monrev{count}", password="x", region=prefecture, role=Role.REVIEWER)
    for index in range(count):
        county = Region.objects.create(
            code=f"{prefix}{2000 + index}", name=f"监控县{index}", level=3, parent=prefecture
        )
        Allocation.objects.create(
            fund=fund, notice=notice, from_region=province, region=county, amount=D("10")
        )
        ret = Return.objects.create(fund=fund, region=county, period=MID, status=Return.Status.APPROVED)
        ret.funding.create(source="central", spent=D("5"), forecast=D("9"))
        IndicatorActual.objects.create(
            ret=ret, indicator=served, actual_text="40人次", forecast_text="60人次"
        )
        IndicatorActual.objects.create(ret=ret, indicator=rate, actual_text="92%", forecast_text="93%")
    return reviewer


@pytest.mark.django_db
def test_the_board_costs_the_same_queries_for_2_or_12_counties(client, django_assert_num_queries):
    small, large = monitored_prefecture(2), monitored_prefecture(12)
    client.force_login(small)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(board_url(small.region.code, fund="mon-2")).content.decode()
    assert page.count('data-light="red"') == 2
    client.force_login(large)
    with django_assert_num_queries(len(queries)):
        page = client.get(board_url(large.region.code, fund="mon-12")).content.decode()
    assert page.count('data-light="red"') == 12 and page.count("1 / 0 / 1") == 12
    # 5 of 10 by June, 9 for the year: each county's row, and the prefecture's own figures above.
    assert page.count("50.00%") == 12 + 1 and page.count("90.00%") == 12 + 2  # + 黄灯起点 90.00%


@pytest.mark.django_db
def test_the_board_lists_50_rows_a_page_and_finds_one_by_name(client):
    reviewer = monitored_prefecture(60)  # 监控县0 … 监控县59, codes 742000 … 742059
    client.force_login(reviewer)
    url = board_url(reviewer.region.code, fund="mon-60")
    page = client.get(url).content.decode()
    assert page.count('data-light="red"') == 50 and "第1–50个地区或单位，共60个" in page
    second = client.get(url, {"page": 2}).content.decode()
    assert re.findall(r'<tr data-region="(\d+)"', second) == [f"74{2050 + i}" for i in range(10)]
    found = client.get(url, {"q": "监控县5"}).content.decode()
    assert re.findall(r'<tr data-region="(\d+)"', found) == ["742005", *[f"74{2050 + i}" for i in range(10)]]
    assert "名称含“监控县5”的11个" in found
    assert "没有名称含“无此县”的地区或单位" in client.get(url, {"q": "无此县"}).content.decode()
