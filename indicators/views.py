"""Entering, reviewing and approving returns. Every view starts from a region-scoped selector."""

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.paging import filters_query, search_text
from common.text import MAX_TEXT
from indicators import evidence, rules
from indicators.checks import SEVERITIES, open_items_of, return_findings
from indicators.formats import pct, wan
from indicators.forms import AttachmentForm, MonitoringForm, ReasonForm, ReturnForm, SendBackForm
from indicators.kept import CHECK_PAGE_REGIONS, KeptFindings
from indicators.ledger import FundLedger
from indicators.models import Period
from indicators.monitoring import midyear_of, midyear_review, return_monitoring
from indicators.permissions import (
    may_attach,
    may_edit_return,
    may_open_return,
    may_read_attachment,
    may_record_approval_exception,
    may_review,
    may_review_return,
    may_unlock_return,
)
from indicators.rollups import return_rollup
from indicators.selectors import (
    approval_exceptions,
    attachments_by_line,
    changes_since_approval,
    comments_of,
    get_attachment_for_user,
    get_return_for_user,
    history_of,
    lines_of,
    missing_below,
    monitoring_plan,
    narratives_of,
    previous_actuals,
    returns_for_user,
    review_queue,
    save_conflict,
)
from indicators.services import (
    ChecksFailed,
    NeedsAcknowledgement,
    StaleReturnError,
    WorkflowError,
    approval_exception_record,
    approval_exception_remove,
    attachment_add,
    attachment_remove,
    return_approve,
    return_fill_from_rollup,
    return_judge,
    return_open,
    return_reopen,
    return_save,
    return_send_back,
    return_submit,
    return_unlock,
    returns_approve_bulk,
)
from transfers.selectors import get_fund_for_user


@login_required
@require_POST
def return_start(request, code):
    """Open (creating if needed) the user's own return for a fund and period."""
    fund = get_fund_for_user(request.user, code)
    if reason := may_open_return(request.user, request.user.region):
        raise PermissionDenied(reason)
    period = request.POST.get("period", Period.YEAR_END)
    if period not in Period.values:
        period = Period.YEAR_END
    project = None
    if request.POST.get("project"):
        # Only a project of this fund run in the user's own region: the office that runs it reports.
        project = get_object_or_404(
            fund.projects.filter(region=request.user.region), pk=_int(request.POST["project"])
        )
    ret = return_open(
        fund=fund, region=request.user.region, period=period, actor=request.user, project=project
    )
    return redirect("indicators:edit", pk=ret.pk)


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _form_context(ret, form, findings=None, *, ledger: FundLedger, money=None):
    """What the form and the review page show beside the return; ``money`` the return's lines
    as the page already read them (``ledger.return_money``), so they are read once."""
    by_key: dict[str, list] = {}
    for finding in findings or []:
        by_key.setdefault(str(finding.where), []).append(finding)
    node = ledger.node_for(ret)
    rollup = return_rollup(ret, ledger=ledger) if node.children else None
    money = money if money is not None else ledger.return_money(ret)
    comments = {}
    for comment in comments_of(ret):
        comments.setdefault(comment.actual.indicator_id if comment.actual_id else None, []).append(comment)
    exceptions = approval_exceptions(ret)
    monitoring = None
    if ret.period == Period.MID_YEAR:  # the lights as saved, with the fund's months and band
        monitoring = return_monitoring(ret, money=money, plan=getattr(form, "plan", None))
    return {
        "ret": ret,
        "monitoring": monitoring,
        "form": form,
        "previous": previous_actuals(ret),  # last year's actuals, for 不低于上年 and 有所提升
        "findings": findings or [],
        "has_errors": any(f.severity == "error" for f in findings or []),
        "has_warnings": any(f.severity == "warning" for f in findings or []),
        "findings_by_key": by_key,
        "rollup": rollup,
        "comments": comments,
        "money": money,
        "missing_below": missing_below(ret, ledger=ledger, exceptions=exceptions),
        "approval_exceptions": exceptions,
        "attachments": attachments_by_line(ret),
        "attachment_form": AttachmentForm(ret, lines=getattr(form, "actual_lines", None)),
        "attachment_max_size": evidence.size_text(settings.ATTACHMENT_MAX_BYTES),
        "attachment_max_count": settings.ATTACHMENT_MAX_COUNT,
        "midyear": midyear_of(ret),  # a year-end return's mid-year lines (None otherwise)
    }


