"""Matching region names as documents write them: full name, short name or a known old name."""

from dataclasses import dataclass

from transfers.models import Region
from transfers.tree import subtree_q


class RegionNameError(ValueError):
    """A name that matches no region, or more than one."""


@dataclass
class RegionIndex:
    """An in-memory index of names, built once for an import or a load."""

    by_name: dict[str, list[Region]]

    @classmethod
    def build(cls, regions=None) -> "RegionIndex":
        if regions is None:
            regions = Region.objects.select_related("parent").prefetch_related("aliases")
        by_name: dict[str, list[Region]] = {}
        for region in regions:
            names = {region.code, region.name, region.short_name}
            names.update(alias.name for alias in region.aliases.all())
            for name in names - {""}:
                by_name.setdefault(normalize(name), []).append(region)
        return cls(by_name)

    @classmethod
    def within(cls, root: Region) -> "RegionIndex":
        """The names of ``root``'s subtree only: a fund's table names its own province's regions
        (鼓楼区, 城关区 or 朝阳区 name a region in several provinces)."""
        return cls.build(
            Region.objects.filter(subtree_q(root)).select_related("parent").prefetch_related("aliases")
        )

    def resolve(self, name: str, *, within: Region | None = None) -> Region:
        candidates = self.by_name.get(normalize(name), [])
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


def normalize(name: str) -> str:
    """Compare names without spaces and with full-width brackets (documents mix both)."""
    return "".join(name.split()).replace("(", "（").replace(")", "）")


def _grandparent_id(region: Region):
    return region.parent.parent_id if region.parent_id else None
