"""“In the subtree” as SQL (transfers.tree.subtree_q): a region and everything below it, asked
only for the levels a region can have below it, so that a county's rows are found by the
county's own index and not by a join through every region's parent."""

import pytest
from django.db import connection
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from indicators.models import Return
from transfers.models import Allocation, Project, Region
from transfers.tree import subtree_q, subtrees_q, within, within_q

pytestmark = pytest.mark.django_db


def below(region: Region) -> set[str]:
    """The codes of ``region`` and of every region whose chain of parents reaches it, walked in
    Python over every region: what the query must match."""
    parent = dict(Region.objects.values_list("pk", "parent_id"))
    code = dict(Region.objects.values_list("pk", "code"))
    found = set()
    for pk in parent:
        node = pk
        while node is not None and node != region.pk:
            node = parent[node]
        if node == region.pk:
            found.add(code[pk])
    return found


def matched(q) -> set[str]:
    return set(Region.objects.filter(q).values_list("code", flat=True))


@pytest.mark.parametrize(
    ("code", "size"),
    [
        ("654000", 14),  # 伊犁州: itself, its 11 counties and 2 budget units (seed 003)
        ("654002", 1),  # 伊宁市: a county has nothing below it
        ("654000-01", 1),  # 伊犁州救助站, a budget unit
        ("620700", 8),  # 张掖市: its district, five counties and the 民政局 (GB/T 2260, seed 004)
    ],
)
def test_a_regions_subtree_is_itself_and_what_lies_below_it(code, size):
    region = Region.objects.get(code=code)
    assert matched(subtree_q(region)) == below(region)
    assert len(below(region)) == size


@pytest.mark.parametrize("code", ["650000", "654000", "654002", "654000-01", "620700", "620000"])
def test_the_subtree_in_memory_is_the_subtree_in_sql(code):
    """``tree.within`` (the scope of a region page, the permissions) answers as ``subtree_q``."""
    top = Region.objects.get(code=code)
    regions = Region.objects.select_related("parent__parent")
    assert {r.code for r in regions if within(r, top.pk)} == below(top)
    assert not any(within(r, None) for r in regions[:50])  # a person of no region sees none


@pytest.mark.parametrize("code", ["650000", "654000", "654002", "654000-01", "620000"])
def test_the_subtree_of_a_region_a_row_names_is_the_subtree_in_sql(code):
    """``tree.within_q`` (the money rules ask it of a region each row holds) matches what
    ``subtree_q`` matches, here with the top given as a value."""
    top = Region.objects.get(code=code)
    allocations = Allocation.objects.filter(region__isnull=False)
    found = set(allocations.filter(within_q("region", Value(top.pk))).values_list("region__code", flat=True))
    assert found == set(allocations.filter(subtree_q(top, "region__")).values_list("region__code", flat=True))
    assert found <= below(top) and (found or code == "620000")  # 甘肃 of the demo: its own test fund


def test_a_provinces_subtree_reaches_its_counties_two_levels_down():
    xinjiang = Region.objects.get(code="650000")
    found = matched(subtree_q(xinjiang))
    assert found == below(xinjiang)
    assert {"650000", "654000", "654002", "654000-01"} <= found
    assert not found & below(Region.objects.get(code="620000"))  # nothing of 甘肃


def test_regions_of_different_levels_together_are_the_union_of_their_subtrees():
    regions = [Region.objects.get(code=code) for code in ("620000", "654000", "654002")]
    assert matched(subtrees_q(regions)) == set().union(*(below(r) for r in regions))


def test_projects_are_found_through_the_region_they_are_run_in():
    def projects(code):
        region = Region.objects.get(code=code)
        return Project.objects.filter(subtree_q(region, "region__")).count()

    # Seed 004: 张掖市民政局 runs five projects; 民乐县 runs none of them.
    assert [projects(code) for code in ("620000", "620700", "620700-01", "620722")] == [5, 5, 5, 0]


def test_a_countys_rows_are_asked_for_by_the_county_alone():
    county = Region.objects.get(code="654002")
    with CaptureQueriesContext(connection) as queries:
        list(Allocation.objects.filter(subtree_q(county, "region__")).order_by())
        list(Return.objects.filter(subtree_q(county, "region__")).order_by())  # no Meta ordering
    for query in queries:
        assert "transfers_region" not in query["sql"], query["sql"]
    prefecture = Region.objects.get(code="654000")
    with CaptureQueriesContext(connection) as queries:
        list(Allocation.objects.filter(subtree_q(prefecture, "region__")).order_by())
    (query,) = queries
    assert query["sql"].count("JOIN") == 1  # its regions' parent, not their parents' parent
