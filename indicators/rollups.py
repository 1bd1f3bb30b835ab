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
from typing import NamedTuple

from common.compiled import CompiledRows, Ints
from indicators import rules
from indicators.ledger import Figures, FundLedger
from indicators.models import IndicatorActual, IndicatorTarget, Period, Return, TargetTable
from indicators.selectors import lines_of
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
    pks = below.frontier_pks
    pairs = {ledger.returns.fund_and_region(node.key) for node, _pk in pks}
    matches = _lines_below([pk for _node, pk in pks], pairs) if pks else {}

    monitoring = ret.period == Period.MID_YEAR
    children = _children(ledger, pks, matches)
    indicators, forecasts = {}, {}
    for actual in lines_of(ret):
        indicator = actual.indicator
        matched = _matched(indicator, children)
        indicators[indicator.pk] = _rolled(indicator, matched, "actual_text")
        if monitoring:
            forecasts[indicator.pk] = _rolled(indicator, matched, "forecast_text")

    parts = {line.source: below.parts(line.source) for line in below.figures}
    return ReturnRollup(frontier, below.missing, indicators, below.figures, parts, forecasts)


def rolled_up_below(
    wanted: list[tuple[FundLedger, Node, list[IndicatorTarget]]],
) -> list[dict[int, rules.Rollup]]:
    """For each (ledger, node, indicators): {indicator pk: its roll-up from the approved returns
    below the node}, by the same rule as ``return_rollup``, for a node with no return to hang
    it on (the ministry's board, for a province whose own return is not approved). The lines
    below are read once for all of them."""
    frontiers = [ledger.account(node).below.frontier_pks for ledger, node, _indicators in wanted]
    ids = [pk for frontier in frontiers for _node, pk in frontier]
    pairs = {
        ledger.returns.fund_and_region(node.key)
        for (ledger, _node, _indicators), frontier in zip(wanted, frontiers, strict=True)
        for node, _pk in frontier
    }
    matches = _lines_below(ids, pairs) if ids else {}
    found = []
    for (ledger, _node, indicators), frontier in zip(wanted, frontiers, strict=True):
        children = _children(ledger, frontier, matches)
        found.append(
            {
                indicator.pk: _rolled(indicator, _matched(indicator, children), "actual_text")
                for indicator in indicators
            }
        )
    return found


def _matched(indicator: IndicatorTarget, children: list[_Child]) -> list[tuple[_Child, _Line]]:
    """The line of each return below that reports against ``indicator``."""
    pk, name = indicator.pk, indicator.name
    matched = []
    for child in children:
        line = child.lines.match(pk, name)
        if line is not None:
            matched.append((child, line))
    return matched


class _Line(NamedTuple):
    """One indicator line of a return below, as the roll-up reads it (a named tuple: the
    ministry's board reads 50,000)."""

    actual_text: str
    forecast_text: str
    denominator: object


@dataclass
class _Lines:
    """A return's lines, found by the indicator they were copied from (at any depth of the
    chain of copies) or else by name; the first line in the table's order wins, either way."""

    by_copied_from: dict[int, _Line] = field(default_factory=dict)
    by_name: dict[str, _Line] = field(default_factory=dict)

    def match(self, pk: int, name: str) -> _Line | None:
        """The line of the indicator ``pk`` (its copy, at any depth) or else of its ``name``."""
        return self.by_copied_from.get(pk) or self.by_name.get(name)


_NO_LINES = _Lines()
_INDICATOR = ("pk", "name", "order", "parent_indicator_id")
_COPIES = 3  # a line's indicator, and the three it may have been copied from (domain.md §3)


# The four queries of ``_lines_below``, compiled once for each length of their lists.
_LINES = CompiledRows(
    IndicatorActual,
    lambda returns: (
        IndicatorActual.objects.filter(ret__in=returns)
        .order_by()  # sorted below: the default order joins the tables it sorts by
        .values_list("pk", "ret_id", "indicator_id", "actual_text", "forecast_text", "denominator")
    ),
    returns=Ints,
)
_TABLES = CompiledRows(
    TargetTable,
    lambda funds, regions: (
        TargetTable.objects.filter(fund_id__in=funds, region_id__in=regions)
        .order_by()
        .values_list("pk", "fund_id", "region_id")
    ),
    funds=Ints,
    regions=Ints,
)
_INDICATORS_OF = CompiledRows(
    IndicatorTarget,
    lambda tables: IndicatorTarget.objects.filter(table_id__in=tables).order_by().values_list(*_INDICATOR),
    tables=Ints,
)
_INDICATORS = CompiledRows(
    IndicatorTarget,
    lambda pks: IndicatorTarget.objects.filter(pk__in=pks).order_by().values_list(*_INDICATOR),
    pks=Ints,
)


