"""Everything about one fund as one workbook, for the region a person works in and below it.

The layout is docs/fund-workbook.md (its columns: ``reports.imports.fund_layout``): 资金, 分地区预算,
文件, 资金分配, 项目, 目标表, 绩效指标, 自评填报, 资金执行, 指标完成情况, 资金管理情况, 佐证材料 (a list,
never read back), 审计记录. The province's workbook is the whole fund and imports again
(``reports.imports.fund``); every sheet but the audit trail and the list of 佐证材料 (whose files
do not travel with it) comes out the same after a round trip, so nothing here may depend on a
database key or on the time. Nothing outside the person's region is read: every query starts
from subtree_q of that region.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook

from evalportal.models import AuditEvent, User
from indicators import rules
from indicators.evidence import size_text
from indicators.ledger import FundLedger
from indicators.models import (
    Aspect,
    Attachment,
    IndicatorActual,
    IndicatorTarget,
    Period,
    Return,
    ReturnNarrative,
    TargetTable,
)
from indicators.selectors import previous_actuals_of
from reports.imports import fund_layout as layout
from reports.imports.templates_xlsx import WRAP, header, put, to_bytes
from transfers.models import Allocation, Fund, Notice, Project, Region
from transfers.selectors import subtree_q


def fund_export(*, fund: Fund, region: Region, user: User | None = None) -> bytes:
    """The workbook of ``fund`` as seen from ``region`` (the caller has checked access)."""
    wb = Workbook()
    ledger = FundLedger(fund, region, Period.YEAR_END)
    _fund(wb.active, fund, region)
    _budgets(wb.create_sheet(layout.SHEET_BUDGETS), ledger)
    allocations = _allocations_in(fund, region)
    _notices(wb.create_sheet(layout.SHEET_NOTICES), allocations)
    _allocations(wb.create_sheet(layout.SHEET_ALLOCATIONS), allocations)
    _projects(wb.create_sheet(layout.SHEET_PROJECTS), fund, region)
    _targets(wb.create_sheet(layout.SHEET_TABLES), wb.create_sheet(layout.SHEET_INDICATORS), fund, region)
    returns = sorted(
        Return.objects.filter(subtree_q(region, "region__"), fund=fund)
        .select_related("fund", "region", "project")
        .prefetch_related("funding"),
        key=_return_key,
    )
    _returns(wb.create_sheet(layout.SHEET_RETURNS), returns)
    _funding(wb.create_sheet(layout.SHEET_FUNDING), returns, ledger)
    _actuals(wb.create_sheet(layout.SHEET_ACTUALS), returns)
    _narratives(wb.create_sheet(layout.SHEET_NARRATIVES), returns)
    _evidence(wb.create_sheet(layout.SHEET_EVIDENCE), returns)
    _audit(wb.create_sheet(layout.SHEET_AUDIT), fund, region, user)
    return to_bytes(wb)


def _header(ws, columns: list[layout.Col]) -> None:
    header(ws, 1, [c.label for c in columns], widths=[c.width for c in columns])


def _row(ws, row: int, values: list, *, money: set[int] = frozenset(), bold: bool = False, wrap=False):
    for col, value in enumerate(values, start=1):
        cell = put(ws, row, col, value, money=col in money, bold=bold)
        if wrap:
            cell.alignment = WRAP


def _owner(region: Region, project: Project | None) -> list:
    return [region.code, region.name, project.name if project else ""]


def _return_key(ret: Return) -> tuple:
    return (
        *layout.owner_key(ret.region, ret.project.name if ret.project_id else ""),
        layout.period_key(ret.period),
    )


def _return_cells(ret: Return) -> list:
    return [*_owner(ret.region, ret.project), ret.get_period_display()]


def _fund(ws, fund: Fund, region: Region) -> None:
    ws.title = layout.SHEET_FUND
    _header(ws, layout.FUND_HEADER)
    values = {
        "code": fund.code,
        "name": fund.name,
        "direction": fund.direction,
        "batch": fund.batch,
        "year": fund.year,
        "province": fund.region.code,
        "province_name": fund.region.name,
        "central_department": fund.central_department,
        "finance_department": fund.finance_department,
        "line_department": fund.line_department,
        "scope": region.code,
        "scope_name": f"{region.name}及所辖地区",
    }
    for row, (key, label) in enumerate(layout.FUND_FIELDS.items(), start=2):
        put(ws, row, 1, label, bold=True)
        put(ws, row, 2, values[key])


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
            layout.BASIS_LABELS[account.basis],
        ]
        _row(ws, row, values, money={3, 4, 5, 6, 7}, bold=is_root)


def _allocations_in(fund: Fund, region: Region) -> list[Allocation]:
    """Every allocation entering or inside the region's subtree, in the order of the tables."""
    inside = (
        subtree_q(region, "region__")
        | subtree_q(region, "project__region__")
        | subtree_q(region, "from_region__")
    )
    return list(
        Allocation.objects.filter(inside, fund=fund)
        .select_related("notice", "from_region", "region", "project__region")
        .order_by("order", "pk")
    )


