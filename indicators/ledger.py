"""One read model of a fund's money: budget, spending and execution rate, the same everywhere.

For a fund, a region (the root of what is read) and a period, the ledger answers for the
root and every region, budget unit and project below it, by money source and in total:

* **budget** — money that comes down from above (``transfers.models.ALLOCATED_SOURCES``:
  中央财政, 省级财政) is what the allocations brought into the region's subtree
  (``transfers.budgets``, the one subtree rule); a region's own money (市县配套, 其他) is the
  budget its return states, marked ``stated``;
* **spending** — the one roll-up rule (docs/architecture.md): a region's figures are those of
  its own **approved** return; a region without one counts the figures of the regions and
  projects directly below it, by the same rule. Said once, as SQL (``return_reach``: at how
  many nodes up from its own an approved return counts), read with the returns' rows, and
  summed in the database at a fund's own region by ``at_roots``. Computed on every read, never
  stored;
* **execution rate** — ``rules.execution_rate`` of one source's spending over that source's
  budget, or of the totals; never one source's spending over another's budget.

``return_money(ret)`` applies the same lines to one return as it stands (any status): the
return form and detail page, the offline workbook, the checks.

Every screen, check, workbook and document that shows money reads it here: the return form
and detail, the review and fund check pages, the progress board, roll-ups, the whole-fund
export and documents A–G. Queries: the tree (2), the allocations (1), the returns with their
money lines (2) — whatever the size of the tree — and the allocations' notices (1) when a page
prints the allocations themselves. Everything is read as rows: the roll-up runs on them, and a
region's, return's or allocation's model instance is built only when a page asks for it, so a
province's board builds its dozen rows' models, not those of every county below (issue #14).
``FundLedger.for_funds`` reads the ledgers of many funds in the same queries (the home page,
and the ministry's board of one fund in each province).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from common.compiled import CompiledRows, Ints
from indicators import rules
from indicators.models import Period, Return, ReturnFunding
from transfers.budgets import (
    FundBudgets,
    Received,
    Steps,
    distance_from_own_region,
    in_own_tree,
    received_at_roots,
)
from transfers.models import ALLOCATED_SOURCES, Fund, MoneySource, Region
from transfers.tree import REGIONS, Node, RegionTree, subtrees_q

ZERO = Decimal("0")
NO_VALUES = (None, None, None)  # (stated budget, spent, forecast) of a source a return lacks
TOTAL = "total"
TOTAL_LABEL = "合计"
# The sources in the official order, read once: a ledger asks for them at every node, and a
# Django choices enum rebuilds its lists on every read.
SOURCES: tuple[tuple[str, str], ...] = tuple((source.value, source.label) for source in MoneySource)
SOURCE_VALUES: tuple[str, ...] = tuple(value for value, _label in SOURCES)


# --- what the consumers read -----------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Budget and spending of one money source, of a group of sources, or of all of them."""

    source: str  # a MoneySource value, "total", or a group's name
    label: str
    budget: Decimal | None
    spent: Decimal | None
    stated: bool = False  # the budget is what the return states, not what was allocated
    # Mid-year monitoring: 全年预计执行数, where the year's spending is expected to end (spent is
    # then 1–N月执行数). Rolled up as spending is. None at year end.
    forecast: Decimal | None = None

    @property
    def allocated(self) -> bool:
        """Whether this money comes down by allocation (its budget is never typed)."""
        return self.source in ALLOCATED_SOURCES

    @property
    def rate(self) -> Decimal | None:
        return rules.execution_rate(self.spent, self.budget)

    @property
    def forecast_rate(self) -> Decimal | None:
        """全年预计执行率: the forecast over the budget."""
        return rules.execution_rate(self.forecast, self.budget)


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, ZERO) if present else None


@dataclass(frozen=True)
class Figures:
    """The money lines of one region, project or return: one per source, in the official order."""

    lines: tuple[Money, ...]

    def __iter__(self):
        return iter(self.lines)

    def line(self, source: str) -> Money:
        return next(line for line in self.lines if line.source == source)

    def group(self, label: str, sources: Iterable[str], *, name: str = "") -> Money:
        """Several sources together: budgets with budgets, spending with spending."""
        wanted = set(sources)
        chosen = [line for line in self.lines if line.source in wanted]
        return Money(
            name or label,
            label,
            _sum(line.budget for line in chosen),
            _sum(line.spent for line in chosen),
            any(line.stated for line in chosen),
            _sum(line.forecast for line in chosen),
        )

    @cached_property  # a board reads it for every column of every row
    def total(self) -> Money:
        return self.group(TOTAL_LABEL, SOURCE_VALUES, name=TOTAL)

    @property
    def has_spending(self) -> bool:
        return any(line.spent is not None for line in self.lines)


