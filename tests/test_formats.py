from decimal import Decimal

import pytest

from indicators.formats import pct, wan
from tests.seed_figures import RELIEF_TOTAL


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (RELIEF_TOTAL[0], "792,267.00"),
        (Decimal("-49"), "-49.00"),
        (Decimal("27.675"), "27.68"),
        (Decimal("0.005"), "0.01"),
        (None, ""),
        ("", ""),
    ],
)
def test_wan(value, shown):
    assert wan(value) == shown


def test_pct_and_no_floats():
    assert pct(Decimal("35.72")) == "35.72%"
    with pytest.raises(TypeError):
        wan(0.1)
