"""Build the national dataset of issue #14 into the PostgreSQL database of DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evalportal_bench \\
        /work/main/.venv/bin/python bench/national_dataset.py [--provinces 31] [--funds 50] [--indicators 20]

Refuses any database whose name lacks "bench": it empties the database first (manage.py flush).

What it writes, as the services would have written it:

* the regions: the national code list (``fixtures/regions/regions_cn.csv``) through the
  portal's own load (``transfers.code_list.load_code_list`` → ``regions_load``);
* accounts: per province an administrator and a reviewer, per prefecture a reviewer, per
  county a clerk (``<role>_<code>``, password ``bench2024``);
* per province and central fund (``--funds``): a ``Fund`` (code ``nat<NN>-<province>``), four
  notices (the centre's 提前下达 and 本次下达, the province's two), the centre's two lines to the
  province (as ``fund_received_set``), the province's 提前下达 and 本次下达 to every county
  (a prefecture without counties takes its money itself; every tenth batch an adjustment
  below zero), as the allocation import writes them; the province's 全区 target table with
  ``--indicators`` indicators (counts, rates, at-most days, qualitative wording), a copy for
  every prefecture and county as ``target_table_copy`` makes it (``parent``,
  ``parent_indicator``, an audit event each; count targets scaled to the counties below);
* a year-end return of every region (province, prefecture, county) as ``return_open`` creates
  it — one ``ReturnFunding`` per money source, one ``IndicatorActual`` per indicator of its
  table, the seven narratives — and as the workflow leaves it: counties 85% 已审核, 7% 已提交,
  3% 已退回, 5% 填报中 (half filled); a prefecture whose counties are all approved 已提交 or
  已审核 with the roll-up of its counties, otherwise 填报中 with the roll-up filled at open; the
  province 填报中. Versions and audit events follow the steps (open, save, submit, approve,
  send back). Misses carry a reason and a measure, as submission demands.

Provinces are taken 新疆 (650000, the demo's) first, then by code; 新疆生产建设兵团 is left out.
Rows go in by COPY through psycopg, one transaction per province, foreign keys and checks on.

``demo_x100(fund, prefecture)`` (used by bench_national.py inside a transaction it rolls
back, or ``--demo-x100`` to keep it) gives one prefecture 100× its counties for one fund.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench2024"
XINJIANG = "650000"
BINGTUAN = "660000"
DEMO_PREFECTURE = "654000"  # 伊犁州: the demo's prefecture, 11 counties
CENT = Decimal("0.01")

FUND_NAMES = [
    "困难群众救助补助资金",
    "中央财政养老服务体系建设补助资金",
    "中央集中彩票公益金支持社会福利事业资金",
    "孤儿基本生活保障补助资金",
    "残疾人事业发展补助资金",
    "流浪乞讨人员救助补助资金",
    "城乡社区服务体系建设补助资金",
    "优抚对象补助经费",
    "退役安置补助经费",
    "农村综合改革转移支付",
]

# (一级, 二级, 三级 name, target kind); kinds: count (≥N人次, scaled by the counties below),
# rate (≥95%), days (≤30日), words (qualitative, the actual repeats the target's wording).
INDICATORS = [
    ("产出指标", "数量指标", "城乡低保对象救助人次", "count"),
    ("产出指标", "数量指标", "特困人员供养人数", "count"),
    ("产出指标", "数量指标", "临时救助人次", "count"),
    ("产出指标", "数量指标", "居家养老服务人次", "count"),
    ("产出指标", "数量指标", "流浪乞讨人员救助人次", "count"),
    ("产出指标", "数量指标", "孤儿基本生活费发放人数", "count"),
    ("产出指标", "质量指标", "低保对象动态管理率", "rate"),
    ("产出指标", "质量指标", "救助资金社会化发放率", "rate"),
    ("产出指标", "质量指标", "特困人员集中供养率", "rate"),
    ("产出指标", "质量指标", "养老机构护理型床位占比", "rate"),
    ("产出指标", "时效指标", "临时救助审批时限", "days"),
    ("产出指标", "时效指标", "低保审核确认时限", "days"),
    ("产出指标", "成本指标", "救助资金发放及时率", "rate"),
    ("效益指标", "社会效益指标", "符合条件的困难群众", "words:应保尽保"),
    ("效益指标", "社会效益指标", "遭遇急难的困难群众", "words:应救尽救"),
    ("效益指标", "社会效益指标", "流浪乞讨人员", "words:及时送返"),
    ("效益指标", "社会效益指标", "符合条件的特困人员", "words:应养尽养"),
    ("效益指标", "可持续影响指标", "困难群众基本生活保障水平", "words:有所提高"),
    ("满意度指标", "服务对象满意度指标", "救助对象满意度", "rate90"),
    ("满意度指标", "服务对象满意度指标", "养老服务对象满意度", "rate90"),
]
COUNTY_COUNT_TARGET = 500
ASPECT_TEXT = "资金按规定程序分配、下达和使用，未发现截留、挤占、挪用等问题。"
REASON = "部分对象年中迁出，动态调整后人次减少。"
MEASURE = "加强动态监测，及时将符合条件的对象纳入救助。"


def _db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def guard(url: str | None) -> None:
    """Refuse any database but a PostgreSQL one named *bench*: the build empties it."""
    if not url or not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "拒绝运行：请用 DATABASE_URL 指定 PostgreSQL 基准测试库（库名须含 bench），当前未指定或不是 PostgreSQL。"
        )
    if "bench" not in _db_name(url):
        sys.exit(
            f"拒绝运行：数据库“{_db_name(url)}”的名称不含 bench。本脚本会清空目标库，"
            "只能用于基准测试专用库（如 evalportal_bench）。"
        )


def setup() -> None:
    guard(os.environ.get("DATABASE_URL"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")
    import django

    django.setup()


def _assert_bench_connection() -> None:
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        raise RuntimeError(f"拒绝写入数据库“{name}”：只能写入名称含 bench 的 PostgreSQL 库。")


# --- COPY with ids assigned here -------------------------------------------------------------


class Copier:
    """Rows per table, ids assigned in Python, written with COPY in dependency order."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.rows: dict[str, list[tuple]] = defaultdict(list)
        self.columns: dict[str, list[str]] = {}
        self.next_ids: dict[str, int] = {}
        self.order: list[str] = []
        self.counts: dict[str, int] = defaultdict(int)

    def table(self, model, columns: list[str]) -> str:
        name = model._meta.db_table
        if name not in self.columns:
            self.columns[name] = ["id", *columns]
            self.order.append(name)
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {name}")
                self.next_ids[name] = cursor.fetchone()[0]
        return name

    def add(self, name: str, *values) -> int:
        pk = self.next_ids[name]
        self.next_ids[name] = pk + 1
        self.rows[name].append((pk, *values))
        return pk

    def flush(self) -> None:
        raw = self.connection.connection  # the psycopg connection, inside Django's transaction
        with raw.cursor() as cursor:
            for name in self.order:
                rows = self.rows.pop(name, [])
                if not rows:
                    continue
                columns = ", ".join(f'"{c}"' for c in self.columns[name])
                with cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                self.counts[name] += len(rows)
            for name in self.order:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )


