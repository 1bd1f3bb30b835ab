"""Tables B–E as an XLSX workbook, re-opened with openpyxl and checked against the seeds."""

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports.builders import build
from reports.data import report_data
from tests.seed_figures import (
    ELDERLY_EXECUTION,
    ELDERLY_INDICATORS,
    ELDERLY_SCORED_SCORES,
    ELDERLY_SCORED_TOTAL,
    ELDERLY_SCORED_WEIGHTS,
    ELDERLY_TOTAL,
    RELIEF_COUNTIES,
    RELIEF_SUBTOTALS,
    RELIEF_TOTAL,
)
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

D = Decimal

ELDERLY_TARGETS = [target for _, target, _, _, _ in ELDERLY_INDICATORS]
ELDERLY_ACTUALS = [actual for _, _, actual, _, _ in ELDERLY_INDICATORS]
# Seed 000's 合计 as the workbook holds it: the rate as a fraction, shown as a percentage.
ELDERLY_TOTAL_CELLS = (*ELDERLY_TOTAL[:2], ELDERLY_TOTAL[2] / 100)


def _dec(value) -> Decimal:
    """A number read back from the workbook, exactly as written (openpyxl gives floats)."""
    return D(str(value))


def _workbook(code: str, region: str = "650000", kind: str = "a"):
    data = report_data(fund=Fund.objects.get(code=code), region=Region.objects.get(code=region))
    return load_workbook(BytesIO(build(data, kind=kind, format="xlsx")))


@pytest.fixture
def elderly_book():
    return _workbook("xj-2024-elderly")


def _find(ws, value):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"工作表“{ws.title}”中没有“{value}”")


def _merged_at(ws, cell):
    return next(
        (r for r in ws.merged_cells.ranges if r.min_row == cell.row and r.min_col == cell.column), None
    )


def test_workbook_has_one_table_per_sheet(elderly_book):
    names = elderly_book.sheetnames
    # the centre's table as received, then the 自治区's own 全区 table and the 14 passed down
    assert names[:3] == ["自评表", "目标表-本级", "目标表-全区"]
    assert names[-2:] == ["分配表", "执行情况表"]
    assert "目标表-伊犁州" in names and "目标表-乌鲁木齐市" in names
    assert len(names) == 3 + 14 + 2


def test_evaluation_sheet_merges_levels_and_keeps_seed_figures(elderly_book):
    ws = elderly_book["自评表"]
    assert ws["A1"].value == "中央对地方转移支付区域（项目）绩效自评表"
    header = _find(ws, "一级指标")
    output = ws.cell(row=header.row + 1, column=header.column)
    assert output.value == "产出指标"
    span = _merged_at(ws, output)
    assert (span.max_row - span.min_row + 1, span.max_col - span.min_col + 1) == (7, 1)
    timely = _find(ws, "时效指标")
    span = _merged_at(ws, timely)
    assert span.max_row - span.min_row + 1 == 3
    side = _merged_at(ws, _find(ws, "绩效指标"))
    assert side.max_row - side.min_row + 1 == 9
    name_cell = _merged_at(ws, _find(ws, "转移支付名称"))
    assert name_cell.max_col - name_cell.min_col + 1 == 3  # header cells span columns too

    targets = [ws.cell(row=header.row + i, column=header.column + 3).value for i in range(1, 10)]
    actuals = [ws.cell(row=header.row + i, column=header.column + 4).value for i in range(1, 10)]
    assert targets == ELDERLY_TARGETS and actuals == ELDERLY_ACTUALS

    total = _find(ws, "年度资金总额")
    budget, spent, rate = (ws.cell(row=total.row, column=c) for c in (5, 6, 7))
    assert (_dec(budget.value), _dec(spent.value), _dec(rate.value)) == ELDERLY_TOTAL_CELLS
    assert (budget.number_format, spent.number_format, rate.number_format) == ("0.00", "0.00", "0.00%")


def test_execution_sheet_matches_seed_000(elderly_book):
    ws = elderly_book["执行情况表"]
    header = _find(ws, "地区")
    rows = list(ws.iter_rows(min_row=header.row + 1, max_row=header.row + 15, values_only=True))
    assert rows[0][0] == "合计"
    assert (_dec(rows[0][1]), _dec(rows[0][2]), _dec(rows[0][3])) == ELDERLY_TOTAL_CELLS
    for name, budget, spent, rate in rows[1:]:
        expected = ELDERLY_EXECUTION[name]
        got = (_dec(budget), _dec(spent), _dec(rate) * 100)
        assert got == (D(expected[0]), D(expected[1]), D(expected[2])), name
    first = ws.cell(row=header.row + 1, column=2)
    assert first.number_format == "0.00" and ws.cell(row=header.row + 1, column=4).number_format == "0.00%"


