"""Budgets of the regions below one, as the progress board and the roll-up use them."""

from decimal import Decimal

import pytest

from transfers.models import Fund, Region
from transfers.selectors import child_budgets, region_budget

pytestmark = pytest.mark.django_db


def test_child_budgets_of_the_province_are_the_prefecture_totals():
    relief = Fund.objects.get(code="xj-2024-relief")
    province = Region.objects.get(code="650000")
    budgets = child_budgets(relief, province)
    by_code = {Region.objects.get(pk=pk).code: value for pk, value in budgets.items()}
    # Seed 003 小计 rows.
    assert by_code["654000"] == {
        "total": Decimal("65682"),
        "advance": Decimal("39145"),
        "batch": Decimal("26537"),
    }
    assert by_code["653100"]["total"] == Decimal("370526")
    assert sum(v["total"] for v in budgets.values()) == Decimal("792267")


def test_child_budgets_agree_with_region_budget_for_each_child():
    elderly = Fund.objects.get(code="xj-2024-elderly")
    province = Region.objects.get(code="650000")
    budgets = child_budgets(elderly, province)
    for child in province.children.all():
        assert budgets[child.pk] == region_budget(elderly, child), child.name
    assert budgets[Region.objects.get(code="654000").pk]["total"] == Decimal("966")  # seed 000


def test_child_budgets_of_a_prefecture_are_its_counties():
    relief = Fund.objects.get(code="xj-2024-relief")
    yili = Region.objects.get(code="654000")
    budgets = child_budgets(relief, yili)
    assert budgets[Region.objects.get(code="654002").pk]["total"] == Decimal("14005")  # 伊宁市
    assert budgets[Region.objects.get(code="654000-01").pk] == {
        "total": Decimal("27"),
        "advance": Decimal("42"),
        "batch": Decimal("-15"),
    }  # 伊犁州救助站
    assert sum(v["total"] for v in budgets.values()) == Decimal("65682")


def test_progress_counts_who_has_to_report():
    from indicators.selectors import fund_progress

    province = Region.objects.get(code="650000")
    relief = fund_progress(Fund.objects.get(code="xj-2024-relief"), province)
    yili = next(row for row in relief if row.region.code == "654000")
    # Seed 003: 11 counties and 2 budget units of 伊犁州 receive money; none has reported yet.
    assert yili.status_counts == {"none": 13}
    assert (yili.money.budget, yili.money.spent, yili.money.rate) == (Decimal("65682"), None, None)
    elderly = fund_progress(Fund.objects.get(code="xj-2024-elderly"), province)
    # Seed 000: the money stops at the prefectures, whose returns are approved.
    assert {row.region.short_name or row.region.name: row.status_counts for row in elderly}["伊犁州"] == {
        "approved": 1
    }
    kashgar = next(row for row in elderly if row.region.code == "653100")
    assert (kashgar.money.spent, kashgar.money.rate) == (Decimal("24.54"), Decimal("0.95"))
