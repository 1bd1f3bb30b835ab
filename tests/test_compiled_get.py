"""The person of each request is read by SQL compiled once per process (common.compiled): the
same person, region and unread count as Django's own queryset gives, one query, read afresh at
every request."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from common.compiled import _MARKER, CompiledGet
from evalportal.auth_backends import PERSON, AccountBackend
from indicators.models import Notification
from indicators.selectors import unread_notifications_of_person
from transfers.models import Region

pytestmark = pytest.mark.django_db

User = get_user_model()


def orm_person(pk):
    return (
        User.objects.select_related("region")
        .annotate(unread_notifications=unread_notifications_of_person())
        .get(pk=pk)
    )


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_person_is_the_one_the_orm_reads_with_region_and_unread_count(
    clerk_yining, yining_return, django_assert_num_queries
):
    for number in range(3):
        Notification.objects.create(
            recipient=clerk_yining, ret=yining_return, kind="approved", subject=f"通知{number}", body="…"
        )
    Notification.objects.filter(subject="通知0").update(read_at="2025-01-01T00:00:00Z")
    with django_assert_num_queries(1):
        person = PERSON.get(clerk_yining.pk)
        assert person.region.name == "伊宁市"  # read with the person, no query of its own
        assert person.unread_notifications == 2
    expected = orm_person(clerk_yining.pk)
    assert fields(person) == fields(expected)
    assert fields(person.region) == fields(expected.region)
    # Types as the database's converters give them (SQLite stores booleans as integers).
    assert person.is_active is True and person.date_joined == expected.date_joined
    assert person._state.db == "default" and not person._state.adding


def test_the_compiled_query_is_run_afresh_for_each_person_and_request(
    clerk_yining, reviewer_yili, yining_return
):
    assert PERSON.get(reviewer_yili.pk).username == "reviewer_yili"
    assert PERSON.get(clerk_yining.pk).unread_notifications == 0
    Notification.objects.create(
        recipient=clerk_yining, ret=yining_return, kind="approved", subject="一", body="…"
    )
    assert PERSON.get(clerk_yining.pk).unread_notifications == 1
    assert PERSON.get(str(clerk_yining.pk)).username == "clerk_yining"  # as a session may hold it


def test_a_superuser_without_a_region_and_a_key_nobody_has(clerk_yining):
    User.objects.filter(pk=clerk_yining.pk).update(region=None, is_superuser=True)  # only they may
    person = PERSON.get(clerk_yining.pk)
    assert person.region is None and person.region_id is None
    assert PERSON.get(10**9) is None


def test_an_account_switched_off_is_nobody(clerk_yining):
    User.objects.filter(pk=clerk_yining.pk).update(is_active=False)
    assert AccountBackend().get_user(clerk_yining.pk) is None


def test_the_signed_in_page_reads_the_person_the_office_changed_since_the_last_request(client, clerk_yining):
    client.force_login(clerk_yining)
    assert "伊宁市" in client.get(reverse("home")).content.decode()
    User.objects.filter(pk=clerk_yining.pk).update(region=Region.objects.get(code="654023"))
    assert "霍城县" in client.get(reverse("home")).content.decode()


def test_a_query_whose_key_is_not_one_parameter_is_refused():
    # The marker the key is found by, already in the query: the key would go in two places.
    twice = CompiledGet(lambda: Region.objects.annotate(n=Count("children")).filter(pk=_MARKER))
    with pytest.raises(ValueError, match="2 times"):
        twice.get(1)
