"""What saving typed input over a return would change, field by field: the one walk that
``services.return_save`` applies and the save-conflict page (``selectors.save_conflict``) shows,
in the labels the audit trail writes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from indicators.models import Aspect, Period, Return
from transfers.models import ALLOCATED_SOURCES

if TYPE_CHECKING:
    from indicators.services import ReturnInput


def shown(value) -> str:
    """A value as the audit trail and an import's preview write it: money with two places, or
    to the 元 when it has more (2.472), so that no change to a figure is hidden by rounding."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text if Decimal(text) == value else format(value.normalize(), "f")
    return str(value).strip()


def differs(old, new) -> bool:
    """Whether saving ``new`` over ``old`` is a change: blank and None are the same, and so are
    12.5 and 12.50. The one rule for return_save and for the offline workbook's preview."""
    return (old or None) != (new or None) and shown(old) != shown(new)


@dataclass(frozen=True)
class Edit:
    """One field that saving would change."""

    obj: object  # the row: the return, or one of its ReturnFunding, IndicatorActual, ReturnNarrative
    attr: str
    old: object
    new: object
    label: str  # 中央财政资金·全年执行数, 指标“…”·实际完成值, as the audit trail writes it
    field: str  # the return form's field of it


ACTUAL_FIELDS = (
    ("actual_text", "实际完成值"),
    ("reason", "未完成原因"),
    ("measure", "改进措施"),
    ("denominator", "分母"),
    ("override_note", "覆盖说明"),
)
NARRATIVE_FIELDS = (("description", "情况说明"), ("problems", "存在问题和改进措施"))
# Mid-year monitoring: the same rows say where the year ends, and why a line will miss. These
# are compared only where the input carries them (a year-end form or workbook has none).
MONITORING_ACTUAL_FIELDS = (
    ("forecast_text", "全年预计完成值"),
    ("deviation_cause", "偏差原因"),
    ("likelihood", "完成目标可能性"),
)
MONITORING_LABELS = {"actual_text": "累计实际完成值", "reason": "原因说明", "measure": "纠偏措施"}


def _typed(value):
    return value.strip() if isinstance(value, str) else value


def return_edits(ret: Return, data: ReturnInput) -> list[Edit]:
    """Every field of ``ret`` (as loaded: the caller decides whether it is locked) that ``data``
    would change: money by source (the budget only of money nobody allocates), each indicator
    line, each narrative in the order of the aspects, the overall goal. A line ``data`` does not
    mention is left alone."""
    edits: list[Edit] = []
    monitoring = ret.period == Period.MID_YEAR

    def compare(obj, attr: str, new, label: str, field: str) -> None:
        old = getattr(obj, attr)
        if differs(old, new):
            edits.append(Edit(obj, attr, old, new, label, field))

    for line in ret.funding.all():
        typed = data.funding.get(line.source)
        if typed is None:
            continue
        source, prefix = line.get_source_display(), f"funding-{line.source}"
        if line.source not in ALLOCATED_SOURCES:  # allocated money's budget is the allocations'
            compare(line, "budget", typed.get("budget"), f"{source}·全年预算数", f"{prefix}-budget")
        spent_label = "累计执行数" if monitoring else "全年执行数"
        compare(line, "spent", typed.get("spent"), f"{source}·{spent_label}", f"{prefix}-spent")
        if "forecast" in typed:
            compare(line, "forecast", typed["forecast"], f"{source}·全年预计执行数", f"{prefix}-forecast")
        if "lag_reason" in typed:
            compare(
                line,
                "lag_reason",
                _typed(typed["lag_reason"]),
                f"{source}·执行进度滞后原因",
                f"{prefix}-lag_reason",
            )

    for actual in ret.actuals.select_related("indicator").order_by("indicator__order"):
        typed = data.actuals.get(actual.indicator_id)
        if typed is None:
            continue
        name, prefix = f"指标“{actual.indicator.name}”", f"actual-{actual.indicator_id}"
        for attr, label in ACTUAL_FIELDS:
            default = None if attr == "denominator" else ""
            label = MONITORING_LABELS.get(attr, label) if monitoring else label
            compare(actual, attr, _typed(typed.get(attr, default)), f"{name}·{label}", f"{prefix}-{attr}")
        for attr, label in MONITORING_ACTUAL_FIELDS:
            if attr in typed:
                compare(actual, attr, _typed(typed[attr] or ""), f"{name}·{label}", f"{prefix}-{attr}")

    order = list(Aspect.values)
    for narrative in sorted(ret.narratives.all(), key=lambda n: order.index(n.aspect)):
        typed = data.narratives.get(narrative.aspect)
        if typed is None:
            continue
        aspect, prefix = narrative.get_aspect_display(), f"narrative-{narrative.aspect}"
        for attr, label in NARRATIVE_FIELDS:
            compare(narrative, attr, _typed(typed.get(attr, "")), f"{aspect}·{label}", f"{prefix}-{attr}")

    compare(ret, "goal_achievement", data.goal_achievement.strip(), "总体目标完成情况", "goal_achievement")
    return edits