def _return_form(ret, *args, money):
    """The form of a return's period: the year-end 自评 or the mid-year 运行监控."""
    if ret.period == Period.MID_YEAR:
        return MonitoringForm(ret, *args, plan=monitoring_plan(ret.fund), money=money)
    return ReturnForm(ret, *args, money=money)


def _form_page(request, context, *, status: int = 200):
    ret = context["ret"]
    page = "monitoring_form" if ret.period == Period.MID_YEAR else "return_form"
    return render(request, f"indicators/{page}.html", context, status=status)


def _ledger(ret) -> FundLedger:
    """The money of the return's region and everything below it (one read for the page)."""
    return FundLedger(ret.fund, ret.region, ret.period)


@login_required
def return_edit(request, pk):
    ret = get_return_for_user(request.user, pk)
    if may_edit_return(request.user, ret):
        return redirect("indicators:detail", pk=ret.pk)
    ledger = _ledger(ret)
    money = ledger.return_money(ret)
    if request.method != "POST":
        form = _return_form(ret, money=money)
        return _form_page(request, _form_context(ret, form, ledger=ledger, money=money))

    form = _return_form(ret, request.POST, money=money)
    if not form.is_valid():
        messages.error(request, "有填写不正确的地方，请按红色提示修改（其余内容未丢失，尚未保存）。")
        return _form_page(request, _form_context(ret, form, ledger=ledger, money=money))
    try:
        return_save(
            ret=ret,
            actor=request.user,
            base_version=form.cleaned_data["base_version"],
            data=form.to_input(),
        )
    except StaleReturnError:
        return _save_conflict(request, ret, form)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("indicators:detail", pk=ret.pk)

    if "submit" not in request.POST:
        messages.success(request, "已保存草稿。")
        return redirect("indicators:edit", pk=ret.pk)
    try:
        return_submit(ret=ret, actor=request.user, acknowledge_warnings=form.cleaned_data["acknowledge"])
    except (ChecksFailed, NeedsAcknowledgement) as exc:
        messages.error(request, f"已保存，但尚未提交：{exc}")
        ledger = _ledger(ret)  # what was saved, with the new version
        money = ledger.return_money(ret)
        fresh = _return_form(ret, money=money)
        return _form_page(request, _form_context(ret, fresh, exc.findings, ledger=ledger, money=money))
    except WorkflowError as exc:  # submitted meanwhile (a second click, another tab)
        messages.error(request, str(exc))
        return redirect("indicators:detail", pk=ret.pk)
    messages.success(request, "已提交，等待上级审核。")
    return redirect("indicators:detail", pk=ret.pk)


def _save_conflict(request, ret, form):
    """409: my typed values beside the ones saved meanwhile. The form keeps mine and carries the
    version now saved, so saving again overwrites the other person's values knowingly."""
    ret.refresh_from_db()
    conflict = save_conflict(ret, form.to_input())
    data = request.POST.copy()
    data["base_version"] = str(conflict.version)
    ledger = _ledger(ret)
    money = ledger.return_money(ret)
    mine = _return_form(ret, data, money=money)
    context = _form_context(ret, mine, ledger=ledger, money=money) | {"conflict": conflict}
    return _form_page(request, context, status=409)


@login_required
def return_detail(request, pk):
    ret = get_return_for_user(request.user, pk)
    return render(request, "indicators/return_detail.html", _detail_context(ret))


