"""Deadline pages: everyone sees the deadlines of their funds and the progress in their own
region; the province administrator sets them (indicators.permissions.may_set_deadlines)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from common.forms import BootstrapFormMixin, errors_into
from indicators.models import Deadline, Period
from indicators.permissions import may_set_deadlines
from indicators.reminders import (
    NAMES_IN_NOTICE,
    deadline_progress,
    deadline_set,
    deadline_title,
    region_within,
    regions_owing_returns,
)
from transfers.selectors import funds_for_user, get_fund_for_user


class DeadlineForm(BootstrapFormMixin, forms.Form):
    due_on = forms.DateField(
        label="截止日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    remind_days_before = forms.IntegerField(
        label="提前提醒天数",
        min_value=0,
        max_value=60,
        help_text="截止前这一天和截止当天各提醒一次填报员；逾期后每天提醒填报员并通知上级审核员。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


@login_required
def deadline_list(request):
    user = request.user
    today = timezone.localdate()
    funds = list(funds_for_user(user))
    deadlines = {(d.fund_id, d.period): d for d in Deadline.objects.filter(fund__in=funds)}
    rows = []
    for fund in funds:
        owing = [region for region in regions_owing_returns(fund) if region_within(region, user.region)]
        for period in Period:
            deadline = deadlines.get((fund.pk, period.value))
            row = {
                "fund": fund,
                "period": period,
                "deadline": deadline,
                "can_edit": may_set_deadlines(user, fund) is None,
            }
            if deadline is not None:
                progress = deadline_progress(deadline, regions=owing)
                missing = progress.missing
                row |= {
                    "days_left": progress.days_left(today),
                    "days_overdue": -progress.days_left(today),
                    "owing": len(owing),
                    "missing": len(missing),
                    "missing_names": "、".join(r.display_name for r in missing[:NAMES_IN_NOTICE]),
                    "more_missing": len(missing) > NAMES_IN_NOTICE,
                }
            rows.append(row)
    can_edit_any = any(row["can_edit"] for row in rows)
    return render(request, "indicators/deadlines/list.html", {"rows": rows, "can_edit_any": can_edit_any})


@login_required
@require_http_methods(["GET", "POST"])
def deadline_edit(request, fund_code: str, period: str):
    fund = get_fund_for_user(request.user, fund_code)
    if period not in Period.values:
        raise Http404("填报期不存在。")
    if reason := may_set_deadlines(request.user, fund):
        raise PermissionDenied(reason)
    deadline = Deadline.objects.filter(fund=fund, period=period).select_related("fund").first()
    initial = {"remind_days_before": 3}
    if deadline is not None:
        initial = {"due_on": deadline.due_on, "remind_days_before": deadline.remind_days_before}
    form = DeadlineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deadline = deadline_set(
                actor=request.user,
                fund=fund,
                period=period,
                due_on=form.cleaned_data["due_on"],
                remind_days_before=form.cleaned_data["remind_days_before"],
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(request, f"已保存：{deadline_title(deadline)}截止日期。")
            return redirect("deadlines:list")
    context = {
        "form": form,
        "fund": fund,
        "period": Period(period),
        "deadline": deadline,
        "title": f"{fund.year}年{fund.full_name} {Period(period).label}",
    }
    return render(request, "indicators/deadlines/form.html", context)
