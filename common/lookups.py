"""``field__any=keys``: the rows whose ``field`` is one of ``keys``, as ``__in`` answers, with
the keys sent to PostgreSQL as one array.

Django sends ``__in`` as one placeholder per key, and for a chunk of 1,000 keys building and
binding the placeholders costs more than the query: 30 chunks of a province's regions took
0.43 s by ``pk__in`` and 0.06 s as ``id = ANY(%s)`` (the allocation import reads its regions
and the allocations standing a chunk at a time). The array is typed as the column, so that
PostgreSQL hashes it as it does an IN list: untyped, a 1,000-key filter over 60,000 rows took
140 ms a query, not 7. Elsewhere (SQLite) it is ``__in`` itself.
Registered for integer fields and foreign keys (``transfers.apps``): the keys are integers.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignKey, IntegerField
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        keys = [key for key in self.rhs if key is not None]  # as __in: NULL equals nothing
        if not keys:
            # As __in: no keys, no rows, and the condition drops out of an OR.
            raise EmptyResultSet
        # Typed as the column is: an array of another integer type is compared element by
        # element (int4[] against a bigint column); one of the column's type is hashed, as
        # an IN list is.
        return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", (*lhs_params, keys)


def register() -> None:
    IntegerField.register_lookup(AnyOf)  # AutoField and BigAutoField among them
    ForeignKey.register_lookup(AnyOf)
