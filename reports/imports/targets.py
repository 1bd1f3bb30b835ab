"""A region's target table (绩效目标表) for a fund: 一级指标 / 二级指标 / 三级指标 / 指标值.
A project's own table imports alike (``project=``), under the table its indicators come from.

The level cells may be merged down over their indicators (as the official tables print them)
or left blank below; both mean "same as above". Every 指标值 must read with
indicators.rules.parse_target, the grammar the whole portal uses. Indicators are matched by
their 三级指标 name: the same name is the same indicator (its levels, value or position may
change), a new name is a new indicator, a name missing from the file is removed — unless a
return already reports on it, which is an error (remove it there first, or keep the row).
A region without a table gets one, as a copy-down of the nearest table above (its parent).

The sheet may be the whole 区域绩效目标表 as a notice's 附件3 prints it: title, 项目名称,
资金情况, then 年度总体目标 (the goals to the right of the label, one row per numbered goal),
then the indicator block. The goals are read from there; a sheet without a 年度总体目标 row
leaves the table's goals as they are (a new table takes its parent's). 资金情况 is not read:
a region's money is what its allocations say.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from evalportal.models import User
from indicators.models import LEVEL2_BY_LEVEL1, IndicatorActual, IndicatorTarget, Level1, TargetTable
from indicators.permissions import may_import_targets
from indicators.rules import parse_target
from indicators.selectors import own_return_under_review, region_table, table_above
from indicators.services import (
    IndicatorWrite,
    central_table_refusal,
    project_parent_table,
    target_table_write,
)
from reports.imports.base import (
    CellError,
    Change,
    Column,
    Importer,
    ImportFailed,
    Plan,
    RowError,
    Sheet,
    cell_string,
    cell_text,
    data_rows,
    find_header,
    merged_errors,
    squash,
)
from transfers.models import Fund, Project, Region

COLUMNS = [
    Column("level1", "一级指标"),
    Column("level2", "二级指标"),
    Column("name", "三级指标", ("指标名称", "三级指标名称")),
    Column("target", "指标值", ("目标值", "年度指标值", "绩效指标值", "年度目标值")),
]


def _level(text: str, choices: list[str]) -> str | None:
    """产出指标, or 产出 (staff often drop 指标)."""
    text = squash(text)
    for candidate in (text, f"{text}指标"):
        if candidate in choices:
            return candidate
    return None


class TargetImporter(Importer):
    kind = "targets"
    title = "绩效目标表"

    def __init__(
        self,
        *,
        actor: User | None,
        scope: Region,
        fund: Fund,
        region: Region,
        project: Project | None = None,
        central: bool = False,
    ):
        super().__init__(actor=actor, scope=scope)
        if project is not None and (project.fund_id != fund.pk or project.region_id != region.pk):
            raise ValueError(f"项目“{project.name}”不是{region.name}的{fund.code}项目。")
        if central and (project is not None or region.pk != fund.region_id):
            raise ValueError(f"中央下达的目标表只属于{fund.region.name}，请选择{fund.region.name}。")
        self._fund = fund
        self.region = region
        self.project = project
        self.central = central
        self.owner_name = project.name if project is not None else region.name
        if central:
            self.owner_name = f"{region.name}（中央下达）"
        self.goals: str | None = None  # 年度总体目标 as the file gives them (None: not in the file)

    @property
    def fund(self) -> Fund:
        return self._fund

    def options(self) -> dict:
        options = {"fund": self._fund.code, "region": self.region.code}
        options |= {"central": True} if self.central else {}
        return options | ({"project": self.project.pk} if self.project is not None else {})

    def check_permission(self) -> None:
        # Checked here as well as in the views and commands: there is no second way in.
        if self.actor is not None and (reason := may_import_targets(self.actor, self.region)):
            raise ImportFailed([RowError(reason)])

    def plan(self, sheets: list[Sheet]) -> Plan:
        self.check_permission()
        header = find_header(sheets, COLUMNS)
        plan = Plan()
        plan.errors += merged_errors(header, vertical={"level1", "level2"})
        sheet = header.sheet.title
        lines = []
        level1 = level2 = ""
        seen: dict[str, int] = {}

        def error(message, row, key=""):
            plan.errors.append(RowError(message, sheet, row, header.letter(key) if key else ""))

        for row, cells in data_rows(header, COLUMNS):
            try:
                texts = {
                    "level1": cell_string(header.get(cells, "level1"), what="一级指标"),
                    "level2": cell_string(header.get(cells, "level2"), what="二级指标"),
                    "name": cell_string(header.get(cells, "name"), what="三级指标", max_length=300),
                    "target": cell_string(header.get(cells, "target"), what="指标值", max_length=100),
                }
            except CellError as exc:
                error(str(exc), row)
                continue
            if texts["level1"]:
                level1 = _level(texts["level1"], Level1.values)
                if level1 is None:
                    error(
                        f"一级指标“{texts['level1']}”无法识别，应为{'、'.join(Level1.values)}之一。",
                        row,
                        "level1",
                    )
                    level1 = ""
                level2 = ""  # a new level-1 group starts a new level-2 group too
            if texts["level2"]:
                choices = LEVEL2_BY_LEVEL1.get(level1, [])
                level2 = _level(texts["level2"], choices)
                if level2 is None:
                    allowed = "、".join(choices) if choices else "请先填写一级指标"
                    error(
                        f"二级指标“{texts['level2']}”不属于“{level1 or '（空）'}”：{allowed}。", row, "level2"
                    )
                    level2 = ""
            if not texts["name"] and not texts["target"]:
                continue  # a row that only names the level groups
            plan.rows_read += 1
            if not texts["name"]:
                error("三级指标名称为空。", row, "name")
                continue
            if texts["name"] in seen:
                error(f"三级指标“{texts['name']}”与第{seen[texts['name']]}行重复。", row, "name")
                continue
            seen[texts["name"]] = row
            if not texts["target"]:
                error(f"“{texts['name']}”没有填写指标值。", row, "target")
                continue
            try:
                parse_target(texts["target"])
            except ValueError as exc:
                error(str(exc), row, "target")
                continue
            if not level1 or not level2:
                error("没有一级或二级指标：请在本行或上方填写。", row, "level1" if not level1 else "level2")
                continue
            lines.append((row, level1, level2, texts["name"], texts["target"]))
        if not lines and not plan.errors:
            plan.errors.append(RowError("表头下方没有指标行。", sheet, header.row))
        goals = _overall_goals(header, plan)
        if plan.errors:
            return plan
        self._diff(sheet, lines, plan, goals)
        self.refuse_under_review(plan, sheet)
        self.refuse_central_late(plan, sheet)
        return plan

    def refuse_central_late(self, plan: Plan, sheet: str) -> None:
        """A central table arriving after the province began its return is refused."""
        if self.central and (refusal := central_table_refusal(self._fund)):
            plan.errors.append(RowError(refusal, sheet))

    def refuse_under_review(self, plan: Plan, sheet: str, *, changes: bool | None = None) -> None:
        """An error when the plan (or ``changes``: the part of it a return prints) would alter
        the region's (or the project's) own return under review or approved."""
        changes = plan.has_changes if changes is None else changes
        if changes and (locked := own_return_under_review(self._fund, self.region, self.project)):
            # Its completion rates would change behind the reviewer's (or the ministry's) back.
            plan.errors.append(
                RowError(
                    f"{self.owner_name}的{locked.get_period_display()}填报{locked.get_status_display()}，"
                    "修改其目标表会改变填报的完成率：请先退回或由省级管理员重新打开该填报，再导入。",
                    sheet,
                )
            )

    def _table(self) -> TargetTable | None:
        if self.project is not None:
            return TargetTable.objects.filter(fund=self._fund, project=self.project).first()
        return region_table(self._fund, self.region, central=self.central)

    def _table_above(self) -> TargetTable | None:
        if self.project is not None:
            return project_parent_table(self.project)
        return table_above(self._fund, self.region, central=self.central)

    def _diff(self, sheet: str, lines: list, plan: Plan, goals: tuple[int, str] | None) -> None:
        table = self._table()
        existing = {i.name: i for i in table.indicators.all()} if table else {}
        self.goals = goals[1] if goals else None
        if table is None:
            plan.changes.append(Change("create", f"{self.owner_name}的绩效目标表", sheet, payload=("table",)))
        elif goals is not None:
            row, text = goals
            old = _normal_goals(table.overall_goals)
            fields = {"年度总体目标": [old, text]} if old != text else {}
            plan.changes.append(
                Change(
                    "update" if fields else "unchanged",
                    "年度总体目标",
                    sheet,
                    row,
                    fields,
                    payload=("goals",),
                )
            )
        parent_table = table.parent if table is not None else self._table_above()
        parents = _parent_links(lines, list(parent_table.indicators.all()) if parent_table else [])
        for order, (row, level1, level2, name, target) in enumerate(lines, start=1):
            new = {"一级指标": level1, "二级指标": level2, "指标值": target, "序号": str(order)}
            current = existing.get(name)
            if current is None:
                fields = {label: [None, value] for label, value in new.items()}
                parent = parents.get(name)
                if parent is not None and squash(parent.name) != squash(name):
                    fields["对应上级指标"] = [None, parent.name]
                payload = (None, *lines[order - 1], order, parent)
                plan.changes.append(Change("create", name, sheet, row, fields, payload=payload))
                continue
            old = {
                "一级指标": current.level1,
                "二级指标": current.level2,
                "指标值": current.target_text,
                "序号": str(current.order),
            }
            fields = {label: [old[label], value] for label, value in new.items() if old[label] != value}
            action = "update" if fields else "unchanged"
            plan.changes.append(
                Change(action, name, sheet, row, fields, payload=(current, *lines[order - 1], order))
            )
        listed = {line[3] for line in lines}
        gone = [i for name, i in existing.items() if name not in listed]
        reported = set(
            IndicatorActual.objects.filter(indicator__in=gone)
            .values_list("indicator_id", flat=True)
            .distinct()
        )
        for indicator in gone:
            if indicator.pk in reported:
                plan.errors.append(
                    RowError(
                        f"文件中没有指标“{indicator.name}”，但已有填报使用它，不能删除；请在文件中保留该行。",
                        sheet,
                    )
                )
                continue
            fields = {"指标值": [indicator.target_text, None]}
            plan.changes.append(Change("delete", indicator.name, sheet, None, fields, payload=(indicator,)))

    def write(self, plan: Plan) -> None:
        target_table_write(
            actor=self.actor,
            fund=self._fund,
            region=self.region,
            project=self.project,
            central=self.central,
            **self.write_arguments(plan),
        )

    def write_arguments(self, plan: Plan) -> dict:
        """What target_table_write needs to write the plan: the rows, the goals, their notes."""
        rows, goals_note, table_note = [], None, None
        for change in plan.changes:
            if change.payload == ("table",):
                table_note = self.note(change)
            elif change.payload == ("goals",):
                goals_note = self.note(change) if change.action == "update" else None
            elif change.payload == ("money",):
                continue  # 资金情况: planned and written by the importer that reads it
            elif change.action == "delete":
                rows.append(IndicatorWrite("delete", change.payload[0], note=self.note(change)))
            elif change.action == "update":
                indicator, _row, level1, level2, name, target, order = change.payload
                rows.append(
                    IndicatorWrite(
                        "update", indicator, level1, level2, name, target, order, note=self.note(change)
                    )
                )
            elif change.action == "create":
                _, _row, level1, level2, name, target, order, parent = change.payload
                rows.append(
                    IndicatorWrite(
                        "create", None, level1, level2, name, target, order, parent, self.note(change)
                    )
                )
        return {"rows": rows, "goals": self.goals, "goals_note": goals_note, "table_note": table_note}


def _parent_links(lines: list, parent_rows: list[IndicatorTarget]) -> dict[str, IndicatorTarget]:
    """Which indicator of the table above each row of the file was copied from.

    The same name (spaces and bracket widths aside) is the same indicator. A row left over in
    a 二级指标 group is the one indicator of the parent's left over in the same group when there
    is exactly one on each side: the name was reworded when the table was passed down
    (seed 000's prefectures write 县级及以上 where the centre wrote 县级以上). Anything else
    is the region's own indicator, with no parent.
    """
    by_name = {squash(i.name): i for i in parent_rows}
    links = {}
    for _row, _level1, _level2, name, _target in lines:
        if squash(name) in by_name:
            links[name] = by_name[squash(name)]
    claimed = {i.pk for i in links.values()}
    groups: dict[tuple, tuple[list, list]] = {}
    for _row, level1, level2, name, _target in lines:
        if name not in links:
            groups.setdefault((level1, level2), ([], []))[0].append(name)
    for indicator in parent_rows:
        if indicator.pk not in claimed and (indicator.level1, indicator.level2) in groups:
            groups[(indicator.level1, indicator.level2)][1].append(indicator)
    for names, candidates in groups.values():
        if len(names) == 1 and len(candidates) == 1:
            links[names[0]] = candidates[0]
    return links


GOALS_LABEL = "年度总体目标"
BLOCK_LABELS = {"绩效指标", *(squash(c.label) for c in COLUMNS)}


def _overall_goals(header, plan: Plan) -> tuple[int, str] | None:
    """(row, text) of 年度总体目标 above the indicator block; None when the sheet has none.

    The goals stand to the right of their label, and on the rows below it (one per numbered
    goal, the label merged down or blank) until the indicator block begins.
    """
    sheet = header.sheet
    found: int | None = None
    texts: list[str] = []
    for row in range(1, header.row + 1):
        cells = sheet.rows[row - 1] if row <= len(sheet.rows) else ()
        labels = [squash(cell_text(value)) for value in cells]
        if found is None:
            if GOALS_LABEL not in labels:
                continue
            found, start = row, labels.index(GOALS_LABEL) + 1
        else:
            if BLOCK_LABELS & set(labels):
                break
            start = 0
        for col, value in enumerate(cells[start:], start=start + 1):
            try:
                text = cell_string(value, what=GOALS_LABEL)
            except CellError as exc:
                plan.errors.append(RowError(str(exc), sheet.title, row, get_column_letter(col)))
                continue
            if text:
                texts.append(text)
    if found is None:
        return None
    return found, _normal_goals("\n".join(texts))


def _normal_goals(text: str) -> str:
    """One goal a line, without the blank lines and spaces a pasted table brings."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
