"""The return form: one field per money figure, indicator line and narrative.

Field names carry the line they belong to (``actual-<indicator id>-reason``) so that a finding
of the rules engine, keyed ``actual-<indicator id>``, is shown next to its line.
"""

from decimal import Decimal

from django import forms

from common.forms import BootstrapFormMixin
from common.text import MAX_TEXT, MAX_TEXT_MESSAGE
from indicators import evidence, rules
from indicators.edits import shown
from indicators.ledger import Figures, return_money
from indicators.models import (
    MONITORING_MONTHS,
    Aspect,
    DeviationCause,
    IndicatorActual,
    Likelihood,
    MonitoringPlan,
    Return,
)
from indicators.selectors import form_lines_of, narratives_of
from indicators.services import ReturnInput

# What a denominator means, said once above the indicator lines (each 分母 box points to it).
DENOMINATOR_HELP = (
    "填写分母时，实际完成值填分子（人数、户数等），完成值按分子÷分母计算：50人中46人为92%。"
    "实际完成值已写成百分比（92%）时，分母只用于上级加权汇总。"
)
# Money is typed to the 元 (four decimals of 万元, models.ReturnFunding); a denominator to two.
MONEY_FIELD = {"max_digits": 16, "decimal_places": 4, "min_value": 0, "required": False}
DENOMINATOR_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": 0, "required": False}
REASON_LABEL, OVER_REASON_LABEL = "未完成原因", "超额完成原因"
TEXT_AREA = forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"})
# Longer text than a spreadsheet cell holds is refused here, with the limit, not cut on export.
LONG_TEXT = {"max_length": MAX_TEXT, "error_messages": {"max_length": MAX_TEXT_MESSAGE}}


class ReturnForm(forms.Form):
    denominator_help = DENOMINATOR_HELP
    base_version = forms.IntegerField(widget=forms.HiddenInput)
    goal_achievement = forms.CharField(
        label="总体目标完成情况",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        **LONG_TEXT,
    )
    acknowledge = forms.BooleanField(label="我已阅读以上提示，确认提交", required=False)

    def __init__(self, ret: Return, *args, money: Figures | None = None, **kwargs):
        self.ret = ret
        # The ledger's lines: an allocated source's budget is what was allocated (not typed).
        self.money_lines = list(money if money is not None else return_money(ret))
        self.actual_lines = form_lines_of(ret)
        order = list(Aspect.values)
        self.narrative_lines = sorted(narratives_of(ret), key=lambda n: order.index(n.aspect))
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        for line in self.money_lines:
            prefix = f"funding-{line.source}"
            self.fields[f"{prefix}-budget"] = forms.DecimalField(
                label=f"{line.label}全年预算数",
                disabled=line.allocated,
                help_text="按资金分配计算" if line.allocated else "本级资金，请填写",
                **MONEY_FIELD,
            )
            self.fields[f"{prefix}-spent"] = forms.DecimalField(
                label=f"{line.label}全年执行数", **MONEY_FIELD
            )
        for line in self.actual_lines:
            prefix = f"actual-{line.indicator_id}"
            self.fields[f"{prefix}-actual_text"] = forms.CharField(
                label="全年实际完成值", max_length=100, required=False
            )
            self.fields[f"{prefix}-reason"] = forms.CharField(
                label="未完成原因", required=False, widget=TEXT_AREA, **LONG_TEXT
            )
            self.fields[f"{prefix}-measure"] = forms.CharField(
                label="改进措施", required=False, widget=TEXT_AREA, **LONG_TEXT
            )
            self.fields[f"{prefix}-denominator"] = forms.DecimalField(
                label="分母（可选）",
                help_text=DENOMINATOR_HELP,
                widget=forms.NumberInput(attrs={"aria-describedby": "denominator-help"}),
                **DENOMINATOR_FIELD,
            )
            self.fields[f"{prefix}-override_note"] = forms.CharField(
                label="覆盖汇总值说明", required=False, max_length=500
            )
        for line in self.narrative_lines:
            prefix = f"narrative-{line.aspect}"
            self.fields[f"{prefix}-description"] = forms.CharField(
                label=f"{line.get_aspect_display()}·情况说明", required=False, widget=TEXT_AREA, **LONG_TEXT
            )
            self.fields[f"{prefix}-problems"] = forms.CharField(
                label=f"{line.get_aspect_display()}·存在问题和改进措施",
                required=False,
                widget=TEXT_AREA,
                **LONG_TEXT,
            )

    @property
    def overall_goals(self) -> str:
        """年度总体目标 of the table the return reports against, printed above 总体目标完成情况:
        read with the lines, not once more by the template."""
        return self.actual_lines[0].indicator.table.overall_goals if self.actual_lines else ""

    def _initial(self) -> dict:
        initial = {"base_version": self.ret.version, "goal_achievement": self.ret.goal_achievement}
        for line in self.money_lines:
            initial[f"funding-{line.source}-budget"] = _as_typed(line.budget)
            initial[f"funding-{line.source}-spent"] = _as_typed(line.spent)
        for line in self.actual_lines:
            for name in ("actual_text", "reason", "measure", "denominator", "override_note"):
                initial[f"actual-{line.indicator_id}-{name}"] = getattr(line, name)
        for line in self.narrative_lines:
            initial[f"narrative-{line.aspect}-description"] = line.description
            initial[f"narrative-{line.aspect}-problems"] = line.problems
        return initial

    def to_input(self) -> ReturnInput:
        data = self.cleaned_data
        funding = {}
        for line in self.money_lines:
            typed = {"spent": data.get(f"funding-{line.source}-spent")}
            if not line.allocated:  # what was allocated is not the clerk's to state
                typed["budget"] = data.get(f"funding-{line.source}-budget")
            funding[line.source] = typed
        actuals = {
            line.indicator_id: {
                name: data.get(f"actual-{line.indicator_id}-{name}")
                for name in ("actual_text", "reason", "measure", "denominator", "override_note")
            }
            for line in self.actual_lines
        }
        narratives = {
            line.aspect: {
                "description": data.get(f"narrative-{line.aspect}-description", ""),
                "problems": data.get(f"narrative-{line.aspect}-problems", ""),
            }
            for line in self.narrative_lines
        }
        return ReturnInput(funding, actuals, narratives, data.get("goal_achievement", ""))

    # Rows for the template: each line with its bound fields.

    def funding_rows(self):
        for line in self.money_lines:
            prefix = f"funding-{line.source}"
            yield line, self[f"{prefix}-budget"], self[f"{prefix}-spent"], prefix

    def actual_rows(self):
        for line in self.actual_lines:
            prefix = f"actual-{line.indicator_id}"
            fields = {
                name: self[f"{prefix}-{name}"]
                for name in ("actual_text", "reason", "measure", "denominator", "override_note")
            }
            yield line, fields, prefix, reason_label(line.indicator.target_text, fields)

    def narrative_rows(self):
        for line in self.narrative_lines:
            prefix = f"narrative-{line.aspect}"
            yield line, self[f"{prefix}-description"], self[f"{prefix}-problems"]


