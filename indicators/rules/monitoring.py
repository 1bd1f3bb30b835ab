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

from indicators.rules.evaluation import Evaluation, evaluate
from indicators.rules.grammar import Target, _as_target
from indicators.rules.numbers import _PRECISION, HUNDRED, TargetParseError, execution_rate, quantize_rate

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
