"""Rolling a figure up from the regions below (docs/domain.md §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import NamedTuple

from indicators.rules.evaluation import NEGATIVE, _direction, evaluate
from indicators.rules.grammar import Target, _as_target, _text_of, _wording, parse_actual
from indicators.rules.numbers import (
    _PRECISION,
    _ROUNDING,
    HUNDRED,
    TargetParseError,
    _to_decimal,
    format_value,
    quantize_rate,
)

RULES = ("sum", "weighted", "max", "all_met")
# Units whose regional figures add up to the parent's. Any other unit with ≥ (a subsidy
# standard in 元/人/月, a duration) is averaged: an average is never as wrong as a sum.
_SUMMABLE_UNITS = frozenset(
    "人次 万人次 人 万人 名 位 个 次 人月 人日 户 家 所 项 件 起 场 期 处 "
    "份 张 床 间 台 辆 批 条 套 座 篇 册 本 元 万元 亿元 课时 学时 轮".split()
) | {""}
# A qualitative line rolled up says whether every region below met it; the words are in
# evaluation.MET_PHRASES, so a return filled from the roll-up reads as met.
ALL_MET = "全部完成"
NOT_ALL_MET = "未全部完成"


class ChildValue(NamedTuple):
    """One region's figure for a roll-up: its actual text, the denominator it entered (for a
    rate: how many people the percentage is of) and the money allocated to it. A named tuple:
    a ministry's board makes one for each of 50,000 lines."""

    region: str
    actual_text: str | None
    denominator: object = None
    allocation: object = None


class Contribution(NamedTuple):
    """A region's part of a rolled-up figure. ``weight`` is the denominator or allocation used
    by a weighted average (None otherwise); ``share`` is the percentage of the parent's figure
    that comes from this region (sum: value / total; weighted: value × weight / Σ value ×
    weight; None for max and all_met)."""

    region: str
    value: Decimal | None
    weight: Decimal | None
    share: Decimal | None


@dataclass
class Rollup:
    """A parent's figure rolled up from its children. ``missing`` lists regions that left the
    actual blank, ``errors`` (region, message) those whose actual could not be read, ``unmet``
    (all_met rule) those that did not state the target was met; ``note`` explains a None."""

    value: Decimal | None
    text: str
    rule: str
    contributions: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    unmet: list = field(default_factory=list)
    note: str = ""


def infer_rollup_rule(target) -> str:
    """The default roll-up rule for a target: ``'all_met'`` for words, ``'max'`` (the worst)
    for anything ``<=``, ``'weighted'`` for rates (%, ‰) and other non-count units, ``'sum'``
    for counts (人次, 人, 个, 次, 人月, 户, 家 …) and money."""
    parsed = _as_target(target)
    if parsed.is_qualitative:
        return "all_met"
    if _direction(parsed) == NEGATIVE:
        return "max"
    if parsed.unit in _SUMMABLE_UNITS:
        return "sum"
    return "weighted"


def rollup(target_text, children, rule=None) -> Rollup:
    """Roll the children's actuals up to the parent's figure by ``rule`` (inferred if None).

    Children with a blank actual are skipped and listed in ``missing``; unreadable ones in
    ``errors``. Weighted: by denominator when every counted child entered one, else by
    allocation when every counted child has one, else no value (``note`` says why).
    """
    target = _as_target(target_text)
    rule = rule or infer_rollup_rule(target)
    if rule not in RULES:
        raise ValueError(f"无法识别汇总规则“{rule}”，应为 {', '.join(RULES)} 之一。")

    missing, errors, readable = [], [], []
    for child in children:
        if _is_blank(child.actual_text):
            missing.append(child.region)
            continue
        try:
            readable.append((child, parse_actual(child.actual_text, target, denominator=child.denominator)))
        except (TargetParseError, TypeError, ValueError) as exc:
            errors.append((child.region, str(exc)))

    if rule == "all_met":
        result = _rollup_all_met(target, readable, bool(missing or errors))
    else:
        numeric = [(c, a) for c, a in readable if a.value is not None]
        for child, actual in readable:
            if actual.value is None:
                errors.append((child.region, f"实际完成值“{actual.text}”不是数值，无法汇总。"))
        unit = target.unit or next((a.unit for _, a in numeric if a.unit), "")
        builder = {"sum": _rollup_sum, "weighted": _rollup_weighted, "max": _rollup_max}[rule]
        result = builder(numeric, unit)
    result.missing, result.errors = missing, errors
    return result


