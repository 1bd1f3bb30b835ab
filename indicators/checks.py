"""Adapting a Return to the rules engine's consistency checks.

Keys point at form fields: ``funding-<source>`` for a money line, ``actual-<indicator id>`` for
an indicator line, ``return`` for the whole return, so the form shows each finding next to
the field it is about.
"""

from django.db.models import Prefetch

from indicators import rules
from indicators.models import IndicatorActual, Return
from transfers.models import Fund, Region
from transfers.selectors import child_budgets, child_regions, region_budget


def return_data(report: Return, *, allocated=None) -> rules.ReturnData:
    budget = allocated if allocated is not None else region_budget(report.fund, report.region)["total"]
    money = [
        rules.MoneyLine(
            key=f"funding-{line.source}", source=line.source, budget=line.budget, spent=line.spent
        )
        for line in report.funding_lines(allocated=budget)
    ]
    indicators = [
        rules.IndicatorLine(
            key=f"actual-{actual.indicator_id}",
            level1=actual.indicator.level1,
            level2=actual.indicator.level2,
            name=actual.indicator.name,
            target_text=actual.indicator.target_text,
            actual_text=actual.actual_text,
            reason=actual.reason,
            measure=actual.measure,
            judged_met=actual.judged_met,
            parent_target_text=(
                actual.indicator.parent_indicator.target_text
                if actual.indicator.parent_indicator_id
                else None
            ),
        )
        for actual in _actual_lines(report)
    ]
    return rules.ReturnData(
        key="return",
        region_name=report.region.name,
        allocated=budget or None,
        money=money,
        indicators=indicators,
    )


ACTUAL_LINES = Prefetch(
    "actuals",
    queryset=IndicatorActual.objects.select_related("indicator__parent_indicator").order_by(
        "indicator__order"
    ),
)


def _actual_lines(report: Return):
    """The return's indicator lines in order, from a prefetch (ACTUAL_LINES) when there is one."""
    if "actuals" in getattr(report, "_prefetched_objects_cache", {}):
        return report.actuals.all()
    return report.actuals.select_related("indicator__parent_indicator").order_by("indicator__order")


def return_findings(report: Return) -> list[rules.Finding]:
    return rules.check_return(return_data(report))


def errors_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "warning"]


def fund_findings(
    fund: Fund, region: Region, period: str = "year_end"
) -> list[tuple[Return | None, rules.Finding]]:
    """Check the returns of the regions directly below `region` against their allocations.

    Finds, besides each return's own problems, spending where nothing was allocated and
    regions with money but no return. Each finding comes with the return it is about.
    """
    budgets = child_budgets(fund, region)
    children = list(child_regions(region))
    allocated = {child.name: budgets[child.pk]["total"] for child in children if budgets[child.pk]["total"]}
    reports = list(
        Return.objects.filter(fund=fund, period=period, project__isnull=True, region__parent=region)
        .select_related("fund", "region")
        .prefetch_related("funding", ACTUAL_LINES)
    )
    data = [return_data(report, allocated=allocated.get(report.region.name, 0)) for report in reports]
    for item, report in zip(data, reports, strict=True):
        # Tag every key with its return so each finding can link to it.
        item.key = (report.pk, item.key)
        for line in [*item.money, *item.indicators]:
            line.key = (report.pk, line.key)
    by_pk = {report.pk: report for report in reports}
    return [
        (by_pk.get(finding.where[0]) if isinstance(finding.where, tuple) else None, finding)
        for finding in rules.check_fund(data, allocated)
    ]
