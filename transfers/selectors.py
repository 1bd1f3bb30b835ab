"""Reads about regions and money. Every list a view shows starts from a region scope here."""

from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from transfers.models import Allocation, Fund, Region


def subtree_q(region: Region, prefix: str = "") -> Q:
    """Q matching `region` and every region below it (the tree is at most three levels deep)."""
    return (
        Q(**{f"{prefix}pk": region.pk})
        | Q(**{f"{prefix}parent": region.pk})
        | Q(**{f"{prefix}parent__parent": region.pk})
    )


def regions_within(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(subtree_q(region))


def funds_visible_to(region: Region) -> QuerySet[Fund]:
    """Funds received by the user's province (everyone below a province takes part in its funds)."""
    province = region
    while province.parent_id is not None:
        province = province.parent
    return Fund.objects.filter(region=province)


def allocations_into(fund: Fund, region: Region) -> QuerySet[Allocation]:
    """The allocations that bring money of `fund` into `region`'s subtree from outside it.

    A province's money is what the centre sent it; a prefecture's is what the province sent to
    it or straight to its counties; a county's is what reached it. Money moved inside the
    subtree is not counted twice.
    """
    inside = subtree_q(region, "region__") | subtree_q(region, "project__region__")
    from_inside = Q(from_region__isnull=False) & subtree_q(region, "from_region__")
    return fund.allocations.filter(inside).exclude(from_inside)


def region_budget(fund: Fund, region: Region) -> dict[str, Decimal]:
    """The year total of `fund` for `region`, split into 提前下达 and 本次下达 (万元)."""
    rows = allocations_into(fund, region).values("kind").annotate(total=Sum("amount"))
    by_kind = {row["kind"]: row["total"] for row in rows}
    advance = by_kind.get(Allocation.Kind.ADVANCE, Decimal("0"))
    batch = by_kind.get(Allocation.Kind.BATCH, Decimal("0"))
    return {"total": advance + batch, "advance": advance, "batch": batch}


def distributed_by(fund: Fund, region: Region | None) -> Decimal:
    """What `region` passed down (None: what the centre sent)."""
    total = fund.allocations.filter(from_region=region).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


# --- access: every view that takes a region or fund from a URL goes through these -----------


def regions_for_user(user) -> QuerySet[Region]:
    """The regions a person may see: their own and those below it; nothing without a region."""
    if user.region_id is None:
        return Region.objects.none()
    return regions_within(user.region)


def get_region_for_user(user, code: str) -> Region:
    """Fetch a region by code, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(regions_for_user(user), code=code)


def funds_for_user(user) -> QuerySet[Fund]:
    if user.region_id is None:
        return Fund.objects.none()
    return funds_visible_to(user.region)


def get_fund_for_user(user, code: str) -> Fund:
    return get_object_or_404(funds_for_user(user), code=code)


def child_regions(region: Region) -> QuerySet[Region]:
    return region.children.filter(is_active=True).order_by("order", "code")


def child_budgets(fund: Fund, region: Region) -> dict[int, dict[str, Decimal]]:
    """Each child region's budget of `fund` (what region_budget gives for it), in one query.

    Money counts for a child when it reaches the child or a region under it (or a project run
    there) from outside the child's own subtree: from the centre, the province or `region`.
    """
    children = {child.pk for child in child_regions(region)}
    totals = {pk: {"total": Decimal("0"), "advance": Decimal("0"), "batch": Decimal("0")} for pk in children}
    rows = (
        fund.allocations.filter(subtree_q(region, "region__") | subtree_q(region, "project__region__"))
        .values(
            "region_id",
            "region__parent_id",
            "project__region_id",
            "project__region__parent_id",
            "from_region_id",
            "from_region__parent_id",
            "kind",
        )
        .annotate(amount=Sum("amount"))
    )
    for row in rows:
        recipient = row["region_id"] or row["project__region_id"]
        parent = row["region__parent_id"] if row["region_id"] else row["project__region__parent_id"]
        child = recipient if recipient in children else parent
        if child not in children:
            continue
        if child in (row["from_region_id"], row["from_region__parent_id"]):
            continue  # moved inside the child's own subtree
        totals[child][row["kind"]] += row["amount"]
        totals[child]["total"] += row["amount"]
    return totals
