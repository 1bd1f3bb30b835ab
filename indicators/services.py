"""Every change to target tables and returns: one function each, in a transaction, audited.

The workflow of a return: 填报中 (draft) → 已提交 (submitted) → 已审核 (approved), or back to
已退回 (returned) with a reason; an approved return is reopened only by the province
administrator, with a reason. The people: the return's own region edits it; the region directly
above reviews it; read-only accounts change nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from evalportal.models import AuditEvent, User
from indicators import evidence, rules
from indicators.checks import errors_of, open_items_of, return_findings, warnings_of
from indicators.edits import MONITORING_ACTUAL_FIELDS, MONITORING_LABELS, return_edits, shown
from indicators.formats import chinese_date
from indicators.models import (
    ApprovalException,
    Aspect,
    Attachment,
    DeadlineUnlock,
    IndicatorActual,
    IndicatorTarget,
    Notification,
    Period,
    Return,
    ReturnComment,
    ReturnFunding,
    ReturnNarrative,
    TargetTable,
)
from indicators.notifications import notify_return_event
from indicators.permissions import (
    EDITABLE,
    may_attach,
    may_edit_return,
    may_record_approval_exception,
    may_reopen_return,
    may_review_return,
    may_set_monitoring_plan,
    may_submit_return,
    may_unlock_return,
)
from indicators.rollups import return_rollup
from indicators.selectors import (
    budget_holders,
    midyear_returns_sent,
    missing_below,
    monitoring_plan,
    nearest_table_above,
    own_return_under_review,
    passed_down_table,
    region_table,
    return_table,
    returns_of_holders,
    table_above,
    with_lock,
)
from transfers.budgets import FundBudgets
from transfers.models import ALLOCATED_SOURCES, Allocation, Fund, MoneySource, Notice, Project, Region
from transfers.services import AuditNote, allocation_remove, allocation_save, fund_save, project_change


class WorkflowError(Exception):
    """A step that is not allowed now; the message says why, in Chinese."""


class StaleReturnError(WorkflowError):
    """Someone saved the return after this person opened it."""


class ChecksFailed(WorkflowError):
    def __init__(self, findings):
        self.findings = findings
        super().__init__(f"有{len(errors_of(findings))}处错误需要改正后才能提交。")


class NeedsAcknowledgement(WorkflowError):
    def __init__(self, findings):
        self.findings = findings
        super().__init__("请阅读以下提示，确认无误后勾选“我已阅读提示”再提交。")


def _audit(ret: Return, *, actor, action, summary, comment="", changes=None):
    AuditEvent.objects.record(
        actor=actor,
        action=action,
        obj=ret,
        summary=summary,
        region=ret.region,
        fund=ret.fund,
        comment=comment,
        changes=changes,
    )


def _locked(ret: Return) -> Return:
    """The return, row-locked for this transaction, with its deadline lock (``Return.lock``)."""
    return with_lock(
        Return.objects.select_for_update(of=("self",)).select_related("fund", "region__parent").get(pk=ret.pk)
    )


def _bump(ret: Return, **fields) -> None:
    fields["version"] = F("version") + 1
    Return.objects.filter(pk=ret.pk).update(**fields, updated_at=timezone.now())
    ret.refresh_from_db(fields=["version", "status", "updated_at"])


# --- target tables ----------------------------------------------------------------------------


def target_table_for(*, fund: Fund, region: Region, actor: User | None) -> TargetTable | None:
    """The region's target table; if it has none, a copy of the nearest table above it.

    Targets are passed down: a county starts from its prefecture's table, as domain.md says a
    lower table starts as a copy of its parent's. A region whose money of the fund all goes to
    projects below it gets no copy: the targets went to the projects, each with its own table,
    and the region's return carries its money only.
    """
    own = return_table(fund, region)
    if own is not None:
        return own
    received = FundBudgets.build(fund, region).of_root()
    if received.counted and received.none_but_to_projects:
        return None
    source = nearest_table_above(fund, region)
    if source is None:
        return None
    return target_table_copy(source=source, region=region, actor=actor)


@transaction.atomic
def target_table_copy(*, source: TargetTable, region: Region, actor: User | None) -> TargetTable:
    table = TargetTable.objects.create(
        fund=source.fund,
        region=region,
        parent=source,
        overall_goals=source.overall_goals,
        level_weights=source.level_weights,
    )
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(
            table=table,
            parent_indicator=indicator,
            level1=indicator.level1,
            level2=indicator.level2,
            name=indicator.name,
            target_text=indicator.target_text,
            order=indicator.order,
            weight=indicator.weight,
            rollup_rule=indicator.rollup_rule,
        )
        for indicator in source.indicators.order_by("order")
    )
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=table,
        summary=f"{region.name}的绩效目标表按{source.region or source.project}的目标表生成",
        region=region,
        fund=source.fund,
    )
    return table


# --- returns ----------------------------------------------------------------------------------


@transaction.atomic
def return_open(
    *,
    fund: Fund,
    region: Region,
    period: str = Period.YEAR_END,
    actor: User,
    project: Project | None = None,
) -> Return:
    """The return of a region (or of a project run in it) for the fund and period, created
    with every line it needs: a money line per source, an indicator line per indicator of the
    table that applies to it (a project's own table; a region's own or a copy of the nearest
    above), the seven narratives. A region with regions below starts from their roll-up.

    Two first opens at once (a double click, two clerks) wait for each other on the region's
    row, so the second finds the return the first created instead of failing on the unique
    constraint.
    """
    if project is not None:
        region = project.region
    Region.objects.select_for_update().filter(pk=region.pk).first()
    existing = Return.objects.filter(fund=fund, region=region, period=period, project=project).first()
    if existing is not None:
        return existing
    if project is not None:
        table = TargetTable.objects.filter(fund=fund, project=project).first()
    else:
        table = target_table_for(fund=fund, region=region, actor=actor)
    ret = Return.objects.create(fund=fund, region=region, project=project, period=period)
    # Allocated money's budget is not stored: the ledger reads it from the allocations.
    ReturnFunding.objects.bulk_create(ReturnFunding(ret=ret, source=source) for source in MoneySource.values)
    if table is not None:
        IndicatorActual.objects.bulk_create(
            IndicatorActual(ret=ret, indicator=indicator) for indicator in table.indicators.order_by("order")
        )
    ReturnNarrative.objects.bulk_create(ReturnNarrative(ret=ret, aspect=aspect) for aspect in Aspect.values)
    filled = _fill_from_rollup(ret, only_blank=True) if project is None and region.children.exists() else {}
    _audit(
        ret,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        summary="创建填报" + ("，按下级已审核数据填入" if filled else ""),
        changes=filled,
    )
    return ret


@dataclass
class ReturnInput:
    """What a person typed: per money source, per indicator, per narrative aspect."""

    funding: dict  # source → {"budget": Decimal|None, "spent": Decimal|None}, mid-year also
    # "forecast" and "lag_reason"
    actuals: dict  # indicator id → {"actual_text", "reason", "measure", "denominator",
    # "override_note"}, mid-year also "forecast_text", "deviation_cause", "likelihood"
    narratives: dict  # aspect → {"description", "problems"}
    goal_achievement: str


@transaction.atomic
def returns_note_budget_change(
    *, actor: User | None, fund: Fund, regions, below: Region | None, note: str
) -> int:
    """Write into the history of each open return whose budget just changed (the return's own
    region's money, or money of a region below it) what changed it. Returns under review or
    approved were protected before the change (selectors.returns_under_review)."""
    holders = {pk for chain in budget_holders(regions, below=below).values() for pk in chain}
    returns = Return.objects.filter(fund=fund, project__isnull=True, status__in=EDITABLE).select_related(
        "region", "fund"
    )
    affected = returns_of_holders(returns, holders, below=below)
    for ret in affected:
        _audit(ret, actor=actor, action=AuditEvent.Action.EDIT, summary="资金分配变化", comment=note)
    return len(affected)


@transaction.atomic
def returns_add_indicators(
    *, table: TargetTable, indicators: list[IndicatorTarget], actor: User | None = None
) -> int:
    """Give the open returns that use ``table`` a line for each indicator added to it later,
    and say so in each return's history."""
    if not indicators:
        return 0
    open_returns = list(_returns_using(table).filter(status__in=EDITABLE).select_related("region", "fund"))
    IndicatorActual.objects.bulk_create(
        [IndicatorActual(ret=ret, indicator=indicator) for ret in open_returns for indicator in indicators],
        ignore_conflicts=True,
    )
    names = "、".join(f"“{indicator.name}”" for indicator in indicators)
    for ret in open_returns:
        _audit(
            ret, actor=actor, action=AuditEvent.Action.EDIT, summary=f"目标表新增指标{names}，已加入本填报"
        )
    return len(open_returns) * len(indicators)


def _returns_using(table: TargetTable):
    """The returns that report against ``table``: a project's table belongs to the project (its
    returns name the project's region too); the province's own 全区 table, beside a central
    one, is passed down and used by no return of the province."""
    if table.project_id:
        return Return.objects.filter(fund=table.fund, project=table.project)
    if return_table(table.fund, table.region) != table:
        return Return.objects.none()
    return Return.objects.filter(fund=table.fund, region=table.region, project=None)


TEMP_ORDER = 100_000  # where indicators wait while their orders are rewritten (order is unique)


@dataclass(frozen=True)
class IndicatorWrite:
    """One indicator a target-table import writes: new (``current`` None), changed or removed."""

    action: str  # create / update / delete
    current: IndicatorTarget | None
    level1: str = ""
    level2: str = ""
    name: str = ""
    target_text: str = ""
    order: int = 0
    parent: IndicatorTarget | None = None  # for a new one: the indicator above it was copied from
    note: AuditNote | None = None


def central_table_refusal(fund: Fund) -> str:
    """Why the fund cannot take a central table now ("" if it can): the province's returns
    already report against its own table, and would silently change tables under them."""
    if region_table(fund, fund.region, central=True) is not None:
        return ""
    if Return.objects.filter(fund=fund, region=fund.region, project=None).exists():
        return (
            f"{fund.region.name}已开始填报本资金，填报按本省（区）的目标表计算："
            "中央下达的目标表须在本省（区）填报开始前录入。"
        )
    return ""


def _hang_under_central(central: TargetTable, actor: User | None) -> None:
    """A central table entered after the province's own: the own table now hangs under it,
    each of its indicators under the central one of the same name (the others stay the
    province's additions). Audited on the own table."""
    own = region_table(central.fund, central.region)
    if own is None or own.parent_id is not None:
        return
    own.parent = central
    own.save(update_fields=["parent"])
    by_name = {i.name: i for i in central.indicators.all()}
    linked = []
    for indicator in own.indicators.filter(parent_indicator__isnull=True):
        if indicator.name in by_name:
            indicator.parent_indicator = by_name[indicator.name]
            linked.append(indicator)
    IndicatorTarget.objects.bulk_update(linked, ["parent_indicator"])
    note = AuditNote(f"{own.label}的绩效目标表", changes={"上级目标表": ["", central.label]})
    _audit_note(own, note, actor, AuditEvent.Action.EDIT, own.region, own.fund)


@dataclass(frozen=True)
class StatedMoney:
    """资金情况 as a target table states it, in 万元 (None: the table leaves it blank)."""

    total: Decimal | None = None
    central: Decimal | None = None
    local: Decimal | None = None

    def fields(self) -> dict[str, Decimal | None]:
        return {"stated_total": self.total, "stated_central": self.central, "stated_local": self.local}

    @classmethod
    def of(cls, table: TargetTable) -> StatedMoney:
        return cls(table.stated_total, table.stated_central, table.stated_local)


@transaction.atomic
def target_table_write(
    *,
    actor: User | None,
    fund: Fund,
    region: Region,
    rows: list[IndicatorWrite],
    goals: str | None = None,
    goals_note: AuditNote | None = None,
    table_note: AuditNote | None = None,
    money: StatedMoney | None = None,
    money_note: AuditNote | None = None,
    project: Project | None = None,
    central: bool = False,
) -> TargetTable:
    """Write a region's target table (or that of ``project``, run in ``region``; or, with
    ``central``, the table the centre sent the province) as an import planned it, each change
    audited.

    A region without a table gets one under the table above (a copy passed down: its goals,
    unless ``goals`` are given, and its weights; the province's own under the central table);
    a project's hangs under the table its indicators come from (``project_parent_table``).
    ``goals_note`` says the goals change, ``money_note`` that the 资金情况 the table states
    (``money``) changes. Open returns of the table get a line for each new indicator.
    """
    if central and (project is not None or region.pk != fund.region_id):
        raise ValueError(f"中央下达的目标表只属于{fund.region.name}。")
    if central and (refusal := central_table_refusal(fund)):
        raise ValueError(refusal)
    owner = (
        {"project": project}
        if project is not None
        else {"region": region, "project__isnull": True, "is_central": central}
    )
    table = TargetTable.objects.filter(fund=fund, **owner).first()
    if table is None:
        parent = (
            project_parent_table(project)
            if project is not None
            else table_above(fund, region, central=central)
        )
        table = TargetTable.objects.create(
            fund=fund,
            region=None if project is not None else region,
            project=project,
            is_central=central,
            parent=parent,
            overall_goals=goals if goals is not None else (parent.overall_goals if parent else ""),
            level_weights=parent.level_weights if parent else {},
            **(money.fields() if money else {}),
        )
        note = table_note or AuditNote(summary=f"{table.label}的绩效目标表")
        _audit_note(table, note, actor, AuditEvent.Action.CREATE, region, fund)
    else:
        if goals_note is not None:
            table.overall_goals = goals
            table.save(update_fields=["overall_goals"])
            _audit_note(table, goals_note, actor, AuditEvent.Action.EDIT, region, fund)
        if money is not None and money_note is not None:
            for name, value in money.fields().items():
                setattr(table, name, value)
            table.full_clean(validate_unique=False, validate_constraints=False)
            table.save(update_fields=list(money.fields()))
            _audit_note(table, money_note, actor, AuditEvent.Action.EDIT, region, fund)

    for row in (r for r in rows if r.action == "delete"):
        _audit_note(row.current, row.note, actor, AuditEvent.Action.EDIT, region, fund)
        row.current.delete()
    updates = [r for r in rows if r.action == "update"]
    for row in updates:  # park the moved ones first, then give every row its place
        row.current.order += TEMP_ORDER
    IndicatorTarget.objects.bulk_update([r.current for r in updates], ["order"])
    for row in updates:
        indicator = row.current
        indicator.level1, indicator.level2, indicator.target_text, indicator.order = (
            row.level1,
            row.level2,
            row.target_text,
            row.order,
        )
        indicator.full_clean(exclude=["table", "parent_indicator"], validate_unique=False)
        indicator.save(update_fields=["level1", "level2", "target_text", "order"])
        _audit_note(indicator, row.note, actor, AuditEvent.Action.EDIT, region, fund)
    added = []
    for row in (r for r in rows if r.action == "create"):
        indicator = IndicatorTarget(
            table=table,
            parent_indicator=row.parent,
            level1=row.level1,
            level2=row.level2,
            name=row.name,
            target_text=row.target_text,
            order=row.order,
        )
        indicator.full_clean(exclude=["table", "parent_indicator"], validate_unique=False)
        indicator.save()
        added.append(indicator)
        _audit_note(indicator, row.note, actor, AuditEvent.Action.CREATE, region, fund)
    returns_add_indicators(table=table, indicators=added, actor=actor)
    changed = [r.note.summary for r in rows if r.action in ("update", "delete") and r.note]
    changed += [goals_note.summary] if goals_note else []
    _tell_open_returns(table=table, changed=changed, actor=actor)
    if central:
        _hang_under_central(table, actor)
    return table


def _tell_open_returns(*, table: TargetTable, changed: list[str], actor: User | None) -> None:
    """The open returns of the table say in their history what changed under them."""
    if not changed:
        return
    for ret in _returns_using(table).filter(status__in=EDITABLE).select_related("region", "fund"):
        _audit(
            ret,
            actor=actor,
            action=AuditEvent.Action.EDIT,
            summary=f"目标表修改{len(changed)}项",
            comment="；".join(changed)[:2000],
        )


@dataclass(frozen=True)
class IndicatorSave:
    """One indicator of a table the whole-fund import writes, with every field it has; the
    indicator above it is named by its 三级指标 in the table's parent (empty: its own)."""

    action: str  # create / update / delete
    current: IndicatorTarget | None
    level1: str = ""
    level2: str = ""
    name: str = ""
    target_text: str = ""
    order: int = 0
    weight: Decimal | None = None
    rollup_rule: str = ""
    parent_name: str = ""
    note: AuditNote | None = None


@transaction.atomic
def target_table_save(
    *,
    actor: User | None,
    fund: Fund,
    region: Region | None = None,
    project: Project | None = None,
    parent: TargetTable | None,
    goals: str,
    level_weights: dict,
    rows: list[IndicatorSave],
    note: AuditNote | None = None,
    central: bool = False,
) -> TargetTable:
    """A region's (or project's) target table as a whole-fund import planned it: the table with
    the one it was passed down from, its goals and weights (created; or changed, when ``note``
    says how), and each indicator with the one above it, each write audited. Open returns of
    the table get a line for each new indicator and a note of what changed."""
    if (region is None) == (project is None):
        raise ValueError("目标表必须属于一个地区/单位或一个项目，且只能是其一。")
    owner = (
        {"region": None, "project": project}
        if project is not None
        else {"region": region, "project": None, "is_central": central}
    )
    where = region or project.region
    table = TargetTable.objects.filter(fund=fund, **owner).first()
    changed = []
    if table is None:
        table = TargetTable(
            fund=fund, parent=parent, overall_goals=goals, level_weights=level_weights, **owner
        )
        table.full_clean()
        table.save()
        _audit_note(table, note, actor, AuditEvent.Action.CREATE, where, fund)
    elif note is not None:
        table.parent, table.overall_goals, table.level_weights = parent, goals, level_weights
        table.full_clean()
        table.save(update_fields=["parent", "overall_goals", "level_weights"])
        _audit_note(table, note, actor, AuditEvent.Action.EDIT, where, fund)
        changed.append(note.summary)
    above = {i.name: i for i in parent.indicators.all()} if parent is not None else {}

    def parent_of(row: IndicatorSave) -> IndicatorTarget | None:
        if not row.parent_name:
            return None
        if row.parent_name not in above:
            raise ValueError(f"上级目标表中没有指标“{row.parent_name}”。")
        return above[row.parent_name]

    for row in (r for r in rows if r.action == "delete"):
        _audit_note(row.current, row.note, actor, AuditEvent.Action.EDIT, where, fund)
        row.current.delete()
    updates = [r for r in rows if r.action == "update"]
    for row in updates:  # park the moved ones first, then give every row its place
        row.current.order += TEMP_ORDER
    IndicatorTarget.objects.bulk_update([r.current for r in updates], ["order"])
    fields = ["level1", "level2", "target_text", "order", "weight", "rollup_rule", "parent_indicator"]
    added, events = [], []
    for row in (r for r in rows if r.action in ("update", "create")):
        indicator = row.current or IndicatorTarget(table=table, name=row.name)
        indicator.level1, indicator.level2, indicator.target_text, indicator.order = (
            row.level1,
            row.level2,
            row.target_text,
            row.order,
        )
        indicator.weight, indicator.rollup_rule = row.weight, row.rollup_rule
        indicator.parent_indicator = parent_of(row)
        # Field by field (choices, lengths); the constraints hold in the database, which is
        # cheaper than a query for each check of each of a fund's hundreds of indicators.
        indicator.full_clean(
            exclude=["table", "parent_indicator"], validate_unique=False, validate_constraints=False
        )
        if row.action == "update":
            indicator.save(update_fields=fields)
            events.append((indicator, row.note, AuditEvent.Action.EDIT))
        else:
            added.append((indicator, row.note))
    IndicatorTarget.objects.bulk_create([indicator for indicator, _ in added])
    if any(indicator.pk is None for indicator, _ in added):  # no keys back from bulk_create
        ids = dict(table.indicators.values_list("name", "pk"))
        for indicator, _ in added:
            indicator.pk = ids[indicator.name]
    events += [(indicator, note, AuditEvent.Action.CREATE) for indicator, note in added]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=indicator._meta.label_lower,
            object_id=str(indicator.pk),
            region=where,
            fund=fund,
            summary=(note.summary if note else str(indicator))[:300],
            comment=note.comment if note else "",
            changes=note.changes if note else {},
        )
        for indicator, note, action in events
    )
    added = [indicator for indicator, _ in added]
    returns_add_indicators(table=table, indicators=added, actor=actor)
    changed += [r.note.summary for r in rows if r.action in ("update", "delete") and r.note]
    _tell_open_returns(table=table, changed=changed, actor=actor)
    return table


