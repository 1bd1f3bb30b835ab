"""Fund setup pages: the province administrator records the province's funds and notices in the
portal, not in the Django admin (indicators.permissions.may_set_up_funds). Everyone else with
a region sees the list read-only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from common.forms import errors_into
from common.paging import filters_query, search_text
from indicators.forms import MonitoringPlanForm
from indicators.models import TargetTable
from indicators.permissions import may_set_monitoring_plan, may_set_up_funds
from indicators.project_forms import ProjectTableForm
from indicators.selectors import STATUS_LABELS, midyear_returns_sent, monitoring_plan, table_comparison
from indicators.services import (
    WorkflowError,
    fund_copy,
    fund_received_set,
    monitoring_plan_save,
    project_parent_table,
    project_set_up,
    project_table_set,
)
from transfers.budgets import FundBudgets
from transfers.fund_forms import FundCopyForm, FundForm, NoticeForm, ProjectForm, ReceivedForm
from transfers.models import Fund, Project
from transfers.selectors import (
    funds_for_user,
    get_fund_for_user,
    notices_for_user,
    project_regions_for_user,
    province_of,
    region_received,
    regions_for_user,
    years_of,
)
from transfers.services import fund_save, notice_edit, notice_save

NOTICES_PAGE_ROWS = 50  # notices a page of 下达文件 lists


@login_required
def fund_list(request):
    user = request.user
    if user.region_id is None:
        raise PermissionDenied("您的账号没有绑定地区，请联系管理员。")
    # One year at a time, the latest first: a province registers every year's funds again.
    year, years = years_of(funds_for_user(user), request.GET.get("year"))
    funds = (
        funds_for_user(user).filter(year=year).annotate(allocation_count=Count("allocations", distinct=True))
    )
    context = {
        "province": province_of(user.region),
        "funds": funds,
        "year": year,
        "years": years,
        "notice_count": notices_for_user(user).count(),
        "can_set_up": may_set_up_funds(user) is None,
    }
    return render(request, "indicators/setup/funds.html", context)


def _back_to_funds(fund: Fund):
    """Back to the list of funds, at the year of ``fund`` (the list shows one year at a time)."""
    return redirect(f"{reverse('setup:funds')}?year={fund.year}")


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
        "central",
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
            errors_into(form, exc)
        else:
            messages.success(request, f"已登记资金：{fund.year}年{fund.full_name}。")
            return _back_to_funds(fund)
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
            saved, changes = fund_save(
                actor=request.user, code=fund.code, region=fund.region, **_fund_values(form)
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, "已保存。" if changes else "没有修改。")
            return _back_to_funds(saved)  # at its year, which the edit may have changed
    return render(
        request, "indicators/setup/fund_form.html", {"form": form, "fund": fund, "province": fund.region}
    )


@login_required
def notice_list(request):
    user = request.user
    if user.region_id is None:
        raise PermissionDenied("您的账号没有绑定地区，请联系管理员。")
    # 50 a page, latest first, found by 文号, 标题 or 发文机关: four notices a fund, every year.
    search = search_text(request)
    notices = notices_for_user(user)
    if search:
        notices = notices.filter(
            Q(number__contains=search) | Q(title__contains=search) | Q(issuer__contains=search)
        )
    # Latest first, a notice without a date last on any database (PostgreSQL puts NULL first).
    latest = F("issued_on").desc(nulls_last=True)
    notices = notices.annotate(allocation_count=Count("allocations")).order_by(latest, "number", "pk")
    page = Paginator(notices, NOTICES_PAGE_ROWS).get_page(request.GET.get("page"))
    context = {
        "province": province_of(user.region),
        "notices": page.object_list,
        "page": page,
        "search": search,
        "query": filters_query(request),
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
            errors_into(form, exc)
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
            errors_into(form, exc)
        else:
            messages.success(request, "已保存。" if changes else "没有修改。")
            return redirect("setup:notices")
    return render(request, "indicators/setup/notice_form.html", {"form": form, "notice": notice})


# --- what the centre sent ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def fund_received(request, code: str):
    """The lines of money the centre sent the province for the fund, and a form to add or
    change one (the same notice, 下达方式 and 资金来源 is the same line)."""
    fund = _fund_to_set_up(request, code)
    form = ReceivedForm(request.POST or None, notices=notices_for_user(request.user).order_by("-issued_on"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = fund_received_set(
                actor=request.user, fund=fund, notice=data["notice"], kind=data["kind"],
                source=data["source"], amount=data["amount"],
            )  # fmt: skip
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, "已保存。" if changed else "没有修改。")
            return redirect("setup:received", code=fund.code)
    received = region_received(fund, fund.region)  # the province's budget, by the one rule
    context = {"fund": fund, "form": form, "lines": received.allocations, "total": received.total}
    return render(request, "indicators/setup/received.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_plan_view(request, code: str):
    """How the fund is monitored mid-year: the cut-off month and the yellow band. Everyone of
    the province reads it; its administrator changes it (may_set_monitoring_plan)."""
    fund = get_fund_for_user(request.user, code)
    refusal = may_set_monitoring_plan(request.user, fund)
    plan = monitoring_plan(fund)
    if request.method == "POST" and refusal:
        raise PermissionDenied(refusal)
    initial = {"through_month": plan.through_month, "yellow_from": plan.yellow_from}
    form = MonitoringPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = monitoring_plan_save(
                actor=request.user,
                fund=fund,
                through_month=data["through_month"],
                yellow_from=data["yellow_from"],
            )
        except ValidationError as exc:
            errors_into(form, exc)
        except WorkflowError as exc:
            raise PermissionDenied(str(exc)) from exc
        else:
            messages.success(request, "已保存。" if changed else "没有修改。")
            return redirect("setup:monitoring", code=fund.code)
    context = {
        "fund": fund,
        "plan": plan,
        "form": form,
        "refusal": refusal,
        "sent": midyear_returns_sent(fund),
    }
    return render(request, "indicators/setup/monitoring.html", context)


# --- projects -----------------------------------------------------------------------------------


def _fund_to_set_up(request, code: str) -> Fund:
    fund = get_fund_for_user(request.user, code)
    if reason := may_set_up_funds(request.user, fund):
        raise PermissionDenied(reason)
    return fund


@login_required
def project_list(request, code: str):
    fund = get_fund_for_user(request.user, code)
    projects = list(
        Project.objects.filter(fund=fund, region__in=regions_for_user(request.user))
        .select_related("region__parent")
        .annotate(indicator_count=Count("target_tables__indicators"))
        .order_by("region__code", "order", "name")
    )
    budgets = FundBudgets.build(fund, fund.region)  # what each project received, as everywhere
    for project in projects:
        project.budget = budgets.of(budgets.tree.nodes[("p", project.pk)]).total
    context = {"fund": fund, "projects": projects, "can_set_up": may_set_up_funds(request.user, fund) is None}
    return render(request, "indicators/setup/projects.html", context)


def _project_form_page(request, fund: Fund, project: Project | None):
    regions = project_regions_for_user(request.user)
    form = ProjectForm(request.POST or None, fund=fund, regions=regions, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = project_set_up(
                actor=request.user, fund=fund, project=project, region=data["region"], name=data["name"],
                notice=data["notice"], amount=data["amount"], source=data["source"],
            )  # fmt: skip
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, f"已保存项目：{saved.name}。")
            return redirect("setup:project_table", code=fund.code, pk=saved.pk)
    return render(
        request, "indicators/setup/project_form.html", {"form": form, "fund": fund, "project": project}
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request, code: str):
    return _project_form_page(request, _fund_to_set_up(request, code), None)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, code: str, pk: int):
    fund = _fund_to_set_up(request, code)
    project = get_object_or_404(Project.objects.filter(fund=fund).select_related("region"), pk=pk)
    return _project_form_page(request, fund, project)


@login_required
@require_http_methods(["GET", "POST"])
def project_table(request, code: str, pk: int):
    fund = _fund_to_set_up(request, code)
    project = get_object_or_404(Project.objects.filter(fund=fund).select_related("region__parent"), pk=pk)
    parent = project_parent_table(project)
    table = TargetTable.objects.filter(fund=fund, project=project).first()
    current = list(table.indicators.all()) if table else []
    parents = list(parent.indicators.all()) if parent else []
    form = ProjectTableForm(
        request.POST or None, parents=parents, current=current, goals=table.overall_goals if table else ""
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project_table_set(
                actor=request.user, project=project, keep=data["keep"], remove_own=data["remove_own"],
                add=data["add"], goals=data["goals"],
            )  # fmt: skip
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, f"已保存{project.name}的绩效目标表。")
            return redirect("setup:projects", code=fund.code)
    context = {"form": form, "fund": fund, "project": project, "parent": parent, "table": table}
    return render(request, "indicators/setup/project_table.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def fund_copy_view(request, code: str):
    source = _fund_to_set_up(request, code)
    form = FundCopyForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fund = fund_copy(
                actor=request.user, source=source, code=data["code"], year=data["year"], name=data["name"]
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(
                request,
                f"已按{source.year}年资金复制：{fund.year}年{fund.full_name}。请登记本年下达文件并导入分配表。",
            )
            return _back_to_funds(fund)
    tables = source.target_tables.count()
    context = {"form": form, "source": source, "tables": tables, "projects": source.projects.count()}
    return render(request, "indicators/setup/fund_copy.html", context)


# --- target tables, each beside the table above it ------------------------------------------------


@login_required
def table_list(request, code: str):
    fund = get_fund_for_user(request.user, code)
    regions = regions_for_user(request.user)
    tables = (
        TargetTable.objects.filter(fund=fund)
        .filter(Q(region__in=regions) | Q(project__region__in=regions))
        .select_related("region__parent", "project__region", "parent__region", "parent__project")
        .annotate(indicator_count=Count("indicators"))
        .order_by("project", "region__level", "region__order", "region__code", "project__name")
    )
    return render(request, "indicators/setup/tables.html", {"fund": fund, "tables": tables})


@login_required
def table_detail(request, code: str, pk: int):
    fund = get_fund_for_user(request.user, code)
    regions = regions_for_user(request.user)
    table = get_object_or_404(
        TargetTable.objects.filter(fund=fund)
        .filter(Q(region__in=regions) | Q(project__region__in=regions))
        .select_related("region", "project", "parent__region", "parent__project"),
        pk=pk,
    )
    lines = table_comparison(table)
    counts = {status: sum(1 for line in lines if line.status == status) for status in STATUS_LABELS}
    context = {"fund": fund, "table": table, "lines": lines, "counts": counts, "labels": STATUS_LABELS}
    return render(request, "indicators/setup/table_detail.html", context)
