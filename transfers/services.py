"""Every change to funds, notices, allocations and projects: one function each, in a transaction,
audited.

Each ``*_save`` creates the row when its natural key is new and otherwise changes only the
fields whose values differ; it returns the row and the changes ({field label: [old, new]}),
empty when nothing differed (and then nothing is written, not even an audit event), so that
loading the same figures twice changes nothing.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from common.bulk import insert_rows
from evalportal.models import AuditEvent, User
from transfers.models import Allocation, CentralFund, Fund, Notice, Project, Region, RegionAlias
from transfers.tree import subtree_q

KEEP = object()  # an argument not given: the field stays as it is


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        # Two places, as money is written (300.00); the 元 of an amount kept to them (2.472) stay.
        cents = value.quantize(Decimal("0.01"))
        return f"{cents:f}" if cents == value else f"{value.normalize():f}"
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
    central: CentralFund | None | object = KEEP,
    comment: str = "",
) -> tuple[Fund, dict]:
    """A fund by its code, received by the province ``region``; ``comment`` says where the
    values came from (an import's file and row). ``central``: the central fund it is this
    province's copy of (None for none), left as it is when not given (an import)."""
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
    if central is not KEEP:
        _check_central(central, code=code, year=year, region=region)
        values["central"] = central
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


def _check_central(central: CentralFund | None, *, code: str, year: int, region: Region) -> None:
    """A province's fund is the copy of a central fund of the same year, and the only one of
    the province (the ministry's board has one row a province)."""
    if central is None:
        return
    if central.year != year:
        raise ValidationError(
            {"central": f"中央资金“{central.name}”是{central.year}年的，本资金是{year}年的。"}
        )
    taken = central.funds.filter(region=region).exclude(code=code).first()
    if taken is not None:
        raise ValidationError(
            {"central": f"{region.name}已有资金{taken.code}对应“{central.name}”，每个省份只对应一项。"}
        )


@transaction.atomic
def central_fund_save(
    *, actor: User | None, code: str, name: str, year: int, department: str = "民政部", comment: str = ""
) -> tuple[CentralFund, dict]:
    """A central fund by its code, as the ministry sends it to the provinces (the deployment's
    administrator records it; each province then points its own fund at it)."""
    central, changes, created = _save(
        CentralFund, {"code": code}, {"name": name, "year": year, "department": department}
    )
    _audit(
        central,
        changes,
        created,
        actor=actor,
        summary=f"{'登记' if created else '修改'}中央资金{central.code}",
        comment=comment,
    )
    return central, changes


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
    region: Region | None,
    kind: str,
    source: str,
    amount: Decimal,
    from_region: Region | None,
    order: int = 0,
    project: Project | None = None,
) -> tuple[Allocation, dict]:
    """One allocation line: the money ``notice`` sends ``region`` or ``project`` (from the
    centre when ``from_region`` is None). Allocations of a whole table go through the
    allocation import."""
    check_notice_of_fund(notice, fund)
    if (region is None) == (project is None):
        raise ValueError("分配对象必须是一个地区/单位或一个项目，且只能是其一。")
    lookup = {
        "fund": fund,
        "notice": notice,
        "region": region,
        "project": project,
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
        summary=f"{giver}向{(project or region).name}{allocation.get_kind_display()}{_display(amount)}万元（{notice}）",
        region=project.region if project else region,
        fund=fund,
    )
    return allocation, changes


def allocation_remove(*, actor: User | None, allocation: Allocation, summary: str, region: Region) -> None:
    """Delete one allocation line, audited with the amount it had (``summary`` says whose)."""
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.EDIT,  # the audit trail has no separate word for a removal
        obj=allocation,
        summary=f"{summary}{_display(allocation.amount)}万元（{allocation.notice}）",
        region=region,
        fund=allocation.fund,
        changes={"金额（万元）": [_display(allocation.amount), None]},
    )
    allocation.delete()


