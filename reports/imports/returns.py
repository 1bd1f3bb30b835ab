"""A return (自评填报) filled offline: the workbook templates_xlsx.return_workbook gives out.

Sheets: 填报信息 (which return, which version), 资金 (one row per money source: 全年预算数,
全年执行数), 绩效指标 (序号, the levels, 三级指标, 指标值, then 全年实际完成值, 未完成原因, 改进措施,
分母), 资金管理情况 (方面, 情况说明, 存在问题和改进措施), 总体目标 (年度总体目标, 全年实际完成情况).

The upload goes through the browser form (indicators.forms.ReturnForm) with the workbook's
values in place of typed ones, so its field checks are exactly the form's; saving goes
through indicators.services.return_save like the form's, which refuses a stale version and
writes the return's audit event. The rules engine's submission checks are shown in the
preview as warnings: they block submitting, not saving a draft.

A mid-year return (绩效运行监控) has its own layout, ``layout_of``: the money with 1–N月执行数,
全年预计执行数 and 执行进度滞后原因; the indicators with 1–N月实际完成值, 全年预计完成值, 偏差原因 and
完成目标可能性 (chosen from a list, read back by their labels), 原因说明 and 纠偏措施; no
资金管理情况; 1–N月总体目标执行情况. It binds indicators.forms.MonitoringForm and warns with the
monitoring checks (indicators.checks.return_findings of its period). The writer
(templates_xlsx.return_workbook) prints the same columns the reader looks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from evalportal.models import User
from indicators.checks import return_data, return_findings
from indicators.edits import differs, shown
from indicators.forms import MonitoringForm, ReturnForm
from indicators.models import Aspect, DeviationCause, Likelihood, MonitoringPlan, Period, Return
from indicators.permissions import may_import_return
from indicators.selectors import monitoring_plan, with_lock
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

# --- the mid-year return (绩效运行监控): the columns of one cut-off month -------------------------

INFO_PERIOD = "填报期"
INFO_MONTHS = "数据截至"
# 1–6月, 1-7月, 1~7月, 1至7月: the cut-off month as people write it in a header.
MONTHS_PATTERN = r"1[–—\-－~～至到](\d{1,2})月"
CHOICES = {"deviation_cause": DeviationCause, "likelihood": Likelihood}


def _months_column(key: str, months: str, rest: str, synonyms: tuple[str, ...] = ()) -> Column:
    """A column named after the cut-off month (1–6月执行数) that finds 1–N月执行数 for any N."""
    return Column(key, f"{months}{rest}", synonyms, pattern=MONTHS_PATTERN + re.escape(rest))


def monitoring_money_columns(months: str) -> list[Column]:
    return [
        Column("source", "资金来源"),
        Column("budget", "全年预算数"),
        _months_column("spent", months, "执行数"),
        Column("forecast", "全年预计执行数"),
        Column("lag_reason", "执行进度滞后原因", ("滞后原因",)),
    ]


def monitoring_indicator_columns(months: str) -> list[Column]:
    return [
        Column("order", "序号"),
        Column("level1", "一级指标", required=False),
        Column("level2", "二级指标", required=False),
        Column("name", "三级指标"),
        Column("target", "指标值", ("年度指标值",), required=False),
        _months_column("actual_text", months, "实际完成值"),
        Column("forecast_text", "全年预计完成值"),
        Column("deviation_cause", "偏差原因"),
        Column("reason", "原因说明"),
        Column("likelihood", "完成目标可能性"),
        Column("measure", "纠偏措施"),
        Column("denominator", "分母", required=False),
    ]


def monitoring_goal_columns(months: str) -> list[Column]:
    return [
        Column("goals", "年度总体目标", required=False),
        _months_column("achievement", months, "总体目标执行情况"),
    ]


@dataclass(frozen=True)
class Layout:
    """The columns of one period's workbook: what the writer prints and the reader looks for."""

    money: list[Column]
    indicators: list[Column]
    narratives: list[Column] | None  # the monitoring table has no 资金管理情况
    goals: list[Column]
    plan: MonitoringPlan | None = None  # mid-year: the fund's cut-off month
    goal_change: str = "总体目标完成情况"  # what the preview calls the 总体目标 line
    choices: dict = field(default_factory=dict)  # key → its TextChoices (read by label)

    @property
    def months(self) -> str:
        return self.plan.months_label if self.plan else ""

    def label(self, key: str) -> str:
        columns = self.money + self.indicators + (self.narratives or []) + self.goals
        return next(c.label for c in columns if c.key == key)


