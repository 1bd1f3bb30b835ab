"""Adapting a Return to the rules engine's consistency checks.

Keys point at form fields: ``funding-<source>`` for a money line, ``actual-<indicator id>`` for
an indicator line, ``return`` for the whole return, so the form shows each finding next to
the field it is about.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property, partial

from django.db.models import Prefetch, QuerySet

from common.compiled import CompiledRows, Ints
from indicators import rules
from indicators.ledger import Figures, FundLedger, lag_reasons_of, return_money
from indicators.models import (
    Aspect,
    DeviationCause,
    IndicatorActual,
    Likelihood,
    Period,
    Return,
    ReturnNarrative,
)
from indicators.selectors import monitoring_plan, previous_actuals, previous_actuals_of
from transfers.models import Fund, Region


def return_data(
    ret: Return,
    *,
    money: Figures | None = None,
    previous: dict[str, str] | None = None,
    indicators: list[rules.IndicatorLine] | None = None,
    lag_reasons: dict[str, str] | None = None,
) -> rules.ReturnData:
    """The return as the rules engine checks it; ``money`` from the ledger, ``previous`` (last
    year's actuals, ``previous_actuals``), ``indicators`` (``indicator_lines_of``) and
    ``lag_reasons`` (``FundLedger.lag_reasons``) looked up when None."""
    money = money if money is not None else return_money(ret)
    lag_reasons = lag_reasons if lag_reasons is not None else lag_reasons_of(ret)
    lines = [
        rules.MoneyLine(
            key=f"funding-{line.source}",
            source=line.source,
            budget=line.budget,
            spent=line.spent,
            allocated=line.allocated,
            label=line.label,
            forecast=line.forecast,
            lag_reason=lag_reasons.get(line.source, ""),
        )
        for line in money
    ]
    if indicators is None:
        previous = previous if previous is not None else previous_actuals(ret)
        indicators = indicator_lines_of([ret.pk], {ret.pk: previous})[ret.pk]
    return rules.ReturnData(key="return", region_name=ret.region.name, money=lines, indicators=indicators)


# The fields of an indicator line as the rules engine reads them: the actual's, its indicator's
# and the parent indicator's 指标值 — one row a line, no model instance (a fund check reads
# tens of thousands of lines).
_LINE_FIELDS = (
    "ret_id",
    "indicator_id",
    "indicator__level1",
    "indicator__level2",
    "indicator__name",
    "indicator__target_text",
    "indicator__plausible_min",
    "indicator__plausible_max",
    "indicator__parent_indicator__target_text",
    "actual_text",
    "reason",
    "measure",
    "judged_met",
    "denominator",
    "forecast_text",
    "deviation_cause",
    "likelihood",
)
_DEVIATION_CAUSES = dict(DeviationCause.choices)
_LIKELIHOODS = dict(Likelihood.choices)


def indicator_lines_of(
    returns: list[int] | QuerySet, previous: dict[int, dict[str, str]]
) -> dict[int, list[rules.IndicatorLine]]:
    """The indicator lines of each return (pks, or a query of them: a subquery is planned far
    better than a list of 1,100 pks), in the indicators' order, in one query for all of them;
    ``previous``: last year's actuals of each return (``previous_actuals_of``). A return
    without lines has none."""
    found: dict[int, list[rules.IndicatorLine]] = defaultdict(list)
    if isinstance(returns, QuerySet):
        rows = _line_rows(returns)
    else:  # a return's page asks for its own: compiled once for each length of the list
        rows, _db = _LINE_ROWS.rows(returns=list(returns))
    for row in rows:
        found[row[0]].append(_indicator_line(row, previous.get(row[0], {})))
    return found


def _line_rows(returns) -> QuerySet:
    return (
        IndicatorActual.objects.filter(ret_id__in=returns)
        .order_by("ret_id", "indicator__order", "pk")
        .values_list(*_LINE_FIELDS)
    )


_LINE_ROWS = CompiledRows(IndicatorActual, _line_rows, returns=Ints)


def _indicator_line(row: tuple, previous: dict[str, str]) -> rules.IndicatorLine:
    """One indicator line from a row of ``_LINE_FIELDS``."""
    (
        _ret_id,
        indicator_id,
        level1,
        level2,
        name,
        target_text,
        plausible_min,
        plausible_max,
        parent_target_text,
        actual_text,
        reason,
        measure,
        judged_met,
        denominator,
        forecast_text,
        deviation_cause,
        likelihood,
    ) = row
    return rules.IndicatorLine(
        key=f"actual-{indicator_id}",
        level1=level1,
        level2=level2,
        name=name,
        target_text=target_text,
        actual_text=actual_text,
        reason=reason,
        measure=measure,
        judged_met=judged_met,
        denominator=denominator,
        plausible_min=plausible_min,
        plausible_max=plausible_max,
        previous_text=previous.get(name),
        forecast_text=forecast_text,
        deviation_cause=_DEVIATION_CAUSES.get(deviation_cause, deviation_cause) if deviation_cause else "",
        likelihood=_LIKELIHOODS.get(likelihood, likelihood) if likelihood else "",
        parent_target_text=parent_target_text,  # None without a parent indicator
    )


def return_findings(
    ret: Return,
    *,
    money: Figures | None = None,
    previous: dict[str, str] | None = None,
    data: rules.ReturnData | None = None,
    lag_reasons: dict[str, str] | None = None,
) -> list[rules.Finding]:
    """The rules engine's findings for one return: the year-end checks, or mid-year the
    monitoring checks with the fund's cut-off month and thresholds (``monitoring_plan``).
    ``data``: the return as checked when not as saved (an offline workbook's values over
    ``return_data``), so an upload's preview warns exactly as submitting would."""
    if data is None:
        data = return_data(ret, money=money, previous=previous, lag_reasons=lag_reasons)
    return _check_of(ret.fund, ret.period)(data)


def _check_of(fund: Fund, period: str):
    """What checks one return of ``fund`` and ``period`` (a function of ``rules.ReturnData``)."""
    if period != Period.MID_YEAR:
        return rules.check_return
    plan = monitoring_plan(fund)
    return partial(rules.check_monitoring, months=plan.through_month, thresholds=plan.thresholds)


def errors_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "warning"]


