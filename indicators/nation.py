"""What the central department reads: one central fund across the provinces that received it.

Each province's figures are those of its own ledger (``indicators.ledger``), by the one roll-up
rule: its approved return, else the approved returns below it. The nation adds the provinces
up as the ledger adds up a region's children (``ledger.together``): the budgets they received
from the centre and their spending, by source. Each indicator is judged by the rules engine
(``rules.evaluate``) in each province whose own return is approved, against that province's
target (the ministry sets each province its own), and the nation counts the provinces that met
it. All of it in the queries of one ledger and one read of the provinces' lines, whatever the
number of provinces (docs/domain.md §8).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indicators import rules
from indicators.ledger import Figures, FundLedger, Money, together
from indicators.models import IndicatorActual, Period, Return
from indicators.selectors import ProgressRow, filled_lines, previous_actuals_of, progress_row
from transfers.models import CentralFund, Fund, MoneySource


@dataclass
class ProvinceResult:
    """One province's figure of one indicator, judged against its own target."""

    province: str
    target_text: str
    actual_text: str
    met: bool | None  # None: a person must judge, or the text could not be read


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
        return [r.province for r in self.results if r.met is None]


@dataclass
class ProvinceLine:
    """One province's row of the national board: its fund of the central fund and its row as a
    board of the province would show it (money by the rule, its own return, the units below)."""

    fund: Fund
    row: ProgressRow
    indicators_met: tuple[int, int] | None = None  # (met, judged) of its own approved return

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
    pending: list[str]  # provinces whose own return is not approved: not in the indicator counts

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
    indicators = _indicators([ret for ret in own if ret.status == Return.Status.APPROVED])
    lines = filled_lines(own)
    board_lines = []
    for fund in funds:
        row = progress_row(ledgers[fund.pk], accounts[fund.pk], lines)
        board_lines.append(ProvinceLine(fund, row, indicators.counts.get(row.ret.pk) if row.ret else None))
    pending = [line.row.name for line in board_lines if line.row.status != Return.Status.APPROVED]
    return NationalBoard(central, board_lines, together(accounts.values()), indicators.by_name, pending)


@dataclass
class _Indicators:
    by_name: list[NationalIndicator]
    counts: dict[int, tuple[int, int]]  # return pk → (met, judged)


def _indicators(returns: list[Return]) -> _Indicators:
    """Each indicator of the approved provinces' own returns, judged by the rules engine with
    last year's actuals where the fund was copied from one; matched across provinces by name,
    in the order of the first province's table."""
    previous = previous_actuals_of(returns)
    names = {ret.pk: ret.region.display_name for ret in returns}
    by_name: dict[str, NationalIndicator] = {}
    counts: dict[int, list[int]] = {ret.pk: [0, 0] for ret in returns}
    rows = (
        IndicatorActual.objects.filter(ret__in=[ret.pk for ret in returns])
        .order_by("ret__region__code", "indicator__order", "pk")
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
        met = None if result.error else result.met
        indicator = by_name.setdefault(name, NationalIndicator(level1, level2, name))
        indicator.results.append(ProvinceResult(names[ret_id], target_text, actual_text, met))
        counts[ret_id][1] += 1
        if met:
            counts[ret_id][0] += 1
    return _Indicators(list(by_name.values()), {pk: (met, judged) for pk, (met, judged) in counts.items()})
