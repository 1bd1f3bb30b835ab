"""Allocation tables in the layout of 附件1 of a 下达 notice (seed 003).

    地州市 | 县市区 | 全年资金合计 | 其中：提前下达 | 本次实际下达
    合 计  |        | 792267       | 564771         | 227496
    伊犁州 | 小计   | 65682        | 39145          | 26537
           | 伊宁市 | 14005        | 8419           | 5586

The prefecture is written once (on its 小计 row or its first row; merged down or blank
below). A table without a 县市区 column lists the recipients themselves, as a province's split
to its prefectures is printed (seed 000's 分配表1-1):

    序号 | 地区       | 分配金额（万元）
    1    | 乌鲁木齐市 | 550
    总计 |            | 8454

A table with neither a 提前下达 nor a 本次下达 column holds one amount per row: what the
notice it is imported under (本次下达) sends. The 附件1 layout (with 县市区) has both columns. Every row must satisfy 合计 = 提前下达 + 本次下达, each 小计 the sum of its rows in each
column, 合计 the sum of the 小计 rows; the arithmetic is indicators.rules.check_allocation_table,
so the import, the screens and the reports agree on what a consistent table is.

What an import means: the table is the complete attachment of one 本次下达 notice (and the
提前下达 notice its advance column refers to) from the importing region to the regions below
it. Each county row becomes two Allocation rows (提前下达 under the advance notice, 本次下达
under the batch notice, source 中央财政资金 unless told otherwise). Rows already there with
the same amount are unchanged; a different amount is an update; a recipient of those notices
missing from the table is deleted. Notices: chosen in the form (or ``--batch-notice`` /
``--advance-notice``); left empty, the import reuses the one notice of each kind this region
already used for the fund, so re-importing a table needs no choice at all. New notices are
registered by an administrator first (文号 are official: the import never invents one).
"""

from __future__ import annotations

import io
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.db.models import Q

from evalportal.models import User
from indicators import rules
from indicators.permissions import may_import_allocations
from indicators.selectors import ReviewLocks, project_returns_under_review
from indicators.services import returns_note_budget_change
from reports.imports.base import (
    CellError,
    Change,
    Column,
    Header,
    Importer,
    ImportFailed,
    Plan,
    RowError,
    Sheet,
    StreamedPlan,
    cell_decimal,
    cell_string,
    cell_text,
    data_rows,
    find_header,
    merged_errors,
    squash,
)
from transfers.models import Allocation, Fund, MoneySource, Notice, Project, Region
from transfers.names import RegionNameError, RegionNames, normalize
from transfers.services import AllocationWrite, allocations_write
from transfers.tree import subtree_q

COLUMNS = [
    Column("prefecture", "地州市", ("地州", "地区", "地（州、市）", "地州（市）", "地州市名称", "地区名称")),
    Column(
        "county",
        "县市区",
        ("县（市、区）", "县市区/单位", "县市区及单位", "单位名称", "县市"),
        required=False,
    ),
    Column(
        "total",
        "全年资金合计",
        ("全年合计", "资金合计", "合计", "全年资金", "金额合计", "分配金额", "金额", "下达金额"),
    ),
    Column("advance", "提前下达", ("提前下达数", "提前下达资金", "已提前下达"), required=False),
    Column(
        "batch",
        "本次实际下达",
        ("本次下达", "本次下达数", "本次实际下达数", "本次下达资金"),
        required=False,
    ),
]
AMOUNTS = {"total": "全年资金合计", "advance": "提前下达", "batch": "本次下达"}
KIND_OF = {"advance": Allocation.Kind.ADVANCE, "batch": Allocation.Kind.BATCH}
NOTE_PREFIXES = ("注", "说明", "备注", "单位：", "单位:")
READ = 1000  # rows whose names are read, and lines compared with what stands, in one query each


