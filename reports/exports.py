"""Everything about one fund as one workbook, for the region a person works in and below it.

Sheets: 概况 (the fund and the region's budget), 分地区预算 (the region and each region below
it), 资金分配 (every allocation entering or inside the region's subtree, with its notice),
绩效目标表 (every table in the subtree, one row per indicator) and 年度总体目标, 自评填报,
资金执行, 指标完成情况 (actuals with 完成率 and 偏差率 computed by the rules engine, reasons,
measures), 资金管理情况 (the seven narratives) and 审计记录. Nothing outside the person's
region is read: every query starts from subtree_q of that region.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook

from evalportal.models import AuditEvent, User
from indicators import rules
from indicators.ledger import FundLedger
from indicators.models import (
    IndicatorActual,
    IndicatorTarget,
    Period,
    Return,
    ReturnNarrative,
    TargetTable,
)
from indicators.selectors import previous_actuals_of
from reports.imports.templates_xlsx import WRAP, header, put, title, to_bytes
from transfers.models import Allocation, Fund, Region
from transfers.selectors import subtree_q


def fund_export(*, fund: Fund, region: Region, user: User | None = None) -> bytes:
    """The workbook of ``fund`` as seen from ``region`` (the caller has checked access)."""
    wb = Workbook()
    ledger = FundLedger(fund, region, Period.YEAR_END)
    _overview(wb.active, fund, region, user, ledger)
    _budgets(wb.create_sheet("分地区预算"), ledger)
    _allocations(wb.create_sheet("资金分配"), fund, region)
    _targets(wb.create_sheet("绩效目标表"), wb.create_sheet("年度总体目标"), fund, region)
    returns = list(
        Return.objects.filter(subtree_q(region, "region__"), fund=fund)
        .select_related("fund", "region", "project")
        .prefetch_related("funding")
        .order_by("region__level", "region__order", "region__code", "period")
    )
    _returns(wb.create_sheet("自评填报"), returns)
    _funding(wb.create_sheet("资金执行"), returns, ledger)
    _actuals(wb.create_sheet("指标完成情况"), returns)
    _narratives(wb.create_sheet("资金管理情况"), returns)
    _audit(wb.create_sheet("审计记录"), fund, region)
    return to_bytes(wb)


def _overview(ws, fund: Fund, region: Region, user, ledger: FundLedger) -> None:
    ws.title = "概况"
    title(ws, f"{fund.year}年{fund.full_name}（{region.name}）", 2)
    budget = ledger.account().received.as_dict()
    rows = [
        ("资金名称", fund.full_name),
        ("年度", fund.year),
        ("资金代码", fund.code),
        ("中央主管部门", fund.central_department),
        ("省级财政部门", fund.finance_department),
        ("省级主管部门", fund.line_department),
        ("导出范围", f"{region.name}及所辖地区"),
        ("提前下达（万元）", budget["advance"]),
        ("本次下达（万元）", budget["batch"]),
        ("全年合计（万元）", budget["total"]),
        ("导出人", str(user) if user else ""),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for row, (label, value) in enumerate(rows, start=3):
        put(ws, row, 1, label, bold=True)
        put(ws, row, 2, value, money="万元" in label)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 70


BASIS_LABELS = {"own": "本级已审核填报", "rolled_up": "下级已审核填报汇总", "none": "尚无已审核填报"}


def _budgets(ws, ledger: FundLedger) -> None:
    """The region and each region or project directly below it: what was allocated, and the
    year's money by the ledger's rule (the board's and the documents' figures)."""
    labels = [
        "地区/单位",
        "代码",
        "提前下达（万元）",
        "本次下达（万元）",
        "下达合计（万元）",
        "全年预算数（万元）",
        "全年执行数（万元）",
        "预算执行率（%）",
        "执行数来源",
    ]
    header(ws, 1, labels, widths=[34, 12, 16, 16, 16, 16, 16, 14, 22])
    accounts = [ledger.account(), *ledger.taking_part()]
    for row, account in enumerate(accounts, start=2):
        node, total, is_root = account.node, account.total, account is accounts[0]
        values = [
            f"{node.name}（合计）" if is_root else node.name,
            node.region.code,
            account.received.advance,
            account.received.batch,
            account.received.total,
            total.budget,
            total.spent,
            total.rate,
            BASIS_LABELS[account.basis],
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value, money=3 <= col <= 7, bold=is_root)


def _allocations(ws, fund: Fund, region: Region) -> None:
    labels = [
        "序号",
        "文号",
        "文件标题",
        "下达方",
        "地州市",
        "接收地区/单位/项目",
        "代码",
        "下达方式",
        "资金来源",
        "金额（万元）",
    ]
    header(ws, 1, labels, widths=[6, 22, 50, 18, 16, 32, 12, 10, 14, 16])
    inside = (
        subtree_q(region, "region__")
        | subtree_q(region, "project__region__")
        | subtree_q(region, "from_region__")
    )
    allocations = (
        Allocation.objects.filter(inside, fund=fund)
        .select_related("notice", "from_region", "region__parent", "project__region__parent")
        .order_by("order", "pk")
    )
    for row, allocation in enumerate(allocations, start=2):
        recipient_region = allocation.region or allocation.project.region
        prefecture = (
            recipient_region if recipient_region.level <= Region.Level.PREFECTURE else recipient_region.parent
        )
        values = [
            row - 1,
            allocation.notice.number,
            allocation.notice.title,
            allocation.from_region.name if allocation.from_region_id else "中央",
            prefecture.display_name if prefecture.level == Region.Level.PREFECTURE else "",
            str(allocation.recipient),
            recipient_region.code,
            allocation.get_kind_display(),
            allocation.get_source_display(),
            allocation.amount,
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value, money=col == 10)


def _targets(ws, goals_ws, fund: Fund, region: Region) -> None:
    labels = ["地区/项目", "代码", "序号", "一级指标", "二级指标", "三级指标", "指标值", "上级指标值", "分值"]
    header(ws, 1, labels, widths=[24, 12, 6, 12, 16, 50, 16, 16, 8])
    tables = TargetTable.objects.filter(
        Q(subtree_q(region, "region__")) | Q(subtree_q(region, "project__region__")), fund=fund
    )
    indicators = (
        IndicatorTarget.objects.filter(table__in=tables)
        .select_related("table__region", "table__project__region", "parent_indicator")
        .order_by("table__region__level", "table__region__order", "table__region__code", "table__pk", "order")
    )
    for row, indicator in enumerate(indicators, start=2):
        owner = indicator.table.owner
        code = (indicator.table.region or indicator.table.project.region).code
        values = [
            str(owner),
            code,
            indicator.order,
            indicator.level1,
            indicator.level2,
            indicator.name,
            indicator.target_text,
            indicator.parent_indicator.target_text if indicator.parent_indicator_id else "",
            indicator.weight,
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)

    header(goals_ws, 1, ["地区/项目", "年度总体目标"], widths=[24, 100])
    for row, table in enumerate(
        tables.select_related("region", "project").order_by("region__level", "region__code"), 2
    ):
        put(goals_ws, row, 1, str(table.owner))
        put(goals_ws, row, 2, table.overall_goals).alignment = WRAP


def _returns(ws, returns: list[Return]) -> None:
    labels = ["填报编号", "地区/单位", "项目", "填报期", "状态", "版本", "更新时间", "总体目标完成情况"]
    header(ws, 1, labels, widths=[10, 24, 24, 14, 10, 6, 18, 80])
    for row, ret in enumerate(returns, start=2):
        values = [
            ret.pk,
            ret.region.name,
            ret.project.name if ret.project_id else "",
            ret.get_period_display(),
            ret.get_status_display(),
            ret.version,
            timezone.localtime(ret.updated_at).strftime("%Y-%m-%d %H:%M"),
            ret.goal_achievement,
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)


def _funding(ws, returns: list[Return], ledger: FundLedger) -> None:
    labels = [
        "填报编号",
        "地区/单位",
        "填报期",
        "资金来源",
        "预算数依据",
        "全年预算数（万元）",
        "全年执行数（万元）",
        "预算执行率（%）",
    ]
    header(ws, 1, labels, widths=[10, 24, 14, 16, 12, 18, 18, 16])
    row = 2
    for ret in returns:
        money = ledger.return_money(ret)  # budgets by the same rule, whatever the period
        for line in [*money, money.total]:
            basis = "下达" if line.allocated else ("本级填写" if line.stated else "")
            values = [
                ret.pk,
                ledger.node_for(ret).name,
                ret.get_period_display(),
                line.label,
                basis,
                line.budget,
                line.spent,
                line.rate,
            ]
            for col, value in enumerate(values, start=1):
                put(ws, row, col, value, money=col in (6, 7), bold=line.source == "total")
            row += 1


def _actuals(ws, returns: list[Return]) -> None:
    labels = [
        "填报编号",
        "地区/单位",
        "填报期",
        "序号",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "全年实际完成值",
        "完成率（%）",
        "偏差率（%）",
        "未完成原因",
        "改进措施",
        "分母",
        "审核认定",
        "说明",
    ]
    header(ws, 1, labels, widths=[10, 20, 14, 6, 12, 16, 44, 14, 16, 12, 12, 40, 40, 10, 10, 30])
    actuals = (
        IndicatorActual.objects.filter(ret__in=[r.pk for r in returns])
        .select_related("ret__region", "indicator")
        .order_by(
            "ret__region__level",
            "ret__region__order",
            "ret__region__code",
            "ret__pk",
            "indicator__order",
        )
    )
    previous = previous_actuals_of(returns, fund=returns[0].fund if returns else None)
    for row, actual in enumerate(actuals, start=2):
        evaluation = (
            # as the return's own page evaluates it: the reviewer's judgement, last year's value
            rules.evaluate(
                actual.indicator.target_text,
                actual.actual_text,
                judged_met=actual.judged_met,
                previous=previous.get(actual.ret_id, {}).get(actual.indicator.name),
            )
            if actual.actual_text
            else None
        )
        judged = {True: "已完成", False: "未完成"}.get(actual.judged_met, "")
        values = [
            actual.ret_id,
            actual.ret.region.name,
            actual.ret.get_period_display(),
            actual.indicator.order,
            actual.indicator.level1,
            actual.indicator.level2,
            actual.indicator.name,
            actual.indicator.target_text,
            actual.actual_text,
            evaluation.completion_rate if evaluation else None,
            evaluation.deviation_rate if evaluation else None,
            actual.reason,
            actual.measure,
            actual.denominator,
            judged,
            evaluation.error if evaluation and evaluation.error else "",
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)


def _narratives(ws, returns: list[Return]) -> None:
    header(
        ws,
        1,
        ["填报编号", "地区/单位", "填报期", "方面", "情况说明", "存在问题和改进措施"],
        widths=[10, 20, 14, 18, 60, 60],
    )
    narratives = ReturnNarrative.objects.filter(ret__in=[r.pk for r in returns]).select_related("ret__region")
    row = 2
    for narrative in sorted(narratives, key=lambda n: (n.ret_id, n.pk)):
        if not narrative.description and not narrative.problems:
            continue
        values = [
            narrative.ret_id,
            narrative.ret.region.name,
            narrative.ret.get_period_display(),
            narrative.get_aspect_display(),
            narrative.description,
            narrative.problems,
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value).alignment = WRAP
        row += 1


def _audit(ws, fund: Fund, region: Region) -> None:
    labels = ["时间", "操作人", "操作", "对象类型", "对象编号", "地区", "摘要", "意见/说明", "变更内容"]
    header(ws, 1, labels, widths=[18, 18, 10, 22, 10, 18, 50, 40, 80])
    scope = subtree_q(region, "region__")
    if region.parent_id is None:
        scope |= Q(region__isnull=True)  # events of the whole fund belong to the province
    events = (
        AuditEvent.objects.filter(scope, fund=fund)
        .select_related("actor", "region")
        .order_by("created_at", "pk")
    )
    for row, event in enumerate(events, start=2):
        values = [
            timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            str(event.actor) if event.actor_id else "系统",
            event.get_action_display(),
            event.object_type,
            event.object_id,
            event.region.name if event.region_id else "",
            event.summary,
            event.comment,
            json.dumps(event.changes, ensure_ascii=False) if event.changes else "",
        ]
        for col, value in enumerate(values, start=1):
            put(ws, row, col, value)
