"""What the central department reads: one central fund across the provinces that received it.

Each province's figures are those of its own ledger (``indicators.ledger``), by the one roll-up
rule: its approved return, else the approved returns below it. The nation adds the provinces
up as the ledger adds up a region's children (``ledger.together``): the budgets they received
from the centre and their spending, by source. Each indicator is judged by the rules engine
(``rules.evaluate``) against that province's own target (the ministry sets each province its
own), by the same rule as its money: the line of its own approved return, else the roll-up of
the approved returns below it (``rollups.rolled_up_below``), marked as such; the nation counts
the provinces that met it. All of it in the queries of one ledger and a read of the provinces'
lines, whatever the number of provinces (docs/domain.md §8).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indicators import rules
from indicators.ledger import Figures, FundLedger, Money, at_roots, together
from indicators.models import IndicatorActual, IndicatorTarget, Period, Return
from indicators.rollups import rolled_up_below
from indicators.selectors import (
    ProgressRow,
    filled_lines,
    previous_actuals_of,
    progress_row,
    province_return_tables,
)
from transfers.models import CentralFund, Fund, MoneySource


@dataclass
class ProvinceResult:
    """One province's figure of one indicator, judged against its own target."""

    province: str
    target_text: str
    actual_text: str
    met: bool | None  # None: a person must judge, or the text could not be read
    rolled_up: bool = False  # the approved returns below it rolled up: its own is not approved

    @property
    def label(self) -> str:
        """The province as the board and the summary name it: marked where its figure is the
        roll-up of the approved returns below it."""
        return f"{self.province}（下级汇总）" if self.rolled_up else self.province


@dataclass
class NationalIndicator:
    """One indicator of the central fund's target table, province by province."""

    level1: str
    level2: str
    name: str
    results: list[ProvinceResult] = field(default_factory=list)

    @property
    def met(self) -> list[str]:
        return [r.province for r in self.results if r.met is True]

    @property
    def missed(self) -> list[str]:
        return [r.province for r in self.results if r.met is False]

    @property
    def to_judge(self) -> list[str]:
        return [r.label for r in self.results if r.met is None]


@dataclass
class ProvinceLine:
    """One province's row of the national board: its fund of the central fund and its row as a
    board of the province would show it (money by the rule, its own return, the units below)."""

    fund: Fund
    row: ProgressRow
    indicators_met: tuple[int, int] | None = None  # (met, judged), None with nothing approved
    indicators_rolled_up: bool = False  # judged on the roll-up of the approved returns below

    @property
    def central_money(self) -> Money:
        """The central money (中央财政): what the centre sent the province, and its spending."""
        return self.row.account.figures.line(MoneySource.CENTRAL)


@dataclass
class NationalBoard:
    central: CentralFund
    lines: list[ProvinceLine]
    total: Figures  # the provinces added up
    indicators: list[NationalIndicator]
    pending: list[str]  # provinces whose own return is not approved (a draft of the summary)
    not_counted: list[str] = field(default_factory=list)  # nothing approved: no indicator counted

    @property
    def central_money(self) -> Money:
        return self.total.line(MoneySource.CENTRAL)

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """(state, provinces) of the provinces' own returns (未开始 for none)."""
        return list(Counter(line.row.status_label for line in self.lines).items())


def national_board(central: CentralFund, period: str = Period.YEAR_END) -> NationalBoard:
    """The board of ``central``: one line per province that has a fund of it, in the order of
    the national code list, the total, and each indicator by province."""
    funds = list(central.funds.select_related("region").order_by("region__code"))
    ledgers = FundLedger.for_funds(funds, period=period)
    accounts = {fund.pk: ledgers[fund.pk].account() for fund in funds}
    own = [account.own for account in accounts.values() if account.own is not None]
    results = _own_results([ret for ret in own if ret.status == Return.Status.APPROVED])
    results.update(
        _rolled_up_results([fund for fund in funds if accounts[fund.pk].basis == "rolled_up"], ledgers)
    )
    lines = filled_lines(own)
    board_lines, by_name = [], {}
    for fund in funds:
        row = progress_row(ledgers[fund.pk], accounts[fund.pk], lines)
        found = results.get(fund.pk)
        met = None
        if found is not None:
            for level1, level2, name, result in found:
                by_name.setdefault(name, NationalIndicator(level1, level2, name)).results.append(result)
            met = (sum(1 for *_names, result in found if result.met), len(found))
        rolled = accounts[fund.pk].basis == "rolled_up"
        board_lines.append(ProvinceLine(fund, row, met, rolled and found is not None))
    pending = [line.row.name for line in board_lines if line.row.status != Return.Status.APPROVED]
    not_counted = [line.row.name for line in board_lines if line.indicators_met is None]
    return NationalBoard(
        central, board_lines, together(accounts.values()), list(by_name.values()), pending, not_counted
    )


