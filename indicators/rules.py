"""Indicator rules engine: read target values, compute rates, scores and roll-ups, find mistakes.

Everything the portal computes about an indicator or a return lives here, so that screens,
imports and generated reports can never disagree about a figure. The module is pure Python
(standard library only, no Django) so it can be tested alone; model code adapts its rows to
the small dataclasses below.

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
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import NamedTuple

__all__ = [
    # parsing
    "Target",
    "TargetParseError",
    "UnitMismatchError",
    "parse_target",
    "parse_actual",
    # evaluation and money
    "Evaluation",
    "evaluate",
    "apportion",
    "execution_rate",
    "quantize_rate",
    "format_number",
    "format_value",
    # scoring
    "BANDS",
    "DEFAULT_LEVEL_WEIGHTS",
    "IndicatorScore",
    "ReturnScore",
    "ScoredIndicator",
    "grade_for",
    "score_indicator",
    "score_return",
    # roll-up
    "ChildValue",
    "Contribution",
    "Rollup",
    "infer_rollup_rule",
    "rollup",
    # consistency checks
    "AllocationRow",
    "Finding",
    "IndicatorLine",
    "MoneyLine",
    "ReturnData",
    "check_allocation_table",
    "check_fund",
    "check_return",
]

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
OVER_ACHIEVED_AT = Decimal(130)
# Enough digits for any division of 12-digit amounts; quantize never runs out of precision.
_PRECISION = 60

QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class TargetParseError(ValueError):
    """A target or actual value that cannot be read. The message is Chinese and quotes it."""

    def __init__(self, message: str, text: str = ""):
        super().__init__(message)
        self.text = text


class UnitMismatchError(TargetParseError):
    """An actual whose unit differs from its target's (a ``%`` target, a ``人次`` actual)."""


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _to_decimal(value, what: str = "数值") -> Decimal | None:
    """Decimal from Decimal/int/str; None stays None. Floats are refused: they are inexact."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{what}不能是布尔值：{value!r}")
    if isinstance(value, float):
        raise TypeError(f"{what}不接受浮点数（{value!r}），请用 Decimal、整数或字符串。")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        cleaned = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        if not cleaned:
            return None
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(f"{what}“{value}”不是数字。") from None
    else:
        raise TypeError(f"{what}的类型不受支持：{type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{what}“{value}”不是有限的数字。")
    return number


def quantize_rate(value) -> Decimal | None:
    """Round a percentage (or any figure) to two places, half-up: 35.715 → 35.72.

    Accepts Decimal, int or str; None stays None. This is the only place rounding happens.
    """
    number = _to_decimal(value, "比率")
    if number is None:
        return None
    with localcontext(prec=_PRECISION):
        return number.quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(value) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros (1020, 33.93, 1.4, 0)."""
    number = _to_decimal(value)
    if number is None:
        return ""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def format_value(value, unit: str = "") -> str:
    """A value with its unit, the way actuals are written: ``33.93%``, ``1020人次``, ``30日``."""
    text = format_number(value)
    return f"{text}{unit}" if text else ""


def apportion(values, total) -> list[Decimal]:
    """Round each of ``values`` to two places so that the rounded values add up to ``total``.

    A printed column must add up to its printed total, which is rounded from the exact sum.
    The largest remainder method: every value is cut down to the cent, then the cents still
    missing go one each to the values that lost the most by the cut, the earlier line first
    on a tie (16.666… three times for 50.00 prints 16.67, 16.67, 16.66). ``total`` has two
    places and is at least the sum of the cut values (a rounded sum always is).
    """
    exact = [_to_decimal(v, "数值") for v in values]
    floors = [v.quantize(CENT, rounding=ROUND_FLOOR) for v in exact]
    missing = int((_to_decimal(total, "合计") - sum(floors, Decimal(0))) / CENT)
    if missing < 0:
        raise ValueError(f"合计{total}小于各数舍去分位后之和，无法分配。")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for n in range(missing):
        floors[order[n % len(order)]] += CENT
    return floors


def execution_rate(spent, budget) -> Decimal | None:
    """预算执行率 = 全年执行数 / 全年预算数, as a percentage rounded half-up to two places.

    ``execution_rate('27.67', 8454) == Decimal('0.33')``. None when the budget is 0 or missing,
    or the spending was not entered. Floats raise TypeError.
    """
    spent_d = _to_decimal(spent, "执行数")
    budget_d = _to_decimal(budget, "预算数")
    if spent_d is None or budget_d is None or budget_d == 0:
        return None
    with localcontext(prec=_PRECISION):
        return quantize_rate(spent_d / budget_d * HUNDRED)


