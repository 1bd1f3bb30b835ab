"""Account management by administrators: who may, within which regions, and what is audited."""

import json

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evalportal.accounts import user_create, user_set_active, user_update
from evalportal.models import AuditEvent, Role, User
from transfers.models import Region

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Xinjiang#2025ok"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def create_payload(**overrides) -> dict:
    data = {
        "username": "clerk_yiningxian",
        "display_name": "伊宁县民政局填报员",
        "region": "654021",
        "role": Role.CLERK,
        "phone": "0999-8123456",
        "email": "yiningxian@example.cn",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    return data | overrides


def edit_payload(account: User, **overrides) -> dict:
    data = {
        "display_name": account.display_name,
        "region": account.region.code,
        "role": account.role,
        "phone": account.phone,
        "email": account.email,
        "password1": "",
        "password2": "",
    }
    return data | overrides


def account_events(account: User):
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCOUNT, object_type="evalportal.user", object_id=str(account.pk)
    )


# --- who may open the pages ----------------------------------------------------------------


def all_urls(target: User) -> list[str]:
    return [
        reverse("accounts:list"),
        reverse("accounts:create"),
        reverse("accounts:edit", args=[target.pk]),
        reverse("accounts:set_active", args=[target.pk]),
    ]


def test_anonymous_is_sent_to_sign_in(client, clerk_yining):
    for url in all_urls(clerk_yining):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_signed_in_request_reads_the_person_with_their_region(client, django_assert_num_queries):
    signed_in = client.post(reverse("login"), {"username": "clerk_yining", "password": "demo2024"})
    assert signed_in.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "evalportal.auth_backends.AccountBackend"
    request = client.get(reverse("own_account")).wsgi_request
    with django_assert_num_queries(0):  # read with the person, not a query of its own
        assert (request.user.username, request.user.region.name) == ("clerk_yining", "伊宁市")


@pytest.mark.parametrize("persona", ["clerk_yining", "reviewer_yili", "auditor_xj"])
def test_non_administrators_get_403(client, persona, clerk_huocheng):
    client.force_login(User.objects.get(username=persona))
    for url in all_urls(clerk_huocheng):
        assert client.get(url).status_code == 403
        assert client.post(url, create_payload()).status_code == 403
    assert not User.objects.filter(username="clerk_yiningxian").exists()
    assert User.objects.get(pk=clerk_huocheng.pk).is_active


def test_services_refuse_non_administrators(reviewer_yili, clerk_yining):
    with pytest.raises(PermissionDenied):
        user_set_active(actor=reviewer_yili, user=clerk_yining, is_active=False)
    with pytest.raises(PermissionDenied):
        user_create(
            actor=reviewer_yili, username="x1", display_name="x", region=region("654002"),
            role=Role.CLERK, password=GOOD_PASSWORD,
        )  # fmt: skip


# --- the list ------------------------------------------------------------------------------


def test_province_admin_lists_everyone_in_xinjiang(client, admin_xj):
    User.objects.create_superuser(username="root", password=GOOD_PASSWORD)
    client.force_login(admin_xj)
    page = client.get(reverse("accounts:list")).content.decode()
    for username in ("admin_xj", "reviewer_yili", "clerk_yining", "clerk_huocheng", "auditor_xj"):
        assert username in page
    assert "root" not in page  # Django admin accounts are not managed here


def test_prefecture_admin_sees_only_its_prefecture(client, admin_yili, clerk_aksu, admin_xj):
    client.force_login(admin_yili)
    page = client.get(reverse("accounts:list")).content.decode()
    assert "reviewer_yili" in page and "clerk_yining" in page and "clerk_huocheng" in page
    assert "clerk_aksu" not in page and "admin_xj" not in page and "auditor_xj" not in page
    # Outside the scope an account does not exist.
    assert client.get(reverse("accounts:edit", args=[clerk_aksu.pk])).status_code == 404
    assert client.get(reverse("accounts:edit", args=[admin_xj.pk])).status_code == 404
    response = client.post(reverse("accounts:set_active", args=[admin_xj.pk]), {"is_active": "0"})
    assert response.status_code == 404
    assert User.objects.get(pk=admin_xj.pk).is_active


