"""The pages of the foundation: sign-in, the home page, the admin and the health check."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "用户名" in response.content.decode() and "密码" in response.content.decode()


def test_wrong_password_says_so(client):
    response = client.post(reverse("login"), {"username": "clerk_yining", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_clerk_sees_own_county_budget(client, clerk_yining):
    client.force_login(clerk_yining)
    page = client.get(reverse("home")).content.decode()
    assert "伊宁市" in page
    # Seed 003: 伊宁市 14005 = 8419 提前下达 + 5586 本次下达.
    assert "14,005.00" in page and "8,419.00" in page and "5,586.00" in page
    assert "792,267.00" not in page  # the province total is not the county's


def test_reviewer_sees_prefecture_budget(client, reviewer_yili):
    client.force_login(reviewer_yili)
    page = client.get(reverse("home")).content.decode()
    assert "65,682.00" in page and "966.00" in page  # seed 003 and seed 000 figures for 伊犁州


def test_healthz(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_admin_lists_regions_for_superuser(admin_client):
    response = admin_client.get(reverse("admin:transfers_region_changelist") + "?q=伊宁")
    assert response.status_code == 200
    assert "伊宁市" in response.content.decode()
