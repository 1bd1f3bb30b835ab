"""Data versions: a token per fund (and one for the region tree) that the database draws again on
every change, so that what a page keeps in the cache is keyed by the data it was built from.

Why the database: a fund's figures change through the services, the imports, the admin, bulk
``QuerySet.update`` and raw SQL alike; only a trigger sees them all. Each watched table
(``Watch``: the table, and how a row leads to its fund) has triggers that write a fresh random
token into ``transfers_dataversion`` for every fund its changed rows belong to, in the
transaction of the change:

* **PostgreSQL**: statement-level ``AFTER`` triggers over the transition tables, so an import of
  30,000 rows draws one token per fund, not one per row; the version rows are written in scope
  order, so two transactions touching the same funds take their row locks in the same order;
  ``TRUNCATE`` of a watched table deletes every version (nothing is cached until the next write).
* **SQLite**: row-level triggers (it has no other kind), which on the demo's sizes cost nothing.

A token is random, never a counter: a transaction that changes a fund, reads (and caches under
its new token) and then rolls back leaves a token that no later change draws again, so no
committed state is ever served the figures of one that was rolled back. A scope without a row
(a fund not written since the table was made, or after a ``TRUNCATE``) has no key and is never
cached. Tokens are read before the data they key (``key``): a change committed between the two
reads leaves newer figures under the older key, which the next reader no longer asks for.

Django remakes a table on SQLite for most schema changes, which drops its triggers: the
``post_migrate`` handler of each app (``apps.py``) installs them again after every ``migrate``,
and ``tests/test_data_versions.py`` fails when one is missing.

Each app declares the tables it owns (``WATCHED`` here, ``indicators.versions.WATCHED``) and the
cache keys of what it caches; this module holds the mechanism.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import Q, QuerySet

from transfers.models import DataVersion

TABLE = DataVersion._meta.db_table
T = TypeVar("T")
PREFIX = "dv_"  # the name of every function and trigger installed here


@dataclass(frozen=True)
class Watch:
    """A table whose changes change a fund's data: ``column`` of a changed row is the fund's pk,
    or, with ``through`` (table, its fund column, the column ``column`` is matched against), the
    rows of another table it points at (or that point at it) carry it. ``column=None``: every
    change is the region tree's (scope 0)."""

    table: str
    column: str | None = "fund_id"
    through: tuple[str, str, str] | None = None

    def scopes_pg(self, rows: str) -> str:
        """The scopes of the changed rows of transition table ``rows``, as SQL."""
        if self.column is None:
            return f"SELECT {DataVersion.REGIONS}::bigint WHERE EXISTS (SELECT 1 FROM {rows})"
        if self.through is None:
            return f"SELECT n.{self.column}::bigint FROM {rows} n"
        table, fund, match = self.through
        return f"SELECT p.{fund}::bigint FROM {rows} n JOIN {table} p ON p.{match} = n.{self.column}"

    def scopes_sqlite(self, row: str) -> str:
        """The scopes of one changed row (``NEW`` or ``OLD``), as SQL."""
        if self.column is None:
            return f"SELECT {DataVersion.REGIONS} AS s"
        if self.through is None:
            return f"SELECT {row}.{self.column} AS s"
        table, fund, match = self.through
        return f"SELECT p.{fund} AS s FROM {table} p WHERE p.{match} = {row}.{self.column}"


RETURN = ("indicators_return", "fund_id", "id")  # a return's lines lead to its fund

WATCHED: tuple[Watch, ...] = (
    Watch("transfers_region", None),
    Watch("transfers_regionalias", None),
    Watch("transfers_fund", "id"),
    # A central fund's name and year are printed with each province's copy of it.
    Watch("transfers_centralfund", "id", ("transfers_fund", "id", "central_id")),
    Watch("transfers_project"),
    Watch("transfers_allocation"),
    # A notice belongs to a province, not a fund: its changes reach the funds it allocated.
    Watch("transfers_notice", "id", ("transfers_allocation", "fund_id", "notice_id")),
)


# --- reading -------------------------------------------------------------------------------------