def _lines_below(return_ids: list[int], pairs: set[tuple[int, int]]) -> dict[int, _Lines]:
    """{return pk: its lines} of the returns below, read as rows: the lines, then their
    indicators through the returns' own tables, then the indicators those were copied from,
    nearest first (a table copied from the province's, itself copied from the central one).
    One query joining lines to four levels of indicators let PostgreSQL scan every indicator
    of the country for the 2,000 returns below a ministry's 31 provinces."""
    rows, _db = _LINES.rows(returns=return_ids)
    if not rows:
        return {}
    # The returns' own tables by key (``pairs``: each return's fund and region, as the ledger
    # read them), as literal lists: through subqueries PostgreSQL expected a hundred thousand
    # tables and scanned them all. Sorted: a list's length and order are a compiled shape.
    funds, regions = sorted({fund for fund, _region in pairs}), sorted({region for _fund, region in pairs})
    tables = [
        pk
        for pk, fund_id, region_id in _TABLES.rows(funds=funds, regions=regions)[0]
        if (fund_id, region_id) in pairs
    ]
    indicators = {
        row[0]: row[1:] for row in _INDICATORS_OF.rows(tables=tables)[0]
    }  # pk → (name, order, copied from)
    wanted = {row[2] for row in rows}
    for _copy in range(_COPIES + 1):
        # a line of an indicator outside its return's table, then each level of copies
        missing = wanted - indicators.keys()
        if missing:
            found, _db = _INDICATORS.rows(pks=sorted(missing))
            indicators.update({row[0]: row[1:] for row in found})
        wanted = {indicators[pk][2] for pk in wanted if pk in indicators and indicators[pk][2] is not None}
    # The first line in its table's order wins, by either key.
    order = {pk: indicator[1] for pk, indicator in indicators.items()}
    rows.sort(key=lambda row: (row[1], order[row[2]], row[0]))
    found_lines: dict[int, _Lines] = {}
    for _pk, ret_id, indicator_id, actual_text, forecast_text, denominator in rows:
        lines = found_lines.get(ret_id)
        if lines is None:
            lines = found_lines[ret_id] = _Lines()
        line = _Line(actual_text, forecast_text, denominator)
        by_copied_from, copied_from = lines.by_copied_from, indicator_id
        for _copy in range(_COPIES + 1):
            if copied_from is None:
                break
            by_copied_from.setdefault(copied_from, line)
            copied_from = indicators[copied_from][2]
        lines.by_name.setdefault(indicators[indicator_id][0], line)
    return found_lines


@dataclass(frozen=True)
class _Child:
    """A return below as the roll-up weighs it: its region's name, the money the region
    received (the weight of a weighted roll-up) and its lines; made once for all the indicators
    of a table."""

    name: str
    allocation: object
    lines: _Lines


def _children(
    ledger: FundLedger, frontier: list[tuple[Node, int]], matches: dict[int, _Lines]
) -> list[_Child]:
    """``_Child`` of each return of ``frontier`` (node, return pk: ``Rollup.frontier_pks``), with
    its lines of ``matches`` (``_lines_below``)."""
    return [
        _Child(node.display_name, ledger.account(node).received.total, matches.get(pk, _NO_LINES))
        for node, pk in frontier
    ]


def _rolled(indicator: IndicatorTarget, matched: list[tuple[_Child, _Line]], attr: str) -> rules.Rollup:
    """``rules.rollup`` of one text field of the children's matching lines (``actual_text``, or
    at mid-year ``forecast_text``): the one rule for both, with the same denominators and money."""
    field_index = _Line._fields.index(attr)
    values = [
        rules.ChildValue(child.name, line[field_index], line.denominator, child.allocation)
        for child, line in matched
    ]
    return rules.rollup(indicator.target_text, values, rule=indicator.rollup_rule or None)
