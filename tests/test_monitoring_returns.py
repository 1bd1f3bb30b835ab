"""The mid-year monitoring return (#12) in the browser's terms: the 绩效运行监控 form and its
labels, saving forecasts and deviation reasons, the lights on the form and the review page,
submit / send back / approve as at year end, the province's monitoring settings page, and the
wrong person for every new view. The cases are the issue's: a count target ≥500人次 with 260
done by June; a forecast of 520 is green, 400 is red and needs its reasons."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.models import IndicatorActual, MonitoringPlan, Period, Return
from indicators.selectors import monitoring_plan
from indicators.services import ReturnInput, return_approve, return_open, return_save, return_submit
from tests.scenarios import gansu
from tests.seed_figures import YINING_RELIEF

pytestmark = pytest.mark.django_db

COUNT = "临时救助人次"  # its target is set to ≥500人次 below: the count target


@pytest.fixture
def midyear(relief, clerk_yining):
    """伊宁市's mid-year return of the relief fund, with 临时救助人次 at ≥500人次."""
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining, period=Period.MID_YEAR)
    line = ret.actuals.select_related("indicator").get(indicator__name=COUNT)
    line.indicator.target_text = "≥500人次"
    line.indicator.save(update_fields=["target_text"])
    return ret


def _line(ret, name=COUNT) -> IndicatorActual:
    return ret.actuals.select_related("indicator").get(indicator__name=name)


def midyear_data(ret, **overrides) -> dict:
    """A complete mid-year post: every line on course (its target as forecast), money on time."""
    data = {"base_version": ret.version, "goal_achievement": "上半年按计划推进。"}
    data["funding-central-spent"] = "8000"  # 57.12% of 14005 by June: not behind 50%
    data["funding-central-forecast"] = str(YINING_RELIEF)  # the whole budget
    for line in ret.actuals.select_related("indicator"):
        target, key = line.indicator.target_text, f"actual-{line.indicator_id}"
        data[f"{key}-actual_text"] = "96%" if "%" in target else target
        data[f"{key}-forecast_text"] = "96%" if "%" in target else target
    key = f"actual-{_line(ret).indicator_id}"
    data[f"{key}-actual_text"], data[f"{key}-forecast_text"] = "260人次", "520人次"
    data.update(overrides)
    return data


def _key(ret, name=COUNT) -> str:
    return f"actual-{_line(ret, name).indicator_id}"


def test_the_midyear_form_speaks_of_months_and_forecasts(client, clerk_yining, midyear):
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[midyear.pk])).content.decode()
    for words in ("绩效运行监控：数据截至1–6月", "1–6月执行数", "全年预计执行数", "1–6月实际完成值",
                  "全年预计完成值", "偏差原因", "经费保障", "硬件条件保障", "完成目标可能性",
                  "完全不可能", "纠偏措施", "执行进度滞后原因", "1–6月总体目标执行情况"):  # fmt: skip
        assert words in page, words
    # Not the year-end words, and no narratives (the monitoring table has none).
    assert "全年实际完成值" not in page and "未完成原因" not in page and "资金管理情况" not in page


def test_the_year_end_form_is_unchanged(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[yining_return.pk])).content.decode()
    assert "全年实际完成值" in page and "三、资金管理情况" in page
    assert "全年预计完成值" not in page and "偏差原因" not in page


def test_a_save_keeps_forecasts_and_reasons_and_audits_them(client, clerk_yining, midyear):
    client.force_login(clerk_yining)
    key = _key(midyear)
    typed = {
        f"{key}-forecast_text": "400人次",
        f"{key}-deviation_cause": "funding",
        f"{key}-likelihood": "possible",
        f"{key}-reason": "资金下达较晚",
        f"{key}-measure": "三季度加快审批",
        "funding-central-spent": "5000",
        "funding-central-lag_reason": "部分资金7月才下达",
    }
    response = client.post(
        reverse("indicators:edit", args=[midyear.pk]), midyear_data(midyear, save="1", **typed)
    )
    assert response.status_code == 302
    line = _line(midyear)
    assert (line.actual_text, line.forecast_text) == ("260人次", "400人次")
    assert (line.deviation_cause, line.likelihood) == ("funding", "possible")
    assert (line.reason, line.measure) == ("资金下达较晚", "三季度加快审批")
    money = midyear.funding.get(source="central")
    assert (money.spent, money.forecast, money.lag_reason) == (
        Decimal("5000"),
        YINING_RELIEF,
        "部分资金7月才下达",
    )
    event = AuditEvent.objects.filter(object_type="indicators.return", object_id=str(midyear.pk)).first()
    assert event.changes[f"指标“{COUNT}”·全年预计完成值"] == ["", "400人次"]
    assert event.changes[f"指标“{COUNT}”·偏差原因"] == ["", "funding"]
    assert event.changes["中央财政资金·累计执行数"] == ["", "5000.00"]
    assert event.changes["中央财政资金·全年预计执行数"] == ["", f"{YINING_RELIEF:.2f}"]


