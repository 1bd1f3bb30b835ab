"""Indicator rules engine: read target values, compute rates, scores and roll-ups, find mistakes.

Everything the portal computes about an indicator or a return lives here, so that screens,
imports and generated reports can never disagree about a figure. The module is pure Python
(standard library only, no Django) so it can be tested alone; model code adapts its rows to
the small dataclasses of its modules.

Arithmetic rules (see docs/domain.md §3–§5, §7):

* Money is in 万元, rates are percentages. Everything is ``Decimal``; a ``float`` is refused
  with ``TypeError`` because it cannot hold 0.33 or 27.67 exactly.
* Only the final figure is rounded, to two places, half-up (``quantize_rate``).
* A deviation rate is ``|completion − 100|`` computed from the *rounded* completion rate,
  so that the two printed figures always add up (35.72% and 64.28%), even when the exact
  completion lands on a half (35.725 → 35.73 and 64.27, not 64.28).

Decisions where the specification left room are documented on the function they concern and
summarised here:

* Text without any digit that contains a Chinese character is a qualitative target
  (``应保尽保``, ``不低于上年``, ``有所提升``); text without digits and without Chinese
  (``abc``, ``≥``, ``≥%``) is an error. Text with digits must match the numeric grammar
  exactly, otherwise it is an error: a number in a target is meant to be compared, and
  silently treating ``≥95%左右`` or ``2024年12月底前`` as words would hide it from the
  arithmetic.
* ``>`` and ``<`` (and 大于/小于/超过/低于…) are read as ``>=`` and ``<=``; the difference never
  changes a completion rate printed to two places.
* Negative numbers are refused: targets and actuals are counts, rates and days.
* ``=`` is "at least" for the completion rate (``=1个`` reached with 2个 is 200%), except
  ``=0`` (``0起`` accidents), which can only mean "at most nothing" and is read as ``<=0``.
* An actual written without a unit takes the target's unit (staff write ``95`` for ``≥95%``);
  a target without a unit accepts an actual with one. 日 and 天, 月 and 个月, 人 and 名 are the
  same unit; 元 and 万元 are not (nothing is converted).
* A quantitative target needs a numeric actual: ``已完成`` against ``≥95%`` is an input error.

The engine is a package along its own seams — numbers, grammar, evaluation, scoring, rollup,
consistency, allocation_tables, monitoring — and this module gathers its public names, so callers import
``indicators.rules`` as one module.
"""

from indicators.rules.allocation_tables import check_allocation_table
from indicators.rules.consistency import (
    REPEATED_REASON_THRESHOLD,
    AllocationRow,
    Finding,
    IndicatorLine,
    MoneyLine,
    ReturnData,
    check_fund,
    check_return,
)
from indicators.rules.evaluation import MET_PHRASES, NEGATIVE, NOT_MET_PHRASES, POSITIVE, Evaluation, evaluate
from indicators.rules.grammar import Target, parse_actual, parse_target, ratio_reading
from indicators.rules.monitoring import (
    DEFAULT_THRESHOLDS,
    GREEN,
    LIGHT_LABELS,
    RED,
    YELLOW,
    MonitoringLine,
    Thresholds,
    check_monitoring,
    execution_lags,
    expected_by_month,
    monitor_line,
    time_share,
    worst_light,
)
from indicators.rules.numbers import (
    CENT,
    HUNDRED,
    OVER_ACHIEVED_AT,
    QUALITATIVE,
    QUANTITATIVE,
    TargetParseError,
    UnitMismatchError,
    apportion,
    arrival_rate,
    execution_rate,
    filled_share,
    format_number,
    format_value,
    quantize_rate,
)
from indicators.rules.rollup import (
    ALL_MET,
    NOT_ALL_MET,
    RULES,
    ChildValue,
    Contribution,
    Rollup,
    infer_rollup_rule,
    rollup,
)
from indicators.rules.scoring import (
    BANDS,
    BUDGET_POINTS,
    DEFAULT_LEVEL_WEIGHTS,
    GRADES,
    INDICATOR_POINTS,
    IndicatorScore,
    ReturnScore,
    ScoredIndicator,
    grade_for,
    score_indicator,
    score_return,
)

__all__ = [
    "DEFAULT_THRESHOLDS",
    "GREEN",
    "LIGHT_LABELS",
    "MonitoringLine",
    "RED",
    "Thresholds",
    "YELLOW",
    "check_monitoring",
    "time_share",
    "execution_lags",
    "expected_by_month",
    "monitor_line",
    "worst_light",
    "ALL_MET",
    "NOT_ALL_MET",
    "AllocationRow",
    "BANDS",
    "BUDGET_POINTS",
    "CENT",
    "ChildValue",
    "Contribution",
    "DEFAULT_LEVEL_WEIGHTS",
    "Evaluation",
    "Finding",
    "GRADES",
    "HUNDRED",
    "INDICATOR_POINTS",
    "IndicatorLine",
    "IndicatorScore",
    "MET_PHRASES",
    "MoneyLine",
    "NEGATIVE",
    "NOT_MET_PHRASES",
    "OVER_ACHIEVED_AT",
    "POSITIVE",
    "QUALITATIVE",
    "QUANTITATIVE",
    "REPEATED_REASON_THRESHOLD",
    "RULES",
    "ReturnData",
    "ReturnScore",
    "Rollup",
    "ScoredIndicator",
    "Target",
    "TargetParseError",
    "UnitMismatchError",
    "apportion",
    "arrival_rate",
    "check_allocation_table",
    "check_fund",
    "check_return",
    "evaluate",
    "execution_rate",
    "filled_share",
    "format_number",
    "format_value",
    "grade_for",
    "infer_rollup_rule",
    "parse_actual",
    "parse_target",
    "quantize_rate",
    "ratio_reading",
    "rollup",
    "score_indicator",
    "score_return",
]
