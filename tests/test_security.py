"""Accounts and sessions on a government intranet: lockout after wrong passwords, password rules
everywhere a password is set, Chinese error pages, one language, CSP, HTTPS in production."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from evalportal.models import AuditEvent, User
from tests.processes import start_django

pytestmark = pytest.mark.django_db


def fail_logins(client, username, times, url=None):
    response = None
    for _ in range(times):
        response = client.post(url or reverse("login"), {"username": username, "password": "wrong-password"})
    return response


# --- lockout ----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_with_a_chinese_message(client):
    assert fail_logins(client, "clerk_yining", 4).status_code == 200
    locked = fail_logins(client, "clerk_yining", 1)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账号已暂时锁定" in page and "连续5次密码错误" in page and "解除锁定" in page
    # Now even the right password is refused, and the account does not sign in.
    again = client.post(reverse("login"), {"username": "clerk_yining", "password": "demo2024"})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_locked_too(client):
    url = reverse("admin:login")
    fail_logins(client, "admin_xj", 5, url=url)
    response = client.post(url, {"username": "admin_xj", "password": "demo2024"})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()


def test_an_administrator_unlocks_a_locked_account(client, admin_xj, clerk_yining, new_events):
    fail_logins(client, "clerk_yining", 5)
    manager = Client()
    manager.force_login(admin_xj)
    listing = manager.get(reverse("accounts:list") + "?q=clerk_yining").content.decode()
    assert "已锁定" in listing and "解除锁定" in listing
    response = manager.post(reverse("accounts:unlock", args=[clerk_yining.pk]), follow=True)
    assert "已解除账号 clerk_yining 的登录锁定" in response.content.decode()
    assert new_events().filter(action=AuditEvent.Action.ACCOUNT, summary__contains="解除").exists()
    signed_in = client.post(reverse("login"), {"username": "clerk_yining", "password": "demo2024"})
    assert signed_in.status_code == 302


def test_a_clerk_cannot_unlock(client, clerk_yining, clerk_huocheng):
    client.force_login(clerk_yining)
    assert client.post(reverse("accounts:unlock", args=[clerk_huocheng.pk])).status_code == 403


# --- passwords --------------------------------------------------------------------------------


WEAK = "12345678"


def test_the_admin_refuses_a_weak_password_when_adding_a_user(admin_client):
    response = admin_client.post(
        reverse("admin:evalportal_user_add"),
        {"username": "weak_user", "usable_password": "true", "password1": WEAK, "password2": WEAK},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="weak_user").exists()
    assert "这个密码太常见了" in response.content.decode() or "全部为数字" in response.content.decode()


def test_the_admin_refuses_a_weak_password_when_changing_one(admin_client, clerk_yining):
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[clerk_yining.pk]),
        {"password1": WEAK, "password2": WEAK, "usable_password": "true"},
    )
    assert response.status_code == 200
    clerk_yining.refresh_from_db()
    assert clerk_yining.check_password("demo2024")


def test_the_account_pages_refuse_a_weak_password(client, admin_xj, clerk_yining):
    client.force_login(admin_xj)
    response = client.post(
        reverse("accounts:edit", args=[clerk_yining.pk]),
        {
            "display_name": clerk_yining.display_name or "伊宁",
            "region": clerk_yining.region.code,
            "role": clerk_yining.role,
            "password1": WEAK,
            "password2": WEAK,
        },
    )
    assert response.status_code == 200
    clerk_yining.refresh_from_db()
    assert clerk_yining.check_password("demo2024")


# --- error pages and language -----------------------------------------------------------------


def test_403_keeps_the_reason_in_chinese(client, auditor_xj):
    client.force_login(auditor_xj)
    response = client.post(reverse("indicators:start", args=["xj-2024-relief"]), {"period": "year_end"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "查阅账号不能填报。" in page and "没有权限" in page
    assert "<html" in page and "Forbidden" not in page


def test_404_is_chinese_and_leaks_no_model_or_url_pattern(client, clerk_yining):
    client.force_login(clerk_yining)
    for url in ("/returns/999999/", "/no/such/page/"):
        response = client.get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert "页面不存在" in page
        assert not re.search(r"No \w+ matches|Page not found|urlpatterns|Return", page)


def test_400_for_a_too_large_post_is_chinese(client, clerk_yining, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(clerk_yining)
    response = client.post(reverse("login"), {"username": "x", "password": "y" * 20_000})
    assert response.status_code == 400
    page = response.content.decode()
    assert "提交的内容过大" in page and "未作任何保存" in page
    assert "Bad Request" not in page


def test_500_page_is_chinese():
    from django.template import loader

    page = loader.get_template("500.html").render()
    assert "系统出现错误" in page and "Server Error" not in page


def test_csrf_failure_is_chinese(admin_xj):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "admin_xj", "password": "demo2024"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_django_and_the_admin_stay_chinese_whatever_the_browser_asks(client, clerk_yining):
    for language in ("en-US,en;q=0.9", "ug-CN,ug;q=0.9"):
        response = client.post(
            reverse("admin:login"),
            {"username": "nobody", "password": "x"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        page = response.content.decode()
        assert 'lang="zh-hans"' in page and "Log in" not in page


# --- headers ----------------------------------------------------------------------------------


def test_content_security_policy_allows_no_inline_script(client, clerk_yining):
    client.force_login(clerk_yining)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_an_inline_script_or_event_handler():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{path.name}: {match.group(0)}")
        for match in re.finditer(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.name}: {match.group(0)}")
    assert offenders == []


def test_production_redirects_to_https_and_sends_hsts(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get(reverse("login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"
    # The container's healthcheck asks over plain HTTP with any host name.
    health = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert health.status_code == 200


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "True 31536000 True"),
        ({"SECURE_COOKIES": "false"}, "False 0 False"),
        ({"SECURE_HSTS_SECONDS": "0"}, "True 0 True"),
        ({"SECURE_SSL_REDIRECT": "false"}, "False 31536000 True"),
    ],
)
def test_https_settings_are_on_by_default_in_production(env, expected):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings');"
        "django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
    )
    result = start_django(DEBUG="false", SECRET_KEY="x", **env, _code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