# --------------------------------------------------------------------------------------------
# Parsing target and actual values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target (指标值) or actual (实际完成值) value, read.

    ``comparator`` is ``'>='``, ``'<='``, ``'='`` or None (qualitative); ``value`` a Decimal or
    None; ``unit`` as written (``'%'``, ``'人次'`` …, or ``''``); ``kind`` ``'quantitative'`` or
    ``'qualitative'``; ``text`` the original text.
    """

    text: str
    kind: str
    comparator: str | None = None
    value: Decimal | None = None
    unit: str = ""

    @property
    def is_qualitative(self) -> bool:
        return self.kind == QUALITATIVE

    @property
    def wording(self) -> str:
        """The text reduced for comparing words: no spaces, no punctuation, NFKC."""
        return _wording(self.text)

    @property
    def display(self) -> str:
        """A canonical spelling: ``≥95%``, ``≤30日``, ``100%``, or the qualitative wording."""
        if self.is_qualitative:
            return self.text.strip()
        symbol = {">=": "≥", "<=": "≤", "=": ""}[self.comparator]
        return f"{symbol}{format_value(self.value, self.unit)}"

    def same_as(self, other: Target) -> bool:
        """Whether two values say the same thing (``≥ 95%`` and ``95%以上`` do)."""
        if self.kind != other.kind:
            return False
        if self.is_qualitative:
            return self.wording == other.wording
        return (
            self.comparator == other.comparator
            and self.value == other.value
            and _canonical_unit(self.unit) == _canonical_unit(other.unit)
        )


# Comparator spellings that NFKC leaves alone (it maps ＞ and ＝ but not ≥, ≧, ⩾ …).
_SYMBOLS = (
    ("≧", ">="),
    ("≥", ">="),
    ("⩾", ">="),
    ("≦", "<="),
    ("≤", "<="),
    ("⩽", "<="),
    ("=>", ">="),
    ("=<", "<="),
)

# Words before the number. Longest first so that 不超过 wins over 超过.
_PREFIX_WORDS = {
    "大于或等于": ">=",
    "大于等于": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "不小于": ">=",
    "至少": ">=",
    "达到": ">=",
    "大于": ">=",
    "高于": ">=",
    "超过": ">=",
    "多于": ">=",
    "小于或等于": "<=",
    "小于等于": "<=",
    "不超过": "<=",
    "不高于": "<=",
    "不多于": "<=",
    "不大于": "<=",
    "至多": "<=",
    "最多": "<=",
    "小于": "<=",
    "低于": "<=",
    "少于": "<=",
    "等于": "=",
}
_PREFIX_SYMBOLS = {">=": ">=", "<=": "<=", "=": "=", ">": ">=", "<": "<="}

# Words after the number and unit.
_SUFFIX_WORDS = {
    "及以上": ">=",
    "或以上": ">=",
    "以上": ">=",
    "及以下": "<=",
    "或以下": "<=",
    "以下": "<=",
    "以内": "<=",
    "之内": "<=",
    "内": "<=",
}

# Units seen in target tables. A compound unit joins them with / or · (元/人/月).
_UNITS = tuple(
    "% ‰ 万人次 人次 人月 人日 万人 个工作日 工作日 个月 亿元 万元 元 小时 "
    "分钟 万平方米 平方米 公里 个 日 天 周 月 年 人 名 位 次 户 家 所 项 件 "
    "起 场 期 处 份 张 床 间 台 辆 批 条 套 座 篇 册 本 分 岁 倍 类 轮 课时 学时".split()
)
_UNIT_EQUIVALENTS = {"天": "日", "个月": "月", "名": "人"}

_MAX_INTEGER_DIGITS = 12
_MAX_DECIMAL_PLACES = 6


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_UNIT_RE = f"(?:{_alternation(_UNITS)})(?:[/·・](?:{_alternation(_UNITS)}))*"
_NUMBER_RE = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_QUANTITY = re.compile(
    rf"(?P<prefix>{_alternation(_PREFIX_WORDS)}|>=|<=|=|>|<)?"
    rf"(?P<number>{_NUMBER_RE})"
    rf"(?P<unit>{_UNIT_RE})?"
    rf"(?P<suffix>{_alternation(_SUFFIX_WORDS)})?"
)
_ANY_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _canonical_unit(unit: str) -> str:
    return _UNIT_EQUIVALENTS.get(unit, unit)


def _normalise(text: str) -> str:
    """NFKC (full-width digits, ％, ＞, ＝, spaces), no whitespace, one spelling per comparator.

    Whitespace between two digits is kept (as one space) so that ``90 95`` stays two numbers
    and is refused instead of being read as 9095.
    """
    pieces = re.split(r"(?<=[0-9])\s+(?=[0-9])", unicodedata.normalize("NFKC", text))
    compact = " ".join("".join(piece.split()) for piece in pieces)
    for old, new in _SYMBOLS:
        compact = compact.replace(old, new)
    return compact


def _wording(text: str) -> str:
    """Text reduced for comparing words: NFKC, no whitespace, no punctuation."""
    normal = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in normal if not ch.isspace() and not _is_punctuation(ch))


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def _text_of(value) -> str:
    """The text of a value as staff enter it; numbers from spreadsheets are allowed, floats not."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"数值不接受 {type(value).__name__} 类型：{value!r}，请填写文字或 Decimal。")
    if isinstance(value, int | Decimal):
        return format_number(value)
    raise TypeError(f"指标值的类型不受支持：{type(value).__name__}")