def test_search_by_name_username_and_region(client, admin_xj, clerk_aksu):
    client.force_login(admin_xj)

    def usernames(**params):
        response = client.get(reverse("accounts:list"), params)
        return {account.username for account in response.context["page"]}

    assert usernames(q="霍城") == {"clerk_huocheng"}  # display name and region name
    assert usernames(q="clerk_yi") == {"clerk_yining"}
    assert usernames(q="阿克苏") == {"clerk_aksu"}
    assert usernames(q="伊犁州") == {"reviewer_yili"}  # short name of the prefecture
    assert usernames(role=Role.CLERK) == {"clerk_yining", "clerk_huocheng", "clerk_aksu"}
    clerk_aksu.is_active = False
    clerk_aksu.save(update_fields=["is_active"])
    assert usernames(role=Role.CLERK, active="0") == {"clerk_aksu"}
    assert "clerk_aksu" not in usernames(active="1")


def test_list_pages_and_keeps_the_filters(client, admin_xj):
    county = region("654024")
    User.objects.bulk_create(
        User(username=f"clerk_gongliu_{n:03}", display_name=f"巩留县填报员{n}", region=county)
        for n in range(75)
    )
    client.force_login(admin_xj)
    response = client.get(reverse("accounts:list"), {"q": "巩留", "page": 3})
    page = response.context["page"]
    assert page.paginator.count == 75 and page.number == 3 and len(page.object_list) == 15
    assert "q=%E5%B7%A9%E7%95%99&amp;page=2" in response.content.decode()


@pytest.mark.parametrize("extra_users", [0, 150])
def test_list_query_count_does_not_grow_with_users(client, admin_xj, django_assert_num_queries, extra_users):
    counties = list(Region.objects.filter(level=3)[:50])
    User.objects.bulk_create(
        User(username=f"bulk_{n:03}", display_name=f"填报员{n}", region=counties[n % len(counties)])
        for n in range(extra_users)
    )
    client.force_login(admin_xj)
    # user with their region and the nav's unread notifications (the session is read through
    # the cache), count, one page of accounts with regions, which of them are locked out
    with django_assert_num_queries(4):
        response = client.get(reverse("accounts:list"), {"q": "", "role": "", "active": ""})
    assert response.status_code == 200


# --- creating ------------------------------------------------------------------------------