# The script switches the label while typing (data-over of the rate preview); this is the
# label of what the page holds when it is drawn, after a save or a refused submit.
def reason_label(target_text: str, fields: dict) -> str:
    """未完成原因, or 超额完成原因 when the line as shown is completed at 130% or more."""
    actual = fields["actual_text"].value()
    if not actual:
        return REASON_LABEL
    denominator = fields["denominator"].value() or None
    try:
        evaluation = rules.evaluate(target_text, actual, denominator=denominator)
    except (TypeError, ValueError):
        return REASON_LABEL
    return OVER_REASON_LABEL if evaluation.over_achieved else REASON_LABEL


MONITORING_ACTUAL_NAMES = ("forecast_text", "deviation_cause", "likelihood")
CHOOSE = [("", "—请选择—")]
SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class MonitoringForm(ReturnForm):
    """The mid-year return (绩效运行监控表): the same rows as the year end, read to the cut-off
    month of the fund's plan (1–N月), with the year's forecast beside each figure and, where the
    forecast misses, 偏差原因, 原因说明, 完成目标可能性 and 纠偏措施 (rules.check_monitoring asks
    for them). It has no narratives: the monitoring table has none."""

    def __init__(self, ret: Return, *args, plan: MonitoringPlan, money: Figures | None = None, **kwargs):
        self.plan = plan
        super().__init__(ret, *args, money=money, **kwargs)
        months = plan.months_label
        for line in self.narrative_lines:
            del self.fields[f"narrative-{line.aspect}-description"]
            del self.fields[f"narrative-{line.aspect}-problems"]
        self.narrative_lines = []
        self.fields["goal_achievement"].label = f"{months}总体目标执行情况"
        for line in self.money_lines:
            prefix = f"funding-{line.source}"
            self.fields[f"{prefix}-spent"].label = f"{line.label}{months}执行数"
            self.fields[f"{prefix}-forecast"] = forms.DecimalField(
                label=f"{line.label}全年预计执行数", **MONEY_FIELD
            )
            self.fields[f"{prefix}-lag_reason"] = forms.CharField(
                label=f"{line.label}执行进度滞后原因", required=False, widget=TEXT_AREA, **LONG_TEXT
            )
        for line in self.actual_lines:
            prefix = f"actual-{line.indicator_id}"
            self.fields[f"{prefix}-actual_text"].label = f"{months}实际完成值"
            self.fields[f"{prefix}-reason"].label = "原因说明"
            self.fields[f"{prefix}-measure"].label = "纠偏措施"
            self.fields[f"{prefix}-forecast_text"] = forms.CharField(
                label="全年预计完成值", max_length=100, required=False
            )
            self.fields[f"{prefix}-deviation_cause"] = forms.ChoiceField(
                label="偏差原因", choices=CHOOSE + DeviationCause.choices, required=False, widget=SELECT
            )
            self.fields[f"{prefix}-likelihood"] = forms.ChoiceField(
                label="完成目标可能性", choices=CHOOSE + Likelihood.choices, required=False, widget=SELECT
            )

    def _initial(self) -> dict:
        initial = super()._initial()
        for line in self.money_lines:
            initial[f"funding-{line.source}-forecast"] = _as_typed(line.forecast)
        for funding in self.ret.funding.all():
            initial[f"funding-{funding.source}-lag_reason"] = funding.lag_reason
        for line in self.actual_lines:
            for name in MONITORING_ACTUAL_NAMES:
                initial[f"actual-{line.indicator_id}-{name}"] = getattr(line, name)
        return initial

    def to_input(self) -> ReturnInput:
        typed = super().to_input()
        data = self.cleaned_data
        for source, line in typed.funding.items():
            line["forecast"] = data.get(f"funding-{source}-forecast")
            line["lag_reason"] = data.get(f"funding-{source}-lag_reason", "")
        for indicator_id, line in typed.actuals.items():
            for name in MONITORING_ACTUAL_NAMES:
                line[name] = data.get(f"actual-{indicator_id}-{name}", "")
        return typed

    def funding_rows(self):
        for line, budget, spent, prefix in super().funding_rows():
            yield line, budget, spent, prefix, self[f"{prefix}-forecast"], self[f"{prefix}-lag_reason"]

    def actual_rows(self):
        for line, fields, prefix, _label in super().actual_rows():
            fields |= {name: self[f"{prefix}-{name}"] for name in MONITORING_ACTUAL_NAMES}
            yield line, fields, prefix


