"""The region tree: 代码 / 全称 / 简称 / 上级 / 层级 / 类型 / 曾用名, one region a row.

The columns of fixtures/regions_xj.csv (code, name, short_name, level, kind, parent_code,
aliases) are accepted as well, so the demo's own file imports with no change. 上级 may be a
code or a name (resolved like every region name); 层级 may be left out (one below the parent);
类型 takes the code (admin, rescue …) or the Chinese label; 曾用名 lists old names separated by
| 、 ； or ;. Regions are never deleted by an import (they carry allocations and accounts):
a region missing from the file is simply not touched. The rows order the regions they list
among their siblings (``RegionImporter._place``): a province's file gives the national tree,
loaded in code order, the order its documents list regions in.

An administrator imports within their province (``scope``). The system (the command line
without ``--user``, the demo loader) imports with ``scope=None``: any region of the country,
including a new province, which is how the first region of a deployment is made.
"""

from __future__ import annotations

import re

from django.db.models import Max

from indicators.permissions import may_import_regions
from indicators.selectors import first_return_under_review
from reports.imports.base import (
    CellError,
    Change,
    Column,
    Importer,
    ImportFailed,
    Plan,
    RowError,
    Sheet,
    cell_string,
    data_rows,
    find_header,
    merged_errors,
)
from transfers.models import Region
from transfers.names import RegionIndex, RegionNameError, normalize
from transfers.selectors import subtree_q
from transfers.services import RegionValues, RowRejected, regions_save

COLUMNS = [
    Column("code", "代码", ("code", "行政区划代码", "区划代码", "编码")),
    Column("name", "全称", ("name", "名称", "区划名称", "地区名称", "单位名称")),
    Column("short_name", "简称", ("short_name",), required=False),
    Column("parent", "上级代码", ("parent_code", "parent", "上级", "上级区划", "上级名称"), required=False),
    Column("level", "层级", ("level", "级次"), required=False),
    Column("kind", "类型", ("kind", "区划类型", "单位类型"), required=False),
    Column("aliases", "曾用名", ("aliases", "别名", "曾用名/别名", "其他名称"), required=False),
]
CODE = re.compile(r"^\d{6}(-\d{2})?$")
LEVELS = {str(level.value): level.value for level in Region.Level} | {
    level.label: level.value for level in Region.Level
}
LEVELS |= {"省": 1, "自治区": 1, "地州": 2, "地区": 2, "县": 3, "县级": 3}
KINDS = {kind.value: kind.value for kind in Region.Kind} | {kind.label: kind.value for kind in Region.Kind}
ALIAS_SPLIT = re.compile(r"[|、；;]")