def notice_key(notice: Notice) -> tuple:
    """How the workbook names a notice: its 文号, or its title when it has none."""
    return (notice.number, "" if notice.number else notice.title)


def _notices(ws, allocations: list[Allocation]) -> None:
    _header(ws, layout.NOTICE_COLUMNS)
    notices = {notice_key(a.notice): a.notice for a in allocations}.values()
    ordered = sorted(notices, key=lambda n: (n.issued_on is None, n.issued_on or 0, n.number, n.title))
    for row, notice in enumerate(ordered, start=2):
        _row(ws, row, [notice.number, notice.title, notice.issuer, notice.issued_text, notice.note])


def _allocations(ws, allocations: list[Allocation]) -> None:
    _header(ws, layout.ALLOCATION_COLUMNS)
    for row, allocation in enumerate(allocations, start=2):
        recipient = allocation.region or allocation.project.region
        giver = allocation.from_region
        values = [
            allocation.order,
            allocation.notice.number,
            allocation.notice.title,
            giver.code if giver else "",
            giver.name if giver else layout.CENTRE,
            recipient.code,
            recipient.name,
            allocation.project.name if allocation.project_id else "",
            allocation.get_kind_display(),
            allocation.get_source_display(),
            allocation.amount,
        ]
        _row(ws, row, values, money={11})


def _projects(ws, fund: Fund, region: Region) -> None:
    _header(ws, layout.PROJECT_COLUMNS)
    projects = Project.objects.filter(subtree_q(region, "region__"), fund=fund).select_related("region")
    for row, project in enumerate(sorted(projects, key=layout.project_key), 2):
        values = [
            project.name,
            project.region.code,
            project.region.name,
            project.order,
            project.summary,
            project.total_estimate,
        ]
        _row(ws, row, values, money={6}, wrap=True)


def _table_owner(table: TargetTable) -> tuple[Region, Project | None]:
    return (table.region, None) if table.region_id else (table.project.region, table.project)


def _table_key(table: TargetTable) -> tuple:
    """By owner; at the province the central table before the province's own."""
    region, project = _table_owner(table)
    return (*layout.owner_key(region, project.name if project else ""), not table.is_central)


def _central_mark(table: TargetTable | None) -> str:
    return layout.CENTRAL_MARK if table is not None and table.is_central else ""


def _targets(ws, indicators_ws, fund: Fund, region: Region) -> None:
    _header(ws, layout.TABLE_COLUMNS)
    tables = sorted(
        TargetTable.objects.filter(
            Q(subtree_q(region, "region__")) | Q(subtree_q(region, "project__region__")), fund=fund
        ).select_related("region", "project__region", "parent__region", "parent__project__region"),
        key=_table_key,
    )
    for row, table in enumerate(tables, start=2):
        parent_region, parent_project = _table_owner(table.parent) if table.parent_id else (None, None)
        values = [
            *_owner(*_table_owner(table)),
            _central_mark(table),
            parent_region.code if parent_region else "",
            parent_project.name if parent_project else "",
            _central_mark(table.parent),
            table.overall_goals,
            layout.weights_text(table.level_weights or {}),
        ]
        _row(ws, row, values, wrap=True)

    _header(indicators_ws, layout.INDICATOR_COLUMNS)
    indicators = IndicatorTarget.objects.filter(table__in=[t.pk for t in tables]).select_related(
        "parent_indicator"
    )
    by_table: dict[int, list[IndicatorTarget]] = {}
    for indicator in indicators:
        by_table.setdefault(indicator.table_id, []).append(indicator)
    row = 2
    for table in tables:
        owner = [*_owner(*_table_owner(table)), _central_mark(table)]
        for indicator in sorted(by_table.get(table.pk, []), key=lambda i: i.order):
            parent = indicator.parent_indicator
            values = [
                *owner,
                indicator.order,
                indicator.level1,
                indicator.level2,
                indicator.name,
                indicator.target_text,
                parent.name if parent else "",
                parent.target_text if parent else "",
                indicator.weight,
                indicator.get_rollup_rule_display() if indicator.rollup_rule else "",
            ]
            _row(indicators_ws, row, values)
            row += 1


def _returns(ws, returns: list[Return]) -> None:
    _header(ws, layout.RETURN_COLUMNS)
    for row, ret in enumerate(returns, start=2):
        _row(ws, row, [*_return_cells(ret), ret.get_status_display(), ret.goal_achievement])