@dataclass(frozen=True)
class ReturnRecord:
    """A return as it was recorded elsewhere (a workbook, a published report): its owner,
    period, status and every figure and text of it."""

    region: Region
    project: Project | None
    period: str
    status: str
    goal_achievement: str = ""
    funding: dict = field(default_factory=dict)  # source → (stated budget, spent)
    actuals: list = field(default_factory=list)  # (IndicatorTarget, {field name: value})
    narratives: dict = field(default_factory=dict)  # aspect → (description, problems)


ACTUAL_FIELDS = ("actual_text", "reason", "measure", "denominator", "judged_met", "band", "override_note")


@transaction.atomic
def return_restore(*, actor: User | None, fund: Fund, record: ReturnRecord, note: AuditNote) -> Return:
    """Record a return the portal does not hold, as it stands, its status included (the
    whole-fund import's rule, docs/fund-workbook.md: the workflow did not happen here, so the
    audit event says where the return came from). It gets every line a return has — one per
    money source and per narrative aspect — and the indicator lines it was recorded with."""
    region = record.project.region if record.project is not None else record.region
    if Return.objects.filter(fund=fund, region=region, project=record.project, period=record.period).exists():
        raise WorkflowError(f"{record.project or region}已有该期填报，不能再按记录创建。")
    ret = Return(
        fund=fund,
        region=region,
        project=record.project,
        period=record.period,
        status=record.status,
        goal_achievement=record.goal_achievement,
    )
    ret.full_clean()
    ret.save()
    lines = []
    for source in MoneySource.values:
        budget, spent = record.funding.get(source, (None, None))
        lines.append(
            ReturnFunding(
                ret=ret, source=source, budget=None if source in ALLOCATED_SOURCES else budget, spent=spent
            )
        )
    actuals = [
        IndicatorActual(ret=ret, indicator=indicator, **values) for indicator, values in record.actuals
    ]
    narratives = [
        ReturnNarrative(
            ret=ret,
            aspect=aspect,
            description=record.narratives.get(aspect, ("", ""))[0],
            problems=record.narratives.get(aspect, ("", ""))[1],
        )
        for aspect in Aspect.values
    ]
    for row in [*lines, *actuals, *narratives]:  # the constraints hold in the database
        row.full_clean(exclude=["ret", "indicator"], validate_unique=False, validate_constraints=False)
    ReturnFunding.objects.bulk_create(lines)
    IndicatorActual.objects.bulk_create(actuals)
    ReturnNarrative.objects.bulk_create(narratives)
    _audit(
        ret,
        actor=actor,
        action=AuditEvent.Action.CREATE,
        summary=note.summary,
        comment=note.comment,
        changes=note.changes,
    )
    return ret


