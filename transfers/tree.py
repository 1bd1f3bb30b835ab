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
from dataclasses import dataclass, field

from django.db.models import Q

from transfers.models import Project, Region


def subtree_q(region: Region, prefix: str = "") -> Q:
    """Q matching ``region`` and every region below it (the tree is at most three levels deep;
    a project is reached through its region, ``prefix="project__region__"``)."""
    return (
        Q(**{f"{prefix}pk": region.pk})
        | Q(**{f"{prefix}parent": region.pk})
        | Q(**{f"{prefix}parent__parent": region.pk})
    )


@dataclass(eq=False)
class Node:
    """A region of the subtree, or a project run in one."""

    key: tuple[str, int]  # ("r", region pk) or ("p", project pk)
    region: Region  # the region itself, or the region the project is run in
    project: Project | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    position: int = 0  # print order within the tree

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

    def __init__(self, root: Region, regions: Iterable[Region], projects: Iterable[Project] = ()):
        ordered = sorted(regions, key=lambda r: (r.level, r.order, r.code))
        self.nodes: dict[tuple[str, int], Node] = {}
        for position, region in enumerate(ordered):
            self.nodes[("r", region.pk)] = Node(("r", region.pk), region, position=position)
        if ("r", root.pk) not in self.nodes:
            self.nodes[("r", root.pk)] = Node(("r", root.pk), root, position=-1)
        self.root = self.nodes[("r", root.pk)]
        self.root.region = root  # the caller's instance, with whatever it already holds (its parent)
        for node in list(self.nodes.values()):
            if node is not self.root:
                node.parent = self.nodes.get(("r", node.region.parent_id))
        offset = len(self.nodes)
        for position, project in enumerate(sorted(projects, key=lambda p: (p.region_id, p.order, p.name))):
            region_node = self.nodes.get(("r", project.region_id))
            if region_node is None:
                continue  # a project run outside this subtree
            project.region = region_node.region  # the tree's instance: reading it needs no query
            self.nodes[("p", project.pk)] = Node(
                ("p", project.pk), region_node.region, project, region_node, position=offset + position
            )
        for node in sorted(self.nodes.values(), key=lambda n: n.position):
            if node.parent is not None:
                node.parent.children.append(node)

    @classmethod
    def build(cls, root: Region, *, fund=None) -> RegionTree:
        """The subtree of ``root`` in two queries (regions; the fund's projects in it)."""
        if fund is None:
            return cls(root, Region.objects.filter(subtree_q(root)))
        return cls.build_many(root, [fund])[fund.pk]

    @classmethod
    def build_many(cls, root: Region, funds) -> dict[int, RegionTree]:
        """{fund pk: the subtree of ``root`` with that fund's projects}, in two queries for any
        number of funds (the regions are read once and shared)."""
        regions = list(Region.objects.filter(subtree_q(root)))
        projects: dict[int, list[Project]] = {fund.pk: [] for fund in funds}
        for project in Project.objects.filter(subtree_q(root, "region__"), fund__in=[f.pk for f in funds]):
            projects[project.fund_id].append(project)
        return {fund.pk: cls(root, regions, projects[fund.pk]) for fund in funds}

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
