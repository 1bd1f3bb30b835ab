"""Spot re-check (复核/抽查): how many approved returns the province draws, and which.

The draw must be repeatable by an auditor who has only the recorded seed, share and list of
returns considered: the ids are sorted before drawing (the order a query returns them in never
matters) and ``random.Random(seed)`` is the only source of chance. A string seed is hashed by
the standard library in a fixed way (version 2 seeding), so the same seed draws the same
returns on any machine and any Python 3.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from decimal import Decimal

DEFAULT_SHARE = Decimal("0.15")


def _check_share(share: Decimal) -> None:
    if isinstance(share, float):
        raise TypeError("抽查比例必须是 Decimal。")
    if not Decimal(0) < share <= Decimal(1):
        raise ValueError("抽查比例应大于0%且不超过100%。")


def sample_size(population: int, share: Decimal = DEFAULT_SHARE) -> int:
    """Returns drawn out of ``population``: the share rounded up, at least one when there is any
    (a 15% check of 3 returns still checks one), none of none."""
    _check_share(share)
    if population <= 0:
        return 0
    return max(1, min(population, math.ceil(Decimal(population) * share)))


def spot_check_sample(ids: Iterable[int], *, seed: str | int, share: Decimal = DEFAULT_SHARE) -> list[int]:
    """The ids drawn, in ascending order; the same ids, seed and share give the same list."""
    pool = sorted(set(ids))
    drawn = random.Random(seed).sample(pool, sample_size(len(pool), share))
    return sorted(drawn)


def share_percent(share: Decimal) -> str:
    """0.15 → '15%', 0.125 → '12.5%': a share as the page, the audit trail and the report say it."""
    _check_share(share)
    return f"{(share * 100).normalize():f}%"
