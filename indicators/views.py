"""Entering, reviewing and approving returns. Every view starts from a region-scoped selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from evalportal.text import MAX_TEXT
from indicators import rules
from indicators.checks import fund_findings, return_findings
from indicators.forms import ReasonForm, ReturnForm, SendBackForm
from indicators.models import Period
from indicators.rollups import return_rollup
from indicators.selectors import changes_since_approval, get_return_for_user, return_history, returns_for_user
from indicators.services import (
    ChecksFailed,
    NeedsAcknowledgement,
    StaleReturnError,
    WorkflowError,
    can_edit,
    can_reopen,
    can_review,
    return_approve,
    return_fill_from_rollup,
    return_judge,
    return_open,
    return_reopen,
    return_save,
    return_send_back,
    return_submit,
    returns_approve_bulk,
)
from transfers.selectors import get_fund_for_user


@login_required
@require_POST
def return_start(request, code):
    """Open (creating if needed) the user's own return for a fund and period."""
    fund = get_fund_for_user(request.user, code)
    if request.user.is_read_only:
        raise PermissionDenied("查阅账号不能填报。")
    period = request.POST.get("period", Period.YEAR_END)
    if period not in Period.values:
        period = Period.YEAR_END
    report = return_open(fund=fund, region=request.user.region, period=period, actor=request.user)
    return redirect("indicators:edit", pk=report.pk)


def _form_context(report, form, findings=None):
    by_key: dict[str, list] = {}
    for finding in findings or []:
        by_key.setdefault(str(finding.where), []).append(finding)
    rollup = return_rollup(report) if report.region.children.exists() else None
    comments = {}
    for comment in report.comments.select_related("author", "actual").order_by("created_at"):
        comments.setdefault(comment.actual.indicator_id if comment.actual_id else None, []).append(comment)
    return {
        "report": report,
        "form": form,
        "findings": findings or [],
        "has_errors": any(f.severity == "error" for f in findings or []),
        "has_warnings": any(f.severity == "warning" for f in findings or []),
        "findings_by_key": by_key,
        "rollup": rollup,
        "comments": comments,
    }


@login_required
def return_edit(request, pk):
    report = get_return_for_user(request.user, pk)
    if not can_edit(request.user, report):
        return redirect("indicators:detail", pk=report.pk)
    if request.method != "POST":
        return render(request, "indicators/return_form.html", _form_context(report, ReturnForm(report)))

    form = ReturnForm(report, request.POST)
    if not form.is_valid():
        messages.error(request, "有填写不正确的地方，请按红色提示修改（其余内容未丢失，尚未保存）。")
        return render(request, "indicators/return_form.html", _form_context(report, form))
    try:
        return_save(
            report=report,
            actor=request.user,
            base_version=form.cleaned_data["base_version"],
            data=form.to_input(),
        )
    except StaleReturnError as exc:
        messages.error(request, str(exc))
        return render(request, "indicators/return_form.html", _form_context(report, form), status=409)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("indicators:detail", pk=report.pk)

    if "submit" not in request.POST:
        messages.success(request, "已保存草稿。")
        return redirect("indicators:edit", pk=report.pk)
    try:
        return_submit(
            report=report, actor=request.user, acknowledge_warnings=form.cleaned_data["acknowledge"]
        )
    except (ChecksFailed, NeedsAcknowledgement) as exc:
        messages.error(request, f"已保存，但尚未提交：{exc}")
        fresh = ReturnForm(report)  # saved values, with the new version
        return render(request, "indicators/return_form.html", _form_context(report, fresh, exc.findings))
    except WorkflowError as exc:  # submitted meanwhile (a second click, another tab)
        messages.error(request, str(exc))
        return redirect("indicators:detail", pk=report.pk)
    messages.success(request, "已提交，等待上级审核。")
    return redirect("indicators:detail", pk=report.pk)


@login_required
def return_detail(request, pk):
    report = get_return_for_user(request.user, pk)
    lines = [
        (
            actual,
            rules.evaluate(actual.indicator.target_text, actual.actual_text, judged_met=actual.judged_met),
        )
        for actual in report.actuals.select_related("indicator").order_by("indicator__order")
    ]
    funding = [(line, rules.execution_rate(line.spent, line.budget)) for line in report.funding_lines()]
    context = _form_context(report, None, return_findings(report))
    context.update(
        {
            "lines": lines,
            "funding": funding,
            "narratives": report.narratives.all(),
            "history": return_history(report),
            "since_approval": changes_since_approval(report),
            "can_edit": can_edit(request.user, report),
            "can_review": can_review(request.user, report),
            "can_reopen": can_reopen(request.user, report),
            "send_back_form": SendBackForm(),
            "reason_form": ReasonForm(),
        }
    )
    return render(request, "indicators/return_detail.html", context)


def _perform(request, report, step, success: str):
    """Run one workflow step; say what happened or why it could not, and go back to the return."""
    try:
        step()
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("indicators:detail", pk=report.pk)


def _too_long(request, texts) -> bool:
    """Review comments longer than a spreadsheet cell are refused, with the limit."""
    longest = max((len(text) for text in texts), default=0)
    if longest > MAX_TEXT:
        messages.error(
            request,
            f"意见过长：最多{MAX_TEXT}字（电子表格一个单元格的上限），现在有{longest}字。未作任何修改。",
        )
        return True
    return False


