"""Scoring a return: 预算执行 10 points, indicators 90, bands and grades (docs/domain.md §4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal, localcontext

from indicators.rules.evaluation import NEGATIVE, POSITIVE, Evaluation
from indicators.rules.numbers import (
    _PRECISION,
    HUNDRED,
    _to_decimal,
    apportion,
    format_number,
    quantize_rate,
)

BUDGET_POINTS = Decimal(10)
INDICATOR_POINTS = Decimal(90)
DEFAULT_LEVEL_WEIGHTS = {
    "产出指标": Decimal(50),
    "效益指标": Decimal(30),
    "满意度指标": Decimal(10),
}
# Without a weight of its own, a 成本指标 group shares the 产出指标 points: older tables put 成本
# under 产出 as a level-2 group, and the default weights give it nothing separately.
_FOLDED_LEVELS = {"成本指标": "产出指标"}

# 定性 bands: share of the weight (percent) a reviewer may give, and the default without one.
BANDS = {
    "达成": (Decimal(80), Decimal(100)),
    "部分达成": (Decimal(60), Decimal(80)),
    "未达成": (Decimal(0), Decimal(60)),
}
_BAND_DEFAULTS = {"达成": Decimal(100), "部分达成": Decimal(70), "未达成": Decimal(30)}

GRADES = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"))


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's points: ``weight`` and ``score`` rounded for display (score None when a
    reviewer's band is needed; ``note`` says why). Totals are computed from the exact values."""

    weight: Decimal
    score: Decimal | None
    method: str  # 正向 / 反向 / 定性
    note: str = ""
    level1: str = ""
    level2: str = ""
    name: str = ""
    exact_weight: Decimal | None = field(default=None, repr=False, compare=False)
    exact_score: Decimal | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ScoredIndicator:
    """An evaluated indicator to score: an explicit ``weight`` overrides the even split, a
    ``band`` is the reviewer's 定性 judgement (see ``score_indicator``)."""

    level1: str
    level2: str
    evaluation: Evaluation
    weight: object = None
    band: object = None
    name: str = ""


@dataclass(frozen=True)
class ReturnScore:
    """A return's score. ``total`` and ``grade`` are None while any indicator lacks a score."""

    budget_score: Decimal
    indicators: list
    indicator_total: Decimal | None
    total: Decimal | None
    grade: str | None
    notes: list


def grade_for(total) -> str:
    """优 ≥ 90, 良 80–90, 中 60–80, 差 < 60 (on the total rounded to two places)."""
    rounded = quantize_rate(total)
    for floor, grade in GRADES:
        if rounded >= floor:
            return grade
    return "差"


def _band_share(band) -> Decimal:
    """The share of the weight (percent) for a band: ``'达成'`` or ``('部分达成', 75)``.

    The optional number is the percentage of the weight itself and must lie in the band's
    range. Without it, 达成 gives the top (100) and the other bands their middle (70, 30): a
    reviewer who picks 部分达成 and says nothing more should not get 达成's floor.
    """
    if isinstance(band, tuple | list):
        if len(band) != 2:
            raise ValueError(f"评价档次应为“档次”或（档次, 百分比）：{band!r}")
        name, share = band[0], _to_decimal(band[1], "档次得分比例")
    else:
        name, share = band, None
    if name not in BANDS:
        raise ValueError(f"无法识别评价档次“{name}”，应为达成、部分达成或未达成。")
    low, high = BANDS[name]
    if share is None:
        return _BAND_DEFAULTS[name]
    if not low <= share <= high:
        raise ValueError(f"评价档次“{name}”的得分比例应在{low}%至{high}%之间，填写的是{share}%。")
    return share


def score_indicator(evaluation: Evaluation, weight, *, band=None) -> IndicatorScore:
    """Points for one indicator out of ``weight``.

    正向: full weight when met, else weight × actual / target. 反向: full when met; between
    target and 2 × target, weight × (1 − (actual − target) / target); 0 beyond. 定性 (and any
    indicator whose completion could not be computed): the reviewer's ``band``; a qualitative
    indicator met automatically needs none (top of 达成). Without a needed band the score is
    None and ``note`` says so. A band given for a computed quantitative indicator is ignored
    (the formula governs) and noted.
    """
    exact_weight = _to_decimal(weight, "分值")
    if exact_weight is None or exact_weight < 0:
        raise ValueError(f"分值应为非负数：{weight!r}")

    def result(exact: Decimal | None, method: str, note: str = "") -> IndicatorScore:
        return IndicatorScore(
            weight=quantize_rate(exact_weight),
            score=quantize_rate(exact),
            method=method,
            note=note,
            exact_weight=exact_weight,
            exact_score=exact,
        )

    computable = evaluation.error is None and evaluation.direction in (POSITIVE, NEGATIVE)
    if computable:
        note = "数值型指标按公式计分，已忽略评价档次。" if band is not None else ""
        method = "正向" if evaluation.direction == POSITIVE else "反向"
        return result(_formula_score(evaluation, exact_weight), method, note)

    if band is not None:
        with localcontext(prec=_PRECISION):
            return result(exact_weight * _band_share(band) / HUNDRED, "定性")
    if evaluation.met is True:
        return result(exact_weight, "定性")
    if evaluation.error:
        return result(None, "定性", f"无法计分：{evaluation.error}请审核人员选择评价档次。")
    return result(None, "定性", "定性指标未能自动认定达成，请审核人员选择评价档次（达成/部分达成/未达成）。")


