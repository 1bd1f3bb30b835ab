"""Accounts managed in the portal by administrators (账号管理).

Who may do what:

- Only an active administrator (role ``admin``) manages accounts. Reviewers, clerks and
  read-only users get 403 on every account page; the services refuse them too.
- An administrator's scope is their own region and every region below it
  (``transfers.selectors.regions_for_user``): the province administrator manages everyone in
  province; a prefecture administrator (e.g. 伊犁州) manages its own office and its counties
  and units. Accounts outside the scope do not exist for them (404), and no account can be given
  a region outside it: the form offers only regions in scope and the service checks again.
- Roles follow the levels of domain.md §1, and the tree, not the role name, is the ceiling:
  an administrator may give any role, including 管理员, but only for regions in scope, so a
  prefecture administrator can create 伊犁州 administrators but never a province one.
  审核员 and 管理员 need a region with regions below it (province or prefecture): a county or
  a budget unit has nothing to review or administer. 填报员 and 查阅 fit any level (a
  prefecture enters the returns of prefecture-only funds; an auditor may sit anywhere).
- Nobody disables themselves, and nobody changes their own role or region (that is how an
  office locks itself out); their own name, phone, e-mail and password they may change.
- The deployment's own administrator (a superuser, 系统管理员) manages the accounts of every
  region: this is how a province's first administrator is made, without the Django admin.
- Staff and superuser accounts (the Django admin's) are not managed here: they are left out
  of every list and cannot be opened, so a regional administrator cannot reset the password
  of someone who can sign in to the Django admin.

Every change writes an ``AuditEvent`` with action ``account`` and the old and new values.
Passwords never enter the audit: a reset is recorded as ``{"password": ["", "已重置"]}``.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from evalportal.models import AuditEvent, Role, User
from indicators.permissions import is_national_admin, may_manage_accounts
from transfers.models import Fund, Region
from transfers.selectors import regions_for_user, subtree_q

# Roles that only make sense where there are regions below to review or administer.
ROLES_NEEDING_SUBORDINATES = (Role.REVIEWER, Role.ADMIN)
PASSWORD_RESET_MARK = "已重置"
PASSWORD_CHANGED_MARK = "已修改"


# --- reads --------------------------------------------------------------------------------


def accounts_for_user(actor: User) -> QuerySet[User]:
    """The accounts an administrator may see and change: their region's subtree, no staff."""
    if may_manage_accounts(actor):
        return User.objects.none()
    accounts = User.objects.filter(is_staff=False, is_superuser=False)
    return accounts if is_national_admin(actor) else accounts.filter(subtree_q(actor.region, "region__"))


def get_account_for_user(actor: User, pk: int) -> User:
    """Fetch an account and check scope in one step: 403 for non-administrators, 404 outside scope."""
    if reason := may_manage_accounts(actor):
        raise PermissionDenied(reason)
    return get_object_or_404(accounts_for_user(actor).select_related("region"), pk=pk)


def account_regions_for_user(actor: User) -> QuerySet[Region]:
    """The regions an administrator may give an account: active regions in scope."""
    if may_manage_accounts(actor):
        return Region.objects.none()
    regions = Region.objects.all() if is_national_admin(actor) else regions_for_user(actor)
    return regions.filter(is_active=True).order_by("level", "order", "code")


def provinces_overview(actor: User) -> list[dict]:
    """For the deployment's administrator: each province with its active accounts and
    administrators, so a province without an administrator stands out."""
    if not is_national_admin(actor):
        raise PermissionDenied("只有系统管理员可以查看各省账号概况。")
    counts = {}
    for row in (
        User.objects.filter(is_active=True, is_staff=False, is_superuser=False, region__isnull=False)
        .values("region__code", "role")
        .annotate(n=Count("pk"))
    ):
        province = row["region__code"][:2]
        entry = counts.setdefault(province, {"accounts": 0, "admins": 0})
        entry["accounts"] += row["n"]
        if row["role"] == Role.ADMIN:
            entry["admins"] += row["n"]
    funds = dict(Fund.objects.values("region__code").annotate(n=Count("pk")).values_list("region__code", "n"))
    return [
        {"region": province, **counts.get(province.code[:2], {"accounts": 0, "admins": 0}),
         "funds": funds.get(province.code, 0)}
        for province in Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")
    ]  # fmt: skip