@dataclass(slots=True)
class Line:
    """One data row as read: a county (or unit), a prefecture's 小计 or the 合计. ``recipient``
    is the county's region or project as one integer (``_code``): the line is made again from
    ``Lines`` at each reading, and the recipients are read for a chunk of lines when compared."""

    row: int
    kind: str  # county / subtotal / grand
    label: str
    amounts: dict  # total / advance / batch → Decimal | None
    prefecture: Region | None = None
    recipient: int = 0


_KINDS = ("county", "subtotal", "grand")
_BLANK = -(2**63)  # a blank amount, among amounts held in cents


class Lines:
    """The table's lines as read, held as numbers: a row's number, kind, recipient and amounts
    (in cents, which every amount read is: ``cell_decimal`` keeps two places) in arrays, its
    prefecture as one of the few the table names, and its label as a stretch of one text. A
    national table's 30,000 lines cost some 60 bytes each this way, not a Line with its dict,
    its three Decimals and its region (some 1,400 bytes), nor a str for each label (another
    95); each reading makes its Lines again, one at a time."""

    def __init__(self):
        self._rows, self._codes, self._groups = array("l"), array("q"), array("l")
        self._kinds = bytearray()
        self._amounts = {key: array("q") for key in AMOUNTS}
        self._labels = io.StringIO()  # every label one after another; _ends: where each ends
        self._ends = array("q")
        self._prefectures: list[Region] = []
        self._group_of: dict[int, int] = {}  # prefecture pk → its place in _prefectures
        self.used: set[str] = set()  # the amount columns some line fills in

    def append(self, row: int, kind: str, label: str, amounts: dict, prefecture=None, recipient=None):
        self._rows.append(row)
        self._kinds.append(_KINDS.index(kind))
        self._ends.append((self._ends[-1] if self._ends else 0) + self._labels.write(label))
        self._codes.append(_code(recipient) if recipient is not None else 0)
        if prefecture is None:
            self._groups.append(-1)
        else:
            if prefecture.pk not in self._group_of:
                self._group_of[prefecture.pk] = len(self._prefectures)
                self._prefectures.append(prefecture)
            self._groups.append(self._group_of[prefecture.pk])
        for key, column in self._amounts.items():
            value = amounts[key]
            if value is None:
                column.append(_BLANK)
            else:
                column.append(int(value.scaleb(2)))
                self.used.add(key)

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return bool(self._rows)

    def __iter__(self):
        prefectures, totals, advances, batches = self._prefectures, *self._amounts.values()
        labels, start = self._labels.getvalue(), 0
        for row, kind, end, code, group, total, advance, batch in zip(
            self._rows,
            self._kinds,
            self._ends,
            self._codes,
            self._groups,
            totals,
            advances,
            batches,
            strict=True,
        ):
            amounts = {
                "total": None if total == _BLANK else Decimal(total).scaleb(-2),
                "advance": None if advance == _BLANK else Decimal(advance).scaleb(-2),
                "batch": None if batch == _BLANK else Decimal(batch).scaleb(-2),
            }
            prefecture = prefectures[group] if group >= 0 else None
            yield Line(row, _KINDS[kind], labels[start:end], amounts, prefecture, code)
            start = end


class _Rows:
    """The table's lines as the rules engine's rows, made as they are read: the arithmetic
    check reads them twice and holds neither reading."""

    def __init__(self, make, lines):
        self.make, self.lines = make, lines

    def __iter__(self):
        return map(self.make, self.lines)


def _among(ordered: array, code: int) -> bool:
    """Whether ``code`` is one of ``ordered`` (sorted)."""
    at = bisect_left(ordered, code)
    return at < len(ordered) and ordered[at] == code


def _code(recipient: Region | Project) -> int:
    """A recipient as one integer: a region by its key, a project by its key negated."""
    return -recipient.pk if isinstance(recipient, Project) else recipient.pk


def recipient_key(recipient: Region | Project) -> tuple[str, int]:
    return ("p", recipient.pk) if isinstance(recipient, Project) else ("r", recipient.pk)


