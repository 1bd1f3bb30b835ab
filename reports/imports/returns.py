"""A return (自评填报) filled offline: the workbook templates_xlsx.return_workbook gives out.

Sheets: 填报信息 (which return, which version), 资金 (one row per money source: 全年预算数,
全年执行数), 绩效指标 (序号, the levels, 三级指标, 指标值, then 全年实际完成值, 未完成原因, 改进措施,
分母), 资金管理情况 (方面, 情况说明, 存在问题和改进措施), 总体目标 (年度总体目标, 全年实际完成情况).

The upload goes through the browser form (indicators.forms.ReturnForm) with the workbook's
values in place of typed ones, so its field checks are exactly the form's; saving goes
through indicators.services.return_save like the form's, which refuses a stale version and
writes the return's audit event. The rules engine's submission checks are shown in the
preview as warnings: they block submitting, not saving a draft.
"""

from __future__ import annotations

from decimal import Decimal

from evalportal.models import User
from indicators.checks import return_data
from indicators.edits import differs, shown
from indicators.forms import ReturnForm
from indicators.models import Aspect, Return
from indicators.permissions import may_import_return
from indicators.rules import check_return
from indicators.selectors import with_lock
from indicators.services import ReturnInput, StaleReturnError, WorkflowError, return_save
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
    cell_decimal,
    cell_string,
    cell_text,
    data_rows,
    find_header,
    merged_errors,
    squash,
)
from transfers.models import ALLOCATED_SOURCES, MoneySource

SHEET_INFO = "填报信息"
SHEET_MONEY = "资金"
SHEET_INDICATORS = "绩效指标"
SHEET_NARRATIVES = "资金管理情况"
SHEET_GOALS = "总体目标"

INFO_REPORT = "填报编号"
INFO_VERSION = "数据版本"

MONEY_COLUMNS = [
    Column("source", "资金来源"),
    Column("budget", "全年预算数"),
    Column("spent", "全年执行数"),
]
INDICATOR_COLUMNS = [
    Column("order", "序号"),
    Column("level1", "一级指标", required=False),
    Column("level2", "二级指标", required=False),
    Column("name", "三级指标"),
    Column("target", "指标值", required=False),
    Column("actual_text", "全年实际完成值", ("实际完成值",)),
    Column("reason", "未完成原因", ("未完成原因和改进措施", "偏差原因")),
    Column("measure", "改进措施"),
    Column("denominator", "分母", required=False),
]
NARRATIVE_COLUMNS = [
    Column("aspect", "方面", ("项目", "资金管理情况")),
    Column("description", "情况说明"),
    Column("problems", "存在问题和改进措施"),
]
GOAL_COLUMNS = [
    Column("goals", "年度总体目标", required=False),
    Column("achievement", "全年实际完成情况", ("总体目标完成情况",)),
]
SOURCES = {s.label: s.value for s in MoneySource} | {s.value: s.value for s in MoneySource}
SOURCES |= {"中央财政": "central", "中央": "central", "地方财政资金": "local", "市县配套": "local"}
ASPECTS = {a.label: a.value for a in Aspect}


