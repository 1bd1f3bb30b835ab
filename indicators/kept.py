"""What the fund check keeps in the cache, under the data versions of its funds (transfers.versions)."""

from collections.abc import Callable, Sequence

from django.core.cache import cache

from indicators.checks import SEVERITIES, fund_findings_by_region
from transfers import versions

CHECK_PAGE_REGIONS = 50  # regions a page of the fund check lists (1,100 counties: 22 pages)


class KeptFindings(Sequence):
    """A fund check's regions (``checks.fund_findings_by_region``), kept in the cache a page of
    regions to a key (``CHECK_PAGE_REGIONS``), beside their number and the totals by severity,
    under the fund's data version and its previous year's (whose actuals 不低于上年 and 有所提升
    compare against): a prefecture of 1,100 counties is checked once per change, and a visit
    reads the page it shows. A page the cache has let go is built again with the rest."""

    def __init__(self, fund, region, period: str):
        self._build = lambda: fund_findings_by_region(fund, region, period)
        scopes = [fund, *([fund.previous_id] if fund.previous_id else [])]
        self._key = versions.key("findings", scopes, region.pk, period)
        self._pages: dict[int, list] = {}
        head = cache.get(self._key) if self._key else None
        if head is None:
            head = self._keep(self._build())
        self._count, self.totals = head

    def _keep(self, regions: list) -> tuple[int, list]:
        """Keep ``regions`` page by page; (their number, the totals by severity)."""
        pages = range(0, len(regions), CHECK_PAGE_REGIONS)
        self._pages = {start: regions[start : start + CHECK_PAGE_REGIONS] for start in pages}
        totals = [(key, label, sum(r.count(key) for r in regions)) for key, label in SEVERITIES.items()]
        if self._key:
            kept = {f"{self._key}:{start}": page for start, page in self._pages.items()}
            cache.set_many({**kept, self._key: (len(regions), totals)}, versions.DAY)
        return len(regions), totals

    def _page(self, start: int) -> list:
        if start not in self._pages:
            page = cache.get(f"{self._key}:{start}") if self._key else None
            if page is None:
                self._keep(self._build())
            else:
                self._pages[start] = page
        return self._pages[start]

    def printed(self, start: int, render: Callable[[list], str]) -> str:
        """The page of regions from ``start`` as ``render`` prints it, kept beside the page's
        findings: nothing in it depends on who reads it (the key names the region)."""
        key = f"{self._key}:{start}:printed" if self._key else None
        html = cache.get(key) if key else None
        if html is None:
            html = render(self[start : start + CHECK_PAGE_REGIONS])
            if key:
                cache.set(key, html, versions.DAY)
        return html

    def __iter__(self):
        """Every region, its pages read from the cache in one call (a filter reads them all)."""
        starts = range(0, self._count, CHECK_PAGE_REGIONS)
        wanted = {f"{self._key}:{start}": start for start in starts if start not in self._pages}
        if wanted and self._key:
            for name, page in cache.get_many(list(wanted)).items():
                self._pages[wanted[name]] = page
        for start in starts:
            yield from self._page(start)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        index %= self._count
        start = index - index % CHECK_PAGE_REGIONS
        return self._page(start)[index - start]
