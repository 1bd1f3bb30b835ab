"""The grammar of target and actual values as staff write them (docs/domain.md §3)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from functools import lru_cache

from indicators.rules.numbers import (
    _PRECISION,
    HUNDRED,
    QUALITATIVE,
    QUANTITATIVE,
    TargetParseError,
    UnitMismatchError,
    _to_decimal,
    format_number,
    format_value,
    quantize_rate,
)


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


@lru_cache(maxsize=8192)
def _wording(text: str) -> str:
    """Text reduced for comparing words: NFKC, no whitespace, no punctuation. Cached: the same
    few wordings (应保尽保, 有所提升) are compared on every line of every return."""
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
        if _reads_as_words(normal):
            return Target(text=original, kind=QUALITATIVE)
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


# Words after a number that only blur it (95%左右): the number is still what was meant.
_APPROXIMATIONS = ("左右", "上下", "前后", "以上", "以下", "以内", "之内", "及以上", "及以下")
_APPROXIMATELY = ("约", "大约", "近", "将近", "接近")  # …and before it (约95%的对象)
_MIN_WORDS = 2  # Chinese characters a narrative has on each side of its numbers


def _reads_as_words(normal: str) -> bool:
    """A statement with numbers inside it, not a number (seed 004 writes its indicators so:
    “实现“15分钟养老服务圈”覆盖所有居家老年人”, “每年的6月和12月按时发放”): words come before
    the first number, and words after the last one, at least two Chinese characters each. Text
    that starts with a number or a comparator (“95%左右”, “≥95%左右”, “不低于95%的…”), or ends in
    one (“发放慰问金2.4万元”, “完成率95%左右”), means a number to compare and stays an error."""
    numbers = list(_ANY_NUMBER.finditer(normal))
    lead = normal[: numbers[0].start()]
    if len(_CJK.findall(lead)) < _MIN_WORDS:
        return False
    bare = "".join(ch for ch in lead if not _is_punctuation(ch))
    if bare.endswith((*_PREFIX_WORDS, *_APPROXIMATELY)) or lead.rstrip().endswith(("<", ">", "=")):
        return False
    quantity = _QUANTITY.match(normal, numbers[-1].start())
    tail = normal[quantity.end() if quantity else numbers[-1].end() :]
    for word in sorted(_APPROXIMATIONS, key=len, reverse=True):
        tail = tail.removeprefix(word)
    return len(_CJK.findall(tail)) >= _MIN_WORDS


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
    if isinstance(text, str):
        return _parse_target_text(text)
    return _parse(text, "指标值")


@lru_cache(maxsize=8192)
def _parse_target_text(text: str) -> Target:
    """A target text read once per process: a fund's few target texts recur on every line of
    every return below it (a check of 1,100 counties read 20 texts 65,000 times). A ``Target``
    is frozen, so the one read is shared; an unreadable text raises again each time."""
    return _parse(text, "指标值")


def parse_actual(text, target=None, *, denominator=None) -> Target:
    """Read an actual value (全年实际完成值), checked against its target when one is given.

    Accepts the target grammar plus actual spellings (``=510人次``, ``30日内``). With a target:

    * no unit on the actual takes the target's unit (``95`` for ``≥95%`` is ``95%``);
    * a different unit raises ``UnitMismatchError`` (``510人次`` for ``≥95%``);
    * a qualitative actual for a quantitative target raises ``TargetParseError``.

    With a ``denominator`` (分母) against a rate target (``%``), an actual written without a
    unit is the numerator: ``46`` of 50 is 92%. This is the one place that reading happens,
    so screens, checks, roll-ups and documents agree. An actual written as a rate (``92%``)
    stays that rate; its denominator only weighs it in a roll-up.
    """
    actual = _parse_actual_text(text) if isinstance(text, str) else _parse(text, "实际完成值")
    if target is None:
        return actual
    target = _as_target(target)
    ratio = _ratio(actual, target, denominator)
    return ratio if ratio is not None else _fit_to_target(actual, target)


@lru_cache(maxsize=8192)
def _parse_actual_text(text: str) -> Target:
    """An actual text read once per process, as ``_parse_target_text``: the same few actuals
    (100%, 应保尽保, 达到预期) recur on many lines of a fund check. Frozen, so shared."""
    return _parse(text, "实际完成值")


def ratio_reading(text, target, denominator) -> str | None:
    """How an actual with a denominator is read, as the form shows it: ``46 / 50 = 92.00%``;
    None when the actual is not a numerator (a rate, words, no denominator) or is unreadable."""
    try:
        target = _as_target(target)
        actual = _parse(text, "实际完成值")
        ratio = _ratio(actual, target, denominator)
    except (TargetParseError, TypeError, ValueError):
        return None
    if ratio is None:
        return None
    return f"{format_number(actual.value)} / {format_number(_to_decimal(denominator))} = {quantize_rate(ratio.value)}%"


def _ratio(actual: Target, target: Target, denominator) -> Target | None:
    """The rate of a numerator over its denominator, or None when the actual is not one."""
    if target.unit != "%" or actual.is_qualitative or actual.unit:
        return None
    number = _to_decimal(denominator, "分母")
    if number is None:
        return None
    if number <= 0:
        raise TargetParseError(
            f"分母应大于0（现为{format_number(number)}），无法计算“{actual.text}”所占比例。", actual.text
        )
    with localcontext(prec=_PRECISION):
        return replace(actual, value=actual.value / number * HUNDRED, unit="%")


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
        return _with_unit(actual, target.unit)
    if target.unit and _canonical_unit(actual.unit) != _canonical_unit(target.unit):
        raise UnitMismatchError(
            f"实际完成值“{actual.text}”的单位“{actual.unit}”"
            f"与指标值“{target.text}”的单位“{target.unit}”不一致。",
            actual.text,
        )
    return actual


@lru_cache(maxsize=8192)
def _with_unit(actual: Target, unit: str) -> Target:
    """An actual written without a unit, read in its target's (``95`` for ``≥95%``): made once
    per actual and unit, as the texts are read once (a ministry's board reads 50,000 lines)."""
    return replace(actual, unit=unit)


def _as_target(value) -> Target:
    return value if isinstance(value, Target) else parse_target(value)