YEAR_END = Layout(MONEY_COLUMNS, INDICATOR_COLUMNS, NARRATIVE_COLUMNS, GOAL_COLUMNS)


def layout_of(ret: Return, plan: MonitoringPlan | None = None) -> Layout:
    """The layout of the return's period; mid-year with the fund's plan (``monitoring_plan``)."""
    if ret.period != Period.MID_YEAR:
        return YEAR_END
    plan = plan or monitoring_plan(ret.fund)
    months = plan.months_label
    return Layout(
        monitoring_money_columns(months),
        monitoring_indicator_columns(months),
        None,
        monitoring_goal_columns(months),
        plan=plan,
        goal_change="总体目标执行情况",
        choices=CHOICES,
    )


# The fields a workbook row fills, beyond what both periods share.
MONEY_NUMBERS = ("budget", "spent", "forecast")
INDICATOR_TEXTS = ("actual_text", "forecast_text", "reason", "measure")
LINE_KEYS = ("order", "level1", "level2", "name", "target")  # the target table's, not typed

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
        self.layout: Layout = YEAR_END

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
        self.layout = layout_of(ret)
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
        form = self._form(ret)
        data = {name: _as_form_text(value) for name, value in form.initial.items()}
        places: dict[str, tuple[str, int, str]] = {}  # form field → sheet, row, column
        self._read_money(sheets, form, data, places, plan)
        self._read_indicators(sheets, form, data, places, plan)
        if self.layout.narratives is not None:
            self._read_narratives(sheets, form, data, places, plan)
        self._read_goals(sheets, data, places, plan)
        if plan.errors:
            return plan

        bound = self._form(ret, data)
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

    def _form(self, ret: Return, *args) -> ReturnForm:
        """The browser's form of the return's period, so its field checks are the browser's."""
        if self.layout.plan is not None:
            return MonitoringForm(ret, *args, plan=self.layout.plan)
        return ReturnForm(ret, *args)

    # --- reading ------------------------------------------------------------------------------

    def _version(self, sheets: list[Sheet], ret: Return) -> int:
        info = next((s for s in sheets if s.title == SHEET_INFO), None)
        if info is None:
            raise ImportFailed([RowError(f"工作簿缺少“{SHEET_INFO}”工作表：请使用本系统下载的填报表。")])
        values = {squash(cell_text(r[0])): r[1] if len(r) > 1 else None for r in info.rows if r}
        self._check_period(squash(cell_text(values.get(INFO_PERIOD))), ret)
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
    def _check_period(written: str, ret: Return) -> None:
        """A year-end workbook uploaded to a mid-year return (or the reverse) says so, by the
        period the workbook names itself; its 填报编号 would only say "another return"."""
        periods = {label: value for value, label in Period.choices}
        if written not in periods or periods[written] == ret.period:
            return
        raise ImportFailed(
            [
                RowError(
                    f"这是“{written}”的填报表，不能导入到{ret.region.name}的“{ret.get_period_display()}”填报："
                    f"两者的栏目不同。请在本填报的“用Excel离线填报”页面重新下载{ret.get_period_display()}填报表，"
                    "填好后再导入。",
                    SHEET_INFO,
                )
            ]
        )

    def _header(self, sheets, columns: list[Column], sheet_name: str, plan: Plan) -> Header:
        """The table of one sheet; a header naming another cut-off month than the return's
        (1–7月执行数 when the fund's data run to 1–6月) is an error at its cell."""
        header = find_header(sheets, columns, sheet_name=sheet_name)
        months = self.layout.plan.through_month if self.layout.plan else None
        for column in columns:
            if not column.pattern or column.key not in header.columns:
                continue
            col = header.columns[column.key]
            for row in (header.row, header.row - 1):
                text = squash(cell_text(header.sheet.value(row, col))) if row >= 1 else ""
                found = re.match(MONTHS_PATTERN, text)
                if found and column.matches(text):
                    break
            else:
                continue
            if int(found.group(1)) != months:
                plan.errors.append(
                    RowError(
                        f"表头“{text}”与本填报的数据期间不符：本填报的数据截至{self.layout.months}。"
                        "请重新下载填报表，填好后再导入。",
                        header.sheet.title,
                        row,
                        header.letter(column.key),
                    )
                )
        return header

    @staticmethod
    def _put(data, places, name, header: Header, row: int, key: str, value) -> None:
        data[name] = value
        places[name] = (header.sheet.title, row, header.letter(key))

    def _read_money(self, sheets, form, data, places, plan) -> None:
        columns = self.layout.money
        header = self._header(sheets, columns, SHEET_MONEY, plan)
        plan.errors += merged_errors(header, vertical=set())
        sources = {line.source for line in form.money_lines}
        for row, cells in data_rows(header, columns):
            label = squash(cell_text(header.get(cells, "source")))
            source = SOURCES.get(label)
            if source not in sources:
                plan.errors.append(
                    RowError(f"资金来源“{label}”无法识别。", header.sheet.title, row, header.letter("source"))
                )
                continue
            for key in (c.key for c in columns if c.key in MONEY_NUMBERS):
                if source in ALLOCATED_SOURCES and key == "budget":
                    continue  # comes from the allocations; the form ignores it too
                value = self._number(header, cells, row, key, plan)
                if value is not False:
                    self._put(data, places, f"funding-{source}-{key}", header, row, key, value)
            if "lag_reason" in header.columns:
                self._text(data, places, header, cells, row, "lag_reason", f"funding-{source}", plan)

    def _number(self, header, cells, row, key, plan):
        """Numbers become text for the form; text is passed on for the form to judge."""
        raw = header.get(cells, key)
        try:
            if isinstance(raw, str) and not raw.startswith("="):
                return raw.strip()
            value = cell_decimal(
                raw,
                what=self.layout.label(key),
                places=4 if key in MONEY_NUMBERS else 2,  # money to the 元, as the form
            )
        except CellError as exc:
            plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter(key)))
            return False
        return "" if value is None else str(value)

    def _text(self, data, places, header, cells, row, key, prefix, plan) -> None:
        try:
            value = cell_string(header.get(cells, key), what=self.layout.label(key))
        except CellError as exc:
            plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter(key)))
            return
        self._put(data, places, f"{prefix}-{key}", header, row, key, value)

    def _choice(self, data, places, header, cells, row, key, prefix, plan) -> None:
        """偏差原因 and 完成目标可能性 by their labels (the workbook's drop-down lists)."""
        what = self.layout.label(key)
        try:
            text = squash(cell_string(header.get(cells, key), what=what))
        except CellError as exc:
            plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter(key)))
            return
        options = self.layout.choices[key]
        by_label = {squash(choice.label): choice.value for choice in options}
        if text and text not in by_label:
            listed = "、".join(choice.label for choice in options)
            plan.errors.append(
                RowError(
                    f"{what}“{text}”不是可选的{what}：请从下拉列表中选择（{listed}），其他情况选“其他”"
                    "并在原因说明中写明。"
                    if key == "deviation_cause"
                    else f"{what}“{text}”不是可选的{what}：请从下拉列表中选择（{listed}）。",
                    header.sheet.title,
                    row,
                    header.letter(key),
                )
            )
            return
        self._put(data, places, f"{prefix}-{key}", header, row, key, by_label.get(text, ""))

    def _read_indicators(self, sheets, form, data, places, plan) -> None:
        columns = self.layout.indicators
        header = self._header(sheets, columns, SHEET_INDICATORS, plan)
        plan.errors += merged_errors(header, vertical={"level1", "level2"})
        lines = {line.indicator.order: line for line in form.actual_lines}
        seen: dict[int, int] = {}
        sheet = header.sheet.title
        for row, cells in data_rows(header, columns):
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
            for column in columns:
                if column.key in INDICATOR_TEXTS:
                    self._text(data, places, header, cells, row, column.key, prefix, plan)
                elif column.key in self.layout.choices:
                    self._choice(data, places, header, cells, row, column.key, prefix, plan)
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
                self._text(data, places, header, cells, row, key, f"narrative-{aspect}", plan)

    def _read_goals(self, sheets, data, places, plan) -> None:
        columns = self.layout.goals
        header = self._header(sheets, columns, SHEET_GOALS, plan)
        plan.errors += merged_errors(header, vertical=set())
        for row, cells in data_rows(header, columns):
            try:
                value = cell_string(header.get(cells, "achievement"), what=self.layout.label("achievement"))
            except CellError as exc:
                plan.errors.append(RowError(str(exc), header.sheet.title, row, header.letter("achievement")))
                return
            self._put(data, places, "goal_achievement", header, row, "achievement", value)
            return

    # --- comparing ----------------------------------------------------------------------------

    def _diff(self, form: ReturnForm, bound: ReturnForm, places, plan: Plan) -> None:
        layout = self.layout

        def display(key: str, value):
            """A chosen 偏差原因 or 完成目标可能性 by its label, as the workbook and the page show it."""
            if key in layout.choices and value:
                return layout.choices[key](value).label
            return value

        def change(label: str, prefix: str, columns: list[Column]):
            fields = {}
            names = [(f"{prefix}{c.key}", c) for c in columns]
            for name, column in names:
                if bound.fields[name].disabled:
                    continue
                old = display(column.key, form.initial.get(name))
                new = display(column.key, bound.cleaned_data.get(name))
                if differs(old, new):
                    fields[column.label] = [shown(old), shown(new)]
            placed = [places[name] for name, _ in names if name in places]
            sheet, row, _ = placed[0] if placed else ("", None, "")
            plan.changes.append(Change("update" if fields else "unchanged", label, sheet, row, fields))

        money = [c for c in layout.money if c.key != "source"]
        indicators = [c for c in layout.indicators if c.key not in LINE_KEYS]
        for line in form.money_lines:
            change(line.label, f"funding-{line.source}-", money)
        for line in form.actual_lines:
            change(
                f"{line.indicator.order}. {line.indicator.name}", f"actual-{line.indicator_id}-", indicators
            )
        for line in form.narrative_lines:
            narrative = [c for c in layout.narratives or [] if c.key != "aspect"]
            change(line.get_aspect_display(), f"narrative-{line.aspect}-", narrative)
        goal = next(c for c in layout.goals if c.key == "achievement")
        change(layout.goal_change, "", [Column("goal_achievement", goal.label)])

    def _warnings(self, ret: Return, places, plan: Plan) -> None:
        """What submitting would say about these values: the rules engine's own checks of the
        return's period (indicators.checks.return_findings), over the values of the workbook."""
        checked = return_data(ret)
        for line in checked.money:
            typed = self.input.funding.get(line.source, {})
            if not line.allocated:
                line.budget = typed.get("budget")
            line.spent = typed.get("spent")
            if "forecast" in typed:
                line.forecast, line.lag_reason = typed["forecast"], typed.get("lag_reason", "")
        for line in checked.indicators:
            typed = self.input.actuals.get(int(str(line.key).removeprefix("actual-")), {})
            line.actual_text, line.reason, line.measure = (
                typed.get("actual_text"),
                typed.get("reason"),
                typed.get("measure"),
            )
            if "forecast_text" in typed:  # the rules engine reads the choices by their labels
                line.forecast_text = typed["forecast_text"]
                line.deviation_cause = _label(DeviationCause, typed.get("deviation_cause"))
                line.likelihood = _label(Likelihood, typed.get("likelihood"))
        for finding in return_findings(ret, data=checked):
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


def _label(choices, value) -> str:
    return choices(value).label if value else ""


def header_label(key: str) -> str:
    columns = INDICATOR_COLUMNS + NARRATIVE_COLUMNS
    return next(c.label for c in columns if c.key == key)


def _as_form_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