def figures(received: Received, values: dict[str, tuple]) -> Figures:
    """The lines for what ``received`` brought and ``values`` ({source: (stated budget, spent,
    forecast)}).

    The one place that decides which budget a source has: allocated sources take the
    allocations (None when nothing of that source arrived), a region's own money the budget
    its return states.
    """
    lines = []
    for value, label in SOURCES:
        stated_budget, spent, forecast = values.get(value, NO_VALUES)
        if value in ALLOCATED_SOURCES:
            lines.append(Money(value, label, received.source(value), spent, forecast=forecast))
        else:
            lines.append(Money(value, label, stated_budget, spent, stated_budget is not None, forecast))
    return Figures(tuple(lines))


@dataclass
class Rollup:
    """What the approved returns below a node add up to (the node's own return aside)."""

    received: Received  # the node's budget, which the figures' allocated sources carry
    nodes: list[Node]  # the nodes whose approved returns the figures come from
    missing: list[Node]  # regions or projects below with money but no approved figures
    values: dict[str, tuple] = field(default_factory=dict)  # {source: (stated, spent, forecast)}
    returns: Mapping[tuple, Return] = field(default_factory=dict, repr=False, compare=False)

    @cached_property  # built for the nodes a page prints; the roll-up itself adds ``values``
    def figures(self) -> Figures:
        return figures(self.received, self.values)

    @property
    def frontier(self) -> list[tuple[Node, Return]]:
        """The approved returns the figures come from, each with its node."""
        return [(node, self.returns[node.key]) for node in self.nodes]

    @property
    def frontier_pks(self) -> list[tuple[Node, int]]:
        """``frontier`` as (node, the return's pk), without building the returns: what a
        roll-up of their lines needs (the ministry's board reads 2,600)."""
        return [(node, self.returns.pk(node.key)) for node in self.nodes]

    def parts(self, source: str) -> list[tuple[str, Decimal | None]]:
        """Each contributing return's spending of one source (for “组成”)."""
        return [
            (node.display_name, _own_values(ret).get(source, NO_VALUES)[1]) for node, ret in self.frontier
        ]


@dataclass
class Account:
    """One node's money for the fund and period, by the roll-up rule."""

    node: Node
    received: Received
    basis: str  # "own" (its approved return) / "rolled_up" / "none"
    below: Rollup
    reported: bool = False  # a return of the fund and period exists in its subtree (any status)
    returns: Mapping[tuple, Return] = field(default_factory=dict, repr=False, compare=False)

    @property
    def values(self) -> dict[str, tuple]:
        """{source: (stated budget, spent, forecast)} by the rule: the own approved return's,
        else those rolled up from the nodes below, else none."""
        if self.basis == "own":
            return self.returns.money[self.node.key]
        return self.below.values if self.basis == "rolled_up" else {}

    @cached_property
    def figures(self) -> Figures:
        """By the rule: the own approved return, else the roll-up of the nodes below."""
        if self.basis == "rolled_up":
            return self.below.figures
        return figures(self.received, self.values)

    @property
    def own(self) -> Return | None:
        """The node's own return for the period, whatever its status."""
        return self.returns.get(self.node.key)

    @property
    def total(self) -> Money:
        return self.figures.total

    @property
    def is_funded(self) -> bool:
        return bool(self.received.total)

    @property
    def takes_part(self) -> bool:
        """The fund reaches this node: it has money of it, or a return of it in its subtree."""
        return self.is_funded or self.reported


