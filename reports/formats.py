"""How figures are printed in documents. Formatting only: every rate arrives computed by rules.py.

Money is kept to the 元: four decimal places of 万元 (2.472万元 is 24,720 元, seed 004). Sentences
print it as people write it (8454万元, 27.67万元, 1.4万元, 2.472万元); table cells, in DOCX and
XLSX alike, with two decimals so that the columns line up (8454.00, 1.40), or with as many as the
amount needs, up to four (2.472, 0.0001): a document never rounds off money that was there
(``money_places``, the one rule). Rates always carry two decimals and a percent sign (0.33%,
35.72%, 100.00%), as the screens do (the ``pct`` filter).
"""

import re
from decimal import Decimal

from indicators.rules import format_number, quantize_rate


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三: how a document numbers its parts (一、（一）)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


def wan_text(amount: Decimal | None) -> str:
    """Money in a sentence: 8454, 27.67, 1.4 (no trailing zeros); blank when not entered."""
    return "" if amount is None else format_number(amount)


# Money is stored to the 元 (transfers.models.MONEY_TO_THE_YUAN): four places of 万元.
MONEY_MAX_PLACES = 4
MONEY_MIN_PLACES = 2


def money_places(amount: Decimal) -> int:
    """How many decimals a table prints ``amount`` with: two (8454.00, 2.40), or as many as its
    元 need (2.472, 0.0001) — never fewer than the amount has, so nothing is rounded away."""
    exponent = amount.normalize().as_tuple().exponent if amount else 0
    needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return min(max(needed, MONEY_MIN_PLACES), MONEY_MAX_PLACES)


def money_number_format(amount: Decimal) -> str:
    """The XLSX number format of a money cell: 0.00, or 0.000 / 0.0000 when the amount needs it."""
    return "0." + "0" * money_places(amount)


def wan_cell(amount: Decimal | None) -> str:
    """Money in a table cell: 8454.00, 1.40, 2.472; blank when not entered (blank is not zero)."""
    if amount is None:
        return ""
    places = money_places(amount)
    if places == MONEY_MIN_PLACES:
        return f"{quantize_rate(amount):f}"
    return f"{amount:.{places}f}"


def pct_text(rate: Decimal | None) -> str:
    """A rate already computed as a percentage: 0.33%, 35.72%; blank when there is none."""
    if rate is None:
        return ""
    return f"{quantize_rate(rate):f}%"


def score_text(points: Decimal | None) -> str:
    return "" if points is None else f"{quantize_rate(points):f}"


def with_money(fund_name: str) -> str:
    """A fund's name before 执行情况表 or 总计: “…补助资金”, but “…方向）资金” (never “资金资金”)."""
    return fund_name if fund_name.endswith("资金") else f"{fund_name}资金"


_EQUALS = re.compile(r"^\s*[=＝]\s*")


def value_text(text: str) -> str:
    """An 指标值 or 全年实际完成值 as a document prints it: “=510人次” (the rules engine's spelling
    of exactly 510, which staff also type) reads 510人次, in a sentence (“实际完成510人次”) and
    in a table cell alike; ≥ and ≤ stay, they say what the target is."""
    return _EQUALS.sub("", text or "")