def _is_blank(text) -> bool:
    """Whether an actual says nothing (empty, spaces, punctuation only): a missing figure."""
    return not _wording(text) if isinstance(text, str) else not _wording(_text_of(text))


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    # In the rounding's own context (its precision, the default traps), as quantize_rate
    # rounds: a board of 31 provinces works out some 30,000 shares.
    return quantize_rate(_ROUNDING.multiply(_ROUNDING.divide(part, whole), HUNDRED))


def _rollup_sum(numeric: list, unit: str) -> Rollup:
    if not numeric:
        return Rollup(None, "", "sum", note="没有可汇总的实际完成值。")
    total = sum((a.value for _, a in numeric), Decimal(0))
    contributions = [Contribution(c.region, a.value, None, _share(a.value, total)) for c, a in numeric]
    return Rollup(total, format_value(total, unit), "sum", contributions)


def _rollup_weighted(numeric: list, unit: str) -> Rollup:
    if not numeric:
        return Rollup(None, "", "weighted", note="没有可汇总的实际完成值。")
    weights, basis = _weights_for(numeric)
    if weights is None:
        contributions = [Contribution(c.region, a.value, None, None) for c, a in numeric]
        note = "部分地区既未填写分母也没有分配金额，无法加权汇总。"
        return Rollup(None, "", "weighted", contributions, note=note)
    total_weight = sum(weights, Decimal(0))
    products = [a.value * w for (_, a), w in zip(numeric, weights, strict=True)]
    total_product = sum(products, Decimal(0))
    contributions = [
        Contribution(c.region, a.value, w, _share(p, total_product))
        for (c, a), w, p in zip(numeric, weights, products, strict=True)
    ]
    if total_weight == 0:
        note = f"各地区的{basis}合计为0，无法加权汇总。"
        return Rollup(None, "", "weighted", contributions, note=note)
    with localcontext(prec=_PRECISION):
        value = quantize_rate(total_product / total_weight)
    text = format_value(value, unit)
    return Rollup(value, text, "weighted", contributions, note=f"按{basis}加权")


def _weights_for(numeric: list) -> tuple[list | None, str]:
    denominators = [_to_decimal(c.denominator, "分母") for c, _ in numeric]
    if all(d is not None for d in denominators):
        return denominators, "分母"
    allocations = [_to_decimal(c.allocation, "分配金额") for c, _ in numeric]
    if all(a is not None for a in allocations):
        return allocations, "分配金额"
    return None, ""


def _rollup_max(numeric: list, unit: str) -> Rollup:
    if not numeric:
        return Rollup(None, "", "max", note="没有可汇总的实际完成值。")
    worst = max(a.value for _, a in numeric)
    contributions = [Contribution(c.region, a.value, None, None) for c, a in numeric]
    return Rollup(worst, format_value(worst, unit), "max", contributions)


def _rollup_all_met(target: Target, readable: list, incomplete: bool) -> Rollup:
    contributions, unmet = [], []
    for child, actual in readable:
        evaluation = evaluate(target, actual)
        contributions.append(Contribution(child.region, evaluation.completion_rate, None, None))
        if evaluation.met is not True:
            unmet.append(child.region)
    all_met = bool(readable) and not unmet and not incomplete
    text = ALL_MET if all_met else NOT_ALL_MET
    return Rollup(None, text, "all_met", contributions, unmet=unmet)