class Returns(Mapping):
    """The returns of a ledger by node key. Read as rows, with their money lines' values; a
    return's model instance is built on first use, with the ledger's fund and the tree's region
    and project, so a board of a province builds the instances of its rows, not of every county."""

    def __init__(self, fund: Fund, tree: RegionTree, rows: Iterable[tuple], db: str):
        self._fund, self._tree, self._db = fund, tree, db
        self._rows: dict[tuple, tuple] = {}
        self.money: dict[tuple, dict[str, tuple]] = {}  # node key → {source: (stated, spent, forecast)}
        self._lag_reasons: dict[tuple, dict[str, str]] = {}
        self._built: dict[tuple, Return] = {}
        # node key → the nodes whose approved returns its figures are (``return_reach``): its
        # own, or those below it that count at it. In the tree's print order.
        self.counted: dict[tuple, list[Node]] = {}
        for row, values, reasons in rows:
            node = tree.recipient(region_id=row[_REGION], project_id=row[_PROJECT])
            if node is not None:
                self._rows[node.key] = row
                self.money[node.key] = values
                self._lag_reasons[node.key] = reasons
                at = node
                for _step in range(row[_REACH]):  # as far up as it counts, inside the tree
                    if at is None:
                        break
                    self.counted.setdefault(at.key, []).append(node)
                    at = at.parent
        if self.counted:
            order, last = tree.print_order, len(tree.nodes)
            for nodes in self.counted.values():
                nodes.sort(key=lambda n: order.get(n.key, last))

    def __getitem__(self, key: tuple) -> Return:
        if key not in self._built:
            row = self._rows[key]  # KeyError for a node without a return, as a dict would
            ret = Return.from_db(self._db, RETURN_COLUMNS, row[:_REACH])
            ret.fund = self._fund
            if (region := self._tree.region(row[_REGION])) is not None:
                ret.region = region.region
            if row[_PROJECT] is not None:
                ret.project = self._tree.project(row[_PROJECT]).project
            ret.money_values = self.money[key]
            ret.lag_reasons = self._lag_reasons[key]
            self._built[key] = ret
        return self._built[key]

    def __contains__(self, key) -> bool:
        return key in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def pk(self, key: tuple) -> int:
        """The pk of the node's return, without building it (KeyError without one)."""
        return self._rows[key][_PK]

    def lag_reasons(self, key: tuple) -> dict[str, str]:
        """{source: 执行进度滞后原因} of the node's return as read (KeyError without one)."""
        return self._lag_reasons[key]

    def fund_and_region(self, key: tuple) -> tuple[int, int]:
        """(fund pk, region pk) of the node's return as read, without building it: the key of
        the target table it reports against."""
        row = self._rows[key]
        return row[_FUND], row[_REGION]

    def status(self, key: tuple) -> str | None:
        """The state of the node's return (None without one), without building it."""
        row = self._rows.get(key)
        return row[_STATUS] if row is not None else None


# --- the ledger --------------------------------------------------------------------------------


