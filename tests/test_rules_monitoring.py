"""Mid-year warning lights (#12): the forecast judged against the year's target, the mid-year
actual beside the time-proportional target, the return's light its worst line's. Cases typed
from the issue (a count target ≥500 with 260 done by June) and worked by hand."""

from decimal import Decimal

import pytest

from indicators.rules.monitoring import (
    GREEN,
    RED,
    YELLOW,
    Thresholds,
    execution_lags,
    expected_by_month,
    monitor_line,
    worst_light,
)

D = Decimal


def test_a_count_on_course_by_june_is_green():
    line = monitor_line("≥500人次", "260人次", "520人次", months=6)
    assert line.light == GREEN and line.light_label == "绿" and not line.needs_reason
    assert line.expected_by_now == D("250.00")  # 500 × 6/12
    assert line.progress_rate == D("104.00")  # 260 / 250
    assert line.forecast.completion_rate == D("104.00")


def test_a_forecast_of_400_against_500_is_red_and_needs_a_reason():
    line = monitor_line("≥500人次", "260人次", "400人次", months=6)
    assert line.light == RED and line.light_label == "红" and line.needs_reason
    assert line.forecast.completion_rate == D("80.00")


def test_a_small_shortfall_is_yellow_and_a_fund_may_move_the_band():
    assert monitor_line("≥500人次", "230", "460", months=6).light == YELLOW  # 92%
    assert monitor_line("≥500人次", "230", "449", months=6).light == RED  # 89.80%
    lenient = Thresholds(yellow_from=D("80"))
    assert monitor_line("≥500人次", "200", "400", months=6, thresholds=lenient).light == YELLOW


def test_a_rate_is_not_shared_out_over_the_months():
    line = monitor_line("≥95%", "93%", "96%", months=7)
    assert line.expected_by_now is None
    assert line.progress_rate == D("97.89")  # 93 / 95, as it stands
    assert line.light == GREEN


def test_an_at_most_target_forecast_over_it_is_red():
    line = monitor_line("≤30日", "28日", "35日", months=6)
    assert line.expected_by_now is None
    assert line.forecast.completion_rate == D("85.71")  # 30 / 35
    assert line.light == RED


def test_qualitative_forecasts_met_or_for_a_reviewer():
    assert monitor_line("应保尽保", "应保尽保", "应保尽保", months=6).light == GREEN
    assert monitor_line("应保尽保", "", "基本做到", months=6).light == YELLOW
    assert monitor_line("应保尽保", "", "未完成", months=6).light == RED


def test_no_forecast_no_light_and_a_bad_value_is_named():
    assert monitor_line("≥500人次", "260", "", months=6).light is None
    bad = monitor_line("≥500人次", "260", "五百", months=6)
    assert bad.light is None and bad.error
    assert monitor_line("≥500人次", "二百", "520", months=6).error


def test_the_returns_light_is_its_worst_lines():
    assert worst_light([GREEN, RED, YELLOW]) == RED
    assert worst_light([GREEN, None, YELLOW]) == YELLOW
    assert worst_light([GREEN]) == GREEN
    assert worst_light([None]) is None and worst_light([]) is None


def test_money_lags_when_below_the_share_of_the_year():
    assert execution_lags(D("400"), D("1000"), months=6)  # 40% < 50%
    assert not execution_lags(D("500"), D("1000"), months=6)
    assert execution_lags(D("500"), D("1000"), months=7)  # 50% < 58.33%
    assert not execution_lags(None, D("1000"), months=6)
    assert not execution_lags(D("10"), D("0"), months=6)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        expected_by_month("≥500人次", 13)
    with pytest.raises(TypeError):
        Thresholds(yellow_from=90.0)
    with pytest.raises(ValueError):
        Thresholds(yellow_from=D("120"))


# --- the monitoring return's checks (rules.check_monitoring) ----------------------------------

from indicators.rules import IndicatorLine, MoneyLine, ReturnData, check_monitoring  # noqa: E402


def _line(actual="260人次", forecast="520人次", **explained):
    return IndicatorLine(
        "a", "产出指标", "数量指标", "培训人次", "≥500人次", actual, forecast_text=forecast, **explained
    )


def _codes(*indicators, money=()):
    found = check_monitoring(ReturnData("r", "伊宁市", list(money), list(indicators)), months=6)
    return [(f.severity, f.code) for f in found], found


def test_a_normal_mid_year_figure_below_the_annual_target_asks_for_nothing():
    codes, _ = _codes(_line())  # 260 of 500 by June, forecast 520: on course
    assert codes == []


def test_a_red_line_needs_cause_explanation_likelihood_and_measure():
    codes, found = _codes(_line(forecast="400人次"))
    assert codes == [("error", "deviation_unexplained")]
    assert "预计完成率80%" in found[0].message and "红灯" in found[0].message
    assert "偏差原因、原因说明、完成目标可能性、纠偏措施" in found[0].message
    explained = _line(
        forecast="400人次",
        deviation_cause="经费保障",
        reason="资金7月到位",
        likelihood="有可能",
        measure="加密培训",
    )
    assert _codes(explained)[0] == []
    partly = _line(forecast="400人次", deviation_cause="经费保障", reason="资金7月到位")
    assert "完成目标可能性、纠偏措施" in _codes(partly)[1][0].message


def test_the_actual_to_date_and_the_forecast_are_both_required():
    assert _codes(_line(actual=""))[0] == [("error", "actual_blank")]
    assert _codes(_line(forecast=""))[0] == [("error", "forecast_blank")]
    assert _codes(_line(forecast="五百"))[0] == [("error", "monitoring_unreadable")]


def _money(spent, forecast, lag_reason="", budget="100"):
    return MoneyLine(
        "funding-central", "central", budget=D(budget), spent=spent, allocated=True, label="中央财政资金",
        forecast=forecast, lag_reason=lag_reason,
    )  # fmt: skip


def test_money_lagging_the_months_passed_needs_its_reason():
    # 1–6月: 50% of the year; 30 of 100 spent is 30%, behind.
    codes, found = _codes(money=[_money(D("30"), D("95"))])
    assert codes == [("error", "lag_reason_blank")]
    assert found[0].message == "中央财政资金1–6月执行率30%，低于时序进度50%，请填写执行进度滞后原因。"
    assert _codes(money=[_money(D("30"), D("95"), lag_reason="7月集中拨付")])[0] == []
    assert _codes(money=[_money(D("50"), D("100"))])[0] == []  # on time: no reason asked


def test_the_money_forecast_is_required_not_below_spending_and_warned_above_the_budget():
    assert _codes(money=[_money(D("60"), None)])[0] == [("error", "forecast_money_blank")]
    assert _codes(money=[_money(D("60"), D("55"))])[0] == [("error", "forecast_below_spent")]
    assert _codes(money=[_money(D("60"), D("120"))])[0] == [("warning", "forecast_above_budget")]
    assert _codes(money=[_money(D("130"), D("130"))])[0][0] == ("error", "spent_over_allocation")