def test_an_unknown_cause_is_refused_and_what_was_typed_stays(client, clerk_yining, midyear):
    client.force_login(clerk_yining)
    key = _key(midyear)
    data = midyear_data(midyear, save="1", **{f"{key}-deviation_cause": "weather", f"{key}-reason": "暴雪"})
    response = client.post(reverse("indicators:edit", args=[midyear.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "选择一个有效的选项" in page and "暴雪" in page and 'value="520人次"' in page
    assert _line(midyear).forecast_text == "" and midyear.funding.get(source="central").spent is None


def test_a_red_forecast_cannot_be_submitted_without_its_reasons(client, clerk_yining, midyear):
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[midyear.pk])
    key = _key(midyear)
    response = client.post(url, midyear_data(midyear, submit="1", **{f"{key}-forecast_text": "400人次"}))
    page = response.content.decode()
    assert "已保存，但尚未提交" in page
    assert f"指标“{COUNT}”预计全年难以完成目标（预计完成率80%），红灯预警" in page
    assert "请填写偏差原因、原因说明、完成目标可能性、纠偏措施" in page
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.DRAFT
    reasons = {
        f"{key}-forecast_text": "400人次",
        f"{key}-deviation_cause": "funding",
        f"{key}-likelihood": "possible",
        f"{key}-reason": "资金下达较晚",
        f"{key}-measure": "三季度加快审批",
    }
    midyear.refresh_from_db()
    response = client.post(url, midyear_data(midyear, submit="1", **reasons))
    assert response["Location"] == reverse("indicators:detail", args=[midyear.pk])
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.SUBMITTED


def test_a_normal_june_figure_needs_no_reason(client, clerk_yining, midyear):
    """260 of a year's 500 by June, forecast 520: green, submitted without a word of excuse."""
    client.force_login(clerk_yining)
    response = client.post(reverse("indicators:edit", args=[midyear.pk]), midyear_data(midyear, submit="1"))
    assert response.status_code == 302
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.SUBMITTED
    assert _line(midyear).reason == ""


def test_lagging_money_asks_for_its_reason(client, clerk_yining, midyear):
    client.force_login(clerk_yining)
    data = midyear_data(midyear, submit="1", **{"funding-central-spent": "5000"})  # 35.70% < 50%
    page = client.post(reverse("indicators:edit", args=[midyear.pk]), data).content.decode()
    assert "中央财政资金1–6月执行率35.7%，低于时序进度50%，请填写执行进度滞后原因。" in page


def test_lagging_money_submitted_with_its_reason_typed_in_the_same_form(client, clerk_yining, midyear):
    """Money behind the months with its 执行进度滞后原因 typed in the same form goes up: the
    checks after the save read the reason just saved."""
    client.force_login(clerk_yining)
    typed = {"funding-central-spent": "5000", "funding-central-lag_reason": "部分资金7月才下达"}
    response = client.post(
        reverse("indicators:edit", args=[midyear.pk]), midyear_data(midyear, submit="1", **typed)
    )
    assert response.status_code == 302, response.content.decode()
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.SUBMITTED
    assert midyear.funding.get(source="central").lag_reason == "部分资金7月才下达"


def test_the_review_page_checks_the_lag_reason_the_ledger_read_with_the_money(
    client, clerk_yining, reviewer_yili, midyear
):
    """The review page's checks take each money line's 执行进度滞后原因 from the lines the
    ledger read for the page, as they stand at each request."""
    client.force_login(clerk_yining)
    typed = {"funding-central-spent": "5000", "funding-central-lag_reason": "部分资金7月才下达"}
    client.post(reverse("indicators:edit", args=[midyear.pk]), midyear_data(midyear, submit="1", **typed))
    client.force_login(reviewer_yili)
    asked = "中央财政资金1–6月执行率35.7%，低于时序进度50%，请填写执行进度滞后原因。"
    page = client.get(reverse("indicators:detail", args=[midyear.pk])).content.decode()
    assert "部分资金7月才下达" in page and asked not in page
    midyear.funding.filter(source="central").update(lag_reason="")  # as an office's database fix would
    assert asked in client.get(reverse("indicators:detail", args=[midyear.pk])).content.decode()


def _submitted(midyear, clerk, forecast="400人次"):
    line = _line(midyear)
    data = {
        "actual_text": "260人次", "forecast_text": forecast, "deviation_cause": "funding",
        "likelihood": "possible", "reason": "资金下达较晚", "measure": "三季度加快审批",
    }  # fmt: skip
    actuals = {}
    for other in midyear.actuals.select_related("indicator"):
        target = other.indicator.target_text
        value = "96%" if "%" in target else target
        actuals[other.indicator_id] = {"actual_text": value, "forecast_text": value}
    actuals[line.indicator_id] = data
    funding = {"central": {"spent": Decimal("8000"), "forecast": YINING_RELIEF, "lag_reason": "7月集中拨付"}}
    return_save(ret=midyear, actor=clerk, base_version=midyear.version,
                data=ReturnInput(funding, actuals, {}, "上半年按计划推进。"))  # fmt: skip
    return_submit(ret=midyear, actor=clerk)
    return midyear


def test_the_review_page_shows_each_light_and_the_returns_light(client, clerk_yining, reviewer_yili, midyear):
    _submitted(midyear, clerk_yining)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:detail", args=[midyear.pk])).content.decode()
    assert "运行监控预警（数据截至1–6月，时序进度 50.00%）" in page
    assert "红灯 1 项" in page and "黄灯 0 项" in page
    assert "light-red" in page and "预计完成率 80.00%" in page
    assert "时序进度 104.00%" in page and "应达 250" in page  # 260 of 500 × 6/12
    assert "偏差原因：经费保障" in page and "原因说明：资金下达较晚" in page
    assert "完成目标可能性：有可能" in page and "纠偏措施：三季度加快审批" in page
    assert "57.12%" in page  # 8000 / 14005 by June


def test_a_fund_with_its_own_band_lights_the_same_forecast_yellow(
    client, clerk_yining, reviewer_yili, midyear
):
    MonitoringPlan.objects.create(fund=midyear.fund, through_month=7, yellow_from=Decimal("80"))
    _submitted(midyear, clerk_yining)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:detail", args=[midyear.pk])).content.decode()
    assert "数据截至1–7月" in page and "黄灯 1 项" in page and "红灯 0 项" in page
    assert "应达 291.67" in page  # 500 × 7/12


def test_a_monitoring_return_is_sent_back_and_approved_as_at_year_end(
    client, clerk_yining, reviewer_yili, midyear
):
    _submitted(midyear, clerk_yining)
    client.force_login(reviewer_yili)
    line = _line(midyear)
    response = client.post(
        reverse("indicators:send_back", args=[midyear.pk]),
        {"reason": "请补充纠偏措施的时间安排", f"comment-{line.pk}": "写明月份"},
    )
    assert response.status_code == 302
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.RETURNED
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[midyear.pk])).content.decode()
    assert "写明月份" in page  # the reviewer's line comment, beside its line
    return_submit(ret=midyear, actor=clerk_yining)
    return_approve(ret=midyear, actor=reviewer_yili)
    midyear.refresh_from_db()
    assert midyear.status == Return.Status.APPROVED