def test_sheets_are_set_up_for_printing(elderly_book):
    for ws in elderly_book.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.freeze_panes, ws.title
    allocation = elderly_book["分配表"]
    header = _find(allocation, "序号")
    assert allocation.print_title_rows == f"${header.row}:${header.row}"
    assert allocation.freeze_panes == f"A{header.row + 1}"


def test_allocation_sheet_seed_000(elderly_book):
    ws = elderly_book["分配表"]
    header = _find(ws, "序号")
    rows = list(ws.iter_rows(min_row=header.row + 1, max_row=header.row + 15, values_only=True))
    amounts = {row[1]: _dec(row[2]) for row in rows[:-1]}
    assert amounts == {name: D(budget) for name, (budget, _, _) in ELDERLY_EXECUTION.items()}
    assert rows[-1][0] == "合计" and _dec(rows[-1][2]) == ELDERLY_TOTAL[0]


def test_relief_allocation_sheet_has_subtotals_and_total():
    ws = _workbook("xj-2024-relief")["分配表"]
    header = _find(ws, "地州市")
    assert _merged_at(ws, header).max_row == header.row + 1  # two header rows
    assert ws.print_title_rows == f"${header.row}:${header.row + 1}"
    total = _find(ws, "合计")
    assert [_dec(ws.cell(row=total.row, column=c).value) for c in (3, 4, 5)] == list(RELIEF_TOTAL)
    subtotals = [
        (ws.cell(row=r, column=1).value, _dec(ws.cell(row=r, column=3).value))
        for r in range(total.row + 1, ws.max_row + 1)
        if ws.cell(row=r, column=2).value == "小计"
    ]
    assert len(subtotals) == 14
    assert sum(amount for _, amount in subtotals) == RELIEF_TOTAL[0]
    assert dict(subtotals) == {group: total for group, (total, _, _) in RELIEF_SUBTOTALS.items()}
    yili = _find(ws, "伊犁州")
    span = _merged_at(ws, yili)
    assert span.max_row - span.min_row + 1 == 1 + 13  # 小计 and 11 counties and 2 units
    home = _find(ws, "乌鲁木齐市养老福利院")
    assert [_dec(ws.cell(row=home.row, column=c).value) for c in (3, 4, 5)] == list(
        RELIEF_COUNTIES["乌鲁木齐市养老福利院"]
    )


def test_scored_workbook_has_points_columns():
    ws = _workbook("xj-2024-elderly", kind="b_scored")["自评表（评分）"]
    header = _find(ws, "一级指标")
    labels = [ws.cell(row=header.row, column=c).value for c in range(header.column, header.column + 8)]
    assert labels == [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "全年实际完成值",
        "分值",
        "得分",
        "未完成原因和改进措施",
    ]
    weight_col, score_col = header.column + 5, header.column + 6
    lines = range(header.row + 1, header.row + 1 + len(ELDERLY_SCORED_WEIGHTS))
    assert [_dec(ws.cell(row=r, column=weight_col).value) for r in lines] == [
        D(w) for w in ELDERLY_SCORED_WEIGHTS
    ]
    assert [_dec(ws.cell(row=r, column=score_col).value) for r in lines] == [
        D(v) for v in ELDERLY_SCORED_SCORES
    ]
    total = _find(ws, "总分")
    points, score, grade = ELDERLY_SCORED_TOTAL
    assert (
        _dec(ws.cell(row=total.row, column=weight_col).value),
        _dec(ws.cell(row=total.row, column=score_col).value),
    ) == (
        D(points),
        D(score),
    )
    assert any(cell.value == f"评价等级：{grade}" for cell in ws[total.row])


def test_single_table_workbooks():
    assert _workbook("xj-2024-elderly", kind="d").sheetnames == ["分配表"]
    assert _workbook("xj-2024-elderly", kind="e").sheetnames == ["执行情况表"]
    assert len(_workbook("xj-2024-relief", kind="c").sheetnames) == 15
    # A county passes nothing down: the workbook says so instead of being empty.
    county = _workbook("xj-2024-relief", region="654002", kind="d")
    assert county.sheetnames == ["说明"] and "没有可生成" in county["说明"]["A1"].value