def _audit_note(obj, note: AuditNote | None, actor, action: str, region, fund) -> None:
    note = note or AuditNote(summary=str(obj))
    AuditEvent.objects.record(
        actor=actor,
        action=action,
        obj=obj,
        summary=note.summary,
        region=region,
        fund=fund,
        comment=note.comment,
        changes=note.changes,
    )


@transaction.atomic
def return_save(*, ret: Return, actor: User, base_version: int, data: ReturnInput) -> dict:
    """Save what was typed. Refuses a save based on an old version; records every change."""
    locked = _locked(ret)
    if refusal := may_edit_return(actor, locked):
        raise WorkflowError(refusal)
    if locked.version != base_version:
        last = (
            AuditEvent.objects.filter(object_type="indicators.return", object_id=str(locked.pk))
            .select_related("actor")
            .first()
        )
        who = (
            f"{last.actor or '系统'}于{timezone.localtime(last.created_at):%m月%d日 %H:%M}"
            if last
            else "他人"
        )
        raise StaleReturnError(
            f"本填报已被{who}修改，您的内容尚未保存。请核对下方最新数据后重新填写或复制您的内容。"
        )

    edits = return_edits(locked, data)
    changes = {edit.label: [shown(edit.old), shown(edit.new)] for edit in edits}
    dirty: dict[int, tuple[object, list[str]]] = {}  # each changed row once, with its fields
    for edit in edits:
        setattr(edit.obj, edit.attr, edit.new)
        dirty.setdefault(id(edit.obj), (edit.obj, []))[1].append(edit.attr)
    for obj, fields in dirty.values():
        if obj is locked:
            continue  # the return itself is saved with its version below
        if isinstance(obj, ReturnFunding):
            obj.full_clean()
        obj.save(update_fields=fields)
    if changes:
        fields = {"goal_achievement": locked.goal_achievement} if id(locked) in dirty else {}
        _bump(locked, **fields)
        _audit(
            locked,
            actor=actor,
            action=AuditEvent.Action.EDIT,
            summary=f"修改{len(changes)}项",
            changes=changes,
        )
    ret.version = locked.version
    return changes