def tokens(funds: list[int] | QuerySet) -> dict[int, str]:
    """{scope: token} of the region tree and of the funds ``funds`` (pks, or a query of funds
    asked inside this one, so that the tokens are read before the funds themselves), in one
    query, from the database the router reads from: the replica inside
    ``reading_from_replica``, as the data."""
    if isinstance(funds, QuerySet):
        return dict(tokens_query(funds))
    # Every kept page asks this first: written as SQL, not compiled by the ORM each time
    # (0.3 of its 0.4 ms).
    scopes = sorted({DataVersion.REGIONS, *map(int, funds)})
    with connections[router.db_for_read(DataVersion)].cursor() as cursor:
        cursor.execute(
            f"SELECT scope, token FROM {TABLE} WHERE scope IN ({', '.join(['%s'] * len(scopes))})", scopes
        )
        return dict(cursor.fetchall())


def tokens_query(funds: QuerySet) -> QuerySet:
    """The rows (scope, token) of ``tokens`` of a query of funds: the region tree's and theirs."""
    wanted = Q(scope=DataVersion.REGIONS) | Q(scope__in=funds.order_by().values("pk"))
    return DataVersion.objects.filter(wanted).values_list("scope", "token")


def key(name: str, funds: Iterable, *parts, found: dict[int, str] | None = None) -> str | None:
    """The cache key of ``name`` built from ``funds``' data (instances or pks; and the region
    tree's) and ``parts`` (what else the cached thing depends on: the region, the page, the
    filters), for this release of the code; None when a scope has no token yet (then nothing is
    cached). Read it before the data; ``found``: the tokens a page read once for all it keeps."""
    funds = _pks(funds)
    return _key(name, funds, tokens(funds) if found is None else found, parts)


def keys_each(
    name: str, funds: Iterable, *parts, found: dict[int, str] | None = None
) -> dict[int, str | None]:
    """{fund pk: the key of ``name`` built from that fund's data alone} (as ``key``), in one query
    (none with ``found``): the home page's line of each fund."""
    funds = _pks(funds)
    found = tokens(funds) if found is None else found
    return {fund: _key(name, [fund], found, parts) for fund in funds}


def _pks(funds: Iterable) -> list[int]:
    return [getattr(fund, "pk", fund) for fund in funds]


def _key(name: str, funds: list[int], found: dict[int, str], parts) -> str | None:
    wanted = [DataVersion.REGIONS, *sorted(set(funds))]
    if any(scope not in found for scope in wanted):
        return None
    text = "|".join([release(), name, *(f"{s}={found[s]}" for s in wanted), *map(str, parts)])
    return f"{name}:{hashlib.sha256(text.encode()).hexdigest()[:40]}"


DAY = 24 * 3600  # how long a kept value lives: a key outlives no change; this lets old ones go


def cached(
    name: str,
    funds: Iterable,
    *parts,
    build: Callable[[], T],
    timeout: int = DAY,
    found: dict[int, str] | None = None,
) -> T:
    """``build()``, kept in the cache under ``key(name, funds, *parts)`` (the tokens read first,
    from the database the router reads from, or ``found``), or the value kept there. Nothing is
    kept when a scope has no token yet."""
    found_key = key(name, funds, *parts, found=found)
    if found_key is not None and (value := django_cache.get(found_key)) is not None:
        return value
    value = build()
    if found_key is not None:
        django_cache.set(found_key, value, timeout)
    return value


def cached_each(keys: dict[int, str | None], build: Callable[[list[int]], dict[int, T]]) -> dict[int, T]:
    """{pk: value} for each of ``keys`` ({pk: its key, as ``keys_each`` gives, None where
    nothing may be kept}): the values kept under the keys in one read, ``build(pks)`` for the
    others, all of them together, which are kept for the next reader in one write."""
    found = django_cache.get_many([key for key in keys.values() if key])
    stale = [pk for pk, key in keys.items() if key not in found]
    built = build(stale) if stale else {}
    django_cache.set_many({keys[pk]: value for pk, value in built.items() if keys[pk]}, DAY)
    return {pk: built[pk] if pk in built else found[key] for pk, key in keys.items()}


@cache
def release() -> str:
    """A digest of the code and templates this process runs: a new release never reads what an
    older one cached (the cache outlives a deploy)."""
    digest = hashlib.sha256()
    root = Path(settings.BASE_DIR)
    for folder in CODE:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".py", ".html"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE = ("common", "evalportal", "transfers", "indicators", "reports", "templates")  # what release() reads


# --- the triggers ---------------------------------------------------------------------------------

_PG_RANDOM = "md5(random()::text || clock_timestamp()::text)"
_SQLITE_RANDOM = "lower(hex(randomblob(16)))"

