"""The database's own guard of the tree: a region sits exactly one level below its parent.

``Region.clean`` says the same to the forms, the admin and the services, in Chinese, field by
field; this trigger holds for every other write (``bulk_create``, ``QuerySet.update``, a shell,
raw SQL), where a region one level too deep would silently drop out of every subtree query
(``transfers.tree.subtree_q`` reaches two levels down). With the check constraint
``region_level_known`` (levels 1 to 3) and ``region_root_is_province``, it makes the tree
exactly province → prefecture → county. Installed by migration 0005.

Both directions are checked: a region whose level does not follow its parent's, and a region
whose level changes under children that then would not follow it. On PostgreSQL the parent row
is read ``FOR SHARE``, so that a concurrent change of the parent's level waits for the child's
transaction (and then sees the child).

SQLite drops a table's triggers when Django remakes the table, which it does for most
``AddField``, ``AlterField`` and ``AddConstraint`` operations on SQLite: a later migration that
alters ``transfers_region`` must call ``install`` again after its operations.
``tests/test_region_levels.py`` fails when the trigger is missing.
"""

from django.core.exceptions import ImproperlyConfigured

NAME = "region_level_below_parent"
MESSAGE = "区划层级与上级不符：区划必须恰好比上级低一级（region_level_below_parent）。"

_SQLITE_WHEN = """
    EXISTS (SELECT 1 FROM transfers_region p WHERE p.id = NEW.parent_id AND p.level <> NEW.level - 1)
    OR EXISTS (SELECT 1 FROM transfers_region c WHERE c.parent_id = NEW.id AND c.level <> NEW.level + 1)
"""

SQLITE_INSTALL = [
    f"""CREATE TRIGGER {NAME}_insert BEFORE INSERT ON transfers_region
    FOR EACH ROW WHEN {_SQLITE_WHEN}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER {NAME}_update BEFORE UPDATE OF level, parent_id ON transfers_region
    FOR EACH ROW WHEN {_SQLITE_WHEN}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {NAME}_insert", f"DROP TRIGGER IF EXISTS {NAME}_update"]

POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        parent_level integer;
    BEGIN
        IF NEW.parent_id IS NOT NULL THEN
            SELECT level INTO parent_level FROM transfers_region WHERE id = NEW.parent_id FOR SHARE;
            IF FOUND AND NEW.level <> parent_level + 1 THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = '{NAME}',
                    MESSAGE = '{MESSAGE}', DETAIL = 'region ' || NEW.code;
            END IF;
        END IF;
        IF TG_OP = 'INSERT' OR NEW.level IS DISTINCT FROM OLD.level THEN
            IF EXISTS (SELECT 1 FROM transfers_region WHERE parent_id = NEW.id AND level <> NEW.level + 1) THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = '{NAME}',
                    MESSAGE = '{MESSAGE}', DETAIL = 'children of region ' || NEW.code;
            END IF;
        END IF;
        RETURN NEW;
    END
    $$""",
    f"DROP TRIGGER IF EXISTS {NAME} ON transfers_region",
    f"""CREATE TRIGGER {NAME} BEFORE INSERT OR UPDATE OF level, parent_id ON transfers_region
    FOR EACH ROW EXECUTE FUNCTION {NAME}()""",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS {NAME} ON transfers_region",
    f"DROP FUNCTION IF EXISTS {NAME}()",
]

STATEMENTS = {
    "sqlite": (SQLITE_REMOVE + SQLITE_INSTALL, SQLITE_REMOVE),
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
}


def install(schema_editor) -> None:
    """Create (or re-create) the trigger; for migrations (``RunPython``)."""
    for statement in _statements(schema_editor)[0]:
        schema_editor.execute(statement)


def remove(schema_editor) -> None:
    for statement in _statements(schema_editor)[1]:
        schema_editor.execute(statement)


def is_installed(connection) -> bool:
    """Whether the database has the trigger (the tests ask; a remade SQLite table has lost it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{NAME}%"]
            )
            return cursor.fetchone()[0] == 2
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = 'transfers_region'::regclass",
            [NAME],
        )
        return cursor.fetchone()[0] == 1


def _statements(schema_editor) -> tuple[list[str], list[str]]:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        # The portal runs on SQLite and PostgreSQL only (evalportal.settings refuses other DATABASE_URLs).
        raise ImproperlyConfigured(f"区划层级触发器只支持SQLite和PostgreSQL，不支持{vendor}。")
    return STATEMENTS[vendor]