def test_another_county_never_sees_the_monitoring_return(client, clerk_huocheng, midyear):
    client.force_login(clerk_huocheng)
    assert client.get(reverse("indicators:edit", args=[midyear.pk])).status_code == 404
    assert client.get(reverse("indicators:detail", args=[midyear.pk])).status_code == 404
    assert (
        client.post(
            reverse("indicators:edit", args=[midyear.pk]), midyear_data(midyear, save="1")
        ).status_code
        == 404
    )


# --- the light while typing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forecast", "light", "words"),
    [("520人次", "light-green", "预计完成率 104.00%"), ("400人次", "light-red", "预计完成率 80.00%"),
     ("460人次", "light-yellow", "预计完成率 92.00%"), ("", None, "待填预计值")],
)  # fmt: skip
def test_the_light_preview_judges_what_is_typed(client, clerk_yining, forecast, light, words):
    client.force_login(clerk_yining)
    params = {"target": "≥500人次", "actual": "260人次", "forecast": forecast, "months": "6", "yellow": "90"}
    page = client.get(reverse("indicators:light_preview"), params).content.decode()
    assert words in page and "时序进度 104.00%" in page
    assert (light in page) if light else "light-" not in page
    assert f'data-explain="{1 if light in ("light-red", "light-yellow") else 0}"' in page


