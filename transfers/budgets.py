"""What each region (and project) of a subtree received of a fund: by money source and kind.

The one budget rule (docs/domain.md §4): a region's budget is the money that reaches it, or a
region or project below it, **from outside its subtree** — from the centre, the province, or
whichever level sent it. Money a region passes on to the regions below it stays in its budget
once and is not counted again. A budget is never stored: every screen, check, workbook and
document reads it from here (through ``indicators.ledger`` where spending is needed too).

One query for the allocations (plus the tree's two), whatever the number of regions; each
allocation is added to the nodes above its recipient until one contains its giver, so the
work grows with allocations × depth (at most four levels: province, prefecture, county,
project), never with regions × allocations.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from transfers.models import Allocation, Fund, MoneySource, Notice, Region
from transfers.tree import Node, RegionTree, subtrees_q

ZERO = Decimal("0")


# The columns read of each allocation: every concrete field, so that its instance can be built
# from the row (``Allocation.from_db``) when a page prints it.
ALLOCATION_COLUMNS = tuple(f.attname for f in Allocation._meta.concrete_fields)


class AllocationRow(namedtuple("AllocationRow", ALLOCATION_COLUMNS)):
    """One allocation as read: what the budget rule adds up (source, kind, amount, who gave it
    to whom), without building its model instance."""

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


class FundBudgets:
    """The allocations of ``fund`` inside ``tree``, added up for every node of it."""

    def __init__(self, fund: Fund, tree: RegionTree, rows: list[AllocationRow], *, db: str = "default"):
        self.fund = fund
        self.tree = tree
        self.rows = rows
        self._db = db
        self._instances: dict[int, Allocation] | None = None
        self._received: dict[tuple, Received] = {key: Received(resolve=self.instances) for key in tree.nodes}
        # The nodes whose subtree holds each giver (the giver and the nodes above it): money
        # from a giver counts up to, and not at, the first of them. Few givers give thousands
        # of allocations, so each giver's set is worked out once.
        holding: dict[int | None, frozenset] = {None: frozenset()}
        for row in rows:
            recipient = self.recipient(row)
            if recipient is None:
                continue
            giver = row.from_region_id
            if giver not in holding:
                node = tree.region(giver)
                holding[giver] = frozenset(node.ancestry()) if node is not None else frozenset()
            stop = holding[giver]
            node = recipient
            while node is not None and node not in stop:
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
        roots = list(roots)
        query = (
            Allocation.objects.filter(subtrees_q(roots, "region__") | subtrees_q(roots, "project__region__"))
            .filter(fund__in=[fund.pk for fund in funds])
            .order_by("order", "pk")
        )
        for row in query.values_list(*ALLOCATION_COLUMNS):
            allocation = AllocationRow._make(row)
            found[allocation.fund_id].append(allocation)
        return found, query.db

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
                allocation = Allocation.from_db(self._db, ALLOCATION_COLUMNS, row)
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
