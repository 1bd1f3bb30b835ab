"""Every demo account signs in through the real login view with the password the README gives."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username",
    [
        "admin_xj",
        "reviewer_yili",
        "clerk_yining",
        "clerk_huocheng",
        "auditor_xj",
        "admin_gs",
        "clerk_zhangye",
    ],
)
def test_demo_accounts_sign_in_with_the_demo_password(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "demo2024"})
    assert response.status_code == 302, response.content.decode()[:2000]
