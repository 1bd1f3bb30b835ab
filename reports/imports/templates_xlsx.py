"""Workbooks to fill offline: one template per import, prefilled with what the portal holds.

A template downloaded and uploaded again unchanged imports with no change at all (the round
trip the tests check), so a template is also the way to correct a figure: download, edit,
upload, read the preview. Amounts are written as numbers, never as formulas (imports refuse
formulas); text that starts with "=", "+", "-", "@", a tab or a line break is stored as a text
cell with Excel's quote prefix (common.text.neutralise_cell), so nothing in a workbook
the portal writes can run as a formula, and the import reads it back as the text it was.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from common.text import clean_text, neutralise_cell, neutralise_workbook
from indicators.ledger import return_money
from indicators.models import LEVEL2_BY_LEVEL1, Aspect, Level1, Return, TargetTable
from indicators.selectors import nearest_table_above, passed_down_table, return_table
from reports.builders.xlsx import fit_to_page_width
from reports.imports import returns as return_layout
from reports.imports.allocations import current_table
from transfers.models import Fund, Region
from transfers.selectors import regions_within

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E8E8E8")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")  # cells the person fills in
MONEY_FORMAT = "#,##0.00##"  # two decimals, or to the 元 when the figure has them
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --- writing helpers (also used by reports.exports) -------------------------------------------


def put(ws, row: int, col: int, value, *, money: bool = False, fill=None, bold: bool = False):
    """Write one cell; formula-like text stays text (no formula injection)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, float):
        raise TypeError("金额不能使用浮点数。")
    cell.value = clean_text(value) if isinstance(value, str) else value
    neutralise_cell(cell)
    if money:
        cell.number_format = MONEY_FORMAT
    if fill is not None:
        cell.fill = fill
    if bold:
        cell.font = Font(bold=True)
    cell.border = BORDER
    return cell


