"""The level above sees its regions' approved figures rolled up, each with its parts.

Computed when shown (never stored): an indicator's roll-up comes from rules.rollup over the
children's approved actuals of the same indicator (the child table's indicator that was
copied from this one, or one of the same name), money is the sum per source.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from indicators import rules
from indicators.models import Return
from transfers.models import Region
from transfers.selectors import child_budgets, child_regions


@dataclass
class MoneyRollup:
    source: str
    spent: Decimal | None
    parts: list[tuple[str, Decimal | None]] = field(default_factory=list)


@dataclass
class ReturnRollup:
    children: list[Return]
    missing: list[Region]  # regions with money but no approved return
    indicators: dict[int, rules.Rollup]  # by indicator id of the parent's table
    money: dict[str, MoneyRollup]

    @property
    def is_empty(self) -> bool:
        return not self.children


def return_rollup(report: Return) -> ReturnRollup:
    budgets = child_budgets(report.fund, report.region)
    expected = [r for r in child_regions(report.region) if budgets.get(r.pk, {}).get("total")]
    children = list(
        Return.objects.filter(
            fund=report.fund,
            period=report.period,
            project__isnull=True,
            region__parent=report.region,
            status=Return.Status.APPROVED,
        )
        .select_related("region")
        .prefetch_related("funding", "actuals__indicator")
        .order_by("region__order", "region__code")
    )
    reported = {child.region_id for child in children}
    missing = [region for region in expected if region.pk not in reported]

    indicators = {}
    for actual in report.actuals.select_related("indicator").order_by("indicator__order"):
        indicator = actual.indicator
        values = []
        for child in children:
            line = _matching_line(child, indicator)
            if line is None:
                continue
            values.append(
                rules.ChildValue(
                    region=child.region.display_name,
                    actual_text=line.actual_text,
                    denominator=line.denominator,
                    allocation=budgets.get(child.region_id, {}).get("total"),
                )
            )
        indicators[indicator.pk] = rules.rollup(
            indicator.target_text, values, rule=indicator.rollup_rule or None
        )

    money = {}
    for source, _label in rules.SOURCE_NAMES.items():
        parts = []
        for child in children:
            line = next((f for f in child.funding.all() if f.source == source), None)
            parts.append((child.region.display_name, line.spent if line else None))
        entered = [spent for _, spent in parts if spent is not None]
        money[source] = MoneyRollup(source, sum(entered, Decimal("0")) if entered else None, parts)
    return ReturnRollup(children, missing, indicators, money)


def _matching_line(child: Return, indicator):
    """The child's actual for this indicator: copied from it, or else of the same name."""
    actuals = list(child.actuals.all())
    for line in actuals:
        if line.indicator.parent_indicator_id == indicator.pk:
            return line
    return next((line for line in actuals if line.indicator.name == indicator.name), None)
