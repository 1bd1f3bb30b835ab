"""Queries that run on every request, compiled into SQL once per process.

Django compiles a queryset into SQL each time it runs it. For what nearly every page reads
first (the person with their region and unread count, the fund and the region its address
names) compiling was half of what reading costs, and the least a signed-in page costs was
mostly that. ``CompiledGet`` compiles its query once per database with a marker for each
value it is asked by, and then runs that SQL with the values put in, building the object as
Django's own ``ModelIterable`` does: the fields, the ``select_related`` objects, the
annotations, each value through the database's converters. ``CompiledObjects`` reads every
object of such a query: what a return's pages read of it at every request (its lines, comments,
files, exceptions and trail, ``indicators.selectors``) and the funds a person sees.

``CompiledRows`` does the same for a query read as rows (``values_list``): the five a ledger
reads (``transfers.tree``, ``transfers.budgets``, ``indicators.ledger``), whose money rules
are SQL expressions that cost more to build and compile than to run. Its values may be lists
(of ids, or of regions by their level), and its SQL is compiled once for each shape: each
list's length, and the levels of the regions, which decide what a subtree asks.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesListIterable, get_related_populators

_INT_MARKER = -734_091_526  # values no row has, found among the compiled query's parameters


def _marker(kind: type, number: int):
    return _INT_MARKER - number if kind is int else f"\x1fcompiled value {number}\x1f"


def _converted(row: tuple, converters: dict, connection) -> list:
    """``row`` with each column's value through the database's converters (``converters``: as
    ``SQLCompiler.get_converters`` gives them), as Django's iterables convert a row."""
    row = list(row)
    for column, (functions, expression) in converters.items():
        value = row[column]
        for function in functions:
            value = function(value, expression, connection)
        row[column] = value
    return row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: dict  # the value's name → where it goes among ``params``
    converters: dict  # column → (converters, expression), as SQLCompiler.get_converters gives
    init_list: list[str]  # the model's own columns, in order
    start: int
    end: int
    populators: list  # the select_related objects' builders (no state of their own)
    annotations: dict  # annotation → column


class _CompiledModelQuery:
    """A query of model instances (``select_related`` and annotations allowed), its SQL compiled
    once per database alias with a marker for each value it is asked by."""

    def __init__(self, query: Callable[..., QuerySet], **values: type):
        self._query = query  # called when first used: models are not ready at import
        self._values = values
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[Model] | None = None

    def _execute(self, values: dict, fetch: str):
        """(the rows the SQL gives for ``values``, by ``fetch``: fetchone or fetchall; the
        compiled query; the database)."""
        if values.keys() != self._values.keys():
            name = type(self).__name__
            raise TypeError(f"{name} takes {', '.join(self._values)}, not {', '.join(values)}")
        if self._model is None:
            self._model = self._query(**self._markers()).model
        db = router.db_for_read(self._model)
        compiled = self._compiled.get(db) or self._compile(db)
        params = list(compiled.params)
        for name, kind in self._values.items():
            params[compiled.slots[name]] = kind(values[name])
        with connections[db].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return getattr(cursor, fetch)(), compiled, db

    def _build(self, row: tuple, compiled: _Compiled, db: str) -> Model:
        row = _converted(row, compiled.converters, connections[db])
        obj = self._model.from_db(db, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, column in compiled.annotations.items():
            setattr(obj, name, row[column])
        return obj

    def _markers(self) -> dict:
        return {name: _marker(kind, n) for n, (name, kind) in enumerate(self._values.items())}

    def _compile(self, db: str) -> _Compiled:
        markers = self._markers()
        compiler = self._query(**markers).using(db).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = {}
        for name, marker in markers.items():
            at = [i for i, value in enumerate(params) if value == marker]
            if len(at) != 1:
                raise ValueError(
                    f"{type(self).__name__}: “{name}” appears {len(at)} times in the compiled query"
                )
            slots[name] = at[0]
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, db),
            annotations=dict(compiler.annotation_col_map),
        )
        self._compiled[db] = compiled
        return compiled


class CompiledGet(_CompiledModelQuery):
    """The one object of ``query(**values)`` (``select_related`` and annotations allowed), its
    SQL compiled once per database alias; ``None`` when no row matches.

    ``values`` names each value and its type (int or str), e.g. ``CompiledGet(lambda province,
    code: funds_of_province(province).filter(code=code), province=int, code=str)``: the query
    is built by the selector that states its rule, once, with markers in place of the values.
    Each value must reach the SQL as one parameter, as it is given (an exact match: a lookup
    that rewrites it, as ``icontains`` does, is refused when compiled).
    """

    def get(self, **values) -> Model | None:
        row, compiled, db = self._execute(values, "fetchone")
        return None if row is None else self._build(row, compiled, db)


