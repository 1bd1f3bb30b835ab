"""``__any``: the rows ``__in`` gives, with the keys sent as one array on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from transfers.models import Region

pytestmark = pytest.mark.django_db


def test_any_gives_the_rows_in_gives_for_keys_with_repeats_and_nulls():
    keys = list(Region.objects.order_by("pk").values_list("pk", flat=True)[:40])
    asked = [*keys[::3], keys[0], None, 0]  # a repeat, a NULL and a key no region has

    assert set(Region.objects.filter(pk__any=asked)) == set(Region.objects.filter(pk__in=asked))
    assert Region.objects.filter(pk__any=asked).count() == len(keys[::3])


def test_any_on_a_foreign_key_and_under_or():
    province = Region.objects.get(code="650000")
    prefectures = list(Region.objects.filter(parent=province).values_list("pk", flat=True))
    county = Region.objects.filter(level=Region.Level.COUNTY, parent__parent=province).first()

    found = Region.objects.filter(Q(parent_id__any=[province.pk]) | Q(pk__any=[county.pk]))

    assert {r.pk for r in found} == {*prefectures, county.pk}


def test_any_of_no_keys_is_no_rows():
    assert not Region.objects.filter(pk__any=[]).exists()
    assert not Region.objects.filter(pk__any=[None]).exists()


def test_a_thousand_keys_go_to_postgresql_as_one_parameter():
    keys = list(Region.objects.values_list("pk", flat=True)[:1000])

    with CaptureQueriesContext(connection) as queries:
        assert len(list(Region.objects.filter(pk__any=keys))) == len(keys)

    sql = queries.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        assert " = ANY(" in sql and " IN (" not in sql
        # typed as the column: an array of another integer type is searched, not hashed
        assert f"::{Region._meta.pk.db_type(connection)}[]" in sql
    else:
        assert " IN (" in sql  # SQLite has no arrays: ``__in`` itself


def test_no_keys_leave_the_other_side_of_an_or_as_it_stands():
    county = Region.objects.filter(level=Region.Level.COUNTY).first()

    with CaptureQueriesContext(connection) as queries:
        found = list(Region.objects.filter(Q(pk__any=[county.pk]) | Q(parent_id__any=[])))

    assert found == [county]
    assert "parent_id" not in queries.captured_queries[-1]["sql"].split("WHERE")[1]
