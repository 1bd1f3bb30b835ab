"""Inserting many new rows of a model at once (an allocation table of a national province is
60,000 lines and as many audit events).

``insert_rows`` takes the rows as tuples of values and returns their primary keys. On
PostgreSQL it takes the keys from the table's sequence in one query and writes the rows with
COPY, making no model instance (at 120,000 rows, building the instances cost more than writing
them); elsewhere (SQLite) it is ``bulk_create``. Like ``bulk_create`` it calls no ``save()``
and sends no signals; the database's constraints hold either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from django.db import connections, models, router
from django.utils import timezone

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


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[tuple]) -> list:
    """Insert one new row of ``model`` per tuple of ``rows`` (its values for ``attnames``, in
    that order; ``fund_id`` for a foreign key) and return their primary keys, in order.

    A field left out takes its default; ``auto_now`` / ``auto_now_add`` the time of writing
    (on PostgreSQL one time for all the rows: they are written together). No model instance is made on PostgreSQL: the values
    go to COPY as they are, except where a field prepares its value (JSON) or a choices member
    stands for its value. Elsewhere the rows become instances for ``bulk_create``.
    """
    if not rows:
        return []
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields if not f.generated and not f.primary_key}
    unknown = set(attnames) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__}: no field {', '.join(sorted(unknown))} to insert")
    now = timezone.now()
    left_out = [f for name, f in fields.items() if name not in attnames]
    fixed = [
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        for f in left_out
    ]
    per_row = [i for i, f in enumerate(left_out) if callable(f.default) and not hasattr(f, "auto_now")]
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        objs = []
        for values in rows:
            defaults = [left_out[i].get_default() if i in per_row else v for i, v in enumerate(fixed)]
            obj = model(**dict(zip(attnames, values, strict=True)))
            for field, value in zip(left_out, defaults, strict=True):
                setattr(obj, field.attname, value)
            objs.append(obj)
        model.objects.bulk_create(objs, batch_size=500)
        if objs[0].pk is None:  # SQLite before 3.35 returns no keys from an INSERT
            raise RuntimeError(
                f"{connection.vendor} did not return the keys of the new rows of {model.__name__}"
            )
        return [obj.pk for obj in objs]
    pk = meta.pk
    columns = [pk, *(fields[name] for name in attnames), *left_out]
    prepare = [(i, f) for i, f in enumerate(columns) if f.choices or f.get_internal_type() not in _PLAIN]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        keys = [key for (key,) in cursor.fetchall()]
        with cursor.cursor.copy(statement) as copy:
            for key, values in zip(keys, rows, strict=True):
                record = [key, *values, *fixed]
                for i in per_row:
                    record[1 + len(attnames) + i] = left_out[i].get_default()
                for i, field in prepare:
                    value = record[i]
                    if isinstance(value, Enum):  # a choices member: its value, not its name
                        value = value._value_
                    if field.get_internal_type() not in _PLAIN:
                        value = field.get_db_prep_save(value, connection)
                    record[i] = value
                copy.write_row(record)
    return keys