def account_search(actor: User, *, query: str = "", role: str = "", active: str = "") -> QuerySet[User]:
    """Accounts in scope matching a search over 用户名/姓名/地区, a role and an active flag."""
    accounts = accounts_for_user(actor).select_related("region")
    query = query.strip()
    if query:
        accounts = accounts.filter(
            Q(username__icontains=query)
            | Q(display_name__icontains=query)
            | Q(region__name__icontains=query)
            | Q(region__short_name__icontains=query)
            | Q(region__code__startswith=query)
        )
    if role in Role.values:
        accounts = accounts.filter(role=role)
    if active in ("1", "0"):
        accounts = accounts.filter(is_active=active == "1")
    return accounts.order_by("region__level", "region__order", "region__code", "role", "username")


# --- writes -------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if reason := may_manage_accounts(actor):
        raise PermissionDenied(reason)


def check_region_and_role(*, actor: User, region: Region, role: str) -> None:
    """The region is in the administrator's scope and the role fits its level (module doc)."""
    errors = {}
    if region is None or not account_regions_for_user(actor).filter(pk=region.pk).exists():
        errors["region"] = "只能选择本地区及下级地区。"
    if role not in Role.values:
        errors["role"] = "请选择有效的角色。"
    elif role == Role.MINISTRY:
        errors["role"] = "中央部委账号不属于任何地区，由系统管理员在管理后台创建。"
    elif region is not None and role in ROLES_NEEDING_SUBORDINATES and region.level >= Region.Level.COUNTY:
        errors["role"] = f"{Role(role).label}只能设在省级或地市级，县级和预算单位请设填报员或查阅。"
    if errors:
        raise ValidationError(errors)


def _check_in_scope(*, actor: User, user: User) -> None:
    if not accounts_for_user(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("该账号不在您的管理范围内。")


def _region_label(region: Region | None) -> str:
    return f"{region.code} {region.name}" if region is not None else ""


def _snapshot(user: User) -> dict[str, str]:
    """The audited fields as text, so the trail reads without joins."""
    return {
        "display_name": user.display_name,
        "region": _region_label(user.region),
        "role": Role(user.role).label,
        "phone": user.phone,
        "email": user.email,
        "is_active": "启用" if user.is_active else "停用",
    }


def chinese_password_errors(error: ValidationError) -> ValidationError:
    """Django 5.2 ships no Chinese text for the minimum-length rule; every other rule has one."""
    messages = []
    for item in error.error_list:
        if item.code == "password_too_short":
            messages.append(
                ValidationError(
                    "密码太短，至少需要 %(min_length)d 个字符。", code=item.code, params=item.params
                )
            )
        else:
            messages.append(item)
    return ValidationError(messages)


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": chinese_password_errors(exc).error_list}) from None


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    region: Region,
    role: str,
    password: str,
    phone: str = "",
    email: str = "",
) -> User:
    _require_admin(actor)
    check_region_and_role(actor=actor, region=region, role=role)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用。"})
    user = User(
        username=username,
        display_name=display_name.strip(),
        region=region,
        role=role,
        phone=phone.strip(),
        email=email.strip(),
        is_active=True,
    )
    _validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    new = _snapshot(user)
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        summary=f"新建账号 {user.username}（{user.display_name or '未填姓名'}，{region.name}，{new['role']}）",
        region=region,
        changes={name: ["", value] for name, value in new.items() if value}
        | {"username": ["", user.username], "password": ["", "已设置"]},
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    display_name: str,
    region: Region,
    role: str,
    phone: str = "",
    email: str = "",
    password: str = "",
) -> User:
    """Change an account's details; a non-empty ``password`` resets the password."""
    _require_admin(actor)
    _check_in_scope(actor=actor, user=user)
    if user.pk == actor.pk and (region.pk != user.region_id or role != user.role):
        raise ValidationError("不能修改自己的角色或所属地区，请联系上级管理员。")
    check_region_and_role(actor=actor, region=region, role=role)
    old = _snapshot(user)
    user.display_name = display_name.strip()
    user.region = region
    user.role = role
    user.phone = phone.strip()
    user.email = email.strip()
    fields = ["display_name", "region", "role", "phone", "email"]
    if password:
        _validate_password(password, user)
        user.set_password(password)
        fields.append("password")
    user.full_clean()
    new = _snapshot(user)
    changes = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
    if password:
        changes["password"] = ["", PASSWORD_RESET_MARK]
    if not changes:
        return user
    user.save(update_fields=fields)
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        summary=f"修改账号 {user.username}：" + "、".join(_FIELD_LABELS[name] for name in changes),
        region=region,
        changes=changes,
    )
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, is_active: bool) -> User:
    """Enable or disable an account. A disabled account cannot sign in; its history stays."""
    _require_admin(actor)
    _check_in_scope(actor=actor, user=user)
    if user.pk == actor.pk:
        raise ValidationError("不能停用或启用自己的账号。")
    if user.is_active == is_active:
        return user
    old = _snapshot(user)["is_active"]
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    new = _snapshot(user)["is_active"]
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        summary=f"{new}账号 {user.username}",
        region=user.region,
        changes={"is_active": [old, new]},
    )
    return user