@dataclass(frozen=True)
class NationalTotal:
    """One central fund's national total as the list of central funds prints it."""

    total: Figures  # the provinces added up, each by the roll-up rule
    provinces: int  # provinces with a fund of it
    approved: int  # of them, those whose own return is approved

    @property
    def central_money(self) -> Money:
        return self.total.line(MoneySource.CENTRAL)


def national_totals(centrals, period: str = Period.YEAR_END) -> dict[int, NationalTotal]:
    """{central fund pk: its ``NationalTotal``}: the figures each province's ledger has at its
    root, summed in the database (``ledger.at_roots``) rather than read region by region, and
    added up as the national board adds its provinces (``ledger.together``). Three queries for
    any number of central funds and provinces."""
    centrals = list(centrals)
    funds = list(Fund.objects.filter(central__in=centrals).order_by("pk"))
    roots = at_roots(funds, period)
    by_central: dict[int, list] = {central.pk: [] for central in centrals}
    for fund in funds:
        by_central[fund.central_id].append(roots[fund.pk])
    return {
        pk: NationalTotal(together(accounts), len(accounts), sum(1 for a in accounts if a.basis == "own"))
        for pk, accounts in by_central.items()
    }


# One province's indicators as the board reads them: (一级, 二级, 三级指标, the province's result).
_Results = list[tuple[str, str, str, ProvinceResult]]


def _own_results(returns: list[Return]) -> dict[int, _Results]:
    """{fund pk: its indicators} of the approved provinces' own returns, each judged by the rules
    engine with last year's actuals where the fund was copied from one, in the table's order."""
    previous = previous_actuals_of(returns)
    province = {ret.pk: (ret.fund_id, ret.region.display_name) for ret in returns}
    found: dict[int, _Results] = {fund_pk: [] for fund_pk, _name in province.values()}
    rows = (
        IndicatorActual.objects.filter(ret__in=[ret.pk for ret in returns])
        .order_by("indicator__order", "pk")  # each province's lines in its table's order
        .values_list(
            "ret_id",
            "indicator__level1",
            "indicator__level2",
            "indicator__name",
            "indicator__target_text",
            "actual_text",
            "judged_met",
            "denominator",
        )
    )
    for ret_id, level1, level2, name, target_text, actual_text, judged_met, denominator in rows:
        result = rules.evaluate(
            target_text,
            actual_text,
            judged_met=judged_met,
            previous=previous.get(ret_id, {}).get(name),
            denominator=denominator,
        )
        fund_pk, province_name = province[ret_id]
        found[fund_pk].append(
            (level1, level2, name, ProvinceResult(province_name, target_text, actual_text, _met(result)))
        )
    return found


def _rolled_up_results(funds: list[Fund], ledgers: dict[int, FundLedger]) -> dict[int, _Results]:
    """{fund pk: its indicators} of the provinces whose own return is not approved but whose
    figures roll up from approved returns below: each indicator of the province's own target
    table, rolled up by its rule (``rollups.rolled_up_below``, as the province's return would
    take it) and judged against the province's target. A person judges 未全部完成, as on the
    province's own return."""
    if not funds:
        return {}
    # The table each province's own return would report against: the central one where it has one.
    tables = province_return_tables(funds)
    indicators: dict[int, list[IndicatorTarget]] = {fund.pk: [] for fund in funds}
    fund_of = {table.pk: fund_pk for fund_pk, table in tables.items()}
    for indicator in IndicatorTarget.objects.filter(table__in=list(tables.values())).order_by("order", "pk"):
        indicators[fund_of[indicator.table_id]].append(indicator)
    wanted = [(ledgers[fund.pk], ledgers[fund.pk].root, indicators[fund.pk]) for fund in funds]
    found: dict[int, _Results] = {}
    for fund, rolled in zip(funds, rolled_up_below(wanted), strict=True):
        if not indicators[fund.pk]:
            continue  # no target table of its own yet: nothing to judge
        province_name = ledgers[fund.pk].root.display_name
        found[fund.pk] = []
        for indicator in indicators[fund.pk]:
            rollup = rolled[indicator.pk]
            met = _met(rules.evaluate(indicator.target_text, rollup.text))
            found[fund.pk].append(
                (
                    indicator.level1,
                    indicator.level2,
                    indicator.name,
                    ProvinceResult(province_name, indicator.target_text, rollup.text, met, rolled_up=True),
                )
            )
    return found


def _met(evaluation) -> bool | None:
    """Met, missed, or None where a person must judge or the text could not be read."""
    return None if evaluation.error else evaluation.met
