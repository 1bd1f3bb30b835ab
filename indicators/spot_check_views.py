"""The spot re-check page of a fund (/funds/<code>/spot-checks/): the province's draws with their
seed, share and lists, a draw form, and per drawn return who re-checks it and what was found.
Who may do what: indicators.permissions (may_*_spot_check); the writes: indicators.spot_checks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from indicators.permissions import (
    may_assign_spot_check,
    may_draw_spot_check,
    may_record_spot_check,
    may_view_spot_checks,
)
from indicators.services import WorkflowError
from indicators.spot_check_forms import AssignForm, DrawForm, FindingForm
from indicators.spot_checks import (
    get_spot_check,
    spot_check_assign,
    spot_check_assignees,
    spot_check_draw,
    spot_check_population,
    spot_check_record,
    spot_draws,
)
from transfers.models import Fund
from transfers.selectors import get_fund_for_user


def _fund(request, code: str) -> Fund:
    fund = get_fund_for_user(request.user, code)
    if reason := may_view_spot_checks(request.user, fund):
        raise PermissionDenied(reason)
    return fund


def _page(request, fund: Fund, *, draw_form: DrawForm | None = None, failed=None, status: int = 200):
    """The page; ``failed`` is (check pk, kind, bound form) of a check's form that was refused,
    shown again with what was typed."""
    assignees = spot_check_assignees(fund)
    draws = spot_draws(fund)
    for draw in draws:
        for check in draw.rows:
            check.assign_form = AssignForm(
                prefix=f"assign-{check.pk}", assignees=assignees, initial={"assignee": check.assignee_id}
            )
            check.finding_form = FindingForm(prefix=f"find-{check.pk}")
            if failed and failed[0] == check.pk:
                setattr(check, f"{failed[1]}_form", failed[2])
    context = {
        "fund": fund,
        "draws": draws,
        "population": spot_check_population(fund).count(),
        "draw_form": draw_form or DrawForm(),
        "can_draw": may_draw_spot_check(request.user, fund) is None,
    }
    return render(request, "indicators/setup/spot_checks.html", context, status=status)


@login_required
@require_GET
def spot_check_list(request, code: str):
    return _page(request, _fund(request, code))


@login_required
@require_POST
def spot_check_draw_view(request, code: str):
    fund = _fund(request, code)
    if reason := may_draw_spot_check(request.user, fund):
        raise PermissionDenied(reason)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            draw = spot_check_draw(
                fund=fund, actor=request.user, share=form.share, seed=form.cleaned_data["seed"]
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"已从{len(draw.population_ids)}份已审核县级填报中抽取{len(draw.drawn_ids)}份（随机种子 {draw.seed}）。",
            )
            return redirect("setup:spot_checks", code=fund.code)
    return _page(request, fund, draw_form=form)


@login_required
@require_POST
def spot_check_assign_view(request, code: str, pk: int):
    fund = _fund(request, code)
    check = get_spot_check(fund, pk)
    if reason := may_assign_spot_check(request.user, check):
        raise PermissionDenied(reason)
    form = AssignForm(request.POST, prefix=f"assign-{pk}", assignees=spot_check_assignees(fund))
    if form.is_valid():
        try:
            spot_check_assign(check=check, actor=request.user, assignee=form.cleaned_data["assignee"])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已分派{check.ret.region.name}的复核。")
            return redirect("setup:spot_checks", code=fund.code)
    return _page(request, fund, failed=(pk, "assign", form))


@login_required
@require_POST
def spot_check_record_view(request, code: str, pk: int):
    fund = _fund(request, code)
    check = get_spot_check(fund, pk)
    if reason := may_record_spot_check(request.user, check):
        raise PermissionDenied(reason)
    form = FindingForm(request.POST, prefix=f"find-{pk}")
    if form.is_valid():
        finding = form.cleaned_data["finding"]
        if reason := may_record_spot_check(request.user, check, finding):
            raise PermissionDenied(reason)
        try:
            spot_check_record(
                check=check, actor=request.user, finding=finding, text=form.cleaned_data["text"]
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            done = "，填报已重新打开" if finding == "需整改" else ""
            messages.success(request, f"已记录{check.ret.region.name}的复核结论：{finding}{done}。")
            return redirect("setup:spot_checks", code=fund.code)
    return _page(request, fund, failed=(pk, "finding", form))