def _detail_context(ret, *, typed_comments: dict[int, str] | None = None, send_back_form=None) -> dict:
    """The review page; ``typed_comments`` (by line id) and the form are what a refused
    send-back posted, shown again so the reviewer's words are not lost."""
    previous = previous_actuals(ret)
    lines = [
        (
            actual,
            rules.evaluate(
                actual.indicator.target_text,
                actual.actual_text,
                judged_met=actual.judged_met,
                previous=previous.get(actual.indicator.name),
                denominator=actual.denominator,
            ),
        )
        for actual in lines_of(ret)
    ]
    ledger = _ledger(ret)
    money = ledger.return_money(ret)
    findings = return_findings(ret, money=money, lag_reasons=ledger.lag_reasons(ret))
    context = _form_context(ret, None, findings, ledger=ledger, money=money)
    history = history_of(ret)  # the page's trail, and what changed since the approval
    context.update(
        {
            "lines": lines,
            "narratives": narratives_of(ret),
            "history": history,
            "since_approval": changes_since_approval(ret, history),
            "send_back_form": send_back_form or SendBackForm(),
            "reason_form": ReasonForm(),
            "typed_comments": typed_comments or {},
            "midyear_review": midyear_review(context["midyear"], lines),
        }
    )
    return context


def _perform(request, ret, step, success: str, *, back=None, refused: str = ""):
    """Run one workflow step; say what happened or why it could not (after ``refused``), and go
    back to the return (its detail, or ``back``)."""
    try:
        step()
    except WorkflowError as exc:
        messages.error(request, f"{refused}{exc}")
    else:
        messages.success(request, success)
    return back or redirect("indicators:detail", pk=ret.pk)


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


def _apply_judgements(request, ret) -> bool:
    judgements = _judgements(request.POST)
    if not judgements:
        return True
    try:
        return_judge(ret=ret, actor=request.user, judgements=judgements)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return False
    return True


@login_required
@require_POST
def return_send_back_view(request, pk):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    if not _apply_judgements(request, ret):
        return redirect("indicators:detail", pk=ret.pk)
    form = SendBackForm(request.POST)
    line_comments = {
        int(key.removeprefix("comment-")): value
        for key, value in request.POST.items()
        if key.startswith("comment-") and key.removeprefix("comment-").isdigit()
    }
    if not form.is_valid() or _too_long(request, line_comments.values()):
        if refusal := may_review_return(request.user, ret):  # nothing to keep for who may not review
            raise PermissionDenied(refusal)
        if "reason" in form.errors:
            messages.error(request, f"{form.errors['reason'][0]}逐项意见已保留，尚未退回。")
        # Re-rendered, not redirected: the line comments typed are shown again in their boxes.
        context = _detail_context(ret, typed_comments=line_comments, send_back_form=form)
        return render(request, "indicators/return_detail.html", context, status=400)
    return _perform(
        request,
        ret,
        lambda: return_send_back(
            ret=ret, actor=request.user, reason=form.cleaned_data["reason"], line_comments=line_comments
        ),
        f"已退回{ret.region.name}修改。",
    )


@login_required
@require_POST
def return_approve_view(request, pk):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    if _too_long(request, [request.POST.get("comment", "")]) or not _apply_judgements(request, ret):
        return redirect("indicators:detail", pk=ret.pk)
    return _perform(
        request,
        ret,
        lambda: return_approve(ret=ret, actor=request.user, comment=request.POST.get("comment", "")),
        f"{ret.region.name}的填报已审核通过。",
    )


def _ids(values) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


@login_required
@require_http_methods(["GET", "POST"])
def returns_bulk_confirm(request):
    """确认批量审核: the returns ticked in the review queue, each with what is still open.

    Only returns waiting for this reviewer are listed (another region's ids fall away); a
    return without open items is ticked already, one with open items only by an explicit
    仍然通过. Nothing is written here: the page posts to ``returns_bulk_approve``.
    """
    if reason := may_review(request.user):
        raise PermissionDenied(reason)
    params = request.POST if request.method == "POST" else request.GET
    # Back to the page the returns were ticked on (the home page, or a page of 待我审核).
    back = _way_back(request, params.get("back", ""))
    ids = _ids(params.getlist("ids"))
    if not ids:
        messages.warning(request, "请先勾选要审核通过的填报。")
        return redirect(back)
    queue = list(review_queue(request.user).filter(pk__in=ids))
    states = open_items_of(queue)
    context = {
        "back": back,
        "clean": [s for s in states if not s.items and not s.errors],
        "open": [s for s in states if s.items and not s.errors],
        "blocked": [s for s in states if s.errors],
        "left_out": len(set(ids)) - len(states),
    }
    return render(request, "indicators/bulk_confirm.html", context)