def header(ws, row: int, labels: list[str], *, widths: list[int] | None = None) -> None:
    for col, label in enumerate(labels, start=1):
        cell = put(ws, row, col, label, fill=HEADER_FILL, bold=True)
        cell.alignment = CENTER
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def title(ws, text: str, width: int) -> None:
    ws.cell(row=1, column=1, value=clean_text(text)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = CENTER
    ws.row_dimensions[1].height = 28


def as_text_column(ws, col: int, first_row: int, last_row: int) -> None:
    """Keep what people type as text (95% must not become 0.95)."""
    for row in range(first_row, last_row + 1):
        ws.cell(row=row, column=col).number_format = "@"


def to_bytes(wb: Workbook) -> bytes:
    neutralise_workbook(wb)  # also the cells written without put()
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _whole(value: Decimal | None):
    """Whole amounts as int so Excel shows 2037, not 2037.00 in the formula bar."""
    if not isinstance(value, Decimal):
        return value
    return int(value) if value == value.to_integral_value() else value


# --- the templates ----------------------------------------------------------------------------


def regions_template(scope: Region) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "行政区划"
    labels = ["代码", "全称", "简称", "上级代码", "层级", "类型", "曾用名"]
    header(ws, 1, labels, widths=[12, 32, 16, 12, 8, 14, 40])
    regions = regions_within(scope).select_related("parent").prefetch_related("aliases")
    for row, region in enumerate(sorted(regions, key=lambda r: (r.level, r.order, r.code)), start=2):
        values = [
            region.code,
            region.name,
            region.short_name,
            region.parent.code if region.parent_id else "",
            region.level,
            region.get_kind_display(),
            "|".join(sorted(a.name for a in region.aliases.all())),
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)
    as_text_column(ws, 1, 2, ws.max_row + 200)
    as_text_column(ws, 4, 2, ws.max_row + 200)
    kinds = DataValidation(type="list", formula1='"' + ",".join(k.label for k in Region.Kind) + '"')
    ws.add_data_validation(kinds)
    kinds.add(f"F2:F{ws.max_row + 200}")
    return to_bytes(wb)


def allocations_template(scope: Region, fund: Fund | None = None) -> bytes:
    """附件1 layout: title, 单位：万元, two header rows, 合计, then 小计 and rows per prefecture."""
    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    name = f"{fund.year}年{fund.full_name}" if fund else "资金"
    title(ws, f"{name}分配表（{scope.name}）", 5)
    ws.cell(row=2, column=5, value="单位：万元").alignment = Alignment(horizontal="right")
    header(ws, 3, ["地州市", "县市区", "全年资金合计", "其中：", ""], widths=[16, 30, 16, 16, 16])
    header(ws, 4, ["", "", "", "提前下达", "本次实际下达"])
    for rng in ("A3:A4", "B3:B4", "C3:C4", "D3:E3"):
        ws.merge_cells(rng)

    rows = current_table(fund=fund, scope=scope)
    filled = any(r["advance"] is not None or r["batch"] is not None for r in rows)
    groups: dict[int, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["prefecture"].pk, []).append(row)

    def sums(members):
        if not filled:
            return None, None, None
        advance = sum((m["advance"] or Decimal(0) for m in members), Decimal(0))
        batch = sum((m["batch"] or Decimal(0) for m in members), Decimal(0))
        return advance + batch, advance, batch

    line = 5
    for col, value in enumerate(["合 计", None, *sums(rows)], start=1):
        put(ws, line, col, _whole(value), money=col > 2, bold=True)
    ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=2)
    for members in groups.values():
        prefecture = members[0]["prefecture"]
        line += 1
        values = [prefecture.display_name, "小计", *sums(members)]
        for col, value in enumerate(values, start=1):
            put(
                ws,
                line,
                col,
                _whole(value) if isinstance(value, Decimal) else value,
                money=col > 2,
                bold=True,
            )
        for member in members:
            line += 1
            advance, batch = member["advance"], member["batch"]
            total = (advance or Decimal(0)) + (batch or Decimal(0)) if filled else None
            for col, value in enumerate([None, member["recipient"].name, total, advance, batch], start=1):
                put(ws, line, col, _whole(value), money=col > 2, fill=INPUT_FILL if col > 2 else None)
    ws.cell(
        row=line + 2,
        column=1,
        value="注：请直接填写数值，不要使用公式；每行全年资金合计 = 提前下达 + 本次实际下达，"
        "小计等于所属各行之和，合计等于各小计之和。本次下达可为负数（调减），提前下达不能为负数。",
    )
    return to_bytes(wb)


def targets_template(fund: Fund | None = None, region: Region | None = None) -> bytes:
    """一级 / 二级 / 三级 / 指标值, level cells merged over their indicators as printed."""
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效目标表"
    owner = region.name if region else ""
    title(ws, f"{owner}{fund.full_name if fund else ''}区域绩效目标表".strip(), 4)
    header(ws, 2, ["一级指标", "二级指标", "三级指标", "指标值"], widths=[14, 18, 60, 22])
    indicators = []
    if fund is not None and region is not None:
        # the region's own table; a region without one starts from the one passed down to it
        table = passed_down_table(fund, region) or nearest_table_above(fund, region)
        indicators = list(table.indicators.order_by("order")) if table else []
    row = 3
    for indicator in indicators:
        for col, value in enumerate(
            [indicator.level1, indicator.level2, indicator.name, indicator.target_text], 1
        ):
            put(ws, row, col, value, fill=INPUT_FILL if col == 4 else None).alignment = WRAP
        row += 1
    _merge_down(ws, 3, row - 1, [1, 2])
    as_text_column(ws, 4, 3, row + 200)
    level1 = DataValidation(type="list", formula1='"' + ",".join(Level1.values) + '"', allow_blank=True)
    level2_names = [n for names in LEVEL2_BY_LEVEL1.values() for n in names]
    level2 = DataValidation(
        type="list", formula1='"' + ",".join(dict.fromkeys(level2_names)) + '"', allow_blank=True
    )
    for validation, column in ((level1, "A"), (level2, "B")):
        ws.add_data_validation(validation)
        validation.add(f"{column}3:{column}{row + 200}")
    return to_bytes(wb)