def _parse(text: str, label: str) -> Target:
    """Read one value; ``label`` (指标值 / 实际完成值) names it in error messages."""
    original = _text_of(text)

    def fail(reason: str) -> TargetParseError:
        return TargetParseError(f"无法识别{label}“{original}”：{reason}", original)

    normal = _normalise(original)
    if not normal:
        raise fail("内容为空。")
    if not re.search(r"[0-9]", normal):
        if _CJK.search(normal):
            return Target(text=original, kind=QUALITATIVE)
        raise fail("应为数值（如“≥95%”“≤30日”“500人次”）或文字表述（如“应保尽保”）。")

    match = _QUANTITY.fullmatch(normal)
    if match is None:
        raise fail(_why_not_a_quantity(normal))

    number = match["number"].replace(",", "")
    integer, _, decimals = number.partition(".")
    if len(integer.lstrip("0")) > _MAX_INTEGER_DIGITS or len(decimals) > _MAX_DECIMAL_PLACES:
        raise fail("数值过大或小数位过多。")

    comparator = _comparator(match["prefix"], match["suffix"])
    if comparator is None:
        raise fail("前后的比较方式相互矛盾。")
    return Target(
        text=original,
        kind=QUANTITATIVE,
        comparator=comparator,
        value=Decimal(number),
        unit=match["unit"] or "",
    )


def _why_not_a_quantity(normal: str) -> str:
    """A short explanation for text with digits that the grammar does not accept."""
    if len(_ANY_NUMBER.findall(normal.replace(",", ""))) > 1:
        return "含有多个数值，只能填写一个数值。"
    if re.search(r"-[0-9]", normal):
        return "数值不能为负数。"
    return "格式不正确，应为“≥95%”“≤30日”“500人次”“30日以内”这样的写法。"


def _comparator(prefix: str | None, suffix: str | None) -> str | None:
    """Combine the words before and after the number; None if they contradict each other.

    No word at all means ``=`` (``100%``). ``=`` before the number gives way to a suffix
    (``=30日内`` is within 30 days).
    """
    before = None
    if prefix:
        before = _PREFIX_WORDS.get(prefix) or _PREFIX_SYMBOLS[prefix]
    after = _SUFFIX_WORDS.get(suffix) if suffix else None
    if before is None or before == "=":
        return after or before or "="
    if after is None or after == before:
        return before
    return None


def parse_target(text) -> Target:
    """Read a target value (指标值) as staff write it; see the module docstring for the rules.

    ``parse_target('≥ 95%')`` → comparator ``'>='``, value ``Decimal('95')``, unit ``'%'``.
    ``parse_target('应保尽保')`` → kind ``'qualitative'``. Unreadable text raises
    ``TargetParseError`` whose message quotes it: ``无法识别指标值“abc”：…``.
    """
    return _parse(text, "指标值")


