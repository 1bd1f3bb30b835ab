"""A 区域绩效目标表 pasted from Word or Excel, or in an uploaded notice (.docx).

The table as notices print it: title, （2024年度 地区）, 项目名称, the departments, 资金情况
(年度金额 / 其中：中央财政下达 / 地方资金), 年度总体目标 (numbered goals, to the right of the label
or on the rows below it), then 绩效指标 with 一级指标 / 二级指标 / 三级指标 / 指标值.

Cells are read by what they say, not by where they stand: text copied out of a PDF or a Word
file loses the cells that merges covered, so a row may start one or two cells to the left
(seed 003: 满意度指标 in the first cell, or a 三级指标 name in the 一级指标 column). The level
names are a closed list, so a cell that is one (产出指标, 数量指标, 社会效益 指标) sets that level
for the rows below; of the other cells of an indicator row, the last is the 指标值 and the one
before it the 三级指标. A level cell left blank is "same as above".

Text extracted from a PDF puts a merged level cell's text at the middle of the rows it spans,
and a row beside a merge loses its empty cells and slips left (seed 003's 全区 table, lines
244–252). Two readings follow, each said in the preview as a warning beside the line it moved:
a row that names levels with no indicator below it (before the next level or at the end) names
the indicator directly above it, when that one does not open a group of its own (else it is an
error: the indicators above would be filed under the wrong group); and a level row that stands
in the header's columns, below rows that slipped, is the middle of its group: it takes as many
of the slipped rows directly above it as its group has rows below it.

Every 指标值 must read with ``indicators.rules.parse_target``. The money must add up
(年度金额 = 中央 + 地方 when all three are given). A paste (or document) holding several tables
is narrowed to the one that names the chosen region (its title, or its 财政部门 row: 各地州市
means the province's own table). Then the same plan as the workbook import: indicators matched
by name, nothing that would alter a return under review, all or nothing, every change audited.
The 资金情况 the table states is kept with it (``TargetTable.stated_*``) and set beside what
the allocations brought (a warning when they differ): returns and documents print the
ledger's money, so a change to the stated money alone does not touch a return under review.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from evalportal.models import User
from indicators.edits import shown
from indicators.models import LEVEL2_BY_LEVEL1, Level1
from indicators.rules import parse_target
from indicators.services import StatedMoney, target_table_write
from reports.imports.base import (
    CellError,
    Change,
    ImportFailed,
    Plan,
    RowError,
    Sheet,
    cell_decimal,
    cell_string,
    squash,
)
from reports.imports.pasted import TextSheet, read_pasted
from reports.imports.targets import COLUMNS, TargetImporter, _level
from transfers.budgets import FundBudgets
from transfers.models import Fund, MoneySource, Region
from transfers.names import normalize

TITLE_MARK = "绩效目标表"
GOALS_LABELS = {"年度总体目标", "总体目标", "年度绩效目标", "绩效目标"}
BLOCK_LABEL = "绩效指标"
MONEY_LABEL = "资金情况"
TOTAL_LABELS = {"年度金额", "下达资金总额", "下达总金额", "年度资金总额", "资金总额", "总金额", "年度总金额"}
CENTRAL_LABELS = {"中央财政下达", "中央财政补助", "中央财政资金", "中央补助", "中央资金", "中央下达"}
LOCAL_LABELS = {"地方补助", "地方资金", "地方财政资金", "地方配套", "地方财政补助", "地方配套资金"}
MONEY_LABELS = {"total": "年度金额", "central": "其中：中央财政", "local": "地方资金"}
YEAR = re.compile(r"(\d{4})\s*年度")
YEAR_LINE = re.compile(r"^[（(]?\d{4}年度[^，。；]{0,20}[）)]?$")  # （2024年度） or （2024年度乌鲁木齐市）
TITLE_REGION = re.compile(r"[（(]\s*\d{4}\s*年度\s*([^）)]*?)\s*[）)]")
DEPARTMENT = re.compile(r"(财政|主管)部门$")
CENTRAL_DEPARTMENT = "中央主管部门"
ALL_BELOW = "各"  # 各地州市财政局, 各省、自治区…财政厅: the table of a whole province
LEVEL2_NAMES = {name for names in LEVEL2_BY_LEVEL1.values() for name in names}


@dataclass
class Line:
    """One row of the indicator block as read; ``error`` set when it could not be read."""

    row: int
    level1: str = ""
    level2: str = ""
    name: str = ""
    target: str = ""
    error: str = ""
    note: str = ""  # how the line's levels were read, when the cells had slipped
    opens: bool = False  # the row names the levels of a group
    slipped: bool = False  # its 指标值 stands left of the header's 指标值 column


@dataclass
class PastedTable:
    """One target table found in the text or document, as read."""

    sheet: str
    first_row: int
    last_row: int = 0
    heading: list[str] = field(default_factory=list)
    year: int | None = None
    region_hint: str | None = None  # the region the table names; ALL_BELOW: a whole province
    from_centre: bool = False  # it has a 中央主管部门 row: the table the centre sent
    goals_row: int | None = None
    goals: list[str] = field(default_factory=list)
    money_row: int | None = None
    money: dict[str, Decimal | None] = field(default_factory=dict)  # total / central / local
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    has_header: bool = False

    @property
    def indicators(self) -> list[Line]:
        return [line for line in self.lines if not line.error and line.name]

    @property
    def stated_money(self) -> StatedMoney | None:
        if self.money_row is None:
            return None
        return StatedMoney(self.money.get("total"), self.money.get("central"), self.money.get("local"))

    @property
    def where(self) -> str:
        place = f"{self.sheet}" if self.sheet else ""
        return f"{place}第{self.first_row}–{self.last_row}行"

    def error(self, message: str, row: int | None = None, column: str = "") -> None:
        self.errors.append(RowError(message, self.sheet, row, column))


# --- finding the tables -----------------------------------------------------------------------


def _texts(cells: tuple) -> list[tuple[int, str]]:
    return [(col, text) for col, text in enumerate(cells) if text]


def _is_title(texts: list[tuple[int, str]]) -> bool:
    return any(TITLE_MARK in squash(text) for _col, text in texts)


def _is_header(texts: list[tuple[int, str]]) -> dict[str, int] | None:
    """The indicator header's columns (0-based), when this row is one."""
    found = {}
    for col, text in texts:
        for column in COLUMNS:
            if column.key not in found and column.matches(squash(text)):
                found[column.key] = col
    return found if len(found) >= 3 else None


