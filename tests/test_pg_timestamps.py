"""Timestamps read from PostgreSQL by psycopg's compiled parser (evalportal.pg_timestamps)
are the values Django's own loader gives: the same instant, microseconds and time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="只在PostgreSQL上（CI第一轮）")

# As PostgreSQL prints timestamptz in the ISO DateStyle: whole seconds, fractions, BC years,
# offsets of hours and of minutes (a session in another zone), the first and the last year.
TEXTS = [
    b"2026-11-07 20:50:19+00",
    b"2026-11-07 20:50:19.849615+00",
    b"2024-02-29 23:59:59.000001+00",
    b"1999-12-31 16:00:00+08",
    b"1901-06-01 12:00:00+05:30",
    b"2024-03-10 02:30:00-04:56:02",
    b"0001-01-01 00:00:00+00",
    b"9999-12-31 23:59:59.999999+00",
]


@pytest.mark.django_db
def test_timestamps_read_as_django_reads_them():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    from evalportal.pg_timestamps import loader_for

    connection.ensure_connection()

    class DjangoLoader(BaseTzLoader):  # what Django registers for the connection's zone
        timezone = connection.timezone

    ours = loader_for(connection.timezone)(1184, connection.connection)
    django_loader = DjangoLoader(1184, connection.connection)
    for text in TEXTS:
        value = ours.load(text)
        assert value == django_loader.load(text), text
        assert value.tzinfo is connection.timezone and value.utcoffset() == timedelta(0), text


@pytest.mark.django_db
def test_the_connection_reads_timestamps_with_the_compiled_parser():
    """The connection's loader is ours (Django's pure-Python one costs four times as much), and
    a value sent comes back to the microsecond, in UTC, whatever the zone it was written in."""
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)
        assert loader.__name__ == "CompiledTzLoader"
        written = datetime(2026, 12, 4, 21, 40, 5, 123456, tzinfo=UTC)
        cursor.execute("SELECT %s::timestamptz, '2026-12-04 21:40:05.123456+08'::timestamptz", [written])
        here, east = cursor.fetchone()
    assert here == written and here.tzinfo is UTC
    assert east == written - timedelta(hours=8) and east.tzinfo is UTC
