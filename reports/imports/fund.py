"""A whole fund from its workbook (docs/fund-workbook.md): the layout ``reports.exports.fund_export``
writes, read back. The province's export imports into an empty portal (only the regions
loaded) and comes out again the same, sheet for sheet, the audit trail aside.

What an import means: the workbook is the whole fund. The fund is created or updated by its
code; its notices by 文号 (by title when there is none); its projects by name; its allocation
lines by notice, recipient, 下达方式 and source — a line the portal has and the workbook lacks is
deleted; its target tables by owner, each indicator by its 三级指标 — an indicator the workbook
lacks is deleted unless a return reports on it. Nothing else is ever deleted: a project, a
target table or a return the portal has and the workbook lacks is an error (the workbook is
older than the portal's data: export again).

Returns: a return the portal does not hold is recorded as the workbook states it, its status
included (a fund moved from another deployment, or reports made outside the portal, as the
demo's approved returns). A return the portal holds is never changed by this import, whatever
its status: one that differs from the workbook is an error at each row that differs — an
approved or submitted one changes only after the province administrator reopens it, and any
return is edited by its own office (the form or its offline workbook). So nothing approved
changes behind the reviewer's back, and the province does not type into a county's return.

The same protection as the other imports for returns under review: a changed allocation line
that would alter the budget of a submitted or approved return, or a changed target table whose
own return is submitted or approved, is refused at its row.

Who: the administrator of the fund's province (``indicators.permissions.may_import_fund``); a
file naming another province, or the code of another province's fund, is refused. Only the
province's own export is the whole fund: a prefecture's (导出范围代码 not the province) is refused.
The importer reads and plans; ``transfers.services`` and ``indicators.services`` write and audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from evalportal.models import User
from indicators.models import (
    LEVEL2_BY_LEVEL1,
    Aspect,
    IndicatorActual,
    Level1,
    Return,
    TargetTable,
)
from indicators.permissions import may_import_fund
from indicators.rules import parse_target
from indicators.selectors import returns_under_review
from indicators.services import (
    ACTUAL_FIELDS,
    IndicatorSave,
    ReturnRecord,
    central_table_refusal,
    return_restore,
    returns_note_budget_change,
    target_table_save,
)
from reports.imports import fund_layout as layout
from reports.imports.base import (
    CellError,
    Change,
    Header,
    Importer,
    ImportFailed,
    Plan,
    RowError,
    Sheet,
    cell_decimal,
    cell_string,
    cell_text,
    data_rows,
    find_header,
    merged_errors,
    squash,
)
from reports.imports.targets import _level
from transfers.fund_forms import RESERVED_CODES, parse_issued
from transfers.models import ALLOCATED_SOURCES, Allocation, Fund, Notice, Project, Region
from transfers.selectors import regions_within
from transfers.services import (
    AuditNote,
    FundAllocationWrite,
    fund_allocations_write,
    fund_save,
    notice_save,
    project_save,
)

LOCKED = (Return.Status.SUBMITTED, Return.Status.APPROVED)
FUND_TEXT_LIMITS = {
    "name": 200,
    "direction": 200,
    "batch": 50,
    "central_department": 100,
    "finance_department": 100,
    "line_department": 100,
}

Owner = tuple[str, str]  # (region code, project name or "")
TableKey = tuple[str, str, bool]  # (region code, project name or "", the central table)
ReturnKey = tuple[str, str, str]  # (region code, project name or "", period)


# --- what the sheets say, as read ------------------------------------------------------------------


@dataclass
class NoticeRow:
    row: int
    number: str
    title: str
    issuer: str
    issued_on: date | None
    month_only: bool
    note: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.number, "" if self.number else self.title)


@dataclass
class ProjectRow:
    row: int
    name: str
    region: Region
    order: int | None = None  # None: the sheet has no 排序 column; the project keeps its own
    summary: str | None = None  # likewise 项目概况
    total_estimate: Decimal | None = None  # 资金总概算; blank or no column: kept as it is


@dataclass
class AllocationRow:
    row: int
    order: int
    notice: tuple[str, str]
    giver: Region | None
    recipient: Region
    project: str
    kind: str
    source: str
    amount: Decimal

    @property
    def label(self) -> str:
        giver = self.giver.name if self.giver else layout.CENTRE
        to = f"{self.recipient.name} · {self.project}" if self.project else self.recipient.name
        kind = Allocation.Kind(self.kind).label
        return f"{giver} → {to} · {kind} · {layout.SOURCE_LABELS[self.source]}"


@dataclass
class IndicatorRow:
    row: int
    order: int
    level1: str
    level2: str
    name: str
    target: str
    parent: str
    weight: Decimal | None
    rule: str


@dataclass
class TableRow:
    row: int
    region: Region
    project: str
    parent: TableKey | None
    goals: str
    weights: dict
    indicators: list[IndicatorRow] = field(default_factory=list)
    central: bool = False

    @property
    def owner(self) -> TableKey:
        return (self.region.code, self.project, self.central)

    @property
    def label(self) -> str:
        return _table_label(self.owner, self.region.name)


@dataclass
class ActualRow:
    row: int
    name: str
    values: dict  # ACTUAL_FIELDS → value


@dataclass
class ReturnRow:
    row: int
    region: Region
    project: str
    period: str
    status: str
    achievement: str
    funding: dict = field(default_factory=dict)  # source → (budget, spent, row)
    actuals: list[ActualRow] = field(default_factory=list)
    narratives: dict = field(default_factory=dict)  # aspect → (description, problems, row)

    @property
    def key(self) -> ReturnKey:
        return (self.region.code, self.project, self.period)

    @property
    def label(self) -> str:
        return f"{self.project or self.region.name} · {Return(period=self.period).get_period_display()}"


@dataclass
class Book:
    fund: dict  # FUND_FIELDS key → value
    fund_rows: dict  # key → row
    province: Region
    notices: dict[tuple, NoticeRow] = field(default_factory=dict)
    projects: dict[str, ProjectRow] = field(default_factory=dict)
    allocations: list[AllocationRow] = field(default_factory=list)
    tables: dict[Owner, TableRow] = field(default_factory=dict)
    returns: dict[ReturnKey, ReturnRow] = field(default_factory=dict)
    # Rows named but with errors of their own: rows that refer to them are not errors again.
    broken: set = field(default_factory=set)


class _Cells:
    """One data row of a sheet: each cell read as its column needs, errors named by place."""

    def __init__(self, plan: Plan, header: Header, row: int, cells: tuple):
        self.plan, self.header, self.row, self.cells = plan, header, row, cells
        self.failed = False

    def error(self, message: str, key: str = "") -> None:
        self.failed = True
        column = self.header.letter(key) if key and key in self.header.columns else ""
        self.plan.errors.append(RowError(message, self.header.sheet.title, self.row, column))

    def skip(self) -> None:
        """The row refers to a row with an error of its own: not read, and not an error again."""
        self.failed = True

    def raw(self, key: str):
        return self.header.get(self.cells, key)

    def text(self, key: str, what: str, *, max_length: int | None = None, required: bool = False) -> str:
        try:
            value = cell_string(self.raw(key), what=what, max_length=max_length)
        except CellError as exc:
            self.error(str(exc), key)
            return ""
        if required and not value:
            self.error(f"{what}为空。", key)
        return value

    def number(
        self, key: str, what: str, *, negative: bool = False, required: bool = False, places: int = 2
    ) -> Decimal | None:
        try:
            value = cell_decimal(self.raw(key), what=what, allow_negative=negative, places=places)
        except CellError as exc:
            self.error(str(exc), key)
            return None
        if value is None and required:
            self.error(f"{what}为空。", key)
        return value

    def whole(self, key: str, what: str, *, minimum: int = 0) -> int | None:
        value = self.raw(key)
        text = cell_text(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if not text.isdigit() or int(text) < minimum:
            self.error(f"{what}应为不小于{minimum}的整数，这里是“{text[:20] or '（空）'}”。", key)
            return None
        return int(text)

    def choice(self, key: str, what: str, choices: dict, *, blank: bool = False):
        text = squash(self.text(key, what))
        if not text and blank:
            return ""
        if text not in choices:
            listed = "、".join(choices)
            self.error(f"{what}“{text or '（空）'}”无法识别，应为{listed}之一。", key)
            return None
        return choices[text]


class FundImporter(Importer):
    kind = "fund"
    title = "整个资金工作簿"

    def __init__(self, *, actor: User | None, scope: Region | None):
        super().__init__(actor=actor, scope=scope)
        self._fund: Fund | None = None  # the fund the workbook names, when the portal has it
        self.book: Book | None = None

    @property
    def fund(self) -> Fund | None:
        return self._fund

    # --- reading ------------------------------------------------------------------------------

    def plan(self, sheets: list[Sheet]) -> Plan:
        # Checked here as well as in the views and commands: there is no second way in.
        if self.actor is not None and (reason := may_import_fund(self.actor)):
            raise ImportFailed([RowError(reason)])
        plan = Plan()
        book = self._read_fund(sheets, plan)
        if plan.errors:
            return plan
        self.book = book
        self.regions = {r.code: r for r in regions_within(book.province).select_related("parent__parent")}
        for read in (
            self._read_notices,
            self._read_projects,
            self._read_allocations,
            self._read_tables,
            self._read_indicators,
            self._read_returns,
            self._read_funding,
            self._read_actuals,
            self._read_narratives,
        ):
            read(sheets, book, plan)
        plan.rows_read = (
            len(book.notices)
            + len(book.projects)
            + len(book.allocations)
            + sum(1 + len(t.indicators) for t in book.tables.values())
            + len(book.returns)
        )
        if plan.errors:
            return plan
        self._diff(book, plan)
        return plan

    def _sheet(self, sheets: list[Sheet], name: str, columns: list, plan: Plan):
        header = find_header(sheets, columns, sheet_name=name)
        plan.errors += merged_errors(header, vertical=set())
        for row, cells in data_rows(header, columns):
            yield _Cells(plan, header, row, cells)

    def _region(self, cells: _Cells, key: str, what: str) -> Region | None:
        code = cells.text(key, what, required=True)
        if not code:
            return None
        region = self.regions.get(code)
        if region is None:
            province = self.book.province
            cells.error(
                f"{what}“{code}”不是{province.name}的区划代码（区划须已导入，按代码填写）。",
                key,
            )
        return region

    def _read_fund(self, sheets: list[Sheet], plan: Plan) -> Book:
        labels = {squash(label): key for key, label in layout.FUND_FIELDS.items()}
        values: dict = {}
        rows: dict = {}
        header = None
        for cells in self._sheet(sheets, layout.SHEET_FUND, layout.FUND_HEADER, plan):
            header = cells.header
            label = squash(cell_text(cells.raw("label")))
            key = labels.get(label)
            if key is None:
                plan.warnings.append(
                    RowError(f"“{label[:40]}”不是资金的栏目，本行已忽略。", header.sheet.title, cells.row)
                )
                continue
            if key in rows:
                cells.error(f"“{label}”与第{rows[key]}行重复。", "label")
                continue
            rows[key] = cells.row
            if key in layout.FUND_SHOWN:
                continue
            if key == "year":
                year = cells.whole("value", "年度", minimum=2000)
                if year is not None and year > 2100:
                    cells.error("年度应在2000至2100之间。", "value")
                values[key] = year
            else:
                values[key] = cells.text(
                    "value", layout.FUND_FIELDS[key], max_length=FUND_TEXT_LIMITS.get(key, 40)
                )
        sheet = header.sheet.title if header else layout.SHEET_FUND
        for key in layout.FUND_REQUIRED:
            if not values.get(key) and not any(e.row == rows.get(key) for e in plan.errors if e.row):
                where = rows.get(key)
                plan.errors.append(
                    RowError(f"没有填写“{layout.FUND_FIELDS[key]}”。", sheet, where, "B" if where else "")
                )
        if plan.errors:
            return None

        def error(message: str, key: str) -> None:
            plan.errors.append(RowError(message, sheet, rows[key], "B"))

        try:
            validate_slug(values["code"])
        except ValidationError:
            error("资金代码只能由字母、数字、连字符和下划线组成。", "code")
        if values["code"] in RESERVED_CODES:
            error(f"“{values['code']}”是系统保留的名称，不能作资金代码。", "code")
        province = Region.objects.filter(code=values["province"], level=Region.Level.PROVINCE).first()
        if province is None:
            error(f"接收省份代码“{values['province']}”不是已导入的省级区划。", "province")
            return None
        if values["scope"] != province.code:
            scope = Region.objects.filter(code=values["scope"]).first()
            name = scope.name if scope else values["scope"]
            error(
                f"这是{name}及所辖地区的导出，只有资金的一部分；导入整个资金请使用{province.name}导出的工作簿。",
                "scope",
            )
        if self.actor is not None and (reason := may_import_fund(self.actor, province)):
            error(reason, "province")
        existing = Fund.objects.filter(code=values["code"]).select_related("region").first()
        if existing is not None and existing.region_id != province.pk:
            error(
                f"资金代码“{values['code']}”已是{existing.region.name}的资金，不能作为{province.name}的资金导入。",
                "code",
            )
        elif existing is not None:
            self._fund = existing
        return Book(fund=values, fund_rows=rows, province=province)

    def _read_notices(self, sheets, book: Book, plan: Plan) -> None:
        for cells in self._sheet(sheets, layout.SHEET_NOTICES, layout.NOTICE_COLUMNS, plan):
            number = cells.text("number", "文号", max_length=60)
            title = cells.text("title", "标题", max_length=300, required=True)
            issuer = cells.text("issuer", "发文机关", max_length=200, required=True)
            note = cells.text("note", "备注", max_length=300)
            issued = cells.raw("issued")
            issued_on, month_only = None, False
            if isinstance(issued, datetime | date):
                issued_on = issued.date() if isinstance(issued, datetime) else issued
            else:
                try:
                    issued_on, month_only = parse_issued(cells.text("issued", "发文日期", max_length=20))
                except ValueError as exc:
                    cells.error(str(exc), "issued")
            if cells.failed:
                book.broken.add(("notice", (number, "" if number else title)))
                continue
            notice = NoticeRow(cells.row, number, title, issuer, issued_on, month_only, note)
            if notice.key in book.notices:
                what = f"文号“{number}”" if number else f"标题“{title}”（无文号）"
                cells.error(
                    f"{what}与第{book.notices[notice.key].row}行重复。", "number" if number else "title"
                )
                continue
            book.notices[notice.key] = notice

    def _read_projects(self, sheets, book: Book, plan: Plan) -> None:
        for cells in self._sheet(sheets, layout.SHEET_PROJECTS, layout.PROJECT_COLUMNS, plan):
            name = cells.text("name", "项目名称", max_length=200, required=True)
            region = self._region(cells, "region", "实施地区代码")
            if region is not None and region.level != Region.Level.COUNTY:
                cells.error(
                    f"项目的实施地区应为县市区或预算单位，{region.name}是{region.get_level_display()}。",
                    "region",
                )
            order = summary = estimate = None
            if "order" in cells.header.columns:  # blank: the first place, as a new project has
                order = cells.whole("order", "排序") if cell_text(cells.raw("order")) else 0
            if "summary" in cells.header.columns:
                summary = cells.text("summary", "项目概况")
            if "total_estimate" in cells.header.columns:
                estimate = cells.number("total_estimate", "资金总概算", places=4)
            if cells.failed:
                book.broken.add(("project", name))
                continue
            if name in book.projects:
                cells.error(f"项目“{name}”与第{book.projects[name].row}行重复。", "name")
                continue
            book.projects[name] = ProjectRow(cells.row, name, region, order, summary, estimate)

    def _project(self, cells: _Cells, book: Book, region: Region | None, key: str = "project") -> str:
        """The project named in the row: one of the 项目 sheet, run in the row's region."""
        name = cells.text(key, "项目", max_length=200)
        if not name or region is None:
            return name
        project = book.projects.get(name)
        if project is None and ("project", name) in book.broken:
            cells.skip()
        elif project is None:
            cells.error(f"项目“{name}”不在“{layout.SHEET_PROJECTS}”工作表中。", key)
        elif project.region.pk != region.pk:
            cells.error(
                f"项目“{name}”的实施地区是{project.region.name}（{project.region.code}），不是{region.code}。",
                "code",
            )
        return name

    def _read_allocations(self, sheets, book: Book, plan: Plan) -> None:
        seen: dict[tuple, int] = {}
        for cells in self._sheet(sheets, layout.SHEET_ALLOCATIONS, layout.ALLOCATION_COLUMNS, plan):
            order = cells.whole("order", "排序")
            number = cells.text("number", "文号", max_length=60)
            title = cells.text("title", "文件标题", max_length=300)
            key = (number, "" if number else title)
            if ("notice", key) in book.broken:
                cells.skip()
            elif not cells.failed and key not in book.notices:
                what = f"文号为“{number}”" if number else f"标题为“{title}”" if title else "文号和标题都为空"
                cells.error(
                    f"{what}的文件不在“{layout.SHEET_NOTICES}”工作表中。", "number" if number else "title"
                )
            giver = self._region(cells, "giver", "下达方代码") if cell_text(cells.raw("giver")) else None
            recipient = self._region(cells, "recipient", "接收代码")
            project = self._project(cells, book, recipient)
            kind = cells.choice("kind", "下达方式", layout.KINDS)
            source = cells.choice("source", "资金来源", layout.ALLOCATED_SOURCE_LABELS)
            amount = cells.number("amount", "金额", negative=True, required=True)
            if kind == Allocation.Kind.ADVANCE and amount is not None and amount < 0:
                cells.error("提前下达金额不能为负数；调减请记入本次下达。", "amount")
            if recipient is not None and giver is not None:
                if giver.pk == recipient.pk and not project:
                    cells.error("不能向本级自身下达资金。", "recipient")
                elif not _below(recipient, giver, itself=bool(project)):
                    cells.error(f"下达方{giver.name}不是{recipient.name}的上级。", "giver")
            if cells.failed:
                continue
            line = AllocationRow(cells.row, order, key, giver, recipient, project, kind, source, amount)
            identity = (key, recipient.code, project, kind, source)
            if identity in seen:
                cells.error(
                    f"与第{seen[identity]}行是同一文件、同一接收方、同一下达方式和资金来源的分配。",
                    "recipient",
                )
                continue
            seen[identity] = cells.row
            book.allocations.append(line)

    def _owner(self, cells: _Cells, book: Book) -> tuple[Region | None, str]:
        region = self._region(cells, "code", "代码")
        return region, self._project(cells, book, region)

    def _central(self, cells: _Cells, book: Book, region: Region | None, project: str) -> bool:
        """中央下达 is only the province's, and only its region table's."""
        central = bool(cells.choice("central", "中央下达", layout.CENTRAL, blank=True))
        if central and region is not None and (project or region.pk != book.province.pk):
            cells.error(f"中央下达的目标表只属于{book.province.name}（不属于下级地区或项目）。", "central")
        return central

    def _read_tables(self, sheets, book: Book, plan: Plan) -> None:
        parents: dict[TableKey, tuple[TableKey, _Cells]] = {}
        for cells in self._sheet(sheets, layout.SHEET_TABLES, layout.TABLE_COLUMNS, plan):
            region, project = self._owner(cells, book)
            central = self._central(cells, book, region, project)
            parent_code = cells.text("parent_code", "上级目标表代码")
            parent_project = cells.text("parent_project", "上级目标表项目", max_length=200)
            parent_central = bool(
                cells.choice("parent_central", "上级为中央下达", layout.CENTRAL, blank=True)
            )
            goals = cells.text("goals", "年度总体目标")
            try:
                weights = layout.parse_weights(cells.text("weights", "一级指标分值"))
            except ValueError as exc:
                cells.error(str(exc), "weights")
            if central and parent_code:
                cells.error("中央下达的目标表没有上级目标表。", "parent_code")
            if cells.failed:
                book.broken.add(("table", (region.code if region else "", project, central)))
                continue
            parent = (parent_code, parent_project, parent_central) if parent_code else None
            table = TableRow(cells.row, region, project, parent, goals, weights, central=central)
            if table.owner in book.tables:
                cells.error(f"{table.label}的目标表与第{book.tables[table.owner].row}行重复。", "code")
                continue
            book.tables[table.owner] = table
            if parent is not None:
                parents[table.owner] = (parent, cells)
        for owner, (parent, cells) in parents.items():
            if ("table", parent) in book.broken:
                continue
            if parent not in book.tables:
                cells.error(f"上级目标表（{_owner_text(parent)}）不在本工作表中。", "parent_code")
            elif _cycle(book.tables, owner):
                cells.error("上级目标表形成循环：目标表不能（间接）以自己为上级。", "parent_code")

    def _read_indicators(self, sheets, book: Book, plan: Plan) -> None:
        places: dict[tuple, _Cells] = {}
        for cells in self._sheet(sheets, layout.SHEET_INDICATORS, layout.INDICATOR_COLUMNS, plan):
            region, project = self._owner(cells, book)
            central = bool(cells.choice("central", "中央下达", layout.CENTRAL, blank=True))
            order = cells.whole("order", "序号", minimum=1)
            level1 = _level(cells.text("level1", "一级指标"), Level1.values)
            if level1 is None:
                cells.error(
                    f"一级指标“{cell_text(cells.raw('level1'))}”无法识别，应为{'、'.join(Level1.values)}之一。",
                    "level1",
                )
            choices = LEVEL2_BY_LEVEL1.get(level1, [])
            level2 = _level(cells.text("level2", "二级指标"), choices)
            if level1 is not None and level2 is None:
                cells.error(
                    f"二级指标“{cell_text(cells.raw('level2'))}”不属于“{level1}”：{'、'.join(choices)}。",
                    "level2",
                )
            name = cells.text("name", "三级指标", max_length=300, required=True)
            target = cells.text("target", "指标值", max_length=100, required=True)
            if target:
                try:
                    parse_target(target)
                except ValueError as exc:
                    cells.error(str(exc), "target")
            parent = cells.text("parent", "对应上级指标", max_length=300)
            weight = cells.number("weight", "分值")
            if weight is not None and not (0 <= weight < 1000):
                cells.error("分值应在0至999.99之间。", "weight")
            rule = cells.choice("rule", "汇总规则", layout.RULES, blank=True)
            owner = (region.code if region else "", project, central)
            if cells.failed:
                book.broken.add(("indicator", owner, name))
                continue
            table = book.tables.get(owner)
            if table is None and ("table", owner) in book.broken:
                continue
            if table is None:
                label = _table_label(owner, region.name)
                cells.error(f"“{layout.SHEET_TABLES}”工作表中没有{label}的目标表。", "code")
                continue
            for taken, what, key in ((order, "序号", "order"), (name, "三级指标", "name")):
                earlier = places.get((table.owner, key, taken))
                if earlier is not None:
                    cells.error(f"{table.label}的目标表中{what}“{taken}”与第{earlier.row}行重复。", key)
                places[(table.owner, key, taken)] = cells
            if cells.failed:
                continue
            table.indicators.append(
                IndicatorRow(cells.row, order, level1, level2, name, target, parent, weight, rule)
            )
            places[(table.owner, "indicator", name)] = cells
        for table in book.tables.values():
            above = book.tables.get(table.parent) if table.parent else None
            names = {i.name for i in above.indicators} if above else set()
            for indicator in table.indicators:
                broken = above is not None and ("indicator", above.owner, indicator.parent) in book.broken
                if indicator.parent and indicator.parent not in names and not broken:
                    cells = places[(table.owner, "indicator", indicator.name)]
                    where = f"上级目标表（{above.label}）" if above else "本目标表没有上级目标表，"
                    cells.error(f"{where}中没有指标“{indicator.parent}”。", "parent")

    def _read_returns(self, sheets, book: Book, plan: Plan) -> None:
        for cells in self._sheet(sheets, layout.SHEET_RETURNS, layout.RETURN_COLUMNS, plan):
            region, project = self._owner(cells, book)
            period = cells.choice("period", "填报期", layout.PERIODS)
            status = cells.choice("status", "状态", layout.STATUSES)
            achievement = cells.text("achievement", "总体目标完成情况")
            if cells.failed:
                book.broken.add(("return", (region.code if region else "", project, period)))
                continue
            ret = ReturnRow(cells.row, region, project, period, status, achievement)
            if ret.key in book.returns:
                cells.error(f"{ret.label}的填报与第{book.returns[ret.key].row}行重复。", "code")
                continue
            book.returns[ret.key] = ret

    def _return_of(self, cells: _Cells, book: Book) -> ReturnRow | None:
        region, project = self._owner(cells, book)
        period = cells.choice("period", "填报期", layout.PERIODS)
        if cells.failed:
            return None
        ret = book.returns.get((region.code, project, period))
        if ret is None and ("return", (region.code, project, period)) in book.broken:
            cells.skip()
        elif ret is None:
            name = project or region.name
            cells.error(f"“{layout.SHEET_RETURNS}”工作表中没有{name}的{_period_label(period)}填报。", "code")
        return ret

    def _read_funding(self, sheets, book: Book, plan: Plan) -> None:
        for cells in self._sheet(sheets, layout.SHEET_FUNDING, layout.FUNDING_COLUMNS, plan):
            if squash(cell_text(cells.raw("source"))) == "合计":
                continue  # the total, for the reader
            ret = self._return_of(cells, book)
            source = cells.choice("source", "资金来源", layout.SOURCES)
            if source is None or ret is None:
                continue
            # Allocated money's budget is the allocations' (shown here, never read).
            # A return's money is kept to the 元 (seed 004: 2.472万元), as its form takes it.
            budget = None if source in ALLOCATED_SOURCES else cells.number("budget", "全年预算数", places=4)
            spent = cells.number("spent", "全年执行数", places=4)
            if cells.failed:
                continue
            if source in ret.funding:
                cells.error(
                    f"{ret.label}的{layout.SOURCE_LABELS[source]}与第{ret.funding[source][2]}行重复。",
                    "source",
                )
                continue
            ret.funding[source] = (budget, spent, cells.row)

    def _read_actuals(self, sheets, book: Book, plan: Plan) -> None:
        for cells in self._sheet(sheets, layout.SHEET_ACTUALS, layout.ACTUAL_COLUMNS, plan):
            ret = self._return_of(cells, book)
            name = cells.text("name", "三级指标", max_length=300, required=True)
            values = {
                "actual_text": cells.text("actual", "全年实际完成值", max_length=100),
                "reason": cells.text("reason", "未完成原因"),
                "measure": cells.text("measure", "改进措施"),
                "denominator": cells.number("denominator", "分母"),
                "judged_met": cells.choice("judged", "审核认定", layout.JUDGED, blank=True),
                "band": cells.choice("band", "定性评级", layout.BANDS, blank=True),
                "override_note": cells.text("override", "覆盖汇总值说明"),
            }
            if values["judged_met"] == "":
                values["judged_met"] = None
            if cells.failed or ret is None:
                continue
            key = _return_table_key(book.tables, ret.region.code, ret.project)
            table = book.tables.get(key)
            if ("indicator", key, name) in book.broken:
                continue  # the indicator's own row has the error
            if table is None or name not in {i.name for i in table.indicators}:
                owner = ret.project or ret.region.name
                cells.error(f"{owner}的目标表中没有指标“{name}”。", "name")
                continue
            earlier = next((a for a in ret.actuals if a.name == name), None)
            if earlier is not None:
                cells.error(f"{ret.label}的指标“{name}”与第{earlier.row}行重复。", "name")
                continue
            ret.actuals.append(ActualRow(cells.row, name, values))

    def _read_narratives(self, sheets, book: Book, plan: Plan) -> None:
        aspects = {aspect.label: aspect.value for aspect in Aspect}
        for cells in self._sheet(sheets, layout.SHEET_NARRATIVES, layout.NARRATIVE_COLUMNS, plan):
            ret = self._return_of(cells, book)
            aspect = cells.choice("aspect", "方面", aspects)
            description = cells.text("description", "情况说明")
            problems = cells.text("problems", "存在问题和改进措施")
            if cells.failed or ret is None:
                continue
            if aspect in ret.narratives:
                cells.error(
                    f"{ret.label}的“{Aspect(aspect).label}”与第{ret.narratives[aspect][2]}行重复。", "aspect"
                )
                continue
            ret.narratives[aspect] = (description, problems, cells.row)

    # --- comparing ------------------------------------------------------------------------------

    def _diff(self, book: Book, plan: Plan) -> None:
        self._diff_fund(book, plan)
        notices = self._diff_notices(book, plan)
        projects = self._diff_projects(book, plan)
        self._diff_allocations(book, plan, notices, projects)
        self._diff_tables(book, plan)
        self._diff_returns(book, plan)

    def _diff_fund(self, book: Book, plan: Plan) -> None:
        wanted = {key: book.fund.get(key, "") for key in layout.FUND_FIELDS if key not in layout.FUND_SHOWN}
        wanted.pop("scope")
        code, fund = wanted.pop("code"), self._fund
        fields = {}
        for key, new in wanted.items():
            old = (fund.region.code if key == "province" else getattr(fund, key)) if fund else None
            if old != new and (fund is not None or new):
                fields[layout.FUND_FIELDS[key]] = [None if old is None else str(old), str(new)]
        action = "create" if fund is None else ("update" if fields else "unchanged")
        row = book.fund_rows.get("code")
        plan.changes.append(Change(action, f"资金{code}", layout.SHEET_FUND, row, fields, payload=("fund",)))

    def _diff_notices(self, book: Book, plan: Plan) -> dict[tuple, Notice]:
        existing = {}
        for notice in Notice.objects.filter(province=book.province):
            existing[(notice.number, "" if notice.number else notice.title)] = notice
        for key, row in book.notices.items():
            current = existing.get(key)
            new = {
                "标题": row.title,
                "发文机关": row.issuer,
                "发文日期": _issued_text(row.issued_on, row.month_only),
                "备注": row.note,
            }
            old = (
                {
                    "标题": current.title,
                    "发文机关": current.issuer,
                    "发文日期": current.issued_text,
                    "备注": current.note,
                }
                if current
                else {}
            )
            fields = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v and (current or v)}
            action = "create" if current is None else ("update" if fields else "unchanged")
            label = f"文件{row.number or row.title}"
            plan.changes.append(Change(action, label, layout.SHEET_NOTICES, row.row, fields, payload=row))
        return existing

    def _diff_projects(self, book: Book, plan: Plan) -> dict[str, Project]:
        existing = {p.name: p for p in self._fund.projects.select_related("region")} if self._fund else {}
        for name, row in book.projects.items():
            current = existing.get(name)
            if current is not None and current.region_id != row.region.pk:
                plan.errors.append(
                    RowError(
                        f"项目“{name}”在系统中的实施地区是{current.region.name}，导入不能改变项目的实施地区。",
                        layout.SHEET_PROJECTS,
                        row.row,
                        "B",
                    )
                )
                continue
            fields = {} if current else {"实施地区": [None, row.region.name]}
            described = {
                "排序": ("order", row.order),
                "项目概况": ("summary", row.summary),
                "资金总概算": ("total_estimate", row.total_estimate),
            }
            for label, (key, value) in described.items():
                old = getattr(current, key) if current else None
                if value is not None and old != value and (current or value):
                    fields[label] = [_shown(old), _shown(value)]
            action = "create" if current is None else ("update" if fields else "unchanged")
            plan.changes.append(
                Change(action, f"项目{name}", layout.SHEET_PROJECTS, row.row, fields, payload=row)
            )
        for name in sorted(set(existing) - set(book.projects)):
            plan.errors.append(
                RowError(
                    f"系统中有项目“{name}”，工作簿中没有：导入不删除项目（工作簿可能早于系统中的数据，请重新导出）。",
                    layout.SHEET_PROJECTS,
                )
            )
        return existing

    def _diff_allocations(self, book: Book, plan: Plan, notices: dict, projects: dict) -> None:
        fund = self._fund
        existing: dict[tuple, Allocation] = {}
        if fund is not None:
            for a in fund.allocations.select_related("notice", "from_region", "region", "project__region"):
                recipient = a.region or a.project.region
                key = ((a.notice.number, "" if a.notice.number else a.notice.title), recipient.code)
                existing[(*key, a.project.name if a.project_id else "", a.kind, a.source)] = a
        touched: list[tuple[Change, list]] = []  # a change and the givers whose chains it moves
        planned = set()
        for line in book.allocations:
            identity = (line.notice, line.recipient.code, line.project, line.kind, line.source)
            planned.add(identity)
            current = existing.get(identity)
            new = {
                "下达方": line.giver.name if line.giver else layout.CENTRE,
                "金额（万元）": f"{line.amount:.2f}",
                "排序": str(line.order),
            }
            if current is None:
                action, fields = "create", {k: [None, v] for k, v in new.items()}
            else:
                old = {
                    "下达方": current.from_region.name if current.from_region_id else layout.CENTRE,
                    "金额（万元）": f"{current.amount:.2f}",
                    "排序": str(current.order),
                }
                fields = {k: [old[k], v] for k, v in new.items() if old[k] != v}
                action = "update" if fields else "unchanged"
            change = Change(
                action, line.label, layout.SHEET_ALLOCATIONS, line.row, fields, payload=(line, current)
            )
            plan.changes.append(change)
            if current is not None and set(fields) - {"排序"}:
                touched.append((change, [current.from_region, line.giver]))
            elif current is None:
                touched.append((change, [line.giver]))
        for identity, current in existing.items():
            if identity in planned:
                continue
            recipient = current.region or current.project.region
            label = f"{current.from_region or layout.CENTRE} → {current.project or recipient.name} · {current.get_kind_display()}（{current.notice}）"
            fields = {"金额（万元）": [f"{current.amount:.2f}", None]}
            change = Change(
                "delete",
                f"{label}（工作簿中已无此行）",
                layout.SHEET_ALLOCATIONS,
                None,
                fields,
                payload=(None, current),
            )
            plan.changes.append(change)
            touched.append((change, [current.from_region]))
        if fund is not None:
            self._refuse_budget_changes_under_review(fund, touched, plan)

    def _refuse_budget_changes_under_review(self, fund: Fund, touched: list, plan: Plan) -> None:
        """A changed line moves the budget of its recipient and of every region between it and
        its giver (every region up to the province, when the centre gives): none of them may have
        a return that is submitted or approved; nor may the project it goes to."""
        by_giver: dict = {}
        for change, givers in touched:
            line, current = change.payload
            recipient = line.recipient if line else (current.region or current.project.region)
            for giver in givers:
                by_giver.setdefault(giver.pk if giver else None, (giver, set()))[1].add(recipient.pk)
        locked: dict[tuple, Return] = {}
        for giver_pk, (giver, regions) in by_giver.items():
            for region_pk, ret in returns_under_review(fund, regions, below=giver).items():
                locked[(giver_pk, region_pk)] = ret
        project_locked = {
            (r.project.name): r
            for r in Return.objects.filter(
                fund=fund, project__isnull=False, status__in=LOCKED
            ).select_related("project", "region")
        }
        for change, givers in touched:
            line, current = change.payload
            recipient = line.recipient if line else (current.region or current.project.region)
            project = line.project if line else (current.project.name if current.project_id else "")
            ret = project_locked.get(project) if project else None
            for giver in givers:
                ret = ret or locked.get((giver.pk if giver else None, recipient.pk))
            if ret is not None:
                owner = ret.project or ret.region
                plan.errors.append(
                    RowError(
                        f"{owner}的填报{ret.get_status_display()}，这一行会改变其预算："
                        "请先退回或由省级管理员重新打开该填报，再导入。",
                        change.sheet,
                        change.row,
                    )
                )

    def _diff_tables(self, book: Book, plan: Plan) -> None:
        fund = self._fund
        existing: dict[TableKey, TargetTable] = {}
        if fund is not None:
            tables = fund.target_tables.select_related(
                "region", "project__region", "parent__region", "parent__project__region"
            )
            for table in tables.prefetch_related("indicators__parent_indicator"):
                existing[_table_owner(table)] = table
        locked = _owners_under_review(fund) if fund else {}
        for owner, row in book.tables.items():
            current = existing.get(owner)
            if (
                row.central
                and current is None
                and fund is not None
                and (refusal := central_table_refusal(fund))
            ):
                plan.errors.append(RowError(refusal, layout.SHEET_TABLES, row.row))
            changes = self._diff_table(row, current, existing, plan)
            used = owner == _return_table_key(book.tables, owner[0], owner[1])  # by the owner's returns
            if any(c.action != "unchanged" for c in changes) and used and owner[:2] in locked:
                ret = locked[owner[:2]]
                plan.errors.append(
                    RowError(
                        f"{row.label}的{ret.get_period_display()}填报{ret.get_status_display()}，"
                        "修改其目标表会改变填报的完成率：请先退回或由省级管理员重新打开该填报，再导入。",
                        layout.SHEET_TABLES,
                        row.row,
                    )
                )
        for owner in existing.keys() - book.tables.keys():
            plan.errors.append(
                RowError(
                    f"系统中有{existing[owner].label}的目标表，工作簿中没有：导入不删除目标表"
                    "（工作簿可能早于系统中的数据，请重新导出）。",
                    layout.SHEET_TABLES,
                )
            )

    def _diff_table(
        self, row: TableRow, current: TargetTable | None, existing: dict, plan: Plan
    ) -> list[Change]:
        changes = []
        new = {
            "上级目标表": _owner_text(row.parent),
            "年度总体目标": row.goals,
            "一级指标分值": layout.weights_text(row.weights),
        }
        if current is None:
            fields = {k: [None, v] for k, v in new.items() if v}
            action = "create"
        else:
            old = {
                "上级目标表": _owner_text(_table_owner(current.parent) if current.parent_id else None),
                "年度总体目标": current.overall_goals,
                "一级指标分值": layout.weights_text(current.level_weights or {}),
            }
            fields = {k: [old[k], v] for k, v in new.items() if old[k] != v}
            action = "update" if fields else "unchanged"
        changes.append(
            Change(action, f"{row.label}的目标表", layout.SHEET_TABLES, row.row, fields, payload=row)
        )
        have = {i.name: i for i in current.indicators.all()} if current else {}
        for line in row.indicators:
            indicator = have.get(line.name)
            new = {
                "序号": str(line.order),
                "一级指标": line.level1,
                "二级指标": line.level2,
                "指标值": line.target,
                "对应上级指标": line.parent,
                "分值": _text(line.weight),
                "汇总规则": line.rule,
            }
            if indicator is None:
                action, fields = "create", {k: [None, v] for k, v in new.items() if v}
            else:
                old = {
                    "序号": str(indicator.order),
                    "一级指标": indicator.level1,
                    "二级指标": indicator.level2,
                    "指标值": indicator.target_text,
                    "对应上级指标": indicator.parent_indicator.name if indicator.parent_indicator_id else "",
                    "分值": _text(indicator.weight),
                    "汇总规则": indicator.rollup_rule,
                }
                fields = {k: [old[k], v] for k, v in new.items() if old[k] != v}
                action = "update" if fields else "unchanged"
            label = f"{row.label} · {line.name}"
            changes.append(
                Change(
                    action, label, layout.SHEET_INDICATORS, line.row, fields, payload=(row, line, indicator)
                )
            )
        listed = {line.name for line in row.indicators}
        gone = [i for name, i in have.items() if name not in listed]
        reported = set(
            IndicatorActual.objects.filter(indicator__in=gone)
            .values_list("indicator_id", flat=True)
            .distinct()
        )
        for indicator in gone:
            if indicator.pk in reported:
                plan.errors.append(
                    RowError(
                        f"工作簿中没有{row.label}的指标“{indicator.name}”，但已有填报使用它，不能删除；请保留该行。",
                        layout.SHEET_INDICATORS,
                    )
                )
                continue
            fields = {"指标值": [indicator.target_text, None]}
            label = f"{row.label} · {indicator.name}"
            changes.append(
                Change("delete", label, layout.SHEET_INDICATORS, None, fields, payload=(row, None, indicator))
            )
        plan.changes += changes
        return changes

    def _diff_returns(self, book: Book, plan: Plan) -> None:
        existing: dict[ReturnKey, Return] = {}
        if self._fund is not None:
            returns = self._fund.returns.select_related("region", "project").prefetch_related(
                "funding", "actuals__indicator", "narratives"
            )
            for ret in returns:
                existing[(ret.region.code, ret.project.name if ret.project_id else "", ret.period)] = ret
        for key, row in book.returns.items():
            current = existing.get(key)
            status = Return.Status(row.status).label
            if current is None:
                fields = {"状态": [None, status]}
                plan.changes.append(
                    Change(
                        "create",
                        f"{row.label}（{status}）",
                        layout.SHEET_RETURNS,
                        row.row,
                        fields,
                        payload=row,
                    )
                )
                continue
            differences = _return_differences(row, current)
            for sheet, where, what, old, new in differences:
                if current.status == Return.Status.APPROVED:
                    why = "已审核的填报不能通过导入修改：须由省级管理员重新打开，再由本单位修改。"
                elif current.status == Return.Status.SUBMITTED:
                    why = "已提交的填报不能通过导入修改：须先退回，再由本单位修改。"
                else:
                    why = "整个资金的导入不修改系统中已有的填报：请由本单位在填报页面（或导入其填报表）修改。"
                plan.errors.append(
                    RowError(
                        f"{row.label}的填报在系统中{current.get_status_display()}，{what}与系统不同"
                        f"（系统：{old or '（空）'}，工作簿：{new or '（空）'}）。{why}",
                        sheet,
                        where,
                    )
                )
            if not differences:
                plan.changes.append(
                    Change("unchanged", row.label, layout.SHEET_RETURNS, row.row, payload=row)
                )
        for key in existing.keys() - book.returns.keys():
            ret = existing[key]
            plan.errors.append(
                RowError(
                    f"系统中有{ret.project or ret.region}的{ret.get_period_display()}填报"
                    f"（{ret.get_status_display()}），工作簿中没有：导入不删除填报（工作簿可能早于系统中的数据，请重新导出）。",
                    layout.SHEET_RETURNS,
                )
            )

    # --- writing ------------------------------------------------------------------------------

    def write(self, plan: Plan) -> None:
        book = self.book
        by_kind: dict[str, list[Change]] = {}
        for change in plan.changes:
            by_kind.setdefault(change.sheet, []).append(change)
        fund = self._write_fund(book, by_kind[layout.SHEET_FUND][0])
        self._fund = fund
        notices = self._write_notices(book, by_kind.get(layout.SHEET_NOTICES, []))
        projects = self._write_projects(fund, by_kind.get(layout.SHEET_PROJECTS, []))
        self._write_allocations(fund, notices, projects, by_kind.get(layout.SHEET_ALLOCATIONS, []))
        tables = self._write_tables(
            fund,
            book,
            projects,
            by_kind.get(layout.SHEET_TABLES, []),
            by_kind.get(layout.SHEET_INDICATORS, []),
        )
        for change in by_kind.get(layout.SHEET_RETURNS, []):
            if change.action == "create":
                self._write_return(fund, change.payload, tables, projects, change)

    def _write_fund(self, book: Book, change: Change) -> Fund:
        if change.action == "unchanged":
            return self._fund
        values = book.fund
        fund, _ = fund_save(
            actor=self.actor,
            code=values["code"],
            name=values["name"],
            year=values["year"],
            region=book.province,
            direction=values.get("direction", ""),
            batch=values.get("batch", ""),
            central_department=values.get("central_department", ""),
            finance_department=values.get("finance_department", ""),
            line_department=values.get("line_department", ""),
            comment=self.note(change).comment,
        )
        return fund

    def _write_notices(self, book: Book, changes: list[Change]) -> dict[tuple, Notice]:
        for change in changes:
            if change.action in ("create", "update"):
                row = change.payload
                notice_save(
                    actor=self.actor,
                    province=book.province,
                    number=row.number,
                    title=row.title,
                    issuer=row.issuer,
                    issued_on=row.issued_on,
                    issued_month_only=row.month_only,
                    note=row.note,
                    comment=self.note(change).comment,
                )
        return {
            (n.number, "" if n.number else n.title): n for n in Notice.objects.filter(province=book.province)
        }

    def _write_projects(self, fund: Fund, changes: list[Change]) -> dict[str, Project]:
        for change in changes:
            if change.action in ("create", "update"):
                row = change.payload
                project_save(
                    actor=self.actor, fund=fund, name=row.name, region=row.region, note=self.note(change),
                    summary=row.summary, order=row.order, total_estimate=row.total_estimate,
                )  # fmt: skip
        return {p.name: p for p in fund.projects.all()}

    def _write_allocations(self, fund: Fund, notices: dict, projects: dict, changes: list[Change]) -> None:
        rows, moved = [], {}
        for change in changes:
            if change.action == "unchanged":
                continue
            line, current = change.payload
            note = self.note(change)
            if change.action == "delete":
                rows.append(FundAllocationWrite("delete", current, note=note))
                giver, region = current.from_region, current.region or current.project.region
            else:
                project = projects[line.project] if line.project else None
                rows.append(
                    FundAllocationWrite(
                        change.action,
                        current,
                        notice=notices[line.notice],
                        from_region=line.giver,
                        region=None if project else line.recipient,
                        project=project,
                        kind=line.kind,
                        source=line.source,
                        amount=line.amount,
                        order=line.order,
                        note=note,
                    )
                )
                giver, region = line.giver, line.recipient
            moved.setdefault(giver.pk if giver else None, (giver, set()))[1].add(region.pk)
        if not rows:
            return
        fund_allocations_write(actor=self.actor, fund=fund, rows=rows)
        for giver, regions in moved.values():  # each open return whose budget moved says so
            returns_note_budget_change(
                actor=self.actor,
                fund=fund,
                regions=regions,
                below=giver,
                note=f"{self.title}“{self.filename}”改变了本级预算",
            )

    def _write_tables(
        self,
        fund: Fund,
        book: Book,
        projects: dict,
        table_changes: list[Change],
        indicator_changes: list[Change],
    ) -> dict[Owner, TargetTable]:
        rows_of: dict[Owner, list[IndicatorSave]] = {}
        for change in indicator_changes:
            if change.action == "unchanged":
                continue
            table, line, indicator = change.payload
            note = self.note(change)
            if change.action == "delete":
                save = IndicatorSave("delete", indicator, note=note)
            else:
                save = IndicatorSave(
                    change.action,
                    indicator,
                    level1=line.level1,
                    level2=line.level2,
                    name=line.name,
                    target_text=line.target,
                    order=line.order,
                    weight=line.weight,
                    rollup_rule=line.rule,
                    parent_name=line.parent,
                    note=note,
                )
            rows_of.setdefault(table.owner, []).append(save)
        existing = {
            _table_owner(t): t for t in fund.target_tables.select_related("region", "project__region")
        }
        done: dict[TableKey, TargetTable] = {}
        by_owner = {c.payload.owner: c for c in table_changes}
        for owner in _parents_first(book.tables):
            change, row = by_owner[owner], book.tables[owner]
            if change.action == "unchanged" and owner not in rows_of:
                done[owner] = existing[owner]
                continue
            project = projects[row.project] if row.project else None
            done[owner] = target_table_save(
                actor=self.actor,
                fund=fund,
                region=None if project else row.region,
                project=project,
                parent=done[row.parent] if row.parent else None,
                goals=row.goals,
                level_weights=row.weights,
                rows=rows_of.get(owner, []),
                note=self.note(change) if change.action != "unchanged" else None,
                central=row.central,
            )
        return done

    def _write_return(self, fund: Fund, row: ReturnRow, tables: dict, projects: dict, change: Change) -> None:
        table = tables.get(_return_table_key(tables, row.region.code, row.project))
        indicators = {i.name: i for i in table.indicators.all()} if table else {}
        status = Return.Status(row.status).label
        note = self.note(change)
        record = ReturnRecord(
            region=row.region,
            project=projects[row.project] if row.project else None,
            period=row.period,
            status=row.status,
            goal_achievement=row.achievement,
            funding={source: (budget, spent) for source, (budget, spent, _row) in row.funding.items()},
            actuals=[(indicators[a.name], a.values) for a in row.actuals],
            narratives={aspect: (d, p) for aspect, (d, p, _row) in row.narratives.items()},
        )
        return_restore(
            actor=self.actor,
            fund=fund,
            record=record,
            note=AuditNote(
                summary=f"按导入的工作簿记录填报（{status}）",
                comment=f"{note.comment}：填报未在本系统中填写和审核，按工作簿所载的状态和数据记录。",
                changes={"状态": [None, status]},
            ),
        )


