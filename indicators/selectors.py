"""Reads about target tables and returns, always scoped to the reader's region."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from evalportal.models import AuditEvent, Role
from indicators import rules
from indicators.models import Period, Return, TargetTable
from transfers.models import Fund, Region
from transfers.selectors import child_budgets, child_regions, subtree_q

# Money that comes down by allocation; execution against the allocation counts these.
ALLOCATED_SOURCES = ("central", "provincial")


def returns_for_user(user) -> QuerySet[Return]:
    """Returns of the user's region and every region below it."""
    if user.region_id is None:
        return Return.objects.none()
    return Return.objects.filter(subtree_q(user.region, "region__"))


def get_return_for_user(user, pk: int, *, for_edit: bool = False) -> Return:
    """Fetch a return and check access in one step: 404 outside the region, 403 for read-only."""
    report = get_object_or_404(returns_for_user(user).select_related("fund", "region", "project"), pk=pk)
    if for_edit and user.is_read_only:
        raise PermissionDenied("查阅账号不能修改数据。")
    return report


def nearest_table_above(fund: Fund, region: Region) -> TargetTable | None:
    """The target table of the closest region above `region` that has one for the fund."""
    ancestor = region.parent
    while ancestor is not None:
        table = TargetTable.objects.filter(fund=fund, region=ancestor, project__isnull=True).first()
        if table is not None:
            return table
        ancestor = ancestor.parent
    return None


def return_history(report: Return) -> QuerySet[AuditEvent]:
    """The return's audit trail, newest first."""
    return AuditEvent.objects.filter(
        object_type="indicators.return", object_id=str(report.pk)
    ).select_related("actor")


def changes_since_approval(report: Return) -> dict[str, list[str]]:
    """Field changes made after the last approval: {label: [value at approval, value now]}.

    Empty when the return was never approved or nothing changed since.
    """
    events = list(return_history(report).order_by("created_at", "pk"))
    approvals = [i for i, event in enumerate(events) if event.action == AuditEvent.Action.APPROVE]
    if not approvals:
        return {}
    merged: dict[str, list[str]] = {}
    for event in events[approvals[-1] + 1 :]:
        if event.action != AuditEvent.Action.EDIT:
            continue
        for label, (old, new) in event.changes.items():
            merged[label] = [merged[label][0] if label in merged else old, new]
    return {label: values for label, values in merged.items() if values[0] != values[1]}


@dataclass
class ProgressRow:
    region: Region
    budget: Decimal
    report: Return | None
    spent: Decimal | None
    rate: Decimal | None
    below: dict  # status → count of returns of the regions under this one
    rolled_up: bool = False  # spent is the sum of the approved returns below, not the region's own
    funded_below: int = 0  # regions under this one that receive the fund's money themselves

    @property
    def status_counts(self) -> dict[str, int]:
        """Who has reported: the regions below when the money goes down to them, else this one."""
        if self.funded_below:
            counts = dict(self.below)
            counts["none"] = max(self.funded_below - sum(self.below.values()), 0)
            return counts
        return {self.report.status if self.report else "none": 1}


def fund_progress(fund: Fund, region: Region, period: str = Period.YEAR_END) -> list[ProgressRow]:
    """One row per region directly below `region` that has money of the fund.

    A fixed number of queries whatever the number of regions: budgets in one, returns of the
    whole subtree in one, their spending in one.
    """
    budgets = child_budgets(fund, region)
    children = [r for r in child_regions(region) if budgets.get(r.pk, {}).get("total")]
    reports = list(
        Return.objects.filter(fund=fund, period=period, project__isnull=True)
        .filter(subtree_q(region, "region__"))
        .exclude(region=region)
        .select_related("region")
        .prefetch_related("funding")
    )
    own = {r.region_id: r for r in reports}
    funded_below = Counter(
        parent_id
        for _, parent_id in fund.allocations.filter(region__parent__in=[c.pk for c in children])
        .order_by()
        .values_list("region_id", "region__parent_id")
        .distinct()
    )
    rows = []
    for child in children:
        report = own.get(child.pk)
        under = [r for r in reports if r.region.parent_id == child.pk]
        spent = _allocated_spending([report]) if report is not None else None
        rolled_up = False
        if spent is None:
            # No figure of its own yet: show what its approved regions below reported.
            spent = _allocated_spending([r for r in under if r.status == Return.Status.APPROVED])
            rolled_up = spent is not None
        budget = budgets[child.pk]["total"]
        below = dict(Counter(r.status for r in under))
        rate = rules.execution_rate(spent, budget)
        rows.append(ProgressRow(child, budget, report, spent, rate, below, rolled_up, funded_below[child.pk]))
    return rows


def _allocated_spending(reports: list[Return]) -> Decimal | None:
    """Central + provincial spending of these returns; None when none was entered."""
    entered = [
        line.spent
        for report in reports
        for line in report.funding.all()
        if line.source in ALLOCATED_SOURCES and line.spent is not None
    ]
    return sum(entered, Decimal("0")) if entered else None


def review_queue(user) -> QuerySet[Return]:
    """Submitted returns of the regions directly below the user's, waiting for this user."""
    if user.region_id is None or user.role not in (Role.REVIEWER, Role.ADMIN):
        return Return.objects.none()
    return (
        Return.objects.filter(region__parent=user.region, status=Return.Status.SUBMITTED)
        .select_related("fund", "region")
        .order_by("updated_at")
    )


def own_returns(user) -> QuerySet[Return]:
    if user.region_id is None:
        return Return.objects.none()
    return (
        Return.objects.filter(region=user.region)
        .select_related("fund")
        .order_by("-fund__year", "fund__code", "period")
    )