def _funding(ws, returns: list[Return], ledger: FundLedger) -> None:
    _header(ws, layout.FUNDING_COLUMNS)
    row = 2
    for ret in returns:
        money = ledger.return_money(ret)  # budgets by the same rule, whatever the period
        for line in [*money, money.total]:
            basis = "下达" if line.allocated else ("本级填写" if line.stated else "")
            values = [*_return_cells(ret), line.label, basis, line.budget, line.spent, line.rate]
            _row(ws, row, values, money={7, 8}, bold=line.source == "total")
            row += 1


def _actuals(ws, returns: list[Return]) -> None:
    _header(ws, layout.ACTUAL_COLUMNS)
    actuals: dict[int, list[IndicatorActual]] = {}
    for actual in IndicatorActual.objects.filter(ret__in=[r.pk for r in returns]).select_related("indicator"):
        actuals.setdefault(actual.ret_id, []).append(actual)
    previous = previous_actuals_of(returns, fund=returns[0].fund if returns else None)
    row = 2
    for ret in returns:
        for actual in sorted(actuals.get(ret.pk, []), key=lambda a: (a.indicator.order, a.indicator.name)):
            indicator = actual.indicator
            evaluation = (
                # as the return's own page evaluates it: the reviewer's judgement, last year's value
                rules.evaluate(
                    indicator.target_text,
                    actual.actual_text,
                    judged_met=actual.judged_met,
                    previous=previous.get(ret.pk, {}).get(indicator.name),
                    denominator=actual.denominator,
                )
                if actual.actual_text
                else None
            )
            values = [
                *_return_cells(ret),
                indicator.order,
                indicator.level1,
                indicator.level2,
                indicator.name,
                indicator.target_text,
                actual.actual_text,
                evaluation.completion_rate if evaluation else None,
                evaluation.deviation_rate if evaluation else None,
                actual.reason,
                actual.measure,
                actual.denominator,
                layout.JUDGED_LABELS.get(actual.judged_met, ""),
                actual.band,
                actual.override_note,
                evaluation.error if evaluation and evaluation.error else "",
            ]
            _row(ws, row, values)
            row += 1


def _narratives(ws, returns: list[Return]) -> None:
    """The narratives written so far (an aspect left blank has no row)."""
    _header(ws, layout.NARRATIVE_COLUMNS)
    narratives: dict[int, dict[str, ReturnNarrative]] = {}
    for narrative in ReturnNarrative.objects.filter(ret__in=[r.pk for r in returns]):
        narratives.setdefault(narrative.ret_id, {})[narrative.aspect] = narrative
    row = 2
    for ret in returns:
        for aspect in Aspect:
            narrative = narratives.get(ret.pk, {}).get(aspect.value)
            if narrative is None or not (narrative.description or narrative.problems):
                continue
            values = [*_return_cells(ret), aspect.label, narrative.description, narrative.problems]
            _row(ws, row, values, wrap=True)
            row += 1


def _evidence(ws, returns: list[Return]) -> None:
    """The 佐证材料 of the returns in scope, by return, line and upload time (the files stay in
    the portal; the list says what a return rests on and who put it there)."""
    _header(ws, layout.EVIDENCE_COLUMNS)
    by_return = {ret.pk: ret for ret in returns}
    attachments = sorted(
        Attachment.objects.filter(ret__in=list(by_return)).select_related("actual__indicator", "uploaded_by"),
        key=lambda a: (
            _return_key(by_return[a.ret_id]),
            a.actual.indicator.order if a.actual_id else -1,
            a.uploaded_at,
            a.original_name,
        ),
    )
    for row, attachment in enumerate(attachments, start=2):
        ret = by_return[attachment.ret_id]
        values = [
            *_owner(ret.region, ret.project),
            ret.get_period_display(),
            attachment.actual.indicator.name if attachment.actual_id else "（整份填报）",
            attachment.original_name,
            size_text(attachment.size),
            str(attachment.uploaded_by),
            timezone.localtime(attachment.uploaded_at).strftime("%Y-%m-%d %H:%M"),
        ]
        _row(ws, row, values)


def _audit(ws, fund: Fund, region: Region, user: User | None) -> None:
    """The audit trail of the region's part of the fund, under a line saying who exported it
    and when (kept here: the other sheets are the fund itself and stay the same)."""
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    put(
        ws,
        1,
        1,
        f"导出人：{user or '系统'}　导出时间：{stamp}　范围：{region.name}及所辖地区（本表只供查阅，导入时不读取）",
    )
    header(ws, 2, layout.AUDIT_COLUMNS, widths=[18, 18, 10, 22, 10, 18, 50, 40, 80])
    scope = subtree_q(region, "region__")
    if region.parent_id is None:
        scope |= Q(region__isnull=True)  # events of the whole fund belong to the province
    events = (
        AuditEvent.objects.filter(scope, fund=fund)
        .select_related("actor", "region")
        .order_by("created_at", "pk")
    )
    for row, event in enumerate(events, start=3):
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
        _row(ws, row, values)