@transaction.atomic
def return_submit(*, ret: Return, actor: User, acknowledge_warnings: bool = False) -> list:
    """Submit for review: errors block, warnings must be acknowledged."""
    locked = _locked(ret)
    if refusal := may_submit_return(actor, locked):
        raise WorkflowError(refusal)
    _refuse_missing_below(locked)
    findings = return_findings(locked)
    if errors_of(findings):
        raise ChecksFailed(findings)
    warnings = warnings_of(findings)
    if warnings and not acknowledge_warnings:
        raise NeedsAcknowledgement(findings)
    _bump(locked, status=Return.Status.SUBMITTED)
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.SUBMIT,
        summary="提交审核",
        comment="；".join(f.message for f in warnings),
        changes={"状态": [Return.Status(ret.status).label, Return.Status.SUBMITTED.label]},
    )
    notify_return_event(ret=locked, event=Notification.Kind.SUBMITTED, actor=actor)
    ret.status, ret.version = locked.status, locked.version
    return findings


def _refuse_missing_below(ret: Return) -> None:
    """Approval follows the tree: a return goes up only when every recipient below it has an
    approved return, or someone recorded why it goes without one."""
    waiting = [m for m in missing_below(ret) if not m.excused]
    if waiting:
        names = "、".join(f"{m.name}（{m.status_label}）" for m in waiting)
        raise WorkflowError(f"以下下级尚未审核通过：{names}。请等待其审核通过，或登记例外并说明原因。")


