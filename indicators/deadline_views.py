"""Deadline pages: everyone sees the deadlines of their funds, the one that binds their own
region (set above it) and the progress in their region; the province and each prefecture set the
deadline of the returns directly below them (indicators.permissions.may_set_deadlines)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from common.forms import BootstrapFormMixin, errors_into
from common.paging import asks_a_year_at_most
from indicators.models import Period
from indicators.permissions import may_set_deadlines
from indicators.reminders import (
    NAMES_IN_NOTICE,
    bound_regions,
    deadline_set,
    deadline_title,
    deadlines_progress,
    fund_period_title,
    regions_owing_returns_of,
)
from indicators.selectors import binding_deadline, deadlines_by_setter, funds_of_year
from transfers import tree, versions
from transfers.selectors import fund_list_for_user, fund_tokens_for_user, get_fund_for_user


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
    lock_after = forms.BooleanField(
        label="逾期锁定",
        required=False,
        help_text="截止日期过后，尚未提交的填报不能再修改和提交，须由上级审核员填写原因解锁。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


@login_required
def deadline_list(request):
    """Each fund of the year and period with its deadline and how far the regions it binds have
    got, in the reader's region. Each fund's rows are printed once and kept under its data
    version for the day (``_rows_of``): the progress behind them is kept too (``_progress_of``),
    so a change to one fund works out and prints that fund's rows again."""
    user = request.user
    own = user.region
    # The funds' data versions before the funds themselves: a kept row prints its fund's name.
    # The table is kept whole under them, for the office, the person's role, the year asked and
    # the day, when the address asks nothing else; within it, each fund's rows are kept alone.
    found = fund_tokens_for_user(user)
    every = fund_list_for_user(user)
    today = timezone.localdate()

    def build() -> dict:
        of_year = funds_of_year(every, own, request.GET.get("year"))  # one year at a time
        funds = of_year.funds
        can_edit = {fund.pk: may_set_deadlines(user, fund, own) is None for fund in funds}
        return {
            "rows": _rows_of(funds, own, can_edit, today, found),
            "can_edit_any": any(can_edit.values()),
            "year": of_year.year,
            "years": of_year.years,
        }

    if asks_a_year_at_most(request):
        parts = (getattr(own, "pk", None), user.role, user.is_superuser, request.GET.get("year"), today)
        context = versions.cached("deadline-page", every, *parts, build=build, found=found)
    else:  # any other parameter: printed for this request only
        context = build()
    return render(request, "indicators/deadlines/list.html", context)


def _rows_of(funds, own, can_edit: dict[int, bool], today, found: dict[int, str]) -> str:
    """The table rows of ``funds``, rendered; each fund's kept under its progress's key with the
    day (the days left are counted for it) and whether the reader may set its deadlines."""
    by_pk = {fund.pk: fund for fund in funds}
    progress_keys = versions.keys_each("deadline-progress", funds, own.pk, found=found)
    can_edit_any = any(can_edit.values())
    keys = {
        pk: f"{key}:rows:{today.isoformat()}:{int(can_edit[pk])}{int(can_edit_any)}" if key else None
        for pk, key in progress_keys.items()
    }

    def build(pks: list[int]) -> dict[int, str]:
        progress = _progress_of([by_pk[pk] for pk in pks], own, progress_keys)
        built = {}
        for pk in pks:
            rows = []
            for facts in progress[pk]:
                row = {"fund": by_pk[pk], **facts, "can_edit": can_edit[pk]}
                if facts["shown"] is not None:
                    days_left = (facts["shown"].due_on - today).days
                    row |= {"days_left": days_left, "days_overdue": -days_left}
                rows.append(row)
            context = {"rows": rows, "can_edit_any": can_edit_any}
            built[pk] = render_to_string("indicators/deadlines/_rows.html", context)
        return built

    return mark_safe("".join(versions.cached_each(keys, build).values()))  # rendered, escaped there


def _progress_of(funds, own, keys: dict[int, str | None]) -> dict[int, list[dict]]:
    """{fund pk: for each period, its deadlines and the progress of the regions of ``own``'s
    subtree the one shown binds} (``_progress``), kept in the cache under each fund's data
    version (``keys``, ``transfers.versions``): a change to one fund works out that fund's rows
    again, the others' are read as kept. Nothing kept depends on the day or on who reads."""
    by_pk = {fund.pk: fund for fund in funds}
    wanted = {fund.pk: keys[fund.pk] for fund in funds}
    return versions.cached_each(wanted, lambda pks: _progress([by_pk[pk] for pk in pks], own))


def _progress(funds, own) -> dict[int, list[dict]]:
    """What ``_progress_of`` keeps, worked out for ``funds`` together: who owes a return, the
    deadlines and every shown deadline's progress each read once for all of them."""
    grouped = deadlines_by_setter(funds)
    owing_by_fund = regions_owing_returns_of(funds)
    found: dict[int, list[dict]] = {fund.pk: [] for fund in funds}
    bound = []
    for fund in funds:
        owing = [region for region in owing_by_fund[fund.pk] if tree.within(region, own.pk)]
        for period in Period:
            by_setter = grouped.get((fund.pk, period.value), {})
            own_deadline = by_setter.get(own.pk)
            above = binding_deadline(by_setter, own)
            # The regions counted are those the deadline shown binds: the ones this region's own
            # deadline binds, or (where it set none, or sets none: a county) the one from above.
            shown = own_deadline or above
            facts = {"period": period, "deadline": own_deadline, "above": above, "shown": shown}
            if shown is not None:
                bound.append((facts, shown, bound_regions(by_setter, owing).get(shown.pk, [])))
            found[fund.pk].append(facts)
    # Every shown deadline's progress in one query for all.
    for (facts, _shown, counted), progress in zip(
        bound, deadlines_progress([(shown, counted) for _facts, shown, counted in bound]), strict=True
    ):
        missing = progress.missing
        facts |= {
            "owing": len(counted),
            "missing": len(missing),
            "missing_names": "、".join(r.display_name for r in missing[:NAMES_IN_NOTICE]),
            "more_missing": len(missing) > NAMES_IN_NOTICE,
        }
    return found


@login_required
@require_http_methods(["GET", "POST"])
def deadline_edit(request, fund_code: str, period: str):
    """The deadline the user's own region sets for the returns directly below it."""
    fund = get_fund_for_user(request.user, fund_code)
    if period not in Period.values:
        raise Http404("填报期不存在。")
    region = request.user.region
    if reason := may_set_deadlines(request.user, fund, region):
        raise PermissionDenied(reason)
    by_setter = deadlines_by_setter([fund.pk]).get((fund.pk, period), {})
    deadline = by_setter.get(region.pk)
    above = binding_deadline(by_setter, region)
    initial = {"remind_days_before": 3, "lock_after": False}
    if deadline is not None:
        initial = {
            "due_on": deadline.due_on,
            "remind_days_before": deadline.remind_days_before,
            "lock_after": deadline.lock_after,
        }
    form = DeadlineForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deadline = deadline_set(
                actor=request.user,
                fund=fund,
                region=region,
                period=period,
                due_on=form.cleaned_data["due_on"],
                remind_days_before=form.cleaned_data["remind_days_before"],
                lock_after=form.cleaned_data["lock_after"],
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
        "above": above,
        "region": region,
        "title": fund_period_title(fund, period),
    }
    return render(request, "indicators/deadlines/form.html", context)
