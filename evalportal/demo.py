"""Loading the demo data: the 新疆 region tree and the two 2024 funds of the seed documents.

Idempotent: every row is looked up by its natural key and only written when a value differs,
so a second run changes nothing (and writes no audit event).
"""

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from evalportal.models import AuditEvent, Role, User
from evalportal.seeds import (
    SEED_000,
    SEED_003,
    IndicatorRow,
    TargetTableText,
    read_seed_000,
    read_seed_003,
    split_reason,
)
from evalportal.services import audit_record
from indicators.models import (
    Aspect,
    IndicatorActual,
    IndicatorTarget,
    Return,
    ReturnFunding,
    ReturnNarrative,
    TargetTable,
)
from transfers.models import Allocation, Fund, MoneySource, Notice, Region, RegionAlias
from transfers.names import RegionIndex

REGIONS_CSV = settings.BASE_DIR / "fixtures" / "regions_xj.csv"
DEMO_PASSWORD = "demo2024"
DEMO_USERS = [
    # username, display name, region code, role
    ("admin_xj", "自治区民政厅管理员", "650000", Role.ADMIN),
    ("reviewer_yili", "伊犁州民政局审核员", "654000", Role.REVIEWER),
    ("clerk_yining", "伊宁市民政局填报员", "654002", Role.CLERK),
    ("clerk_huocheng", "霍城县民政局填报员", "654023", Role.CLERK),
    ("auditor_xj", "自治区财政厅查阅", "650000", Role.VIEWER),
]
PROVINCE_FINANCE = "新疆维吾尔自治区财政厅"
PROVINCE_CIVIL = "新疆维吾尔自治区民政厅"
ASPECT_BY_LABEL = {aspect.label: aspect.value for aspect in Aspect}


@dataclass
class LoadSummary:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def describe(self) -> str:
        if not self.changed:
            return "演示数据已是最新，未作任何修改。"
        parts = [f"新增{name}{count}条" for name, count in sorted(self.created.items())]
        parts += [f"更新{name}{count}条" for name, count in sorted(self.updated.items())]
        return "；".join(parts) + "。"


class _Loader:
    def __init__(self, summary: LoadSummary):
        self.summary = summary

    def upsert(self, model, lookup: dict, values: dict):
        """Fetch by natural key; create, or update only the fields whose values differ."""
        label = model._meta.verbose_name
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.summary.created[label] += 1
            return obj
        changed = [name for name, value in values.items() if not _same(obj, name, value)]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save(update_fields=changed)
            self.summary.updated[label] += 1
        return obj


def _same(obj, name: str, value) -> bool:
    """Compare a field without fetching the related object of a foreign key."""
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname) == (value.pk if value is not None else None)
    return getattr(obj, name) == value


def load_demo(seeds_dir: Path | None = None) -> LoadSummary:
    seeds_dir = Path(seeds_dir or settings.SEEDS_DIR)
    for name in (SEED_000, SEED_003):
        if not (seeds_dir / name).exists():
            raise FileNotFoundError(
                f"找不到种子文件 {seeds_dir / name}：请设置 SEEDS_DIR 指向 shared/seeds。"
            )
    seed000 = read_seed_000(seeds_dir / SEED_000)
    seed003 = read_seed_003(seeds_dir / SEED_003)

    summary = LoadSummary()
    loader = _Loader(summary)
    with transaction.atomic():
        _load_regions(loader)
        index = RegionIndex.build()
        province = Region.objects.get(code="650000")
        _load_elderly_fund(loader, index, province, seed000)
        _load_relief_fund(loader, index, province, seed003)
        _load_users(loader)
        if summary.changed:
            audit_record(
                actor=None,
                action=AuditEvent.Action.LOAD,
                obj=province,
                summary="加载演示数据",
                region=province,
                comment=summary.describe(),
                changes={"created": dict(summary.created), "updated": dict(summary.updated)},
            )
    return summary


