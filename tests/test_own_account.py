"""Every person's own account (我的账号, 修改密码) and the deployment's administrator, who makes
each province's first administrator in the portal."""

import pytest
from django.urls import reverse

from evalportal.models import AuditEvent, Role, User
from transfers.models import Region

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Minzheng#2025"


def test_password_change_page_is_linked_from_every_page(client, clerk_yining):
    client.force_login(clerk_yining)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("own_account")}"' in home
    account = client.get(reverse("own_account")).content.decode()
    assert f'href="{reverse("password_change")}"' in account
    assert reverse("password_change") == "/accounts/password_change/"
    assert client.get(reverse("password_change")).status_code == 200


def test_a_clerk_changes_her_password_and_stays_signed_in(client, clerk_yining):
    client.force_login(clerk_yining)
    response = client.post(
        reverse("password_change"),
        {"old_password": "demo2024", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("own_account")
    clerk_yining.refresh_from_db()
    assert clerk_yining.check_password(NEW_PASSWORD) and not clerk_yining.check_password("demo2024")
    assert client.get(reverse("home")).status_code == 200  # the session survived the change
    event = AuditEvent.objects.filter(object_id=str(clerk_yining.pk), action="account").latest("pk")
    assert event.actor == clerk_yining
    assert event.changes == {"password": ["", "已修改"]}
    assert NEW_PASSWORD not in str(event.changes) + event.summary
    client.logout()
    assert client.login(username="clerk_yining", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("old", "first", "second", "field", "message"),
    [
        ("wrong-one", NEW_PASSWORD, NEW_PASSWORD, "old_password", "当前密码不正确，请重新输入。"),
        ("demo2024", NEW_PASSWORD, NEW_PASSWORD + "x", "password2", "两次输入的密码不一致。"),
        ("demo2024", "12345", "12345", "password1", "密码太短，至少需要 8 个字符。"),
        ("demo2024", "88888888", "88888888", "password1", "这个密码太常见了。"),
        ("demo2024", "demo2024", "demo2024", "password1", "新密码不能与当前密码相同。"),
    ],
)
def test_a_wrong_password_change_says_why_and_changes_nothing(
    client, clerk_yining, old, first, second, field, message
):
    client.force_login(clerk_yining)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("password_change"), {"old_password": old, "password1": first, "password2": second}
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    clerk_yining.refresh_from_db()
    assert clerk_yining.check_password("demo2024")
    assert AuditEvent.objects.count() == before


def test_one_changes_ones_own_details_but_not_role_or_region(client, clerk_yining):
    client.force_login(clerk_yining)
    response = client.post(
        reverse("own_account"),
        {"display_name": "伊宁市民政局 王芳", "phone": "0999-8020000", "email": "wangfang@example.cn",
         "role": Role.ADMIN, "region": Region.objects.get(code="650000").pk},
    )  # fmt: skip
    assert response.status_code == 302
    clerk_yining.refresh_from_db()
    assert (clerk_yining.display_name, clerk_yining.phone, clerk_yining.email) == (
        "伊宁市民政局 王芳", "0999-8020000", "wangfang@example.cn")  # fmt: skip
    assert clerk_yining.role == Role.CLERK and clerk_yining.region.code == "654002"
    event = AuditEvent.objects.filter(object_id=str(clerk_yining.pk), action="account").latest("pk")
    assert event.changes["display_name"] == ["伊宁市民政局填报员", "伊宁市民政局 王芳"]
    assert set(event.changes) == {"display_name", "phone", "email"}


def test_own_details_keep_what_was_typed_on_an_error(client, clerk_yining):
    client.force_login(clerk_yining)
    response = client.post(reverse("own_account"), {"display_name": "王芳", "email": "not-an-address"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="王芳"' in page and 'value="not-an-address"' in page
    clerk_yining.refresh_from_db()
    assert clerk_yining.display_name == "伊宁市民政局填报员"


def test_own_pages_need_a_sign_in(client):
    for name in ("own_account", "password_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the deployment's administrator ---------------------------------------------------------------


@pytest.fixture
def national(db):
    return User.objects.create_superuser("sysadmin", "sysadmin@example.cn", "Xitong#2025")


@pytest.fixture
def ningxia(db):
    """宁夏, as the national tree brings it: no account, no fund (the demo's 甘肃 has its own)."""
    return Region.objects.get(code="640000")


def test_the_national_administrator_lands_on_the_provinces(client, national, ningxia):
    client.force_login(national)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:provinces")
    rows = {p["region"].code: p for p in client.get(reverse("accounts:provinces")).context["provinces"]}
    assert rows["640000"]["admins"] == 0 and rows["640000"]["accounts"] == 0
    # The demo's 新疆: admin_xj is its one administrator, five accounts in all, two funds.
    assert (rows["650000"]["admins"], rows["650000"]["accounts"], rows["650000"]["funds"]) == (1, 5, 2)
    # The demo's 甘肃: admin_gs and clerk_zhangye, the fund of 张掖市民政局's projects.
    assert (rows["620000"]["admins"], rows["620000"]["accounts"], rows["620000"]["funds"]) == (1, 2, 1)


def test_the_national_administrator_creates_a_provinces_first_administrator(client, national, ningxia):
    client.force_login(national)
    form = client.get(reverse("accounts:create"), {"region": "640000", "role": "admin"})
    page = form.content.decode()
    assert 'value="宁夏（640000）"' in page
    response = client.post(
        reverse("accounts:create"),
        {"username": "admin_nx", "display_name": "宁夏回族自治区民政厅管理员", "region": "640000",
         "role": Role.ADMIN, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    admin_nx = User.objects.get(username="admin_nx")
    assert admin_nx.region == ningxia and admin_nx.role == Role.ADMIN and not admin_nx.is_staff
    # The new administrator manages 宁夏 and nothing of 新疆.
    client.force_login(admin_nx)
    listed = {u.username for u in client.get(reverse("accounts:list")).context["page"]}
    assert listed == {"admin_nx"}
    assert (
        client.get(reverse("accounts:edit", args=[User.objects.get(username="clerk_yining").pk])).status_code
        == 404
    )
    response = client.post(
        reverse("accounts:create"),
        {"username": "clerk_x", "display_name": "越权", "region": "654002", "role": Role.CLERK,
         "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 200 and not User.objects.filter(username="clerk_x").exists()
    response = client.post(
        reverse("accounts:create"),
        {"username": "clerk_xingqing", "display_name": "兴庆区民政局填报员", "region": "兴庆区",
         "role": Role.CLERK, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 302
    assert User.objects.get(username="clerk_xingqing").region.code == "640104"


def test_only_the_national_administrator_sees_the_provinces(client, admin_xj):
    client.force_login(admin_xj)
    assert client.get(reverse("accounts:provinces")).status_code == 403


def test_a_province_administrator_cannot_see_the_national_account(client, national, admin_xj):
    client.force_login(admin_xj)
    listed = {u.username for u in client.get(reverse("accounts:list")).context["page"]}
    assert "sysadmin" not in listed and "admin_xj" in listed
    assert client.get(reverse("accounts:edit", args=[national.pk])).status_code == 404


def test_a_prefecture_administrator_can_make_no_account_above_it(client, admin_yili):
    client.force_login(admin_yili)
    response = client.post(
        reverse("accounts:create"),
        {"username": "admin_up", "display_name": "越级", "region": "650000", "role": Role.ADMIN,
         "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 200
    assert "找不到地区“650000”" in response.content.decode()
    assert not User.objects.filter(username="admin_up").exists()
