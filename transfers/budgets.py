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

from dataclasses import dataclass, field
from decimal import Decimal

from transfers.models import Allocation, Fund, MoneySource, Region
from transfers.tree import Node, RegionTree, subtree_q

ZERO = Decimal("0")


@dataclass
class Received:
    """A node's allocated money: amounts by (source, kind), and the allocations counted."""

    amounts: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    allocations: list[Allocation] = field(default_factory=list)

    def add(self, allocation: Allocation) -> None:
        key = (allocation.source, allocation.kind)
        self.amounts[key] = self.amounts.get(key, ZERO) + allocation.amount
        self.allocations.append(allocation)

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

    def __init__(self, fund: Fund, tree: RegionTree, allocations: list[Allocation]):
        self.fund = fund
        self.tree = tree
        self.allocations = allocations
        self._received: dict[tuple, Received] = {key: Received() for key in tree.nodes}
        for allocation in allocations:
            recipient = self.recipient(allocation)
            if recipient is None:
                continue
            giver = tree.region(allocation.from_region_id) if allocation.from_region_id else None
            for node in recipient.ancestry():
                if giver is not None and tree.contains(giver, node):
                    break  # moved inside this node's subtree (and so inside every one above it)
                self._received[node.key].add(allocation)

    @classmethod
    def build(cls, fund: Fund, root: Region, *, tree: RegionTree | None = None) -> FundBudgets:
        tree = tree or RegionTree.build(root, fund=fund)
        return cls(fund, tree, cls.allocations_of([fund], root)[fund.pk])

    @staticmethod
    def allocations_of(funds: list[Fund], root: Region) -> dict[int, list[Allocation]]:
        """{fund pk: its allocations to ``root``'s subtree, in table order}, in one query."""
        found: dict[int, list[Allocation]] = {fund.pk: [] for fund in funds}
        allocations = (
            Allocation.objects.filter(subtree_q(root, "region__") | subtree_q(root, "project__region__"))
            .filter(fund__in=[fund.pk for fund in funds])
            .order_by("order", "pk")
            .prefetch_related("notice")  # a handful of notices, each built once
        )
        for allocation in allocations:
            found[allocation.fund_id].append(allocation)
        return found

    def recipient(self, allocation: Allocation) -> Node | None:
        return self.tree.recipient(region_id=allocation.region_id, project_id=allocation.project_id)

    def of(self, node: Node) -> Received:
        return self._received[node.key]

    def of_root(self) -> Received:
        return self._received[self.tree.root.key]

    def sources(self) -> list[str]:
        """The sources any allocation of the subtree carries, in the official order."""
        present = {a.source for a in self.allocations}
        return [s for s in MoneySource.values if s in present]
