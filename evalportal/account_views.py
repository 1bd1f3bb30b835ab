"""Account pages for administrators: list, create, edit, disable/enable.

Access rules and the reasons for them are in evalportal.accounts. Each view validates a form,
calls one service and redirects; a ValidationError from the service lands on the form.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.paging import filters_query
from evalportal.account_forms import (
    AccountCreateForm,
    AccountEditForm,
    AccountSearchForm,
    OwnDetailsForm,
    OwnPasswordForm,
)
from evalportal.accounts import (
    account_search,
    get_account_for_user,
    locked_usernames,
    own_details_update,
    own_password_change,
    provinces_overview,
    user_create,
    user_set_active,
    user_unlock,
    user_update,
)
from indicators.permissions import may_manage_accounts

PAGE_SIZE = 30


def admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if reason := may_manage_accounts(request.user):
            raise PermissionDenied(reason)
        return view(request, *args, **kwargs)

    return wrapper


def _service_errors_to_form(form, error: ValidationError) -> None:
    """Put a service's errors next to the fields they concern (password → password1)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field == "password":
            field = "password1"
        form.add_error(field if field in form.fields else None, errors)


@admin_required
def account_list(request):
    search = AccountSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    accounts = account_search(
        request.user,
        query=filters.get("q", ""),
        role=filters.get("role", ""),
        active=filters.get("active", ""),
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    locked = locked_usernames(account.username for account in page)
    return render(
        request,
        "evalportal/accounts/list.html",
        {"search": search, "page": page, "query": filters_query(request), "locked": locked},
    )


@admin_required
@require_POST
def account_unlock(request, pk):
    account = get_account_for_user(request.user, pk)
    try:
        count = user_unlock(actor=request.user, user=account)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            f"已解除账号 {account.username} 的登录锁定。" if count else f"账号 {account.username} 未被锁定。",
        )
    return redirect("accounts:list")


@admin_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    # ?region=650000&role=admin: prefilled from the provinces page ("新建管理员").
    initial = {name: request.GET[name] for name in ("region", "role") if request.GET.get(name)}
    form = AccountCreateForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = user_create(
                actor=request.user,
                username=data["username"],
                display_name=data["display_name"],
                region=data["region"],
                role=data["role"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
            )
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, f"已创建账号 {account.username}（{account}）。")
            return redirect("accounts:list")
    return render(request, "evalportal/accounts/form.html", {"form": form, "account": None})


@admin_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = get_account_for_user(request.user, pk)
    initial = {
        "display_name": account.display_name,
        "region": account.region_id,
        "role": account.role,
        "phone": account.phone,
        "email": account.email,
    }
    form = AccountEditForm(request.POST or None, initial=initial, actor=request.user, account=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_update(
                actor=request.user,
                user=account,
                display_name=data["display_name"],
                region=data["region"],
                role=data["role"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
            )
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, f"已保存账号 {account.username} 的修改。")
            return redirect("accounts:list")
    return render(request, "evalportal/accounts/form.html", {"form": form, "account": account})


@admin_required
@require_http_methods(["GET", "POST"])
def account_set_active(request, pk: int):
    """GET asks for confirmation; POST with is_active=0/1 disables or enables."""
    account = get_account_for_user(request.user, pk)
    if request.method == "POST":
        is_active = request.POST.get("is_active") == "1"
        try:
            user_set_active(actor=request.user, user=account, is_active=is_active)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已{'启用' if is_active else '停用'}账号 {account.username}。")
        return redirect("accounts:list")
    return render(request, "evalportal/accounts/confirm_active.html", {"account": account})


# --- one's own account: every signed-in person -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def own_account(request):
    """我的账号: one's name, phone and e-mail; the region and role, read-only."""
    user = request.user
    initial = {"display_name": user.display_name, "phone": user.phone, "email": user.email}
    form = OwnDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            own_details_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
        else:
            messages.success(request, "已保存您的账号信息。")
            return redirect("own_account")
    return render(request, "evalportal/own_account.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def own_password(request):
    """修改密码: the current password, then the new one twice; the session stays signed in."""
    form = OwnPasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            own_password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _service_errors_to_form(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改，下次登录请使用新密码。")
            return redirect("own_account")
    return render(request, "evalportal/own_password.html", {"form": form})


@login_required
def provinces(request):
    """系统管理员: every province, its accounts and administrators (a province's first
    administrator is made here, without the Django admin)."""
    return render(
        request, "evalportal/accounts/provinces.html", {"provinces": provinces_overview(request.user)}
    )
