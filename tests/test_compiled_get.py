"""The person of each request is read by SQL compiled once per process (common.compiled): the
same person, region and unread count as Django's own queryset gives, one query, read afresh at
every request."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from common.compiled import CompiledGet
from evalportal.auth_backends import PERSON, AccountBackend
from indicators.models import Notification, ReturnComment
from indicators.selectors import comments_of, get_return_for_user, lines_of, unread_notifications_of_person
from transfers import versions
from transfers.models import Fund, Region
from transfers.selectors import (
    fund_list_for_user,
    fund_tokens_for_user,
    funds_for_user,
    get_fund_for_user,
    get_region_for_user,
    province_of,
)

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
        person = PERSON.get(pk=clerk_yining.pk)
        assert person.region.name == "伊宁市"  # read with the person, no query of its own
        assert province_of(person.region).code == "650000"  # and the regions above it
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
    assert PERSON.get(pk=reviewer_yili.pk).username == "reviewer_yili"
    assert PERSON.get(pk=clerk_yining.pk).unread_notifications == 0
    Notification.objects.create(
        recipient=clerk_yining, ret=yining_return, kind="approved", subject="一", body="…"
    )
    assert PERSON.get(pk=clerk_yining.pk).unread_notifications == 1
    assert PERSON.get(pk=str(clerk_yining.pk)).username == "clerk_yining"  # as a session may hold it


def test_a_superuser_without_a_region_and_a_key_nobody_has(clerk_yining):
    User.objects.filter(pk=clerk_yining.pk).update(region=None, is_superuser=True)  # only they may
    person = PERSON.get(pk=clerk_yining.pk)
    assert person.region is None and person.region_id is None
    assert PERSON.get(pk=10**9) is None


def test_an_account_switched_off_is_nobody(clerk_yining):
    User.objects.filter(pk=clerk_yining.pk).update(is_active=False)
    assert AccountBackend().get_user(clerk_yining.pk) is None


def test_the_signed_in_page_reads_the_person_the_office_changed_since_the_last_request(client, clerk_yining):
    client.force_login(clerk_yining)
    assert "伊宁市" in client.get(reverse("home")).content.decode()
    User.objects.filter(pk=clerk_yining.pk).update(region=Region.objects.get(code="654023"))
    assert "霍城县" in client.get(reverse("home")).content.decode()


def test_a_value_that_does_not_reach_the_sql_as_one_parameter_is_refused():
    twice = CompiledGet(lambda code: Region.objects.filter(Q(code=code) | Q(short_name=code)), code=str)
    with pytest.raises(ValueError, match="“code” appears 2 times"):
        twice.get(code="654002")
    rewritten = CompiledGet(lambda text: Region.objects.filter(name__icontains=text), text=str)
    with pytest.raises(ValueError, match="“text” appears 0 times"):
        rewritten.get(text="伊宁")


def test_a_value_it_is_not_asked_by_is_refused_rather_than_left_out():
    with pytest.raises(TypeError, match="takes pk, not id"):
        PERSON.get(id=1)


def test_a_fund_and_a_region_by_the_codes_of_an_address(clerk_yining, relief, django_assert_num_queries):
    clerk_yining = PERSON.get(pk=clerk_yining.pk)  # as a request reads them: with 伊犁州 and 新疆
    with django_assert_num_queries(2):
        fund = get_fund_for_user(clerk_yining, relief.code)
        region = get_region_for_user(clerk_yining, "654002")
        assert (region.parent.name, region.parent.parent.code) == ("伊犁哈萨克自治州", "650000")
    assert fund == relief and fields(fund) == fields(Fund.objects.get(code=relief.code))
    with pytest.raises(Http404):
        get_region_for_user(clerk_yining, "654023")  # 霍城县: beside 伊宁市, not below it
    with pytest.raises(Http404):
        get_region_for_user(clerk_yining, "999999")
    with pytest.raises(Http404):
        get_fund_for_user(clerk_yining, "no-such-fund")


def test_a_fund_of_another_province_is_not_found(clerk_yining, relief):
    gansu, _ = Region.objects.get_or_create(
        code="620000", defaults={"name": "甘肃省", "level": Region.Level.PROVINCE}
    )
    other = Fund.objects.create(code="gs-test-fund", name="他省资金", year=2024, region=gansu)
    with pytest.raises(Http404):
        get_fund_for_user(clerk_yining, other.code)


def test_a_returns_comments_are_the_orms_with_their_authors_lines_and_return(
    yining_return, reviewer_yili, django_assert_num_queries
):
    lines = list(yining_return.actuals.order_by("indicator__order"))
    for number, actual in enumerate((lines[1], None, lines[0])):
        ReturnComment.objects.create(
            ret=yining_return, actual=actual, author=reviewer_yili, text=f"意见{number}"
        )
    with django_assert_num_queries(1):
        comments = comments_of(yining_return)
        # Each with its author, its line and the caller's return: no query of their own.
        assert [(c.text, c.author.username, c.ret is yining_return) for c in comments] == [
            ("意见0", "reviewer_yili", True),
            ("意见1", "reviewer_yili", True),
            ("意见2", "reviewer_yili", True),
        ]
        assert [c.actual.indicator_id if c.actual_id else None for c in comments] == [
            lines[1].indicator_id,
            None,
            lines[0].indicator_id,
        ]
    expected = list(yining_return.comments.select_related("author", "actual").order_by("created_at"))
    assert [fields(c) for c in comments] == [fields(c) for c in expected]
    assert [fields(c.author) for c in comments] == [fields(c.author) for c in expected]
    # Read afresh: a comment added since is there at the next call.
    ReturnComment.objects.create(ret=yining_return, author=reviewer_yili, text="意见3")
    assert [c.text for c in comments_of(yining_return)][-1] == "意见3"
    assert lines_of(yining_return)[0].indicator.order == 1 and all(
        a.ret is yining_return for a in lines_of(yining_return)
    )


def test_a_return_is_found_in_the_persons_region_and_below_it_only(
    yining_return,
    clerk_yining,
    clerk_huocheng,
    reviewer_yili,
    admin_xj,
    reviewer_aksu,
    django_assert_num_queries,
):
    for person in (clerk_yining, reviewer_yili, admin_xj):
        person = PERSON.get(pk=person.pk)
        with django_assert_num_queries(2):  # the return with its fund and regions; its deadline
            ret = get_return_for_user(person, yining_return.pk)
            assert (ret.fund.code, ret.region.parent.name) == (yining_return.fund.code, "伊犁哈萨克自治州")
        assert fields(ret) == fields(yining_return) and ret.project is None
    for person in (clerk_huocheng, reviewer_aksu):  # beside 伊宁市, and another prefecture
        with pytest.raises(Http404):
            get_return_for_user(person, yining_return.pk)
    User.objects.filter(pk=admin_xj.pk).update(region=None, is_superuser=True)  # the deployment's own
    with pytest.raises(Http404):
        get_return_for_user(PERSON.get(pk=admin_xj.pk), yining_return.pk)
    with pytest.raises(Http404):
        get_return_for_user(clerk_yining, 10**9)


def test_the_funds_and_their_data_versions_a_person_sees_are_the_orms(
    clerk_yining, relief, elderly, admin_xj
):
    for person in (PERSON.get(pk=clerk_yining.pk), PERSON.get(pk=admin_xj.pk)):
        funds = fund_list_for_user(person)
        assert [fields(f) for f in funds] == [fields(f) for f in funds_for_user(person)]
        assert {relief.code, elderly.code} <= {f.code for f in funds}
        found = fund_tokens_for_user(person)
        assert found == versions.tokens(funds_for_user(person)) and set(found) >= {0, relief.pk, elderly.pk}
    before = fund_tokens_for_user(clerk_yining)[relief.pk]
    Fund.objects.filter(pk=relief.pk).update(name="救助资金（改）")  # a change draws a new token
    assert fund_tokens_for_user(clerk_yining)[relief.pk] != before
    assert fund_list_for_user(clerk_yining)[
        [f.pk for f in fund_list_for_user(clerk_yining)].index(relief.pk)
    ].name == ("救助资金（改）")