def _merge_down(ws, first: int, last: int, columns: list[int]) -> None:
    """Merge runs of the same level name down; a level-2 run never crosses a level-1 change."""
    values = {row: [ws.cell(row=row, column=c).value for c in columns] for row in range(first, last + 1)}
    runs = []
    for position, col in enumerate(columns):
        start = first
        for row in range(first + 1, last + 2):
            if row <= last and values[row][: position + 1] == values[start][: position + 1]:
                continue
            if row - 1 > start:
                runs.append((start, col, row - 1))
            start = row
    for start, col, end in runs:
        ws.merge_cells(start_row=start, start_column=col, end_row=end, end_column=col)
        ws.cell(row=start, column=col).alignment = CENTER


def return_workbook(ret: Return) -> bytes:
    """The return prefilled with its targets and what has been entered so far, in the columns
    of its period (``returns.layout_of``: the year-end 自评 or the mid-year 运行监控)."""
    layout = return_layout.layout_of(ret)
    monitoring = layout.plan is not None
    wb = Workbook()
    info = wb.active
    info.title = return_layout.SHEET_INFO
    rows = [
        ("资金", ret.fund.full_name),
        ("填报地区/单位", ret.region.name),
        (return_layout.INFO_PERIOD, ret.get_period_display()),
        *([(return_layout.INFO_MONTHS, layout.months)] if monitoring else []),
        (return_layout.INFO_REPORT, ret.pk),
        (return_layout.INFO_VERSION, ret.version),
        ("下载时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("说明", "请在浅黄色单元格中填写，不要改动指标、序号和本页内容；填好后在系统中“导入填报表”上传。"),
    ]
    if monitoring:
        rows.append(
            (
                "",
                "偏差原因和完成目标可能性请从单元格的下拉列表中选择；全年预计未能完成目标的指标须填写偏差原因、"
                "原因说明、完成目标可能性和纠偏措施，执行进度滞后于时序进度的资金须填写滞后原因。",
            )
        )
    for row, (label, value) in enumerate(rows, start=1):
        put(info, row, 1, label, bold=True)
        cell = put(info, row, 2, value)
        if monitoring:
            cell.alignment = WRAP
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 90

    money = wb.create_sheet(return_layout.SHEET_MONEY)
    amounts = ("budget", "spent", "forecast")
    labels = [f"{c.label}（万元）" if c.key in amounts else c.label for c in layout.money]
    header(money, 1, labels, widths=[18, 20, 20, 20, 44][: len(labels)])
    # The ledger's lines: an allocated source's budget is what was allocated.
    lag_reasons = {line.source: line.lag_reason for line in ret.funding.all()}
    for row, line in enumerate(return_money(ret), start=2):
        values = {
            "source": line.label,
            "budget": line.budget,
            "spent": line.spent,
            "forecast": line.forecast,
            "lag_reason": lag_reasons.get(line.source, ""),
        }
        for col, column in enumerate(layout.money, start=1):
            typed = column.key != "source" and not (column.key == "budget" and line.allocated)
            cell = put(
                money,
                row,
                col,
                values[column.key],
                money=column.key in amounts,
                fill=INPUT_FILL if typed else None,
            )
            if column.key == "lag_reason":
                cell.alignment = WRAP
    # Beside the table, not under it: a row under it would be read as another money source.
    money.cell(
        row=2,
        column=len(layout.money) + 1,
        value="中央和省级财政资金的全年预算数由资金分配自动计算，改动无效。",
    )

    sheet = wb.create_sheet(return_layout.SHEET_INDICATORS)
    labels = [column.label for column in layout.indicators]  # what the import reads
    widths = INDICATOR_WIDTHS_MONITORING if monitoring else INDICATOR_WIDTHS
    header(sheet, 1, labels, widths=widths)
    actuals = ret.actuals.select_related("indicator").order_by("indicator__order")
    typed_from = next(i for i, c in enumerate(layout.indicators, start=1) if c.key == "actual_text")
    row = 2
    for actual in actuals:
        indicator = actual.indicator
        values = {
            "order": indicator.order,
            "level1": indicator.level1,
            "level2": indicator.level2,
            "name": indicator.name,
            "target": indicator.target_text,
            "actual_text": actual.actual_text,
            "forecast_text": actual.forecast_text,
            "deviation_cause": actual.get_deviation_cause_display() if actual.deviation_cause else "",
            "reason": actual.reason,
            "likelihood": actual.get_likelihood_display() if actual.likelihood else "",
            "measure": actual.measure,
            "denominator": actual.denominator,
        }
        for col, column in enumerate(layout.indicators, start=1):
            cell = put(
                sheet,
                row,
                col,
                values[column.key],
                fill=INPUT_FILL if col >= typed_from else None,
                money=column.key == "denominator",
            )
            cell.alignment = WRAP
        row += 1
    _merge_down(sheet, 2, row - 1, [2, 3])
    for col, column in enumerate(layout.indicators, start=1):
        if column.key in ("actual_text", "forecast_text"):
            as_text_column(sheet, col, 2, row - 1)
        if column.key in layout.choices and row > 2:
            _choice_list(sheet, col, 2, row - 1, column.label, layout.choices[column.key])

    if layout.narratives is not None:
        narratives = wb.create_sheet(return_layout.SHEET_NARRATIVES)
        header(narratives, 1, [c.label for c in layout.narratives], widths=[20, 60, 60])
        by_aspect = {n.aspect: n for n in ret.narratives.all()}
        for row, aspect in enumerate(Aspect, start=2):
            narrative = by_aspect.get(aspect.value)
            put(narratives, row, 1, aspect.label)
            for col, value in (
                (2, narrative.description if narrative else ""),
                (3, narrative.problems if narrative else ""),
            ):
                put(narratives, row, col, value, fill=INPUT_FILL).alignment = WRAP

    goals = wb.create_sheet(return_layout.SHEET_GOALS)
    header(goals, 1, [c.label for c in layout.goals], widths=[70, 70])
    if ret.project_id:
        table = TargetTable.objects.filter(fund=ret.fund, project=ret.project).first()
    else:
        table = return_table(ret.fund, ret.region)
    put(goals, 2, 1, table.overall_goals if table else "").alignment = WRAP
    put(goals, 2, 2, ret.goal_achievement, fill=INPUT_FILL).alignment = WRAP
    if monitoring:
        info.row_dimensions[len(rows)].height = 32  # the note on the drop-downs, on two lines
        for ws in (info, money, sheet, goals):
            _landscape(ws)
    return to_bytes(wb)


def _landscape(ws) -> None:
    """Printed across one A4 landscape page wide, as the 绩效运行监控表 is."""
    fit_to_page_width(ws, landscape=True)
    ws.print_title_rows = "1:1"


INDICATOR_WIDTHS = [6, 12, 16, 44, 14, 16, 36, 36, 12]
# 序号 一级 二级 三级 指标值 1–N月实际完成值 全年预计完成值 偏差原因 原因说明 可能性 纠偏措施 分母
INDICATOR_WIDTHS_MONITORING = [6, 10, 14, 36, 14, 16, 16, 14, 32, 14, 32, 10]


def _choice_list(ws, col: int, first: int, last: int, what: str, choices) -> None:
    """A drop-down of the labels (经费保障 …); the import reads the label back."""
    labels = [choice.label for choice in choices]
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(labels) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=what,
        error=f"请从下拉列表中选择{what}：{'、'.join(labels)}。",
        showInputMessage=True,
        promptTitle=what,
        prompt="请从下拉列表中选择",
    )
    ws.add_data_validation(validation)
    letter = get_column_letter(col)
    validation.add(f"{letter}{first}:{letter}{last}")
