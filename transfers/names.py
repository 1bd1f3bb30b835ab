"""Matching region names as documents write them: full name, short name or a known old name."""

import re
from array import array
from dataclasses import dataclass, field
from itertools import islice

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
        index.add(regions, aliases)
        return index

    def add(self, regions, aliases) -> None:
        """Put ``regions`` in under each of their names (``aliases(region)`` gives the old
        ones). Each region is put in once: two instances of one region would read as two."""
        unique, shared = self.unique, self.shared
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


class _Keys:
    """Which regions have a name: a hash table of (hash of the name, region's key) in two
    arrays, with open addressing, made from ``names`` ((name, region's key) pairs). A national
    province's 90,000 names cost some 40 bytes each here, where a dict of the names themselves
    would cost some 150; a hash names the regions to read, and the names of what is read then
    decide (two names may share a hash)."""

    def __init__(self, names):
        hashes, pks = array("q"), array("q")
        for key, pk in names:
            hashes.append(hash(key))
            pks.append(pk)
        self._mask = mask = (1 << max(4, (2 * len(pks)).bit_length())) - 1  # at most half full
        self._hashes = array("q", [0]) * (mask + 1)
        self._pks = array("q", [0]) * (mask + 1)  # 0: an empty slot (no region has key 0)
        table = self._pks
        for value, pk in zip(hashes, pks, strict=True):
            slot = value & mask
            while table[slot]:
                slot = (slot + 1) & mask
            self._hashes[slot], table[slot] = value, pk

    def regions(self, key: str):
        """The keys of the regions that may have the name ``key``."""
        slot, wanted = hash(key) & self._mask, hash(key)
        while pk := self._pks[slot]:
            if self._hashes[slot] == wanted:
                yield pk
            slot = (slot + 1) & self._mask


class RegionNames:
    """The names of ``root``'s subtree, for resolving a chunk of names at a time.

    A fund's table names its own province's regions (鼓楼区, 城关区 or 朝阳区 name a region in
    several provinces), and a national province has tens of thousands of them. What is held
    for the whole subtree is which regions each name may mean (``_Keys``: two integers a
    name); an import asks for the names of the rows it is about to read (``primed``), and
    only the regions those name are read, and held until the next chunk. The rule is
    RegionIndex's (code, name, short name, old names, each normalised): each chunk's regions
    are put in a RegionIndex and resolved there. A name that was not primed is read on its
    own, so ``resolve`` always answers as an index of the whole subtree would.
    """

    def __init__(self, root: Region):
        self.root = root
        self._aliases: dict[int, list[str]] = {}
        for region_id, name in RegionAlias.objects.filter(subtree_q(root, "region__")).values_list(
            "region_id", "name"
        ):
            self._aliases.setdefault(region_id, []).append(name)
        self._parents: dict[int, Region] = {}  # the regions above the regions read, by key
        self._keys = _Keys(self._names())
        self._start()

    def _names(self):
        """(name, region's key) for every name of every region of the subtree, as RegionIndex
        keys them, read a few thousand regions at a time."""
        subtree = Region.objects.filter(subtree_q(self.root)).order_by()
        for pk, *names in subtree.values_list("pk", "code", "name", "short_name").iterator(chunk_size=2000):
            names.extend(self._aliases.get(pk, ()))
            for key in {normalize(name) for name in names} - {""}:
                yield key, pk

    def _start(self) -> None:
        """A new chunk: no region read, no name asked."""
        self._regions: dict[int, Region] = {}
        self._asked: set[str] = set()
        self._index = RegionIndex()

    def _aliases_of(self, region: Region):
        return self._aliases.get(region.pk, ())

    def prime(self, names) -> None:
        """Forget the last chunk's regions; read every region one of ``names`` may name (a
        value that is not text is passed over: a name asked of ``resolve`` later is read then)."""
        self._start()
        self._learn({normalize(name) for name in names if name and isinstance(name, str)})

    def _learn(self, keys: set[str]) -> None:
        keys -= self._asked | {""}
        if not keys:
            return
        wanted = {pk for key in keys for pk in self._keys.regions(key)} - self._regions.keys()
        if wanted:
            new = list(Region.objects.filter(pk__any=wanted).order_by())
            # Each region's parent once, as the tree reads it: a province or prefecture, of
            # which a subtree has few, so they are kept from chunk to chunk.
            above = {region.parent_id for region in new if region.parent_id} - self._parents.keys()
            if above:
                self._parents.update(Region.objects.in_bulk(above))
            parent = Region._meta.get_field("parent")
            for region in new:
                if region.parent_id is not None:  # as ``region.parent = …`` sets it, unchecked
                    parent.set_cached_value(region, self._parents[region.parent_id])
            self._regions.update((region.pk, region) for region in new)
            self._index.add(new, self._aliases_of)
        self._asked |= keys

    def primed(self, rows, names_of, size: int = 1000):
        """``rows`` as they come, with the names of each ``size`` of them read first
        (``names_of(row)`` gives a row's names)."""
        iterator = iter(rows)
        while chunk := list(islice(iterator, size)):
            self.prime(name for row in chunk for name in names_of(row))
            yield from chunk

    def resolve(self, name: str, *, within: Region | None = None) -> Region:
        if (key := normalize(name)) not in self._asked:
            self._learn({key})
        return self._index.resolve(name, within=within)


def _grandparent_id(region: Region):
    return region.parent.parent_id if region.parent_id else None