def _load_regions(loader: _Loader) -> None:
    with open(REGIONS_CSV, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code: dict[str, Region] = {}
    for order, row in enumerate(rows, start=1):
        region = loader.upsert(
            Region,
            {"code": row["code"]},
            {
                "name": row["name"],
                "short_name": row["short_name"],
                "level": int(row["level"]),
                "kind": row["kind"],
                "parent": by_code.get(row["parent_code"]),
                "order": order,
            },
        )
        by_code[region.code] = region
        for alias in filter(None, row["aliases"].split("|")):
            loader.upsert(RegionAlias, {"region": region, "name": alias}, {})


def _notice(loader: _Loader, *, number: str, title: str, issuer: str, note: str = "") -> Notice:
    lookup = {"number": number} if number else {"number": "", "title": title}
    values = {"issuer": issuer, "note": note} | ({"title": title} if number else {})
    return loader.upsert(Notice, lookup, values)


def _target_table(loader, fund, region, parent, text: TargetTableText) -> TargetTable:
    table = loader.upsert(
        TargetTable,
        {"fund": fund, "region": region, "project": None},
        {"parent": parent, "overall_goals": text.overall_goals},
    )
    parent_rows = list(parent.indicators.order_by("order")) if parent else []
    for order, row in enumerate(text.indicators, start=1):
        loader.upsert(
            IndicatorTarget,
            {"table": table, "order": order},
            {
                "level1": row.level1,
                "level2": row.level2,
                "name": row.name,
                "target_text": row.target,
                # A lower table is a copy of its parent: the same position is the same indicator.
                "parent_indicator": parent_rows[order - 1] if order <= len(parent_rows) else None,
            },
        )
    return table


def _load_elderly_fund(loader, index: RegionIndex, province: Region, seed) -> None:
    fund = loader.upsert(
        Fund,
        {"code": "xj-2024-elderly"},
        {
            "name": "中央财政困难群众救助补助资金",
            "direction": "支持困难失能老年人等群体基本养老服务救助方向",
            "batch": "",
            "year": 2024,
            "region": province,
            "central_department": "[118]民政部",
            "finance_department": PROVINCE_FINANCE,
            "line_department": PROVINCE_CIVIL,
        },
    )
    central_notice = _notice(
        loader,
        number="财社〔2024〕179号",
        issuer="财政部 民政部",
        title="财政部 民政部关于下达2024年中央财政困难群众救助补助资金"
        "（支持困难失能老年人等群体基本养老服务救助方向）预算的通知",
        note="2024年12月",
    )
    province_notice = _notice(
        loader,
        number="新财社〔2024〕210号",
        issuer=f"{PROVINCE_FINANCE} {PROVINCE_CIVIL}",
        title="关于下达2024年中央财政困难群众救助补助资金"
        "（支持困难失能老年人等群体基本养老服务救助方向）预算的通知",
        note="2024年12月",
    )
    loader.upsert(
        Allocation,
        {
            "fund": fund,
            "notice": central_notice,
            "region": province,
            "project": None,
            "kind": Allocation.Kind.BATCH,
            "source": MoneySource.CENTRAL,
        },
        {"from_region": None, "amount": seed.central_amount, "order": 0},
    )
    for order, (name, amount) in enumerate(seed.allocations, start=1):
        loader.upsert(
            Allocation,
            {
                "fund": fund,
                "notice": province_notice,
                "region": index.resolve(name),
                "project": None,
                "kind": Allocation.Kind.BATCH,
                "source": MoneySource.CENTRAL,
            },
            {"from_region": province, "amount": amount, "order": order},
        )

    central_table = _target_table(loader, fund, province, None, seed.central_table)
    for text in seed.regional_tables:
        _target_table(loader, fund, index.resolve(text.region), central_table, text)

    # The province's own return holds its 自评表; each prefecture's, its line of 执行表 2-1.
    sheet = seed.sheet
    report = loader.upsert(
        Return,
        {"fund": fund, "region": province, "project": None, "period": "year_end"},
        {"status": Return.Status.APPROVED, "goal_achievement": sheet.goal_achievement},
    )
    for label, source in (
        ("中央财政资金", MoneySource.CENTRAL),
        ("地方财政资金", MoneySource.LOCAL),
        ("其他资金", MoneySource.OTHER),
    ):
        budget, spent = sheet.money[label]
        loader.upsert(ReturnFunding, {"report": report, "source": source}, {"budget": budget, "spent": spent})
    for label, (description, problems) in sheet.narratives.items():
        loader.upsert(
            ReturnNarrative,
            {"report": report, "aspect": ASPECT_BY_LABEL[label]},
            {"description": description, "problems": problems},
        )
    _actuals(loader, report, central_table, sheet.indicators)

    for line in seed.execution:
        region = index.resolve(line.region)
        prefecture_report = loader.upsert(
            Return,
            {"fund": fund, "region": region, "project": None, "period": "year_end"},
            {"status": Return.Status.APPROVED},
        )
        loader.upsert(
            ReturnFunding,
            {"report": prefecture_report, "source": MoneySource.CENTRAL},
            {"budget": line.budget, "spent": line.spent},
        )


def _actuals(loader, report: Return, table: TargetTable, rows: list[IndicatorRow]) -> None:
    indicators = list(table.indicators.order_by("order"))
    if len(indicators) != len(rows):
        raise ValueError("自评表的指标数与目标表不一致。")
    for indicator, row in zip(indicators, rows, strict=True):
        reason, measure = split_reason(row.remark)
        loader.upsert(
            IndicatorActual,
            {"report": report, "indicator": indicator},
            {"actual_text": row.actual, "reason": reason, "measure": measure},
        )


def _load_relief_fund(loader, index: RegionIndex, province: Region, seed) -> None:
    fund = loader.upsert(
        Fund,
        {"code": "xj-2024-relief"},
        {
            "name": "中央财政困难群众救助补助资金",
            "direction": "",
            "batch": "",
            "year": 2024,
            "region": province,
            "central_department": "[118]民政部",
            "finance_department": PROVINCE_FINANCE,
            "line_department": PROVINCE_CIVIL,
        },
    )
    issuer = f"{PROVINCE_FINANCE} {PROVINCE_CIVIL}"
    central_batch = _notice(
        loader,
        number=seed.central_notice_number,
        issuer="财政部 民政部",
        title="财政部 民政部关于下达2024年中央财政困难群众救助补助资金预算的通知",
    )
    central_advance = _notice(
        loader,
        number="",
        issuer="财政部 民政部",
        title="财政部 民政部关于提前下达2024年中央财政困难群众救助补助资金预算的通知",
        note="文号未载于种子文件003；金额为其附件1“提前下达”列合计。",
    )
    province_batch = _notice(
        loader,
        number=seed.notice_number,
        issuer=issuer,
        title="关于下达2024年中央财政困难群众救助补助资金预算的通知",
    )
    province_advance = _notice(
        loader,
        number="",
        issuer=issuer,
        title="关于提前下达2024年中央财政困难群众救助补助资金预算的通知",
        note=f"文号未载于种子文件003；金额见{seed.notice_number}附件1“提前下达”列。",
    )
    # The centre's money, split as the province passed it on (advance and this batch).
    for kind, notice, amount in (
        (Allocation.Kind.ADVANCE, central_advance, seed.grand_total.advance),
        (Allocation.Kind.BATCH, central_batch, seed.grand_total.batch),
    ):
        loader.upsert(
            Allocation,
            {
                "fund": fund,
                "notice": notice,
                "region": province,
                "project": None,
                "kind": kind,
                "source": MoneySource.CENTRAL,
            },
            {"from_region": None, "amount": amount, "order": 0},
        )
    order = 0
    for line in seed.lines:
        if line.is_subtotal:
            prefecture = index.resolve(line.prefecture)
            continue
        order += 1
        recipient = index.resolve(line.recipient, within=prefecture)
        for kind, notice, amount in (
            (Allocation.Kind.ADVANCE, province_advance, line.advance),
            (Allocation.Kind.BATCH, province_batch, line.batch),
        ):
            loader.upsert(
                Allocation,
                {
                    "fund": fund,
                    "notice": notice,
                    "region": recipient,
                    "project": None,
                    "kind": kind,
                    "source": MoneySource.CENTRAL,
                },
                {"from_region": province, "amount": amount, "order": order},
            )

    province_table = _target_table(loader, fund, province, None, seed.province_table)
    for text in seed.regional_tables:
        _target_table(loader, fund, index.resolve(text.region), province_table, text)


def _load_users(loader: _Loader) -> None:
    for username, display_name, code, role in DEMO_USERS:
        values = {
            "display_name": display_name,
            "region": Region.objects.get(code=code),
            "role": role,
            "is_active": True,
        }
        if not User.objects.filter(username=username).exists():
            user = User(username=username, **values)
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            loader.summary.created[User._meta.verbose_name] += 1
            continue
        user = loader.upsert(User, {"username": username}, values)
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            loader.summary.updated[User._meta.verbose_name] += 1