def test_admin_creates_a_clerk_who_can_sign_in(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(reverse("accounts:create"), create_payload())
    assert response.status_code == 302 and response["Location"] == reverse("accounts:list")
    account = User.objects.get(username="clerk_yiningxian")
    assert account.region.code == "654021" and account.role == Role.CLERK and account.is_active
    assert account.email == "yiningxian@example.cn" and account.phone == "0999-8123456"
    assert account.password != GOOD_PASSWORD and account.check_password(GOOD_PASSWORD)
    assert not account.is_staff and not account.is_superuser

    event = account_events(account).get()
    assert event.actor == admin_xj and event.region.code == "654021"
    assert event.changes["role"] == ["", "填报员"]
    assert event.changes["region"] == ["", "654021 伊宁县"]
    stored = json.dumps(event.changes, ensure_ascii=False) + event.summary + event.comment
    assert GOOD_PASSWORD not in stored and account.password not in stored

    client.logout()
    assert client.login(username="clerk_yiningxian", password=GOOD_PASSWORD)


def test_prefecture_admin_creates_admins_for_its_prefecture_only(admin_yili):
    account = user_create(
        actor=admin_yili, username="admin_yili_2", display_name="伊犁州第二管理员",
        region=region("654000"), role=Role.ADMIN, password=GOOD_PASSWORD,
    )  # fmt: skip
    assert account.role == Role.ADMIN
    # The service checks the region again, whatever the form offered.
    with pytest.raises(ValidationError) as error:
        user_create(
            actor=admin_yili, username="admin_xj_2", display_name="越权",
            region=region("650000"), role=Role.ADMIN, password=GOOD_PASSWORD,
        )  # fmt: skip
    assert "region" in error.value.message_dict
    assert not User.objects.filter(username="admin_xj_2").exists()


def test_region_choices_come_from_the_admins_scope(client, admin_yili):
    client.force_login(admin_yili)
    search = reverse("region_search")
    found = client.get(search, {"purpose": "accounts", "q": "伊宁"}).json()["results"]
    assert {r["code"] for r in found} == {"654002", "654021"}  # 伊宁市, 伊宁县
    assert found[0]["path"] == "新疆 › 伊犁州 › 伊宁市"
    assert client.get(search, {"purpose": "accounts", "q": "阿克苏"}).json()["results"] == []
    assert client.get(search, {"purpose": "accounts", "q": "650000"}).json()["results"] == []

    aksu = region("652901")
    response = client.post(reverse("accounts:create"), create_payload(region=aksu.code))
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not User.objects.filter(username="clerk_yiningxian").exists()


def test_reviewers_and_admins_need_regions_below_them(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(reverse("accounts:create"), create_payload(role=Role.REVIEWER, region="654002"))
    assert response.status_code == 200
    assert "审核员只能设在省级或地市级" in response.content.decode()
    assert not User.objects.filter(username="clerk_yiningxian").exists()
    # Shown together with the form's own errors, not one after the other.
    response = client.post(
        reverse("accounts:create"),
        create_payload(role=Role.ADMIN, region="654000-01", email="not-an-address"),
    )
    assert set(response.context["form"].errors) == {"role", "email"}
    # The service holds the rule on its own.
    with pytest.raises(ValidationError) as error:
        user_create(
            actor=admin_xj, username="reviewer_yining", display_name="x", region=region("654002"),
            role=Role.REVIEWER, password=GOOD_PASSWORD,
        )  # fmt: skip
    assert list(error.value.message_dict) == ["role"]


def test_form_keeps_what_was_typed_and_says_why_in_chinese(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(reverse("accounts:create"), create_payload(password1="12345", password2="12345"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "密码太短，至少需要 8 个字符。" in page and "密码只包含数字。" in page
    assert 'value="clerk_yiningxian"' in page and 'value="伊宁县民政局填报员"' in page
    assert 'value="yiningxian@example.cn"' in page and 'value="0999-8123456"' in page
    assert 'value="新疆 › 伊犁州 › 伊宁县（654021）"' in page

    response = client.post(reverse("accounts:create"), create_payload(password2="Different#2025"))
    assert "两次输入的密码不一致。" in response.content.decode()

    response = client.post(
        reverse("accounts:create"),
        create_payload(username="yiningxian2025", password1="yiningxian2025", password2="yiningxian2025"),
    )
    assert "太相似" in response.content.decode()
    assert not User.objects.filter(username__in=["clerk_yiningxian", "yiningxian2025"]).exists()


def test_usernames_are_unique_whatever_the_case(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(reverse("accounts:create"), create_payload(username="Clerk_Yining"))
    assert response.status_code == 200
    assert "该用户名已被使用。" in response.content.decode()


# --- editing -------------------------------------------------------------------------------


def test_admin_edits_an_account_and_the_audit_has_old_and_new(client, admin_xj, clerk_huocheng):
    client.force_login(admin_xj)
    url = reverse("accounts:edit", args=[clerk_huocheng.pk])
    assert 'value="霍城县民政局填报员"' in client.get(url).content.decode()
    response = client.post(
        url,
        edit_payload(
            clerk_huocheng, display_name="霍城县民政局 张伟", phone="13800000000", email="zw@example.cn"
        ),
    )
    assert response.status_code == 302
    clerk_huocheng.refresh_from_db()
    assert clerk_huocheng.display_name == "霍城县民政局 张伟" and clerk_huocheng.email == "zw@example.cn"
    event = account_events(clerk_huocheng).get()
    assert event.changes == {
        "display_name": ["霍城县民政局填报员", "霍城县民政局 张伟"],
        "phone": ["", "13800000000"],
        "email": ["", "zw@example.cn"],
    }
    assert clerk_huocheng.check_password("demo2024")  # no password typed: unchanged


def test_admin_resets_a_password_which_is_not_audited(client, admin_xj, clerk_huocheng):
    client.force_login(admin_xj)
    new_password = "Huocheng@2025!"
    url = reverse("accounts:edit", args=[clerk_huocheng.pk])
    client.post(url, edit_payload(clerk_huocheng, password1=new_password, password2=new_password))
    clerk_huocheng.refresh_from_db()
    assert clerk_huocheng.check_password(new_password)
    event = account_events(clerk_huocheng).get()
    assert event.changes == {"password": ["", "已重置"]}
    assert new_password not in json.dumps(event.changes, ensure_ascii=False)


def test_edit_rejects_a_role_that_does_not_fit_the_level(client, admin_xj, clerk_huocheng):
    client.force_login(admin_xj)
    response = client.post(
        reverse("accounts:edit", args=[clerk_huocheng.pk]), edit_payload(clerk_huocheng, role=Role.ADMIN)
    )
    assert response.status_code == 200
    assert "管理员只能设在省级或地市级" in response.content.decode()
    assert User.objects.get(pk=clerk_huocheng.pk).role == Role.CLERK
    assert not account_events(clerk_huocheng).exists()


def test_admin_cannot_change_own_role_or_region(client, admin_xj):
    client.force_login(admin_xj)
    url = reverse("accounts:edit", args=[admin_xj.pk])
    # The fields are disabled on one's own form: what is posted for them is ignored.
    response = client.post(
        url, edit_payload(admin_xj, role=Role.CLERK, region="654002", phone="0991-1234567")
    )
    assert response.status_code == 302
    admin_xj.refresh_from_db()
    assert (
        admin_xj.role == Role.ADMIN and admin_xj.region.code == "650000" and admin_xj.phone == "0991-1234567"
    )
    with pytest.raises(ValidationError):
        user_update(actor=admin_xj, user=admin_xj, display_name="x", region=region("654000"), role=Role.ADMIN)


# --- disabling and enabling ----------------------------------------------------------------


def test_get_asks_for_confirmation_and_changes_nothing(client, admin_xj, clerk_yining):
    client.force_login(admin_xj)
    response = client.get(reverse("accounts:set_active", args=[clerk_yining.pk]))
    assert "确认停用" in response.content.decode()
    assert User.objects.get(pk=clerk_yining.pk).is_active


def test_disable_signs_the_person_out_and_enable_lets_them_back(client, admin_xj, clerk_yining):
    clerk_client = type(client)()
    clerk_client.force_login(clerk_yining)
    assert clerk_client.get(reverse("home")).status_code == 200

    client.force_login(admin_xj)
    url = reverse("accounts:set_active", args=[clerk_yining.pk])
    assert client.post(url, {"is_active": "0"}).status_code == 302
    clerk_yining.refresh_from_db()
    assert not clerk_yining.is_active
    assert clerk_client.get(reverse("home")).status_code == 302  # the open session ends
    assert not type(client)().login(username="clerk_yining", password="demo2024")

    client.post(url, {"is_active": "1"})
    clerk_yining.refresh_from_db()
    assert clerk_yining.is_active
    changes = [event.changes for event in account_events(clerk_yining).order_by("pk")]
    assert changes == [{"is_active": ["启用", "停用"]}, {"is_active": ["停用", "启用"]}]


def test_nobody_disables_themselves(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(
        reverse("accounts:set_active", args=[admin_xj.pk]), {"is_active": "0"}, follow=True
    )
    assert "不能停用或启用自己的账号。" in response.content.decode()
    assert User.objects.get(pk=admin_xj.pk).is_active
    with pytest.raises(ValidationError):
        user_set_active(actor=admin_xj, user=admin_xj, is_active=False)
    assert not account_events(admin_xj).exists()


def test_staff_accounts_are_not_managed_here(client, admin_yili):
    staff = User.objects.create_user(
        username="it_yili", password=GOOD_PASSWORD, region=region("654000"), role=Role.VIEWER, is_staff=True
    )
    client.force_login(admin_yili)
    assert "it_yili" not in client.get(reverse("accounts:list")).content.decode()
    assert client.get(reverse("accounts:edit", args=[staff.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        user_set_active(actor=admin_yili, user=staff, is_active=False)