def parse_actual(text, target=None) -> Target:
    """Read an actual value (全年实际完成值), checked against its target when one is given.

    Accepts the target grammar plus actual spellings (``=510人次``, ``30日内``). With a target:

    * no unit on the actual takes the target's unit (``95`` for ``≥95%`` is ``95%``);
    * a different unit raises ``UnitMismatchError`` (``510人次`` for ``≥95%``);
    * a qualitative actual for a quantitative target raises ``TargetParseError``.
    """
    actual = _parse(text, "实际完成值")
    if target is None:
        return actual
    return _fit_to_target(actual, _as_target(target))


def _fit_to_target(actual: Target, target: Target) -> Target:
    if target.is_qualitative:
        return actual
    if actual.is_qualitative:
        raise TargetParseError(
            f"实际完成值“{actual.text}”不是数值，指标值“{target.text}”要求填写数值"
            f"（如“{format_value(target.value, target.unit)}”）。",
            actual.text,
        )
    if not actual.unit:
        return replace(actual, unit=target.unit)
    if target.unit and _canonical_unit(actual.unit) != _canonical_unit(target.unit):
        raise UnitMismatchError(
            f"实际完成值“{actual.text}”的单位“{actual.unit}”"
            f"与指标值“{target.text}”的单位“{target.unit}”不一致。",
            actual.text,
        )
    return actual


def _as_target(value) -> Target:
    return value if isinstance(value, Target) else parse_target(value)


# --------------------------------------------------------------------------------------------
# Evaluation: completion and deviation rates
# --------------------------------------------------------------------------------------------

POSITIVE = "positive"  # 正向: more is better (>=, and = treated as at least)
NEGATIVE = "negative"  # 反向: less is better (<=)

# An actual that says a qualitative target was met, besides repeating its wording. Kept small
# on purpose: anything else is for a reviewer to judge.
MET_PHRASES = frozenset({"是", "完成", "已完成", "达到", "已达到", "达成", "已达成", "实现", "已实现"})
# …and the same words before the target's wording (已实现应保尽保).
MET_PREFIXES = ("已实现", "已达到", "实现", "达到", "已")
# An actual that says plainly it was not met: missed, so it needs a reason.
NOT_MET_PHRASES = frozenset({"否", "未完成", "未达到", "未达成", "未实现", "没有完成"})


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