def fund_findings(
    fund: Fund, region: Region, period: str = "year_end"
) -> list[tuple[Return | None, rules.Finding]]:
    """Check the returns the region reviews: those of the regions directly below it and of the
    projects run there, each against its own budget (the ledger's).

    Finds, besides each return's own problems, spending where nothing was allocated and
    regions with money but no return at all (neither their own nor one below them). Each
    finding comes with the return it is about.
    """
    return [(ret, finding) for _name, ret, finding in _fund_findings(fund, region, period)]


def _fund_findings(fund: Fund, region: Region, period: str) -> list[tuple[str, Return | None, rules.Finding]]:
    """``fund_findings``, each with the name of the region (or project) it is about. Queries:
    the ledger's, last year's actuals (none without a previous year) and one read of all the
    returns' indicator lines as rows — whatever the number of returns."""
    ledger = FundLedger(fund, region, period)
    # The ledger read every return of the subtree with its money lines; the checks want the
    # ones directly below the region, in the order of the regions.
    tree = ledger.tree
    placed = [  # each node's region, then the node: a county, then the projects run in it
        (tree.region(node.region_id).position, node.position, key)
        for key in ledger.returns
        if tree.region((node := tree.nodes[key]).region_id).parent is tree.root
    ]
    returns = [ledger.returns[key] for *_order, key in sorted(placed)]
    previous = previous_actuals_of(returns, fund=fund)
    below = Return.objects.filter(fund=fund, period=period, region__parent=region).values("pk")
    indicators = indicator_lines_of(below, previous)
    data, names = [], {}
    for ret in returns:
        item = return_data(ret, money=ledger.return_money(ret), indicators=indicators[ret.pk])
        item.region_name = names[ret.pk] = ledger.node_for(ret).name
        # Tag every key with its return so each finding can link to it.
        item.key = (ret.pk, item.key)
        for line in [*item.money, *item.indicators]:
            line.key = (ret.pk, line.key)
        data.append(item)
    unreported = {
        account.node.name: account.received.total for account in ledger.taking_part() if not account.reported
    }
    by_pk = {ret.pk: ret for ret in returns}
    found = []
    for finding in rules.check_fund(data, unreported, check=_check_of(fund, period)):
        if isinstance(finding.where, tuple):
            found.append((names[finding.where[0]], by_pk[finding.where[0]], finding))
        else:  # a region with money and no return: ``where`` is its name
            found.append((finding.where, None, finding))
    return found


# The severities of a finding, most serious first, with the word the pages print for each.
SEVERITIES = {"error": "错误", "warning": "提示", "info": "信息"}