class ReturnImporter(Importer):
    kind = "returns"
    title = "自评填报"

    def __init__(self, *, actor: User, scope, ret: Return):
        super().__init__(actor=actor, scope=scope)
        self.ret = ret
        self.base_version: int | None = None
        self.input: ReturnInput | None = None

    @property
    def fund(self):
        return self.ret.fund

    def audit_object(self):
        return self.record or self.ret

    def options(self) -> dict:
        return {"report": self.ret.pk}

    def plan(self, sheets: list[Sheet]) -> Plan:
        plan = Plan()
        # With its deadline lock: a return locked after its deadline takes no workbook either.
        ret = with_lock(Return.objects.select_related("fund", "region__parent").get(pk=self.ret.pk))
        self.base_version = self._version(sheets, ret)
        if self.actor is not None and (reason := may_import_return(self.actor, ret)):
            raise ImportFailed([RowError(reason)])
        if self.base_version != ret.version:
            raise ImportFailed(
                [
                    RowError(
                        f"本填报在您下载之后已被修改（文件是第{self.base_version}版，系统中已是第{ret.version}版），"
                        "为免覆盖他人的内容，请重新下载填报表，填入您的内容后再导入。",
                        SHEET_INFO,
                    )
                ]
            )
        form = ReturnForm(ret)
        data = {name: _as_form_text(value) for name, value in form.initial.items()}
        places: dict[str, tuple[str, int, str]] = {}  # form field → sheet, row, column
        self._read_money(sheets, form, data, places, plan)
        self._read_indicators(sheets, form, data, places, plan)
        self._read_narratives(sheets, form, data, places, plan)
        self._read_goals(sheets, data, places, plan)
        if plan.errors:
            return plan

        bound = ReturnForm(ret, data)
        if not bound.is_valid():
            for name, messages in bound.errors.items():
                sheet, row, column = places.get(name, ("", None, ""))
                label = bound.fields[name].label if name in bound.fields else ""
                for message in messages:
                    plan.errors.append(
                        RowError(f"{label}：{message}" if label else message, sheet, row, column)
                    )
            return plan
        self.input = bound.to_input()
        self._diff(form, bound, places, plan)
        self._warnings(ret, places, plan)
        return plan

    # --- reading ------------------------------------------------------------------------------

    def _version(self, sheets: list[Sheet], ret: Return) -> int:
        info = next((s for s in sheets if s.title == SHEET_INFO), None)
        if info is None:
            raise ImportFailed([RowError(f"工作簿缺少“{SHEET_INFO}”工作表：请使用本系统下载的填报表。")])
        values = {squash(cell_text(r[0])): r[1] if len(r) > 1 else None for r in info.rows if r}
        try:
            pk = int(cell_text(values.get(INFO_REPORT)))
            version = int(cell_text(values.get(INFO_VERSION)))
        except ValueError:
            raise ImportFailed(
                [
                    RowError(
                        f"“{SHEET_INFO}”中的填报编号或数据版本缺失，请使用本系统下载的填报表。", SHEET_INFO
                    )
                ]
            ) from None
        if pk != ret.pk:
            raise ImportFailed(
                [
                    RowError(
                        f"这是另一份填报（编号{pk}）的填报表，不能导入到{ret.region.name}的填报（编号{ret.pk}）。",
                        SHEET_INFO,
                    )
                ]
            )
        return version

    @staticmethod
    def _put(data, places, name, header: Header, row: int, key: str, value) -> None:
        data[name] = value
        places[name] = (header.sheet.title, row, header.letter(key))

    def _read_money(self, sheets, form, data, places, plan) -> None:
        header = find_header(sheets, MONEY_COLUMNS, sheet_name=SHEET_MONEY)
        plan.errors += merged_errors(header, vertical=set())
        sources = {line.source for line in form.money_lines}
        for row, cells in data_rows(header, MONEY_COLUMNS):
            label = squash(cell_text(header.get(cells, "source")))
            source = SOURCES.get(label)
            if source not in sources:
                plan.errors.append(
                    RowError(f"资金来源“{label}”无法识别。", header.sheet.title, row, header.letter("source"))
                )
                continue
            for key in ("budget", "spent"):
                if source in ALLOCATED_SOURCES and key == "budget":
                    continue  # comes from the allocations; the form ignores it too
                value = self._number(header, cells, row, key, plan)
                if value is not False:
                    self._put(data, places, f"funding-{source}-{key}", header, row, key, value)

    @staticmethod
    def _number(header, cells, row, key, plan):
        """Numbers become text for the form; text is passed on for the form to judge."""
        raw = header.get(cells, key)
        try:
            if isinstance(raw, str) and not raw.startswith("="):
                return raw.strip()
            value = cell_decimal(
                raw,
                what=next(c.label for c in MONEY_COLUMNS + INDICATOR_COLUMNS if c.key == key),
                places=4 if key in ("budget", "spent") else 2,  # money to the 元, as the form
            )
        except CellError as exc:
            plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter(key)))
            return False
        return "" if value is None else str(value)

    def _read_indicators(self, sheets, form, data, places, plan) -> None:
        header = find_header(sheets, INDICATOR_COLUMNS, sheet_name=SHEET_INDICATORS)
        plan.errors += merged_errors(header, vertical={"level1", "level2"})
        lines = {line.indicator.order: line for line in form.actual_lines}
        seen: dict[int, int] = {}
        sheet = header.sheet.title
        for row, cells in data_rows(header, INDICATOR_COLUMNS):
            order_text = cell_text(header.get(cells, "order"))
            line = lines.get(int(order_text)) if order_text.isdigit() else None
            name = cell_text(header.get(cells, "name"))
            if line is None or squash(line.indicator.name) != squash(name):
                plan.errors.append(
                    RowError(
                        f"序号{order_text or '（空）'}“{name}”不是本填报的指标：请不要在填报表中增删或改动指标，"
                        "指标以目标表为准。",
                        sheet,
                        row,
                        header.letter("name"),
                    )
                )
                continue
            if line.indicator_id in seen:
                plan.errors.append(
                    RowError(f"指标“{name}”与第{seen[line.indicator_id]}行重复。", sheet, row, "A")
                )
                continue
            seen[line.indicator_id] = row
            prefix = f"actual-{line.indicator_id}"
            for key in ("actual_text", "reason", "measure"):
                try:
                    value = cell_string(header.get(cells, key), what=header_label(key))
                except CellError as exc:
                    plan.errors.append(RowError(str(exc), sheet, row, header.letter(key)))
                    continue
                self._put(data, places, f"{prefix}-{key}", header, row, key, value)
            if "denominator" in header.columns:
                value = self._number(header, cells, row, "denominator", plan)
                if value is not False:
                    self._put(data, places, f"{prefix}-denominator", header, row, "denominator", value)

    def _read_narratives(self, sheets, form, data, places, plan) -> None:
        header = find_header(sheets, NARRATIVE_COLUMNS, sheet_name=SHEET_NARRATIVES)
        plan.errors += merged_errors(header, vertical=set())
        aspects = {line.aspect for line in form.narrative_lines}
        for row, cells in data_rows(header, NARRATIVE_COLUMNS):
            label = squash(cell_text(header.get(cells, "aspect")))
            aspect = ASPECTS.get(label)
            if aspect not in aspects:
                plan.errors.append(
                    RowError(
                        f"“{label}”不是资金管理情况的方面。", header.sheet.title, row, header.letter("aspect")
                    )
                )
                continue
            for key in ("description", "problems"):
                try:
                    value = cell_string(header.get(cells, key), what=header_label(key))
                except CellError as exc:
                    plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter(key)))
                    continue
                self._put(data, places, f"narrative-{aspect}-{key}", header, row, key, value)

    def _read_goals(self, sheets, data, places, plan) -> None:
        header = find_header(sheets, GOAL_COLUMNS, sheet_name=SHEET_GOALS)
        plan.errors += merged_errors(header, vertical=set())
        for row, cells in data_rows(header, GOAL_COLUMNS):
            try:
                value = cell_string(header.get(cells, "achievement"), what="全年实际完成情况")
            except CellError as exc:
                plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter("achievement")))
                return
            self._put(data, places, "goal_achievement", header, row, "achievement", value)
            return

    # --- comparing ----------------------------------------------------------------------------

    def _diff(self, form: ReturnForm, bound: ReturnForm, places, plan: Plan) -> None:
        def change(label: str, names: list[tuple[str, str]]):
            fields = {}
            for name, field_label in names:
                old, new = form.initial.get(name), bound.cleaned_data.get(name)
                if bound.fields[name].disabled:
                    continue
                if differs(old, new):
                    fields[field_label] = [shown(old), shown(new)]
            placed = [places[name] for name, _ in names if name in places]
            sheet, row, _ = placed[0] if placed else ("", None, "")
            plan.changes.append(Change("update" if fields else "unchanged", label, sheet, row, fields))

        for line in form.money_lines:
            p = f"funding-{line.source}"
            change(line.label, [(f"{p}-budget", "全年预算数"), (f"{p}-spent", "全年执行数")])
        for line in form.actual_lines:
            p = f"actual-{line.indicator_id}"
            change(
                f"{line.indicator.order}. {line.indicator.name}",
                [
                    (f"{p}-actual_text", "全年实际完成值"),
                    (f"{p}-reason", "未完成原因"),
                    (f"{p}-measure", "改进措施"),
                    (f"{p}-denominator", "分母"),
                ],
            )
        for line in form.narrative_lines:
            p = f"narrative-{line.aspect}"
            change(
                line.get_aspect_display(),
                [(f"{p}-description", "情况说明"), (f"{p}-problems", "存在问题和改进措施")],
            )
        change("总体目标完成情况", [("goal_achievement", "全年实际完成情况")])

    def _warnings(self, ret: Return, places, plan: Plan) -> None:
        """What submitting would say about these values (the rules engine's own checks)."""
        checked = return_data(ret)
        for line in checked.money:
            typed = self.input.funding.get(line.source, {})
            if not line.allocated:
                line.budget = typed.get("budget")
            line.spent = typed.get("spent")
        for line in checked.indicators:
            typed = self.input.actuals.get(int(str(line.key).removeprefix("actual-")), {})
            line.actual_text, line.reason, line.measure = (
                typed.get("actual_text"),
                typed.get("reason"),
                typed.get("measure"),
            )
        for finding in check_return(checked):
            sheet, row, column = places.get(f"{finding.where}-actual_text") or places.get(
                f"{finding.where}-spent", ("", None, "")
            )
            severity = "提交前须改正" if finding.severity == "error" else "提示"
            plan.warnings.append(RowError(f"{severity}：{finding.message}", sheet, row, column))

    def write(self, plan: Plan) -> None:
        _apply_return(ret=self.ret, actor=self.actor, base_version=self.base_version, data=self.input)


def _apply_return(*, ret: Return, actor: User, base_version: int, data: ReturnInput) -> dict:
    """Save through the same service as the browser form (it writes the return's audit event)."""
    try:
        return return_save(ret=ret, actor=actor, base_version=base_version, data=data)
    except StaleReturnError as exc:
        raise ImportFailed([RowError(str(exc), SHEET_INFO)]) from None
    except WorkflowError as exc:
        raise ImportFailed([RowError(str(exc))]) from None


def header_label(key: str) -> str:
    columns = INDICATOR_COLUMNS + NARRATIVE_COLUMNS
    return next(c.label for c in columns if c.key == key)


def _as_form_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
