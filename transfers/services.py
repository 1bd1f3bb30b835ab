"""Every change to funds, notices, allocations and projects: one function each, in a transaction,
audited.

Each ``*_save`` creates the row when its natural key is new and otherwise changes only the
fields whose values differ; it returns the row and the changes ({field label: [old, new]}),
empty when nothing differed (and then nothing is written, not even an audit event), so that
loading the same figures twice changes nothing.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from evalportal.models import AuditEvent, User
from transfers.models import Allocation, Fund, Notice, Project, Region, RegionAlias


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _save(model, lookup: dict, values: dict) -> tuple[models.Model, dict, bool]:
    """Create or update ``model`` by ``lookup``; (row, changes, created). Validates first."""
    obj = model.objects.select_for_update().filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        changes = {
            model._meta.get_field(name).verbose_name: [None, _display(value)]
            for name, value in values.items()
            if value not in (None, "")
        }
        return obj, changes, True
    changes, dirty = {}, []
    for name, value in values.items():
        field = model._meta.get_field(name)
        current = getattr(obj, field.attname)
        wanted = value.pk if field.is_relation and value is not None else value
        if current != wanted:
            changes[field.verbose_name] = [_display(getattr(obj, name)), _display(value)]
            setattr(obj, name, value)
            dirty.append(name)
    if dirty:
        obj.full_clean()
        obj.save(update_fields=dirty)
    return obj, changes, False


def _audit(
    obj, changes: dict, created: bool, *, actor, summary: str, region=None, fund=None, comment: str = ""
) -> None:
    if not changes:
        return
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.EDIT,
        obj=obj,
        summary=summary,
        region=region,
        fund=fund,
        comment=comment,
        changes=changes,
    )


@transaction.atomic
def fund_save(
    *,
    actor: User | None,
    code: str,
    name: str,
    year: int,
    region: Region,
    direction: str = "",
    batch: str = "",
    central_department: str = "",
    finance_department: str = "",
    line_department: str = "",
    comment: str = "",
) -> tuple[Fund, dict]:
    """A fund by its code, received by the province ``region``; ``comment`` says where the
    values came from (an import's file and row)."""
    if region.level != Region.Level.PROVINCE:
        raise ValueError(f"接收资金的地区必须是省级区划，{region.name}不是。")
    values = {
        "name": name,
        "direction": direction,
        "batch": batch,
        "year": year,
        "region": region,
        "central_department": central_department,
        "finance_department": finance_department,
        "line_department": line_department,
    }
    other = Fund.objects.filter(code=code).exclude(region=region).exists()
    if other:  # a code names one fund of the whole deployment
        raise ValidationError({"code": f"资金代码“{code}”已被使用，请换一个代码。"})
    fund, changes, created = _save(Fund, {"code": code}, values)
    verb = "登记" if created else "修改"
    _audit(
        fund,
        changes,
        created,
        actor=actor,
        summary=f"{verb}资金{fund.code}",
        region=region,
        fund=fund,
        comment=comment,
    )
    return fund, changes


@transaction.atomic
def notice_save(
    *,
    actor: User | None,
    province: Region,
    number: str,
    title: str,
    issuer: str,
    issued_on: date | None = None,
    issued_month_only: bool = False,
    note: str = "",
    new: bool = False,
    comment: str = "",
) -> tuple[Notice, dict]:
    """A notice of ``province``'s records, by its 文号; one without a 文号 (not known) by its title.
    ``new``: the person records a notice, so one already recorded is an error, not an update."""
    if province.level != Region.Level.PROVINCE:
        raise ValueError(f"文件只能登记在省级区划下，{province.name}不是省级。")
    number, title = number.strip(), title.strip()
    lookup = (
        {"province": province, "number": number}
        if number
        else {"province": province, "number": "", "title": title}
    )
    values = {
        "issuer": issuer,
        "issued_on": issued_on,
        "issued_month_only": issued_month_only and issued_on is not None,
        "note": note,
    } | ({"title": title} if number else {})
    if new and Notice.objects.filter(**lookup).exists():
        what = f"文号为“{number}”" if number else f"标题为“{title}”且无文号"
        raise ValidationError({"number" if number else "title": f"本省已登记{what}的文件。"})
    notice, changes, created = _save(Notice, lookup, values)
    verb = "登记" if created else "修改"
    _audit(
        notice, changes, created, actor=actor, summary=f"{verb}文件{notice}", region=province, comment=comment
    )
    return notice, changes


@transaction.atomic
def notice_edit(
    *,
    actor: User,
    notice: Notice,
    number: str,
    title: str,
    issuer: str,
    issued_on: date | None,
    issued_month_only: bool,
    note: str,
) -> dict:
    """Change a recorded notice, its 文号 included (a typo in the number is corrected here, not
    by recording a second notice); the allocations made under it stay under it."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    number, title = number.strip(), title.strip()
    if (
        number
        and Notice.objects.filter(province=notice.province, number=number).exclude(pk=notice.pk).exists()
    ):
        raise ValidationError({"number": f"本省已登记文号为“{number}”的文件。"})
    values = {
        "number": number,
        "title": title,
        "issuer": issuer,
        "issued_on": issued_on,
        "issued_month_only": issued_month_only and issued_on is not None,
        "note": note,
    }
    changes, dirty = {}, []
    for name, value in values.items():
        if getattr(notice, name) != value:
            label = Notice._meta.get_field(name).verbose_name
            changes[label] = [_display(getattr(notice, name)), _display(value)]
            setattr(notice, name, value)
            dirty.append(name)
    if dirty:
        notice.full_clean()
        notice.save(update_fields=dirty)
    _audit(notice, changes, False, actor=actor, summary=f"修改文件{notice}", region=notice.province)
    return changes


def check_notice_of_fund(notice: Notice, fund: Fund) -> None:
    """Money of a province's fund moves only under a notice that province recorded."""
    if notice.province_id != fund.region_id:
        raise ValueError(f"文件“{notice}”不是{fund.region.name}登记的文件，不能用于本资金的分配。")


@transaction.atomic
def allocation_save(
    *,
    actor: User | None,
    fund: Fund,
    notice: Notice,
    region: Region,
    kind: str,
    source: str,
    amount: Decimal,
    from_region: Region | None,
    order: int = 0,
) -> tuple[Allocation, dict]:
    """One allocation line: the money ``notice`` sends ``region`` (from the centre when
    ``from_region`` is None). Allocations of a whole table go through the allocation import."""
    check_notice_of_fund(notice, fund)
    lookup = {
        "fund": fund,
        "notice": notice,
        "region": region,
        "project": None,
        "kind": kind,
        "source": source,
    }
    values = {"from_region": from_region, "amount": amount, "order": order}
    allocation, changes, created = _save(Allocation, lookup, values)
    giver = from_region.name if from_region else "中央"
    _audit(
        allocation,
        changes,
        created,
        actor=actor,
        summary=f"{giver}向{region.name}{allocation.get_kind_display()}{_display(amount)}万元（{notice}）",
        region=region,
        fund=fund,
    )
    return allocation, changes


# --- writes planned by an import (the importer reads and plans; these write and audit) ----------


@dataclass(frozen=True)
class AuditNote:
    """What the audit event of one written row says, set by the caller that knows why: the
    preview's label and its old → new values, and where it came from (file and row)."""

    summary: str
    comment: str = ""
    changes: dict = field(default_factory=dict)


class RowRejected(Exception):
    """Row ``index`` of a write cannot be saved; ``message`` says why (Chinese)."""

    def __init__(self, index: int, message: str):
        self.index, self.message = index, message
        super().__init__(message)


@dataclass(frozen=True)
class RegionValues:
    code: str
    name: str
    short_name: str
    parent_code: str | None
    level: int
    kind: str
    aliases: tuple[str, ...] | None  # None: leave the old names as they are
    order: int = 0  # for a new region: its place among its siblings


@transaction.atomic
def regions_save(*, actor: User | None, rows: list[tuple[RegionValues, AuditNote]]) -> list[Region]:
    """Create or update regions, parents before children, with their old names; one audit event
    each. (Whether a region may move under another parent, given the returns below it, is the
    caller's question: returns are not this app's.)"""
    by_code = {r.code: r for r in Region.objects.select_for_update().filter(code__in=_codes(rows))}
    saved = []
    for index, (values, note) in enumerate(rows):
        region = by_code.get(values.code)
        created = region is None
        if created:
            region = Region(code=values.code, order=values.order)
        parent = by_code.get(values.parent_code) if values.parent_code else None
        if values.parent_code and parent is None:
            parent = Region.objects.filter(code=values.parent_code).first()
        region.name, region.short_name, region.level, region.kind = (
            values.name,
            values.short_name,
            values.level,
            values.kind,
        )
        region.parent = parent
        try:
            region.full_clean()
        except ValidationError as exc:
            raise RowRejected(index, "；".join(m for ms in exc.message_dict.values() for m in ms)) from None
        region.save()
        by_code[region.code] = region
        if values.aliases is not None:
            wanted = set(values.aliases)
            have = {a.name: a for a in region.aliases.all()}
            for name in wanted - set(have):
                RegionAlias.objects.create(region=region, name=name)
            for name in set(have) - wanted:
                have[name].delete()
        _audit(
            region,
            note.changes,
            created,
            actor=actor,
            summary=note.summary,
            region=region,
            comment=note.comment,
        )
        saved.append(region)
    return saved


def _codes(rows) -> set[str]:
    return {values.code for values, _ in rows} | {
        values.parent_code for values, _ in rows if values.parent_code
    }


@dataclass(frozen=True)
class AllocationWrite:
    """One allocation line an import writes: new (``current`` None), changed or removed."""

    action: str  # create / update / delete
    current: Allocation | None
    recipient: Region
    kind: str
    notice: Notice
    amount: Decimal | None  # None when removed
    order: int | None
    note: AuditNote


@transaction.atomic
def allocations_write(
    *, actor: User | None, fund: Fund, from_region: Region, source: str, rows: list[AllocationWrite]
) -> None:
    """Write an allocation table's lines from ``from_region`` (bulk: a table has thousands of
    lines), one audit event per line with its old and new amounts."""
    for notice in {row.notice for row in rows if row.action == "create"}:
        check_notice_of_fund(notice, fund)
    events: list[tuple[Allocation, AuditNote, str]] = []
    creates, updates = [], []
    for row in rows:
        if row.action == "delete":
            pk = row.current.pk
            row.current.delete()
            row.current.pk = pk  # the event names the line that was removed
            events.append((row.current, row.note, AuditEvent.Action.EDIT))
        elif row.action == "update":
            row.current.amount = row.amount
            updates.append(row)
        elif row.action == "create":
            allocation = Allocation(
                fund=fund,
                notice=row.notice,
                from_region=from_region,
                region=row.recipient,
                kind=row.kind,
                source=source,
                amount=row.amount,
                order=row.order,
            )
            creates.append((row, allocation))
    Allocation.objects.bulk_update([row.current for row in updates], ["amount"], batch_size=500)
    Allocation.objects.bulk_create([a for _, a in creates], batch_size=500)
    events += [(row.current, row.note, AuditEvent.Action.EDIT) for row in updates]
    for row, allocation in creates:
        if allocation.pk is None:  # databases that do not return keys from bulk_create
            allocation = Allocation.objects.get(
                fund=fund,
                notice=allocation.notice,
                region=allocation.region,
                kind=allocation.kind,
                source=allocation.source,
                project__isnull=True,
            )
        events.append((allocation, row.note, AuditEvent.Action.CREATE))
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                action=action,
                object_type=allocation._meta.label_lower,
                object_id=str(allocation.pk),
                region=allocation.region,
                fund=fund,
                summary=note.summary[:300],
                comment=note.comment,
                changes=note.changes,
            )
            for allocation, note, action in events
        ],
        batch_size=500,
    )


