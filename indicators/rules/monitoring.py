"""Mid-year monitoring (绩效运行监控): warning lights against the year's forecast (docs/domain.md §8).

A monitoring line has the year's target, the actual to the cut-off month (1–N月) and the
office's forecast for the whole year (全年预计完成值). The light judges the **forecast**, since
a normal mid-year figure below the annual target is not a miss:

* 绿 on track: the forecast meets the target;
* 黄 at risk: the forecast falls short by less than the yellow band (default: completion of the
  forecast at least 90%), or a qualitative forecast the wording cannot settle;
* 红 will miss: anything worse.

Beside it, for targets that build up over the year (counts and money, at-least targets), the
mid-year actual is compared with the time-proportional target (target × N / 12); a rate, an
at-most target or a qualitative one has no such share and is compared as it stands.

The thresholds live here and nowhere else; a fund may set its own (``Thresholds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from indicators.rules.consistency import ERROR, WARNING, Finding, ReturnData, _blank, _check_money
from indicators.rules.evaluation import Evaluation, evaluate
from indicators.rules.grammar import Target, _as_target
from indicators.rules.numbers import (
    _PRECISION,
    HUNDRED,
    TargetParseError,
    _to_decimal,
    execution_rate,
    format_number,
    quantize_rate,
)

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "绿", YELLOW: "黄", RED: "红"}
_SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}
MONTHS = 12


@dataclass(frozen=True)
class Thresholds:
    """Where yellow begins: the forecast's completion rate (%) from which a shortfall is only
    at risk; below it the line is red. 100% and above is green."""

    yellow_from: Decimal = Decimal("90")

    def __post_init__(self):
        if isinstance(self.yellow_from, float):
            raise TypeError("预警阈值不能用浮点数，请用 Decimal。")
        if not Decimal("0") < Decimal(self.yellow_from) <= HUNDRED:
            raise ValueError("黄灯起点应大于0%且不超过100%。")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class MonitoringLine:
    """One indicator's monitoring figures, all computed here."""

    forecast: Evaluation  # the forecast against the year's target
    light: str | None  # GREEN, YELLOW, RED; None when the forecast is missing or unreadable
    expected_by_now: Decimal | None  # the time-proportional target, where the target builds up
    progress_rate: Decimal | None  # the mid-year actual over what was expected by now, %
    error: str | None = None

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS.get(self.light, "")

    @property
    def needs_reason(self) -> bool:
        """A line that is not on track needs 偏差原因, 完成目标可能性 and 纠偏措施."""
        return self.light in (YELLOW, RED)


def expected_by_month(target, months: int) -> Decimal | None:
    """The share of the year's target due by the end of month ``months`` (1–12): target × N/12,
    for an at-least target that builds up over the year (a count, money); None for a rate (%),
    an at-most target and a qualitative one, which do not grow with the months."""
    if not 1 <= months <= MONTHS:
        raise ValueError("截止月份应为1至12月。")
    parsed = _as_target(target)
    if parsed.is_qualitative or parsed.value is None or parsed.unit == "%":
        return None
    if parsed.comparator == "<=" or (parsed.comparator == "=" and parsed.value == 0):
        return None
    with localcontext(prec=_PRECISION):
        return quantize_rate(parsed.value * months / MONTHS)


def _light(forecast: Evaluation, thresholds: Thresholds) -> str | None:
    if forecast.error or forecast.actual is None:
        return None
    if forecast.met:
        return GREEN
    if forecast.met is None:  # a qualitative forecast for a reviewer to judge
        return YELLOW
    rate = forecast.completion_rate
    if rate is not None and rate >= thresholds.yellow_from:
        return YELLOW
    return RED