# --- helpers ----------------------------------------------------------------------------------------


def _below(region: Region, giver: Region, *, itself: bool) -> bool:
    """``giver`` is above ``region`` (or is it, when the money goes to a project run there)."""
    node = region if itself else region.parent
    while node is not None:
        if node.pk == giver.pk:
            return True
        node = node.parent
    return False


def _cycle(tables: dict[TableKey, TableRow], owner: TableKey) -> bool:
    seen, node = set(), owner
    while node is not None and node in tables:
        if node in seen:
            return True
        seen.add(node)
        node = tables[node].parent
    return False


def _parents_first(tables: dict[TableKey, TableRow]) -> list[TableKey]:
    def depth(owner: TableKey) -> int:
        count, node = 0, tables[owner].parent
        while node is not None:
            count, node = count + 1, tables[node].parent
        return count

    return sorted(tables, key=depth)


def _table_owner(table: TargetTable) -> TableKey:
    if table.region_id:
        return (table.region.code, "", table.is_central)
    return (table.project.region.code, table.project.name, False)


def _return_table_key(tables: dict, code: str, project: str) -> TableKey:
    """The table a return of (code, project) reports against, among ``tables``: at the province
    the central table when there is one (as indicators.selectors.return_table says)."""
    if not project and (code, "", True) in tables:
        return (code, "", True)
    return (code, project, False)


