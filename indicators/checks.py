"""Adapting a Return to the rules engine's consistency checks.

Keys point at form fields: ``funding-<source>`` for a money line, ``actual-<indicator id>`` for
an indicator line, ``return`` for the whole return, so the form shows each finding next to
the field it is about.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.db.models import Prefetch

from indicators import rules
from indicators.ledger import Figures, FundLedger, return_money
from indicators.models import Aspect, IndicatorActual, Period, Return, ReturnNarrative
from indicators.selectors import monitoring_plan, previous_actuals, previous_actuals_of
from transfers.models import Fund, Region


def return_data(
    ret: Return, *, money: Figures | None = None, previous: dict[str, str] | None = None
) -> rules.ReturnData:
    """The return as the rules engine checks it; ``money`` from the ledger and ``previous``
    (last year's actuals, ``previous_actuals``) looked up when None."""
    money = money if money is not None else return_money(ret)
    lag_reasons = {line.source: line.lag_reason for line in ret.funding.all()}
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
    previous = previous if previous is not None else previous_actuals(ret)
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
            denominator=actual.denominator,
            plausible_min=actual.indicator.plausible_min,
            plausible_max=actual.indicator.plausible_max,
            previous_text=previous.get(actual.indicator.name),
            forecast_text=actual.forecast_text,
            deviation_cause=actual.get_deviation_cause_display() if actual.deviation_cause else "",
            likelihood=actual.get_likelihood_display() if actual.likelihood else "",
            parent_target_text=(
                actual.indicator.parent_indicator.target_text
                if actual.indicator.parent_indicator_id
                else None
            ),
        )
        for actual in _actual_lines(ret)
    ]
    return rules.ReturnData(key="return", region_name=ret.region.name, money=lines, indicators=indicators)


ACTUAL_LINES = Prefetch(
    "actuals",
    queryset=IndicatorActual.objects.select_related("indicator__parent_indicator").order_by(
        "indicator__order"
    ),
)


def _actual_lines(ret: Return):
    """The return's indicator lines in order, from a prefetch (ACTUAL_LINES) when there is one."""
    if "actuals" in getattr(ret, "_prefetched_objects_cache", {}):
        return ret.actuals.all()
    return ret.actuals.select_related("indicator__parent_indicator").order_by("indicator__order")


def return_findings(
    ret: Return,
    *,
    money: Figures | None = None,
    previous: dict[str, str] | None = None,
    data: rules.ReturnData | None = None,
) -> list[rules.Finding]:
    """The rules engine's findings for one return: the year-end checks, or mid-year the
    monitoring checks with the fund's cut-off month and thresholds (``monitoring_plan``).
    ``data``: the return as checked when not as saved (an offline workbook's values over
    ``return_data``), so an upload's preview warns exactly as submitting would."""
    if data is None:
        data = return_data(ret, money=money, previous=previous)
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
    ledger = FundLedger(fund, region, period)
    returns = list(
        Return.objects.filter(fund=fund, period=period, region__parent=region)
        .select_related("fund", "region", "project")
        .prefetch_related("funding", ACTUAL_LINES)
    )
    data = []
    for ret in returns:
        item = return_data(ret, money=ledger.return_money(ret))
        item.region_name = ledger.node_for(ret).name
        # Tag every key with its return so each finding can link to it.
        item.key = (ret.pk, item.key)
        for line in [*item.money, *item.indicators]:
            line.key = (ret.pk, line.key)
        data.append(item)
    unreported = {
        account.node.name: account.received.total for account in ledger.taking_part() if not account.reported
    }
    by_pk = {ret.pk: ret for ret in returns}
    return [
        (by_pk.get(finding.where[0]) if isinstance(finding.where, tuple) else None, finding)
        for finding in rules.check_fund(data, unreported, check=_check_of(fund, period))
    ]


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
        .prefetch_related("funding", ACTUAL_LINES, NARRATIVE_LINES)
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
        for ret in group:
            findings = return_findings(ret, money=ledger.return_money(ret), previous=previous.get(ret.pk, {}))
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
