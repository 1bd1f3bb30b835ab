"""The ministry's documents of one central fund: 各省绩效自评汇总表, in DOCX and XLSX.

Three tables from the national board (``indicators.nation``), each defined once as a layout
and drawn by the same renderers as the official tables B–E (``builders.layouts``): the money of
each province and the national total; each indicator with how many provinces met it, missed it
or wait for a person's judgement; and each province that missed one or waits, a row each. A
summary of at most 32 provinces is built while the person waits (no job): its read is the
board's, a fixed number of queries. While a province's own return is not approved the document says so
on page 1, as every draft does.
"""

from __future__ import annotations

from indicators.ledger import Money
from indicators.nation import NationalBoard
from reports.builders.docx_base import DocxWriter
from reports.builders.docx_tables import render_table
from reports.builders.layouts import Cell, Grid, Row, Table, _centre, _head
from reports.builders.xlsx import tables_workbook

# 省份 | 中央财政 下达数 执行数 执行率 | 各来源合计 全年预算数 全年执行数 执行率 | 省级填报
MONEY_WIDTHS = [1300, 1150, 1100, 900, 1150, 1100, 900, 1245]
# 一级 | 二级 | 三级指标 | 完成 | 未完成 | 需人工判断 (each a number of provinces; 表3 names them)
INDICATOR_HEADS = ("一级指标", "二级指标", "三级指标", "完成", "未完成", "需人工判断")
INDICATOR_WIDTHS = [1100, 1100, 3545, 1000, 900, 1200]  # 需人工判断 on one line
# 三级指标 | 省份 | 指标值 | 实际完成值 | 情况
OPEN_HEADS = ("三级指标", "省份", "指标值", "实际完成值", "情况")
# An indicator's name is a row's long text; a province's label, up to 黑龙江（下级汇总）, and 需人工判断
# each keep to one line at 9 pt.
OPEN_WIDTHS = [3245, 1900, 1200, 1300, 1200]


def national_tables(board: NationalBoard) -> list[Table]:
    head = Row(
        [
            _head("省份", rows=2),
            _head("中央财政资金", span=3),
            _head("各来源合计", span=3),
            _head("省级填报", rows=2),
        ],
        header=True,
    )
    sub_head = Row(
        [_head(text) for text in ("下达数", "执行数", "执行率", "全年预算数", "全年执行数", "执行率")],
        header=True,
    )
    rows = [head, sub_head]
    for line in board.lines:
        rows.append(
            Row(
                [
                    Cell(line.row.name),
                    *_money_cells(line.central_money, line.row.money),
                    _centre(line.row.status_label),
                ]
            )
        )
    counts = "，".join(f"{label}{count}省" for label, count in board.status_counts)
    rows.append(
        Row(
            [_centre("全国合计"), *_money_cells(board.central_money, board.total.total), _centre(counts)],
            total=True,
        )
    )
    money_table = Table(
        title="表1 各省资金执行情况",
        subtitle="",
        sheet="各省资金执行",
        grids=[Grid(MONEY_WIDTHS, rows)],
        unit="单位：万元",
        notes=["执行数取各省已审核的填报；省级填报未审核的，取其下级已审核的填报汇总。"],
        font_size=18,
    )
    indicator_rows = [Row([_head(text) for text in INDICATOR_HEADS], header=True)]
    for indicator in board.indicators:
        indicator_rows.append(
            Row(
                [
                    Cell(indicator.level1),
                    Cell(indicator.level2),
                    Cell(indicator.name),
                    _centre(f"{len(indicator.met)}/{len(indicator.results)}省"),
                    _centre(_provinces(indicator.missed)),
                    _centre(_provinces(indicator.to_judge)),
                ]
            )
        )
    if len(indicator_rows) == 1:
        indicator_rows.append(Row([Cell("还没有省份的填报审核通过。", span=len(INDICATOR_WIDTHS))]))
    notes = [
        "各省按本省的指标值判断是否完成：省级填报已审核的取省级填报；"
        "未审核的取其下级已审核填报按汇总规则汇总的值，标“下级汇总”。未完成和需人工判断的省份见表3。"
    ]
    if board.not_counted:
        notes.append(f"尚未计入（没有已审核的填报）：{'、'.join(board.not_counted)}。")
    indicator_table = Table(
        title="表2 绩效指标完成情况",
        subtitle="",
        sheet="绩效指标完成",
        grids=[Grid(INDICATOR_WIDTHS, indicator_rows)],
        notes=notes,
        font_size=18,
    )
    return [money_table, indicator_table, _open_table(board)]


def _provinces(names: list[str]) -> str:
    return f"{len(names)}省" if names else "—"


def _open_table(board: NationalBoard) -> Table:
    """表3: each province that missed an indicator or whose figure a person must judge, one row
    each with its indicator, its own target and figure: at national scale a list of thirty
    provinces in one cell ran over two pages. The indicator is named on every row, not merged
    down over its provinces: thirty rows go on to the next page, and a merged cell prints its
    name on the first page only (Word and LibreOffice alike), leaving the rows on the next one
    without it."""
    rows = [Row([_head(text) for text in OPEN_HEADS], header=True)]
    for indicator in board.indicators:
        for result in (r for r in indicator.results if r.met is not True):
            rows.append(
                Row(
                    [
                        Cell(indicator.name),
                        Cell(result.label),
                        Cell(result.target_text),
                        Cell(result.actual_text or "未填"),
                        _centre("未完成" if result.met is False else "需人工判断"),
                    ]
                )
            )
    if len(rows) == 1:
        rows.append(
            Row(
                [
                    Cell(
                        "各省的指标均已完成。" if board.indicators else "还没有省份的填报审核通过。",
                        span=len(OPEN_WIDTHS),
                    )
                ]
            )
        )
    return Table(
        title="表3 未完成和需人工判断的指标",
        subtitle="",
        sheet="未完成和需人工判断",
        grids=[Grid(OPEN_WIDTHS, rows)],
        notes=["指标值为各省本省的指标值；需人工判断的，由省级填报的审核认定是否完成。"],
        font_size=18,
    )


def _money_cells(central: Money, total: Money) -> list[Cell]:
    """下达数, 执行数, 执行率 of the central money, then 全年预算数, 全年执行数, 执行率 of all."""
    return [
        cell
        for money in (central, total)
        for cell in (Cell(money.budget, "money"), Cell(money.spent, "money"), Cell(money.rate, "rate"))
    ]


def national_docx(board: NationalBoard) -> bytes:
    central = board.central
    writer = DocxWriter()
    writer.title_lines([central.department, f"{central.year}年{central.name}", "各省绩效自评汇总表"])
    if board.pending:
        writer.review_notice(
            [
                "数据未全部审核：",
                f"{'、'.join(board.pending)}的省级自评尚未审核通过，其执行数和指标完成值取下级已审核的填报汇总。",
            ]
        )
    for table in national_tables(board):
        render_table(writer, table)
    return writer.to_bytes()


def national_xlsx(board: NationalBoard) -> bytes:
    return tables_workbook(national_tables(board))