def _formula_score(evaluation: Evaluation, weight: Decimal) -> Decimal:
    if evaluation.met:
        return weight
    target, actual = evaluation.target.value, evaluation.actual.value
    with localcontext(prec=_PRECISION):
        if evaluation.direction == POSITIVE:
            return weight * actual / target  # not met, so target > actual ≥ 0
        if target == 0 or actual >= 2 * target:
            return Decimal(0)
        return weight * (1 - (actual - target) / target)


def _level_name(level1: str) -> str:
    """``产\\n出\\n指\\n标`` or ``产出`` → ``产出指标`` (as extracted from merged table cells)."""
    name = "".join((level1 or "").split())
    return name if name.endswith("指标") else f"{name}指标"


def _budget_score(rate) -> tuple[Decimal, str]:
    rate_d = _to_decimal(rate, "预算执行率")
    if rate_d is None:
        return Decimal(0), "没有预算执行率（预算数为0或未填），预算执行得分按0计。"
    with localcontext(prec=_PRECISION):
        return max(Decimal(0), min(rate_d * BUDGET_POINTS / HUNDRED, BUDGET_POINTS)), ""


def _group_points(groups: dict, level_weights: dict) -> dict:
    """Points of each present level-1 group, scaled so that they add up to 90.

    A standard group the table does not have gives its points to the others in proportion
    (产出 and 满意度 only → 50 × 90/60 and 10 × 90/60), so a return is always out of 100.
    """
    weights = {_level_name(k): _to_decimal(v, "一级指标分值") for k, v in level_weights.items()}
    for name in groups:
        if name not in weights:
            raise ValueError(f"一级指标“{name}”没有设定分值，请在 level_weights 中给出。")
    present = sum((weights[name] for name in groups), Decimal(0))
    if present <= 0:
        raise ValueError("一级指标分值合计应大于0。")
    with localcontext(prec=_PRECISION):
        return {name: weights[name] * INDICATOR_POINTS / present for name in groups}


def _indicator_weights(items: list, points: Decimal, level: str, notes: list) -> list:
    """Explicit weights as given; the rest of the group's points split evenly among the others."""
    explicit = [_to_decimal(item.weight, "分值") for item in items]
    given = sum((w for w in explicit if w is not None), Decimal(0))
    unset = explicit.count(None)
    if not unset:
        if given != points:
            notes.append(
                f"{level}各指标分值合计{format_number(quantize_rate(given))}，与该级分值"
                f"{format_number(quantize_rate(points))}不同，按各指标填写的分值计分。"
            )
        return explicit
    remaining = points - given
    if remaining < 0:
        raise ValueError(f"{level}已设定的指标分值合计{given}超过该级分值{quantize_rate(points)}。")
    with localcontext(prec=_PRECISION):
        share = remaining / unset
    return [share if w is None else w for w in explicit]


def score_return(execution_rate, indicators, *, level_weights=None) -> ReturnScore:
    """Score a return: 预算执行 10 points (rate × 10 / 100, at most 10) plus 90 for indicators.

    ``indicators`` is a list of ``ScoredIndicator``. Level-1 points default to 产出 50, 效益 30,
    满意度 10 (``level_weights`` overrides or adds to them); a 成本指标 group without its own
    weight is counted with 产出指标. Points of absent groups go to present ones in proportion.
    Within a group, indicators without an explicit weight share what explicit weights leave,
    evenly.
    Rounding: the total is computed from exact values; the displayed 分值 and 得分 are
    rounded so that each column adds up to its displayed total (``apportion``).
    """
    if not indicators:
        raise ValueError("没有可计分的绩效指标。")
    weights = {**DEFAULT_LEVEL_WEIGHTS, **(level_weights or {})}
    weights = {_level_name(k): v for k, v in weights.items()}
    notes: list[str] = []
    budget_score, budget_note = _budget_score(execution_rate)
    if budget_note:
        notes.append(budget_note)

    groups: dict[str, list] = defaultdict(list)
    for item in indicators:
        level = _level_name(item.level1)
        groups[_FOLDED_LEVELS.get(level, level) if level not in weights else level].append(item)
    points = _group_points(groups, weights)

    scores = []
    for level, items in groups.items():
        for item, weight in zip(items, _indicator_weights(items, points[level], level, notes), strict=True):
            scored = score_indicator(item.evaluation, weight, band=item.band)
            scored = replace(scored, level1=item.level1, level2=item.level2, name=item.name)
            if scored.note:
                notes.append(f"{item.name or item.level2}：{scored.note}")
            scores.append(scored)

    # The printed 分值 add up to the printed points (10 + 90), the printed 得分 to the printed
    # total: the rounding remainder is apportioned (largest remainder, see ``apportion``).
    weight_total = quantize_rate(sum((s.exact_weight for s in scores), Decimal(0)))
    shown_weights = apportion([s.exact_weight for s in scores], weight_total)
    scores = [replace(s, weight=w) for s, w in zip(scores, shown_weights, strict=True)]
    shown_budget = quantize_rate(budget_score)
    if any(s.exact_score is None for s in scores):
        return ReturnScore(shown_budget, scores, None, None, None, notes)
    total = quantize_rate(budget_score + sum((s.exact_score for s in scores), Decimal(0)))
    shown_scores = apportion([s.exact_score for s in scores], total - shown_budget)
    scores = [replace(s, score=v) for s, v in zip(scores, shown_scores, strict=True)]
    return ReturnScore(
        budget_score=shown_budget,
        indicators=scores,
        indicator_total=total - shown_budget,
        total=total,
        grade=grade_for(total),
        notes=notes,
    )