@transaction.atomic
def project_change(
    *, actor: User, fund: Fund, region: Region, name: str, project: Project | None = None
) -> Project:
    """Record a named project of ``fund`` run in the county ``region`` (or by a bureau that
    reports its own projects), or rename or move it (the setup page's write; ``project_save``
    is the whole-fund import's, by the name). (Whether it may move, given its returns, is the
    caller's question.)"""
    name = name.strip()
    if region.level != Region.Level.COUNTY or (region.is_budget_unit and region.kind != Region.Kind.BUREAU):
        raise ValidationError(
            {"region": f"项目只能设在县级区划或行政机关，{region.name}不是县级区划或行政机关。"}
        )
    if not Region.objects.filter(subtree_q(fund.region), pk=region.pk).exists():
        raise ValidationError({"region": f"{region.name}不在{fund.region.name}。"})
    if Project.objects.filter(fund=fund, name=name).exclude(pk=getattr(project, "pk", None)).exists():
        raise ValidationError({"name": f"本资金已有名为“{name}”的项目。"})
    if project is None:
        project, changes, created = _save(Project, {"fund": fund, "name": name}, {"region": region})
        changes = {"项目名称": [None, name]} | changes
    else:
        project = Project.objects.select_for_update().get(pk=project.pk)
        changes = {}
        if project.name != name:
            changes["项目名称"] = [project.name, name]
        if project.region_id != region.pk:
            changes["实施地区"] = [project.region.name, region.name]
        project.name, project.region = name, region
        project.full_clean()
        project.save()
        created = False
    verb = "登记" if created else "修改"
    _audit(
        project, changes, created, actor=actor, summary=f"{verb}项目{project.name}", region=region, fund=fund
    )
    return project


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
    order: int = 0  # its place among its siblings


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
            region = Region(code=values.code)
        parent = by_code.get(values.parent_code) if values.parent_code else None
        if values.parent_code and parent is None:
            parent = Region.objects.filter(code=values.parent_code).first()
        region.name, region.short_name, region.level, region.kind, region.order = (
            values.name,
            values.short_name,
            values.level,
            values.kind,
            values.order,
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


# --- the national code list (fixtures/regions/regions_cn.csv, loaded by load_regions) ----------


class CodeListRefused(Exception):
    """A code list that cannot be loaded as it stands; ``errors`` say why (Chinese)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("；".join(errors[:5]))


@dataclass
class CodeListLoad:
    """What one load of the code list did, by code."""

    created: list[str] = field(default_factory=list)
    renamed: dict[str, list[str]] = field(default_factory=dict)  # code → [old name, new name]
    changed: dict[str, dict] = field(default_factory=dict)  # code → {field: [old, new]}
    withdrawn: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # regions made before, now kept by the list
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(
            self.created or self.renamed or self.changed or self.withdrawn or self.restored or self.adopted
        )

    def describe(self) -> str:
        text = (
            f"新增{len(self.created)}个，更名{len(self.renamed)}个，"
            f"停用{len(self.withdrawn)}个，未变{self.unchanged}个"
        )
        if self.restored:
            text += f"，恢复{len(self.restored)}个"
        if self.changed:
            text += f"，修改简称、曾用名或类型{len(self.changed)}个"
        if self.adopted:
            text += f"，已有区划纳入代码表{len(self.adopted)}个"
        return f"全国区划代码表：{text}。"


CODE_LIST_KINDS = (Region.Kind.ADMINISTRATIVE, Region.Kind.DEVELOPMENT_ZONE)


@transaction.atomic
def regions_load(*, actor: User | None, rows: list[RegionValues], source: str) -> CodeListLoad:
    """Bring the regions up to the national code list ``rows`` (every province, prefecture and
    county-level unit, parents before children), in bulk, with one audit event for the load.

    The list manages the regions it lists (``Region.in_code_list``) and nothing else: a code new
    to the portal is created; a listed region takes the list's name (the old name stays as an
    alias, so documents and imports still resolve it), kind, and short name and aliases where the
    list has them (it never removes a short name or an alias a province gave); a region the
    list managed and no longer lists is made inactive, its returns and history untouched, but
    only within the provinces the list covers, so a list of one province withdraws nothing
    elsewhere. Budget units and the regions a province added itself are never touched. A
    region's parent is not changed by a load (that would move returns under review): such a
    list is refused, the region import is the way to move a region. Loading the same list
    twice changes nothing and writes no audit event."""
    errors = _code_list_errors(rows)
    if errors:
        raise CodeListRefused(errors)
    regions = {r.code: r for r in Region.objects.select_for_update(no_key=True).prefetch_related("aliases")}
    by_pk = {r.pk: r for r in regions.values()}
    result = CodeListLoad()
    new_rows: list[tuple[int, RegionValues]] = []
    updated: list[Region] = []
    new_aliases: list[RegionAlias] = []
    for position, values in enumerate(rows, start=1):
        region = regions.get(values.code)
        if region is None:
            new_rows.append((position, values))
            continue
        parent = by_pk.get(region.parent_id)
        if (parent.code if parent else None) != values.parent_code or region.level != values.level:
            errors.append(
                f"{values.code} {values.name}：代码表中的上级是{values.parent_code or '（无）'}，"
                f"本系统中是{parent.code if parent else '（无）'}。载入代码表不改变已有区划的上级"
                "（会改变其下已提交填报的汇总），请核对后用区划导入（import_regions）调整。"
            )
            continue
        changes, aliases = _code_list_changes(region, values, source)
        if changes or aliases:
            updated.append(region)
            new_aliases += aliases
            if "全称" in changes:
                result.renamed[region.code] = changes.pop("全称")
            if "有效" in changes:
                changes.pop("有效")
                result.restored.append(region.code)
            if "列入区划代码表" in changes:
                changes.pop("列入区划代码表")
                result.adopted.append(region.code)
            if changes:
                result.changed[region.code] = changes
        else:
            result.unchanged += 1
    listed = {values.code for values in rows}
    roots = {values.code for values in rows if values.parent_code is None}
    withdrawn = [
        region
        for region in regions.values()
        if region.in_code_list
        and region.is_active
        and region.code not in listed
        and _root(region, by_pk).code in roots
    ]
    if errors:
        raise CodeListRefused(errors)

    ids = {code: region.pk for code, region in regions.items()}
    for level in Region.Level:
        batch = [
            Region(
                code=values.code,
                name=values.name,
                short_name=values.short_name,
                level=values.level,
                kind=values.kind,
                parent_id=ids[values.parent_code] if values.parent_code else None,
                order=position,
                in_code_list=True,
            )
            for position, values in new_rows
            if values.level == level
        ]
        Region.objects.bulk_create(batch, batch_size=500)
        ids.update(Region.objects.filter(code__in=[r.code for r in batch]).values_list("code", "pk"))
    new_aliases += [
        RegionAlias(region_id=ids[values.code], name=name)
        for _, values in new_rows
        for name in sorted(set(values.aliases or ()) - {values.name})
    ]
    Region.objects.bulk_update(
        updated, ["name", "short_name", "kind", "in_code_list", "is_active"], batch_size=500
    )
    RegionAlias.objects.bulk_create(new_aliases, batch_size=500)
    Region.objects.filter(pk__in=[r.pk for r in withdrawn]).update(is_active=False)
    result.created = [values.code for _, values in new_rows]
    result.withdrawn = sorted(r.code for r in withdrawn)
    if result.has_changes:
        AuditEvent.objects.record(
            actor=actor,
            action=AuditEvent.Action.LOAD,
            obj=Region,
            summary=f"载入全国区划代码表 {source}",
            comment=result.describe(),
            changes={
                "来源": source,
                "新增": len(result.created),
                "更名": result.renamed,
                "停用": result.withdrawn,
                "恢复": result.restored,
                "纳入": result.adopted,
                "其他修改": result.changed,
                "未变": result.unchanged,
            },
        )
    return result


def _code_list_errors(rows: list[RegionValues]) -> list[str]:
    """The list as a whole: unique six-digit codes, each parent listed before its children, every
    region exactly one level below its parent, no level below the county."""
    errors, levels = [], {}
    for values in rows:
        where = f"{values.code} {values.name}"
        if not re.fullmatch(r"\d{6}", values.code):
            errors.append(f"{where}：代码表中的代码应为6位数字。")
        elif values.code in levels:
            errors.append(f"{where}：代码重复。")
        elif not values.name or len(values.name) > 100 or len(values.short_name) > 50:
            errors.append(f"{where}：全称为空或过长（全称至多100字，简称至多50字）。")
        elif values.kind not in CODE_LIST_KINDS:
            errors.append(f"{where}：类型应为行政区划（admin）或开发区（zone）。")
        elif values.parent_code is None and values.level != Region.Level.PROVINCE:
            errors.append(f"{where}：没有上级的区划应为省级（1）。")
        elif values.parent_code is not None and values.parent_code not in levels:
            errors.append(f"{where}：上级{values.parent_code}应列在本区划之前。")
        elif values.parent_code is not None and values.level != levels[values.parent_code] + 1:
            errors.append(
                f"{where}：层级{values.level}与上级不符，应为{levels[values.parent_code] + 1}"
                "（区划必须恰好比上级低一级，县级以下不设区划）。"
            )
        elif values.level > Region.Level.COUNTY:
            errors.append(f"{where}：县级以下不设区划。")
        levels.setdefault(values.code, values.level)
    return errors


def _code_list_changes(region: Region, values: RegionValues, source: str) -> tuple[dict, list[RegionAlias]]:
    """Bring ``region`` to the list's ``values`` in memory: {field: [old, new]} and the aliases to add."""
    changes: dict = {}
    have = {alias.name for alias in region.aliases.all()}
    wanted = set(values.aliases or ())
    aliases = []
    if region.name != values.name:
        changes["全称"] = [region.name, values.name]
        if region.name not in have | wanted:
            aliases.append(RegionAlias(region=region, name=region.name, note=f"{source}更名前的名称"))
        region.name = values.name
    if values.short_name and region.short_name != values.short_name:
        changes["简称"] = [region.short_name, values.short_name]
        region.short_name = values.short_name
    if region.kind != values.kind:
        changes["类型"] = [region.get_kind_display(), Region.Kind(values.kind).label]
        region.kind = values.kind
    missing = sorted(wanted - have - {values.name})
    if missing:
        changes["曾用名"] = ["、".join(sorted(have)), "、".join(sorted(have | set(missing)))]
        aliases += [RegionAlias(region=region, name=name) for name in missing]
    if not region.in_code_list:
        changes["列入区划代码表"] = ["否", "是"]
        region.in_code_list = True
    if not region.is_active:
        changes["有效"] = ["否", "是"]
        region.is_active = True
    return changes, aliases