@dataclass
class RegionFindings:
    """The findings about one region (or project) below the reviewer's: its return (None for a
    region with money and no return), the findings errors first, and their counts."""

    name: str
    ret_pk: int | None  # the return the page links to: a pk, not the instance, as the page keeps
    # the whole list in the cache (indicators.kept) and a prefecture lists 1,100 of them
    findings: list[rules.Finding]

    @cached_property
    def tally(self) -> Counter:
        """{severity: findings}: the page adds them up for every region."""
        return Counter(f.severity for f in self.findings)

    def count(self, severity: str) -> int:
        return self.tally[severity]

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(label, count) of each severity it has, most serious first: 错误2条 提示1条."""
        return [(label, n) for key, label in SEVERITIES.items() if (n := self.count(key))]


def fund_findings_by_region(fund: Fund, region: Region, period: str = "year_end") -> list[RegionFindings]:
    """``fund_findings`` as a reviewer reads them: by region, the regions with errors first, then
    those with warnings, then the rest (each group in the order of the regions), and in each
    region its errors, warnings, then information."""
    groups: dict[object, RegionFindings] = {}
    for name, ret, finding in _fund_findings(fund, region, period):
        key = ret.pk if ret is not None else name
        if key not in groups:
            groups[key] = RegionFindings(name, ret.pk if ret is not None else None, [])
        groups[key].findings.append(finding)
    for group in groups.values():
        group.findings.sort(key=lambda f: _rank(f.severity))
    return sorted(groups.values(), key=lambda group: _rank(group.findings[0].severity))


def _rank(severity: str) -> int:
    order = list(SEVERITIES)
    return order.index(severity) if severity in order else len(order)


# --- what a reviewer still has to look at before approving (bulk approval, #11) -----------------


@dataclass(frozen=True)
class OpenItems:
    """What is still open in a submitted return, in the words the reviewer reads.

    ``items``: lines waiting for the reviewer's judgement, empty narratives, an empty 总体目标,
    the checks' warnings — none blocks an approval, but a bulk approval passes over them only
    when the reviewer ticks the return. ``errors``: the checks' errors, which do block it.
    """

    ret: Return
    items: list[str]
    errors: list[str]


NARRATIVE_LINES = Prefetch("narratives", queryset=ReturnNarrative.objects.all())


def open_items_of(returns: list[Return]) -> list[OpenItems]:
    """``OpenItems`` of each return, in the given order, in a number of queries that does not
    grow with the returns: one ledger, one read of last year's actuals per fund, period and
    reviewing region, and one prefetch of the lines and narratives for all."""
    if not returns:
        return []
    fetched = {
        ret.pk: ret
        for ret in Return.objects.filter(pk__in=[r.pk for r in returns])
        .select_related("fund", "region__parent", "project")
        .prefetch_related("funding", NARRATIVE_LINES)
    }
    groups: dict[tuple, list[Return]] = defaultdict(list)
    for ret in fetched.values():
        # The ledger of the region that reviews the return holds its budget (as fund_findings).
        root = ret.region.parent or ret.region
        groups[(ret.fund_id, ret.period, root.pk)].append(ret)
    found: dict[int, OpenItems] = {}
    for group in groups.values():
        first = group[0]
        ledger = FundLedger(first.fund, first.region.parent or first.region, first.period)
        previous = previous_actuals_of(group, fund=first.fund)
        indicators = indicator_lines_of([ret.pk for ret in group], previous)
        for ret in group:
            data = return_data(ret, money=ledger.return_money(ret), indicators=indicators[ret.pk])
            findings = return_findings(ret, data=data)
            found[ret.pk] = OpenItems(
                ret, _open_items(ret, findings), [f.message for f in errors_of(findings)]
            )
    return [found[ret.pk] for ret in returns if ret.pk in found]


def open_items(ret: Return) -> list[str]:
    """What is still open in one return (see ``OpenItems.items``)."""
    states = open_items_of([ret])
    return states[0].items if states else []


def _open_items(ret: Return, findings: list[rules.Finding]) -> list[str]:
    items = []
    # The rules engine says which lines it cannot settle: a qualitative actual whose wording
    # does not say met or missed, with no 认定 of the reviewer yet.
    unjudged = sum(1 for f in findings if f.code == "needs_judgement")
    if unjudged:
        items.append(f"{unjudged}项定性指标待审核认定")
    monitoring = ret.period == Period.MID_YEAR  # the monitoring table has no narratives
    written = {n.aspect for n in ret.narratives.all() if n.description.strip()}
    empty = len(Aspect.values) - len(written & set(Aspect.values))
    if empty and not monitoring:
        items.append(f"{empty}项资金管理情况未填写")
    if not ret.goal_achievement.strip():
        items.append("总体目标执行情况未填写" if monitoring else "总体目标完成情况未填写")
    items.extend(f"警告：{f.message}" for f in warnings_of(findings))
    return items
