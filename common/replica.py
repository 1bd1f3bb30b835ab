"""Reads that may be served by the database's read replica: only those a code path opts into.

A replica lags its primary by a moment, so a page that has just written, or that reads in order
to write, must read the primary. Rather than guess, the router (evalportal/db_router.py) sends a
read to the replica only inside ``reading_from_replica()``, used where a page or job only reads
and a moment's lag is harmless: the progress board and the data read of a document job. Even
there a read goes to the primary once the scope has written, and inside a transaction the code
opened. Without DATABASE_REPLICA_URL no router is installed and this changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class ReplicaScope:
    wrote: bool = False  # set by the router on the scope's first write: reads go to the primary


_scope: ContextVar[ReplicaScope | None] = ContextVar("replica_scope", default=None)


@contextmanager
def reading_from_replica() -> Iterator[ReplicaScope]:
    """Let the reads inside go to the replica; nested, the outer scope goes on."""
    outer = _scope.get()
    if outer is not None:
        yield outer
        return
    scope = ReplicaScope()
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> ReplicaScope | None:
    return _scope.get()