def _root(region: Region, by_pk: dict) -> Region:
    while region.parent_id is not None:
        region = by_pk[region.parent_id]
    return region


@dataclass(frozen=True)
class AllocationWrite:
    """One allocation line an import writes: new (``current`` None), changed or removed."""

    action: str  # create / update / delete
    current: Allocation | None
    region_id: int | None  # the recipient: a region below the importer,
    project_id: int | None  # or a project,
    budget_region_id: int  # and the region whose budget the line is in (a project's county)
    kind: str
    notice: Notice
    amount: Decimal | None  # None when removed
    order: int | None
    note: AuditNote


@transaction.atomic
def allocations_write(
    *, actor: User | None, fund: Fund, from_region: Region, source: str, rows: list[AllocationWrite]
) -> None:
    """Write an allocation table's lines from ``from_region`` in a constant number of
    statements (a national province's table has 30,000 lines): removals in one, changes in
    batches, new lines and one audit event per line (its old and new amounts) each by
    ``common.bulk.insert_rows``. The importer checked every line against the rules the
    constraints hold; the constraints hold anyway."""
    for notice in {row.notice for row in rows if row.action == "create"}:
        check_notice_of_fund(notice, fund)
    deletes = [row for row in rows if row.action == "delete"]
    updates = [row for row in rows if row.action == "update"]
    creates = [row for row in rows if row.action == "create"]
    for start in range(0, len(deletes), 500):
        Allocation.objects.filter(pk__in=[row.current.pk for row in deletes[start : start + 500]]).delete()
    for row in updates:
        row.current.amount = row.amount
    Allocation.objects.bulk_update([row.current for row in updates], ["amount"], batch_size=500)
    # New lines by ids, as tuples: 60,000 lines are not worth a model instance each.
    created = insert_rows(
        Allocation,
        (
            "fund_id",
            "notice_id",
            "from_region_id",
            "region_id",
            "project_id",
            "kind",
            "source",
            "amount",
            "order",
        ),
        [
            (
                fund.pk,
                row.notice.pk,
                from_region.pk,
                row.region_id,
                row.project_id,
                row.kind,
                source,
                row.amount,
                row.order,
            )
            for row in creates
        ],
    )
    written = [(row.current.pk, row, AuditEvent.Action.EDIT) for row in deletes + updates]
    written += [(pk, row, AuditEvent.Action.CREATE) for pk, row in zip(created, creates, strict=True)]
    actor_id = actor.pk if actor is not None else None
    label = Allocation._meta.label_lower
    insert_rows(
        AuditEvent,
        (
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "region_id",
            "fund_id",
            "summary",
            "comment",
            "changes",
        ),
        [
            (
                actor_id,
                action,
                label,
                str(pk),
                row.budget_region_id,
                fund.pk,
                row.note.summary[:300],
                row.note.comment,
                row.note.changes,
            )
            for pk, row, action in written
        ],
    )