def _allocation_key(allocation: Allocation) -> tuple[str, int]:
    return ("p", allocation.project_id) if allocation.project_id else ("r", allocation.region_id)


class AllocationImporter(Importer):
    kind = "allocations"
    title = "资金分配表"
    allow_csv = True

    def __init__(
        self,
        *,
        actor: User | None,
        scope: Region,
        fund: Fund,
        batch_notice: Notice | None = None,
        advance_notice: Notice | None = None,
        source: str = MoneySource.CENTRAL,
    ):
        super().__init__(actor=actor, scope=scope)
        self._fund = fund
        self.notices = {"batch": batch_notice, "advance": advance_notice}
        self.source = source
        self._moved: set[int] = set()  # regions whose budget the written lines move
        self._project_regions: dict[int, int] = {}  # each project's county, by the project's key
        self._written = 0

    @property
    def fund(self) -> Fund:
        return self._fund

    def options(self) -> dict:
        return {
            "fund": self._fund.code,
            "batch_notice": self.notices["batch"].pk if self.notices["batch"] else None,
            "advance_notice": self.notices["advance"].pk if self.notices["advance"] else None,
            "source": self.source,
        }

    # --- reading ------------------------------------------------------------------------------

    def _projects(self) -> dict[str, Project]:
        """The fund's named projects in the importing region's subtree, by name: a row may name
        a project instead of a region (the money goes to the project, run in its county)."""
        projects = self._fund.projects.filter(subtree_q(self.scope, "region__")).select_related(
            "region__parent"
        )
        return {normalize(p.name): p for p in projects}

    def plan(self, sheets: list[Sheet]) -> Plan:
        # Checked here as well as in the views and commands: there is no second way in.
        if self.actor is not None and (reason := may_import_allocations(self.actor)):
            raise ImportFailed([RowError(reason)])
        header = find_header(sheets, COLUMNS)
        # A national table has 60,000 lines: planned into a StreamedPlan, which holds what the
        # preview shows and, when applying, writes the rest in chunks as it is planned.
        plan = StreamedPlan(sink=self._write_chunk if self.applying else None)
        plan.errors += merged_errors(header, vertical={"prefecture"}, horizontal={"prefecture", "county"})
        index = RegionNames(self._fund.region)
        projects = self._projects()
        self._project_regions = {project.pk: project.region_id for project in projects.values()}
        lines = Lines()
        if "county" in header.columns:
            _require_split_columns(header)
            self._read_lines(header, plan, lines, index, projects)
        else:
            self._read_flat_lines(header, plan, lines, index, projects)
        plan.rows_read = len(lines)
        if plan.errors:
            return plan
        # 提前下达 or 本次下达 left blank in every row means the table has no such column.
        used = lines.used & {"advance", "batch"}
        plan.errors += self._check_arithmetic(header, lines, used)
        notices = self._resolve_notices(used, plan)
        if plan.errors:
            return plan
        self._diff(header, lines, used, notices, plan)
        plan.flush()
        if plan.errors:
            plan.forget()
        return plan

    def _read_lines(self, header: Header, plan: Plan, lines: Lines, index: RegionNames, projects) -> None:
        sheet = header.sheet.title
        # The prefecture the rows below belong to, and whether it is one the user may import.
        prefecture: Region | None = self.scope if self.scope.level == Region.Level.PREFECTURE else None
        state = "ok" if prefecture else "none"  # none / ok / unknown / outside
        seen: dict[int, int] = {}  # recipient's code → row
        subtotal_rows: dict[int, int] = {}  # prefecture pk → row of its 小计
        grand_row = None

        def error(message, row, key=""):
            plan.errors.append(RowError(message, sheet, row, header.letter(key) if key else ""))

        def names(item):  # as the cells stand: a name read otherwise is looked up on its own
            return (header.get(item[1], "prefecture"), header.get(item[1], "county"))

        for row, cells in index.primed(data_rows(header, COLUMNS), names, READ):
            try:
                first = cell_string(header.get(cells, "prefecture"), what="地州市")
                second = cell_string(header.get(cells, "county"), what="县市区")
            except CellError as exc:
                error(str(exc), row, "prefecture" if "地州市" in str(exc) else "county")
                continue
            amounts = _read_amounts(header, cells, row, error)
            blank_amounts = all(v is None for v in amounts.values())
            if not second and blank_amounts and squash(first) not in ("合计", "总计"):
                # A prefecture on a line of its own heads the rows below it; anything else
                # (a note, the title and 单位：万元 repeated on every printed page) is skipped.
                if _names_prefecture(index, first):
                    prefecture, state = self._prefecture(index, first, row, error)
                elif not first.startswith(NOTE_PREFIXES):
                    plan.warnings.append(RowError(f"“{first[:40]}”不是地区，本行已忽略。", sheet, row))
                continue

            if squash(first) in ("合计", "总计") and squash(second) in ("", "合计", "总计"):
                if grand_row is not None:
                    error(f"“合计”行重复（第{grand_row}行已有合计）。", row, "prefecture")
                grand_row = row
                lines.append(row, "grand", "合计", amounts)
                continue

            if first:
                prefecture, state = self._prefecture(index, first, row, error)
            if squash(second) == "小计":
                if state == "none":
                    error("小计行没有填写地州市。", row, "prefecture")
                if state != "ok":
                    continue
                if prefecture.pk in subtotal_rows:
                    earlier = subtotal_rows[prefecture.pk]
                    error(f"“{prefecture.name}”的小计行重复（第{earlier}行已有）。", row, "county")
                    continue
                subtotal_rows[prefecture.pk] = row
                lines.append(row, "subtotal", f"{prefecture.display_name}小计", amounts, prefecture)
                continue

            if not second:
                error("县市区（单位）名称为空。", row, "county")
                continue
            if blank_amounts:
                # Template rows left empty: the region gets nothing from this table.
                plan.warnings.append(RowError(f"“{second}”没有填写金额，已跳过。", sheet, row))
                continue
            if state == "none":
                error("没有填写地州市：请在本行或上方的小计行填写所属地州市。", row, "prefecture")
                continue
            if state == "outside":
                error(
                    f"“{second}”属于{prefecture.name}，不在您的管辖范围（{self.scope.name}）内，不能导入。",
                    row,
                    "county",
                )
                continue
            if state == "unknown":
                continue  # the prefecture's own error names the problem once
            recipient = projects.get(normalize(second))
            if recipient is not None and recipient.region.parent_id != prefecture.pk:
                error(
                    f"项目“{recipient.name}”在{recipient.region.name}，不属于{prefecture.name}。",
                    row,
                    "county",
                )
                continue
            if recipient is None:
                try:
                    recipient = index.resolve(second, within=prefecture)
                except RegionNameError as exc:
                    error(str(exc), row, "county")
                    continue
            if recipient.pk == self.scope.pk and isinstance(recipient, Region):
                error(f"不能向本级（{self.scope.name}）自身下达资金。", row, "county")
                continue
            if _code(recipient) in seen:
                error(f"“{recipient.name}”与第{seen[_code(recipient)]}行重复。", row, "county")
                continue
            seen[_code(recipient)] = row
            if amounts["advance"] is not None and amounts["advance"] < 0:
                error("提前下达金额不能为负数；调减请记入本次下达。", row, "advance")
            if amounts["total"] is not None and amounts["total"] < 0:
                error("全年资金合计不能为负数。", row, "total")
            lines.append(row, "county", recipient.name, amounts, prefecture, recipient)

        if grand_row is None and lines:
            plan.errors.append(RowError("缺少“合计”行：表格应有一行合计，用于核对各行金额。", sheet))
        if not lines and not plan.errors:
            plan.errors.append(RowError("表头下方没有数据行。", sheet, header.row))

    def _read_flat_lines(
        self, header: Header, plan: Plan, lines: Lines, index: RegionNames, projects
    ) -> None:
        """序号 | 地区 | 金额: each row a region or unit below the importing region, or a project."""
        sheet = header.sheet.title
        seen: dict[int, int] = {}  # recipient's code → row
        grand_row = None

        def error(message, row, key=""):
            plan.errors.append(RowError(message, sheet, row, header.letter(key) if key else ""))

        def names(item):  # as the cells stand: a name read otherwise is looked up on its own
            return (header.get(item[1], "prefecture"),)

        for row, cells in index.primed(data_rows(header, COLUMNS), names, READ):
            try:
                name = cell_string(header.get(cells, "prefecture"), what="地区")
            except CellError as exc:
                error(str(exc), row, "prefecture")
                continue
            amounts = _read_amounts(header, cells, row, error)
            blank_amounts = all(v is None for v in amounts.values())
            # 合计 / 总计 may stand in the 序号 column, merged over 地区.
            labels = {squash(cell_text(value)) for value in cells[: header.columns["total"] - 1]}
            if labels & {"合计", "总计"}:
                if grand_row is not None:
                    error(f"“合计”行重复（第{grand_row}行已有合计）。", row, "prefecture")
                grand_row = row
                lines.append(row, "grand", "合计", amounts)
                continue
            if blank_amounts:
                if name and not name.startswith(NOTE_PREFIXES):
                    plan.warnings.append(RowError(f"“{name[:40]}”没有填写金额，已跳过。", sheet, row))
                continue
            if not name:
                error("地区（单位）名称为空。", row, "prefecture")
                continue
            recipient = projects.get(normalize(name))
            if recipient is None:
                try:
                    recipient = index.resolve(name, within=self.scope)
                except RegionNameError as exc:
                    error(f"{exc}（须是{self.scope.name}所辖地区、单位或本资金的项目）", row, "prefecture")
                    continue
            if recipient.pk == self.scope.pk and isinstance(recipient, Region):
                error(f"不能向本级（{self.scope.name}）自身下达资金。", row, "prefecture")
                continue
            if _code(recipient) in seen:
                error(f"“{recipient.name}”与第{seen[_code(recipient)]}行重复。", row, "prefecture")
                continue
            seen[_code(recipient)] = row
            if amounts["advance"] is not None and amounts["advance"] < 0:
                error("提前下达金额不能为负数；调减请记入本次下达。", row, "advance")
            if amounts["total"] is not None and amounts["total"] < 0:
                error("全年资金合计不能为负数。", row, "total")
            lines.append(row, "county", recipient.name, amounts, None, recipient)

        if grand_row is None and lines:
            plan.errors.append(
                RowError("缺少“合计”行：表格应有一行合计（或总计），用于核对各行金额。", sheet)
            )
        if not lines and not plan.errors:
            plan.errors.append(RowError("表头下方没有数据行。", sheet, header.row))

    def _prefecture(self, index: RegionNames, name: str, row: int, error) -> tuple[Region | None, str]:
        try:
            region = index.resolve(name)
        except RegionNameError as exc:
            error(str(exc), row, "prefecture")
            return None, "unknown"
        if region.level != Region.Level.PREFECTURE:
            error(
                f"“{name}”是{region.get_level_display()}（{region.name}），本列应填写地州市。",
                row,
                "prefecture",
            )
            return None, "unknown"
        if region.pk != self.scope.pk and region.parent_id != self.scope.pk:
            error(
                f"“{region.name}”不在您的管辖范围（{self.scope.name}）内，不能导入其资金分配。",
                row,
                "prefecture",
            )
            return region, "outside"
        return region, "ok"

    def _check_arithmetic(self, header: Header, lines: Lines, used: set[str]) -> list[RowError]:
        def amount(line, key):
            if key not in header.columns:
                return None  # a table of one amount column: only its sums are checked
            value = line.amounts[key]
            return Decimal(0) if value is None and key not in used and key != "total" else value

        groups = {line.prefecture.pk for line in lines if line.kind == "subtotal"}

        def row(line):
            return rules.AllocationRow(
                key=line.row,
                label=line.label,
                total=amount(line, "total"),
                advance=amount(line, "advance"),
                batch=amount(line, "batch"),
                is_subtotal=line.kind != "county",
                group=line.prefecture.display_name
                if line.prefecture and line.prefecture.pk in groups
                else None,
            )

        # A prefecture import has no 小计 groups of its own: its rows add up to 合计 directly.
        return [
            RowError(f.message, header.sheet.title, f.where, header.letter(f.column or "total"))
            for f in rules.check_allocation_table(_Rows(row, lines))
        ]

    def _resolve_notices(self, used: set[str], plan: Plan) -> dict[str, Notice]:
        notices = {}
        for key in sorted(used):
            chosen = self.notices[key]
            if chosen is not None:
                if chosen.province_id != self._fund.region_id:
                    plan.errors.append(
                        RowError(f"文件“{chosen}”不是{self._fund.region.name}登记的文件，请选择本省的文件。")
                    )
                notices[key] = chosen
                continue
            kind = KIND_OF[key]
            ids = list(
                self._existing_qs().filter(kind=kind).order_by().values_list("notice", flat=True).distinct()
            )
            if len(ids) == 1:
                notices[key] = Notice.objects.get(pk=ids[0])
            elif not ids:
                plan.errors.append(
                    RowError(
                        f"请选择{kind.label}文件：{self.scope.name}在本资金下还没有{kind.label}记录可以沿用。"
                    )
                )
            else:
                listed = "、".join(str(n) for n in Notice.objects.filter(pk__in=ids))
                plan.errors.append(
                    RowError(f"本资金有多个{kind.label}文件（{listed}），请选择本表对应的文件。")
                )
        return notices

    def _existing_qs(self):
        """What this region passed down of the fund's money of this source: to regions and units
        below it, and to projects."""
        return Allocation.objects.filter(fund=self._fund, from_region=self.scope, source=self.source)

    # --- comparing ----------------------------------------------------------------------------

    def _diff(self, header: Header, lines: Lines, used: set[str], notices: dict, plan: StreamedPlan) -> None:
        """Each line against what stands, a chunk of lines at a time (its recipients and the
        lines standing are read for that chunk only), then what stands that the table no
        longer lists."""
        wanted = Q()
        for key, notice in notices.items():
            wanted |= Q(kind=KIND_OF[key], notice=notice)
        standing = self._existing_qs().filter(wanted).order_by()
        kind_labels = {key: kind.label for key, kind in KIND_OF.items()}  # once, not per line
        listed = array("q")  # the recipients the table lists, by code (sorted once all are read)
        locks = ReviewLocks(self._fund, below=self.scope)  # read once, asked of every chunk
        position = 0
        chunk: list[Line] = []

        def compare(chunk: list[Line]) -> None:
            nonlocal position
            regions = [line.recipient for line in chunk if line.recipient > 0]
            projects = [-line.recipient for line in chunk if line.recipient < 0]
            existing = {
                (notice_id, -project_id if project_id else region_id, kind): (pk, amount)
                for pk, notice_id, region_id, project_id, kind, amount in standing.filter(
                    Q(region_id__any=regions) | Q(project_id__any=projects)
                ).values_list("pk", "notice_id", "region_id", "project_id", "kind", "amount")
            }
            changes = []
            for line in chunk:
                position += 1
                code = line.recipient
                listed.append(code)
                where = f"{line.prefecture.display_name} · " if line.prefecture else ""
                for key in ("advance", "batch"):
                    if key not in used:
                        continue
                    kind, notice, amount = KIND_OF[key], notices[key], line.amounts[key]
                    current = existing.get((notice.pk, code, kind))
                    if current is None:
                        action, fields = "create", {"金额（万元）": [None, _money(amount)]}
                    elif current[1] != amount:
                        action, fields = "update", {"金额（万元）": [_money(current[1]), _money(amount)]}
                        current = Allocation(pk=current[0], amount=current[1])
                    else:
                        action, fields, current = "unchanged", {}, None  # nothing of it is written
                    changes.append(
                        Change(
                            action,
                            f"{where}{line.label} · {kind_labels[key]}",
                            header.sheet.title,
                            line.row,
                            fields,
                            payload=(current, code, kind, notice, amount, position),
                        )
                    )
            self._refuse_what_would_alter_returns_under_review(changes, locks, plan)
            for change in changes:
                plan.add(change)

        for line in lines:
            if line.kind != "county":
                continue
            chunk.append(line)
            if len(chunk) == READ:
                compare(chunk)
                chunk = []
        if chunk:
            compare(chunk)
        listed = array("q", sorted(listed))  # 8 bytes a recipient, not a set's 70

        gone = (
            pk
            for pk, region_id, project_id in standing.values_list("pk", "region_id", "project_id").iterator(
                chunk_size=READ
            )
            if not _among(listed, -project_id if project_id else region_id)
        )
        while batch := list(islice(gone, READ)):
            removed = Allocation.objects.filter(pk__in=batch).select_related(
                "notice", "region", "project__region"
            )
            changes = []
            for current in removed.order_by("pk"):
                recipient = current.project or current.region
                if current.project_id:
                    self._project_regions[current.project_id] = current.project.region_id
                label = f"{recipient.name} · {current.get_kind_display()}（表中已无此行）"
                changes.append(
                    Change(
                        "delete",
                        label,
                        fields={"金额（万元）": [_money(current.amount), None]},
                        payload=(current, _code(recipient), current.kind, current.notice, None, None),
                    )
                )
            self._refuse_what_would_alter_returns_under_review(changes, locks, plan)
            for change in changes:
                plan.add(change)

    def _refuse_what_would_alter_returns_under_review(
        self, changes: list[Change], locks: ReviewLocks, plan: Plan
    ) -> None:
        """A changed line changes the budget of its recipient and of every region between it and
        the importer: none of them may have a return that is submitted or approved."""
        changed = [c for c in changes if c.action != "unchanged"]
        if not changed:
            return
        locked = locks.of({self._budget_region(c.payload[1]) for c in changed})
        projects = {-c.payload[1] for c in changed if c.payload[1] < 0}
        locked_projects = project_returns_under_review(self._fund, projects) if projects else {}
        for change in changed:
            code = change.payload[1]
            ret = locked.get(self._budget_region(code))
            if code < 0:
                ret = locked_projects.get(-code) or ret
            if ret is not None:
                plan.errors.append(
                    RowError(
                        f"{ret.region.name}的填报{ret.get_status_display()}，这一行会改变其预算："
                        "请先退回或由省级管理员重新打开该填报，再导入。",
                        change.sheet,
                        change.row,
                    )
                )

    def _budget_region(self, code: int) -> int:
        """The region whose budget a line to the recipient ``code`` is in: a region's own, a
        project's county's."""
        return code if code > 0 else self._project_regions[-code]

    # --- writing ------------------------------------------------------------------------------

    def _write_chunk(self, changes: list[Change]) -> None:
        """Write one chunk of a plan being applied (``StreamedPlan.sink``)."""
        rows = []
        for change in changes:
            current, code, kind, notice, amount, position = change.payload
            region = self._budget_region(code)
            rows.append(
                AllocationWrite(
                    change.action,
                    current,
                    code if code > 0 else None,
                    -code if code < 0 else None,
                    region,
                    kind,
                    notice,
                    amount,
                    position,
                    self.note(change),
                )
            )
            self._moved.add(region)
        allocations_write(
            actor=self.actor, fund=self._fund, from_region=self.scope, source=self.source, rows=rows
        )
        self._written += len(rows)

    def write(self, plan: Plan) -> None:
        """The lines are written as they are planned (``_write_chunk``); what is left is for each
        open return whose budget moved to say so in its own history."""
        returns_note_budget_change(
            actor=self.actor,
            fund=self._fund,
            regions=self._moved,
            below=self.scope,
            note=f"{self.title}“{self.filename}”改变了本级预算（{self._written}行变化）",
        )


