"""The whole-fund workbook's layout, once, for the export that writes it and the import that
reads it (docs/fund-workbook.md describes it for people).

Each sheet is a table: a header row, then one row per object. Objects refer to each other by
what people can read: a region by its code, a project by its name, a notice by its 文号 (by
its title when it has none), a target table by its owner (region code and project), an
indicator by its 三级指标 within its table, a return by its owner and 填报期. No database key
appears anywhere, so a workbook moves between deployments. Columns marked ``shown`` are
written for the reader (names next to codes, figures the portal computes) and never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from indicators.models import IndicatorActual, IndicatorTarget, Period, Return
from reports.imports.headers import Column
from transfers.models import ALLOCATED_SOURCES, Allocation, MoneySource, Region

SHEET_FUND = "资金"
SHEET_BUDGETS = "分地区预算"
SHEET_NOTICES = "文件"
SHEET_ALLOCATIONS = "资金分配"
SHEET_PROJECTS = "项目"
SHEET_TABLES = "目标表"
SHEET_INDICATORS = "绩效指标"
SHEET_RETURNS = "自评填报"
SHEET_FUNDING = "资金执行"
SHEET_ACTUALS = "指标完成情况"
SHEET_NARRATIVES = "资金管理情况"
SHEET_EVIDENCE = "佐证材料"
SHEET_AUDIT = "审计记录"

# Written for the reader, never read: the budgets sheet (the ledger's figures), the list of
# 佐证材料 (the files themselves stay in the portal) and the audit trail (with who exported
# the workbook and when).
EXPORT_ONLY = (SHEET_BUDGETS, SHEET_EVIDENCE, SHEET_AUDIT)


@dataclass(frozen=True)
class Col(Column):
    """A column of the layout; ``shown``: written for the reader, not read by the import (so a
    workbook without it still imports); ``optional``: read when there, and a workbook made
    before the column existed still imports (what it would hold stays as it is); every other
    column must be in the header."""

    shown: bool = False
    width: int = 14
    optional: bool = False

    def __post_init__(self):
        object.__setattr__(self, "required", not self.shown and not self.optional)


# --- 资金: one row per field ------------------------------------------------------------------

FUND_HEADER = [Col("label", "栏目", width=18), Col("value", "内容", width=70)]
FUND_FIELDS = {  # key → label, in the order the sheet lists them
    "code": "资金代码",
    "name": "资金名称",
    "direction": "支持方向",
    "batch": "批次",
    "year": "年度",
    "province": "接收省份代码",
    "province_name": "接收省份",
    "central_department": "中央主管部门",
    "finance_department": "省级财政部门",
    "line_department": "省级主管部门",
    "scope": "导出范围代码",
    "scope_name": "导出范围",
}
FUND_SHOWN = {"province_name", "scope_name"}
FUND_REQUIRED = {"code", "name", "year", "province", "scope"}

# --- the other sheets -------------------------------------------------------------------------

OWNER = [
    Col("code", "代码", width=12),
    Col("owner", "地区/单位", shown=True, width=24),
    Col("project", "项目", width=24),
]
RETURN_KEY = [*OWNER, Col("period", "填报期", width=14)]

NOTICE_COLUMNS = [
    Col("number", "文号", width=22),
    Col("title", "标题", width=60),
    Col("issuer", "发文机关", width=36),
    Col("issued", "发文日期", width=16),
    Col("note", "备注", width=40),
]
ALLOCATION_COLUMNS = [
    Col("order", "排序", width=6),
    Col("number", "文号", width=22),
    Col("title", "文件标题", width=50),
    Col("giver", "下达方代码", width=12),
    Col("giver_name", "下达方", shown=True, width=18),
    Col("recipient", "接收代码", width=12),
    Col("recipient_name", "接收地区/单位", shown=True, width=28),
    Col("project", "项目", width=24),
    Col("kind", "下达方式", width=10),
    Col("source", "资金来源", width=14),
    Col("amount", "金额（万元）", width=16),
]
PROJECT_COLUMNS = [
    Col("name", "项目名称", width=40),
    Col("region", "实施地区代码", width=14),
    Col("region_name", "实施地区", shown=True, width=24),
    Col("order", "排序", width=6, optional=True),
    Col("summary", "项目概况", width=80, optional=True),
    Col("total_estimate", "资金总概算（万元）", width=16, optional=True),
]
TABLE_COLUMNS = [
    *OWNER,
    Col("central", "中央下达", width=10),
    Col("parent_code", "上级目标表代码", width=14),
    Col("parent_project", "上级目标表项目", width=24),
    Col("parent_central", "上级为中央下达", width=14),
    Col("goals", "年度总体目标", width=80),
    Col("weights", "一级指标分值", width=30),
]
INDICATOR_COLUMNS = [
    *OWNER,
    Col("central", "中央下达", width=10),
    Col("order", "序号", width=6),
    Col("level1", "一级指标", width=12),
    Col("level2", "二级指标", width=16),
    Col("name", "三级指标", width=50),
    Col("target", "指标值", width=16),
    Col("parent", "对应上级指标", width=40),
    Col("parent_target", "上级指标值", shown=True, width=16),
    Col("weight", "分值", width=8),
    Col("rule", "汇总规则", width=16),
]
RETURN_COLUMNS = [
    *RETURN_KEY,
    Col("status", "状态", width=10),
    Col("achievement", "总体目标完成情况", width=80),
]
FUNDING_COLUMNS = [
    *RETURN_KEY,
    Col("source", "资金来源", width=16),
    Col("basis", "预算数依据", shown=True, width=12),
    Col("budget", "全年预算数（万元）", width=18),
    Col("spent", "全年执行数（万元）", width=18),
    Col("rate", "预算执行率（%）", shown=True, width=16),
]
ACTUAL_COLUMNS = [
    *RETURN_KEY,
    Col("order", "序号", shown=True, width=6),
    Col("level1", "一级指标", shown=True, width=12),
    Col("level2", "二级指标", shown=True, width=16),
    Col("name", "三级指标", width=44),
    Col("target", "指标值", shown=True, width=14),
    Col("actual", "全年实际完成值", width=16),
    Col("completion", "完成率（%）", shown=True, width=12),
    Col("deviation", "偏差率（%）", shown=True, width=12),
    Col("reason", "未完成原因", width=40),
    Col("measure", "改进措施", width=40),
    Col("denominator", "分母", width=10),
    Col("judged", "审核认定", width=10),
    Col("band", "定性评级", width=10),
    Col("override", "覆盖汇总值说明", width=30),
    Col("error", "说明", shown=True, width=30),
]
NARRATIVE_COLUMNS = [
    *RETURN_KEY,
    Col("aspect", "方面", width=18),
    Col("description", "情况说明", width=60),
    Col("problems", "存在问题和改进措施", width=60),
]
EVIDENCE_COLUMNS = [
    Col("code", "代码", shown=True, width=12),
    Col("owner", "地区", shown=True, width=24),
    Col("project", "项目", shown=True, width=24),
    Col("period", "填报期", shown=True, width=14),
    Col("indicator", "指标", shown=True, width=36),
    Col("name", "文件名", shown=True, width=40),
    Col("size", "大小", shown=True, width=12),
    Col("uploader", "上传人", shown=True, width=18),
    Col("uploaded_at", "上传时间", shown=True, width=18),
]
AUDIT_COLUMNS = ["时间", "操作人", "操作", "对象类型", "对象编号", "地区", "摘要", "意见/说明", "变更内容"]

# --- values as the sheets write them ------------------------------------------------------------

CENTRE = "中央"
KINDS = {kind.label: kind.value for kind in Allocation.Kind}
SOURCES = {MoneySource(value).label: value for value in MoneySource.values}
SOURCE_LABELS = {value: label for label, value in SOURCES.items()}
ALLOCATED_SOURCE_LABELS = {MoneySource(value).label: value for value in ALLOCATED_SOURCES}
PERIODS = {period.label: period.value for period in Period}
STATUSES = {status.label: status.value for status in Return.Status}
RULES = {rule.label: rule.value for rule in IndicatorTarget.RollupRule if rule.value}
BANDS = {band.label: band.value for band in IndicatorActual.Band if band.value}
JUDGED = {"已完成": True, "未完成": False}
CENTRAL = {"是": True}  # 中央下达: the table the centre sent the province; blank: not
CENTRAL_MARK = "是"
JUDGED_LABELS = {value: label for label, value in JUDGED.items()}
BASIS_LABELS = {"own": "本级已审核填报", "rolled_up": "下级已审核填报汇总", "none": "尚无已审核填报"}


def region_key(region: Region) -> tuple:
    """The order of the region tree everywhere in the workbook (and the region import's)."""
    return (region.level, region.order, region.code)


def project_key(project) -> tuple:
    """The projects of a region in their office's order (report F's chapters), then by name."""
    return (*region_key(project.region), project.order, project.name)


def owner_key(region: Region, project_name: str = "") -> tuple:
    """A region's own row first, then its projects by name."""
    return (*region_key(region), project_name)


def period_key(period: str) -> int:
    return Period.values.index(period)


def weights_text(weights: dict) -> str:
    """一级指标分值 as one cell: 产出指标 60；效益指标 20 (in the order they were set)."""
    return "；".join(f"{name} {value}" for name, value in weights.items())


def parse_weights(text: str) -> dict:
    """The cell back into the table's level_weights; ValueError with the reason."""
    weights: dict = {}
    for part in text.replace(";", "；").replace("、", "；").replace("，", "；").split("；"):
        part = part.strip()
        if not part:
            continue
        name, _, value = part.rpartition(" ")
        if not name:
            name, value = part.rstrip("0123456789."), part[len(part.rstrip("0123456789.")) :]
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
        if not name.strip() or number is None or not number.is_finite() or number < 0:
            raise ValueError(f"一级指标分值“{part}”应写作“产出指标 50”，多项用“；”分隔。")
        weights[name.strip()] = int(number) if number == number.to_integral_value() else str(number)
    return weights