# --- writes planned by the whole-fund import ------------------------------------------------------


@transaction.atomic
def project_save(
    *,
    actor: User | None,
    fund: Fund,
    name: str,
    region: Region,
    note: AuditNote | None = None,
    summary: str | None = None,
    order: int | None = None,
    total_estimate: Decimal | None = None,
) -> tuple[Project, dict]:
    """A named project of ``fund`` run in ``region``, by its name (unique in the fund): a county
    project, or a budget unit's own (seed 004's five of 张掖市民政局). ``summary`` is its
    项目概况, ``order`` its place among the projects of its region (report F's chapters),
    ``total_estimate`` its 资金总概算 in 万元 (to the 元); None leaves each as it is."""
    if region.level != Region.Level.COUNTY:
        raise ValueError(f"项目的实施地区应为县市区或预算单位，{region.name}是{region.get_level_display()}。")
    if not Region.objects.filter(subtree_q(fund.region), pk=region.pk).exists():
        raise ValueError(f"{region.name}不在{fund.region.name}。")
    if total_estimate is not None and total_estimate < 0:
        raise ValueError(f"项目“{name.strip()}”的资金总概算不能为负数。")
    given = (("summary", summary), ("order", order), ("total_estimate", total_estimate))
    described = {key: value for key, value in given if value is not None}
    values = {"region": region} | described
    project, changes, created = _save(Project, {"fund": fund, "name": name.strip()}, values)
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
