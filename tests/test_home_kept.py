"""An office's home page is kept whole under the data versions of its funds (home_views.home):
served from the cache in three queries while nothing changed, printed again after any change,
for each role apart, and always with the request's own CSRF token."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.kept_html import CSRF_MARK
from indicators.models import Return
from indicators.services import return_save, return_submit
from tests.scenarios import complete_input

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_kept_pages():
    cache.clear()


def home(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_kept_page_carries_each_persons_own_token(clerk_yining):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(clerk_yining)
    second.force_login(clerk_yining)
    page, built = home(first)
    kept, read = home(second)
    assert read == 3 < built  # the person, the funds' data versions and the funds
    assert "开始填报" in kept and CSRF_MARK not in kept and CSRF_MARK not in page
    assert TOKEN.sub("", page) == TOKEN.sub("", kept)  # the same page but for the tokens
    # Each page's tokens are its own session's: a form posted with the other's is refused.
    body = TOKEN.findall(kept.split("<main")[1])
    assert (
        body
        and second.post(reverse("logout"), {"csrfmiddlewaretoken": TOKEN.findall(page)[-1]}).status_code
        == 403
    )
    for token in body:  # each form of the kept body (开始填报) with the token of this request
        assert second.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302
        second.force_login(clerk_yining)


def test_each_role_of_an_office_is_kept_apart(admin_xj, auditor_xj):
    admin, auditor = Client(), Client()
    admin.force_login(admin_xj)
    auditor.force_login(auditor_xj)
    for _time in range(2):  # printed, then kept: each sees their own
        assert "待我审核" in home(admin)[0]
        assert "待我审核" not in home(auditor)[0]


def test_a_submission_below_is_in_the_queue_at_the_next_request(
    client, yining_return, clerk_yining, reviewer_yili
):
    client.force_login(reviewer_yili)
    before, _queries = home(client)
    waiting = int(re.search(r"待我审核（(\d+)）", before).group(1))
    assert home(client)[1] == 3  # kept
    return_save(
        ret=yining_return,
        actor=clerk_yining,
        base_version=yining_return.version,
        data=complete_input(yining_return),
    )
    return_submit(ret=Return.objects.get(pk=yining_return.pk), actor=clerk_yining)
    after, queries = home(client)
    assert f"待我审核（{waiting + 1}）" in after and "伊宁市" in after.split("待我审核（")[1]
    assert queries > 3


def test_the_deadline_table_is_kept_whole_for_each_role_apart(admin_xj, auditor_xj):
    admin, auditor = Client(), Client()
    admin.force_login(admin_xj)
    auditor.force_login(auditor_xj)
    for time in range(2):  # printed, then kept: the administrator sets deadlines, the auditor reads
        with CaptureQueriesContext(connection) as queries:
            page = admin.get(reverse("deadlines:list")).content.decode()
        assert '<th class="text-end">操作</th>' in page and (time == 0 or len(queries) == 3)
        assert '<th class="text-end">操作</th>' not in auditor.get(reverse("deadlines:list")).content.decode()


def test_an_address_with_another_parameter_is_printed_for_its_request_only(client, reviewer_yili):
    client.force_login(reviewer_yili)
    for address in ("/?year=2024&back=x", "/?year=二〇二四", "/?year=2024&back=x"):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(address).content.decode()
        assert len(queries) > 3 and "待我审核" in page  # not kept: printed anew each time
    home(client)
    assert home(client)[1] == 3  # the plain address is kept
    with CaptureQueriesContext(connection) as queries:
        client.get("/?year=2024")
    assert len(queries) > 3  # a year asked has a key of its own
    with CaptureQueriesContext(connection) as queries:
        client.get("/deadlines/?year=2024&x=1")
        client.get("/deadlines/?year=2024&x=1")
    assert len(queries) > 6
