"""The signed-in nav is printed once per process for each person as they stand: what it offers
follows their role and region at the next request, and what changes between requests (the unread
count, the CSRF token of 退出) is the request's own."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from evalportal.models import Role
from evalportal.templatetags import portal
from indicators.models import Notification

pytestmark = pytest.mark.django_db

NAV = "_nav.html"


@pytest.fixture(autouse=True)
def no_kept_navs():
    portal._navs.clear()  # what another test's visits printed


def nav_of(response) -> str:
    return re.search(r'<ul class="navbar-nav.*?</nav>', response.content.decode(), re.S).group(0)


def without_token(nav: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", nav)


def printed(response) -> int:
    return [t.name for t in response.templates].count(NAV)


def test_the_nav_is_printed_once_and_follows_a_new_role_at_the_next_request(client, clerk_yining):
    client.force_login(clerk_yining)
    first = client.get(reverse("home"))
    again = client.get(reverse("deadlines:list"))
    assert printed(first) == 1 and printed(again) == 0
    assert without_token(nav_of(first)) == without_token(nav_of(again))
    assert "待我审核" not in nav_of(again)
    assert "伊宁市 · 填报员" in nav_of(again)
    # The office makes its clerk a reviewer: the next page offers 待我审核 (the answers to the
    # nav's questions are part of what it is kept under).
    clerk_yining.role = Role.REVIEWER
    clerk_yining.save(update_fields=["role"])
    promoted = client.get(reverse("home"))
    assert printed(promoted) == 1
    assert f'href="{reverse("indicators:queue")}">待我审核</a>' in nav_of(promoted)
    assert "伊宁市 · 审核员" in nav_of(promoted)


def test_a_kept_nav_counts_the_unread_notifications_of_each_request(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    assert "条未读" not in nav_of(client.get(reverse("home")))
    Notification.objects.create(
        recipient=clerk_yining, ret=yining_return, kind="approved", subject="一", body="…"
    )
    page = client.get(reverse("home"))
    assert printed(page) == 0 and 'aria-label="1条未读">1</span>' in nav_of(page)
    Notification.objects.update(read_at="2025-01-01T00:00:00Z")
    assert "条未读" not in nav_of(client.get(reverse("home")))


def test_a_kept_nav_signs_out_with_the_token_of_the_request_it_is_served_to(clerk_yining):
    tokens = []
    for _visit in range(2):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(clerk_yining)
        nav = nav_of(browser.get(reverse("home")))
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', nav).group(1))
    assert tokens[0] != tokens[1] and "of-the-request" not in nav
    response = browser.post(reverse("logout"), {"csrfmiddlewaretoken": tokens[1]})
    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
