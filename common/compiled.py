"""A query that runs on every request, compiled into SQL once per process.

Django compiles a queryset into SQL each time it runs it. For the person of each request (the
account with its region and its unread count: a join and a subquery) that compiling is a
quarter of the least a signed-in page costs. ``CompiledGet`` compiles its queryset once per
database, with a marker where the key goes, and then runs that SQL with the key put in,
building the object as Django's own ``ModelIterable`` does: the fields, the ``select_related``
objects, the annotations, each value through the database's converters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

_MARKER = -734_091_526  # a key no row has, found among the compiled query's parameters


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    key_at: int  # where the key goes among ``params``
    converters: dict  # column → (converters, expression), as SQLCompiler.get_converters gives
    init_list: list[str]  # the model's own columns, in order
    start: int
    end: int
    populators: list  # the select_related objects' builders (no state of their own)
    annotations: dict  # annotation → column


class CompiledGet:
    """``get(pk)`` of a queryset (``select_related`` and annotations allowed), compiled once per
    database alias: ``None`` when no row has that key."""

    def __init__(self, queryset: Callable[[], QuerySet]):
        self._queryset = queryset  # called when first used: models are not ready at import
        self._model: type[Model] | None = None
        self._compiled: dict[str, _Compiled] = {}

    def get(self, pk) -> Model | None:
        model = self._model or self._queryset().model
        self._model = model
        db = router.db_for_read(model)
        compiled = self._compiled.get(db) or self._compile(db)
        connection = connections[db]
        key = model._meta.pk.get_db_prep_value(model._meta.pk.to_python(pk), connection)
        params = list(compiled.params)
        params[compiled.key_at] = key
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
        obj = model.from_db(db, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for name, column in compiled.annotations.items():
            setattr(obj, name, row[column])
        return obj

    def _compile(self, db: str) -> _Compiled:
        queryset = self._queryset().using(db)
        compiler = queryset.filter(pk=_MARKER).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        at = [i for i, value in enumerate(params) if value == _MARKER]
        if len(at) != 1:
            raise ValueError(f"CompiledGet: the key appears {len(at)} times in the compiled query")
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            key_at=at[0],
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, db),
            annotations=dict(compiler.annotation_col_map),
        )
        self._compiled[db] = compiled
        return compiled