def split_tables(sheets: list[Sheet]) -> list[tuple[Sheet, int, int]]:
    """(sheet, first row, last row) of each table: a title, or a second 项目名称, starts the next."""
    blocks = []
    for sheet in sheets:
        start, seen_name, seen_header = 1, False, False
        for number, cells in enumerate(sheet.rows, start=1):
            texts = _texts(cells)
            labels = {squash(text) for _col, text in texts}
            starts = (_is_title(texts) and (seen_name or seen_header)) or (
                "项目名称" in labels and (seen_name or seen_header)
            )
            if starts:
                blocks.append((sheet, start, number - 1))
                start, seen_name, seen_header = number, False, False
            seen_name = seen_name or "项目名称" in labels
            seen_header = seen_header or _is_header(texts) is not None
        blocks.append((sheet, start, len(sheet.rows)))
    return blocks


# --- reading one table ------------------------------------------------------------------------


def _money_key(text: str) -> str | None:
    label = squash(text).removeprefix("其中").strip("：:").replace("（万元）", "")
    for key, labels in (("total", TOTAL_LABELS), ("central", CENTRAL_LABELS), ("local", LOCAL_LABELS)):
        if label in labels:
            return key
    return None


def _level_kind(text: str) -> str | None:
    """'level1' or 'level2' (or 'both' for 成本指标) when the cell is a level name."""
    one = _level(text, Level1.values) is not None
    two = _level(text, sorted(LEVEL2_NAMES)) is not None
    if one and two:
        return "both"
    return "level1" if one else "level2" if two else None