def current_table(*, fund: Fund | None, scope: Region, source: str = MoneySource.CENTRAL) -> list[dict]:
    """The table for ``scope`` as the import reads it, for a template or a round trip.

    With a fund: the recipients that have allocations from ``scope`` under the one advance and
    one batch notice the import would reuse, with their amounts. Without (or with nothing
    allocated yet): every region below ``scope`` with blank amounts, to fill in.
    """
    amounts: dict[tuple, dict] = {}
    projects: dict[int, list[Project]] = {}  # county pk → the projects that received money
    if fund is not None:
        importer = AllocationImporter(actor=None, scope=scope, fund=fund, source=source)
        qs = importer._existing_qs().select_related("project__region")
        for key, kind in KIND_OF.items():
            notices = list(qs.filter(kind=kind).order_by().values_list("notice", flat=True).distinct())
            if len(notices) == 1:
                for allocation in qs.filter(kind=kind, notice=notices[0]):
                    amounts.setdefault(_allocation_key(allocation), {})[key] = allocation.amount
                    if allocation.project_id and allocation.project not in projects.get(
                        allocation.project.region_id, []
                    ):
                        projects.setdefault(allocation.project.region_id, []).append(allocation.project)
    if scope.level == Region.Level.PREFECTURE:
        prefectures = [scope]
    else:
        prefectures = list(scope.children.filter(is_active=True).order_by("order", "code"))
    rows = []
    for prefecture in prefectures:
        members = list(prefecture.children.filter(is_active=True).order_by("order", "code"))
        if prefecture != scope and ("r", prefecture.pk) in amounts:
            members.insert(0, prefecture)  # money a province sent to the prefecture itself
        recipients = []
        for region in members:
            recipients.append(region)
            recipients += sorted(projects.get(region.pk, []), key=lambda p: p.name)  # after their county
        for recipient in recipients:
            key = recipient_key(recipient)
            if amounts and key not in amounts:
                continue
            figures = amounts.get(key, {})
            rows.append(
                {
                    "prefecture": prefecture,
                    "recipient": recipient,
                    "advance": figures.get("advance"),
                    "batch": figures.get("batch"),
                }
            )
    return rows