def monitor_line(
    target, actual_to_date, forecast, *, months: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> MonitoringLine:
    """The light of one line and its mid-year progress. Never raises on what staff typed: an
    unreadable value is reported in ``error`` (and the forecast's own ``error``)."""
    try:
        parsed: Target = _as_target(target)
    except (TargetParseError, TypeError) as exc:
        return MonitoringLine(
            Evaluation(target=None, actual=None, error=str(exc)), None, None, None, str(exc)
        )
    judged = (
        evaluate(parsed, forecast) if str(forecast or "").strip() else Evaluation(target=parsed, actual=None)
    )
    expected = expected_by_month(parsed, months)
    progress = None
    if str(actual_to_date or "").strip():
        so_far = evaluate(parsed, actual_to_date)
        if so_far.error:
            return MonitoringLine(judged, _light(judged, thresholds), expected, None, so_far.error)
        if expected is not None and expected > 0 and so_far.actual.value is not None:
            with localcontext(prec=_PRECISION):
                progress = quantize_rate(so_far.actual.value / expected * HUNDRED)
        elif expected is None:
            progress = so_far.completion_rate
    return MonitoringLine(judged, _light(judged, thresholds), expected, progress, judged.error)


def worst_light(lights) -> str | None:
    """A return's light: its worst line's (red before yellow before green); None without any."""
    known = [light for light in lights if light is not None]
    return max(known, key=_SEVERITY.__getitem__) if known else None


def execution_lags(spent, budget, *, months: int) -> bool:
    """Whether money spent by month ``months`` lags the time-proportional expectation (budget ×
    N/12): then the return states the reason. Nothing lags without a budget or spending."""
    rate = execution_rate(spent, budget)
    if rate is None:
        return False
    with localcontext(prec=_PRECISION):
        return rate < quantize_rate(HUNDRED * months / MONTHS)


def time_share(months: int) -> Decimal:
    """The share of the year passed by the end of month ``months``, in % (6 → 50.00)."""
    with localcontext(prec=_PRECISION):
        return quantize_rate(HUNDRED * months / MONTHS)


def check_monitoring(
    data: ReturnData, *, months: int, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[Finding]:
    """The findings of a mid-year monitoring return (data to the end of month ``months``).

    Money: the year-end checks of spending against its budget, then per source a forecast
    (全年预计执行数) where there is a budget, not below what was spent, a warning above the
    budget, and a reason where spending lags the months passed (``execution_lags``).
    Indicators: the actual to date must read against the target (it need not meet it: a normal
    mid-year figure below the annual target is not a miss), a forecast for the year is required,
    and a line that is not green needs 偏差原因, 原因说明, 完成目标可能性 and 纠偏措施.
    """
    findings = _check_money(data)
    share = time_share(months)
    for line in data.money:
        source = line.label or line.source
        budget, spent = _to_decimal(line.budget, "预算数"), _to_decimal(line.spent, "执行数")
        forecast = _to_decimal(line.forecast, "预计执行数")
        if not budget and spent is None:
            continue  # money the region neither has nor spent
        if forecast is None:
            findings.append(
                Finding(ERROR, "forecast_money_blank", f"{source}未填写全年预计执行数。", line.key)
            )
        elif spent is not None and forecast < spent:
            findings.append(
                Finding(
                    ERROR,
                    "forecast_below_spent",
                    f"{source}全年预计执行数{format_number(forecast)}万元小于1–{months}月已执行的"
                    f"{format_number(spent)}万元。",
                    line.key,
                )
            )
        elif budget and forecast > budget:
            findings.append(
                Finding(
                    WARNING,
                    "forecast_above_budget",
                    f"{source}全年预计执行数{format_number(forecast)}万元超过全年预算数{format_number(budget)}万元。",
                    line.key,
                )
            )
        if (
            spent is not None
            and budget
            and execution_lags(spent, budget, months=months)
            and _blank(line.lag_reason)
        ):
            findings.append(
                Finding(
                    ERROR,
                    "lag_reason_blank",
                    f"{source}1–{months}月执行率{format_number(execution_rate(spent, budget))}%，低于时序进度"
                    f"{format_number(share)}%，请填写执行进度滞后原因。",
                    line.key,
                )
            )
    for line in data.indicators:
        findings.extend(_check_monitoring_line(line, months=months, thresholds=thresholds))
    return findings


def _check_monitoring_line(line, *, months: int, thresholds: Thresholds) -> list[Finding]:
    name = line.name
    if _blank(line.actual_text):
        return [Finding(ERROR, "actual_blank", f"指标“{name}”未填写1–{months}月实际完成值。", line.key)]
    if _blank(line.forecast_text):
        return [Finding(ERROR, "forecast_blank", f"指标“{name}”未填写全年预计完成值。", line.key)]
    result = monitor_line(
        line.target_text, line.actual_text, line.forecast_text, months=months, thresholds=thresholds
    )
    if result.error:
        return [Finding(ERROR, "monitoring_unreadable", f"指标“{name}”：{result.error}", line.key)]
    if not result.needs_reason:
        return []
    missing = [
        label
        for label, value in (
            ("偏差原因", line.deviation_cause),
            ("原因说明", line.reason),
            ("完成目标可能性", line.likelihood),
            ("纠偏措施", line.measure),
        )
        if _blank(value)
    ]
    if not missing:
        return []
    rate = result.forecast.completion_rate
    expected = f"（预计完成率{format_number(rate)}%）" if rate is not None else ""
    return [
        Finding(
            ERROR,
            "deviation_unexplained",
            f"指标“{name}”预计全年{'难以' if result.light == RED else '可能无法'}完成目标{expected}，"
            f"{result.light_label}灯预警，请填写{'、'.join(missing)}。",
            line.key,
        )
    ]