# --- writes planned by the whole-fund import ------------------------------------------------------


@transaction.atomic
def project_save(
    *, actor: User | None, fund: Fund, name: str, region: Region, note: AuditNote | None = None
) -> tuple[Project, dict]:
    """A named project of ``fund`` run in ``region``, by its name (unique in the fund)."""
    if region.level != Region.Level.COUNTY:
        raise ValueError(f"项目的实施地区应为县市区或预算单位，{region.name}是{region.get_level_display()}。")
    project, changes, created = _save(Project, {"fund": fund, "name": name.strip()}, {"region": region})
    note = note or AuditNote(summary=f"{'登记' if created else '修改'}项目{project.name}")
    _audit(
        project,
        note.changes or changes,
        created,
        actor=actor,
        summary=note.summary,
        region=region,
        fund=fund,
        comment=note.comment,
    )
    return project, changes


@dataclass(frozen=True)
class FundAllocationWrite:
    """One allocation line of a whole fund: new (``current`` None), changed or removed. Unlike
    an allocation table's lines, each has its own giver, source and recipient (a project too)."""

    action: str  # create / update / delete
    current: Allocation | None
    notice: Notice | None = None
    from_region: Region | None = None  # None: the centre
    region: Region | None = None
    project: Project | None = None
    kind: str = ""
    source: str = ""
    amount: Decimal | None = None
    order: int = 0
    note: AuditNote | None = None


