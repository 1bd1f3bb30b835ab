"""The demo data: two provinces (新疆, 甘肃 › 张掖市), the 2024 funds and projects of the seed
documents, and the accounts to try them.

Everything comes from the files in ``fixtures/`` (``fixtures/README.md`` says where each figure
comes from); nothing is read from outside the repository. ``fixtures/demo/demo.toml`` names
what to load:

* the national region tree through ``load_regions``'s own service (fixtures/regions/), then
  新疆's budget units and document names, the allocation tables and the target tables through
  the portal's own imports, from the very workbooks an office would upload (so the demo exercises the
  real path, its checks included);
* funds, notices, projects and the money the centre sent the province through
  ``transfers.services`` (a project's target table through the target import);
* the returns of ``xj-2024-elderly`` and of seed 004's projects were reported and approved
  outside the portal (the seeds are their published result): they are recorded as they
  stand, with their status;
* what the province's office wrote in its report of ``xj-2024-elderly`` (报告文字, seed 000's
  own sentences) through ``reports.services.report_text_save``, as its page saves it.

Idempotent: an import whose preview shows no change is not applied and a service given the
values already there writes nothing, so a second run changes nothing and writes no audit event.
A file that is missing or does not read is a ``DemoDataError`` naming it; nothing is written.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from evalportal.models import AuditEvent, Role, User
from indicators.models import (
    Aspect,
    DeviationCause,
    IndicatorActual,
    Likelihood,
    MonitoringPlan,
    Period,
    Return,
    ReturnFunding,
    ReturnNarrative,
    TargetTable,
)
from indicators.selectors import return_table
from indicators.services import monitoring_plan_save
from reports.imports.allocations import AllocationImporter
from reports.imports.base import Importer, apply, dry_run
from reports.imports.regions import RegionImporter
from reports.imports.targets import TargetImporter
from reports.models import ReportText
from reports.services import report_text_save
from transfers.code_list import load_code_list
from transfers.models import ALLOCATED_SOURCES, Allocation, CentralFund, Fund, MoneySource, Project, Region
from transfers.services import (
    KEEP,
    CodeListRefused,
    allocation_save,
    central_fund_save,
    fund_save,
    notice_save,
    project_save,
)

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
MANIFEST = FIXTURES / "demo" / "demo.toml"
DEMO_PASSWORD = "demo2024"
ASPECT_BY_LABEL = {aspect.label: aspect.value for aspect in Aspect}
CAUSE_BY_LABEL = {cause.label: cause.value for cause in DeviationCause}
LIKELIHOOD_BY_LABEL = {likelihood.label: likelihood.value for likelihood in Likelihood}


class DemoDataError(Exception):
    """A demo data file is missing or wrong; the message names it (in Chinese)."""


@dataclass
class LoadSummary:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def count(self, label: str, *, created: bool, n: int = 1) -> None:
        if n:
            (self.created if created else self.updated)[label] += n

    def describe(self) -> str:
        if not self.changed:
            return "演示数据已是最新，未作任何修改。"
        parts = [f"新增{name}{count}条" for name, count in sorted(self.created.items())]
        parts += [f"更新{name}{count}条" for name, count in sorted(self.updated.items())]
        return "；".join(parts) + "。"


def load_demo(manifest: Path = MANIFEST) -> LoadSummary:
    spec = _read_toml(manifest)
    base = manifest.parent
    summary = LoadSummary()
    with transaction.atomic():
        _load_code_list(summary)
        for regions in _region_files(spec):
            _import(RegionImporter(actor=None, scope=None), base / regions, summary, "行政区划")
        centrals = _load_central_funds(spec.get("central_funds", []), summary)
        for fund_spec in spec["funds"]:
            _load_fund(fund_spec, base, summary, centrals)
        _load_accounts(spec["accounts"], summary)
        if summary.changed:
            # The demo spans provinces: the load is the system's, of no one province.
            AuditEvent.objects.record(
                actor=None,
                action=AuditEvent.Action.LOAD,
                obj=Region,
                summary="加载演示数据",
                comment=summary.describe(),
                changes={"created": dict(summary.created), "updated": dict(summary.updated)},
            )
    return summary


# --- files -------------------------------------------------------------------------------------


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise DemoDataError(f"找不到演示数据文件 {_relative(path)}。")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DemoDataError(f"演示数据文件 {_relative(path)} 无法读取：{exc}") from exc


def _region_files(spec: dict) -> list[str]:
    """The region tables, one file or a list (a province a file), in the order given."""
    return _files(spec["regions"])


def _files(named: str | list[str]) -> list[str]:
    """One file or a list of them, in the order given."""
    return [named] if isinstance(named, str) else list(named)


def _import(importer: Importer, path: Path, summary: LoadSummary, label: str) -> None:
    """Preview the file with the importer; apply it when it changes something."""
    if not path.is_file():
        raise DemoDataError(f"找不到演示数据文件 {_relative(path)}。")
    content = path.read_bytes()
    plan = dry_run(importer, content=content, filename=path.name)
    if plan.errors:
        listed = "；".join(str(error) for error in plan.errors[:5])
        raise DemoDataError(f"演示数据文件 {_relative(path)} 有{len(plan.errors)}处错误：{listed}")
    if not plan.has_changes:
        return
    apply(importer, content=content, filename=path.name)
    for change in plan.changes:
        if change.action in ("create", "update", "delete"):
            what = "绩效目标表" if change.payload == ("table",) else label
            summary.count(what, created=change.action == "create")


def _load_code_list(summary: LoadSummary) -> None:
    """The national tree first (fixtures/regions/regions_cn.csv), as a deployment starts; the
    demo's own region files then add their budget units and the names their documents use."""
    try:
        loaded = load_code_list()
    except CodeListRefused as exc:
        raise DemoDataError(f"全国区划代码表无法载入：{exc}") from exc
    summary.count("行政区划", created=True, n=len(loaded.created))
    changed = {*loaded.renamed, *loaded.changed, *loaded.withdrawn, *loaded.restored, *loaded.adopted}
    summary.count("行政区划", created=False, n=len(changed))


