"""A region's target table (绩效目标表) for a fund: 一级指标 / 二级指标 / 三级指标 / 指标值.

The level cells may be merged down over their indicators (as the official tables print them)
or left blank below; both mean "same as above". Every 指标值 must read with
indicators.rules.parse_target, the grammar the whole portal uses. Indicators are matched by
their 三级指标 name: the same name is the same indicator (its levels, value or position may
change), a new name is a new indicator, a name missing from the file is removed — unless a
return already reports on it, which is an error (remove it there first, or keep the row).
A region without a table gets one, as a copy-down of the nearest table above (its parent).
"""

from __future__ import annotations

from evalportal.models import AuditEvent, Role, User
from indicators.models import LEVEL2_BY_LEVEL1, IndicatorActual, IndicatorTarget, Level1, TargetTable
from indicators.rules import parse_target
from indicators.selectors import nearest_table_above
from indicators.services import returns_add_indicators
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
    data_rows,
    find_header,
    merged_errors,
    squash,
)
from transfers.models import Fund, Region

COLUMNS = [
    Column("level1", "一级指标"),
    Column("level2", "二级指标"),
    Column("name", "三级指标", ("指标名称", "三级指标名称")),
    Column("target", "指标值", ("目标值", "年度指标值", "绩效指标值", "年度目标值")),
]
TEMP_ORDER = 100_000  # moved out of the way while orders are rewritten (order is unique)


def can_import_targets(user: User, region: Region) -> str | None:
    """Admins set tables for their region and below; reviewers for the regions below them."""
    if user.is_read_only:
        return "查阅账号不能导入数据。"
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.REVIEWER and region.pk != user.region_id:
        return None
    return "只有管理员或上级审核员可以导入绩效目标表。"


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

    def __init__(self, *, actor: User | None, scope: Region, fund: Fund, region: Region):
        super().__init__(actor=actor, scope=scope)
        self._fund = fund
        self.region = region

    @property
    def fund(self) -> Fund:
        return self._fund

    def options(self) -> dict:
        return {"fund": self._fund.code, "region": self.region.code}

    def plan(self, sheets: list[Sheet]) -> Plan:
        # Checked here as well as in the views and commands: there is no second way in.
        if self.actor is not None and (reason := can_import_targets(self.actor, self.region)):
            raise ImportFailed([RowError(reason)])
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
        if plan.errors:
            return plan
        self._diff(sheet, lines, plan)
        return plan

    def _table(self) -> TargetTable | None:
        return TargetTable.objects.filter(fund=self._fund, region=self.region, project__isnull=True).first()

    def _diff(self, sheet: str, lines: list, plan: Plan) -> None:
        table = self._table()
        existing = {i.name: i for i in table.indicators.all()} if table else {}
        if table is None:
            plan.changes.append(
                Change("create", f"{self.region.name}的绩效目标表", sheet, payload=("table",))
            )
        for order, (row, level1, level2, name, target) in enumerate(lines, start=1):
            new = {"一级指标": level1, "二级指标": level2, "指标值": target, "序号": str(order)}
            current = existing.get(name)
            if current is None:
                fields = {label: [None, value] for label, value in new.items()}
                plan.changes.append(
                    Change("create", name, sheet, row, fields, payload=(None, *lines[order - 1], order))
                )
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
        table = self._table() or self._create_table(plan)
        parent_by_name = {i.name: i for i in table.parent.indicators.all()} if table.parent_id else {}
        for change in plan.of("delete"):
            indicator = change.payload[0]
            self.audit_row(change, indicator, action=AuditEvent.Action.EDIT, region=self.region)
            indicator.delete()
        updates = [c for c in plan.of("update")]
        # order is unique per table: park the moved ones first, then give every row its place.
        parked = [c.payload[0] for c in updates]
        for indicator in parked:
            indicator.order += TEMP_ORDER
        IndicatorTarget.objects.bulk_update(parked, ["order"])
        for change in updates:
            indicator, _row, level1, level2, _name, target, order = change.payload
            indicator.level1, indicator.level2, indicator.target_text, indicator.order = (
                level1,
                level2,
                target,
                order,
            )
            indicator.full_clean(exclude=["table", "parent_indicator"], validate_unique=False)
            indicator.save(update_fields=["level1", "level2", "target_text", "order"])
            self.audit_row(change, indicator, action=AuditEvent.Action.EDIT, region=self.region)
        added = []
        for change in plan.of("create"):
            if change.payload == ("table",):
                continue
            _, _row, level1, level2, name, target, order = change.payload
            indicator = IndicatorTarget(
                table=table,
                parent_indicator=parent_by_name.get(name),
                level1=level1,
                level2=level2,
                name=name,
                target_text=target,
                order=order,
            )
            indicator.full_clean(exclude=["table", "parent_indicator"], validate_unique=False)
            indicator.save()
            added.append(indicator)
            self.audit_row(change, indicator, action=AuditEvent.Action.CREATE, region=self.region)
        # Returns already being filled get a line for each new indicator.
        returns_add_indicators(table=table, indicators=added)

    def _create_table(self, plan: Plan) -> TargetTable:
        """A new table hangs under the nearest table above, like a copy passed down."""
        parent = nearest_table_above(self._fund, self.region)
        table = TargetTable.objects.create(
            fund=self._fund,
            region=self.region,
            parent=parent,
            overall_goals=parent.overall_goals if parent else "",
            level_weights=parent.level_weights if parent else {},
        )
        self.audit_row(plan.of("create")[0], table, action=AuditEvent.Action.CREATE, region=self.region)
        return table
