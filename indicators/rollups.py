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
    """What the approved returns below ``ret``'s region (or project) add up to. Queries: the
    ledger's, the return's own lines and one read of the lines below as rows."""
    ledger = ledger or FundLedger(ret.fund, ret.region, ret.period)
    below = ledger.account(ledger.node_for(ret)).below
    frontier = below.frontier
    matches = _lines_below([child.pk for _node, child in frontier]) if frontier else {}

    monitoring = ret.period == Period.MID_YEAR
    indicators, forecasts = {}, {}
    for actual in ret.actuals.select_related("indicator").order_by("indicator__order"):
        indicator = actual.indicator
        matched = _matched(indicator, frontier, matches)
        indicators[indicator.pk] = _rolled(indicator, matched, ledger, "actual_text")
        if monitoring:
            forecasts[indicator.pk] = _rolled(indicator, matched, ledger, "forecast_text")

    parts = {line.source: below.parts(line.source) for line in below.figures}
    return ReturnRollup(frontier, below.missing, indicators, below.figures, parts, forecasts)


def rolled_up_below(
    wanted: list[tuple[FundLedger, Node, list[IndicatorTarget]]],
) -> list[dict[int, rules.Rollup]]:
    """For each (ledger, node, indicators): {indicator pk: its roll-up from the approved returns
    below the node}, by the same rule as ``return_rollup``, for a node with no return to hang
    it on (the ministry's board, for a province whose own return is not approved). The lines
    below are read once for all of them."""
    frontiers = [ledger.account(node).below.frontier for ledger, node, _indicators in wanted]
    ids = [child.pk for frontier in frontiers for _node, child in frontier]
    matches = _lines_below(ids) if ids else {}
    return [
        {
            indicator.pk: _rolled(indicator, _matched(indicator, frontier, matches), ledger, "actual_text")
            for indicator in indicators
        }
        for (ledger, _node, indicators), frontier in zip(wanted, frontiers, strict=True)
    ]


def _matched(
    indicator: IndicatorTarget, frontier: list[tuple[Node, Return]], matches: dict[int, _Lines]
) -> list[tuple[Node, _Line]]:
    """The line of each return of ``frontier`` that reports against ``indicator``."""
    matched = []
    for node, child in frontier:
        line = matches.get(child.pk, _NO_LINES).match(indicator)
        if line is not None:
            matched.append((node, line))
    return matched


@dataclass(frozen=True)
class _Line:
    """One indicator line of a return below, as the roll-up reads it."""

    actual_text: str
    forecast_text: str
    denominator: object


@dataclass
class _Lines:
    """A return's lines, found by the indicator they were copied from (at any depth of the
    chain of copies) or else by name; the first line in the table's order wins, either way."""

    by_copied_from: dict[int, _Line] = field(default_factory=dict)
    by_name: dict[str, _Line] = field(default_factory=dict)

    def match(self, indicator: IndicatorTarget) -> _Line | None:
        return self.by_copied_from.get(indicator.pk) or self.by_name.get(indicator.name)


_NO_LINES = _Lines()
# The indicator a line reports against and the three it may have been copied from, nearest
# first: a table copied from the province's, itself copied from the central one (domain.md §3).
_CHAIN = (
    "indicator_id",
    "indicator__parent_indicator_id",
    "indicator__parent_indicator__parent_indicator_id",
    "indicator__parent_indicator__parent_indicator__parent_indicator_id",
)


def _lines_below(return_ids: list[int]) -> dict[int, _Lines]:
    """{return pk: its lines} of the returns below, read in one query as rows."""
    found: dict[int, _Lines] = {}
    rows = (
        IndicatorActual.objects.filter(ret__in=return_ids)
        .order_by("ret_id", "indicator__order", "pk")
        .values_list("ret_id", "indicator__name", "actual_text", "forecast_text", "denominator", *_CHAIN)
    )
    for ret_id, name, actual_text, forecast_text, denominator, *chain in rows:
        lines = found.setdefault(ret_id, _Lines())
        line = _Line(actual_text, forecast_text, denominator)
        for indicator_id in chain:
            if indicator_id is not None:
                lines.by_copied_from.setdefault(indicator_id, line)
        lines.by_name.setdefault(name, line)
    return found


def _rolled(
    indicator: IndicatorTarget, matched: list[tuple[Node, _Line]], ledger: FundLedger, attr: str
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
