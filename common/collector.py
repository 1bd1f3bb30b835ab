"""Pausing Python's cycle collector while a large import builds its plan.

An allocation table of a national province is read into some 300,000 small objects (rows,
amounts, lines, changes) that are all kept until the plan is written. Reference counting frees
what they drop; but every 700 new objects the cycle collector runs, and as the kept objects
pile up its older generations are traversed again and again: a third of a 30,000-row preview
went to it (bench/bench_national.py row 8). None of those objects form cycles worth
collecting, so the collector is paused for the import and resumed after it, when it collects
whatever is due as usual.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused():
    """Pause the cycle collector for the block, unless it is paused already (nested blocks, or
    an embedding that runs without it); resume it after, whatever the block raised."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
