"""The fund workbook: everything about a fund, for the reader's region and below only."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from indicators.services import ReturnInput, return_open, return_save
from tests.seed_figures import (
    RELIEF_SUBTOTALS,
    RELIEF_TOTAL,
    YINING_RELIEF,
    YINING_RELIEF_ADVANCE,
    YINING_RELIEF_BATCH,
)
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

SHEETS = [  # docs/fund-workbook.md
    "资金",
    "分地区预算",
    "文件",
    "资金分配",
    "项目",
    "目标表",
    "绩效指标",
    "自评填报",
    "资金执行",
    "指标完成情况",
    "资金管理情况",
    "佐证材料",
    "审计记录",
]


def in_sheet_order(total, advance, batch) -> list:
    """Seed 003's three cells in the workbook's column order: 提前下达, 本次下达, 全年合计."""
    return [advance, batch, total]


def export(client, user, code="xj-2024-relief"):
    client.force_login(user)
    response = client.get(reverse("imports:fund_export", args=[code]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def rows(ws):
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_province_export_holds_the_whole_fund(client, admin_xj):
    wb = export(client, admin_xj)
    assert wb.sheetnames == SHEETS
    budgets = {r[1]: r[2:] for r in rows(wb["分地区预算"])}
    assert budgets["650000"][:3] == in_sheet_order(*RELIEF_TOTAL)
    assert budgets["654000"][:3] == in_sheet_order(*RELIEF_SUBTOTALS["伊犁州"])
    # The year's money as the board shows it: nothing approved yet, so nothing spent.
    assert budgets["654000"][3:] == [RELIEF_SUBTOTALS["伊犁州"][0], None, None, "尚无已审核填报"]
    allocations = rows(wb["资金分配"])
    from_province = [r for r in allocations if r[3] == "650000"]
    assert len(from_province) == 236
    assert sum(Decimal(str(r[10])) for r in from_province) == RELIEF_TOTAL[0]
    assert {r[1] for r in from_province} >= {"新财社〔2024〕35号"}
    assert [r[4] for r in allocations if not r[3]] == ["中央", "中央"]  # 提前下达 and this batch
    assert {r[0] for r in rows(wb["文件"])} == {"新财社〔2024〕35号", "财社〔2024〕38号", None}
    tables = {r[1] for r in rows(wb["目标表"])}
    assert {"新疆维吾尔自治区", "伊犁哈萨克自治州", "阿克苏地区"} <= tables
    fund = dict(rows(wb["资金"]))
    assert fund["资金代码"] == "xj-2024-relief" and fund["导出范围代码"] == "650000"


def test_prefecture_export_holds_only_its_own_counties(client, reviewer_yili):
    wb = export(client, reviewer_yili)
    budgets = {r[1]: r[2:5] for r in rows(wb["分地区预算"])}
    assert budgets["654000"] == in_sheet_order(*RELIEF_SUBTOTALS["伊犁州"])
    assert budgets["654002"] == [YINING_RELIEF_ADVANCE, YINING_RELIEF_BATCH, YINING_RELIEF]
    allocations = rows(wb["资金分配"])
    assert len(allocations) == 2 * 13  # 伊犁州's 13 counties and units, 提前下达 + 本次下达
    assert all(r[5].startswith("654") for r in allocations)
    assert dict(rows(wb["资金"]))["导出范围代码"] == "654000"
    seen = "".join(str(rows(wb[name])) for name in SHEETS)
    assert "阿克苏" not in seen and "652900" not in seen


def test_returns_with_actuals_rates_reasons_and_audit(client, clerk_yining, clerk_huocheng):
    fund = Fund.objects.get(code="xj-2024-relief")
    ret = return_open(fund=fund, region=clerk_yining.region, actor=clerk_yining)
    actual = ret.actuals.get(indicator__order=4)  # ≥ 90% in seed 003's 伊犁州 table
    data = ReturnInput(
        funding={"central": {"budget": None, "spent": Decimal("12000")}},
        actuals={
            actual.indicator_id: {"actual_text": "81%", "reason": '=HYPERLINK("x")', "measure": "加强排查"}
        },
        narratives={},
        goal_achievement="基本完成。",
    )
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)

    wb = export(client, clerk_yining)
    (line,) = [r for r in rows(wb["指标完成情况"]) if r[9] == "81%"]
    assert line[0] == "654002" and line[3] == "年度绩效自评"
    assert line[10] == Decimal("90") or line[10] == 90  # 81 / 90 = 90.00%
    assert line[11] == 10 and line[13] == "加强排查"
    funding = {r[4]: r for r in rows(wb["资金执行"])}
    assert funding["中央财政资金"][5:9] == ["下达", YINING_RELIEF, 12000, 85.68]  # 12000 / 14005 = 85.68%
    # Text that looks like a formula is exported as text, never as a formula.
    cell = next(c for c in wb["指标完成情况"]["M"] if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s"
    assert any("修改" in str(r[6]) for r in rows(wb["审计记录"]))

    assert "伊宁市" not in str([rows(ws) for ws in export(client, clerk_huocheng)])


def test_auditor_may_export_and_strangers_may_not(client, auditor_xj):
    assert export(client, auditor_xj).sheetnames == SHEETS
    assert client.get(reverse("imports:fund_export", args=["no-such-fund"])).status_code == 404
    client.logout()
    response = client.get(reverse("imports:fund_export", args=["xj-2024-relief"]))
    assert response.status_code == 302


def test_export_query_count_does_not_grow_with_rows(client, admin_xj, django_assert_max_num_queries):
    client.force_login(admin_xj)
    with django_assert_max_num_queries(40):
        client.get(reverse("imports:fund_export", args=["xj-2024-relief"]))


# --- django-import-export in the admin -----------------------------------------------------------


def test_admin_resources_export_chinese_columns_and_round_trip_unchanged(admin_xj, new_events):
    from indicators.resources import IndicatorTargetResource
    from transfers.resources import AllocationResource, RegionResource

    # 新疆's tree: the national one (3,400 rows) round-trips alike, only slower (queries a row).
    xinjiang = Region.objects.filter(code__startswith="65")
    regions = RegionResource().export(queryset=xinjiang)
    assert regions.headers[:4] == ["代码", "全称", "简称", "上级代码"]
    row = dict(zip(regions.headers, next(r for r in regions if r[0] == "654002"), strict=True))
    assert row["全称"] == "伊宁市" and row["上级代码"] == "654000"
    result = RegionResource().import_data(regions, dry_run=True)
    assert not result.has_errors() and result.totals["skip"] == len(regions)

    allocations = AllocationResource().export()
    assert "金额（万元）" in allocations.headers and "文号" in allocations.headers
    result = AllocationResource().import_data(allocations, dry_run=True)
    assert not result.has_errors() and result.totals["skip"] == len(allocations)
    assert IndicatorTargetResource().export().headers[5:8] == ["一级指标", "二级指标", "三级指标"]

    regions_changed = RegionResource().export(queryset=xinjiang)
    index = next(i for i, r in enumerate(regions_changed) if r[0] == "654002")
    values = list(regions_changed[index])
    values[2] = "宁市"
    regions_changed[index] = values
    result = RegionResource().import_data(regions_changed, dry_run=False, user=admin_xj, file_name="r.xlsx")
    assert result.totals["update"] == 1
    (event,) = new_events().filter(action="import", object_type="transfers.region")
    assert event.actor == admin_xj and event.changes["totals"]["update"] == 1


def test_admin_export_page_works(admin_client):
    response = admin_client.get(reverse("admin:transfers_allocation_export"))
    assert response.status_code == 200