def test_the_light_preview_says_what_it_cannot_read(client, clerk_yining):
    client.force_login(clerk_yining)
    url = reverse("indicators:light_preview")
    page = client.get(
        url, {"target": "≥500人次", "actual": "", "forecast": "很多", "months": "6"}
    ).content.decode()
    assert "text-danger" in page and "light-" not in page
    page = client.get(url, {"target": "≥500人次", "forecast": "520", "months": "13"}).content.decode()
    assert "无法计算预警" in page


def test_the_light_preview_needs_a_login(client):
    response = client.get(
        reverse("indicators:light_preview"), {"target": "≥500", "forecast": "520", "months": "6"}
    )
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the province's settings --------------------------------------------------------------------


def test_the_province_sets_the_months_and_the_band(client, admin_xj, relief):
    client.force_login(admin_xj)
    url = reverse("setup:monitoring", args=[relief.code])
    page = client.get(url).content.decode()
    assert "1–6月（时序进度 50.00%）" in page and "预计完成率不低于90%" in page and "（默认）" in page
    response = client.post(url, {"through_month": "7", "yellow_from": "85"})
    assert response.status_code == 302
    plan = monitoring_plan(relief.__class__.objects.get(pk=relief.pk))
    assert (plan.through_month, plan.yellow_from) == (7, Decimal("85"))
    event = AuditEvent.objects.filter(object_type="indicators.monitoringplan").first()
    assert event.changes == {"数据截止月份": ["1–6月", "1–7月"], "黄灯起点": ["90%", "85%"]}
    assert "1–7月（时序进度 58.33%）" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("month", "yellow", "message"),
    [("12", "90", "请选择1至11月。"), ("6", "0", "黄灯起点应大于0%。"), ("6", "120", "黄灯起点不能超过100%。"),
     ("6", "九十", "请输入数字，如90。")],
)  # fmt: skip
def test_bad_settings_are_refused_and_nothing_changes(client, admin_xj, relief, month, yellow, message):
    client.force_login(admin_xj)
    response = client.post(
        reverse("setup:monitoring", args=[relief.code]), {"through_month": month, "yellow_from": yellow}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not MonitoringPlan.objects.filter(fund=relief).exists()


def test_the_months_are_fixed_once_a_monitoring_return_is_submitted(client, admin_xj, clerk_yining, midyear):
    _submitted(midyear, clerk_yining)
    client.force_login(admin_xj)
    url = reverse("setup:monitoring", args=[midyear.fund.code])
    page = client.post(url, {"through_month": "7", "yellow_from": "90"}).content.decode()
    assert "已有1份运行监控填报提交或审核通过，其数据截至1–6月，不能再改截止月份" in page
    assert not MonitoringPlan.objects.filter(fund=midyear.fund).exists()
    assert (
        client.post(url, {"through_month": "6", "yellow_from": "80"}).status_code == 302
    )  # the band may move
    assert MonitoringPlan.objects.get(fund=midyear.fund).yellow_from == Decimal("80")


def test_only_the_provinces_administrator_changes_the_settings(
    client, reviewer_yili, clerk_yining, auditor_xj, relief
):
    url = reverse("setup:monitoring", args=[relief.code])
    for person in (reviewer_yili, clerk_yining, auditor_xj):
        client.force_login(person)
        page = client.get(url).content.decode()
        assert "只有省级管理员可以设置绩效运行监控。" in page or "查阅账号不能修改数据。" in page, person
        assert 'name="through_month"' not in page
        assert client.post(url, {"through_month": "7", "yellow_from": "85"}).status_code == 403, person
    assert not MonitoringPlan.objects.filter(fund=relief).exists()


def test_another_province_cannot_reach_the_settings(client, relief):
    other = gansu()
    client.force_login(other.admin)
    url = reverse("setup:monitoring", args=[relief.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"through_month": "7", "yellow_from": "85"}).status_code == 404
    assert not MonitoringPlan.objects.filter(fund=relief).exists()


def test_bulk_approval_asks_nothing_of_the_narratives_the_monitoring_table_lacks(
    client, clerk_yining, reviewer_yili, midyear
):
    _submitted(midyear, clerk_yining)
    client.force_login(reviewer_yili)
    page = client.post(reverse("indicators:bulk_confirm"), {"ids": [midyear.pk]}).content.decode()
    assert "伊宁市" in page
    assert "资金管理情况未填写" not in page and "总体目标执行情况未填写" not in page
    midyear.goal_achievement = ""
    midyear.save(update_fields=["goal_achievement"])
    page = client.post(reverse("indicators:bulk_confirm"), {"ids": [midyear.pk]}).content.decode()
    assert "总体目标执行情况未填写" in page and "资金管理情况未填写" not in page