@login_required
@require_POST
def returns_bulk_approve(request):
    """Approve what the confirmation page sent: ``ids`` (returns without open items) and
    ``confirm`` (returns with open items the reviewer ticked 仍然通过)."""
    if reason := may_review(request.user):
        raise PermissionDenied(reason)
    confirmed = set(_ids(request.POST.getlist("confirm")))
    ids = set(_ids(request.POST.getlist("ids"))) | confirmed
    returns = list(
        returns_for_user(request.user)
        .filter(pk__in=ids)
        .select_related("region__parent", "fund", "project")
        .order_by("region__code", "pk")
    )
    approved, skipped = returns_approve_bulk(returns=returns, actor=request.user, confirmed_open=confirmed)
    if approved:
        names = "、".join(
            f"{r.region.name}·{r.project.name}" if r.project_id else r.region.name for r in approved
        )
        messages.success(request, f"已审核通过{len(approved)}份填报：{names}。")
    for reason in skipped:
        messages.warning(request, reason)
    if not ids:
        messages.warning(request, "请先勾选要审核通过的填报。")
    return redirect(_way_back(request, request.POST.get("next", "")))


def _way_back(request, url: str) -> str:
    """``url`` where it is a page of this site, else the home page: a page the person came from,
    never another site."""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("home")


@login_required
@require_POST
def return_reopen_view(request, pk):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "重新打开必须填写原因。")
        return redirect("indicators:detail", pk=ret.pk)
    return _perform(
        request,
        ret,
        lambda: return_reopen(ret=ret, actor=request.user, reason=form.cleaned_data["reason"]),
        f"已重新打开{ret.region.name}的填报。",
    )


def _back_to_return(request, ret, *, section: str = ""):
    """Back to the page the person acted from: the form while they may edit, else the detail
    (at ``section`` of the form, e.g. #evidence after an upload)."""
    if may_edit_return(request.user, ret) is None:
        return redirect(reverse("indicators:edit", args=[ret.pk]) + (f"#{section}" if section else ""))
    return redirect("indicators:detail", pk=ret.pk)


@login_required
@require_POST
def approval_exception_view(request, pk):
    """Record why one recipient below goes without an approved return."""
    ret = get_return_for_user(request.user, pk, for_edit=True)
    if reason := may_record_approval_exception(request.user, ret):
        raise PermissionDenied(reason)
    kind, _, number = request.POST.get("recipient", "").partition("-")
    found = next(
        (m for m in missing_below(ret) if m.node.key == (kind, _int(number))),
        None,
    )
    if found is None:
        raise Http404("没有这个未审核通过的下级。")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"登记{found.name}的例外必须填写原因。")
        return _back_to_return(request, ret)
    node = found.node
    return _perform(
        request,
        ret,
        lambda: approval_exception_record(
            ret=ret,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            region=None if node.is_project else node.region,
            project=node.project,
        ),
        f"已登记{found.name}的例外。",
        back=_back_to_return(request, ret),
    )


@login_required
@require_POST
def approval_exception_remove_view(request, pk, eid):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    exception = get_object_or_404(ret.approval_exceptions.select_related("region", "project"), pk=eid)
    if reason := may_record_approval_exception(request.user, ret):
        raise PermissionDenied(reason)
    return _perform(
        request,
        ret,
        lambda: approval_exception_remove(exception=exception, actor=request.user),
        f"已撤销{exception.recipient.name}的例外。",
        back=_back_to_return(request, ret),
    )


@login_required
@require_POST
def return_unlock_view(request, pk):
    """The reviewer above lets a return locked after its deadline be finished late."""
    ret = get_return_for_user(request.user, pk, for_edit=True)
    if reason := may_unlock_return(request.user, ret):
        raise PermissionDenied(reason)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "解锁必须填写原因。")
        return redirect("indicators:detail", pk=ret.pk)
    return _perform(
        request,
        ret,
        lambda: return_unlock(ret=ret, actor=request.user, reason=form.cleaned_data["reason"]),
        f"已为{ret.region.name}的填报解锁，现在可以修改和提交。",
    )


