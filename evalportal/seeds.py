"""Readers for the seed documents in shared/seeds (text extracted from Word/PDF).

Pure Python. Two table layouts occur: seed 000 puts each cell on its own line behind a tab
(a cell may run over several lines) with rows separated by blank lines; seed 003 puts a row
on one line with tab-separated cells. Nothing here rounds or computes: it returns the figures
as printed, as Decimal, for the loader to store and the tests to compare with.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SEED_000 = "000_7b4c1de1f36c6f50.txt"
SEED_003 = "003_bdd04355771c889d.txt"

LEVEL1_NAMES = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2_NAMES = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)
ASPECTS = (
    "分配科学性",
    "下达及时性",
    "拨付合规性",
    "使用规范性",
    "执行准确性",
    "预算绩效管理情况",
    "支出责任履行情况",
)


class SeedFormatError(ValueError):
    """The seed text is not laid out as expected."""


@dataclass
class IndicatorRow:
    level1: str
    level2: str
    name: str
    target: str
    actual: str = ""
    remark: str = ""


@dataclass
class TargetTableText:
    region: str  # '' for the table the centre sent (or the province's general one)
    amount: Decimal | None
    overall_goals: str
    indicators: list[IndicatorRow] = field(default_factory=list)


@dataclass
class AllocationLine:
    prefecture: str
    recipient: str  # '' on a prefecture's 小计 row
    total: Decimal | None
    advance: Decimal | None
    batch: Decimal | None

    @property
    def is_subtotal(self) -> bool:
        return self.recipient == ""


@dataclass
class ExecutionLine:
    region: str
    budget: Decimal
    spent: Decimal
    printed_rate: str


@dataclass
class EvaluationSheet:
    """The 自评表 at the end of seed 000."""

    money: dict[str, tuple[Decimal, Decimal]]  # label → (全年预算数, 全年执行数)
    narratives: dict[str, tuple[str, str]]  # aspect → (情况说明, 存在问题和改进措施)
    overall_goals: str
    goal_achievement: str
    indicators: list[IndicatorRow]


def squash(text: str) -> str:
    """Remove the whitespace that extraction put inside labels ('社会效益\\n指标')."""
    return re.sub(r"\s+", "", text)


def number(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise SeedFormatError(f"不是数字：“{text}”")
    return Decimal(cleaned)


# --- seed 000: one cell per line ------------------------------------------------------------


def cell_rows(text: str) -> list[list[str]]:
    """Split seed-000-style text into rows of cells."""
    rows = []
    for block in re.split(r"\n\n+", text):
        cells: list[str] = []
        for line in block.split("\n"):
            if line.startswith("\t") or not cells:
                cells.append(line[1:] if line.startswith("\t") else line)
            else:
                cells[-1] += "\n" + line
        rows.append([cell.strip() for cell in cells])
    return rows


def _indicator_rows(rows: list[list[str]], start: int, width: int) -> list[IndicatorRow]:
    """Read indicator rows (first cell blank, levels left blank below a merged cell)."""
    result = []
    level1 = level2 = ""
    for row in rows[start:]:
        if len(row) < width or row[0] != "" or not row[3]:
            break
        row = row[:width]  # the last row may have run into the text after the table
        if row[1]:
            level1 = squash(row[1])
        if row[2]:
            level2 = squash(row[2])
        extra = row[5:] + ["", ""]
        # The last value of a table may run into the text after it: keep its first line.
        target = row[4].split("\n")[0].strip()
        result.append(IndicatorRow(level1, level2, row[3], target, extra[0], extra[1]))
    return result


def _tables_000(rows: list[list[str]]) -> list[TargetTableText]:
    tables = []
    current: TargetTableText | None = None
    for index, row in enumerate(rows):
        first = row[0] if row else ""
        if first.startswith("中央对地方转移支付区域绩效目标表"):
            match = re.search(r"（\d{4}年度\s*(.*?)）", first)
            current = TargetTableText(
                region=(match.group(1).strip() if match else ""), amount=None, overall_goals=""
            )
            tables.append(current)
        elif current is None:
            continue
        elif squash(first).startswith("资金情况") and len(row) >= 3:
            current.amount = number(row[2])
        elif squash(first) == "年度总体目标" and len(row) >= 2:
            current.overall_goals = row[1]
        elif first == "绩效指标" and len(row) == 5:
            current.indicators = _indicator_rows(rows, index + 1, 5)
            current = None
    return tables


def _section(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


@dataclass
class Seed000:
    central_amount: Decimal
    central_table: TargetTableText
    regional_tables: list[TargetTableText]
    allocations: list[tuple[str, Decimal]]
    allocation_total: Decimal
    execution: list[ExecutionLine]
    execution_total: ExecutionLine
    sheet: EvaluationSheet


def read_seed_000(path: Path) -> Seed000:
    text = path.read_text(encoding="utf-8")
    tables = _tables_000(
        cell_rows(_section(text, "中央对地方转移支付区域绩效目标表", "二、绩效目标完成情况分析"))
    )
    central = tables[0]
    # tables[1] is the province's general table for all prefectures; tables[2:] name one each.
    regional = [table for table in tables if table.region]

    allocations, allocation_total = [], None
    for row in cell_rows(_section(text, "分配表1-1", "2.自治区分解下达绩效目标情况")):
        if len(row) == 3 and row[0].isdigit():
            allocations.append((row[1], number(row[2])))
        elif len(row) == 2 and row[0] == "总计":
            allocation_total = number(row[1])

    execution, execution_total = [], None
    for row in cell_rows(_section(text, "分配表2-1", "（二）项目资金管理情况分析")):
        if len(row) == 4 and row[0] not in ("名称", ""):
            line = ExecutionLine(row[0], number(row[1]), number(row[2]), row[3])
            if row[0] == "合计":
                execution_total = line
            else:
                execution.append(line)

    central_amount = number(re.search(r"资金(\d+)万元。\n2.下达绩效目标情况", text).group(1))
    if allocation_total is None or execution_total is None:
        raise SeedFormatError("种子文件000缺少分配表或执行表的合计行。")
    return Seed000(
        central_amount,
        central,
        regional,
        allocations,
        allocation_total,
        execution,
        execution_total,
        _sheet_000(text),
    )


def _sheet_000(text: str) -> EvaluationSheet:
    rows = cell_rows(text[text.index("中央对地方转移支付区域（项目）绩效自评表") :])
    money, narratives = {}, {}
    overall_goals = goal_achievement = ""
    indicators: list[IndicatorRow] = []
    for index, row in enumerate(rows):
        label = squash(row[1]) if len(row) > 1 else ""
        if len(row) == 5 and label.rstrip("：:").removeprefix("其中：") in (
            "年度资金总额",
            "中央财政资金",
            "地方财政资金",
            "其他资金",
        ):
            money[label.rstrip("：:").removeprefix("其中：")] = (number(row[2]), number(row[3]))
        elif len(row) == 4 and label in ASPECTS:
            narratives[label] = (row[2], row[3])
        elif len(row) == 3 and row[0] == "" and row[1].startswith("1."):
            overall_goals, goal_achievement = row[1], row[2]
        elif squash(row[0]) == "绩效指标" and len(row) == 7:
            indicators = _indicator_rows(rows, index + 1, 7)
    return EvaluationSheet(money, narratives, overall_goals, goal_achievement, indicators)


def split_reason(remark: str) -> tuple[str, str]:
    """Split '未完成原因为：…改进措施；…' into (reason, measure) as the 自评表 writes them."""
    match = re.search(r"改进措施[：:；;]", remark)
    if not match:
        return remark.strip(), ""
    reason = remark[: match.start()].strip()
    reason = re.sub(r"^未完成原因[为]?[：:]", "", reason).strip()
    return reason, remark[match.end() :].strip()


# --- seed 003: one row per line ---------------------------------------------------------------


@dataclass
class Seed003:
    notice_number: str
    central_notice_number: str
    lines: list[AllocationLine]
    grand_total: AllocationLine
    province_table: TargetTableText
    regional_tables: list[TargetTableText]


def read_seed_003(path: Path) -> Seed003:
    text = path.read_text(encoding="utf-8")
    notice_number = re.search(r"新财社〔\d{4}〕\d+号", text).group(0)
    central_notice_number = re.search(r"《财政部 民政部关于下达.*?》（(财社〔\d{4}〕\d+号)）", text).group(1)
    lines, grand_total = _allocation_lines(text[: text.index("附件2\n")])
    tables = _tables_003(text[text.index("附件3") :])
    province, regional = tables[0], tables[1:]
    province.indicators = _relevel(province.indicators, regional[0].indicators)
    return Seed003(notice_number, central_notice_number, lines, grand_total, province, regional)


def _relevel(garbled: list[IndicatorRow], model: list[IndicatorRow]) -> list[IndicatorRow]:
    """Give the province's table of seed 003 the order and levels of the tables copied from it.

    Its merged level cells were scrambled in extraction; its names and values were not.
    """
    values = {row.name: row.target for row in garbled}
    if set(values) != {row.name for row in model}:
        raise SeedFormatError("种子文件003中自治区目标表的指标与各地目标表不一致。")
    return [IndicatorRow(row.level1, row.level2, row.name, values[row.name]) for row in model]


def _allocation_lines(text: str) -> tuple[list[AllocationLine], AllocationLine]:
    lines: list[AllocationLine] = []
    grand_total = None
    prefecture = ""
    for raw in text.split("\n"):
        cells = [cell.strip() for cell in raw.split("\t") if cell.strip()]
        if len(cells) < 2 or not re.fullmatch(r"-?\d+(\.\d+)?", cells[-1]):
            continue
        if squash(cells[0]) == "合计":
            grand_total = AllocationLine("", "", *[number(c) for c in cells[1:4]])
            continue
        if cells[1] == "小计":
            prefecture = cells[0]
            figures = [number(c) for c in cells[2:]] + [None, None, None]
            lines.append(AllocationLine(prefecture, "", *figures[:3]))
            continue
        figures = [number(c) for c in cells[1:4]]
        if len(figures) != 3:
            raise SeedFormatError(f"分配表行无法识别：“{raw}”")
        lines.append(AllocationLine(prefecture, cells[0], *figures))
    if grand_total is None:
        raise SeedFormatError("种子文件003的分配表缺少合计行。")
    return lines, grand_total


def _tables_003(text: str) -> list[TargetTableText]:
    tables = []
    for block in re.split(r"\n中央对地方转移支付区域绩效目标表\n", "\n" + text)[1:]:
        rows = [[c.strip() for c in line.split("\t")] for line in block.split("\n")]
        region = amount = None
        goals: list[str] = []
        indicators: list[IndicatorRow] = []
        in_goals = in_indicators = False
        level1 = level2 = ""
        for cells in rows:
            filled = [c for c in cells if c]
            if not filled:
                continue
            head = squash(filled[0])
            if head == "地级财政部门":
                region = "" if filled[1].startswith("各") else filled[1].removesuffix("财政局")
            elif head.startswith("资金情况") and amount is None:
                amount = number(filled[-1])
            elif head == "年度总体目标":
                in_goals = True
                goals += filled[1:]
            elif head == "绩效指标":
                in_goals, in_indicators = False, True
            elif in_goals and re.match(r"\d+\.", head):
                goals.append(filled[0])
            elif in_indicators and filled[0] != "一级指标":
                # The last filled cell is the value, the one before it the name; filled cells
                # before those are level names (the province's table lost its layout in
                # extraction: there only names and values are reliable).
                if len(filled) < 2:
                    continue
                for label in map(squash, filled[:-2]):
                    if label in LEVEL1_NAMES:
                        level1 = label
                    elif label in LEVEL2_NAMES:
                        level2 = label
                if squash(filled[-1]) in LEVEL2_NAMES:  # a row of level names only
                    continue
                indicators.append(IndicatorRow(level1, level2, filled[-2], filled[-1]))
        tables.append(TargetTableText(region or "", amount, "\n".join(goals), indicators))
    return tables
