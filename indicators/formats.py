"""How screens print figures: 万元 with two decimals and grouped thousands, rates in %, dates
as a notice writes them (2025年1月20日).

Rounding is the rules engine's one rounding (``rules.quantize_rate``); the template filters
``wan`` and ``pct`` (evalportal/templatetags/portal.py) are these functions.
"""

from indicators.rules import quantize_rate


def _decimal(value):
    """Two places, half-up; floats are refused by the rules engine, text that is no number is blank."""
    try:
        return quantize_rate(value)
    except ValueError:
        return None


def wan(value) -> str:
    """12345.6 → '12,345.60'; blank stays blank (a figure not entered is not zero)."""
    number = _decimal(value)
    return "" if number is None else f"{number:,.2f}"


def pct(value) -> str:
    """A computed rate (already a percentage) → '35.72%'."""
    number = _decimal(value)
    return "" if number is None else f"{number:.2f}%"


def chinese_date(day) -> str:
    """2025年1月20日, as deadlines, reminders and locks say it."""
    return f"{day.year}年{day.month}月{day.day}日"
