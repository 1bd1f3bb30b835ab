"""PostgreSQL timestamps read by psycopg's compiled loader, as Django would have read them.

Django registers on every psycopg 3 connection its own ``timestamptz`` loader, a subclass of
psycopg's pure-Python one (``django.db.backends.postgresql.psycopg_any.BaseTzLoader``: it
parses the text, then sets the connection's time zone), so every timestamp read costs some
4 µs even with psycopg's C extension installed (Django ticket #36960, psycopg #1273: the
compiled loader cannot be subclassed). A national read of one fund's returns reads 6,700 of
them: 26 of its 40 ms.

``install`` (on ``connection_created``) registers in Django's place a loader of the same kind
and time zone that parses with the loader psycopg itself would use for the type, the compiled
one where the extension is installed (``psycopg.adapters.get_loader``, public API), then sets
the time zone exactly as Django's does. Nothing changes without psycopg 3 or on SQLite.
"""

from __future__ import annotations

from functools import lru_cache


def install(sender, connection, **kwargs) -> None:
    """Django's ``connection_created`` receiver."""
    adapters = getattr(connection.connection, "adapters", None)  # psycopg 3 only
    if connection.vendor == "postgresql" and adapters is not None:
        adapters.register_loader("timestamptz", loader_for(connection.timezone))


@lru_cache(maxsize=8)
def loader_for(timezone):
    """A ``timestamptz`` loader for ``timezone`` (Django's ``SpecificTzLoader`` of it: the
    ``timezone`` attribute tells Django's ``create_cursor`` it needs none of its own)."""
    import psycopg
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader

    parser = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)

    class CompiledTzLoader(TimestamptzLoader):
        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = parser(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=timezone)

    CompiledTzLoader.timezone = timezone
    return CompiledTzLoader
