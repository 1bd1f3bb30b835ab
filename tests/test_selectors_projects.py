"""Budgets with money sent to named projects, and the order regions are listed in.

domain.md §2: a project in a county receives money directly; §4: a region's budget is what
enters its subtree from outside, projects run there included, money moved inside it counted
once. 伊宁市 receives 14005 = 8419 + 5586 in xj-2024-relief and 伊犁州 65682 (seed 003).
"""

from decimal import Decimal

import pytest

from tests.seed_figures import (
    RELIEF_COUNTIES,
    RELIEF_SUBTOTALS,
    YINING_RELIEF,
    YINING_RELIEF_ADVANCE,
    YINING_RELIEF_BATCH,
)
from transfers.budgets import FundBudgets
from transfers.models import Allocation, Fund, Notice, Project, Region
from transfers.selectors import region_budget


def child_budgets(fund, region) -> dict:
    """{child pk: {total, advance, batch}} of the regions directly below, by the one rule."""
    budgets = FundBudgets.build(fund, region)
    return {n.region.pk: budgets.of(n).as_dict() for n in budgets.tree.root.children if not n.is_project}


def child_regions(region) -> list:
    """The active regions directly below, in the order every list prints them."""
    tree = FundBudgets.build(Fund.objects.first(), region).tree
    return [n.region for n in tree.root.children if not n.is_project and n.region.is_active]


pytestmark = pytest.mark.django_db
D = Decimal
# 伊宁市's seed 003 money and the project's 100 from the province (this batch).
YINING_WITH_PROJECT = {
    "total": YINING_RELIEF + 100,
    "advance": YINING_RELIEF_ADVANCE,
    "batch": YINING_RELIEF_BATCH + 100,
}


@pytest.fixture
def regions():
    return {code: Region.objects.get(code=code) for code in ("650000", "654000", "654002", "654023")}


@pytest.fixture
def project_money(relief, regions):
    """A project in 伊宁市: 100 from the province (this batch) and 30 passed on by 伊宁市 itself."""
    notice = Notice.objects.create(province=relief.region, issuer="新疆维吾尔自治区财政厅", title="项目资金")
    passed_on = Notice.objects.create(province=relief.region, issuer="伊宁市财政局", title="项目配套资金")
    project = Project.objects.create(fund=relief, region=regions["654002"], name="伊宁市救助站改造项目")
    Allocation.objects.create(
        fund=relief,
        notice=notice,
        from_region=regions["650000"],
        project=project,
        kind="batch",
        amount=D("100"),
    )
    Allocation.objects.create(
        fund=relief,
        notice=passed_on,
        from_region=regions["654002"],
        project=project,
        kind="batch",
        amount=D("30"),
    )
    return project


def test_money_sent_to_a_project_counts_for_its_county_and_prefecture(relief, regions, project_money):
    # + 100 (the 30 from 伊宁市 itself moved inside it).
    assert region_budget(relief, regions["654002"]) == YINING_WITH_PROJECT
    assert region_budget(relief, regions["654000"])["total"] == RELIEF_SUBTOTALS["伊犁州"][0] + 100


def test_child_budgets_count_a_projects_money_for_its_county(relief, regions, project_money):
    budgets = child_budgets(relief, regions["654000"])
    assert budgets[regions["654002"].pk] == YINING_WITH_PROJECT
    assert budgets[regions["654023"].pk]["total"] == RELIEF_COUNTIES["霍城县"][0]  # unchanged
    assert sum(v["total"] for v in budgets.values()) == RELIEF_SUBTOTALS["伊犁州"][0] + 100


def test_child_budgets_of_the_province_count_a_projects_money_for_its_prefecture(
    relief, regions, project_money
):
    budgets = child_budgets(relief, regions["650000"])
    assert budgets[regions["654000"].pk]["total"] == D("65782")


def test_children_are_listed_by_their_order_then_code(regions):
    yili = regions["654000"]
    Region.objects.filter(parent=yili).update(order=5)
    Region.objects.filter(code="654023").update(order=1)  # 霍城县 first, then the rest by code
    codes = [r.code for r in child_regions(yili)]
    others = sorted(Region.objects.filter(parent=yili).exclude(code="654023").values_list("code", flat=True))
    assert codes == ["654023", *others]
    assert len(codes) == 13  # seed 003: 11 counties and 2 budget units
    Region.objects.filter(code="654002").update(is_active=False)
    assert "654002" not in [r.code for r in child_regions(yili)]


def test_projects_are_listed_in_their_offices_order_then_by_name(relief, regions):
    """Report F numbers a bureau's projects as the bureau lists them (seed 004), not by name."""
    yining = regions["654002"]
    for order, name in ((2, "甲项目"), (1, "乙项目"), (0, "丙项目")):
        Project.objects.create(fund=relief, region=yining, name=name, order=order)
    tree = FundBudgets.build(relief, yining).tree
    assert [n.name for n in tree.root.children if n.is_project] == ["丙项目", "乙项目", "甲项目"]
