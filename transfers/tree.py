"""A region and everything below it: who is below whom, in print order.

The one home of "is this region in that region's subtree", in its two forms that say the
same thing (a region, its children and their children): ``subtree_q`` for a query and
``RegionTree`` in memory. Named county projects hang under their region as nodes of their own, so money and
returns of a project are counted where the project is run.

Built from one query for the regions and one for the projects, whatever the size of the tree;
every question after that is answered without a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from types import SimpleNamespace

from django.db.models import F, Q

from common.compiled import CompiledRows, Ints, Objects
from transfers.models import Project, Region


def subtree_q(region: Region, prefix: str = "") -> Q:
    """Q matching ``region`` and every region below it (a project is reached through its region,
    ``prefix="project__region__"``). The tree is at most three levels deep and a region sits
    exactly one level below its parent (``Region.clean``, the database's level guard), so a
    region is asked only for the levels it can have below it: a county for itself, with no
    join to a parent, which lets the database find a county's rows by its own index."""
    return subtrees_q([region], prefix)


def subtrees_q(regions: Iterable[Region], prefix: str = "") -> Q:
    """``subtree_q`` of several regions at once (the provinces of one central fund)."""
    regions = list(regions)
    q = Q(**{f"{prefix}pk__in": [region.pk for region in regions]})
    for depth, lookup in ((1, "parent"), (2, "parent__parent")):
        above = [region.pk for region in regions if _levels_below(region) >= depth]
        if above:
            q |= Q(**{f"{prefix}{lookup}__in": above})
    return q


def within_q(path: str, top: F) -> Q:
    """Q matching rows whose region at ``path`` is the region ``top`` names (an expression of the
    same row: ``F("fund__region")``) or lies below it: ``subtree_q`` of a region the row itself
    holds. The money rules ask it of each row (``transfers.budgets``)."""
    return Q(**{path: top}) | Q(**{f"{path}__parent": top}) | Q(**{f"{path}__parent__parent": top})


def within(region: Region, top_id: int | None) -> bool:
    """``region`` is the region ``top_id`` or lies below it: ``subtree_q`` in memory (the tree
    is at most three levels deep; a county's parent must be loaded to ask of its province)."""
    if top_id is None:
        return False
    if region.pk == top_id or region.parent_id == top_id:
        return True
    return region.parent_id is not None and region.parent.parent_id == top_id


def _levels_below(region: Region) -> int:
    """How many levels of regions there can be below ``region``: 2 below a province, 1 below a
    prefecture, none below a county or budget unit."""
    return Region.Level.COUNTY - region.level


class RegionRows:
    """Regions read as rows of ``REGION_COLUMNS``, from database ``db``; each region's instance
    is built once, however many trees (one per fund) share the rows."""

    def __init__(self, rows: list[tuple], db: str, built: dict[int, Region] | None = None):
        self.rows, self.db = rows, db
        self._built: dict[int, Region] = {} if built is None else built

    def instance(self, row: tuple) -> Region:
        if row[_PK] not in self._built:
            self._built[row[_PK]] = Region.from_db(self.db, REGION_COLUMNS, row)
        return self._built[row[_PK]]

    def by_root(self, roots: Iterable[int]) -> dict[int, RegionRows]:
        """{root pk: the rows of its subtree} for rows read for several roots' subtrees."""
        roots = set(roots)
        parent = {row[_PK]: row[_PARENT] for row in self.rows}
        found: dict[int, list[tuple]] = {pk: [] for pk in roots}
        for row in self.rows:
            pk = row[_PK]
            for _level in range(3):  # a region, its parent, its parent's parent
                if pk in roots:
                    found[pk].append(row)
                    break
                pk = parent.get(pk)
        return {pk: RegionRows(rows, self.db, self._built) for pk, rows in found.items()}


def region_rows(roots: Iterable[Region]) -> RegionRows:
    """The regions of the subtrees of ``roots`` as rows, in one query."""
    rows, db = _REGION_ROWS.rows(roots=list(roots))
    return RegionRows(rows, db)


# The columns a tree reads of each region: every concrete field, so that a region's instance
# can be built from its row (``Region.from_db``) when, and only when, someone asks for it.
REGION_COLUMNS = tuple(field.attname for field in Region._meta.concrete_fields)
_PK, _PARENT, _LEVEL, _ORDER, _CODE, _ACTIVE = (
    REGION_COLUMNS.index(name) for name in ("id", "parent_id", "level", "order", "code", "is_active")
)


PROJECT_COLUMNS = tuple(field.attname for field in Project._meta.concrete_fields)

# Regions as the value of a compiled query: what their subtrees ask depends on their level.
# A stand-in has what ``subtrees_q`` asks of a region, and is not a model instance.
REGIONS = Objects(
    shape=lambda region: region.level, stand_in=lambda pk, level: SimpleNamespace(pk=pk, level=level)
)
# The tree's two queries, compiled once for each shape of subtree (common.compiled).
_REGION_ROWS = CompiledRows(
    Region, lambda roots: Region.objects.filter(subtrees_q(roots)).values_list(*REGION_COLUMNS), roots=REGIONS
)
_PROJECT_ROWS = CompiledRows(
    Project,
    lambda roots, funds: Project.objects.filter(subtrees_q(roots, "region__"), fund__in=funds).values_list(
        *PROJECT_COLUMNS
    ),
    roots=REGIONS,
    funds=Ints,
)


class Node:
    """A region of the subtree, or a project run in one.

    A region's model instance is built from its row on first use: a ledger of a province holds
    every county, and a page reads only the few it prints."""

    __slots__ = (
        "key",
        "project",
        "parent",
        "children",
        "position",
        "_row",
        "_rows",
        "_region",
        "_region_node",
    )

    def __init__(
        self,
        key,
        row=None,
        *,
        rows: RegionRows | None = None,
        region: Region | None = None,
        project=None,
        parent=None,
        position=0,
    ):
        self.key: tuple[str, int] = key  # ("r", region pk) or ("p", project pk)
        self.project: Project | None = project
        self.parent: Node | None = parent
        self.children: list[Node] = []
        self.position = position  # print order within the tree
        self._row, self._rows = row, rows  # the region's row, and the rows it was read with
        self._region = region
        self._region_node: Node | None = parent if project is not None else None

    def __repr__(self) -> str:
        return f"Node({self.key!r})"

    @property
    def region(self) -> Region:
        """The region itself, or the region the project is run in."""
        if self._region_node is not None:
            return self._region_node.region
        if self._region is None:
            self._region = self._rows.instance(self._row)
        return self._region

    @region.setter
    def region(self, region: Region) -> None:
        self._region = region

    @property
    def region_id(self) -> int:
        return self._region_node.region_id if self._region_node is not None else self.key[1]

    @property
    def is_active(self) -> bool:
        """Whether the region (a project's region) is active, without building its instance."""
        if self._region_node is not None:
            return self._region_node.is_active
        return self._region.is_active if self._region is not None else self._row[_ACTIVE]

    @property
    def name(self) -> str:
        return self.project.name if self.project is not None else self.region.name

    @property
    def display_name(self) -> str:
        return self.project.name if self.project is not None else self.region.display_name

    @property
    def is_project(self) -> bool:
        return self.project is not None

    def ancestry(self) -> list[Node]:
        """This node and every node above it inside the tree, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def walk(self) -> Iterable[Node]:
        """This node and every node below it, parents before children, in print order."""
        yield self
        for child in self.children:
            yield from child.walk()


class RegionTree:
    """``root`` and its subtree (active and withdrawn regions alike), with the fund's projects."""

    def __init__(self, root: Region, rows: RegionRows, projects: Iterable[Project] = ()):
        """``rows``: the subtree's regions as read by ``region_rows``."""
        ordered = sorted(rows.rows, key=lambda r: (r[_LEVEL], r[_ORDER], r[_CODE]))
        self.nodes: dict[tuple[str, int], Node] = {}
        for position, row in enumerate(ordered):
            self.nodes[("r", row[_PK])] = Node(("r", row[_PK]), row, rows=rows, position=position)
        if ("r", root.pk) not in self.nodes:
            self.nodes[("r", root.pk)] = Node(("r", root.pk), region=root, position=-1)
        self.root = self.nodes[("r", root.pk)]
        self.root.region = root  # the caller's instance, with whatever it already holds (its parent)
        for node in list(self.nodes.values()):
            if node is not self.root:
                node.parent = self.nodes.get(("r", node._row[_PARENT]))
        offset = len(self.nodes)
        for position, project in enumerate(sorted(projects, key=lambda p: (p.region_id, p.order, p.name))):
            region_node = self.nodes.get(("r", project.region_id))
            if region_node is None:
                continue  # a project run outside this subtree
            node = Node(("p", project.pk), project=project, parent=region_node, position=offset + position)
            project.region = region_node.region  # the region of a project is always printed with it
            self.nodes[("p", project.pk)] = node
        for node in sorted(self.nodes.values(), key=lambda n: n.position):
            if node.parent is not None:
                node.parent.children.append(node)

    @classmethod
    def build(cls, root: Region, *, fund=None) -> RegionTree:
        """The subtree of ``root`` in two queries (regions; the fund's projects in it)."""
        if fund is None:
            return cls(root, region_rows([root]))
        return cls.build_many({fund.pk: root}, [fund])[fund.pk]

    @classmethod
    def build_many(cls, roots: dict[int, Region], funds) -> dict[int, RegionTree]:
        """{fund pk: the subtree of ``roots[fund pk]`` with that fund's projects}, in two queries
        for any number of funds: the funds of one office (one root), or one fund of each
        province (each its own). The regions are read once, and each built once."""
        distinct = {root.pk: root for root in roots.values()}
        rows = region_rows(distinct.values())
        subtrees = rows.by_root(distinct) if len(distinct) > 1 else {pk: rows for pk in distinct}
        projects: dict[int, list[Project]] = {fund.pk: [] for fund in funds}
        found, db = _PROJECT_ROWS.rows(roots=list(distinct.values()), funds=[f.pk for f in funds])
        for row in found:
            project = Project.from_db(db, PROJECT_COLUMNS, row)
            projects[project.fund_id].append(project)
        return {
            fund.pk: cls(roots[fund.pk], subtrees[roots[fund.pk].pk], projects[fund.pk]) for fund in funds
        }

    @cached_property
    def print_order(self) -> dict[tuple, int]:
        """{node key: its place} walking the tree parents before children, in print order: a
        subtree's nodes follow one another."""
        return {node.key: place for place, node in enumerate(self.root.walk())}

    # --- lookups ------------------------------------------------------------------------------

    def region(self, region_id) -> Node | None:
        return self.nodes.get(("r", region_id))

    def project(self, project_id) -> Node | None:
        return self.nodes.get(("p", project_id))

    def recipient(self, *, region_id=None, project_id=None) -> Node | None:
        """The node an allocation or a return belongs to: its project, else its region."""
        if project_id is not None:
            return self.project(project_id)
        return self.region(region_id)

    def contains(self, node: Node | None, top: Node) -> bool:
        """Whether ``node`` lies in ``top``'s subtree (``top`` itself included)."""
        while node is not None:
            if node is top:
                return True
            node = node.parent
        return False

    def child_of_root(self, node: Node) -> Node | None:
        """The root's child under which ``node`` lies (None for the root itself)."""
        chain = node.ancestry()
        return chain[-2] if len(chain) >= 2 else None

    def order(self, node: Node | None) -> int:
        return node.position if node is not None else len(self.nodes)
