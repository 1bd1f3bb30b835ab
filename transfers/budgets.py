"""What each region (and project) of a subtree received of a fund: by money source and kind.

The one budget rule (docs/domain.md §4): a region's budget is the money that reaches it, or a
region or project below it, **from outside its subtree** — from the centre, the province, or
whichever level sent it. Money a region passes on to the regions below it stays in its budget
once and is not counted again. A budget is never stored: every screen, check, workbook and
document reads it from here (through ``indicators.ledger`` where spending is needed too).

Where an allocation counts is said once, in SQL (``allocation_reach``): how many nodes it
counts at, starting from its recipient and going up until a node holds its giver (the giver or
a region above it). The tree's budgets read it with the allocations' rows, one query (plus the
tree's two) whatever the number of regions, and add each allocation to that many nodes up from
its recipient (at most four: project, county, prefecture, province); the national total of a
central fund sums, in the database, the allocations whose reach takes them to each province
(``received_at_roots``), without a tree.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.expressions import BaseExpression

from common.compiled import CompiledRows, Ints
from transfers.models import Allocation, Fund, MoneySource, Notice, Region
from transfers.tree import REGIONS, Node, RegionTree, subtrees_q, within_q

ZERO = Decimal("0")


# The columns read of each allocation: every concrete field, so that its instance can be built
# from the row (``Allocation.from_db``) when a page prints it.
ALLOCATION_COLUMNS = tuple(f.attname for f in Allocation._meta.concrete_fields)


class Steps(Case):
    """A ``Case`` counting nodes (the two reaches): the database's integer as it comes. Django
    converts an integer expression's value row by row in Python, which a national read of
    46,000 rows pays for nothing."""

    convert_value = staticmethod(BaseExpression._convert_value_noop)


def _holds_giver(region: str) -> Q:
    """The region at path ``region`` is the allocation's giver or a region above it: the giver
    lies in its subtree; false for money from the centre (no giver)."""
    return within_q("from_region", F(region))


def _reach_from(region: str, start: int) -> Case:
    """``allocation_reach`` counted from the region at path ``region``, ``start`` nodes up from
    the recipient: that region, its parent and its parent's parent, until one holds the giver;
    when none does, every node up to the province (as many regions as the region's level)."""
    parent, grandparent = f"{region}__parent", f"{region}__parent__parent"
    return Steps(
        When(_holds_giver(region), then=Value(start)),
        When(_holds_giver(parent), then=Value(start + 1)),
        When(_holds_giver(grandparent), then=Value(start + 2)),
        default=F(f"{region}__level") + start,
        output_field=IntegerField(),
    )


def allocation_reach() -> Steps:
    """**The budget rule** (docs/domain.md §4), as an expression over an allocation: at how many
    nodes it counts, from its recipient up (a project, then the region it is run in, then the
    regions above), stopping at the first node whose subtree holds the giver. Money from the
    centre counts up to the province; money a prefecture passes on counts at the county and not
    again at the prefecture, which counted it when it arrived. 0: it counts nowhere (a region's
    allocation to a region above it)."""
    return Steps(
        When(project__isnull=False, then=_reach_from("project__region", 1)),
        default=_reach_from("region", 0),
        output_field=IntegerField(),
    )


class AllocationRow(namedtuple("AllocationRow", (*ALLOCATION_COLUMNS, "reach"))):
    """One allocation as read: what the budget rule adds up (source, kind, amount, who gave it
    to whom, and at how many nodes up from its recipient it counts: ``allocation_reach``),
    without building its model instance."""

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class Received:
    """A node's allocated money: amounts by (source, kind), and the allocations counted."""

    amounts: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    counted: list = field(default_factory=list)  # the allocations added: rows or instances
    # Builds the instances of counted rows (``FundBudgets.instances``); None when instances
    # were added.
    resolve: Callable[[list], list[Allocation]] | None = field(default=None, repr=False, compare=False)

    def add(self, allocation: Allocation | AllocationRow) -> None:
        key = (allocation.source, allocation.kind)
        self.amounts[key] = self.amounts.get(key, ZERO) + allocation.amount
        self.counted.append(allocation)

    @property
    def allocations(self) -> list[Allocation]:
        """The allocations counted, as model instances (with their notices)."""
        return self.resolve(self.counted) if self.resolve is not None else list(self.counted)

    @property
    def none_but_to_projects(self) -> bool:
        """No allocation counted went to anything but a named project (true of none at all)."""
        return all(a.project_id for a in self.counted)

    def source(self, source: str) -> Decimal | None:
        """What arrived of one source; None when no allocation of it arrived at all."""
        values = [amount for (s, _kind), amount in self.amounts.items() if s == source]
        return sum(values, ZERO) if values else None

    def kind(self, kind: str) -> Decimal:
        return sum((a for (_s, k), a in self.amounts.items() if k == kind), ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)

    @property
    def advance(self) -> Decimal:
        return self.kind(Allocation.Kind.ADVANCE)

    @property
    def batch(self) -> Decimal:
        return self.kind(Allocation.Kind.BATCH)

    def as_dict(self) -> dict[str, Decimal]:
        """{total, advance, batch}: the figures the region tables print."""
        return {"total": self.total, "advance": self.advance, "batch": self.batch}


def in_own_tree() -> Q:
    """An allocation's or a return's recipient (its project, else its region) lies in the tree of
    its fund's own region: the tree a fund's totals are read over."""
    return (Q(project__isnull=True) & within_q("region", F("fund__region"))) | (
        Q(project__isnull=False) & within_q("project__region", F("fund__region"))
    )


def distance_from_own_region() -> Case:
    """How many nodes above an allocation's or a return's own (its project, else its region) its
    fund's own region is: 0 for the region's own."""
    return Case(
        When(project__isnull=False, then=F("project__region__level") - F("fund__region__level") + 1),
        default=F("region__level") - F("fund__region__level"),
        output_field=IntegerField(),
    )


def received_at_roots(funds: Iterable[Fund]) -> dict[int, Received]:
    """{fund pk: what its own region (its root, the province of a province's fund) received of
    it}, by ``allocation_reach`` summed in the database: one query for any number of funds, and
    no tree (the ministry's list of central funds: one fund of each province). The amounts
    only: ``Received.counted`` stays empty, as no allocation is read."""
    funds = list(funds)
    found = {fund.pk: Received() for fund in funds}
    if not funds:
        return found
    query = (
        Allocation.objects.filter(in_own_tree(), fund__in=[fund.pk for fund in funds])
        .annotate(reach=allocation_reach(), distance=distance_from_own_region())
        .filter(reach__gt=F("distance"))
        .order_by()
        .values_list("fund_id", "source", "kind")
        .annotate(amount=Sum("amount"))
    )
    for fund_id, source, kind, amount in query:
        found[fund_id].amounts[(source, kind)] = amount
    return found


# The allocations of funds to subtrees, with their reach: compiled once for each shape.
_ALLOCATION_ROWS = CompiledRows(
    Allocation,
    lambda funds, roots: (
        Allocation.objects.filter(subtrees_q(roots, "region__") | subtrees_q(roots, "project__region__"))
        .filter(fund__in=funds)
        .order_by("order", "pk")
        .annotate(reach=allocation_reach())
        .values_list(*ALLOCATION_COLUMNS, "reach")
    ),
    funds=Ints,
    roots=REGIONS,
)


class FundBudgets:
    """The allocations of ``fund`` inside ``tree``, added up for every node of it."""

    def __init__(self, fund: Fund, tree: RegionTree, rows: list[AllocationRow], *, db: str = "default"):
        self.fund = fund
        self.tree = tree
        self.rows = rows
        self._db = db
        self._instances: dict[int, Allocation] | None = None
        self._received: dict[tuple, Received] = {key: Received(resolve=self.instances) for key in tree.nodes}
        for row in rows:
            # At the first ``reach`` nodes from its recipient up, as far as the tree goes.
            node = self.recipient(row)
            for _step in range(row.reach):
                if node is None:
                    break
                self._received[node.key].add(row)
                node = node.parent

    @classmethod
    def build(cls, fund: Fund, root: Region, *, tree: RegionTree | None = None) -> FundBudgets:
        tree = tree or RegionTree.build(root, fund=fund)
        rows, db = cls.allocations_of([fund], [root])
        return cls(fund, tree, rows[fund.pk], db=db)

    @staticmethod
    def allocations_of(
        funds: list[Fund], roots: Iterable[Region]
    ) -> tuple[dict[int, list[AllocationRow]], str]:
        """({fund pk: its allocations to the subtrees of ``roots`` as rows, in table order},
        the database they were read from), in one query."""
        found: dict[int, list[AllocationRow]] = {fund.pk: [] for fund in funds}
        rows, db = _ALLOCATION_ROWS.rows(funds=[fund.pk for fund in funds], roots=list(roots))
        for row in rows:
            allocation = AllocationRow._make(row)
            found[allocation.fund_id].append(allocation)
        return found, db

    @property
    def allocations(self) -> list[Allocation]:
        """Every allocation of the subtree, in table order, as model instances."""
        return self.instances(self.rows)

    def instances(self, rows: list) -> list[Allocation]:
        """The model instances of ``rows``, built the first time any is asked for, each with
        its notice (one query for the notices of the whole subtree)."""
        if self._instances is None:
            notices = Notice.objects.using(self._db).in_bulk({row.notice_id for row in self.rows})
            self._instances = {}
            for row in self.rows:
                allocation = Allocation.from_db(self._db, ALLOCATION_COLUMNS, row[:-1])
                allocation.notice = notices[row.notice_id]
                self._instances[row.id] = allocation
        return [self._instances[row.pk] if isinstance(row, AllocationRow) else row for row in rows]

    def recipient(self, allocation: Allocation) -> Node | None:
        return self.tree.recipient(region_id=allocation.region_id, project_id=allocation.project_id)

    def of(self, node: Node) -> Received:
        return self._received[node.key]

    def of_root(self) -> Received:
        return self._received[self.tree.root.key]

    def sources(self) -> list[str]:
        """The sources any allocation of the subtree carries, in the official order."""
        present = {a.source for a in self.rows}
        return [s for s in MoneySource.values if s in present]