class FundLedger:
    """The money of ``fund`` for ``root`` and everything below it, for one period."""

    def __init__(
        self,
        fund: Fund,
        root: Region,
        period: str = Period.YEAR_END,
        *,
        tree: RegionTree | None = None,
        budgets: FundBudgets | None = None,
        returns: tuple[list, str] | None = None,
    ):
        """``budgets`` and ``returns`` (the fund's returns of the period in the subtree, as
        ``_return_rows`` reads them, and the database read) are read here when not given:
        ``for_funds`` reads them once for many funds."""
        self.fund = fund
        self.period = period
        self.budgets = budgets or FundBudgets.build(fund, root, tree=tree)
        self.tree = self.budgets.tree
        if returns is None:
            returns = _return_rows([fund], [root], period)
        self.returns = Returns(fund, self.tree, *returns)
        self._accounts: dict[tuple, Account] = {}

    @classmethod
    def for_funds(
        cls, funds: Iterable[Fund], root: Region | None = None, period: str = Period.YEAR_END
    ) -> dict[int, FundLedger]:
        """{fund pk: its ledger} for many funds, in the queries of one ledger: the regions, the
        funds' projects, allocations, returns and money lines each read once. Rooted at ``root``
        (the home page: every fund of an office), or each at its own province (the ministry:
        one fund of each province)."""
        funds = list(funds)
        roots = {fund.pk: root or fund.region for fund in funds}
        distinct = list({region.pk: region for region in roots.values()}.values())
        trees = RegionTree.build_many(roots, funds)
        allocations, db = FundBudgets.allocations_of(funds, distinct)
        rows, returns_db = _return_rows(funds, distinct, period)
        by_fund: dict[int, list] = {fund.pk: [] for fund in funds}
        for row in rows:
            by_fund[row[0][_FUND]].append(row)
        return {
            fund.pk: cls(
                fund,
                roots[fund.pk],
                period,
                budgets=FundBudgets(fund, trees[fund.pk], allocations[fund.pk], db=db),
                returns=(by_fund[fund.pk], returns_db),
            )
            for fund in funds
        }

    @property
    def root(self) -> Node:
        return self.tree.root

    def node_for(self, ret: Return) -> Node:
        node = self.tree.recipient(region_id=ret.region_id, project_id=ret.project_id)
        if node is None:
            raise ValueError(f"{ret} 不在本账的范围（{self.root.name}）内。")
        return node

    def account(self, node: Node | None = None) -> Account:
        node = node or self.root
        if node.key not in self._accounts:
            below = self._below(node)
            if self.returns.status(node.key) == Return.Status.APPROVED:
                basis = "own"
            elif node.key in self.returns.counted:  # approved returns below count here
                basis = "rolled_up"
            else:
                basis = "none"
            reported = node.key in self.returns or any(
                self.account(child).reported for child in node.children
            )
            self._accounts[node.key] = Account(
                node, self.budgets.of(node), basis, below, reported, self.returns
            )
        return self._accounts[node.key]

    def children(self, node: Node | None = None) -> list[Account]:
        """The accounts of the regions, units and projects directly below ``node``: the active
        ones, and an inactive one (a code the national list withdrew) where it has money or a
        return of the fund, so that a past year's figures still add up to their total."""
        node = node or self.root
        accounts = [self.account(child) for child in node.children]
        return [
            account
            for account in accounts
            if account.node.is_active or account.node.is_project or account.takes_part
        ]

    def taking_part(self, node: Node | None = None) -> list[Account]:
        """The regions, units and projects directly below ``node`` that the fund reaches: they
        have money of it, or a return of it in their subtree. The board, the execution table and
        the fund checks list these, and only these."""
        return [account for account in self.children(node) if account.takes_part]

    def reporting_units(self, node: Node) -> list[Node]:
        """The regions and projects below ``node`` that the fund reaches (``Account.takes_part``:
        money of it, or a return of it) with nothing below them that it reaches: the ones whose
        returns the figures start from. A fund whose money is stated in the returns, not
        allocated (a city's 项目支出 reported by its projects), reaches its units by their returns."""

        def reached(n: Node) -> bool:
            return self.account(n).takes_part

        return [
            n
            for n in node.walk()
            if n is not node and reached(n) and not any(reached(child) for child in n.children)
        ]

    def return_money(self, ret: Return) -> Figures:
        """One return's lines as it stands now (any status): its budget by the same rule."""
        node = self.node_for(ret)
        if self._read_with_lines(ret, node):
            return figures(self.budgets.of(node), self.returns.money[node.key])
        return figures(self.budgets.of(node), _own_values(ret))

    def lag_reasons(self, ret: Return) -> dict[str, str]:
        """{source: 执行进度滞后原因} of one return's money lines: as the ledger read them when
        it read ``ret`` with its lines (``return_money``), else ``lag_reasons_of``."""
        node = self.node_for(ret)
        if self._read_with_lines(ret, node):
            return self.returns.lag_reasons(node.key)
        return lag_reasons_of(ret)

    def _read_with_lines(self, ret: Return, node: Node) -> bool:
        """``ret`` is a page's own instance of a return this ledger read with its money lines,
        so their values are the ledger's, not read again. Not set on ``ret``: a save through it
        changes the lines, and what is checked after the save must read them as saved. A
        return built by the ledger carries its own (``money_values``)."""
        return (
            getattr(ret, "money_values", None) is None
            and node.key in self.returns
            and self.returns.pk(node.key) == ret.pk
        )

    def _below(self, node: Node) -> Rollup:
        """What the approved returns that count at the nodes directly below ``node`` add up to
        (``return_reach``): the node's own figures when it has no approved return of its own."""
        counted = self.returns.counted
        nodes: list[Node] = []
        missing: list[Node] = []
        parts: list[dict[str, tuple]] = []  # the figures of each child where something counts
        for child in node.children:
            account = self.account(child)
            if child.key in counted:
                # Each child's list is in print order, and so are the children: their lists one
                # after the other are too. The child's figures are already the sum of its list.
                nodes.extend(counted[child.key])
                parts.append(account.values)
            elif account.is_funded:
                missing.append(child)
            if account.basis == "rolled_up":
                missing.extend(account.below.missing)
        return Rollup(self.budgets.of(node), nodes, missing, add_up(parts), self.returns)