@transaction.atomic
def approval_exception_record(
    *,
    ret: Return,
    actor: User,
    reason: str,
    region: Region | None = None,
    project: Project | None = None,
) -> ApprovalException:
    """Record that ``region`` (or ``project``) below ``ret`` has no approved return, and why."""
    locked = _locked(ret)
    if refusal := may_record_approval_exception(actor, locked):
        raise WorkflowError(refusal)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("登记例外必须填写原因。")
    wanted = ApprovalException(region=None if project is not None else region, project=project)
    found = next((m for m in missing_below(locked) if m.node.key == wanted.key), None)
    if found is None:
        raise WorkflowError("只能为本级之下尚未审核通过的下级登记例外。")
    if found.excused:
        raise WorkflowError(f"{found.name}已登记例外。")
    exception = ApprovalException.objects.create(
        ret=locked, region=wanted.region, project=project, reason=reason, author=actor
    )
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.EXCEPTION,
        summary=f"登记例外：{found.name}（{found.status_label}）",
        comment=reason,
        changes={f"例外：{found.name}": ["", reason]},
    )
    return exception


@transaction.atomic
def approval_exception_remove(*, exception: ApprovalException, actor: User) -> None:
    """Withdraw a recorded exception: the return waits for that recipient again."""
    locked = _locked(exception.ret)
    if refusal := may_record_approval_exception(actor, locked):
        raise WorkflowError(refusal)
    name = exception.recipient.name
    exception.delete()
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.EXCEPTION,
        summary=f"撤销例外：{name}",
        changes={f"例外：{name}": [exception.reason, ""]},
    )


@transaction.atomic
def return_send_back(*, ret: Return, actor: User, reason: str, line_comments: dict | None = None) -> None:
    """Return to the region with a reason; comments on single lines are shown next to them."""
    locked = _locked(ret)
    if refusal := may_review_return(actor, locked):
        raise WorkflowError(refusal)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("退回必须填写退回原因。")
    ReturnComment.objects.create(ret=locked, author=actor, text=reason)
    comments = {}
    actuals = {a.pk: a for a in locked.actuals.select_related("indicator")}
    for actual_id, text in (line_comments or {}).items():
        if text.strip() and actual_id in actuals:
            ReturnComment.objects.create(
                ret=locked, actual=actuals[actual_id], author=actor, text=text.strip()
            )
            comments[actuals[actual_id].indicator.name] = text.strip()
    _bump(locked, status=Return.Status.RETURNED)
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.RETURN,
        summary="退回修改",
        comment=reason,
        changes={"状态": ["已提交", "已退回"], "逐项意见": comments},
    )
    notify_return_event(
        ret=locked, event=Notification.Kind.RETURNED, actor=actor, reason=reason, line_comments=comments
    )
    ret.status, ret.version = locked.status, locked.version


@transaction.atomic
def return_approve(*, ret: Return, actor: User, comment: str = "") -> None:
    locked = _locked(ret)
    if refusal := may_review_return(actor, locked):
        raise WorkflowError(refusal)
    _refuse_missing_below(locked)
    if errors_of(return_findings(locked)):
        raise WorkflowError(f"{locked.region.name}的填报存在错误，不能审核通过，请退回修改。")
    _bump(locked, status=Return.Status.APPROVED)
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.APPROVE,
        summary="审核通过",
        comment=comment.strip(),
        changes={"状态": ["已提交", "已审核"]},
    )
    notify_return_event(ret=locked, event=Notification.Kind.APPROVED, actor=actor, reason=comment)
    ret.status, ret.version = locked.status, locked.version


def returns_approve_bulk(
    *, returns: list[Return], actor: User, confirmed_open: set[int]
) -> tuple[list[Return], list[str]]:
    """Approve each through ``return_approve``; one that cannot be approved is skipped with its
    reason, the rest go on.

    A return with open items (``checks.open_items_of``: lines awaiting 认定, empty narratives or
    总体目标, warnings) is approved only when its id is in ``confirmed_open`` — the reviewer
    ticked 仍然通过 beside those items — and its approval records them; otherwise it is skipped,
    so a bulk approval never passes over what nobody looked at. The items are read again here,
    not taken from the confirmation page: what changed since is what counts.
    """
    approved, skipped = [], []
    reviewable = []
    for ret in returns:
        if refusal := may_review_return(actor, ret):
            skipped.append(refusal)
        else:
            reviewable.append(ret)
    open_by_pk = {state.ret.pk: state.items for state in open_items_of(reviewable)}
    for ret in reviewable:
        items = open_by_pk.get(ret.pk, [])
        if items and ret.pk not in confirmed_open:
            skipped.append(
                f"{ret.region.name}：仍有未完成事项（{'；'.join(items)}），未勾选“仍然通过”，未审核。"
            )
            continue
        comment = f"批量审核通过，审核时仍有未完成事项：{'；'.join(items)}" if items else ""
        try:
            return_approve(ret=ret, actor=actor, comment=comment)
            approved.append(ret)
        except WorkflowError as exc:
            skipped.append(str(exc))
    return approved, skipped


@transaction.atomic
def return_unlock(*, ret: Return, actor: User, reason: str, until: date | None = None) -> DeadlineUnlock:
    """Let a return locked after its deadline be changed and submitted late (until ``until``, or
    for good), with a reason the region and the audit trail keep."""
    locked = _locked(ret)
    if refusal := may_unlock_return(actor, locked):
        raise WorkflowError(refusal)
    reason = reason.strip()
    if not reason:
        raise WorkflowError("解锁必须填写原因。")
    today = timezone.localdate()
    if until is not None and until < today:
        raise WorkflowError("解锁期限不能早于今天。")
    unlock = DeadlineUnlock.objects.create(ret=locked, author=actor, reason=reason, until=until)
    ReturnComment.objects.create(ret=locked, author=actor, text=f"逾期解锁：{reason}")
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.UNLOCK,
        summary=f"逾期解锁（截止日期{chinese_date(locked.lock.deadline.due_on)}）",
        comment=reason,
        changes={"解锁至": ["", until.isoformat() if until else "一直有效"]},
    )
    ret.lock = with_lock(locked).lock
    return unlock


@transaction.atomic
def return_reopen(*, ret: Return, actor: User, reason: str) -> None:
    locked = _locked(ret)
    if refusal := may_reopen_return(actor, locked):
        raise WorkflowError(refusal)
    if not reason.strip():
        raise WorkflowError("重新打开必须填写原因。")
    _bump(locked, status=Return.Status.RETURNED)
    ReturnComment.objects.create(ret=locked, author=actor, text=f"重新打开：{reason.strip()}")
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.REOPEN,
        summary="重新打开",
        comment=reason.strip(),
        changes={"状态": ["已审核", "已退回"]},
    )
    notify_return_event(ret=locked, event=Notification.Kind.REOPENED, actor=actor, reason=reason)
    ret.status, ret.version = locked.status, locked.version