@transaction.atomic
def own_details_update(*, user: User, display_name: str, phone: str = "", email: str = "") -> User:
    """Anyone changes their own name, phone and e-mail (not their role or region)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("请先登录。")
    old = _snapshot(user)
    user.display_name = display_name.strip()
    user.phone = phone.strip()
    user.email = email.strip()
    user.full_clean(exclude=["password"])
    new = _snapshot(user)
    changes = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
    if not changes:
        return user
    user.save(update_fields=["display_name", "phone", "email"])
    AuditEvent.objects.record(
        actor=user,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        summary=f"{user.username} 修改本人账号信息：" + "、".join(_FIELD_LABELS[name] for name in changes),
        region=user.region,
        changes=changes,
    )
    return user


@transaction.atomic
def own_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Anyone changes their own password, knowing the current one; the rules of
    AUTH_PASSWORD_VALIDATORS apply. The audit records that it changed, never the password."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("请先登录。")
    if not user.check_password(old_password):
        raise ValidationError({"old_password": "当前密码不正确，请重新输入。"})
    if old_password == new_password:
        raise ValidationError({"password": "新密码不能与当前密码相同。"})
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    AuditEvent.objects.record(
        actor=user,
        action=AuditEvent.Action.ACCOUNT,
        obj=user,
        summary=f"{user.username} 修改本人密码",
        region=user.region,
        changes={"password": ["", PASSWORD_CHANGED_MARK]},
    )
    return user


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts are locked out by too many wrong passwords (django-axes)."""
    from axes.models import AccessAttempt

    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Lift the lockout of an account after too many wrong passwords; audited."""
    from axes.utils import reset

    _require_admin(actor)
    _check_in_scope(actor=actor, user=user)
    count = reset(username=user.username)
    if count:
        AuditEvent.objects.record(
            actor=actor,
            action=AuditEvent.Action.ACCOUNT,
            obj=user,
            summary=f"解除账号 {user.username} 的登录锁定",
            region=user.region,
            changes={"locked": ["已锁定", "未锁定"]},
        )
    return count


_FIELD_LABELS = {
    "display_name": "姓名",
    "region": "所属地区",
    "role": "角色",
    "phone": "电话",
    "email": "电子邮箱",
    "is_active": "状态",
    "password": "密码",
}