def _judgements(post) -> dict[int, bool | None]:
    """The reviewer's 认定 choices posted with the review form: judge-<actual id> = 1, 0 or ''."""
    values = {"1": True, "0": False, "": None}
    return {
        int(key.removeprefix("judge-")): values[value]
        for key, value in post.items()
        if key.startswith("judge-") and key.removeprefix("judge-").isdigit() and value in values
    }


def _apply_judgements(request, report) -> bool:
    judgements = _judgements(request.POST)
    if not judgements:
        return True
    try:
        return_judge(report=report, actor=request.user, judgements=judgements)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return False
    return True


@login_required
@require_POST
def return_send_back_view(request, pk):
    report = get_return_for_user(request.user, pk, for_edit=True)
    if not _apply_judgements(request, report):
        return redirect("indicators:detail", pk=report.pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "退回必须填写退回原因。")
        return redirect("indicators:detail", pk=report.pk)
    line_comments = {
        int(key.removeprefix("comment-")): value
        for key, value in request.POST.items()
        if key.startswith("comment-") and key.removeprefix("comment-").isdigit()
    }
    if _too_long(request, line_comments.values()):
        return redirect("indicators:detail", pk=report.pk)
    return _perform(
        request,
        report,
        lambda: return_send_back(
            report=report, actor=request.user, reason=form.cleaned_data["reason"], line_comments=line_comments
        ),
        f"已退回{report.region.name}修改。",
    )


@login_required
@require_POST
def return_approve_view(request, pk):
    report = get_return_for_user(request.user, pk, for_edit=True)
    if _too_long(request, [request.POST.get("comment", "")]) or not _apply_judgements(request, report):
        return redirect("indicators:detail", pk=report.pk)
    return _perform(
        request,
        report,
        lambda: return_approve(report=report, actor=request.user, comment=request.POST.get("comment", "")),
        f"{report.region.name}的填报已审核通过。",
    )


@login_required
@require_POST
def returns_bulk_approve(request):
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    reports = list(returns_for_user(request.user).filter(pk__in=ids).select_related("region", "fund"))
    if request.user.is_read_only:
        raise PermissionDenied("查阅账号不能审核。")
    approved, skipped = returns_approve_bulk(reports=reports, actor=request.user)
    if approved:
        messages.success(request, f"已审核通过{len(approved)}份填报。")
    for reason in skipped:
        messages.warning(request, reason)
    if not ids:
        messages.warning(request, "请先勾选要审核通过的填报。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


@login_required
@require_POST
def return_reopen_view(request, pk):
    report = get_return_for_user(request.user, pk, for_edit=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "重新打开必须填写原因。")
        return redirect("indicators:detail", pk=report.pk)
    return _perform(
        request,
        report,
        lambda: return_reopen(report=report, actor=request.user, reason=form.cleaned_data["reason"]),
        f"已重新打开{report.region.name}的填报。",
    )


@login_required
@require_POST
def return_rollup_view(request, pk):
    report = get_return_for_user(request.user, pk, for_edit=True)
    try:
        changes = return_fill_from_rollup(report=report, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已按下级审核通过的数据汇总，更新{len(changes)}项。" if changes else "汇总值与当前数据一致。",
        )
    return redirect("indicators:edit", pk=report.pk)


@login_required
@require_GET
def rate_preview(request):
    """完成率 and 偏差率 for what is being typed (no data is read: pure arithmetic)."""
    actual = request.GET.get("actual", "").strip()
    if not actual:
        return HttpResponse('<span class="text-muted small" data-explain="0">—</span>')
    return HttpResponse(_rate_html(rules.evaluate(request.GET.get("target", ""), actual)))


def _rate_html(evaluation) -> str:
    if evaluation.error:
        return format_html('<span class="text-danger small" data-explain="0">{}</span>', evaluation.error)
    if evaluation.completion_rate is None:
        if evaluation.met is None and evaluation.actual is not None:
            return format_html('<span class="text-muted small" data-explain="0">{}</span>', "需审核人认定")
        return format_html('<span class="text-muted small" data-explain="0">{}</span>', "—")
    css = "text-success" if evaluation.met and not evaluation.over_achieved else "text-danger"
    flag = "1" if evaluation.needs_explanation else "0"
    return format_html(
        '<span class="{} small num" data-explain="{}">完成率 {}%<br>偏差率 {}%</span>',
        css,
        flag,
        evaluation.completion_rate,
        evaluation.deviation_rate,
    )


@login_required
@require_GET
def execution_rate_preview(request):
    try:
        rate = rules.execution_rate(request.GET.get("spent") or None, request.GET.get("budget") or None)
    except (ValueError, TypeError, ArithmeticError):
        return HttpResponse('<span class="text-danger small">请输入数字</span>')
    return HttpResponse("" if rate is None else format_html('<span class="num">{}%</span>', rate))


@login_required
def fund_checks(request, code):
    """All findings for the returns directly below the user's region, for one fund."""
    fund = get_fund_for_user(request.user, code)
    period = request.GET.get("period", Period.YEAR_END)
    if period not in Period.values:
        period = Period.YEAR_END
    findings = fund_findings(fund, request.user.region, period)
    context = {"fund": fund, "period": Period(period), "findings": findings, "region": request.user.region}
    return render(request, "indicators/fund_checks.html", context)