# --- one province's tree -----------------------------------------------------------------------


@dataclass
class Node:
    region: object
    children: list[Node] = field(default_factory=list)

    @property
    def leaves(self) -> list[Node]:
        if not self.children:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves]


def province_tree(province) -> Node:
    from transfers.models import Region

    root = Node(province)
    by_pk = {province.pk: root}
    for region in Region.objects.filter(parent=province, is_active=True).order_by("order", "code"):
        by_pk[region.pk] = Node(region)
        root.children.append(by_pk[region.pk])
    for region in Region.objects.filter(parent__parent=province, is_active=True).order_by("order", "code"):
        by_pk[region.parent_id].children.append(Node(region))
    return root


def _rng(*parts) -> random.Random:
    return random.Random(hashlib.sha256("|".join(map(str, parts)).encode()).digest())


# --- the writer of one fund in one province ---------------------------------------------------


class FundWriter:
    """Everything of one fund in one province: notices, allocations, tables, returns, audit."""

    def __init__(self, copier: Copier, users: dict, now: datetime, indicators: int):
        from evalportal.models import AuditEvent
        from indicators.models import (
            IndicatorActual,
            IndicatorTarget,
            Return,
            ReturnFunding,
            ReturnNarrative,
            TargetTable,
        )
        from transfers.models import Allocation, Fund, Notice

        self.c, self.users, self.now = copier, users, now
        self.specs = [INDICATORS[i % len(INDICATORS)] for i in range(indicators)]
        self.t_fund = copier.table(
            Fund,
            ["code", "name", "direction", "batch", "year", "region_id", "central_department",
             "finance_department", "line_department", "previous_id"],
        )  # fmt: skip
        self.t_notice = copier.table(
            Notice, ["province_id", "issuer", "number", "title", "issued_on", "issued_month_only", "note"]
        )
        self.t_alloc = copier.table(
            Allocation,
            ["fund_id", "notice_id", "from_region_id", "region_id", "project_id", "kind", "source",
             "amount", "order"],
        )  # fmt: skip
        self.t_table = copier.table(
            TargetTable,
            ["fund_id", "region_id", "project_id", "parent_id", "is_central", "overall_goals",
             "stated_total", "stated_central", "stated_local", "level_weights"],
        )  # fmt: skip
        self.t_ind = copier.table(
            IndicatorTarget,
            ["table_id", "parent_indicator_id", "level1", "level2", "name", "target_text", "order",
             "weight", "rollup_rule", "plausible_min", "plausible_max"],
        )  # fmt: skip
        self.t_ret = copier.table(
            Return,
            ["fund_id", "region_id", "project_id", "period", "status", "goal_achievement", "version",
             "created_at", "updated_at"],
        )  # fmt: skip
        self.t_funding = copier.table(
            ReturnFunding, ["ret_id", "source", "budget", "spent", "forecast", "lag_reason"]
        )
        self.t_actual = copier.table(
            IndicatorActual,
            ["ret_id", "indicator_id", "actual_text", "reason", "measure", "judged_met", "band",
             "denominator", "override_note", "forecast_text", "deviation_cause", "likelihood"],
        )  # fmt: skip
        self.t_narr = copier.table(ReturnNarrative, ["ret_id", "aspect", "description", "problems"])
        self.t_audit = copier.table(
            AuditEvent,
            ["created_at", "actor_id", "action", "object_type", "object_id", "region_id", "fund_id",
             "summary", "comment", "changes"],
        )  # fmt: skip
        self.Return = Return

    # -- audit

    def audit(
        self,
        when,
        actor,
        action,
        object_type,
        object_id,
        region_id,
        fund_id,
        summary,
        comment="",
        changes=None,
    ):
        self.c.add(
            self.t_audit, when, actor, action, object_type, str(object_id), region_id, fund_id,
            summary[:300], comment, json.dumps(changes or {}, ensure_ascii=False),
        )  # fmt: skip

    # -- the fund, its notices and money

    def fund(self, number: int, province) -> dict:
        name = FUND_NAMES[(number - 1) % len(FUND_NAMES)]
        if number > len(FUND_NAMES):
            name = f"{name}（第{(number - 1) // len(FUND_NAMES) + 1}批）"
        short = province.short_name or province.name[:2]
        fund_id = self.c.add(
            self.t_fund, f"nat{number:02d}-{province.code}", name, "", "", 2024, province.pk, "民政部",
            f"{province.name}财政厅", f"{province.name}民政厅", None,
        )  # fmt: skip
        notices = {}
        for key, issuer, number_text, day in (
            ("c_adv", "财政部 民政部", f"财社〔2023〕{100 + number}号", date(2023, 11, 20)),
            ("c_bat", "财政部 民政部", f"财社〔2024〕{100 + number}号", date(2024, 5, 10)),
            ("p_adv", f"{province.name}财政厅", f"{short}财社〔2023〕{200 + number}号", date(2023, 12, 15)),
            ("p_bat", f"{province.name}财政厅", f"{short}财社〔2024〕{200 + number}号", date(2024, 6, 5)),
        ):
            kind = "提前下达" if key.endswith("adv") else "下达"
            title = f"关于{kind}2024年{name}的通知"
            notices[key] = self.c.add(self.t_notice, province.pk, issuer, number_text, title, day, False, "")
        return {"id": fund_id, "code": f"nat{number:02d}-{province.code}", "notices": notices}

    def allocations(self, fund: dict, root: Node, leaves: list[Node], order_from: int = 1) -> tuple:
        """The province's lines to ``leaves``; returns each leaf's budget (by region pk) and
        the sums of the advances and of the batches."""
        budgets, sums = {}, [Decimal(0), Decimal(0)]
        order = order_from
        for leaf in leaves:
            rng = _rng(fund["code"], leaf.region.code, "money")
            advance = Decimal(rng.randint(20000, 90000)) / 100
            batch = Decimal(rng.randint(5000, 40000)) / 100
            if rng.random() < 0.1:
                batch = -Decimal(rng.randint(100, 1500)) / 100
            for kind, notice, amount in (("advance", "p_adv", advance), ("batch", "p_bat", batch)):
                self.c.add(
                    self.t_alloc, fund["id"], fund["notices"][notice], root.region.pk, leaf.region.pk, None,
                    kind, "central", amount, order,
                )  # fmt: skip
                order += 1
            budgets[leaf.region.pk] = advance + batch
            sums[0] += advance
            sums[1] += batch
        return budgets, sums[0], sums[1]

    def central_lines(self, fund: dict, province, advance: Decimal, batch: Decimal) -> None:
        for kind, notice, amount in (("advance", "c_adv", advance), ("batch", "c_bat", batch)):
            self.c.add(
                self.t_alloc, fund["id"], fund["notices"][notice], None, province.pk, None, kind, "central", amount, 0
            )  # fmt: skip

    # -- target tables

    def table(self, fund: dict, region, parent: tuple | None, counties_below: int, total: Decimal) -> tuple:
        """A target table: the province's own (parent None) or a copy of ``parent``; returns
        (table id, [(indicator id, spec, target text)])."""
        goals = "1.保障困难群众基本生活。\n2.提升社会救助服务水平。\n3.加强资金监管，提高资金使用效益。"
        table_id = self.c.add(
            self.t_table, fund["id"], region.pk, None, parent[0] if parent else None, False, goals,
            total.quantize(CENT) if parent is None else None, total.quantize(CENT) if parent is None else None,
            Decimal(0) if parent is None else None, "{}",
        )  # fmt: skip
        lines = []
        for order, spec in enumerate(self.specs, start=1):
            level1, level2, name, kind = spec
            target = _target(kind, counties_below)
            parent_indicator = parent[1][order - 1][0] if parent else None
            name_text = name if order <= len(INDICATORS) else f"{name}{order}"
            pk = self.c.add(
                self.t_ind,
                table_id,
                parent_indicator,
                level1,
                level2,
                name_text,
                target,
                order,
                None,
                "",
                None,
                None,
            )
            lines.append((pk, spec, target))
        if parent is not None:
            admin = self.users.get(("admin", region.code)) or self.users.get(("clerk", region.code))
            self.audit(
                self.now, admin, "create", "indicators.targettable", table_id, region.pk, fund["id"],
                f"{region.name}的绩效目标表按{parent[2]}的目标表生成",
            )  # fmt: skip
        return (table_id, lines, region.name)

    # -- returns

    def ret(
        self, fund: dict, region, table: tuple, status: str, spent: Decimal | None, actuals: list, actor
    ) -> int:
        """One return with its lines and the audit events of the steps that left it in ``status``."""
        steps = {"draft": 1, "submitted": 2, "returned": 3, "approved": 3}[status]
        filled = spent is not None
        version = (
            1 + (1 if filled else 0) + {"draft": 0, "submitted": 1, "returned": 2, "approved": 2}[status]
        )
        created = self.now - timedelta(days=30)
        updated = created + timedelta(days=steps)
        goal = "全面完成年度绩效目标。" if status != "draft" else ""
        ret_id = self.c.add(
            self.t_ret, fund["id"], region.pk, None, "year_end", status, goal, version, created, updated
        )
        self.c.add(self.t_funding, ret_id, "central", None, spent, None, "")
        for source in ("provincial", "local", "other"):
            self.c.add(self.t_funding, ret_id, source, None, None, None, "")
        for (indicator_id, _spec, _target), (text, missed) in zip(table[1], actuals, strict=True):
            self.c.add(
                self.t_actual, ret_id, indicator_id, text, REASON if missed else "", MEASURE if missed else "",
                None, "", None, "", "", "", "",
            )  # fmt: skip
        for aspect in ASPECTS:
            self.c.add(self.t_narr, ret_id, aspect, ASPECT_TEXT if status != "draft" else "", "")
        obj = ("indicators.return", ret_id, region.pk, fund["id"])
        self.audit(created, actor, "create", *obj, "创建填报")
        if filled:
            self.audit(created + timedelta(hours=1), actor, "edit", *obj, f"修改{len(actuals) + 1}项")
        if status in ("submitted", "returned", "approved"):
            self.audit(
                created + timedelta(days=1),
                actor,
                "submit",
                *obj,
                "提交审核",
                changes={"状态": ["填报中", "已提交"]},
            )
        reviewer = self.users.get(("reviewer", region.parent.code)) if region.parent_id else None
        if status == "approved":
            self.audit(updated, reviewer, "approve", *obj, "审核通过", changes={"状态": ["已提交", "已审核"]})
        if status == "returned":
            self.audit(
                updated, reviewer, "return", *obj, "退回修改", comment="请补充佐证材料。",
                changes={"状态": ["已提交", "已退回"]},
            )  # fmt: skip
        return ret_id


