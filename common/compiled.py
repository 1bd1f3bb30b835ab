"""Queries that run on every request, compiled into SQL once per process.

Django compiles a queryset into SQL each time it runs it. For what nearly every page reads
first (the person with their region and unread count, the fund and the region its address
names) compiling was half of what reading costs, and the least a signed-in page costs was
mostly that. ``CompiledGet`` compiles its query once per database with a marker for each
value it is asked by, and then runs that SQL with the values put in, building the object as
Django's own ``ModelIterable`` does: the fields, the ``select_related`` objects, the
annotations, each value through the database's converters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_INT_MARKER = -734_091_526  # values no row has, found among the compiled query's parameters


def _marker(kind: type, number: int):
    return _INT_MARKER - number if kind is int else f"\x1fcompiled value {number}\x1f"


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


class CompiledGet:
    """The one object of ``query(**values)`` (``select_related`` and annotations allowed), its
    SQL compiled once per database alias; ``None`` when no row matches.

    ``values`` names each value and its type (int or str), e.g. ``CompiledGet(lambda province,
    code: funds_of_province(province).filter(code=code), province=int, code=str)``: the query
    is built by the selector that states its rule, once, with markers in place of the values.
    Each value must reach the SQL as one parameter, as it is given (an exact match: a lookup
    that rewrites it, as ``icontains`` does, is refused when compiled).
    """

    def __init__(self, query: Callable[..., QuerySet], **values: type):
        self._query = query  # called when first used: models are not ready at import
        self._values = values
        self._compiled: dict[str, _Compiled] = {}
        self._model: type[Model] | None = None

    def get(self, **values) -> Model | None:
        if values.keys() != self._values.keys():
            raise TypeError(f"CompiledGet.get takes {', '.join(self._values)}, not {', '.join(values)}")
        if self._model is None:
            self._model = self._query(**self._markers()).model
        db = router.db_for_read(self._model)
        compiled = self._compiled.get(db) or self._compile(db)
        params = list(compiled.params)
        for name, kind in self._values.items():
            params[compiled.slots[name]] = kind(values[name])
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for column, (converters, expression) in compiled.converters.items():
            value = row[column]
            for converter in converters:
                value = converter(value, expression, connection)
            row[column] = value
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
                raise ValueError(f"CompiledGet: “{name}” appears {len(at)} times in the compiled query")
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