def _table_label(owner: TableKey, region_name: str) -> str:
    _code, project, central = owner
    return f"{region_name}（中央下达）" if central else (project or region_name)


def _owner_text(owner: TableKey | None) -> str:
    """A table as the preview names it: 654000 · 项目名, or 650000（中央下达）."""
    if not owner:
        return ""
    code, project, central = owner
    return " · ".join(part for part in (code, project) if part) + ("（中央下达）" if central else "")


def _owners_under_review(fund: Fund) -> dict[Owner, Return]:
    locked = {}
    for ret in Return.objects.filter(fund=fund, status__in=LOCKED).select_related("region", "project"):
        locked[(ret.region.code, ret.project.name if ret.project_id else "")] = ret
    return locked


def _shown(value):
    """A value as an audit event keeps it: money as text (2.472), anything else as it is."""
    return _text(value) if isinstance(value, Decimal) else value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _issued_text(issued_on: date | None, month_only: bool) -> str:
    return Notice(issued_on=issued_on, issued_month_only=month_only).issued_text


def _period_label(period: str) -> str:
    return Return(period=period).get_period_display()


def _return_differences(row: ReturnRow, ret: Return) -> list[tuple]:
    """(sheet, row, what, in the portal, in the workbook) for each way the workbook's return
    differs from the portal's: its status and texts, money, indicator lines and narratives."""
    found = []
    if ret.status != row.status:
        found.append(
            (layout.SHEET_RETURNS, row.row, "状态", ret.get_status_display(), Return.Status(row.status).label)
        )
    if ret.goal_achievement.strip() != row.achievement:
        found.append(
            (
                layout.SHEET_RETURNS,
                row.row,
                "总体目标完成情况",
                _short(ret.goal_achievement),
                _short(row.achievement),
            )
        )
    lines = {line.source: line for line in ret.funding.all()}
    for source, label in layout.SOURCE_LABELS.items():
        line = lines.get(source)
        budget, spent, where = row.funding.get(source, (None, None, None))
        pairs = [("全年执行数", line.spent if line else None, spent)]
        if source not in ALLOCATED_SOURCES:
            pairs.append(("全年预算数", line.budget if line else None, budget))
        for what, old, new in pairs:
            if old != new:
                found.append(
                    (layout.SHEET_FUNDING, where or row.row, f"{label}{what}", _text(old), _text(new))
                )
    have = {actual.indicator.name: actual for actual in ret.actuals.all()}
    listed = {actual.name: actual for actual in row.actuals}
    for name in sorted(have.keys() | listed.keys()):
        actual, line = have.get(name), listed.get(name)
        if actual is None or line is None:
            where = line.row if line else row.row
            sheet = layout.SHEET_ACTUALS if line else layout.SHEET_RETURNS
            found.append(
                (sheet, where, f"指标“{name}”的完成值行", "有" if actual else "无", "有" if line else "无")
            )
            continue
        for key in ACTUAL_FIELDS:
            old, new = getattr(actual, key), line.values[key]
            if isinstance(old, str):
                old = old.strip()
            if old != new:
                label = IndicatorActual._meta.get_field(key).verbose_name
                found.append(
                    (
                        layout.SHEET_ACTUALS,
                        line.row,
                        f"指标“{name}”的{label}",
                        _short(_text(old)),
                        _short(_text(new)),
                    )
                )
    narratives = {n.aspect: n for n in ret.narratives.all()}
    for aspect in Aspect:
        narrative = narratives.get(aspect.value)
        old = (narrative.description.strip(), narrative.problems.strip()) if narrative else ("", "")
        description, problems, where = row.narratives.get(aspect.value, ("", "", None))
        if old != (description, problems):
            sheet = layout.SHEET_NARRATIVES if where else layout.SHEET_RETURNS
            found.append(
                (
                    sheet,
                    where or row.row,
                    f"资金管理情况“{aspect.label}”",
                    _short(old[0] or old[1]),
                    _short(description or problems),
                )
            )
    return found


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"
