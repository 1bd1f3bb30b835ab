"""One monitoring return as screens and documents read it: each indicator line with its light
(``rules.monitor_line``), each money source with its lag, the return's light (its worst line's).

The one adapter between a mid-year ``Return`` and ``rules.monitoring``: the form, the detail
and review pages, the board of lights and the 绩效运行监控表 all read their lights here, with
the fund's cut-off month and thresholds (``selectors.monitoring_plan``).
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators import rules
from indicators.ledger import Figures, Money, return_money
from indicators.models import IndicatorActual, MonitoringPlan, Return
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