ASPECTS = ["allocation", "timeliness", "disbursement", "use", "execution", "performance", "responsibility"]


def _target(kind: str, counties_below: int) -> str:
    if kind == "count":
        return f"≥{COUNTY_COUNT_TARGET * max(1, counties_below)}人次"
    if kind == "rate":
        return "≥95%"
    if kind == "rate90":
        return "≥90%"
    if kind == "days":
        return "≤30日"
    return kind.split(":", 1)[1]


def _county_actuals(table: tuple, rng: random.Random, half: bool) -> list[tuple[str, bool]]:
    """What a county writes: counts near the target (one in twenty missed, with its reason),
    rates and days met, the qualitative wording repeated; a half-filled draft leaves the
    second half blank."""
    out = []
    for position, (_pk, spec, _target_text) in enumerate(table[1]):
        kind = spec[3]
        if half and position >= len(table[1]) // 2:
            out.append(("", False))
            continue
        if kind == "count":
            missed = rng.random() < 0.05
            value = rng.randint(460, 495) if missed else rng.randint(500, 560)
            out.append((f"{value}人次", missed))
        elif kind in ("rate", "rate90"):
            out.append((f"{rng.randint(96, 100)}%", False))
        elif kind == "days":
            out.append((f"{rng.randint(10, 30)}日", False))
        else:
            out.append((kind.split(":", 1)[1], False))
    return out


