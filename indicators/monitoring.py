"""One monitoring return as screens and documents read it: each indicator line with its light
(``rules.monitor_line``), each money source with its lag, the return's light (its worst line's).

The one adapter between a mid-year ``Return`` and ``rules.monitoring``: the form, the detail
and review pages, the board of lights and the 绩效运行监控表 all read their lights here, with
the fund's cut-off month and thresholds (``selectors.monitoring_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects

from indicators import rules
from indicators.ledger import Figures, Money, return_money
from indicators.models import IndicatorActual, MonitoringPlan, Period, Return, ReturnFunding
from indicators.selectors import monitoring_plan


@dataclass(frozen=True)
class MonitoredLine:
    actual: IndicatorActual  # actual_text: 1–N月实际完成值; forecast_text: 全年预计完成值
    result: rules.MonitoringLine

    @property
    def light(self) -> str | None:
        return self.result.light


@dataclass(frozen=True)
class MonitoredMoney:
    money: Money  # spent: 1–N月执行数; forecast: 全年预计执行数
    lags: bool  # execution behind the months passed (rules.execution_lags)
    lag_reason: str


@dataclass(frozen=True)
class Monitoring:
    plan: MonitoringPlan
    lines: list[MonitoredLine]
    money: list[MonitoredMoney]
    total: Money

    @property
    def light(self) -> str | None:
        """The return's light: its worst line's (None while no line has a forecast)."""
        return rules.worst_light(line.light for line in self.lines)

    @property
    def light_label(self) -> str:
        return rules.LIGHT_LABELS.get(self.light, "")

    @property
    def by_indicator(self) -> dict[int, MonitoredLine]:
        return {line.actual.indicator_id: line for line in self.lines}

    @property
    def by_source(self) -> dict[str, MonitoredMoney]:
        return {line.money.source: line for line in self.money}

    def count(self, light: str) -> int:
        return sum(1 for line in self.lines if line.light == light)

    @property
    def time_share(self):
        """The share of the year passed by the cut-off month, % (1–6月: 50.00)."""
        return rules.time_share(self.plan.through_month)


def return_monitoring(
    ret: Return, *, money: Figures | None = None, plan: MonitoringPlan | None = None
) -> Monitoring:
    """The lights of one monitoring return as it stands (any status)."""
    plan = plan or monitoring_plan(ret.fund)
    months, thresholds = plan.through_month, plan.thresholds
    money = money if money is not None else return_money(ret)
    lag_reasons = {line.source: line.lag_reason for line in ret.funding.all()}
    money_lines = monitored_money(money, plan=plan, lag_reasons=lag_reasons)
    lines = [
        MonitoredLine(
            actual,
            rules.monitor_line(
                actual.indicator.target_text,
                actual.actual_text,
                actual.forecast_text,
                months=months,
                thresholds=thresholds,
            ),
        )
        for actual in _actual_lines(ret)
    ]
    return Monitoring(plan, lines, money_lines, money.total)


def returns_monitoring(returns: list[Return], *, ledger, plan: MonitoringPlan) -> dict[int, Monitoring]:
    """The lights of many mid-year returns at once (a board, a report of a subtree): their lines
    (with the indicator and its table) and money lines fetched in two queries for all of them,
    each return's money from ``ledger`` (a ``FundLedger`` of the mid-year period)."""
    prefetch_related_objects(
        returns,
        Prefetch(
            "actuals",
            queryset=IndicatorActual.objects.select_related("indicator__table").order_by("indicator__order"),
        ),
        "funding",
    )
    return {ret.pk: return_monitoring(ret, money=ledger.return_money(ret), plan=plan) for ret in returns}


def monitored_money(
    money: Figures, *, plan: MonitoringPlan, lag_reasons: dict[str, str] | None = None
) -> list[MonitoredMoney]:
    """Each money source the region has or spent, with its lag against the cut-off month: of
    a return (``return_monitoring``), or of the ledger's roll-up for a region without one (the
    绩效运行监控表 of a prefecture that did not fill its own), which has no reasons of its own."""
    lag_reasons = lag_reasons or {}
    return [
        MonitoredMoney(
            line,
            bool(line.budget) and rules.execution_lags(line.spent, line.budget, months=plan.through_month),
            lag_reasons.get(line.source, ""),
        )
        for line in money
        if line.budget or line.spent is not None or line.forecast is not None
    ]


def _actual_lines(ret: Return):
    if "actuals" in getattr(ret, "_prefetched_objects_cache", {}):
        return ret.actuals.all()
    return ret.actuals.select_related("indicator").order_by("indicator__order")


# --- year end builds on it ------------------------------------------------------------------


@dataclass(frozen=True)
class MidYear:
    """The mid-year return of a year-end return's fund and region (or project), each of its
    filled lines under the year-end line it matches, with its light."""

    ret: Return  # the mid-year return
    months_label: str  # 1–6月
    lines: dict[int, MonitoredLine]  # by the year-end line's indicator id

    @property
    def is_approved(self) -> bool:
        return self.ret.status == Return.Status.APPROVED


def midyear_of(ret: Return) -> MidYear | None:
    """What the year-end return ``ret`` builds on: the same fund and region (or project)'s
    mid-year return, if any. A year-end line matches the mid-year line of the same indicator
    (both returns report against the region's one table), else one of the same name, as the
    roll-ups match lines. Three queries, whatever the number of lines."""
    if ret.period != Period.YEAR_END:
        return None
    mid = (
        Return.objects.filter(
            fund_id=ret.fund_id, region_id=ret.region_id, project_id=ret.project_id, period=Period.MID_YEAR
        )
        .select_related("fund__monitoring_plan")
        .prefetch_related(
            Prefetch(
                "actuals", IndicatorActual.objects.select_related("indicator").order_by("indicator__order")
            ),
            # Only the lines' lights are shown here: the mid-year money is not read.
            Prefetch("funding", ReturnFunding.objects.none()),
        )
        .first()
    )
    if mid is None:
        return None
    plan = monitoring_plan(mid.fund)
    monitored = [
        line
        for line in return_monitoring(mid, money=Figures(()), plan=plan).lines
        if line.actual.actual_text or line.actual.forecast_text
    ]
    by_indicator = {line.actual.indicator_id: line for line in monitored}
    by_name: dict[str, MonitoredLine] = {}
    for line in monitored:
        by_name.setdefault(line.actual.indicator.name, line)
    lines = {}
    for indicator_id, name in ret.actuals.values_list("indicator_id", "indicator__name"):
        line = by_indicator.get(indicator_id) or by_name.get(name)
        if line is not None:
            lines[indicator_id] = line
    return MidYear(mid, plan.months_label, lines)


@dataclass(frozen=True)
class MidYearReview:
    """For the reviewer of a year-end return: the lines red at mid-year, and of them those
    missed at year end, each with its mid-year line beside it."""

    midyear: MidYear
    red: int
    missed: list[tuple[IndicatorActual, MonitoredLine]]  # year-end line, its mid-year line


def midyear_review(midyear: MidYear | None, lines) -> MidYearReview | None:
    """``lines``: the year-end return's (actual, rules.evaluate result), as the detail page
    evaluates them; a line is missed when the rules engine says it is not met."""
    if midyear is None:
        return None
    red = [
        (actual, evaluation, midyear.lines[actual.indicator_id])
        for actual, evaluation in lines
        if actual.indicator_id in midyear.lines and midyear.lines[actual.indicator_id].light == rules.RED
    ]
    if not red:
        return None
    missed = [(actual, line) for actual, evaluation, line in red if evaluation.met is False]
    return MidYearReview(midyear, len(red), missed)
