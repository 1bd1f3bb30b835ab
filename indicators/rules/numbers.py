"""Numbers: reading amounts and rates as Decimal, the one rounding, printing, 预算执行率."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
OVER_ACHIEVED_AT = Decimal(130)
# Enough digits for any division of 12-digit amounts; quantize never runs out of precision.
_PRECISION = 60
# The rounding's own context (the default traps, that precision): given to quantize rather
# than entered with ``localcontext`` on every call, a quarter of the time (a ministry board
# rounds some 50,000 figures).
_ROUNDING = Context(prec=_PRECISION)
QUANTITATIVE = "quantitative"
QUALITATIVE = "qualitative"


class TargetParseError(ValueError):
    """A target or actual value that cannot be read. The message is Chinese and quotes it."""

    def __init__(self, message: str, text: str = ""):
        super().__init__(message)
        self.text = text


class UnitMismatchError(TargetParseError):
    """An actual whose unit differs from its target's (a ``%`` target, a ``人次`` actual)."""


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
    return number.quantize(CENT, rounding=ROUND_HALF_UP, context=_ROUNDING)


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


def arrival_rate(arrived, budget) -> Decimal | None:
    """到位率 = 资金到位数 / 下达的预算数, as a percentage rounded half-up to two places: the
    money the office says reached it against what the allocations sent (seed 000: 8454 of
    8454, 100%). None when either is missing or the budget is 0. Floats raise TypeError."""
    arrived_d = _to_decimal(arrived, "到位数")
    budget_d = _to_decimal(budget, "预算数")
    if arrived_d is None or budget_d is None or budget_d == 0:
        return None
    with localcontext(prec=_PRECISION):
        return quantize_rate(arrived_d / budget_d * HUNDRED)


def filled_share(filled, lines) -> Decimal | None:
    """填报完成度 = lines with an actual typed / the return's indicator lines, as a percentage
    rounded half-up to two places (2 of 3 → 66.67). None for a return with no lines: nothing
    to fill is not 0% nor 100% filled."""
    filled_d = _to_decimal(filled, "已填行数")
    lines_d = _to_decimal(lines, "指标行数")
    if filled_d is None or lines_d is None or lines_d == 0:
        return None
    with localcontext(prec=_PRECISION):
        return quantize_rate(filled_d / lines_d * HUNDRED)