def _decimal(value, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DemoDataError(f"{where}：“{value}”不是数字。") from None
    if not number.is_finite():
        raise DemoDataError(f"{where}：“{value}”不是数字。")
    return number


# --- funds -------------------------------------------------------------------------------------


def _load_central_funds(specs: list[dict], summary: LoadSummary) -> dict[str, CentralFund]:
    found = {}
    for item in specs:
        central, changes = central_fund_save(
            actor=None,
            code=item["code"],
            name=item["name"],
            year=item["year"],
            department=item.get("department", "民政部"),
        )
        summary.count(CentralFund._meta.verbose_name, created=_created(changes), n=bool(changes))
        found[central.code] = central
    return found


def _load_fund(spec: dict, base: Path, summary: LoadSummary, centrals: dict[str, CentralFund]) -> None:
    province = _region(spec["province"], f"资金{spec['code']}")
    if spec.get("central") and spec["central"] not in centrals:
        raise DemoDataError(f"资金{spec['code']}：没有中央资金“{spec['central']}”。")
    fund, changes = fund_save(
        central=centrals[spec["central"]] if spec.get("central") else KEEP,
        actor=None,
        code=spec["code"],
        name=spec["name"],
        year=spec["year"],
        region=province,
        direction=spec.get("direction", ""),
        batch=spec.get("batch", ""),
        central_department=spec.get("central_department", ""),
        finance_department=spec.get("finance_department", ""),
        line_department=spec.get("line_department", ""),
    )
    summary.count("转移支付资金", created=_created(changes), n=bool(changes))

    notices = {}
    for item in spec.get("notices", []):
        notice, changes = notice_save(
            actor=None,
            province=fund.region,
            number=item.get("number", ""),
            title=item["title"],
            issuer=item["issuer"],
            note=item.get("note", ""),
        )
        notices[item["key"]] = notice
        summary.count("文件", created=_created(changes), n=bool(changes))

    def notice(key: str | None):
        if key is None:
            return None
        if key not in notices:
            raise DemoDataError(f"资金{fund.code}没有登记键为“{key}”的文件。")
        return notices[key]

    for item in spec.get("from_centre", []):
        _, changes = allocation_save(
            actor=None,
            fund=fund,
            notice=notice(item["notice"]),
            region=province,
            kind=Allocation.Kind(item["kind"]),
            source=MoneySource(item.get("source", MoneySource.CENTRAL)),
            amount=_decimal(item["amount"], f"资金{fund.code}的中央下达金额"),
            from_region=None,
        )
        summary.count("资金分配", created=_created(changes), n=bool(changes))

    for item in spec.get("allocation_tables", []):
        importer = AllocationImporter(
            actor=None,
            scope=province,
            fund=fund,
            batch_notice=notice(item.get("batch_notice")),
            advance_notice=notice(item.get("advance_notice")),
            source=item.get("source", MoneySource.CENTRAL),
        )
        _import(importer, base / item["file"], summary, "资金分配")

    if "target_tables" in spec:
        for region, path, central in _target_files(base / spec["target_tables"], province):
            importer = TargetImporter(actor=None, scope=province, fund=fund, region=region, central=central)
            _import(importer, path, summary, "绩效指标")

    if "monitoring" in spec:
        _load_monitoring_plan(fund, spec["monitoring"], summary)

    if "projects" in spec:
        _load_projects(fund, base / spec["projects"], summary)

    if "returns" in spec:
        for returns in _files(spec["returns"]):
            _load_returns(fund, base / returns, summary)

    if "report_texts" in spec:
        _load_report_texts(fund, base / spec["report_texts"], summary)


def _load_projects(fund: Fund, path: Path, summary: LoadSummary) -> None:
    """The fund's named projects, each with its target table (a workbook beside the file)."""
    where = _relative(path)
    for order, item in enumerate(_read_toml(path).get("projects", []), start=1):
        region = _region(item["region"], where)
        try:
            project, changes = project_save(
                actor=None,
                fund=fund,
                name=item["name"],
                region=region,
                summary=item.get("summary", "").strip(),
                order=order,
                total_estimate=_decimal(
                    item.get("total_estimate"), f"{where} 项目“{item['name']}”的资金总概算"
                ),
            )
        except ValueError as exc:
            raise DemoDataError(f"{where}：项目“{item['name']}”：{exc}") from None
        summary.count(Project._meta.verbose_name, created=_created(changes), n=bool(changes))
        if "targets" in item:
            importer = TargetImporter(
                actor=None, scope=fund.region, fund=fund, region=region, project=project
            )
            _import(importer, path.parent / item["targets"], summary, "绩效指标")


def _created(changes: dict) -> bool:
    return bool(changes) and all(old is None for old, _new in changes.values())


def _region(code: str, where: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise DemoDataError(f"{where}：区划代码{code}不在区划表中。")
    return region


CENTRAL_TABLE_FILE = "central"


def _target_files(folder: Path, province: Region) -> list[tuple[Region, Path, bool]]:
    """Every workbook of the folder with its region (the file's name is the region's code;
    ``central.xlsx`` is the table the centre sent the province) and whether it is the central
    table: the central table first, then the tables above before those below them, as each is
    hung under the one above."""
    if not folder.is_dir():
        raise DemoDataError(f"找不到演示数据目录 {_relative(folder)}。")
    files = [
        (province, path, True)
        if path.stem == CENTRAL_TABLE_FILE
        else (_region(path.stem, _relative(path)), path, False)
        for path in sorted(folder.glob("*.xlsx"))
    ]
    return sorted(files, key=lambda item: (not item[2], item[0].level, item[0].order, item[0].code))


# --- returns -----------------------------------------------------------------------------------


class _Rows:
    """Fetch a row by its natural key; create it, or update the fields whose values differ."""

    def __init__(self, summary: LoadSummary):
        self.summary = summary

    def put(self, model, lookup: dict, values: dict):
        label = model._meta.verbose_name
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.full_clean()
            obj.save()
            self.summary.count(label, created=True)
            return obj
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save(update_fields=changed)
            self.summary.count(label, created=False)
        return obj


def _load_monitoring_plan(fund: Fund, spec: dict, summary: LoadSummary) -> None:
    """The fund's cut-off month and yellow band of mid-year monitoring, set as the province's
    administrator sets them (services.monitoring_plan_save)."""
    where = f"资金{fund.code}的运行监控设置"
    try:
        changed = monitoring_plan_save(
            actor=None,
            fund=fund,
            through_month=int(spec.get("through_month", 6)),
            yellow_from=_decimal(spec.get("yellow_from", "90"), where),
        )
    except ValidationError as exc:
        raise DemoDataError(f"{where}：{'；'.join(exc.messages)}") from None
    if changed:
        summary.count(MonitoringPlan._meta.verbose_name, created=True)


def _choice(labels: dict, value: str, where: str) -> str:
    """A choice written as the form shows it (经费保障, 有可能), or blank."""
    if not value:
        return ""
    if value not in labels:
        raise DemoDataError(f"{where}：“{value}”应为{'、'.join(labels)}之一。")
    return labels[value]


def _load_returns(fund: Fund, path: Path, summary: LoadSummary) -> None:
    """The returns as they stand. A mid-year line also has its forecast (全年预计执行数,
    全年预计完成值), 偏差原因 and 完成目标可能性."""
    rows = _Rows(summary)
    where = _relative(path)
    for item in _read_toml(path).get("returns", []):
        project = _project(fund, item["project"], where) if "project" in item else None
        region = project.region if project else _region(item["region"], where)
        owner = project.name if project else region.name
        status = Return.Status(item.get("status", Return.Status.DRAFT))
        ret = rows.put(
            Return,
            {
                "fund": fund,
                "region": region,
                "project": project,
                "period": item.get("period", Period.YEAR_END),
            },
            {"status": status, "goal_achievement": item.get("goal_achievement", "").strip()},
        )
        for line in item.get("funding", []):
            if line["source"] in ALLOCATED_SOURCES and "budget" in line:
                raise DemoDataError(
                    f"{where}：{owner}的{MoneySource(line['source']).label}预算数来自资金分配，不能在填报中写入。"
                )
            rows.put(
                ReturnFunding,
                {"ret": ret, "source": MoneySource(line["source"])},
                {
                    "budget": _decimal(line.get("budget"), f"{where} {owner}的预算数"),
                    "spent": _decimal(line.get("spent"), f"{where} {owner}的执行数"),
                    "forecast": _decimal(line.get("forecast"), f"{where} {owner}的全年预计执行数"),
                    "lag_reason": line.get("lag_reason", ""),
                },
            )
        for line in item.get("narratives", []):
            if line["aspect"] not in ASPECT_BY_LABEL:
                raise DemoDataError(f"{where}：“{line['aspect']}”不是资金管理情况的方面。")
            rows.put(
                ReturnNarrative,
                {"ret": ret, "aspect": ASPECT_BY_LABEL[line["aspect"]]},
                {"description": line.get("description", ""), "problems": line.get("problems", "")},
            )
        actuals = item.get("actuals", [])
        if actuals:
            if project is not None:
                table = TargetTable.objects.filter(fund=fund, project=project).first()
            else:
                table = return_table(fund, region)
            indicators = {i.name: i for i in table.indicators.all()} if table else {}
            for line in actuals:
                indicator = indicators.get(line["indicator"])
                if indicator is None:
                    raise DemoDataError(f"{where}：{owner}的目标表中没有指标“{line['indicator']}”。")
                rows.put(
                    IndicatorActual,
                    {"ret": ret, "indicator": indicator},
                    {
                        "actual_text": line.get("actual", ""),
                        "reason": line.get("reason", ""),
                        "measure": line.get("measure", ""),
                        "forecast_text": line.get("forecast", ""),
                        "deviation_cause": _choice(
                            CAUSE_BY_LABEL, line.get("deviation_cause", ""), f"{where} {owner}的偏差原因"
                        ),
                        "likelihood": _choice(
                            LIKELIHOOD_BY_LABEL,
                            line.get("likelihood", ""),
                            f"{where} {owner}的完成目标可能性",
                        ),
                    },
                )


def _load_report_texts(fund: Fund, path: Path, summary: LoadSummary) -> None:
    """Each region's 报告文字 (its own report's texts), through the service the page uses."""
    where = _relative(path)
    for item in _read_toml(path).get("report_texts", []):
        region = _region(item["region"], where)
        values = {name: value for name, value in item.items() if name != "region"}
        if "arrived" in values:
            values["arrived"] = _decimal(values["arrived"], f"{where} {region.name}的资金到位数")
        try:
            _row, changes = report_text_save(actor=None, fund=fund, region=region, values=values)
        except (ValueError, ValidationError) as exc:
            reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise DemoDataError(f"{where}：{region.name}的报告文字：{reason}") from None
        summary.count(ReportText._meta.verbose_name, created=_created(changes), n=bool(changes))


def _project(fund: Fund, name: str, where: str) -> Project:
    project = fund.projects.filter(name=name).select_related("region").first()
    if project is None:
        raise DemoDataError(f"{where}：资金{fund.code}没有名为“{name}”的项目。")
    return project


# --- accounts ----------------------------------------------------------------------------------


def _load_accounts(accounts: list[dict], summary: LoadSummary) -> None:
    label = User._meta.verbose_name
    for item in accounts:
        values = {
            "display_name": item["name"],
            "region": _region(item["region"], f"演示账号{item['username']}") if item.get("region") else None,
            "role": Role(item["role"]),
            "is_active": True,
        }
        user = User.objects.filter(username=item["username"]).first()
        if user is None:
            user = User(username=item["username"], **values)
            user.set_password(DEMO_PASSWORD)
            user.full_clean()
            user.save()
            summary.count(label, created=True)
            continue
        changed = [name for name, value in values.items() if getattr(user, name) != value]
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            for name in set(changed) - {"password"}:
                setattr(user, name, values[name])
            user.save(update_fields=changed)
            summary.count(label, created=False)