def evaluate(target, actual, *, judged_met: bool | None = None) -> Evaluation:
    """Compare an actual with its target (texts as staff write them, or parsed ``Target``s).

    ``judged_met`` is a reviewer's decision for a qualitative actual the wording alone cannot
    settle (domain.md §4: "or the reviewer marks it met"); it never overrides arithmetic.

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
            parsed_actual = parse_actual(actual, parsed_target)
    except (TargetParseError, TypeError) as exc:
        return Evaluation(target=parsed_target, actual=None, error=str(exc))
    try:
        if parsed_target.is_qualitative:
            return _evaluate_qualitative(parsed_target, parsed_actual, judged_met)
        return _evaluate_quantitative(parsed_target, parsed_actual)
    except ArithmeticError as exc:  # pragma: no cover - the grammar bounds every number
        return Evaluation(target=parsed_target, actual=parsed_actual, error=f"无法计算：{exc}")


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


def _evaluate_qualitative(target: Target, actual: Target, judged_met: bool | None = None) -> Evaluation:
    met = _qualitative_met(target, actual)
    if met is None:
        met = judged_met
    if met:
        return Evaluation(
            target=target,
            actual=actual,
            completion_rate=quantize_rate(HUNDRED),
            deviation_rate=quantize_rate(0),
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


# --------------------------------------------------------------------------------------------
# Scoring (domain.md §4)
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Roll-up (domain.md §5)
# --------------------------------------------------------------------------------------------

RULES = ("sum", "weighted", "max", "all_met")
# Units whose regional figures add up to the parent's. Any other unit with ≥ (a subsidy
# standard in 元/人/月, a duration) is averaged: an average is never as wrong as a sum.
_SUMMABLE_UNITS = frozenset(
    "人次 万人次 人 万人 名 位 个 次 人月 人日 户 家 所 项 件 起 场 期 处 "
    "份 张 床 间 台 辆 批 条 套 座 篇 册 本 元 万元 亿元 课时 学时 轮".split()
) | {""}
NOT_ALL_MET = "未全部完成"


@dataclass(frozen=True)
class ChildValue:
    """One region's figure for a roll-up: its actual text, the denominator it entered (for a
    rate: how many people the percentage is of) and the money allocated to it."""

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
        if not _wording(_text_of(child.actual_text)):
            missing.append(child.region)
            continue
        try:
            readable.append((child, parse_actual(child.actual_text, target)))
        except (TargetParseError, TypeError) as exc:
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


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == 0:
        return None
    with localcontext(prec=_PRECISION):
        return quantize_rate(part / whole * HUNDRED)


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
    text = target.display if all_met else NOT_ALL_MET
    return Rollup(None, text, "all_met", contributions, unmet=unmet)


# --------------------------------------------------------------------------------------------
# Consistency checks (domain.md §7)
# --------------------------------------------------------------------------------------------

ERROR, WARNING, INFO = "error", "warning", "info"
REPEATED_REASON_THRESHOLD = 3


@dataclass(frozen=True)
class Finding:
    """One problem: ``severity`` error (blocks submission) / warning / info, a short English
    ``code``, a Chinese ``message`` naming the line, ``where`` — the key of the line it points
    to — and, in an allocation table, the ``column`` (total / advance / batch) it is about.
    Callers place a finding by ``where`` and ``column``, never by reading the message."""

    severity: str
    code: str
    message: str
    where: object
    column: str = ""


@dataclass
class IndicatorLine:
    key: object
    level1: str
    level2: str
    name: str
    target_text: str
    actual_text: str | None
    reason: str | None = ""
    measure: str | None = ""
    parent_target_text: str | None = None
    judged_met: bool | None = None  # a reviewer's decision on a qualitative actual


@dataclass
class MoneyLine:
    """One money source of a return. ``allocated``: the money comes down by allocation, so its
    budget is what was allocated (none means nothing was); otherwise the budget is the one the
    return states (the region's own money)."""

    key: object
    source: str  # central / provincial / local / other
    budget: object = None
    spent: object = None
    allocated: bool = False
    label: str = ""  # how messages name the source (中央财政资金); the source's code without one


@dataclass
class ReturnData:
    """A return as the checks see it: its money lines (each knowing whether its budget was
    allocated) and its indicator lines."""

    key: object
    region_name: str
    money: list = field(default_factory=list)
    indicators: list = field(default_factory=list)


@dataclass
class AllocationRow:
    """A row of an allocation table (全年资金合计 = 提前下达 + 本次下达). County rows carry their
    ``group``; a subtotal row has ``is_subtotal`` and the group it closes; the grand total row
    (合计) has ``is_subtotal`` and no group. A table without groups sums straight to 合计."""

    key: object
    label: str
    total: object
    advance: object
    batch: object
    is_subtotal: bool = False
    group: str | None = None


def _blank(text) -> bool:
    return not _wording(text if isinstance(text, str) else _text_of(text))


def _money(value) -> str:
    return format_number(value)


def check_return(data: ReturnData) -> list[Finding]:
    """All findings for one return: money first, then indicators in order, then repeated
    reasons. Errors block submission; warnings and information are shown."""
    findings = _check_money(data)
    missed = []
    for line in data.indicators:
        line_findings, evaluation = _check_indicator(line)
        findings.extend(line_findings)
        if evaluation is not None and evaluation.met is False:
            missed.append(line)
    findings.extend(_check_repeated_reasons(missed))
    return findings


def _check_money(data: ReturnData) -> list[Finding]:
    """Each source's spending against that source's budget: negative spending, spending above
    what was allocated (or above the stated budget), spending of money that never arrived,
    and a region's own money spent without a stated budget. All errors."""
    findings = []
    for line in data.money:
        source = line.label or line.source
        budget, spent = _to_decimal(line.budget, "预算数"), _to_decimal(line.spent, "执行数")
        if spent is None:
            continue
        if spent < 0:
            findings.append(
                Finding(
                    ERROR,
                    "negative_spending",
                    f"{source}执行数为负数（{_money(spent)}万元），请核实。",
                    line.key,
                )
            )
            continue
        if line.allocated and not budget:
            if spent > 0:
                findings.append(
                    Finding(
                        ERROR,
                        "spent_without_allocation",
                        f"未获分配{source}，却填报了{source}执行数{_money(spent)}万元。",
                        line.key,
                    )
                )
        elif line.allocated and spent > budget:
            findings.append(
                Finding(
                    ERROR,
                    "spent_over_allocation",
                    f"{source}执行数{_money(spent)}万元超过下达资金{_money(budget)}万元。",
                    line.key,
                )
            )
        elif not line.allocated and budget is None:
            if spent > 0:
                findings.append(
                    Finding(
                        ERROR,
                        "budget_missing",
                        f"填报了{source}执行数{_money(spent)}万元，请填写{source}全年预算数。",
                        line.key,
                    )
                )
        elif not line.allocated and spent > budget:
            findings.append(
                Finding(
                    ERROR,
                    "spent_over_budget",
                    f"{source}执行数{_money(spent)}万元超过预算数{_money(budget)}万元。",
                    line.key,
                )
            )
    return findings


def _check_indicator(line: IndicatorLine) -> tuple[list[Finding], Evaluation | None]:
    """Findings for one indicator line, and its evaluation when it could be made."""
    name = line.name
    findings = _check_parent_target(line)
    if _blank(line.actual_text):
        findings.append(Finding(ERROR, "actual_blank", f"指标“{name}”未填写全年实际完成值。", line.key))
        return findings, None
    try:
        target = parse_target(line.target_text)
    except TargetParseError as exc:
        findings.append(Finding(ERROR, "target_unreadable", f"指标“{name}”：{exc}", line.key))
        return findings, None
    try:
        actual = parse_actual(line.actual_text, target)
    except UnitMismatchError as exc:
        findings.append(Finding(ERROR, "unit_mismatch", f"指标“{name}”：{exc}", line.key))
        return findings, None
    except TargetParseError as exc:
        findings.append(Finding(ERROR, "actual_unreadable", f"指标“{name}”：{exc}", line.key))
        return findings, None

    evaluation = evaluate(target, actual, judged_met=line.judged_met)
    findings.extend(_explanation_findings(line, evaluation))
    return findings, evaluation


def _explanation_findings(line: IndicatorLine, evaluation: Evaluation) -> list[Finding]:
    name, findings = line.name, []
    rate = evaluation.completion_rate
    rate_text = f"（完成率{format_number(rate)}%）" if rate is not None else ""
    if evaluation.met is False:
        if _blank(line.reason):
            findings.append(
                Finding(
                    ERROR,
                    "missing_reason",
                    f"指标“{name}”未完成{rate_text}，请填写未完成原因。",
                    line.key,
                )
            )
        if _blank(line.measure):
            findings.append(
                Finding(
                    ERROR,
                    "missing_measure",
                    f"指标“{name}”未完成{rate_text}，请填写改进措施。",
                    line.key,
                )
            )
    if evaluation.over_achieved and _blank(line.reason):
        findings.append(
            Finding(
                ERROR,
                "missing_overachievement_explanation",
                f"指标“{name}”完成率{format_number(rate)}%，超出目标30%及以上，请说明超额完成的原因。",
                line.key,
            )
        )
    if evaluation.met is None:
        findings.append(
            Finding(
                INFO,
                "needs_judgement",
                f"指标“{name}”的实际完成值“{evaluation.actual.text}”未表明是否达到"
                f"“{evaluation.target.text}”，请审核人员认定。",
                line.key,
            )
        )
    return findings


def _check_parent_target(line: IndicatorLine) -> list[Finding]:
    parent = line.parent_target_text
    if parent is None or _blank(parent):
        return []
    try:
        same = parse_target(line.target_text).same_as(parse_target(parent))
    except TargetParseError:
        same = _wording(line.target_text) == _wording(parent)
    if same:
        return []
    return [
        Finding(
            INFO,
            "target_differs_from_parent",
            f"指标“{line.name}”的指标值“{line.target_text}”与上级下达的“{parent}”不同。",
            line.key,
        )
    ]


def _check_repeated_reasons(missed: list[IndicatorLine]) -> list[Finding]:
    """One warning per reason text pasted under 3 or more missed indicators (spaces and
    punctuation ignored), pointing at the first of them and naming all."""
    by_reason: dict[str, list[IndicatorLine]] = defaultdict(list)
    for line in missed:
        if not _blank(line.reason):
            by_reason[_wording(line.reason)].append(line)
    findings = []
    for lines in by_reason.values():
        if len(lines) >= REPEATED_REASON_THRESHOLD:
            names = "、".join(f"“{line.name}”" for line in lines)
            findings.append(
                Finding(
                    WARNING,
                    "repeated_reason",
                    f"{len(lines)}个未完成指标填写了相同的未完成原因（{names}），请针对各指标分别说明。",
                    lines[0].key,
                )
            )
    return findings


def check_fund(returns: list[ReturnData], allocations_by_region: dict) -> list[Finding]:
    """Check every return of a fund: each return's own findings, prefixed with its region's
    name; two returns for one region (error); a region with money but no return (warning).

    ``allocations_by_region`` maps a region name (``ReturnData.region_name``) to the money
    allocated to it; each return's money lines carry their own budgets already.
    """
    findings = []
    seen = Counter()
    for data in returns:
        seen[data.region_name] += 1
        if seen[data.region_name] == 2:
            findings.append(
                Finding(ERROR, "duplicate_return", f"{data.region_name}：同一地区有多份填报。", data.key)
            )
        for finding in check_return(data):
            findings.append(replace(finding, message=f"{data.region_name}：{finding.message}"))
    for region, amount in allocations_by_region.items():
        if region not in seen and _to_decimal(amount, "分配金额"):
            findings.append(
                Finding(
                    WARNING,
                    "missing_return",
                    f"{region}获分配{_money(amount)}万元，尚无填报。",
                    region,
                )
            )
    return findings


# --- allocation tables --------------------------------------------------------------------

_COLUMNS = {"total": "全年资金合计", "advance": "提前下达", "batch": "本次下达"}


@dataclass
class _Constraint:
    """One equation of the table, as (row, column, sign) terms that must add up to zero."""

    kind: str  # row / group / grand
    anchor: AllocationRow  # the row the finding points to
    terms: list
    column: str = "total"
    group: str | None = None
    members: str = ""  # what adds up in a column: “乌鲁木齐市”各行, 各小计, 各行
    residual: Decimal | None = None


def check_allocation_table(rows: list[AllocationRow]) -> list[Finding]:
    """Check an allocation table: each row's 合计 = 提前下达 + 本次下达, each group's rows add
    up to its 小计 in every column, the 小计 rows add up to the 合计 row.

    A single wrong number breaks every equation it is in (its row and its column); when one
    cell explains all the broken equations it is in, and only it does, one ``cell_mismatch``
    finding names that row and column with the value the others imply. Other broken equations
    are reported one by one. A missing cell in a column the table uses is a ``missing_cell``
    error of its own, and the equations it is in are not checked.
    """
    values = {id(r): {c: _to_decimal(getattr(r, c), _COLUMNS[c]) for c in _COLUMNS} for r in rows}
    columns = [c for c in _COLUMNS if any(values[id(r)][c] is not None for r in rows)]
    findings = _missing_cells(rows, values, columns)
    constraints = _constraints(rows, columns)
    failing = []
    for constraint in constraints:
        terms = [values[id(r)][c] for r, c, _ in constraint.terms]
        if any(v is None for v in terms):
            continue
        constraint.residual = sum(
            (v * sign for v, (_, _, sign) in zip(terms, constraint.terms, strict=True)),
            Decimal(0),
        )
        if constraint.residual != 0:
            failing.append(constraint)

    explained, cell_findings = _localise(constraints, failing, values)
    findings.extend(cell_findings)
    findings.extend(_constraint_finding(c, values) for c in failing if id(c) not in explained)
    return findings


def _missing_cells(rows, values, columns) -> list[Finding]:
    findings = []
    for row in rows:
        for column in columns:
            if values[id(row)][column] is None:
                hint = _implied_by_row(values[id(row)], column)
                hint = f"（按本行其他两数应为{_money(hint)}）" if hint is not None else ""
                findings.append(
                    Finding(
                        ERROR,
                        "missing_cell",
                        f"“{row.label}”行缺少“{_COLUMNS[column]}”数值{hint}。",
                        row.key,
                        column,
                    )
                )
    return findings


def _implied_by_row(own: dict, column: str) -> Decimal | None:
    """The value a missing cell must have for 合计 = 提前下达 + 本次下达 (others present)."""
    others = [own[c] for c in _COLUMNS if c != column]
    if any(v is None for v in others):
        return None
    if column == "total":
        return own["advance"] + own["batch"]
    other = "batch" if column == "advance" else "advance"
    return own["total"] - own[other]


def _constraints(rows: list[AllocationRow], columns: list[str]) -> list[_Constraint]:
    grand = next((r for r in rows if r.is_subtotal and not r.group), None)
    subtotals = {}
    for row in rows:
        if row.is_subtotal and row.group and row.group not in subtotals:
            subtotals[row.group] = row
    members: dict[str, list] = defaultdict(list)
    top_level = []  # rows that add up to the grand total directly
    for row in rows:
        if row.is_subtotal:
            if row.group and subtotals[row.group] is row:
                top_level.append(row)
        elif row.group in subtotals:
            members[row.group].append(row)
        else:
            top_level.append(row)

    constraints = []
    if "advance" in columns and "batch" in columns:
        for row in rows:
            terms = [(row, "total", 1), (row, "advance", -1), (row, "batch", -1)]
            constraints.append(_Constraint("row", row, terms))
    for group, subtotal in subtotals.items():
        for column in columns:
            terms = [(subtotal, column, 1)] + [(r, column, -1) for r in members[group]]
            constraints.append(_Constraint("group", subtotal, terms, column, group, f"“{group}”各行"))
    if grand is not None:
        addends = "各小计" if all(r.is_subtotal for r in top_level) else "各行"
        for column in columns:
            terms = [(grand, column, 1)] + [(r, column, -1) for r in top_level]
            constraints.append(_Constraint("grand", grand, terms, column, None, addends))
    return constraints


def _localise(constraints, failing, values) -> tuple[set, list[Finding]]:
    """Find cells that alone explain broken equations (see ``check_allocation_table``)."""
    by_cell: dict[tuple, list] = defaultdict(list)
    for constraint in constraints:
        for row, column, sign in constraint.terms:
            by_cell[(id(row), column)].append((constraint, row, sign))

    candidates = []
    for (_, column), entries in by_cell.items():
        if len(entries) < 2 or any(c.residual in (None, 0) for c, _, _ in entries):
            continue
        row = entries[0][1]
        value = values[id(row)][column]
        corrected = {value - c.residual * sign for c, _, sign in entries}
        if len(corrected) == 1:
            candidates.append((row, column, corrected.pop(), [c for c, _, _ in entries]))

    claims = Counter(id(c) for *_, cs in candidates for c in cs)
    explained, findings = set(), []
    for row, column, corrected, cs in candidates:
        if any(claims[id(c)] > 1 for c in cs):
            continue  # two cells could explain it: report the equations instead
        explained.update(id(c) for c in cs)
        value = values[id(row)][column]
        names = [_constraint_name(c) for c in cs]
        because = "、".join(names[:-1]) + "及" + names[-1]
        findings.append(
            Finding(
                ERROR,
                "cell_mismatch",
                f"“{row.label}”行的“{_COLUMNS[column]}”{_money(value)}与表中其他数字"
                f"不符：按{because}推算应为{_money(corrected)}。",
                row.key,
                column,
            )
        )
    return explained, findings


def _constraint_name(constraint: _Constraint) -> str:
    if constraint.kind == "row":
        return "本行提前下达与本次下达之和"
    return f"{constraint.members}之和"


def _constraint_finding(constraint: _Constraint, values) -> Finding:
    anchor = constraint.anchor
    column = _COLUMNS[constraint.column]
    own = values[id(anchor)]
    if constraint.kind == "row":
        parts = own["advance"] + own["batch"]
        message = (
            f"“{anchor.label}”行全年资金合计{_money(own['total'])}不等于提前下达"
            f"{_money(own['advance'])}与本次下达{_money(own['batch'])}之和{_money(parts)}。"
        )
        return Finding(ERROR, "row_mismatch", message, anchor.key, "total")
    stated = own[constraint.column]
    added = stated - constraint.residual
    if constraint.kind == "group":
        message = (
            f"{constraint.members}{column}之和为{_money(added)}，与小计"
            f"{_money(stated)}不符（相差{_money(constraint.residual)}）。"
        )
        return Finding(ERROR, "subtotal_mismatch", message, anchor.key, constraint.column)
    message = (
        f"{constraint.members}{column}之和为{_money(added)}，与“{anchor.label}”{_money(stated)}不符"
        f"（相差{_money(constraint.residual)}）。"
    )
    return Finding(ERROR, "total_mismatch", message, anchor.key, constraint.column)
