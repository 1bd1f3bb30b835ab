"""The read replica's router, installed when DATABASE_REPLICA_URL is set (settings.py).

Writes always go to ``default``. A read goes to ``replica`` only inside
`common.replica.reading_from_replica` (the board, the document job's data read), and even there
not once the scope has written nor inside a transaction the code opened; every other read goes
to ``default`` explicitly, so an object read from the replica does not carry its related reads
there afterwards (Django would otherwise follow the object's own database).
"""

from django.db import DEFAULT_DB_ALIAS, connections

from common.replica import current_scope

REPLICA = "replica"


def _in_transaction() -> bool:
    """Inside an atomic block the code opened; a test case's own wrapping transaction (marked
    ``_from_testcase``, as Django's durability check reads it) is not one."""
    return any(not block._from_testcase for block in connections[DEFAULT_DB_ALIAS].atomic_blocks)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        scope = current_scope()
        if scope is None or scope.wrote or _in_transaction():
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        if (scope := current_scope()) is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read there may point at one read here.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica copies the primary's schema