@transaction.atomic
def fund_allocations_write(*, actor: User | None, fund: Fund, rows: list[FundAllocationWrite]) -> None:
    """Write the allocation lines of a whole fund as an import planned them: removals first,
    then changes (amount, giver, place), then new lines, in bulk (a fund has thousands of lines;
    the importer checked each against the rules the constraints hold); one audit event each."""
    for notice in {row.notice for row in rows if row.action == "create"}:
        check_notice_of_fund(notice, fund)
    events: list[tuple[Allocation, FundAllocationWrite, str]] = []
    for row in rows:
        if row.action == "delete":
            pk = row.current.pk
            row.current.delete()
            row.current.pk = pk  # the event names the line that was removed
            events.append((row.current, row, AuditEvent.Action.EDIT))
    updates = [row for row in rows if row.action == "update"]
    for row in updates:
        row.current.amount, row.current.from_region, row.current.order = (
            row.amount,
            row.from_region,
            row.order,
        )
    Allocation.objects.bulk_update([row.current for row in updates], ["amount", "from_region", "order"])
    events += [(row.current, row, AuditEvent.Action.EDIT) for row in updates]
    creates = [
        (
            row,
            Allocation(
                fund=fund,
                notice=row.notice,
                from_region=row.from_region,
                region=row.region,
                project=row.project,
                kind=row.kind,
                source=row.source,
                amount=row.amount,
                order=row.order,
            ),
        )
        for row in rows
        if row.action == "create"
    ]
    Allocation.objects.bulk_create([allocation for _, allocation in creates], batch_size=500)
    for row, allocation in creates:
        if allocation.pk is None:  # databases that do not return keys from bulk_create
            allocation = Allocation.objects.get(
                fund=fund,
                notice=row.notice,
                region=row.region,
                project=row.project,
                kind=row.kind,
                source=row.source,
            )
        events.append((allocation, row, AuditEvent.Action.CREATE))
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                action=action,
                object_type=allocation._meta.label_lower,
                object_id=str(allocation.pk),
                region=allocation.region or allocation.project.region,
                fund=fund,
                summary=(row.note.summary if row.note else str(allocation))[:300],
                comment=row.note.comment if row.note else "",
                changes=row.note.changes if row.note else {},
            )
            for allocation, row, action in events
        ],
        batch_size=500,
    )