class MonitoringPlanForm(BootstrapFormMixin, forms.Form):
    """The province's choice for one fund: data to the end of which month, and where yellow begins."""

    through_month = forms.TypedChoiceField(
        label="数据截止月份",
        coerce=int,
        choices=[(n, f"1–{n}月") for n in range(MONITORING_MONTHS[0], MONITORING_MONTHS[1] + 1)],
        help_text="运行监控填报的累计数据截至该月底，时序进度按此计算（1–6月为50%）。",
        error_messages={"invalid_choice": "请选择1至11月。"},
    )
    yellow_from = forms.DecimalField(
        label="黄灯起点（全年预计完成率，%）",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        help_text="预计完成率不低于此值但未完成目标的为黄灯，低于此值为红灯；完成目标为绿灯。默认90%。",
        error_messages={
            "required": "请填写黄灯起点。",
            "invalid": "请输入数字，如90。",
            "min_value": "黄灯起点应大于0%%。",
            "max_value": "黄灯起点不能超过100%%。",
            "max_decimal_places": "最多两位小数。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label="退回原因",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "退回必须填写退回原因。", "max_length": MAX_TEXT_MESSAGE},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "请填写原因。", "max_length": MAX_TEXT_MESSAGE},
    )


def _as_typed(amount: Decimal | None) -> Decimal | None:
    """A stored amount as people type it: 9000.50, not the 9000.5000 it is kept as (to the 元)."""
    return None if amount is None else Decimal(shown(amount))


class _LineChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.indicator.order}. {obj.indicator.name}"


class AttachmentForm(forms.Form):
    """One file for the whole return or for one of its indicator lines (the content is checked
    by the service: indicators.evidence)."""

    file = forms.FileField(
        label="选择文件",
        allow_empty_file=True,  # an empty file gets the service's own message
        error_messages={"required": "请先选择要上传的文件。", "invalid": "未收到文件，请重新选择。"},
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control form-control-sm", "accept": evidence.ACCEPT}
        ),
    )
    line = _LineChoice(
        label="对应指标",
        queryset=IndicatorActual.objects.none(),
        required=False,
        empty_label="（整份填报）",
        error_messages={"invalid_choice": "所选指标不属于本填报，请重新选择。"},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, ret: Return, *args, lines: list[IndicatorActual] | None = None, **kwargs):
        """``lines`` the return's indicator lines as the page already read them (the entry
        form's), printed as the choices without reading them again; a posted choice is always
        checked against the return's lines in the database."""
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        field.queryset = ret.actuals.select_related("indicator").order_by("indicator__order")
        if lines is not None:
            field.choices = [("", field.empty_label)] + [
                (line.pk, field.label_from_instance(line)) for line in lines
            ]