@transaction.atomic
def return_fill_from_rollup(*, ret: Return, actor: User) -> dict:
    """Replace the values with the roll-up of the approved returns below, except overridden ones."""
    locked = _locked(ret)
    if refusal := may_edit_return(actor, locked):
        raise WorkflowError(refusal)
    changes = _fill_from_rollup(locked, only_blank=False)
    if changes:
        _bump(locked)
        _audit(
            locked, actor=actor, action=AuditEvent.Action.EDIT, summary="按下级汇总数据填入", changes=changes
        )
    ret.version = locked.version
    return changes


def _says_met(actual: IndicatorActual, attr: str = "actual_text") -> bool:
    text = getattr(actual, attr)
    return bool(text) and rules.evaluate(actual.indicator.target_text, text).met is True


def _fill_from_rollup(ret: Return, *, only_blank: bool) -> dict:
    """Write the roll-up of the approved returns below into ``ret``; the caller audits.

    Indicator values a person explained as their own (override note) are kept; with
    ``only_blank`` only empty values are filled. Money: every source's spending, and the
    stated budget of a region's own money (allocated budgets are never stored). A mid-year
    return also takes the forecasts: 全年预计完成值 and 全年预计执行数.
    """
    rolled = return_rollup(ret)
    if rolled.is_empty:
        return {}
    monitoring = ret.period == Period.MID_YEAR
    # In the audit trail's labels (indicators.edits), as a save of the same fields writes them.
    texts = [
        ("actual_text", rolled.indicators, MONITORING_LABELS["actual_text"] if monitoring else "实际完成值")
    ]
    if monitoring:
        texts.append(("forecast_text", rolled.forecasts, dict(MONITORING_ACTUAL_FIELDS)["forecast_text"]))
    changes = {}
    for actual in ret.actuals.select_related("indicator"):
        if actual.override_note:
            continue
        dirty = []
        for attr, results, label in texts:
            result = results.get(actual.indicator_id)
            if result is None or not result.text:
                continue
            if only_blank and getattr(actual, attr):
                continue
            if result.text == rules.ALL_MET and _says_met(actual, attr):
                continue  # 应保尽保 already says what 全部完成 says: the prefecture's wording stays
            if getattr(actual, attr) != result.text:
                changes[f"指标“{actual.indicator.name}”·{label}"] = [getattr(actual, attr), result.text]
                setattr(actual, attr, result.text)
                dirty.append(attr)
        if dirty:
            actual.save(update_fields=dirty)
    money_fields = [("spent", "累计执行数" if monitoring else "全年执行数")]
    if monitoring:
        money_fields.append(("forecast", "全年预计执行数"))
    for line in ret.funding.all():
        money = rolled.money.line(line.source)
        dirty = []
        fields = list(money_fields)
        if line.source not in ALLOCATED_SOURCES:
            fields.append(("budget", "全年预算数"))
        for name, label in fields:
            value = getattr(money, name)
            if value is None or (only_blank and getattr(line, name) is not None):
                continue
            if getattr(line, name) != value:
                changes[f"{line.get_source_display()}·{label}"] = [
                    shown(getattr(line, name)),
                    shown(value),
                ]
                setattr(line, name, value)
                dirty.append(name)
        if dirty:
            line.save(update_fields=dirty)
    return changes


@transaction.atomic
def return_judge(*, ret: Return, actor: User, judgements: dict[int, bool | None]) -> dict:
    """The reviewer decides whether qualitative actuals the wording cannot settle were met.

    `judgements` maps an IndicatorActual id to True (met), False (not met) or None (undecided).
    Only lines of this return are touched; each decision is an audited change.
    """
    locked = _locked(ret)
    if refusal := may_review_return(actor, locked):
        raise WorkflowError(refusal)
    labels = {True: "认定完成", False: "认定未完成", None: "待认定"}
    changes = {}
    for actual in locked.actuals.select_related("indicator").filter(pk__in=list(judgements)):
        decision = judgements[actual.pk]
        if actual.judged_met != decision:
            changes[f"指标“{actual.indicator.name}”·审核认定"] = [labels[actual.judged_met], labels[decision]]
            actual.judged_met = decision
            actual.save(update_fields=["judged_met"])
    if changes:
        _bump(locked)
        _audit(locked, actor=actor, action=AuditEvent.Action.EDIT, summary="认定定性指标", changes=changes)
    ret.version = locked.version
    return changes


# --- projects: a named county project, its money and its own target table ----------------------------


def _project_locked(project: Project) -> Return | None:
    return (
        Return.objects.filter(project=project, status__in=[Return.Status.SUBMITTED, Return.Status.APPROVED])
        .select_related("region", "fund")
        .first()
    )


def _drop_empty_lines(project: Project, dropped: list[IndicatorTarget], actor: User) -> None:
    """The open returns' lines of indicators the project's table drops: removed when they hold
    nothing yet (each return's history says so), refused when the clerk wrote in one."""
    lines = IndicatorActual.objects.filter(indicator__in=dropped).select_related("ret", "indicator")
    filled = [
        line
        for line in lines
        if line.actual_text or line.reason or line.measure or line.denominator is not None
    ]
    if filled:
        names = "、".join(dict.fromkeys(f"“{line.indicator.name}”" for line in filled))
        raise ValidationError(
            f"{project.name}的填报已填写指标{names}，不能删除：请先清空该行，或保留该指标。"
        )
    for ret in {line.ret for line in lines}:
        gone = "、".join(f"“{line.indicator.name}”" for line in lines if line.ret_id == ret.pk)
        _audit(
            ret, actor=actor, action=AuditEvent.Action.EDIT, summary=f"目标表删除指标{gone}，已从本填报移除"
        )
    lines.delete()


def _refuse_locked(project: Project, what: str, changes: str) -> None:
    """A project whose return is submitted or approved keeps ``changes`` (its 预算 or 指标)."""
    if locked := _project_locked(project):
        raise ValidationError(
            f"{project.name}的填报{locked.get_status_display()}，{what}会改变其{changes}："
            "请先退回或由省级管理员重新打开该填报。"
        )


