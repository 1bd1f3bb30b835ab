"""The official tables B–E (and the money-source table of report G) as format-neutral grids.

A `Table` is what both renderers draw: `docx_tables.render_table` writes it as WordprocessingML
(vMerge / gridSpan), `xlsx.write_table` as a worksheet (merged ranges). Defining each layout
once keeps the DOCX and the XLSX identical cell for cell.

A row lists only the cells that start in it: a cell with ``rows > 1`` covers the same columns
of the rows below, and those rows leave them out.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from indicators import rules
from indicators.models import LEVEL2_BY_LEVEL1
from reports.data import (
    AllocationTable,
    EvaluatedIndicator,
    ExecutionTable,
    Money,
    ReportData,
    SelfEvaluation,
    TargetRow,
    TargetTableData,
)
from reports.formats import pct_text, score_text, value_text, wan_cell, with_money
from transfers.models import MoneySource

ZERO = Decimal("0")

# Text width of an A4 page with 2.8 / 2.6 cm side margins, in twentieths of a point.
TEXT_WIDTH = 8845


@dataclass
class Cell:
    value: object = ""
    kind: str = "text"  # text / money / rate / score
    span: int = 1
    rows: int = 1
    align: str = ""  # left / center / right; numbers right and labels centre by default
    head: bool = False  # a label cell: 黑体, centred
    fill: str = ""  # a background colour (RRGGBB), e.g. a warning light's; the text says it too

    @property
    def alignment(self) -> str:
        if self.align:
            return self.align
        if self.head:
            return "center"
        return "right" if self.kind in ("money", "rate", "score") else "left"


@dataclass
class Row:
    cells: list[Cell]
    header: bool = False  # repeated at the top of every page
    total: bool = False  # 合计 / 小计: bold


@dataclass
class Grid:
    widths: list[int]
    rows: list[Row]

    def placed(self) -> list[list[tuple[int, Cell, bool]]]:
        """Each row as (column, cell, continued) triples, merged-down cells included with
        ``continued`` set (DOCX writes them as ``<w:vMerge/>`` cells, XLSX skips them).

        Raises ValueError when a row does not fill the grid exactly: a layout bug.
        """
        ncols = len(self.widths)
        above: list[Cell | None] = [None] * ncols  # the cell merged down into this column
        left = [0] * ncols  # how many more rows it covers
        result = []
        for number, row in enumerate(self.rows, start=1):
            cells = iter(row.cells)
            placed, col = [], 0
            while col < ncols:
                if left[col]:
                    cell = above[col]
                    placed.append((col, cell, True))
                    for c in range(col, col + cell.span):
                        left[c] -= 1
                    col += cell.span
                    continue
                cell = next(cells, None)
                if cell is None or col + cell.span > ncols:
                    raise ValueError(f"表格第{number}行单元格与列数不符。")
                placed.append((col, cell, False))
                if cell.rows > 1:
                    for c in range(col, col + cell.span):
                        above[c], left[c] = cell, cell.rows - 1
                col += cell.span
            if next(cells, None) is not None:
                raise ValueError(f"表格第{number}行单元格多于列数。")
            result.append(placed)
        return result


@dataclass
class Table:
    title: str
    subtitle: str
    sheet: str  # worksheet name (≤ 31 characters)
    grids: list[Grid]
    unit: str = ""  # 单位：万元
    notes: list[str] = field(default_factory=list)  # lines printed under the table
    font_size: int = 21  # half-points: 五号 (10.5 pt); dense tables use 小五 (18)
    # Printed on one page where it fits (a 区域绩效目标表): a new page rather than a split.
    keep_together: bool = False
    landscape: bool = False  # a wide table (the 绩效运行监控表): the page turned, in DOCX and XLSX


def cell_text(cell: Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if cell.kind == "money":
        return wan_cell(value)
    if cell.kind == "rate":
        return pct_text(value)
    if cell.kind == "score":
        return score_text(value) if value != "" else ""
    return str(value)


def _money(value) -> Cell:
    return Cell(value, "money")


def _rate(value) -> Cell:
    return Cell(value, "rate")


def _head(text: str, span: int = 1, rows: int = 1) -> Cell:
    return Cell(text, span=span, rows=rows, head=True)


def _centre(text: str, span: int = 1, rows: int = 1) -> Cell:
    return Cell(text, span=span, rows=rows, align="center")


def _runs(values: list[str]) -> list[int]:
    """Lengths of the runs of equal consecutive values: [a, a, b] → [2, 0, 1]."""
    lengths = [0] * len(values)
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            lengths[start] = i - start
            start = i
    return lengths


def _level_cells(rows: list) -> list[tuple[Cell | None, Cell | None]]:
    """The merged 一级指标 / 二级指标 cells of each indicator row (None where merged from above).

    A level-2 run never crosses a level-1 boundary, even if two groups share a name.
    """
    level1 = [r.level1 for r in rows]
    level2 = [f"{r.level1}|{r.level2}" for r in rows]
    runs1, runs2 = _runs(level1), _runs(level2)
    return [
        (
            _centre(r.level1, rows=runs1[i]) if runs1[i] else None,
            _centre(r.level2, rows=runs2[i]) if runs2[i] else None,
        )
        for i, r in enumerate(rows)
    ]


# --- B. 自评表 -----------------------------------------------------------------------------------


def remark(line: EvaluatedIndicator) -> str:
    """The 未完成原因和改进措施 cell (seed 000: “未完成原因为：…改进措施：…”)."""
    parts = []
    if line.over_achieved and line.reason:
        parts.append(f"超额完成原因：{line.reason}")
    elif line.reason:
        parts.append(f"未完成原因：{line.reason}")
    if line.measure:
        parts.append(f"改进措施：{line.measure}")
    return "\n".join(parts)


def evaluation_table(data: ReportData, *, scored: bool = False) -> Table:
    """B. 中央对地方转移支付区域（项目）绩效自评表, optionally with 分值/得分."""
    evaluation = data.evaluation
    head = _evaluation_head(data, evaluation, scored)
    body = _evaluation_indicators(evaluation, scored)
    title = "中央对地方转移支付区域（项目）绩效自评表"
    notes = []
    if scored and evaluation.score_note:
        notes.append(f"计分说明：{evaluation.score_note}")
    return Table(
        title=title,
        subtitle=f"（{data.year}年度）",
        sheet="自评表（评分）" if scored else "自评表",
        grids=[head, body],
        notes=notes,
        font_size=18 if scored else 21,  # nine columns: 小五 keeps 792267.00 on one line
    )


# Column widths of the 自评表's indicators (twips, the A4 text width in all): side label, 一级,
# 二级, 三级, 指标值, 实际完成值, [分值, 得分,] 原因. 一级 holds 满意度指标 and 二级 数量指标 on one
# line (五号: 210 twips a character, 小五 180, and 114 of cell margins).
EVALUATION_WIDTHS = [640, 1190, 1000, 1880, 1000, 1000, 2135]
SCORED_WIDTHS = [560, 1100, 860, 1500, 900, 900, 600, 600, 1825]
# The part above the indicators has columns of its own (a table of its own in the DOCX): the
# seven narratives need a wide 情况说明 (columns 3–5, or 3–6 scored) more than a wide 存在问题;
# 全年预算数 and 全年执行数 (columns 4, 5) hold 792267.00.
EVALUATION_HEAD_WIDTHS = [640, 600, 600, 3305, 1100, 1100, 1500]
SCORED_HEAD_WIDTHS = [560, 600, 600, 2485, 1000, 1000, 600, 600, 1400]


def _evaluation_head(data: ReportData, evaluation: SelfEvaluation, scored: bool) -> Grid:
    """The 自评表 above the indicators: names, money, the seven narratives, the goals."""
    widths = SCORED_HEAD_WIDTHS if scored else EVALUATION_HEAD_WIDTHS
    n = len(widths)
    rows = [
        Row([_head("转移支付名称", 3), Cell(data.fund_name, span=n - 3)]),
        Row([_head("中央主管部门", 3), Cell(data.central_department, span=n - 3)]),
    ]
    department = data.own_department
    users = "、".join(data.fund_users) or department
    if len(data.fund_users) > 1:
        # Several offices used the money (the prefectures', the projects'): each label on a row
        # of its own, so that the list reads across the table instead of down a narrow column.
        rows.append(Row([_head("地方主管部门", 3), Cell(department, span=n - 3)]))
        rows.append(Row([_head("资金使用单位", 3), Cell(users, span=n - 3)]))
    elif scored:  # 3 + 2 + 2 + 2 columns
        rows.append(
            Row(
                [
                    _head("地方主管部门", 3),
                    Cell(department, span=2),
                    _head("资金使用单位", 2),
                    Cell(users, span=2),
                ]
            )
        )
    else:  # 3 + 1 + 2 + 1 columns
        rows.append(Row([_head("地方主管部门", 3), Cell(department), _head("资金使用单位", 2), Cell(users)]))

    money_head = [_head("全年预算数"), _head("全年执行数")]
    money_head += [_head("分值"), _head("得分"), _head("预算执行率")] if scored else [_head("预算执行率")]
    rows.append(Row([_head("资金投入情况（万元）", rows=5), Cell("", span=3), *money_head]))
    score = evaluation.score
    for i, line in enumerate(evaluation.money):
        label = f"其中：{line.label}" if line.source == MoneySource.CENTRAL else line.label
        budget, spent = line.budget, line.spent
        if i >= 2 and not budget:
            # 地方财政资金, 其他资金: a source the region has none of prints 0 (seed 000), not blank.
            budget, spent = ZERO, spent if spent is not None else ZERO
        cells = [Cell(label, span=3), _money(budget), _money(spent)]
        if scored:
            first = i == 0
            cells += [
                Cell(rules.BUDGET_POINTS if first else "", "score"),
                Cell(score.budget_score if first and score else "", "score"),
            ]
        cells.append(_rate(line.rate))
        rows.append(Row(cells))

    text_span = 4 if scored else 3  # 情况说明 from the 三级 column on
    problem_span = n - 3 - text_span
    rows.append(
        Row(
            [
                _head("资金管理情况", rows=8),
                Cell("", span=2),
                _head("情况说明", text_span),
                _head("存在问题和改进措施", problem_span),
            ]
        )
    )
    for narrative in evaluation.narratives:
        rows.append(
            Row(
                [
                    _centre(narrative.label, span=2),
                    Cell(narrative.description, span=text_span),
                    Cell(narrative.problems, span=problem_span),
                ]
            )
        )
    left, right = 3, n - 4
    rows.append(
        Row([_head("总体目标完成情况", rows=2), _head("总体目标", left), _head("全年实际完成情况", right)])
    )
    rows.append(Row([Cell(evaluation.goals, span=left), Cell(evaluation.goal_achievement, span=right)]))
    return Grid(widths, rows)


def _evaluation_indicators(evaluation: SelfEvaluation, scored: bool) -> Grid:
    widths = SCORED_WIDTHS if scored else EVALUATION_WIDTHS
    heads = ["一级指标", "二级指标", "三级指标", "指标值", "全年实际完成值"]
    heads += ["分值", "得分", "未完成原因和改进措施"] if scored else ["未完成原因和改进措施"]
    lines = evaluation.indicators
    # The header row repeats on every page, so the 绩效指标 label merges over the indicator rows
    # only: a merge that starts inside a repeated header row is drawn twice by LibreOffice.
    rows = [Row([_head(""), *(_head(h) for h in heads)], header=True)]
    for i, (line, (level1, level2)) in enumerate(zip(lines, _level_cells(lines), strict=True)):
        cells = [_head("绩效指标", rows=len(lines))] if i == 0 else []
        cells += [c for c in (level1, level2) if c is not None]
        cells += [Cell(line.name), _centre(value_text(line.target)), _centre(value_text(line.actual))]
        if scored:
            score = line.score
            cells += [
                Cell(score.weight if score else "", "score"),
                Cell(score.score if score else "", "score"),
            ]
        cells.append(Cell(remark(line)))
        rows.append(Row(cells))
    if scored:
        score = evaluation.score
        total = score.total if score else None
        grade = f"评价等级：{score.grade}" if score and score.grade else "暂不计分"
        rows.append(
            Row(
                [
                    _head("总分", 6),
                    Cell(rules.BUDGET_POINTS + rules.INDICATOR_POINTS, "score"),
                    Cell(total, "score"),
                    _centre(grade),
                ],
                total=True,
            )
        )
    return Grid(widths, rows)


# --- C. 区域绩效目标表 ----------------------------------------------------------------------------


def target_table(table: TargetTableData, year: int, *, top: bool = False, sheet: str = "") -> Table:
    """C. 区域绩效目标表 (seed 000's layout; finance and line departments on rows of their own)."""
    # 一级 holds 满意度指标 and 二级 数量指标 on one line; 三级 takes the rest (a name on one line
    # where it can: the table fits one page more often).
    widths = [640, 1190, 1000, 4715, 1300]
    rows = [Row([_head("项目名称", 2), Cell(table.project_name, span=3)])]
    for label, value in table.departments:
        rows.append(Row([_head(label, 2), Cell(value, span=3)]))
    rows += [
        Row([_head("资金情况（万元）", 2, rows=3), Cell("下达资金总额", span=2), _money(table.total)]),
        Row([Cell("其中：中央财政补助", span=2), _money(table.central)]),
        Row([Cell("地方资金", span=2), _money(table.local)]),
        Row([_head("年度总体目标", 2), Cell(table.goals, span=3)]),
    ]
    indicators: list[TargetRow] = table.indicators
    rows.append(
        Row(
            [
                _head("绩效指标", rows=1 + len(indicators)),
                _head("一级指标"),
                _head("二级指标"),
                _head("三级指标"),
                _head("指标值"),
            ]
        )
    )
    for row, (level1, level2) in zip(indicators, _level_cells(indicators), strict=True):
        cells = [c for c in (level1, level2) if c is not None]
        rows.append(Row([*cells, Cell(row.name), _centre(value_text(row.target))]))
    where = "" if top else f" {table.owner}"
    if table.inherited_from:
        where = f" {table.owner}，沿用{table.inherited_from}绩效目标"
    return Table(
        title="中央对地方转移支付区域绩效目标表",
        subtitle=f"（{year}年度{where}）",
        sheet=sheet or _sheet_name(f"目标表-{table.owner}"),
        grids=[Grid(widths, rows)],
        keep_together=True,
    )


# --- D. 分配表 -----------------------------------------------------------------------------------


def allocation_table(data: ReportData) -> Table | None:
    allocation: AllocationTable = data.allocation
    if allocation.is_empty:
        return None
    if allocation.grouped:
        grid = _grouped_allocation(allocation)
    elif allocation.has_advance:
        grid = _flat_allocation_with_advance(allocation)
    else:
        widths = [1200, 5145, 2500]
        rows = [Row([_head("序号"), _head("地区"), _head("分配金额（万元）")], header=True)]
        rows += [Row([_centre(str(x.seq)), Cell(x.label), _money(x.total)]) for x in allocation.lines]
        rows.append(Row([_head("合计", 2), _money(allocation.total.total)], total=True))
        grid = Grid(widths, rows)
    return Table(
        title=f"{data.year}年{data.fund_name}分配表",
        subtitle="",
        sheet="分配表",
        grids=[grid],
        unit="单位：万元",
    )


def _advance_heads(first: list[Cell]) -> list[Row]:
    return [
        Row([*first, _head("全年资金合计", rows=2), _head("其中", 2)], header=True),
        Row([_head("提前下达"), _head("本次实际下达")], header=True),
    ]


def _flat_allocation_with_advance(allocation: AllocationTable) -> Grid:
    widths = [900, 3595, 1450, 1450, 1450]
    rows = _advance_heads([_head("序号", rows=2), _head("地区", rows=2)])
    total = allocation.total
    rows.append(
        Row([_head("合计", 2), _money(total.total), _money(total.advance), _money(total.batch)], total=True)
    )
    for x in allocation.lines:
        rows.append(
            Row([_centre(str(x.seq)), Cell(x.label), _money(x.total), _money(x.advance), _money(x.batch)])
        )
    return Grid(widths, rows)


def _grouped_allocation(allocation: AllocationTable) -> Grid:
    """Seed 003's layout: 合计 first, then each prefecture's 小计 and its counties and units."""
    advance = allocation.has_advance
    if advance:
        widths = [1500, 2995, 1450, 1450, 1450]
        rows = _advance_heads([_head("地州市", rows=2), _head("县市区", rows=2)])
    else:
        widths = [1800, 4545, 2500]
        rows = [Row([_head("地州市"), _head("县市区"), _head("分配金额（万元）")], header=True)]

    def amounts(x) -> list[Cell]:
        return [_money(x.total), _money(x.advance), _money(x.batch)] if advance else [_money(x.total)]

    rows.append(Row([_head("合计", 2), *amounts(allocation.total)], total=True))
    members = {}
    for x in allocation.lines:
        if x.kind == "line":
            members[x.group] = members.get(x.group, 0) + 1
    for x in allocation.lines:
        if x.kind == "subtotal":
            label = _centre(x.group, rows=1 + members.get(x.group, 0))
            rows.append(Row([label, _centre("小计"), *amounts(x)], total=True))
        else:
            rows.append(Row([Cell(x.label), *amounts(x)]))
    return Grid(widths, rows)


# --- E. 资金执行情况表 ------------------------------------------------------------------------------


def execution_table(data: ReportData) -> Table | None:
    execution: ExecutionTable | None = data.execution
    if execution is None:
        return None
    with_notes = any(x.note for x in execution.lines)
    widths = [2545, 1600, 1600, 1300, 1800] if with_notes else [3245, 1900, 1900, 1800]
    heads = ["地区", "投入资金（万元）", "执行资金（万元）", "执行率"] + (["备注"] if with_notes else [])
    rows = [Row([_head(h) for h in heads], header=True)]

    def cells(x, label: Cell) -> list[Cell]:
        extra = [Cell(x.note)] if with_notes else []
        return [label, _money(x.budget), _money(x.spent), _rate(x.rate), *extra]

    rows.append(Row(cells(execution.total, _head("合计")), total=True))
    rows += [Row(cells(x, Cell(x.name))) for x in execution.lines]
    return Table(
        title=f"{data.year}年{with_money(data.fund_name)}执行情况表",
        subtitle="",
        sheet="执行情况表",
        grids=[Grid(widths, rows)],
        unit="单位：万元",
    )


# --- G. every money source -------------------------------------------------------------------------


def sources_table(data: ReportData, evaluation: SelfEvaluation | None = None) -> Table:
    evaluation = evaluation or data.evaluation
    widths = [3245, 1900, 1900, 1800]
    rows = [
        Row([_head("资金来源"), _head("全年预算数"), _head("全年执行数"), _head("预算执行率")], header=True)
    ]
    lines: list[Money] = evaluation.sources
    for line in lines:
        label = _head(line.label) if line.label == "合计" else Cell(line.label)
        budget, spent = line.budget, line.spent
        if not budget:
            # A source the county has none of prints 0.00, as the 自评表 does (seed 000), not blank;
            # spending not entered against a budget stays blank (blank is not zero).
            budget, spent = ZERO, spent if spent is not None else ZERO
        rows.append(Row([label, _money(budget), _money(spent), _rate(line.rate)], total=line.label == "合计"))
    return Table(
        title=f"{data.region_name}{data.year}年{with_money(data.fund_name)}来源及执行情况表",
        subtitle="",
        sheet="资金来源",
        grids=[Grid(widths, rows)],
        unit="单位：万元",
    )


# --- what each kind of document holds ----------------------------------------------------------------


def own_target_table(data: ReportData) -> Table | None:
    if data.own_table is None:
        return None
    return target_table(data.own_table, data.year, top=data.upper_is_centre, sheet="目标表-本级")


def child_target_tables(data: ReportData) -> list[Table]:
    """The tables this level passed down: the province's own 全区 table first, where it
    decomposed the central one, then each region's and project's."""
    tables = [target_table(t, data.year) for t in data.child_tables]
    if data.decomposed_table is not None:
        whole = target_table(data.decomposed_table, data.year, top=True, sheet="目标表-全区")
        tables.insert(0, whole)
    return tables


def tables_for(data: ReportData, kind: str) -> list[Table]:
    """The tables of a single-table document (b, b_scored, c, d, e) or of the workbook (a)."""
    if kind == "b":
        return [evaluation_table(data)]
    if kind == "b_scored":
        return [evaluation_table(data, scored=True)]
    if kind == "c":
        own = own_target_table(data)
        return ([own] if own else []) + child_target_tables(data)
    if kind == "d":
        table = allocation_table(data)
        return [table] if table else []
    if kind == "e":
        table = execution_table(data)
        return [table] if table else []
    if kind in ("a", "g"):
        tables = [evaluation_table(data)]
        tables += tables_for(data, "c") + tables_for(data, "d") + tables_for(data, "e")
        if kind == "g":
            tables.append(sources_table(data))
        return tables
    raise ValueError(f"未知的表格类型：{kind}")


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "")
    return name[:31]


__all__ = [
    "LEVEL2_BY_LEVEL1",
    "TEXT_WIDTH",
    "Cell",
    "Grid",
    "Row",
    "Table",
    "allocation_table",
    "cell_text",
    "child_target_tables",
    "evaluation_table",
    "execution_table",
    "own_target_table",
    "remark",
    "sources_table",
    "tables_for",
    "target_table",
]