def read_table(sheet: Sheet, first: int, last: int) -> PastedTable:
    """Read rows ``first``..``last`` of ``sheet`` as one target table."""
    table = PastedTable(sheet=sheet.title, first_row=first, last_row=last)
    if isinstance(sheet, TextSheet) and first == 1:
        table.heading = list(sheet.heading)
    for text in table.heading:
        _title_hints(table, text)
    state = "head"  # head → goals → indicators
    header: dict[str, int] = {}
    level = {"level1": "", "level2": ""}
    opened: tuple[int, str, set] | None = None  # a row that named levels no indicator followed yet
    seen: dict[str, int] = {}

    for number in range(first, last + 1):
        texts = _texts(sheet.rows[number - 1])
        if not texts:
            continue
        labels = [squash(text) for _col, text in texts]
        if state != "indicators":
            if (found := _is_header(texts)) is not None:
                state, header, table.has_header = "indicators", found, True
                continue
            if labels == [BLOCK_LABEL]:
                state = "indicators_next"
                continue
        if state == "indicators_next":  # 绩效指标 alone on its row; the header must follow
            state = "head"
            if (found := _is_header(texts)) is not None:
                state, header, table.has_header = "indicators", found, True
                continue
        if state == "head" and (_is_title(texts) or any(YEAR_LINE.match(label) for label in labels)):
            for _col, text in texts:
                _title_hints(table, text)
            continue
        if state in ("head", "goals"):
            goal_label = next((i for i, label in enumerate(labels) if label in GOALS_LABELS), None)
            if goal_label is not None:
                state, table.goals_row = "goals", number
                _add_goals(table, number, texts[goal_label + 1 :])
                continue
            if state == "goals":
                _add_goals(table, number, texts)
                continue
            _read_head_row(table, number, texts, labels)
            continue
        # the indicator block
        if _is_header(texts) is not None or labels == [BLOCK_LABEL]:
            continue  # the header again (a table over two pages)
        opened = _read_indicator_row(table, number, texts, header, level, opened, seen)
    if opened is not None:
        _empty_group(table, opened)
    _centred_levels(table)
    if not table.has_header:
        table.error("没有找到“一级指标、二级指标、三级指标、指标值”表头：请连同表头一起复制。")
    elif not table.lines:
        table.error("表头下方没有指标行。")
    _check_money(table)
    while table.last_row > first and not any(sheet.rows[table.last_row - 1]):
        table.last_row -= 1  # the blank lines after it
    return table


def _title_hints(table: PastedTable, text: str) -> None:
    if (match := YEAR.search(text)) and table.year is None:
        table.year = int(match.group(1))
    if (match := TITLE_REGION.search(text)) and match.group(1):
        table.region_hint = match.group(1)  # the title names it: it wins over a department


def _add_goals(table: PastedTable, number: int, texts: list[tuple[int, str]]) -> None:
    for _col, text in texts:
        if squash(text) in GOALS_LABELS:
            continue
        try:
            text = cell_string(text, what="年度总体目标")
        except CellError as exc:
            table.error(str(exc), number)
            continue
        table.goals += [line.strip() for line in text.splitlines() if line.strip()]


def _read_head_row(table: PastedTable, number: int, texts: list, labels: list[str]) -> None:
    """项目名称, the departments (which name the region) and 资金情况 rows; the rest is ignored."""
    if any(label == CENTRAL_DEPARTMENT for label in labels):
        table.from_centre = True
    for index, label in enumerate(labels):
        if DEPARTMENT.search(label) and "财政" in label and index + 1 < len(texts):
            value = squash(texts[index + 1][1])
            if table.region_hint is None:
                table.region_hint = ALL_BELOW if value.startswith(ALL_BELOW) else _strip_office(value)
            break
    for index, (_col, text) in enumerate(texts):
        key = _money_key(text)
        if key is None:
            continue
        table.money_row = table.money_row or number
        values = [t for _c, t in texts[index + 1 :] if _money_key(t) is None and squash(t) != MONEY_LABEL]
        if not values:
            table.money.setdefault(key, None)
            return
        raw = values[-1]
        try:
            amount = cell_decimal(
                re.sub(r"\s*万元$", "", raw), allow_negative=False, what=f"资金情况“{squash(text)}”"
            )
        except CellError as exc:
            table.error(str(exc), number)
            return
        table.money[key] = amount
        return