@transaction.atomic
def project_set_up(
    *,
    actor: User,
    fund: Fund,
    region: Region,
    name: str,
    notice: Notice | None,
    amount: Decimal | None,
    source: str = MoneySource.CENTRAL,
    project: Project | None = None,
) -> Project:
    """Record a project of the province's fund and the money the province sends it (one line of
    本次下达 under ``notice``), or, with ``amount`` None, a project paid from its office's own
    budget: no allocation (its return states the budget), and the province's line, if it had
    one, removed. A project whose return is under review or approved keeps its county and its
    money until the return is sent back or reopened."""
    if (amount is None) != (notice is None):
        raise ValidationError({"amount": "下达金额和下达文件应同时填写；本单位预算安排的项目两者都不填。"})
    if project is not None:
        current = list(project.allocations.filter(from_region=fund.region))
        if amount is None:
            same = not current
        else:
            same = len(current) == 1 and (current[0].notice_id, current[0].amount, current[0].source) == (
                notice.pk,
                amount,
                source,
            )
        if project.region_id != region.pk or not same:
            _refuse_locked(project, "改变项目的地区或金额", "预算")
    project = project_change(actor=actor, fund=fund, region=region, name=name, project=project)
    stale = project.allocations.filter(from_region=fund.region)
    if amount is not None:
        stale = stale.exclude(notice=notice, kind=Allocation.Kind.BATCH, source=source)
    for old in stale:
        allocation_remove(actor=actor, allocation=old, summary=f"删除{project.name}的分配", region=region)
    if amount is None:
        return project
    allocation_save(
        actor=actor, fund=fund, notice=notice, region=None, project=project, kind=Allocation.Kind.BATCH,
        source=source, amount=amount, from_region=fund.region,
    )  # fmt: skip
    return project


@transaction.atomic
def fund_received_set(
    *, actor: User, fund: Fund, notice: Notice, kind: str, source: str, amount: Decimal
) -> bool:
    """What the centre sent the province for ``fund`` with ``notice``: one line per 下达方式 and
    资金来源 (提前下达, 本次下达), the province's budget of the fund; an amount of 0 removes the
    line. Refused while the province's own return is submitted or approved: its budget, and so
    its execution rate, would change behind the reviewer. Returns whether anything changed."""
    if amount < 0:
        raise ValidationError({"amount": "中央下达金额不能为负数。"})
    province = fund.region
    current = Allocation.objects.filter(
        fund=fund, notice=notice, region=province, project=None, from_region=None, kind=kind, source=source
    ).first()
    if (current.amount if current else Decimal(0)) == amount:
        return False
    if locked := own_return_under_review(fund, province):
        raise ValidationError(
            f"{province.name}的{locked.get_period_display()}填报{locked.get_status_display()}，"
            "改变中央下达金额会改变其预算数：请先退回或重新打开该填报。"
        )
    if amount == 0:
        summary = f"删除中央向{province.name}的{current.get_kind_display()}"
        allocation_remove(actor=actor, allocation=current, summary=summary, region=province)
        return True
    allocation_save(
        actor=actor, fund=fund, notice=notice, region=province, kind=kind, source=source,
        amount=amount, from_region=None,
    )  # fmt: skip
    return True


@transaction.atomic
def monitoring_plan_save(*, actor: User | None, fund: Fund, through_month: int, yellow_from: Decimal) -> bool:
    """Set how ``fund`` is monitored mid-year. The cut-off month is fixed once a mid-year return
    has been submitted: its figures are 1–N月 figures, and a new N would relabel them. The band
    may change (every light is computed on read, so all screens and documents follow at once).
    ``actor`` None is the system (the demo loader); a person must be allowed by
    ``may_set_monitoring_plan``. Returns whether anything changed; audited with old and new values."""
    if actor is not None and (refusal := may_set_monitoring_plan(actor, fund)):
        raise WorkflowError(refusal)
    plan = monitoring_plan(fund)
    changes = {}
    if plan.through_month != through_month:
        changes["数据截止月份"] = [f"1–{plan.through_month}月", f"1–{through_month}月"]
    if plan.yellow_from != yellow_from:
        changes["黄灯起点"] = [
            f"{rules.format_number(plan.yellow_from)}%",
            f"{rules.format_number(yellow_from)}%",
        ]
    if not changes and plan.pk:
        return False  # an unsaved plan is the defaults: saving them records the choice
    if "数据截止月份" in changes:
        if count := midyear_returns_sent(fund):
            raise ValidationError(
                {
                    "through_month": f"已有{count}份运行监控填报提交或审核通过，其数据截至1–{plan.through_month}月，"
                    "不能再改截止月份。如确需修改，请先将这些填报退回。"
                }
            )
    plan.through_month, plan.yellow_from = through_month, yellow_from
    plan.full_clean()
    plan.save()
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.EDIT,
        obj=plan,
        summary=f"绩效运行监控设置：数据截至{plan.months_label}，黄灯起点{rules.format_number(yellow_from)}%",
        region=fund.region,
        fund=fund,
        changes=changes,
    )
    return True


@dataclass(frozen=True)
class OwnIndicator:
    """An indicator a project adds to the ones it keeps from the table above."""

    level1: str
    level2: str
    name: str
    target_text: str


def project_parent_table(project: Project) -> TargetTable | None:
    """The table a project's indicators come from: the one its county passes down, or the
    nearest above."""
    own = passed_down_table(project.fund, project.region)
    return own or nearest_table_above(project.fund, project.region)


@transaction.atomic
def project_table_set(
    *,
    actor: User,
    project: Project,
    keep: set[int],
    remove_own: set[int],
    add: list[OwnIndicator],
    goals: str,
) -> TargetTable:
    """The project's own target table: the indicators of the table above it that it keeps
    (``keep``: their ids), its own indicators less ``remove_own``, plus ``add``; and its goals.
    Each change audited; open returns of the project get a line for each new indicator."""
    fund, region = project.fund, project.region
    parent = project_parent_table(project)
    table = TargetTable.objects.select_for_update().filter(fund=fund, project=project).order_by("pk").first()
    created = table is None
    if created:
        table = TargetTable.objects.create(
            fund=fund, project=project, parent=parent, overall_goals=goals.strip(),
            level_weights=parent.level_weights if parent else {},
        )  # fmt: skip
        _audit_note(
            table, AuditNote(f"{project.name}的绩效目标表"), actor, AuditEvent.Action.CREATE, region, fund
        )
    current = list(table.indicators.all())
    from_parent = {i.parent_indicator_id: i for i in current if i.parent_indicator_id}
    own = [i for i in current if not i.parent_indicator_id]
    parents = {p.pk: p for p in (parent.indicators.all() if parent else [])}
    dropped = [i for pid, i in from_parent.items() if pid not in keep] + [
        i for i in own if i.pk in remove_own
    ]
    kept_new = [
        parents[pid]
        for pid in sorted(keep, key=lambda pk: parents[pk].order)
        if pid in parents and pid not in from_parent
    ]
    names = {i.name for i in current if i not in dropped}
    for new in add:
        if new.name in names or new.name in {p.name for p in kept_new}:
            raise ValidationError(f"指标“{new.name}”已在本项目的目标表中。")
        names.add(new.name)
    if dropped or kept_new or add or (not created and goals.strip() != table.overall_goals):
        _refuse_locked(project, "改变目标表", "指标")
    _drop_empty_lines(project, dropped, actor)
    for indicator in dropped:
        # the audit trail has no separate word for a removal: an edit to nothing
        note = AuditNote(f"删除指标{indicator}", changes={"指标值": [indicator.target_text, None]})
        _audit_note(indicator, note, actor, AuditEvent.Action.EDIT, region, fund)
        indicator.delete()
    order = max((i.order for i in current if i not in dropped), default=0)
    added = []
    for source in kept_new:
        order += 1
        added.append(
            IndicatorTarget(
                table=table,
                parent_indicator=source,
                level1=source.level1,
                level2=source.level2,
                name=source.name,
                target_text=source.target_text,
                order=order,
                weight=source.weight,
                rollup_rule=source.rollup_rule,
            )  # fmt: skip
        )
    for new in add:
        order += 1
        added.append(
            IndicatorTarget(
                table=table,
                level1=new.level1,
                level2=new.level2,
                name=new.name.strip(),
                target_text=new.target_text.strip(),
                order=order,
            )  # fmt: skip
        )
    for indicator in added:
        indicator.full_clean(exclude=["table", "parent_indicator"], validate_unique=False)
        indicator.save()
        _audit_note(
            indicator, AuditNote(f"新增指标{indicator}"), actor, AuditEvent.Action.CREATE, region, fund
        )
    if not created and goals.strip() != table.overall_goals:
        note = AuditNote(
            f"修改{project.name}的年度总体目标",
            changes={"年度总体目标": [table.overall_goals, goals.strip()]},
        )
        table.overall_goals = goals.strip()
        table.save(update_fields=["overall_goals"])
        _audit_note(table, note, actor, AuditEvent.Action.EDIT, region, fund)
    returns_add_indicators(table=table, indicators=added, actor=actor)
    return table