def add_up(parts: list[dict[str, tuple]]) -> dict[str, tuple]:
    """Several nodes' values ({source: (stated budget, spent, forecast)}) together, by source:
    the one sum of the roll-up rule. Nothing (most nodes of a tree are leaves) is no values, and
    one node's values are its own."""
    if len(parts) < 2:
        return parts[0] if parts else {}
    # One pass over the parts (a province's node adds hundreds), each present value added in
    # the parts' order onto zero, as ``_sum`` adds them.
    totals: dict[str, list] = {}
    for part in parts:
        for source, values in part.items():
            found = totals.setdefault(source, [None] * len(NO_VALUES))
            for i, value in enumerate(values):
                if value is not None:
                    found[i] = (ZERO if found[i] is None else found[i]) + value
    return {source: tuple(totals[source]) if source in totals else NO_VALUES for source in SOURCE_VALUES}


def together(accounts: Iterable[Account | RootAccount]) -> Figures:
    """The figures of several accounts added up as the roll-up rule adds up a node's children:
    the budgets they received, and their values by the rule (the ministry's total of one central
    fund across the provinces, each province by its own ledger or ``at_roots``)."""
    received, parts = Received(), []
    for account in accounts:
        for key, amount in account.received.amounts.items():
            received.amounts[key] = received.amounts.get(key, ZERO) + amount
        parts.append(account.values)
    return figures(received, add_up(parts))


@dataclass
class RootAccount:
    """A fund's money at its own region (the province of a province's fund), summed in the
    database by the same two rules as a ledger's root (``allocation_reach``, ``return_reach``),
    without reading its tree, its allocations or its returns."""

    received: Received
    basis: str  # "own" / "rolled_up" / "none", as ``Account.basis``
    values: dict[str, tuple]  # {source: (stated budget, spent, forecast)}

    @cached_property
    def figures(self) -> Figures:
        return figures(self.received, self.values)


def at_roots(funds: Iterable[Fund], period: str = Period.YEAR_END) -> dict[int, RootAccount]:
    """{fund pk: its ``RootAccount``}: the figures a ledger of each fund rooted at its own region
    has at its root, in two queries for any number of funds (the allocations that count at the
    root summed; the money lines of the returns that count there, summed by source)."""
    funds = list(funds)
    received = received_at_roots(funds)
    counted = (
        Return.objects.filter(in_own_tree(), fund__in=[fund.pk for fund in funds], period=period)
        .annotate(reach=return_reach(), distance=distance_from_own_region())
        .filter(reach__gt=F("distance"))
    )
    # By fund and source of the money lines: their sums, and the distance of the nearest return
    # counted (0: the root's own). A return without lines still counts (its source None).
    nearest: dict[int, int] = {}
    values: dict[int, dict[str, tuple]] = {fund.pk: {} for fund in funds}
    lines = (
        counted.order_by()
        .values_list("fund_id", "funding__source")
        .annotate(Sum("funding__budget"), Sum("funding__spent"), Sum("funding__forecast"), Min("distance"))
    )
    for fund_id, source, budget, spent, forecast, distance in lines:
        nearest[fund_id] = min(distance, nearest.get(fund_id, distance))
        if source is not None:
            values[fund_id][source] = (budget, spent, forecast)
    accounts = {}
    for fund in funds:
        distance = nearest.get(fund.pk)
        basis = "none" if distance is None else "own" if distance == 0 else "rolled_up"
        accounts[fund.pk] = RootAccount(received[fund.pk], basis, values[fund.pk])
    return accounts


def lag_reasons_of(ret: Return) -> dict[str, str]:
    """{source: 执行进度滞后原因} of a return's money lines: read with the ledger's rows when the
    return came from a ledger, else in one query."""
    reasons = getattr(ret, "lag_reasons", None)
    if reasons is None:
        reasons = {line.source: line.lag_reason for line in ret.funding.all()}
    return reasons


def _own_values(ret: Return) -> dict[str, tuple]:
    """{source: (stated budget, spent, forecast)} of a return's money lines."""
    values = getattr(ret, "money_values", None)
    if values is None:
        values = {line.source: (line.budget, line.spent, line.forecast) for line in ret.funding.all()}
    return values


# The columns read of each return: every concrete field, so that its instance can be built
# from the row (``Return.from_db``) when a page prints it; then its ``return_reach``.
RETURN_COLUMNS = tuple(f.attname for f in Return._meta.concrete_fields)
_PK, _FUND, _REGION, _PROJECT, _STATUS = (
    RETURN_COLUMNS.index(name) for name in ("id", "fund_id", "region_id", "project_id", "status")
)
_REACH = len(RETURN_COLUMNS)