@login_required
@require_POST
def return_rollup_view(request, pk):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    try:
        changes = return_fill_from_rollup(ret=ret, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"已按下级审核通过的数据汇总，更新{len(changes)}项。" if changes else "汇总值与当前数据一致。",
        )
    return redirect("indicators:edit", pk=ret.pk)


@login_required
@require_GET
def rate_preview(request):
    """完成率 and 偏差率 for what is being typed (no data is read: pure arithmetic)."""
    actual = request.GET.get("actual", "").strip()
    if not actual:
        return HttpResponse('<span class="text-muted small" data-explain="0">—</span>')
    previous = request.GET.get("previous", "").strip() or None  # last year's, shown on the form
    target = request.GET.get("target", "")
    denominator = _typed_number(request.GET.get("denominator", ""))
    if denominator is False:
        return HttpResponse(
            format_html('<span class="text-danger small" data-explain="0">{}</span>', "分母请输入数字")
        )
    evaluation = rules.evaluate(target, actual, previous=previous, denominator=denominator)
    return HttpResponse(_rate_html(evaluation, rules.ratio_reading(actual, target, denominator)))


def _typed_number(text: str) -> Decimal | None | bool:
    """A number typed in a box (thousands separators allowed); None when blank, False when not a number."""
    text = text.replace(",", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    return number if number.is_finite() else False


def _rate_html(evaluation, reading: str | None = None) -> str:
    if evaluation.error:
        return format_html('<span class="text-danger small" data-explain="0">{}</span>', evaluation.error)
    if evaluation.completion_rate is None:
        if evaluation.met is None and evaluation.actual is not None:
            return format_html('<span class="text-muted small" data-explain="0">{}</span>', "需审核人认定")
        return format_html('<span class="text-muted small" data-explain="0">{}</span>', "—")
    css = "text-success" if evaluation.met and not evaluation.over_achieved else "text-danger"
    flag = "1" if evaluation.needs_explanation else "0"
    rates = format_html(
        '<span class="{} small num" data-explain="{}" data-over="{}">完成率 {}%<br>偏差率 {}%</span>',
        css,
        flag,
        "1" if evaluation.over_achieved else "0",
        evaluation.completion_rate,
        evaluation.deviation_rate,
    )
    if reading:  # the clerk sees how 46 of 50 was read before saving
        return format_html('<span class="small text-muted d-block num">实际 {}</span>{}', reading, rates)
    return rates


@login_required
@require_GET
def execution_rate_preview(request):
    """预算执行率 of what is being typed, by the rules engine (pure arithmetic, no data read).

    One line: ``budget`` and ``spent``. The 合计 row (``total=1``): every line's ``budget`` and
    ``spent`` (repeated parameters), answered as JSON with the sums and the rate of the sums.
    """
    if request.GET.get("total"):
        try:
            budget = _typed_sum(request.GET.getlist("budget"))
            spent = _typed_sum(request.GET.getlist("spent"))
            rate = rules.execution_rate(spent, budget)
            sums = {"budget": wan(budget), "spent": wan(spent), "rate": pct(rate)}
            if "forecast" in request.GET:  # mid-year: the year's forecast beside what was spent
                forecast = _typed_sum(request.GET.getlist("forecast"))
                sums |= {
                    "forecast": wan(forecast),
                    "forecast_rate": pct(rules.execution_rate(forecast, budget)),
                }
        except (ValueError, TypeError, ArithmeticError, InvalidOperation):
            return JsonResponse({"error": "请输入数字"})
        return JsonResponse(sums)
    try:
        rate = rules.execution_rate(request.GET.get("spent") or None, request.GET.get("budget") or None)
    except (ValueError, TypeError, ArithmeticError):
        return HttpResponse('<span class="text-danger small">请输入数字</span>')
    return HttpResponse("" if rate is None else format_html('<span class="num">{}%</span>', rate))


@login_required
@require_GET
def light_preview(request):
    """The monitoring light of what is being typed: ``target``, ``actual`` (1–N月), ``forecast``
    (全年预计), with the fund's ``months`` and ``yellow`` band as the form carries them; judged by
    rules.monitor_line (pure arithmetic, no data read)."""
    months = _int(request.GET.get("months", ""))
    yellow = _typed_number(request.GET.get("yellow", ""))
    try:
        thresholds = rules.Thresholds(yellow_from=yellow) if yellow else rules.DEFAULT_THRESHOLDS
        result = rules.monitor_line(
            request.GET.get("target", ""),
            request.GET.get("actual", "").strip(),
            request.GET.get("forecast", "").strip(),
            months=months,
            thresholds=thresholds,
        )
    except (ValueError, TypeError):
        return HttpResponse('<span class="text-danger small" data-explain="0">无法计算预警</span>')
    return render(request, "indicators/_monitoring_cell.html", {"result": result})


def _typed_sum(values: list[str]) -> Decimal | None:
    """The sum of the typed amounts (each read by ``_typed_number``); None when all are blank."""
    numbers = [_typed_number(value) for value in values]
    if any(number is False for number in numbers):
        raise ValueError("not a number")
    typed = [number for number in numbers if number is not None]
    return sum(typed, Decimal(0)) if typed else None


@login_required
def fund_checks(request, code):
    """All findings for the returns directly below the user's region, for one fund: by region,
    errors first, a page of regions at a time, narrowed by severity or a region's name."""
    fund = get_fund_for_user(request.user, code)
    period = request.GET.get("period", Period.YEAR_END)
    if period not in Period.values:
        period = Period.YEAR_END
    region = request.user.region
    regions = KeptFindings(fund, region, period)
    severity = request.GET.get("severity", "")
    if severity not in SEVERITIES:
        severity = ""
    search = search_text(request)
    shown = regions
    if severity or search:  # a filter reads every region's findings; the plain list a page's
        shown = list(regions)
    if severity:
        shown = [replace(r, findings=[f for f in r.findings if f.severity == severity]) for r in shown]
        shown = [r for r in shown if r.findings]
    if search:
        shown = [r for r in shown if search in r.name]
    page = Paginator(shown, CHECK_PAGE_REGIONS).get_page(request.GET.get("page"))

    def print_groups(groups) -> str:
        return render_to_string("indicators/_check_groups.html", {"groups": groups})

    # Unfiltered, a page is printed once and kept beside its findings; a filter's is printed.
    start = max(page.start_index() - 1, 0)
    groups = regions.printed(start, print_groups) if shown is regions else print_groups(page.object_list)
    context = {
        "fund": fund,
        "period": Period(period),
        "region": region,
        "regions": regions,
        "page": page,
        "groups": groups,
        "totals": regions.totals,
        "severities": SEVERITIES,
        "severity": severity,
        "search": search,
        "query": filters_query(request),
    }
    return render(request, "indicators/fund_checks.html", context)


# --- evidence (佐证材料) -------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request, pk):
    ret = get_return_for_user(request.user, pk, for_edit=True)
    if reason := may_attach(request.user, ret):
        raise PermissionDenied(reason)
    form = AttachmentForm(ret, request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_return(request, ret, section="evidence")
    upload = form.cleaned_data["file"]
    return _perform(
        request,
        ret,
        lambda: attachment_add(ret=ret, actor=request.user, upload=upload, actual=form.cleaned_data["line"]),
        f"已上传“{upload.name}”。",
        back=_back_to_return(request, ret, section="evidence"),
        refused=f"“{upload.name}”未上传：",
    )


@login_required
@require_POST
def attachment_delete(request, pk, attachment_id):
    attachment = get_attachment_for_user(request.user, pk, attachment_id)
    if reason := may_attach(request.user, attachment.ret):
        raise PermissionDenied(reason)
    return _perform(
        request,
        attachment.ret,
        lambda: attachment_remove(attachment=attachment, actor=request.user),
        f"已删除“{attachment.original_name}”。",
        back=_back_to_return(request, attachment.ret, section="evidence"),
    )


@login_required
@require_GET
def attachment_download(request, pk, attachment_id):
    """The file as it was uploaded, under its own name, never shown inline (a PDF or image the
    browser would render is still only handed over as a download)."""
    attachment = get_attachment_for_user(request.user, pk, attachment_id)
    if reason := may_read_attachment(request.user, attachment):
        raise PermissionDenied(reason)
    try:
        stream = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在，请联系管理员。") from None
    response = FileResponse(
        stream, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