def _require_split_columns(header: Header) -> None:
    """The 附件1 layout always has 其中：提前下达 / 本次实际下达 under 全年资金合计."""
    missing = [c.label for c in COLUMNS if c.key in ("advance", "batch") and c.key not in header.columns]
    if missing:
        listed = "、".join(f"“{m}”" for m in missing)
        wanted = "、".join(f"“{c.label}”" for c in COLUMNS)
        raise ImportFailed(
            [RowError(f"表头缺少{listed}列（应有{wanted}）。", header.sheet.title, header.row)]
        )


def _read_amounts(header: Header, cells: tuple, row: int, error) -> dict:
    """全年资金合计 / 提前下达 / 本次下达 of a row (None where blank or unreadable).

    A table with one amount column (neither 提前下达 nor 本次下达) sends that amount with the
    notice it is imported under: it is 本次下达.
    """
    amounts = {}
    for key, what in AMOUNTS.items():
        try:
            amounts[key] = cell_decimal(header.get(cells, key), what=what)
        except CellError as exc:
            amounts[key] = None
            error(str(exc), row, key)
    if "advance" not in header.columns and "batch" not in header.columns:
        amounts["batch"] = amounts["total"]
    return amounts


def _names_prefecture(index: RegionNames, text: str) -> bool:
    try:
        return index.resolve(text).level == Region.Level.PREFECTURE
    except RegionNameError:
        return False


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
