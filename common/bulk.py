"""Inserting many new rows of a model at once (an allocation table of a national province is
60,000 lines and as many audit events).

``insert_new`` is ``bulk_create`` for new instances, with their primary keys set afterwards.
On PostgreSQL it takes the keys from the table's sequence in one query and writes the rows
with COPY, which costs a fraction of Django's INSERT (the values are not built into SQL
parameters one by one); elsewhere (SQLite) it is ``bulk_create``. Like ``bulk_create`` it
calls no ``save()`` and sends no signals; the database's constraints hold either way.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from enum import Enum

from django.db import connections, models, router

# Fields whose Python value psycopg writes as it is: no preparation by the field is needed.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def insert_new(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 500) -> None:
    """Insert ``objs`` (new, unsaved instances of ``model``) and set their primary keys."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        if objs[0].pk is None:  # SQLite before 3.35 returns no keys from an INSERT
            raise RuntimeError(
                f"{connection.vendor} did not return the keys of the new rows of {model.__name__}"
            )
        return
    meta = model._meta
    pk = meta.pk
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, key)
        fields = [f for f in meta.concrete_fields if not f.generated]
        columns = ", ".join(quote(f.column) for f in fields)
        # Most values are the attribute as it is (taken for all fields at once); a field that
        # fills its value when saved (auto_now_add) or prepares it (JSON) does its own.
        values_of = operator.attrgetter(*(f.attname for f in fields))
        special = [
            (i, f, f.get_internal_type() in _PLAIN)
            for i, f in enumerate(fields)
            if type(f).pre_save is not models.Field.pre_save or f.get_internal_type() not in _PLAIN
        ]
        choices = [i for i, f in enumerate(fields) if f.choices]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                values = list(values_of(obj)) if len(fields) > 1 else [values_of(obj)]
                for i, field, as_is in special:
                    value = field.pre_save(obj, add=True)
                    values[i] = value if as_is else field.get_db_prep_save(value, connection)
                for i in choices:
                    if isinstance(values[i], Enum):  # a choices member: its value, not its name
                        values[i] = values[i]._value_
                copy.write_row(values)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
