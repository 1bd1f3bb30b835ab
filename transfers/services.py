"""Every change to funds, notices and allocations: one function each, in a transaction, audited.

Each ``*_save`` creates the row when its natural key is new and otherwise changes only the
fields whose values differ; it returns the row and the changes ({field label: [old, new]}),
empty when nothing differed (and then nothing is written, not even an audit event), so that
loading the same figures twice changes nothing.
"""

from datetime import date
from decimal import Decimal

from django.db import models, transaction

from evalportal.models import AuditEvent, User
from transfers.models import Allocation, Fund, Notice, Region


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


def _audit(obj, changes: dict, created: bool, *, actor, summary: str, region=None, fund=None) -> None:
    if not changes:
        return
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.EDIT,
        obj=obj,
        summary=summary,
        region=region,
        fund=fund,
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
) -> tuple[Fund, dict]:
    """A fund by its code, received by the province ``region``."""
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
    fund, changes, created = _save(Fund, {"code": code}, values)
    verb = "登记" if created else "修改"
    _audit(fund, changes, created, actor=actor, summary=f"{verb}资金{fund.code}", region=region, fund=fund)
    return fund, changes


@transaction.atomic
def notice_save(
    *,
    actor: User | None,
    number: str,
    title: str,
    issuer: str,
    issued_on: date | None = None,
    note: str = "",
) -> tuple[Notice, dict]:
    """A notice by its 文号; one without a 文号 (not known) by its title."""
    number, title = number.strip(), title.strip()
    lookup = {"number": number} if number else {"number": "", "title": title}
    values = {"issuer": issuer, "issued_on": issued_on, "note": note} | ({"title": title} if number else {})
    notice, changes, created = _save(Notice, lookup, values)
    verb = "登记" if created else "修改"
    _audit(notice, changes, created, actor=actor, summary=f"{verb}文件{notice}")
    return notice, changes


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
