"""The level above sees the approved figures below it rolled up, each with its parts.

Computed when shown, never stored, by the ledger's one rule (indicators.ledger): the figures
of a region below are those of its own approved return, else those of the approved returns
below it — so the province reaches county projects where no prefecture return exists. Money
is the ledger's; an indicator's roll-up is rules.rollup over the matching lines of those same
returns: the line whose indicator was copied from this one (through every table between
them), or else one of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indicators import rules
from indicators.ledger import Figures, FundLedger
from indicators.models import IndicatorActual, IndicatorTarget, Period, Return
from transfers.tree import Node


@dataclass
class ReturnRollup:
    frontier: list[tuple[Node, Return]]  # the approved returns whose figures are rolled up
    missing: list[Node]  # regions or projects below with money but no approved figures
    indicators: dict[int, rules.Rollup]  # by indicator id of the return's own table
    money: Figures  # the ledger's roll-up of the same returns
    parts: dict[str, list[tuple[str, object]]]  # source → each return's spending
    # Mid-year: 全年预计完成值 rolled up by the indicator's rule, by indicator id (empty at year end)
    forecasts: dict[int, rules.Rollup] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.frontier

    @property
    def children(self) -> list[Return]:
        return [ret for _node, ret in self.frontier]


def return_rollup(ret: Return, *, ledger: FundLedger | None = None) -> ReturnRollup:
    """What the approved returns below ``ret``'s region (or project) add up to."""
    ledger = ledger or FundLedger(ret.fund, ret.region, ret.period)
    below = ledger.account(ledger.node_for(ret)).below
    lines: dict[int, list[IndicatorActual]] = {}
    if below.frontier:
        for actual in IndicatorActual.objects.filter(
            ret__in=[child.pk for _node, child in below.frontier]
        ).select_related("indicator__parent_indicator__parent_indicator"):
            lines.setdefault(actual.ret_id, []).append(actual)

    monitoring = ret.period == Period.MID_YEAR
    indicators, forecasts = {}, {}
    for actual in ret.actuals.select_related("indicator").order_by("indicator__order"):
        indicator = actual.indicator
        matched = []
        for node, child in below.frontier:
            line = _matching_line(lines.get(child.pk, []), indicator)
            if line is not None:
                matched.append((node, line))

        indicators[indicator.pk] = _rolled(indicator, matched, ledger, "actual_text")
        if monitoring:
            forecasts[indicator.pk] = _rolled(indicator, matched, ledger, "forecast_text")

    parts = {line.source: below.parts(line.source) for line in below.figures}
    return ReturnRollup(below.frontier, below.missing, indicators, below.figures, parts, forecasts)


def _rolled(
    indicator: IndicatorTarget, matched: list[tuple[Node, IndicatorActual]], ledger: FundLedger, attr: str
) -> rules.Rollup:
    """``rules.rollup`` of one text field of the children's matching lines (``actual_text``, or
    at mid-year ``forecast_text``): the one rule for both, with the same denominators and money."""
    values = [
        rules.ChildValue(
            region=node.display_name,
            actual_text=getattr(line, attr),
            denominator=line.denominator,
            allocation=ledger.account(node).received.total,
        )
        for node, line in matched
    ]
    return rules.rollup(indicator.target_text, values, rule=indicator.rollup_rule or None)


def _copied_from(indicator: IndicatorTarget):
    """The indicator and those it was copied from, nearest first (select_related three deep)."""
    seen = 0
    while indicator is not None and seen < 4:
        yield indicator
        indicator = indicator.parent_indicator if indicator.parent_indicator_id else None
        seen += 1


def _matching_line(actuals: list[IndicatorActual], indicator: IndicatorTarget) -> IndicatorActual | None:
    """The child's line for this indicator: copied from it (at any depth), or of the same name."""
    for line in actuals:
        if any(ancestor.pk == indicator.pk for ancestor in _copied_from(line.indicator)):
            return line
    return next((line for line in actuals if line.indicator.name == indicator.name), None)
