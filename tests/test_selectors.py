"""The one budget rule (transfers.budgets) and the progress board that reads it."""

from decimal import Decimal

import pytest

from tests.seed_figures import ELDERLY_TOTAL, RELIEF_COUNTIES, RELIEF_SUBTOTALS, RELIEF_TOTAL, YINING_RELIEF
from transfers.budgets import FundBudgets
from transfers.models import Allocation, Fund, Notice, Region
from transfers.selectors import region_budget

pytestmark = pytest.mark.django_db
D = Decimal
YILI_RELIEF = RELIEF_SUBTOTALS["伊犁州"]  # seed 003 小计: 全年资金合计, 提前下达, 本次实际下达


def children(fund, region) -> dict[str, dict]:
    """{code: {total, advance, batch}} of the regions directly below ``region``."""
    budgets = FundBudgets.build(fund, region)
    return {node.region.code: budgets.of(node).as_dict() for node in budgets.tree.root.children}


def cells(budget: dict) -> tuple:
    """A budget as seed 003 prints it: 全年资金合计, 提前下达, 本次实际下达."""
    return budget["total"], budget["advance"], budget["batch"]


def test_the_province_passes_its_money_to_the_prefectures_once():
    relief = Fund.objects.get(code="xj-2024-relief")
    budgets = children(relief, Region.objects.get(code="650000"))
    # Seed 003 小计 rows: the province paid the counties directly, and each prefecture's budget
    # is what reached it or its counties.
    assert cells(budgets["654000"]) == YILI_RELIEF
    assert budgets["653100"]["total"] == RELIEF_SUBTOTALS["喀什地区"][0]
    assert sum(v["total"] for v in budgets.values()) == RELIEF_TOTAL[0]
    # What came from the centre is the province's budget, not added again for what it passed on.
    assert region_budget(relief, Region.objects.get(code="650000"))["total"] == RELIEF_TOTAL[0]


def test_a_prefecture_passes_on_what_it_received_without_counting_it_twice():
    elderly = Fund.objects.get(code="xj-2024-elderly")
    yili = Region.objects.get(code="654000")
    assert children(elderly, Region.objects.get(code="650000"))["654000"]["total"] == D("966")  # seed 000
    # 伊犁州 passes 300 of its 966 on to 伊宁市: still 966 for 伊犁州 and for the province.
    notice = Notice.objects.create(
        province=elderly.region, issuer="伊犁州财政局", number="伊州财社〔2024〕1号", title="测试"
    )
    Allocation.objects.create(
        fund=elderly,
        notice=notice,
        from_region=yili,
        region=Region.objects.get(code="654002"),
        amount=D("300"),
    )
    assert region_budget(elderly, yili)["total"] == D("966")
    assert region_budget(elderly, Region.objects.get(code="654002"))["total"] == D("300")
    assert region_budget(elderly, Region.objects.get(code="650000"))["total"] == ELDERLY_TOTAL[0]
    assert children(elderly, yili)["654002"]["total"] == D("300")


def test_the_regions_below_a_prefecture_are_its_counties_and_units():
    relief = Fund.objects.get(code="xj-2024-relief")
    budgets = children(relief, Region.objects.get(code="654000"))
    assert budgets["654002"]["total"] == YINING_RELIEF  # 伊宁市
    # 伊犁州救助站: 42 提前下达 and an adjustment of -15.
    assert cells(budgets["654000-01"]) == RELIEF_COUNTIES["伊犁州救助站"]
    assert sum(v["total"] for v in budgets.values()) == YILI_RELIEF[0]


def test_progress_counts_who_has_to_report():
    from tests.scenarios import board_rows

    province = Region.objects.get(code="650000")
    relief = board_rows(Fund.objects.get(code="xj-2024-relief"), province)
    yili = next(row for row in relief if row.region.code == "654000")
    # Seed 003: 11 counties and 2 budget units of 伊犁州 receive money; none has reported yet.
    assert yili.status_counts == {"none": 13}
    assert (yili.money.budget, yili.money.spent, yili.money.rate) == (YILI_RELIEF[0], None, None)
    elderly = board_rows(Fund.objects.get(code="xj-2024-elderly"), province)
    # Seed 000: the money stops at the prefectures, whose returns are approved.
    assert {row.region.short_name or row.region.name: row.status_counts for row in elderly}["伊犁州"] == {
        "approved": 1
    }
    kashgar = next(row for row in elderly if row.region.code == "653100")
    assert (kashgar.money.spent, kashgar.money.rate) == (Decimal("24.54"), Decimal("0.95"))