class CompiledObjects(_CompiledModelQuery):
    """Every object of ``query(**values)``, in its order, as ``CompiledGet`` reads one: the
    lines, comments, files and trail of one return that its pages read at every request
    (``indicators.selectors``). ``known`` (``all(ret=…, known={"ret": ret})``) are objects
    each row points at and the caller holds, set on each as a related manager would."""

    def all(self, *, known: dict[str, Model] | None = None, **values) -> list[Model]:
        rows, compiled, db = self._execute(values, "fetchall")
        found = [self._build(row, compiled, db) for row in rows]
        for name, obj in (known or {}).items():
            for item in found:
                setattr(item, name, obj)
        return found


class Ints:
    """A value of ``CompiledRows``: a list of ids (its length is part of the query's shape)."""


@dataclass(frozen=True)
class Objects:
    """A value of ``CompiledRows``: a list of model instances, put in by their pk. ``shape``
    gives what else of each the query's SQL depends on (a region's level decides what its
    subtree asks: ``transfers.tree.REGIONS``), ``stand_in(pk, shape)`` the object the query is
    built with. The length and each item's shape are part of the query's shape."""

    shape: Callable[[Any], Hashable]
    stand_in: Callable[[int, Hashable], Any]


@dataclass(frozen=True)
class _CompiledRows:
    sql: str | None  # None: the query matches nothing whatever the values (EmptyResultSet)
    params: tuple
    slots: dict  # the value's name → for each of its items, where it goes among ``params``
    converters: dict  # column → (converters, expression), as SQLCompiler.get_converters gives
    width: int | None  # the columns to keep of each row, when the SQL selects more to sort by


_SHAPES = 64  # shapes kept per query; past that a shape is compiled at each use, as Django does


class CompiledRows:
    """The rows of ``query(**values)``, a ``values_list`` query (not flat), its SQL compiled
    once per database alias and shape.

    ``values`` names each value and its kind: ``int``, ``str``, ``Ints`` or an ``Objects``. Each
    value, and each item of a list, must reach the SQL as parameters as it is given (an exact
    match or ``__in``), once or more; one that does not is refused when compiled. ``model``
    is the model read, which the router asks where to read from."""

    def __init__(self, model: type[Model], query: Callable[..., QuerySet], **values: type):
        self._model = model
        self._query = query
        self._values = values
        self._compiled: dict[tuple, _CompiledRows] = {}

    def rows(self, **values) -> tuple[list[tuple], str]:
        """(the rows, the database they were read from)."""
        if values.keys() != self._values.keys():
            raise TypeError(f"CompiledRows.rows takes {', '.join(self._values)}, not {', '.join(values)}")
        db = router.db_for_read(self._model)
        shape = (db, *(self._shape(kind, values[name]) for name, kind in self._values.items()))
        compiled = self._compiled.get(shape) or self._compile(db, shape)
        if compiled.sql is None:
            return [], db
        params = list(compiled.params)
        for name, kind in self._values.items():
            items = values[name]
            if isinstance(kind, Objects):
                items = [item.pk for item in items]
            elif kind is Ints:
                items = [int(item) for item in items]
            else:
                items = [kind(items)]
            for item, places in zip(items, compiled.slots[name], strict=True):
                for place in places:
                    params[place] = item
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        width, converters = compiled.width, compiled.converters
        if width is None and not converters:
            return rows, db
        if width is not None:
            rows = [row[:width] for row in rows]
        return [tuple(_converted(row, converters, connection)) for row in rows], db

    @staticmethod
    def _shape(kind, value):
        if isinstance(kind, Objects):
            return tuple(kind.shape(item) for item in value)
        if kind is Ints:
            return len(value)
        return None

    def _compile(self, db: str, shape: tuple) -> _CompiledRows:
        markers, stand_ins, number = {}, {}, 0
        for (name, kind), part in zip(self._values.items(), shape[1:], strict=True):
            if isinstance(kind, Objects) or kind is Ints:
                count = part if kind is Ints else len(part)
                markers[name] = [_marker(int, number + i) for i in range(count)]
                number += count
                if kind is Ints:
                    stand_ins[name] = list(markers[name])
                else:
                    stand_ins[name] = [kind.stand_in(*pair) for pair in zip(markers[name], part, strict=True)]
            else:
                markers[name] = [_marker(kind, number)]
                stand_ins[name] = markers[name][0]
                number += 1
        queryset = self._query(**stand_ins)
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("CompiledRows reads a values_list query (not flat, not named)")
        compiler = queryset.using(db).query.get_compiler(using=db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = None, ()
        slots = {}
        for name, items in markers.items():
            slots[name] = []
            for marker in items:
                places = [
                    i for i, value in enumerate(params) if type(value) is type(marker) and value == marker
                ]
                if not places and sql is not None:
                    raise ValueError(
                        f"CompiledRows: “{name}” does not reach the compiled query as it is given"
                    )
                slots[name].append(places)
        converters = {}
        if sql is not None:
            converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        compiled = _CompiledRows(
            sql=sql,
            params=tuple(params),
            slots=slots,
            converters=converters,
            width=compiler.col_count if sql is not None and compiler.has_extra_select else None,
        )
        if len(self._compiled) < _SHAPES:
            self._compiled[shape] = compiled
        return compiled