# --- a fund copied from last year ------------------------------------------------------------------


@transaction.atomic
def fund_copy(*, actor: User, source: Fund, code: str, year: int, name: str | None = None) -> Fund:
    """A new year's fund set up from ``source``: the same description, every target table
    (goals, indicators, weights, the tables passed down and their links to the table above)
    and every project with its own table — no money, no returns, no notices (a new year comes
    with new notices and new allocations). The new fund remembers ``source`` as its previous
    year, so last year's actuals stay at hand for 不低于上年 and 有所提升."""
    if year <= source.year:
        raise ValidationError({"year": f"新资金的年度应晚于{source.year}年。"})
    fund, _ = fund_save(
        actor=actor,
        code=code,
        name=name or source.name,
        year=year,
        region=source.region,
        direction=source.direction,
        batch=source.batch,
        central_department=source.central_department,
        finance_department=source.finance_department,
        line_department=source.line_department,
    )
    if fund.target_tables.exists() or fund.projects.exists():
        raise ValidationError({"code": f"资金“{code}”已有目标表或项目，不能再复制。"})
    fund.previous = source
    fund.save(update_fields=["previous"])
    projects = {}
    for project in source.projects.order_by("pk"):
        projects[project.pk] = Project.objects.create(
            fund=fund,
            region=project.region,
            name=project.name,
            summary=project.summary,
            order=project.order,
            total_estimate=project.total_estimate,
        )
    tables: dict[int, TargetTable] = {}
    indicators: dict[int, IndicatorTarget] = {}
    # parents before children: the province's table, then each level down, projects last
    ordered = sorted(
        source.target_tables.select_related("region", "project"),
        key=lambda t: (t.project_id is not None, t.region.level if t.region else 9, not t.is_central, t.pk),
    )
    for old in ordered:
        table = TargetTable.objects.create(
            fund=fund,
            region=old.region,
            project=projects.get(old.project_id),
            is_central=old.is_central,
            parent=tables.get(old.parent_id),
            overall_goals=old.overall_goals,
            level_weights=old.level_weights,
        )
        tables[old.pk] = table
        for indicator in old.indicators.order_by("order"):
            indicators[indicator.pk] = IndicatorTarget.objects.create(
                table=table,
                parent_indicator=indicators.get(indicator.parent_indicator_id),
                level1=indicator.level1,
                level2=indicator.level2,
                name=indicator.name,
                target_text=indicator.target_text,
                order=indicator.order,
                weight=indicator.weight,
                rollup_rule=indicator.rollup_rule,
            )
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=fund,
        summary=f"按{source.year}年资金{source.code}复制：{len(tables)}张目标表、{len(indicators)}项指标、{len(projects)}个项目",
        region=fund.region,
        fund=fund,
        changes={"上年资金": [None, source.code]},
    )
    return fund


# --- evidence (佐证材料) -------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, ret: Return, actor: User, upload, actual: IndicatorActual | None = None) -> Attachment:
    """Keep one file for the return (or one of its lines), checked by its content; the return
    is locked so two uploads at once cannot pass the count limit together."""
    locked = _locked(ret)
    if refusal := may_attach(actor, locked):
        raise WorkflowError(refusal)
    if actual is not None and actual.ret_id != locked.pk:
        raise WorkflowError("该指标行不属于本填报。")
    limit = settings.ATTACHMENT_MAX_COUNT
    if locked.attachments.count() >= limit:
        raise WorkflowError(f"每份填报最多 {limit} 个附件，请先删除不需要的附件。")
    name = os.path.basename(upload.name or "").strip()[:255] or "未命名"
    try:
        checked = evidence.check(name, upload, size=upload.size, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    except evidence.EvidenceRefused as exc:
        raise WorkflowError(str(exc)) from None
    attachment = Attachment(
        ret=locked,
        actual=actual,
        original_name=name,
        size=checked.size,
        content_type=checked.kind.content_type,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    stored = attachment.file.name
    where = actual.indicator.name if actual is not None else "整份填报"
    try:
        attachment.save()
        _audit(
            locked,
            actor=actor,
            action=AuditEvent.Action.ATTACH,
            summary=f"上传佐证材料：{name}",
            changes={
                "佐证材料": [None, name],
                "指标": where,
                "大小": evidence.size_text(checked.size),
                "SHA-256": checked.sha256,
            },
        )
    except BaseException:
        # The storage is not part of the transaction: a file whose row rolls back must not
        # stay behind, unlisted and unaudited.
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, actor: User) -> None:
    """Remove a file while its return may be edited. The stored file is deleted once the
    transaction has committed, so a rollback never leaves a row without its file."""
    locked = _locked(attachment.ret)
    if refusal := may_attach(actor, locked):
        raise WorkflowError(refusal)
    row = Attachment.objects.select_related("actual__indicator").filter(pk=attachment.pk, ret=locked).first()
    if row is None:
        raise WorkflowError("该附件已被删除。")
    where = row.actual.indicator.name if row.actual_id else "整份填报"
    storage, path = row.file.storage, row.file.name
    row.delete()
    transaction.on_commit(lambda: storage.delete(path))
    _audit(
        locked,
        actor=actor,
        action=AuditEvent.Action.DETACH,
        summary=f"删除佐证材料：{row.original_name}",
        changes={"佐证材料": [row.original_name, None], "指标": where, "SHA-256": row.sha256},
    )
