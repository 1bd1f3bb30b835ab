"""The board of lights (运行监控): for one fund's mid-year period, each region, unit or project
directly below a region with its own monitoring return's status and light, the counts of its
green, yellow and red lines, and the ledger's execution to the cut-off month and forecast.

Every light is ``indicators.monitoring.return_monitoring``'s, with the fund's plan read once;
every money figure is the ledger's (``FundLedger`` of the mid-year period: the approved figures,
rolled up where a region has no approved return of its own), as on the year-end board.

A region without a monitoring return of its own shows the worst light of the returns its
figures roll up from (the approved returns below it, ``Account.below.frontier``), marked as
rolled up, and the sum of their lines' counts; with none, no light (—). A draft or a submitted
return below is not counted above: the level above sees what it approved, as with the money.

Queries: the ledger's, the plan's, and two for the lines of every return on the page (their
indicator lines with their indicators, their money lines' lag reasons) whatever the number of
regions below.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators import rules
from indicators.ledger import Account, FundLedger
from indicators.models import MonitoringPlan, Period
from indicators.monitoring import Monitoring, returns_monitoring
from indicators.selectors import AccountRow, monitoring_plan
from transfers.models import Fund, Region

LIGHTS = (rules.GREEN, rules.YELLOW, rules.RED)


@dataclass(frozen=True)
class MonitoringRow(AccountRow):
    """One region (or project) directly below the board's region."""

    account: Account  # the ledger's, of the mid-year period
    monitoring: list[Monitoring]  # its own return's; else those of the approved returns below
    has_below: bool  # regions or projects below it take part: it has a board of its own
    months: int  # the plan's cut-off month

    @property
    def rolled_up(self) -> bool:
        """The light is the approved returns' below, not a return of its own."""
        return self.ret is None and bool(self.monitoring)

    @property
    def light(self) -> str | None:
        return rules.worst_light(m.light for m in self.monitoring)

    @property
    def light_label(self) -> str:
        return rules.LIGHT_LABELS.get(self.light, "")

    @property
    def counts(self) -> dict[str, int]:
        """{green/yellow/red: lines with that light}, over the returns the light is read from."""
        return {light: sum(m.count(light) for m in self.monitoring) for light in LIGHTS}

    @property
    def lags(self) -> bool:
        """Execution behind the months passed (rules.execution_lags of the ledger's total)."""
        return bool(self.money.budget) and rules.execution_lags(
            self.money.spent, self.money.budget, months=self.months
        )


@dataclass(frozen=True)
class MonitoringBoard:
    plan: MonitoringPlan
    account: Account  # the board's own region
    rows: list[MonitoringRow]


def monitoring_board(
    fund: Fund,
    region: Region,
    *,
    ledger: FundLedger | None = None,
    accounts: list[Account] | None = None,
) -> MonitoringBoard:
    """The board of lights below ``region`` (an empty list where the fund reaches nothing below):
    of ``accounts`` (a page of the board, ``selectors.board_page``), else of every region below."""
    ledger = ledger or FundLedger(fund, region, Period.MID_YEAR)
    plan = monitoring_plan(fund)
    accounts = ledger.taking_part() if accounts is None else accounts
    read_from = {
        account.node.key: [account.own] if account.own else [ret for _n, ret in account.below.frontier]
        for account in accounts
    }
    returns = {ret.pk: ret for rets in read_from.values() for ret in rets}
    lights = returns_monitoring(list(returns.values()), ledger=ledger, plan=plan)
    rows = [
        MonitoringRow(
            account,
            [lights[ret.pk] for ret in read_from[account.node.key]],
            not account.node.is_project and bool(ledger.taking_part(account.node)),
            plan.through_month,
        )
        for account in accounts
    ]
    return MonitoringBoard(plan, ledger.account(), rows)
