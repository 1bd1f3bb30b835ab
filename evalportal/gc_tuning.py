"""The garbage collector of a web or worker process, tuned once the portal's code is loaded.

A board, a roll-up or a document builds tens of thousands of objects that live as long as the
request. At CPython's defaults (a young collection every 700 allocations, an older one every
ten of those) the collector scans, again and again meanwhile, every object the process holds:
Django, the URLconf, the models, what the request has built so far. In the national read of
one fund (bench row 4) that was a third of the time (45 of 135 ms).

``tune`` collects what is garbage, moves everything else that is loaded to the permanent
generation (``gc.freeze``: never scanned again, and its memory pages left as they are after a
fork) and makes young collections rarer. Reference cycles are still collected, some ten
thousand allocations later than before.
"""

import gc

YOUNG = 10_000  # allocations between young collections (CPython's default: 700)


def tune(*_args, **_kwargs) -> None:
    """Freeze what is loaded and space the collections out (a signal receiver too)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG, 10, 10)
