"""Completion and deviation rates of one indicator (docs/domain.md §4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import lru_cache

from indicators.rules.grammar import Target, _as_target, _fit_to_target, parse_actual
from indicators.rules.numbers import (
    _PRECISION,
    HUNDRED,
    OVER_ACHIEVED_AT,
    QUALITATIVE,
    TargetParseError,
    quantize_rate,
)

POSITIVE = "positive"  # 正向: more is better (>=, and = treated as at least)
NEGATIVE = "negative"  # 反向: less is better (<=)

# An actual that says a qualitative target was met, besides repeating its wording. Kept small
# on purpose: anything else is for a reviewer to judge.
MET_PHRASES = frozenset(
    {"是", "完成", "已完成", "全部完成", "达到", "已达到", "达成", "已达成", "实现", "已实现"}
)
# …and the same words before the target's wording (已实现应保尽保).
MET_PREFIXES = ("已实现", "已达到", "实现", "达到", "已")
# An actual that says plainly it was not met: missed, so it needs a reason.
NOT_MET_PHRASES = frozenset({"否", "未完成", "未达到", "未达成", "未实现", "没有完成"})
# Targets judged against last year's actual (docs/domain.md §8): the comparison they ask for.
YEAR_OVER_YEAR = {
    "不低于上年": ">=",
    "不低于上年度": ">=",
    "不低于上年水平": ">=",
    "有所提升": ">",
    "有所提高": ">",
    "高于上年": ">",
    "较上年有所提升": ">",
    "比上年有所提升": ">",
}


@dataclass(frozen=True)
class Evaluation:
    """The result of comparing an actual with its target.

    ``completion_rate``/``deviation_rate`` are percentages rounded to two places, or None
    when they cannot be computed. ``met`` is None when a person must judge. ``error`` is a
    Chinese message when the input could not be read (nothing else is set then).
    ``direction`` is ``'positive'``, ``'negative'``, ``'qualitative'`` or None.
    """

    target: Target | None
    actual: Target | None
    completion_rate: Decimal | None = None
    deviation_rate: Decimal | None = None
    met: bool | None = None
    needs_explanation: bool = False
    over_achieved: bool = False
    error: str | None = None
    direction: str | None = None


def _direction(target: Target) -> str:
    """``<=`` is 反向; ``>=`` and ``=`` are 正向, except ``=0`` which can only mean "none"."""
    if target.comparator == "<=" or (target.comparator == "=" and target.value == 0):
        return NEGATIVE
    return POSITIVE


def evaluate(
    target, actual, *, judged_met: bool | None = None, previous=None, denominator=None
) -> Evaluation:
    """Compare an actual with its target (texts as staff write them, or parsed ``Target``s).

    ``judged_met`` is a reviewer's decision for a qualitative actual the wording alone cannot
    settle (domain.md §4: "or the reviewer marks it met"); it never overrides arithmetic.
    ``previous`` is last year's actual of the same indicator: a target of ``YEAR_OVER_YEAR``
    wording (不低于上年, 有所提升) with a number this year and last year is arithmetic, not a
    judgement — met when this year's value is at least (or above) last year's, completion
    this year's over last year's, capped at 100 when met. ``denominator`` (分母): an actual
    without a unit against a rate target is its numerator (``grammar.parse_actual``).

    正向: completion = actual / target × 100, not capped; a target of 0 is met by anything.
    反向: 100 when actual ≤ target, else target / actual × 100. 定性: 100 and met when the
    actual repeats the target's wording or says it was met (``MET_PHRASES``); missed when it
    says so (``NOT_MET_PHRASES``); otherwise None for a reviewer. ``met`` compares the exact
    values; ``over_achieved`` compares the printed (rounded) completion with 130.
    Never raises: unreadable or mismatched input is reported in ``error``.
    """
    try:
        parsed_target = _as_target(target)
    except (TargetParseError, TypeError) as exc:
        return Evaluation(target=None, actual=None, error=str(exc))
    try:
        if isinstance(actual, Target):
            parsed_actual = _fit_to_target(actual, parsed_target)
        else:
            parsed_actual = parse_actual(actual, parsed_target, denominator=denominator)
    except (TargetParseError, TypeError, ValueError) as exc:
        return Evaluation(target=parsed_target, actual=None, error=str(exc))
    return _compared(
        parsed_target, parsed_actual, judged_met, previous, str(parsed_target.value), str(parsed_actual.value)
    )


@lru_cache(maxsize=8192)
def _compared(target: Target, actual: Target, judged_met, previous, *_exact) -> Evaluation:
    """The comparison of a read target and actual, made once per process for the same four: a
    fund's few target texts meet the same few actuals on every line below it (a prefecture's
    check compares 22,000 lines, the ministry's board 50,000). Both ``Target``s and the
    ``Evaluation`` are frozen, so the one result is shared. ``_exact``: the two values as
    written (``Decimal('92.0')`` and ``Decimal('92.00')`` are equal as keys, not as text), so
    the result holds the very values it was asked about."""
    try:
        if target.is_qualitative and (yoy := _year_over_year(target, actual, previous)):
            return yoy
        if target.is_qualitative:
            return _evaluate_qualitative(target, actual, judged_met)
        return _evaluate_quantitative(target, actual)
    except ArithmeticError as exc:  # pragma: no cover - the grammar bounds every number
        return Evaluation(target=target, actual=actual, error=f"无法计算：{exc}")


def _evaluate_quantitative(target: Target, actual: Target) -> Evaluation:
    direction = _direction(target)
    with localcontext(prec=_PRECISION):
        if direction == POSITIVE:
            met = actual.value >= target.value
            if target.value == 0:
                exact = HUNDRED
            else:
                exact = actual.value / target.value * HUNDRED
        else:
            met = actual.value <= target.value
            exact = HUNDRED if met else target.value / actual.value * HUNDRED
        completion = quantize_rate(exact)
    over = completion >= OVER_ACHIEVED_AT
    return Evaluation(
        target=target,
        actual=actual,
        completion_rate=completion,
        deviation_rate=abs(completion - HUNDRED),
        met=met,
        needs_explanation=(not met) or over,
        over_achieved=over,
        direction=direction,
    )


def _year_over_year(target: Target, actual: Target, previous) -> Evaluation | None:
    """This year against last year, when the target asks for it and both are numbers in one
    unit; None otherwise (then the wording or a reviewer decides, as for any qualitative line)."""
    comparator = YEAR_OVER_YEAR.get("".join(target.text.split()))
    if comparator is None or previous is None or actual.is_qualitative:
        return None
    try:
        last = previous if isinstance(previous, Target) else parse_actual(previous)
    except TargetParseError:
        return None
    if last.is_qualitative or last.unit != actual.unit or last.value <= 0:
        return None
    met = actual.value >= last.value if comparator == ">=" else actual.value > last.value
    if not met and actual.value >= last.value:  # 有所提升 but the same as last year: no rate to print
        return Evaluation(
            target=target, actual=actual, met=False, needs_explanation=True, direction=QUALITATIVE
        )
    with localcontext(prec=_PRECISION):
        completion = quantize_rate(HUNDRED if met else actual.value / last.value * HUNDRED)
    return Evaluation(
        target=target,
        actual=actual,
        completion_rate=completion,
        deviation_rate=abs(completion - HUNDRED),
        met=met,
        needs_explanation=not met,
        direction=QUALITATIVE,
    )


_FULL, _NONE = quantize_rate(HUNDRED), quantize_rate(0)  # a qualitative line met: 100%, no deviation


def _evaluate_qualitative(target: Target, actual: Target, judged_met: bool | None = None) -> Evaluation:
    met = _qualitative_met(target, actual)
    if met is None:
        met = judged_met
    if met:
        return Evaluation(
            target=target,
            actual=actual,
            completion_rate=_FULL,
            deviation_rate=_NONE,
            met=True,
            direction=QUALITATIVE,
        )
    return Evaluation(
        target=target,
        actual=actual,
        met=met,
        needs_explanation=met is False,
        direction=QUALITATIVE,
    )


def _qualitative_met(target: Target, actual: Target) -> bool | None:
    if actual.kind != QUALITATIVE:
        return None  # a number against words (100% for 应保尽保): a reviewer decides
    said, wanted = actual.wording, target.wording
    if said == wanted or said in MET_PHRASES:
        return True
    if any(said == prefix + wanted for prefix in MET_PREFIXES):
        return True
    if said in NOT_MET_PHRASES:
        return False
    return None