class RegionImporter(Importer):
    kind = "regions"
    title = "行政区划"
    allow_csv = True

    def audit_object(self):
        # The system's import of the whole tree is about regions in general, not one of them.
        return self.record or self.scope or Region

    def plan(self, sheets: list[Sheet]) -> Plan:
        # Checked here as well as in the views and commands: there is no second way in.
        if self.actor is not None and (reason := may_import_regions(self.actor)):
            raise ImportFailed([RowError(reason)])
        header = find_header(sheets, COLUMNS)
        plan = Plan()
        plan.errors += merged_errors(header, vertical=set())
        sheet = header.sheet.title
        existing = {r.code: r for r in Region.objects.select_related("parent").prefetch_related("aliases")}
        index = RegionIndex.build(existing.values())
        in_scope = (
            set(Region.objects.filter(subtree_q(self.scope)).values_list("code", flat=True))
            if self.scope is not None
            else None
        )
        by_name: dict[str, dict] = {}  # names of rows in this file → the row's values
        rows: dict[str, dict] = {}
        seen: dict[str, int] = {}

        def error(message, row, key=""):
            plan.errors.append(RowError(message, sheet, row, header.letter(key) if key else ""))

        for row, cells in data_rows(header, COLUMNS):
            plan.rows_read += 1
            try:
                values = {
                    key: cell_string(header.get(cells, key), what=label, max_length=length)
                    for key, label, length in (
                        ("code", "代码", 12),
                        ("name", "全称", 100),
                        ("short_name", "简称", 50),
                        ("parent", "上级", 100),
                        ("level", "层级", 10),
                        ("kind", "类型", 20),
                        ("aliases", "曾用名", 1000),
                    )
                }
            except CellError as exc:
                error(str(exc), row)
                continue
            code = values["code"]
            if not CODE.match(code):
                error(
                    f"代码“{code}”格式不对：应为6位行政区划代码，预算单位为“6位代码-2位序号”。", row, "code"
                )
                continue
            if code in seen:
                error(f"代码{code}与第{seen[code]}行重复。", row, "code")
                continue
            seen[code] = row
            if not values["name"]:
                error("全称为空。", row, "name")
                continue

            parent_code, parent_level = self._parent(values["parent"], code, rows, by_name, index, row, error)
            if parent_code is False:
                continue
            level = self._level(values["level"], parent_level, row, error)
            kind = KINDS.get(values["kind"] or "admin")
            if kind is None:
                listed = "、".join(k.label for k in Region.Kind)
                error(f"类型“{values['kind']}”无法识别，应为{listed}之一。", row, "kind")
            if level is None or kind is None:
                continue
            if in_scope is not None and code != self.scope.code and parent_code not in in_scope:
                error(
                    f"“{values['name']}”的上级不在您的管辖范围（{self.scope.name}）内，不能导入。",
                    row,
                    "parent",
                )
                continue
            aliases = None
            if "aliases" in header.columns:
                aliases = sorted({a.strip() for a in ALIAS_SPLIT.split(values["aliases"]) if a.strip()})
            entry = {
                "row": row,
                "code": code,
                "name": values["name"],
                "short_name": values["short_name"],
                "parent": parent_code,
                "level": level,
                "kind": kind,
                "aliases": aliases,
            }
            rows[code] = entry
            if in_scope is not None:
                in_scope.add(code)
            for name in (code, values["name"], values["short_name"], *(aliases or [])):
                if name:
                    by_name.setdefault(normalize(name), entry)
        self._place(rows, existing)
        for code, entry in rows.items():
            change = self._change(sheet, entry, existing.get(code))
            if "上级" in change.fields and change.action == "update":
                if locked := first_return_under_review(existing[code]):
                    error(
                        f"{existing[code].name}有已提交或已审核的填报（{locked.region.name} · {locked.fund.code}），"
                        "改变其上级会改变这些填报的汇总：请先由省级管理员重新打开这些填报。",
                        entry["row"],
                        "parent",
                    )
                    continue
            plan.changes.append(change)
        if not plan.rows_read and not plan.errors:
            plan.errors.append(RowError("表头下方没有数据行。", sheet, header.row))
        return plan

    def _parent(self, text, code, rows, by_name, index, row, error):
        """(parent code or None, parent level); (False, None) after an error."""
        if not text:
            return None, 0
        entry = rows.get(text) or by_name.get(normalize(text))
        if entry is not None:
            return entry["code"], entry["level"]
        try:
            # An administrator's names are their province's (城关区 is in 兰州 and in 拉萨).
            parent = index.resolve(text, within=self.scope)
        except RegionNameError as exc:
            parent = self._outside_scope(index, text)
            if parent is None:
                error(f"上级：{exc}", row, "parent")
                return False, None
        if parent.code == code:
            error("上级不能是本区划自己。", row, "parent")
            return False, None
        return parent.code, parent.level

    def _outside_scope(self, index: RegionIndex, text: str) -> Region | None:
        """The one region of the country ``text`` names, when it is outside the administrator's
        province (the row is then refused as out of scope, which says more than "not found")."""
        if self.scope is None:
            return None
        try:
            return index.resolve(text)
        except RegionNameError:
            return None

    @staticmethod
    def _place(rows: dict[str, dict], existing: dict[str, Region]) -> None:
        """Each row's place among its siblings (``order``). The file orders the regions it lists
        among themselves, in the places they already hold, and puts its new regions after every
        sibling; a sibling it does not list keeps its place. So a province's file gives the
        national tree (in code order) the order its documents list regions in, a file of one
        row moves nothing, and the same file twice changes nothing."""
        last = dict(
            Region.objects.order_by()
            .values("parent__code")
            .annotate(last=Max("order"))
            .values_list("parent__code", "last")
        )
        siblings: dict[str | None, list[dict]] = {}
        for entry in rows.values():
            siblings.setdefault(entry["parent"], []).append(entry)
        for parent, entries in siblings.items():
            after = last.get(parent) or 0
            places = sorted(existing[e["code"]].order for e in entries if e["code"] in existing)
            places += range(after + 1, after + 1 + sum(e["code"] not in existing for e in entries))
            previous = -1
            for entry, place in zip(entries, places, strict=True):
                entry["order"] = previous = max(place, previous + 1)  # ties of older imports

    @staticmethod
    def _level(text, parent_level, row, error):
        expected = parent_level + 1
        if not text:
            return expected if expected <= 3 else None
        level = LEVELS.get(text)
        if level is None:
            error(f"层级“{text}”无法识别，应为1（省级）、2（地州市）或3（县市区）。", row, "level")
            return None
        if level != expected:
            what = (
                "没有上级，应为省级（1）"
                if parent_level == 0
                else f"上级是第{parent_level}级，本级应为{expected}"
            )
            error(f"层级{level}与上级不符：{what}。", row, "level")
            return None
        return level

    @staticmethod
    def _change(sheet: str, entry: dict, current: Region | None) -> Change:
        new = {
            "全称": entry["name"],
            "简称": entry["short_name"],
            "上级": entry["parent"] or "",
            "层级": str(entry["level"]),
            "类型": Region.Kind(entry["kind"]).label,
        }
        if entry["aliases"] is not None:
            new["曾用名"] = "、".join(entry["aliases"])
        label = f"{entry['code']} {entry['name']}"
        if current is None:
            fields = {name: [None, value] for name, value in new.items() if value}
            return Change("create", label, sheet, entry["row"], fields, payload=entry)
        new["排序"] = str(entry["order"])
        old = {
            "全称": current.name,
            "简称": current.short_name,
            "上级": current.parent.code if current.parent_id else "",
            "层级": str(current.level),
            "类型": current.get_kind_display(),
            "曾用名": "、".join(sorted(a.name for a in current.aliases.all())),
            "排序": str(current.order),
        }
        fields = {name: [old[name], value] for name, value in new.items() if old[name] != value}
        return Change("update" if fields else "unchanged", label, sheet, entry["row"], fields, payload=entry)

    def write(self, plan: Plan) -> None:
        changed = [c for c in plan.changes if c.action != "unchanged"]
        rows = [
            (
                RegionValues(
                    code=e["code"],
                    name=e["name"],
                    short_name=e["short_name"],
                    parent_code=e["parent"],
                    level=e["level"],
                    kind=e["kind"],
                    aliases=tuple(e["aliases"]) if e["aliases"] is not None else None,
                    order=e["order"],
                ),
                self.note(change),
            )
            for change in changed
            for e in [change.payload]
        ]
        try:
            regions_save(actor=self.actor, rows=rows)
        except RowRejected as exc:
            change = changed[exc.index]
            raise ImportFailed([RowError(exc.message, change.sheet, change.row)]) from None
