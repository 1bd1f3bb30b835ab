"""Adapting a Return to the rules engine's consistency checks.

Keys point at form fields: ``funding-<source>`` for a money line, ``actual-<indicator id>`` for
an indicator line, ``return`` for the whole return, so the form shows each finding next to
the field it is about.
"""

from django.db.models import Prefetch

from indicators import rules
from indicators.ledger import Figures, FundLedger, return_money
from indicators.models import IndicatorActual, Return
from indicators.selectors import previous_actuals
from transfers.models import Fund, Region


def return_data(ret: Return, *, money: Figures | None = None) -> rules.ReturnData:
    """The return as the rules engine checks it; ``money`` from the ledger (looked up if None)."""
    money = money if money is not None else return_money(ret)
    lines = [
        rules.MoneyLine(
            key=f"funding-{line.source}",
            source=line.source,
            budget=line.budget,
            spent=line.spent,
            allocated=line.allocated,
            label=line.label,
        )
        for line in money
    ]
    previous = previous_actuals(ret)
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


def return_findings(ret: Return, *, money: Figures | None = None) -> list[rules.Finding]:
    return rules.check_return(return_data(ret, money=money))


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
        for finding in rules.check_fund(data, unreported)
    ]
