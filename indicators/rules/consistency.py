"""Consistency checks of a return and of a fund's returns (docs/domain.md §7)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

from indicators.rules.evaluation import Evaluation, evaluate
from indicators.rules.grammar import _text_of, _wording, parse_actual, parse_target
from indicators.rules.numbers import (
    HUNDRED,
    TargetParseError,
    UnitMismatchError,
    _to_decimal,
    format_number,
    format_value,
    quantize_rate,
)

ERROR, WARNING, INFO = "error", "warning", "info"
REPEATED_REASON_THRESHOLD = 3


@dataclass(frozen=True)
class Finding:
    """One problem: ``severity`` error (blocks submission) / warning / info, a short English
    ``code``, a Chinese ``message`` naming the line, ``where`` — the key of the line it points
    to — and, in an allocation table, the ``column`` (total / advance / batch) it is about.
    Callers place a finding by ``where`` and ``column``, never by reading the message."""

    severity: str
    code: str
    message: str
    where: object
    column: str = ""


@dataclass
class IndicatorLine:
    key: object
    level1: str
    level2: str
    name: str
    target_text: str
    actual_text: str | None
    reason: str | None = ""
    measure: str | None = ""
    parent_target_text: str | None = None
    judged_met: bool | None = None  # a reviewer's decision on a qualitative actual
    previous_text: str | None = None  # last year's actual, for 不低于上年 and 有所提升
    denominator: object = None  # 分母: an actual without a unit is then its numerator
    plausible_min: object = None  # 合理范围: outside it, a warning to acknowledge
    plausible_max: object = None
    # Mid-year monitoring (rules.monitoring): actual_text is then the actual to the cut-off month,
    # reason 原因说明 and measure 纠偏措施.
    forecast_text: str | None = ""  # 全年预计完成值
    deviation_cause: str | None = ""  # 偏差原因 (a category's label)
    likelihood: str | None = ""  # 完成目标可能性 (its label)


@dataclass
class MoneyLine:
    """One money source of a return. ``allocated``: the money comes down by allocation, so its
    budget is what was allocated (none means nothing was); otherwise the budget is the one the
    return states (the region's own money)."""

    key: object
    source: str  # central / provincial / local / other
    budget: object = None
    spent: object = None
    allocated: bool = False
    label: str = ""  # how messages name the source (中央财政资金); the source's code without one
    forecast: object = None  # mid-year monitoring: 全年预计执行数 (spent is then 1–N月执行数)
    lag_reason: str | None = ""  # mid-year monitoring: why execution lags the months passed


@dataclass
class ReturnData:
    """A return as the checks see it: its money lines (each knowing whether its budget was
    allocated) and its indicator lines."""

    key: object
    region_name: str
    money: list = field(default_factory=list)
    indicators: list = field(default_factory=list)


@dataclass
class AllocationRow:
    """A row of an allocation table (全年资金合计 = 提前下达 + 本次下达). County rows carry their
    ``group``; a subtotal row has ``is_subtotal`` and the group it closes; the grand total row
    (合计) has ``is_subtotal`` and no group. A table without groups sums straight to 合计."""

    key: object
    label: str
    total: object
    advance: object
    batch: object
    is_subtotal: bool = False
    group: str | None = None


def _blank(text) -> bool:
    return not _wording(text if isinstance(text, str) else _text_of(text))


def _money(value) -> str:
    return format_number(value)


def check_return(data: ReturnData) -> list[Finding]:
    """All findings for one return: money first, then indicators in order, then repeated
    reasons. Errors block submission; warnings and information are shown."""
    findings = _check_money(data)
    missed = []
    for line in data.indicators:
        line_findings, evaluation = _check_indicator(line)
        findings.extend(line_findings)
        if evaluation is not None and evaluation.met is False:
            missed.append(line)
    findings.extend(_check_repeated_reasons(missed))
    return findings


def _check_money(data: ReturnData) -> list[Finding]:
    """Each source's spending against that source's budget: negative spending, spending above
    what was allocated (or above the stated budget), spending of money that never arrived,
    and a region's own money spent without a stated budget. All errors."""
    findings = []
    for line in data.money:
        source = line.label or line.source
        budget, spent = _to_decimal(line.budget, "预算数"), _to_decimal(line.spent, "执行数")
        if spent is None:
            continue
        if spent < 0:
            findings.append(
                Finding(
                    ERROR,
                    "negative_spending",
                    f"{source}执行数为负数（{_money(spent)}万元），请核实。",
                    line.key,
                )
            )
            continue
        if line.allocated and not budget:
            if spent > 0:
                findings.append(
                    Finding(
                        ERROR,
                        "spent_without_allocation",
                        f"未获分配{source}，却填报了{source}执行数{_money(spent)}万元。",
                        line.key,
                    )
                )
        elif line.allocated and spent > budget:
            findings.append(
                Finding(
                    ERROR,
                    "spent_over_allocation",
                    f"{source}执行数{_money(spent)}万元超过下达资金{_money(budget)}万元。",
                    line.key,
                )
            )
        elif not line.allocated and budget is None:
            if spent > 0:
                findings.append(
                    Finding(
                        ERROR,
                        "budget_missing",
                        f"填报了{source}执行数{_money(spent)}万元，请填写{source}全年预算数。",
                        line.key,
                    )
                )
        elif not line.allocated and spent > budget:
            findings.append(
                Finding(
                    ERROR,
                    "spent_over_budget",
                    f"{source}执行数{_money(spent)}万元超过预算数{_money(budget)}万元。",
                    line.key,
                )
            )
    return findings


def _check_indicator(line: IndicatorLine) -> tuple[list[Finding], Evaluation | None]:
    """Findings for one indicator line, and its evaluation when it could be made."""
    name = line.name
    findings = _check_parent_target(line)
    if _blank(line.actual_text):
        findings.append(Finding(ERROR, "actual_blank", f"指标“{name}”未填写全年实际完成值。", line.key))
        return findings, None
    try:
        target = parse_target(line.target_text)
    except TargetParseError as exc:
        findings.append(Finding(ERROR, "target_unreadable", f"指标“{name}”：{exc}", line.key))
        return findings, None
    try:
        actual = parse_actual(line.actual_text, target, denominator=line.denominator)
    except UnitMismatchError as exc:
        findings.append(Finding(ERROR, "unit_mismatch", f"指标“{name}”：{exc}", line.key))
        return findings, None
    except TargetParseError as exc:
        findings.append(Finding(ERROR, "actual_unreadable", f"指标“{name}”：{exc}", line.key))
        return findings, None

    evaluation = evaluate(target, actual, judged_met=line.judged_met, previous=line.previous_text)
    findings.extend(_explanation_findings(line, evaluation))
    findings.extend(_plausibility_findings(line, target, actual))
    return findings, evaluation


PLAUSIBLE_TIMES_TARGET = 10


def _plausibility_findings(line: IndicatorLine, target, actual) -> list[Finding]:
    """Warnings for an actual that looks mistyped (960% for 96%): outside the indicator's
    合理范围 where it has one; without an upper bound, a rate above 100% or an actual ten
    times the target. Warnings, not errors: a real figure can be surprising, so the clerk
    acknowledges it on submit."""
    if target.is_qualitative or actual.is_qualitative or actual.value is None:
        return []
    name, unit = line.name, actual.unit

    def shown() -> str:  # only for a line that has a finding: most lines have none
        return format_value(quantize_rate(actual.value), unit)

    low, high = (
        _to_decimal(line.plausible_min, "合理范围下限"),
        _to_decimal(line.plausible_max, "合理范围上限"),
    )
    findings = []
    if low is not None and actual.value < low:
        findings.append(
            Finding(
                WARNING,
                "below_plausible_range",
                f"指标“{name}”的实际完成值{shown()}低于合理范围下限{format_value(low, unit)}，请核实。",
                line.key,
            )
        )
    if high is not None:
        if actual.value > high:
            findings.append(
                Finding(
                    WARNING,
                    "above_plausible_range",
                    f"指标“{name}”的实际完成值{shown()}高于合理范围上限{format_value(high, unit)}，请核实。",
                    line.key,
                )
            )
    elif unit == "%" and actual.value > HUNDRED:
        findings.append(
            Finding(
                WARNING,
                "share_above_100",
                f"指标“{name}”的实际完成值{shown()}超过100%，比例一般不超过100%，请核实是否填错。",
                line.key,
            )
        )
    elif target.value and actual.value >= target.value * PLAUSIBLE_TIMES_TARGET:
        findings.append(
            Finding(
                WARNING,
                "ten_times_target",
                f"指标“{name}”的实际完成值{shown()}达到指标值{target.display}的{PLAUSIBLE_TIMES_TARGET}倍以上，"
                "请核实是否填错。",
                line.key,
            )
        )
    return findings


def _explanation_findings(line: IndicatorLine, evaluation: Evaluation) -> list[Finding]:
    name, findings = line.name, []
    rate = evaluation.completion_rate
    rate_text = f"（完成率{format_number(rate)}%）" if rate is not None else ""
    if evaluation.met is False:
        if _blank(line.reason):
            findings.append(
                Finding(
                    ERROR,
                    "missing_reason",
                    f"指标“{name}”未完成{rate_text}，请填写未完成原因。",
                    line.key,
                )
            )
        if _blank(line.measure):
            findings.append(
                Finding(
                    ERROR,
                    "missing_measure",
                    f"指标“{name}”未完成{rate_text}，请填写改进措施。",
                    line.key,
                )
            )
    if evaluation.over_achieved and _blank(line.reason):
        findings.append(
            Finding(
                ERROR,
                "missing_overachievement_explanation",
                f"指标“{name}”完成率{format_number(rate)}%，超出目标30%及以上，请填写超额完成原因。",
                line.key,
            )
        )
    if evaluation.met is None:
        findings.append(
            Finding(
                INFO,
                "needs_judgement",
                f"指标“{name}”的实际完成值“{evaluation.actual.text}”未表明是否达到"
                f"“{evaluation.target.text}”，请审核人员认定。",
                line.key,
            )
        )
    return findings


def _check_parent_target(line: IndicatorLine) -> list[Finding]:
    parent = line.parent_target_text
    if parent is None or _blank(parent):
        return []
    if _same_target(line.target_text, parent):
        return []
    return [
        Finding(
            INFO,
            "target_differs_from_parent",
            f"指标“{line.name}”的指标值“{line.target_text}”与上级下达的“{parent}”不同。",
            line.key,
        )
    ]


@lru_cache(maxsize=8192)
def _same_target(text, parent) -> bool:
    """Whether a target says what its parent's does. Cached: every county of a prefecture
    compares the same few pairs of texts."""
    try:
        return parse_target(text).same_as(parse_target(parent))
    except TargetParseError:
        return _wording(text) == _wording(parent)


def _check_repeated_reasons(missed: list[IndicatorLine]) -> list[Finding]:
    """One warning per reason text pasted under 3 or more missed indicators (spaces and
    punctuation ignored), pointing at the first of them and naming all."""
    by_reason: dict[str, list[IndicatorLine]] = defaultdict(list)
    for line in missed:
        if not _blank(line.reason):
            by_reason[_wording(line.reason)].append(line)
    findings = []
    for lines in by_reason.values():
        if len(lines) >= REPEATED_REASON_THRESHOLD:
            names = "、".join(f"“{line.name}”" for line in lines)
            findings.append(
                Finding(
                    WARNING,
                    "repeated_reason",
                    f"{len(lines)}个未完成指标填写了相同的未完成原因（{names}），请针对各指标分别说明。",
                    lines[0].key,
                )
            )
    return findings


def check_fund(returns: list[ReturnData], allocations_by_region: dict, *, check=None) -> list[Finding]:
    """Check every return of a fund: each return's own findings, prefixed with its region's
    name; two returns for one region (error); a region with money but no return (warning).

    ``allocations_by_region`` maps a region name (``ReturnData.region_name``) to the money
    allocated to it; each return's money lines carry their own budgets already. ``check`` is
    what finds one return's problems: ``check_return`` at year end, the monitoring checks
    (``rules.check_monitoring`` with the fund's cut-off month) mid-year.
    """
    check = check or check_return
    findings = []
    seen = Counter()
    for data in returns:
        seen[data.region_name] += 1
        if seen[data.region_name] == 2:
            findings.append(
                Finding(ERROR, "duplicate_return", f"{data.region_name}：同一地区有多份填报。", data.key)
            )
        for finding in check(data):
            findings.append(replace(finding, message=f"{data.region_name}：{finding.message}"))
    for region, amount in allocations_by_region.items():
        if region not in seen and _to_decimal(amount, "分配金额"):
            findings.append(
                Finding(
                    WARNING,
                    "missing_return",
                    f"{region}获分配{_money(amount)}万元，尚无填报。",
                    region,
                )
            )
    return findings
