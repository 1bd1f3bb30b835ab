"""Fund setup pages: the province administrator records the province's funds and notices in the
portal, not in the Django admin (indicators.permissions.may_set_up_funds). Everyone else with
a region sees the list read-only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from indicators.permissions import may_set_up_funds
from transfers.fund_forms import FundForm, NoticeForm
from transfers.selectors import funds_for_user, get_fund_for_user, notices_for_user, province_of
from transfers.services import fund_save, notice_edit, notice_save


def _errors_into(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
def fund_list(request):
    user = request.user
    if user.region_id is None:
        raise PermissionDenied("您的账号没有绑定地区，请联系管理员。")
    funds = funds_for_user(user).annotate(allocation_count=Count("allocations", distinct=True))
    context = {
        "province": province_of(user.region),
        "funds": funds,
        "notice_count": notices_for_user(user).count(),
        "can_set_up": may_set_up_funds(user) is None,
    }
    return render(request, "indicators/setup/funds.html", context)


def _fund_values(form) -> dict:
    data = form.cleaned_data
    names = [
        "name",
        "direction",
        "batch",
        "year",
        "central_department",
        "finance_department",
        "line_department",
    ]
    return {name: data[name] for name in names}


@login_required
@require_http_methods(["GET", "POST"])
def fund_create(request):
    if reason := may_set_up_funds(request.user):
        raise PermissionDenied(reason)
    province = request.user.region
    initial = {"year": timezone.localdate().year, "line_department": f"{province.name}民政厅"}
    form = FundForm(request.POST or None, province=province, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            fund, _ = fund_save(
                actor=request.user, code=form.cleaned_data["code"], region=province, **_fund_values(form)
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, f"已登记资金：{fund.year}年{fund.full_name}。")
            return redirect("setup:funds")
    return render(
        request, "indicators/setup/fund_form.html", {"form": form, "fund": None, "province": province}
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_edit(request, code: str):
    fund = get_fund_for_user(request.user, code)
    if reason := may_set_up_funds(request.user, fund):
        raise PermissionDenied(reason)
    form = FundForm(request.POST or None, province=fund.region, fund=fund)
    if request.method == "POST" and form.is_valid():
        try:
            _, changes = fund_save(
                actor=request.user, code=fund.code, region=fund.region, **_fund_values(form)
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, "已保存。" if changes else "没有修改。")
            return redirect("setup:funds")
    return render(
        request, "indicators/setup/fund_form.html", {"form": form, "fund": fund, "province": fund.region}
    )


@login_required
def notice_list(request):
    user = request.user
    if user.region_id is None:
        raise PermissionDenied("您的账号没有绑定地区，请联系管理员。")
    notices = (
        notices_for_user(user)
        .annotate(allocation_count=Count("allocations"))
        .order_by("-issued_on", "number")
    )
    context = {
        "province": province_of(user.region),
        "notices": notices,
        "can_set_up": may_set_up_funds(user) is None,
    }
    return render(request, "indicators/setup/notices.html", context)


def _notice_values(form) -> dict:
    data = form.cleaned_data
    issued_on, month_only = data["issued"]
    return {
        "number": data["number"],
        "title": data["title"],
        "issuer": data["issuer"].strip(),
        "issued_on": issued_on,
        "issued_month_only": month_only,
        "note": data["note"].strip(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def notice_create(request):
    if reason := may_set_up_funds(request.user):
        raise PermissionDenied(reason)
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice, _ = notice_save(
                actor=request.user, province=request.user.region, new=True, **_notice_values(form)
            )
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, f"已登记文件：{notice}。")
            return redirect("setup:notices")
    return render(request, "indicators/setup/notice_form.html", {"form": form, "notice": None})


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit_view(request, pk: int):
    notice = get_object_or_404(notices_for_user(request.user), pk=pk)
    if reason := may_set_up_funds(request.user):
        raise PermissionDenied(reason)
    form = NoticeForm(request.POST or None, notice=notice)
    if request.method == "POST" and form.is_valid():
        try:
            changes = notice_edit(actor=request.user, notice=notice, **_notice_values(form))
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, "已保存。" if changes else "没有修改。")
            return redirect("setup:notices")
    return render(request, "indicators/setup/notice_form.html", {"form": form, "notice": notice})
