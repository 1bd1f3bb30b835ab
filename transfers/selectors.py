"""Reads about regions and money. Every list a view shows starts from a region scope here."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from common.compiled import CompiledGet, CompiledObjects, CompiledRows
from evalportal.models import Role
from transfers import versions
from transfers.budgets import FundBudgets, Received
from transfers.models import CentralFund, DataVersion, Fund, Notice, Region
from transfers.tree import subtree_q, within

__all__ = ["subtree_q"]  # "in the subtree", as SQL: defined beside the in-memory form


def regions_within(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(subtree_q(region))


def funds_visible_to(region: Region) -> QuerySet[Fund]:
    """Funds received by the user's province (everyone below a province takes part in its funds)."""
    return funds_of_province(province_of(region).pk)


def funds_of_province(province_id: int) -> QuerySet[Fund]:
    return Fund.objects.filter(region_id=province_id)


def fund_list_for_user(user) -> list[Fund]:
    """``funds_for_user`` as a list (the home page, 截止日期), by SQL compiled once."""
    if user.region_id is None:
        return []
    return _FUNDS_OF_PROVINCE.all(province=province_of(user.region).pk)


def fund_tokens_for_user(user) -> dict[int, str]:
    """``versions.tokens`` of ``funds_for_user``: read before the funds themselves, in one query
    compiled once."""
    if user.region_id is None:
        return versions.tokens([])
    rows, _db = _TOKENS_OF_PROVINCE.rows(province=province_of(user.region).pk)
    return dict(rows)


_FUNDS_OF_PROVINCE = CompiledObjects(lambda province: funds_of_province(province), province=int)
_TOKENS_OF_PROVINCE = CompiledRows(
    DataVersion, lambda province: versions.tokens_query(funds_of_province(province)), province=int
)


def region_received(fund: Fund, region: Region) -> Received:
    """What ``region`` received of ``fund``, line by line and in total, by the one budget rule
    of ``transfers.budgets`` (money entering the region's subtree from outside): for the
    province, what the centre sent."""
    return FundBudgets.build(fund, region).of_root()


def region_budget(fund: Fund, region: Region) -> dict[str, Decimal]:
    """The year total of ``fund`` for ``region``, split into 提前下达 and 本次下达 (万元), by the
    one budget rule of ``transfers.budgets`` (money entering the region's subtree from outside)."""
    return region_received(fund, region).as_dict()


# --- access: every view that takes a region or fund from a URL goes through these -----------


def regions_for_user(user) -> QuerySet[Region]:
    """The regions a person may see: their own and those below it; nothing without a region."""
    if user.region_id is None:
        return Region.objects.none()
    return regions_within(user.region)


# What the address of nearly every page names, read by SQL compiled once (common.compiled).
_REGION_BY_CODE = CompiledGet(
    lambda code: Region.objects.select_related("parent__parent").filter(code=code), code=str
)
_FUND_OF_PROVINCE = CompiledGet(
    lambda province, code: funds_of_province(province).filter(code=code), province=int, code=str
)


def get_region_for_user(user, code: str) -> Region:
    """Fetch a region by code, or 404 when it does not exist or lies outside the user's scope;
    with the regions above it (the tree is three deep), for a trail back up without a query,
    and the scope asked of them (``tree.within``) rather than of the database's joins."""
    region = _REGION_BY_CODE.get(code=code)
    if region is None or not within(region, user.region_id):
        raise Http404("No Region matches the given query.")
    return region


def funds_for_user(user) -> QuerySet[Fund]:
    if user.region_id is None:
        return Fund.objects.none()
    return funds_visible_to(user.region)


def central_funds_for_user(user) -> QuerySet[CentralFund]:
    """The central funds a person may read across provinces: all of them for the central
    department's accounts (role 中央部委, no region), none for anyone else — a province sees
    its own fund of one, never the others'."""
    if user.is_authenticated and user.is_active and user.role == Role.MINISTRY and user.region_id is None:
        return CentralFund.objects.all()
    return CentralFund.objects.none()


def get_central_fund_for_user(user, code: str) -> CentralFund:
    return get_object_or_404(central_funds_for_user(user), code=code)


def get_national_fund_for_user(user, code: str, region_code: str) -> tuple[CentralFund, Fund, Region]:
    """(the central fund, its copy in the region's province, the region) for the central
    department's boards below its national one, read only; 404 when the central fund is not
    the person's to read, the region is unknown, or its province has no fund of it. The region
    comes with the regions above it, for the trail back up."""
    central = get_central_fund_for_user(user, code)
    region = get_object_or_404(Region.objects.select_related("parent__parent"), code=region_code)
    fund = get_object_or_404(
        Fund.objects.select_related("region"), central=central, region=province_of(region)
    )
    return central, fund, region


def province_of(region: Region) -> Region:
    while region.parent_id is not None:
        region = region.parent
    return region


def notices_for_user(user) -> QuerySet[Notice]:
    """The notices the person's province recorded; nothing without a region."""
    if user.region_id is None:
        return Notice.objects.none()
    return Notice.objects.filter(province=province_of(user.region))


def years_of(funds: QuerySet, asked: str | None) -> tuple[int | None, list[tuple[int, int]]]:
    """(the year ``asked`` for where ``funds`` (funds or central funds) has it, else its latest;
    [(each year, its funds)], latest first) for a list shown one year at a time. One query."""
    years = list(funds.order_by("-year").values_list("year").annotate(count=Count("pk")))
    year = next((y for y, _count in years if str(y) == asked), years[0][0] if years else None)
    return year, years


def get_fund_for_user(user, code: str) -> Fund:
    """The fund of that code among ``funds_for_user``, or 404."""
    if user.region_id is None:
        raise Http404("No Fund matches the given query.")
    fund = _FUND_OF_PROVINCE.get(province=province_of(user.region).pk, code=code)
    if fund is None:
        raise Http404("No Fund matches the given query.")
    return fund


def regions_matching(regions: QuerySet[Region], text: str, *, limit: int = 20) -> tuple[list[Region], bool]:
    """The regions of ``regions`` a typed text may mean: a code's beginning, part of the full or
    short name, or an old name; the closest first (exact, then beginning, then within; higher
    levels first). Returns at most ``limit`` and whether there were more."""
    text = "".join(text.split())
    if not text:
        return [], False
    found = (
        regions.filter(
            Q(code__startswith=text)
            | Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(aliases__name__icontains=text)
        )
        .distinct()
        .select_related("parent__parent")
        .prefetch_related("aliases")
        .order_by("level", "order", "code")
    )  # every match is ranked: an exact match is never cut off behind a thousand others

    def closeness(region: Region) -> tuple:
        names = [region.code, region.name, region.short_name, *(a.name for a in region.aliases.all())]
        exact = text in names
        begins = any(name.startswith(text) for name in names if name)
        return (not exact, not begins)

    ranked = sorted(found, key=closeness)  # stable: level, order and code within each rank
    return ranked[:limit], len(ranked) > limit


def project_regions_for_user(user) -> QuerySet[Region]:
    """The counties (市、县、区 and zones) a person may run projects in, and the bureaus that
    report projects of their own (张掖市民政局); not the other budget units."""
    admin_kinds = [Region.Kind.ADMINISTRATIVE, Region.Kind.DEVELOPMENT_ZONE, Region.Kind.BUREAU]
    return regions_for_user(user).filter(level=Region.Level.COUNTY, kind__in=admin_kinds)