def _rolled_actuals(table: tuple, parts: list[list[tuple[str, bool]]]) -> list[tuple[str, bool]]:
    """The roll-up of approved lines below (rules.rollup's rules): counts summed, rates
    averaged, days the worst, qualitative 全部完成 when every part met it."""
    out = []
    for position, (_pk, spec, target) in enumerate(table[1]):
        kind = spec[3]
        texts = [p[position][0] for p in parts if p[position][0]]
        if not texts:
            out.append(("", False))
            continue
        if kind == "count":
            value = sum(int(t.removesuffix("人次")) for t in texts)
            out.append((f"{value}人次", value < int(target.strip("≥人次"))))
        elif kind in ("rate", "rate90"):
            values = [Decimal(t.removesuffix("%")) for t in texts]
            out.append((f"{(sum(values) / len(values)).quantize(CENT)}%", False))
        elif kind == "days":
            out.append((f"{max(int(t.removesuffix('日')) for t in texts)}日", False))
        else:
            out.append((kind.split(":", 1)[1], False))
    return out


def _county_status(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.85:
        return "approved"
    if draw < 0.92:
        return "submitted"
    if draw < 0.95:
        return "returned"
    return "draft"


def write_fund(writer: FundWriter, number: int, root: Node) -> dict:
    """One fund of one province, whole: returns the ids the bench reads back."""
    province = root.region
    fund = writer.fund(number, province)
    leaves = [leaf for leaf in root.leaves if leaf is not root]
    budgets, advance, batch = writer.allocations(fund, root, leaves)
    writer.central_lines(fund, province, advance, batch)  # what the province passes on, all of it
    _fund_body(writer, fund, root, budgets)
    return fund


def _fund_body(writer: FundWriter, fund: dict, root: Node, budgets: dict[int, Decimal]) -> None:
    province = root.region
    total = sum(budgets.values(), Decimal(0))
    ptable = writer.table(fund, province, None, len(root.leaves), total)
    users = writer.users
    rolled_province = []
    spent_province = Decimal(0)
    for pref in root.children:
        ftable = writer.table(fund, pref.region, ptable, len(pref.leaves), Decimal(0))
        county_parts, spent_rolled, all_approved = [], Decimal(0), True
        for county in pref.children:
            rng = _rng(fund["code"], county.region.code, "return")
            ctable = writer.table(fund, county.region, ftable, 1, Decimal(0))
            status = _county_status(rng)
            half = status == "draft"
            actuals = _county_actuals(ctable, rng, half)
            budget = budgets[county.region.pk]
            spent = (budget * Decimal(rng.randint(85, 100)) / 100).quantize(CENT)
            writer.ret(
                fund, county.region, ctable, status, spent, actuals, users.get(("clerk", county.region.code))
            )
            if status == "approved":
                county_parts.append(actuals)
                spent_rolled += spent
            else:
                all_approved = False
        actor = users.get(("reviewer", pref.region.code))
        if not pref.children:  # a prefecture that reports as a leaf
            rng = _rng(fund["code"], pref.region.code, "return")
            status = _county_status(rng)
            actuals = _county_actuals(ftable, rng, status == "draft")
            spent = (budgets[pref.region.pk] * Decimal(rng.randint(85, 100)) / 100).quantize(CENT)
            writer.ret(fund, pref.region, ftable, status, spent, actuals, actor)
            if status == "approved":
                rolled_province.append(actuals)
                spent_province += spent
            continue
        actuals = _rolled_actuals(ftable, county_parts) if county_parts else [("", False)] * len(ftable[1])
        spent = spent_rolled if county_parts else None
        if all_approved:
            status = (
                "approved" if _rng(fund["code"], pref.region.code, "pref").random() < 0.7 else "submitted"
            )
        else:
            status = "draft"
        if status == "draft":  # filled from the roll-up at open: no reasons typed yet
            actuals = [(text, False) for text, _missed in actuals]
        writer.ret(fund, pref.region, ftable, status, spent, actuals, actor)
        if status == "approved":
            rolled_province.append(actuals)
            spent_province += spent_rolled
    actuals = _rolled_actuals(ptable, rolled_province) if rolled_province else [("", False)] * len(ptable[1])
    actuals = [(text, False) for text, _missed in actuals]
    writer.ret(
        fund, province, ptable, "draft", spent_province if rolled_province else None, actuals,
        users.get(("admin", province.code)),
    )  # fmt: skip


# --- accounts ---------------------------------------------------------------------------------


def write_users(root: Node) -> dict:
    from django.contrib.auth.hashers import make_password

    from evalportal.models import Role, User

    password = make_password(PASSWORD)
    wanted = [("admin", Role.ADMIN, root.region), ("reviewer", Role.REVIEWER, root.region)]
    for pref in root.children:
        wanted.append(("reviewer", Role.REVIEWER, pref.region))
        if not pref.children:
            wanted.append(("clerk", Role.CLERK, pref.region))
        wanted += [("clerk", Role.CLERK, county.region) for county in pref.children]
    users = User.objects.bulk_create(
        User(
            username=f"{key}_{region.code}",
            password=password,
            role=role,
            region=region,
            display_name=f"{region.name}{role.label}",
        )
        for key, role, region in wanted
    )
    return {(key, region.code): user.pk for (key, _role, region), user in zip(wanted, users, strict=True)}


# --- the whole build --------------------------------------------------------------------------


def chosen_provinces(count: int):
    from transfers.models import Region

    provinces = list(Region.objects.filter(level=1).exclude(code=BINGTUAN).order_by("code"))
    provinces.sort(key=lambda r: r.code != XINJIANG)
    return provinces[:count]


def build(*, provinces: int, funds: int, indicators: int, out=print) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from transfers.code_list import load_code_list

    _assert_bench_connection()
    started = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        load = load_code_list()
    out(f"regions: {load.describe()}  ({time.perf_counter() - started:.1f} s)")
    now = datetime.now().astimezone()
    totals: dict[str, int] = defaultdict(int)
    for index, province in enumerate(chosen_provinces(provinces), start=1):
        tick = time.perf_counter()
        root = province_tree(province)
        with transaction.atomic():
            users = write_users(root)
            copier = Copier()
            writer = FundWriter(copier, users, now, indicators)
            for number in range(1, funds + 1):
                write_fund(writer, number, root)
                if sum(len(rows) for rows in copier.rows.values()) > 400_000:
                    copier.flush()
            copier.flush()
        for name, count in copier.counts.items():
            totals[name] += count
        totals["evalportal_user"] += len(users)
        out(
            f"  {index:2d}. {province.code} {province.name}: {len(root.children)} prefectures, "
            f"{len(root.leaves) if root.children else 0} leaves, "
            f"{copier.counts['indicators_indicatoractual']:,} actuals ({time.perf_counter() - tick:.1f} s)"
        )
    tick = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    out(f"ANALYZE ({time.perf_counter() - tick:.1f} s)")
    minutes = (time.perf_counter() - started) / 60
    return {"counts": dict(totals), "minutes": minutes}


# --- 100× the counties of one prefecture, for one fund ------------------------------------------


def demo_x100(
    fund_code: str = f"nat01-{XINJIANG}", prefecture_code: str = DEMO_PREFECTURE, factor: int = 100
) -> int:
    """Give ``prefecture_code`` ``factor``× its counties for ``fund_code``: new county codes
    (96xxxx) through the code-list load, each with the province's money, its table copied from
    the prefecture's and a return (as the build writes them); the prefecture's return goes back
    to 填报中 (its roll-up then reads every county), the centre's lines to the province grow by
    what the new counties receive. Returns the number of counties added. Run it in a
    transaction to throw it away (bench_national.py does)."""
    from django.db import transaction

    from evalportal.models import Role, User
    from indicators.models import IndicatorTarget, Return, TargetTable
    from transfers.code_list import CODE_LIST, read_code_list
    from transfers.models import Allocation, Fund, Region
    from transfers.services import RegionValues, regions_load

    _assert_bench_connection()
    fund = Fund.objects.get(code=fund_code)
    prefecture = Region.objects.get(code=prefecture_code)
    existing = list(prefecture.children.order_by("code"))
    wanted = len(existing) * factor - len(existing)
    with transaction.atomic():
        rows = read_code_list(CODE_LIST.read_bytes())
        extra = [
            RegionValues(
                code=f"96{n:04d}",
                name=f"{prefecture.name}测试县{n}",
                short_name="",
                parent_code=prefecture.code,
                level=3,
                kind="admin",
                aliases=(),
            )  # fmt: skip
            for n in range(1, wanted + 1)
        ]
        regions_load(actor=None, rows=rows + extra, source="bench demo_x100")
        new = list(Region.objects.filter(code__in=[r.code for r in extra]).order_by("code"))
        from django.contrib.auth.hashers import make_password

        password = make_password(PASSWORD)
        created = User.objects.bulk_create(
            User(username=f"clerk_{r.code}", password=password, role=Role.CLERK, region=r) for r in new
        )
        users = {("clerk", r.code): u.pk for r, u in zip(new, created, strict=True)}
        users[("reviewer", prefecture.code)] = User.objects.get(username=f"reviewer_{prefecture.code}").pk
        copier = Copier()
        writer = FundWriter(copier, users, datetime.now().astimezone(), IndicatorTarget.objects.filter(
            table__fund=fund, table__region=prefecture).count())  # fmt: skip
        notices = {}
        for key, kind, from_region in (("p_adv", "advance", fund.region), ("p_bat", "batch", fund.region)):
            notices[key] = (
                Allocation.objects.filter(fund=fund, kind=kind, from_region=from_region)
                .values_list("notice_id", flat=True)
                .first()
            )
        info = {"id": fund.pk, "code": fund.code, "notices": notices}
        province_node = Node(fund.region)
        leaves = [Node(r) for r in new]
        last = (
            Allocation.objects.filter(fund=fund).order_by("-order").values_list("order", flat=True).first()
            or 0
        )
        budgets, advance, batch = writer.allocations(info, province_node, leaves, order_from=last + 1)
        ftable_row = TargetTable.objects.get(fund=fund, region=prefecture, is_central=False)
        indicators = list(ftable_row.indicators.order_by("order"))
        specs = {spec[2]: spec for spec in writer.specs}
        ftable = (
            ftable_row.pk,
            [(i.pk, specs.get(i.name, INDICATORS[0]), i.target_text) for i in indicators],
            prefecture.name,
        )
        for leaf in leaves:
            rng = _rng(fund.code, leaf.region.code, "return")
            ctable = writer.table(info, leaf.region, ftable, 1, Decimal(0))
            status = _county_status(rng)
            actuals = _county_actuals(ctable, rng, status == "draft")
            spent = (budgets[leaf.region.pk] * Decimal(rng.randint(85, 100)) / 100).quantize(CENT)
            writer.ret(info, leaf.region, ctable, status, spent, actuals, users[("clerk", leaf.region.code)])
        copier.flush()
        for kind, added in (("advance", advance), ("batch", batch)):
            central = Allocation.objects.get(fund=fund, from_region=None, kind=kind)
            Allocation.objects.filter(pk=central.pk).update(amount=central.amount + added)
        Return.objects.filter(fund=fund, region=prefecture).update(status=Return.Status.DRAFT)
    return len(new)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Build the national dataset (issue #14) into a *bench* database."
    )
    parser.add_argument("--provinces", type=int, default=31)
    parser.add_argument("--funds", type=int, default=50)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument(
        "--demo-x100", action="store_true", help="then give 伊犁州 100× its counties (fund nat01)"
    )
    args = parser.parse_args()
    setup()
    from django.db import connection

    print(
        f"building into {connection.settings_dict['NAME']}: {args.provinces} provinces, "
        f"{args.funds} funds, {args.indicators} indicators"
    )
    result = build(provinces=args.provinces, funds=args.funds, indicators=args.indicators)
    for name, count in sorted(result["counts"].items()):
        print(f"  {name:36} {count:>12,}")
    print(f"built in {result['minutes']:.1f} minutes")
    if args.demo_x100:
        started = time.perf_counter()
        added = demo_x100()
        print(
            f"demo ×100: {added} counties added under {DEMO_PREFECTURE} ({time.perf_counter() - started:.1f} s)"
        )


if __name__ == "__main__":
    main()