def _approved_at(region: str) -> Exists:
    """The region at path ``region`` has an approved return of its own of the same fund and
    period (a region's, not one of its projects')."""
    return Exists(
        Return.objects.filter(
            fund=OuterRef("fund"),
            period=OuterRef("period"),
            project__isnull=True,
            status=Return.Status.APPROVED,
            region=OuterRef(region),
        )
    )


def _reach_above(regions: list[str], start: int, default) -> Steps:
    """``return_reach`` of a return ``start`` nodes below the first of ``regions`` (paths of the
    regions above it, nearest first): up to, not including, the first of them with an approved
    return of its own; ``default`` (every node up to the province) when none has one."""
    return Steps(
        *(When(_approved_at(region), then=Value(start + i)) for i, region in enumerate(regions)),
        default=default,
        output_field=IntegerField(),
    )


def return_reach() -> Steps:
    """**The roll-up rule**, as an expression over a return: at how many nodes its figures count,
    from its own node up (a project, then the region it is run in, then the regions above). A
    region's figures are those of its own approved return; one without counts the figures of
    the regions and projects below it by the same rule: so an approved return counts at its own
    node and at each node above it up to, not including, the first that has an approved return
    of its own. 0 for a return that is not approved: it counts nowhere."""
    return Steps(
        When(~Q(status=Return.Status.APPROVED), then=Value(0)),
        When(
            project__isnull=False,
            then=_reach_above(
                ["project__region", "project__region__parent", "project__region__parent__parent"],
                1,
                F("project__region__level") + 1,
            ),
        ),
        default=_reach_above(["region__parent", "region__parent__parent"], 1, F("region__level")),
        output_field=IntegerField(),
    )


def _returns_of(funds, roots, period) -> QuerySet[Return]:
    """The returns of ``funds`` for ``period`` in the subtrees of ``roots``."""
    return Return.objects.filter(subtrees_q(roots, "region__"), fund__in=funds, period=period)


# The two queries of ``_return_rows``, compiled once for each shape (common.compiled). By id:
# Return's own ordering (its fund's and region's codes) joins two tables and sorts text for
# nothing: the ledger looks its returns up by node, and a page orders them by tree.
_RETURN_ROWS = CompiledRows(
    Return,
    lambda funds, roots, period: (
        _returns_of(funds, roots, period)
        .order_by("pk")
        .annotate(reach=return_reach())
        .values_list(*RETURN_COLUMNS, "reach")
    ),
    funds=Ints,
    roots=REGIONS,
    period=str,
)
# Ordered by the return's id, not as ReturnFunding's Meta says (by the return's own ordering:
# its fund's and region's codes, two joins and a sort by text of every line).
_MONEY_LINE_ROWS = CompiledRows(
    ReturnFunding,
    lambda funds, roots, period: (
        ReturnFunding.objects.filter(ret__in=_returns_of(funds, roots, period).values("pk"))
        .order_by("ret_id", "source")
        .values_list("ret_id", "source", "budget", "spent", "forecast", "lag_reason")
    ),
    funds=Ints,
    roots=REGIONS,
    period=str,
)


def _return_rows(
    funds: list[Fund], roots: list[Region], period: str
) -> tuple[list[tuple[tuple, dict, dict]], str]:
    """([(the return's row, its money lines' values {source: (stated, spent, forecast)}, their
    执行进度滞后原因 {source: text})], the database read) of the returns of ``funds`` for
    ``period`` in the subtrees of ``roots``: two queries, and no model built for a return or a
    money line (a province holds thousands)."""
    asked = {"funds": [fund.pk for fund in funds], "roots": list(roots), "period": period}
    rows, db = _RETURN_ROWS.rows(**asked)
    values: dict[int, dict[str, tuple]] = {row[_PK]: {} for row in rows}
    reasons: dict[int, dict[str, str]] = {row[_PK]: {} for row in rows}
    if rows:
        lines, _db = _MONEY_LINE_ROWS.rows(**asked)
        for ret_id, source, budget, spent, forecast, lag_reason in lines:
            if ret_id in values:  # a return added between the two reads waits for the next
                values[ret_id][source] = (budget, spent, forecast)
                reasons[ret_id][source] = lag_reason
    return [(row, values[row[_PK]], reasons[row[_PK]]) for row in rows], db


def return_money(ret: Return) -> Figures:
    """The money lines of one return, with their budgets (a ledger rooted at its region)."""
    ledger = FundLedger(ret.fund, ret.region, ret.period)
    return ledger.return_money(ret)