def _strip_office(name: str) -> str:
    for suffix in ("财政厅（局）", "财政厅", "财政局", "财政处"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _read_indicator_row(table, number, texts, header, level, opened, seen):
    """One row below the header; returns the row that opened a level group still empty."""
    # Cells a merge repeated (a Word table that repeats the text) are one cell.
    cells = [t for i, t in enumerate(texts) if i == 0 or t[1] != texts[i - 1][1]]
    labels, rest = [], []
    for col, text in cells:
        if not rest and (kind := _level_kind(text)):
            labels.append((col, text, kind))
        elif not (not rest and squash(text) == BLOCK_LABEL):
            rest.append((col, text))
    line = Line(row=number)
    named = set()
    if labels:
        if opened is not None and _replaces(opened, labels, header):
            _empty_group(table, opened)
            opened = None
        problem = _set_levels(labels, header, level, named)
        if problem:
            line.level1, line.level2, line.error = level["level1"], level["level2"], problem
            if rest:
                line.name, line.target = rest[0][1], rest[-1][1] if len(rest) > 1 else ""
            table.lines.append(line)
            return None if rest else opened
    if not rest:
        if opened is not None:
            return (opened[0], f"{opened[1]} / {_names(level)}", opened[2] | named, dict(level))
        return (number, _names(level), named, dict(level)) if named else opened
    if len(rest) > 2:
        line.name, line.target = rest[-2][1], rest[-1][1]
        first = rest[0]
        if first[0] in (header.get("level1"), header.get("level2")):
            level["broken"] = True  # the rows below belong to a group that was not read
        if first[0] == header.get("level1"):
            line.error = f"一级指标“{_short(first[1])}”无法识别，应为{'、'.join(Level1.values)}之一。"
        elif first[0] == header.get("level2"):
            line.error = f"二级指标“{_short(first[1])}”无法识别，应为{'、'.join(sorted(LEVEL2_NAMES))}之一。"
        else:
            line.error = (
                f"本行有{len(rest)}段文字（{'、'.join(_short(t) for _c, t in rest)}），"
                "无法分辨哪一段是三级指标、哪一段是指标值。"
            )
        table.lines.append(line)
        return None
    line.level1, line.level2 = level["level1"], level["level2"]
    line.opens = bool(named)
    line.slipped = header.get("target") is not None and rest[-1][0] != header["target"]
    if len(rest) == 1:
        col, text = rest[0]
        if header.get("target") == col:
            line.target, line.error = text, "三级指标名称为空。"
        else:
            line.name, line.error = text, f"“{_short(text)}”没有填写指标值。"
        table.lines.append(line)
        return None
    try:
        line.name = cell_string(rest[0][1], what="三级指标", max_length=300)
        line.target = cell_string(rest[1][1], what="指标值", max_length=100)
    except CellError as exc:
        line.name, line.error = _short(rest[0][1]), str(exc)
        table.lines.append(line)
        return None
    line.name = " ".join(line.name.split())  # a name wrapped over two lines in the cell
    if line.name in seen:
        line.error = f"三级指标“{line.name}”与第{seen[line.name]}行重复。"
    else:
        seen[line.name] = number
        try:
            parse_target(line.target)
        except ValueError as exc:
            line.error = str(exc)
        else:
            if (not line.level1 or not line.level2) and not level.get("broken"):
                line.error = "没有一级或二级指标：请在本行或上方填写。"
    table.lines.append(line)
    return None


def _set_levels(labels: list, header: dict, level: dict, named: set) -> str:
    """Apply the level cells of one row; a message when they do not fit together."""
    ones = [
        (col, text)
        for index, (col, text, kind) in enumerate(labels)
        if kind == "level1"
        or (
            kind == "both"
            and (
                header.get("level1") == col
                or (index + 1 < len(labels) and labels[index + 1][2] != "level1")
                or (level["level1"] != Level1.OUTPUT and header.get("level2") != col)
            )
        )
    ]
    twos = [(col, text) for col, text, _kind in labels if (col, text) not in ones]
    was_broken = level.get("broken", False)
    level["broken"] = True  # until the row's levels are known: the rows below say nothing more
    if len(ones) > 1 or len(twos) > 1:
        return f"本行有多个指标层级（{'、'.join(t for _c, t, _k in labels)}），无法判断归属。"
    if ones:
        level1 = _level(ones[0][1], Level1.values)
        if level1 != level["level1"]:
            level["level2"] = ""  # a new level-1 group starts a new level-2 group too
        level["level1"] = level1
        named.add("level1")
    if twos:
        text = twos[0][1]
        choices = LEVEL2_BY_LEVEL1.get(level["level1"], [])
        level2 = _level(text, choices)
        if level2 is None and not level["level1"] and was_broken:
            return ""  # under a level-1 group that was not read: said there already
        if level2 is None:
            allowed = "、".join(choices) if choices else "请先填写一级指标"
            level["level2"] = ""
            return f"二级指标“{squash(text)}”不属于“{level['level1'] or '（空）'}”：{allowed}。"
        level["level2"] = level2
        named.add("level2")
    level["broken"] = False
    return ""


def _replaces(opened: tuple, labels: list, header: dict) -> bool:
    """Whether a row's levels close the group an earlier level-only row opened, still empty."""
    kinds = {kind for _col, _text, kind in labels}
    return "level1" in kinds or ("level2" in opened[2] and kinds & {"level2", "both"} != set())


def _empty_group(table: PastedTable, opened: tuple) -> None:
    """A row that named levels with no indicator below it: they name the indicator directly
    above it (the merged cell's text came after its row), unless that one opens a group of its
    own (the group would be left empty) or could not be read."""
    row, names, _named, levels = opened
    above = [line for line in table.lines if line.row < row and line.name and not line.error]
    last = table.lines[-1] if table.lines else None
    if above and above[-1] is last and not last.opens:
        _move(table, last, levels, f"第{row}行的层级“{names}”下方没有指标")
        last.opens = True
        return
    check = f"请核对第{above[-1].row}行“{_short(above[-1].name)}”是否属于它，" if above else ""
    table.lines.append(
        Line(
            row=row,
            error=f"本行只有指标层级“{names}”，其下没有三级指标：复制时单元格可能错位了。"
            f"{check}把层级移到它所属的指标行上再粘贴。",
        )
    )
    table.lines.sort(key=lambda line: line.row)


def _centred_levels(table: PastedTable) -> None:
    """A level row in the header's columns below rows that slipped is the middle of its group:
    it takes as many of those rows directly above it as its group has rows below it."""
    lines = table.lines
    for index, line in enumerate(lines):
        if not line.opens or line.slipped or line.error or not line.name:
            continue
        group = (line.level1, line.level2)
        below = 0
        for after in lines[index + 1 :]:
            if after.error or after.opens or (after.level1, after.level2) != group:
                break
            below += 1
        run: list[Line] = []
        for before in reversed(lines[:index]):
            if before.error or before.opens or not before.slipped or not before.name:
                break
            if run and (before.level1, before.level2) != (run[0].level1, run[0].level2):
                break
            run.append(before)
        for moved in run[:below]:
            why = f"第{line.row}行的层级在其组的中间，本行错位在它上方"
            _move(table, moved, _levels(line), why)


def _levels(line: Line) -> dict:
    return {"level1": line.level1, "level2": line.level2}


def _move(table: PastedTable, line: Line, levels: dict, why: str) -> None:
    was = _names(_levels(line))
    line.level1, line.level2 = levels["level1"], levels["level2"]
    line.note = f"归入“{_names(levels)}”：{why}（按位置原为“{was}”），请核对。"
    table.warnings.append(RowError(f"“{_short(line.name)}”{line.note}", table.sheet, line.row))


def _names(level: dict) -> str:
    return " / ".join(name for name in (level["level1"], level["level2"]) if name)


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _check_money(table: PastedTable) -> None:
    total, central, local = (table.money.get(k) for k in ("total", "central", "local"))
    if total is None or central is None:
        return
    if local is not None and central + local != total:
        table.error(
            f"资金情况不一致：年度金额{shown(total)}万元 ≠ 中央财政{shown(central)}万元 + "
            f"地方资金{shown(local)}万元。",
            table.money_row,
        )
    elif local is None and central > total:
        table.error(
            f"资金情况不一致：中央财政{shown(central)}万元大于年度金额{shown(total)}万元。", table.money_row
        )


# --- which table is the region's ------------------------------------------------------------


def region_names(region: Region) -> set[str]:
    names = {region.code, region.name, region.short_name, *(a.name for a in region.aliases.all())}
    return {normalize(name) for name in names if name}


def names_region(hint: str | None, region: Region) -> bool | None:
    """Whether a table's hint names ``region`` (None: the table names no region)."""
    if not hint:
        return None
    if hint == ALL_BELOW:
        return region.level == Region.Level.PROVINCE
    return normalize(hint) in region_names(region)


def choose_table(
    tables: list[PastedTable], region: Region, *, central: bool = False
) -> tuple[PastedTable, RowError | None]:
    """The one table of ``region``; with several, the one that names it (or ImportFailed). At
    the province the central table (with its 中央主管部门 row) and the province's own 全区
    table both name the whole province: ``central`` says which one is wanted."""
    if len(tables) == 1:
        return tables[0], None
    matching = [t for t in tables if names_region(t.region_hint, region)]
    if len(matching) > 1 and region.parent_id is None:
        matching = [t for t in matching if t.from_centre == central]
    if len(matching) == 1:
        chosen = matching[0]
        note = f"内容中有{len(tables)}张目标表，已选用写明属于{region.name}的一张（{chosen.where}）。"
        return chosen, RowError(note)
    named = "、".join(dict.fromkeys(_hint_label(t.region_hint) for t in tables))
    which = f"有{len(matching)}张写明属于{region.name}" if matching else f"没有一张写明属于{region.name}"
    raise ImportFailed(
        [
            RowError(
                f"内容中有{len(tables)}张目标表（{named}），{which}：请只粘贴或上传{region.name}的那一张。"
            )
        ]
    )


def _hint_label(hint: str | None) -> str:
    if hint == ALL_BELOW:
        return "全省（区）"
    return hint or "未写明地区"


# --- the importer ----------------------------------------------------------------------------


class PastedTargetImporter(TargetImporter):
    """The target-table import of text pasted into the page, or of a notice's .docx."""

    kind = "targets_text"
    title = "绩效目标表（粘贴或Word）"

    def __init__(
        self, *, actor: User | None, scope: Region, fund: Fund, region: Region, central: bool = False
    ):
        super().__init__(actor=actor, scope=scope, fund=fund, region=region, central=central)
        self.table: PastedTable | None = None
        self.money: StatedMoney | None = None
        self.received: dict | None = None

    def read(self, content: bytes, filename: str) -> list[Sheet]:
        return read_pasted(content, filename)

    def plan(self, sheets: list[Sheet]) -> Plan:
        self.check_permission()
        tables = [read_table(sheet, first, last) for sheet, first, last in split_tables(sheets)]
        found = [t for t in tables if t.has_header]
        if not found:
            raise ImportFailed(
                [
                    RowError(
                        "没有找到绩效目标表：内容中没有“一级指标、二级指标、三级指标、指标值”表头。"
                        "请从通知中复制整张目标表（含表头）后粘贴。"
                    )
                ]
            )
        table, note = choose_table(found, self.region, central=self.central)
        self.table = table
        plan = Plan(errors=list(table.errors), warnings=list(table.warnings))
        plan.errors += [RowError(line.error, table.sheet, line.row) for line in table.lines if line.error]
        if note is not None:
            plan.warnings.insert(0, note)
        if self.region.parent_id is None and table.from_centre != self.central:
            plan.warnings.append(
                RowError(
                    "表中有“中央主管部门”一行，像是中央下达的目标表：若是，请返回勾选“这是中央下达的目标表”。"
                    if table.from_centre
                    else "表中没有“中央主管部门”一行，像是本省（区）分解的全区目标表：请核对是否应勾选“这是中央下达的目标表”。",
                    table.sheet,
                )
            )
        if names_region(table.region_hint, self.region) is False:
            plan.warnings.append(
                RowError(
                    f"表中写明属于“{_hint_label(table.region_hint)}”，您选择的是{self.region.name}：请核对。",
                    table.sheet,
                )
            )
        if table.year is not None and table.year != self._fund.year:
            plan.warnings.append(
                RowError(f"表中写明{table.year}年度，所选资金是{self._fund.year}年：请核对。", table.sheet)
            )
        plan.rows_read = len(table.lines)
        self._compare_with_allocations(plan, table)
        if plan.errors:
            return plan
        goals = (table.goals_row, "\n".join(table.goals)) if table.goals else None
        if table.goals_row is not None and not table.goals:
            plan.warnings.append(
                RowError("年度总体目标为空：保留系统中原有的目标。", table.sheet, table.goals_row)
            )
        lines = [(i.row, i.level1, i.level2, i.name, i.target) for i in table.indicators]
        self._diff(table.sheet, lines, plan, goals)
        self._diff_money(plan, table)
        # The money a table states is not what a return prints (that is the ledger's): a
        # change to it alone may reach the table of a return under review.
        printed = any(c.action != "unchanged" and c.payload != ("money",) for c in plan.changes)
        self.refuse_under_review(plan, table.sheet, changes=printed)
        self.refuse_central_late(plan, table.sheet)
        return plan

    def _diff_money(self, plan: Plan, table: PastedTable) -> None:
        self.money = table.stated_money
        if self.money is None:
            return  # no 资金情况 rows: the table's figures stay as they are
        new = {MONEY_LABELS[key]: shown(value) for key, value in asdict(self.money).items()}
        existing = self._table()
        if existing is None:
            creation = next(c for c in plan.changes if c.payload == ("table",))
            creation.fields.update({label: [None, value] for label, value in new.items() if value})
            return
        old = {MONEY_LABELS[key]: shown(value) for key, value in asdict(StatedMoney.of(existing)).items()}
        fields = {label: [old[label], value] for label, value in new.items() if old[label] != value}
        action = "update" if fields else "unchanged"
        plan.changes.append(
            Change(action, "资金情况", table.sheet, table.money_row, fields, payload=("money",))
        )

    def _compare_with_allocations(self, plan: Plan, table: PastedTable) -> None:
        """What the allocations brought the region, beside what the table states (a warning)."""
        received = FundBudgets.build(self._fund, self.region).of_root()
        if not received.allocations:
            return
        self.received = {
            "total": shown(received.total),
            "central": shown(received.source(MoneySource.CENTRAL)),
            "local": shown(received.source(MoneySource.PROVINCIAL)),
        }
        stated = table.money.get("total")
        if stated is not None and stated != received.total:
            plan.warnings.append(
                RowError(
                    f"表中年度金额为{shown(stated)}万元，系统中{self.region.name}收到本资金"
                    f"{shown(received.total)}万元：报告和填报中的金额以资金分配为准。",
                    table.sheet,
                    table.money_row,
                )
            )

    def write(self, plan: Plan) -> None:
        arguments = self.write_arguments(plan)
        money_change = next((c for c in plan.changes if c.payload == ("money",)), None)
        arguments["money"] = self.money
        arguments["money_note"] = (
            self.note(money_change) if money_change is not None and money_change.action == "update" else None
        )
        target_table_write(
            actor=self.actor, fund=self._fund, region=self.region, central=self.central, **arguments
        )

    def preview(self) -> dict:
        """The table as read, for the preview page: goals, money, every line with its problem."""
        table = self.table
        if table is None:
            return {}
        return {
            "table": {
                "where": table.where,
                "sheet": table.sheet,
                "region": self.owner_name,
                "year": table.year,
                "hint": _hint_label(table.region_hint) if table.region_hint else "",
                "goals": table.goals,
                "goals_row": table.goals_row,
                "money": {k: shown(v) for k, v in table.money.items()} if table.money_row else None,
                "money_row": table.money_row,
                "received": self.received,
                "lines": [asdict(line) for line in table.lines],
            }
        }
