"""The board of #11: the share of indicator lines filled (the rule; the board page is to come)."""

from decimal import Decimal

import pytest

from indicators import rules


@pytest.mark.parametrize(
    ("filled", "lines", "share"),
    [(2, 3, Decimal("66.67")), (1, 3, Decimal("33.33")), (0, 4, Decimal("0.00")), (5, 5, Decimal("100.00"))],
)
def test_filled_share_is_a_half_up_percentage(filled, lines, share):
    assert rules.filled_share(filled, lines) == share


def test_filled_share_of_a_return_without_lines_is_none():
    assert rules.filled_share(0, 0) is None