_PG_BUMP = f"""CREATE OR REPLACE FUNCTION {PREFIX}bump(scopes bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO {TABLE} (scope, token)
    SELECT s, {_PG_RANDOM} FROM (SELECT DISTINCT unnest(scopes) AS s) q WHERE s IS NOT NULL ORDER BY s
    ON CONFLICT (scope) DO UPDATE SET token = EXCLUDED.token
$$"""
_PG_FORGET = f"""CREATE OR REPLACE FUNCTION {PREFIX}forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM {TABLE}; RETURN NULL; END
$$"""


def _pg_statements(watch: Watch) -> list[str]:
    name, table = f"{PREFIX}{watch.table}", watch.table
    new, old = watch.scopes_pg("dv_new"), watch.scopes_pg("dv_old")
    return [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN PERFORM {PREFIX}bump(ARRAY({new}));
            ELSIF TG_OP = 'UPDATE' THEN PERFORM {PREFIX}bump(ARRAY(({new}) UNION ({old})));
            ELSE PERFORM {PREFIX}bump(ARRAY({old}));
            END IF;
            RETURN NULL;
        END
        $$""",
        *(
            f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}"
            for event in ("insert", "update", "delete", "truncate")
        ),
        f"""CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS dv_new
        FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER {name}_update AFTER UPDATE ON {table}
        REFERENCING OLD TABLE AS dv_old NEW TABLE AS dv_new FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER {name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS dv_old
        FOR EACH STATEMENT EXECUTE FUNCTION {name}()""",
        f"""CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}forget()""",
    ]


def _sqlite_bump(scopes: str) -> str:
    # "WHERE true": SQLite's parser needs a WHERE before an upsert's ON CONFLICT after a SELECT.
    return f"""INSERT INTO {TABLE} (scope, token)
        SELECT s, {_SQLITE_RANDOM} FROM (SELECT DISTINCT s FROM ({scopes})) WHERE s IS NOT NULL
        ON CONFLICT (scope) DO UPDATE SET token = excluded.token;"""


def _sqlite_statements(watch: Watch) -> list[str]:
    name, table = f"{PREFIX}{watch.table}", watch.table
    new, old = watch.scopes_sqlite("NEW"), watch.scopes_sqlite("OLD")
    bodies = {
        "insert": _sqlite_bump(new),
        "update": _sqlite_bump(f"{new} UNION {old}"),
        "delete": _sqlite_bump(old),
    }
    statements = [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in bodies]
    for event, body in bodies.items():
        statements.append(
            f"CREATE TRIGGER {name}_{event} AFTER {event.upper()} ON {table} FOR EACH ROW BEGIN {body} END"
        )
    return statements


def trigger_names(watch: Watch, vendor: str) -> list[str]:
    events = (
        ("insert", "update", "delete", "truncate")
        if vendor == "postgresql"
        else ("insert", "update", "delete")
    )
    return [f"{PREFIX}{watch.table}_{event}" for event in events]


def install(watched: Iterable[Watch], using: str = "default") -> None:
    """Create (or re-create) the triggers of ``watched`` (idempotent: every ``migrate`` runs it)."""
    connection = connections[using]
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise ImproperlyConfigured(f"数据版本触发器只支持SQLite和PostgreSQL，不支持{connection.vendor}。")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_BUMP)
            cursor.execute(_PG_FORGET)
        for watch in watched:
            statements = (
                _pg_statements(watch) if connection.vendor == "postgresql" else _sqlite_statements(watch)
            )
            for statement in statements:
                cursor.execute(statement)


def missing(watched: Iterable[Watch], using: str = "default") -> list[str]:
    """The triggers of ``watched`` the database lacks (a remade SQLite table has lost its own)."""
    connection = connections[using]
    wanted = [name for watch in watched for name in trigger_names(watch, connection.vendor)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in wanted if name not in present]


def install_after_migrate(watched: tuple[Watch, ...]):
    """A ``post_migrate`` receiver that installs ``watched``'s triggers on the migrated database."""

    def receiver(sender, using="default", **kwargs):
        # Every migrate and every flush (a TransactionTestCase's) sends it: install only what
        # is missing, and nothing before the version table exists (a migrate stopped short).
        tables = set(connections[using].introspection.table_names())
        if TABLE in tables and all(watch.table in tables for watch in watched) and missing(watched, using):
            install(watched, using)

    return receiver
