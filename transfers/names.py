"""Matching region names as documents write them: full name, short name or a known old name."""

import re
from dataclasses import dataclass, field

from transfers.models import Region, RegionAlias
from transfers.tree import subtree_q


class RegionNameError(ValueError):
    """A name that matches no region, or more than one."""


@dataclass
class RegionIndex:
    """An in-memory index of names, built once for an import or a load.

    A national province has tens of thousands of units, nearly every name its own: a name
    that one region has maps to it, and only a name several regions share holds a list."""

    unique: dict[str, Region] = field(default_factory=dict)
    shared: dict[str, list[Region]] = field(default_factory=dict)

    @classmethod
    def build(cls, regions=None) -> "RegionIndex":
        if regions is None:
            regions = Region.objects.select_related("parent").prefetch_related("aliases")
        return cls._of(regions, lambda region: (alias.name for alias in region.aliases.all()))

    @classmethod
    def _of(cls, regions, aliases) -> "RegionIndex":
        index = cls()
        unique, shared = index.unique, index.shared
        for region in regions:
            names = {region.code, region.name, region.short_name}
            names.update(aliases(region))
            for name in names - {""}:
                key = normalize(name)
                other = unique.get(key)
                if key in shared:
                    if region not in shared[key]:
                        shared[key].append(region)
                elif other is None:
                    unique[key] = region
                elif other is not region:  # two of its names may read the same once normalised
                    shared[key] = [unique.pop(key), region]
        return index

    @classmethod
    def within(cls, root: Region) -> "RegionIndex":
        """The names of ``root``'s subtree only: a fund's table names its own province's regions
        (鼓楼区, 城关区 or 朝阳区 name a region in several provinces).

        Two queries whatever the size (a national province has tens of thousands of units):
        each region's parent is the one already loaded, not a copy per child, and the aliases
        come as names, not one prefetch cache per region."""
        regions = list(Region.objects.filter(subtree_q(root)))
        by_pk = {region.pk: region for region in regions}
        for region in regions:
            if region.parent_id is not None:
                parent = by_pk.get(region.parent_id)
                region.parent = parent if parent is not None else Region.objects.get(pk=region.parent_id)
        aliases: dict[int, list[str]] = {}
        for region_id, name in RegionAlias.objects.filter(subtree_q(root, "region__")).values_list(
            "region_id", "name"
        ):
            aliases.setdefault(region_id, []).append(name)
        return cls._of(regions, lambda region: aliases.get(region.pk, ()))

    def resolve(self, name: str, *, within: Region | None = None) -> Region:
        key = normalize(name)
        candidates = self.shared.get(key) or ([self.unique[key]] if key in self.unique else [])
        if within is not None:
            candidates = [r for r in candidates if within.pk in (r.pk, r.parent_id, _grandparent_id(r))]
        if not candidates:
            where = f"（在{within.name}范围内）" if within else ""
            raise RegionNameError(
                f"找不到地区“{name}”{where}：请使用行政区划代码、全称、简称或已登记的曾用名。"
            )
        if len(candidates) > 1:
            listed = "、".join(f"{r.name}（{r.code}）" for r in candidates)
            raise RegionNameError(f"地区名称“{name}”不唯一，可能是：{listed}。请改用行政区划代码。")
        return candidates[0]


_UNNORMAL = re.compile(r"[\s()]")  # \s is what str.split() splits on


def normalize(name: str) -> str:
    """Compare names without spaces and with full-width brackets (documents mix both). A name
    already so is returned as it is: the index's keys are then the regions' own strings."""
    if _UNNORMAL.search(name) is None:
        return name
    return "".join(name.split()).replace("(", "（").replace(")", "）")


def _grandparent_id(region: Region):
    return region.parent.parent_id if region.parent_id else None
