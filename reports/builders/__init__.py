"""Document and workbook builders: data (reports.data) in, file bytes out; no database access."""

from dataclasses import dataclass
from datetime import UTC, datetime

from reports.data import ReportData
from reports.data.monitoring import MonitoringData
from reports.data.types import unit_report_title


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    formats: tuple[str, ...]


KINDS = {
    kind.code: kind
    for kind in (
        Kind("a", "A 转移支付绩效自评报告", ("docx", "xlsx")),
        Kind("b", "B 区域（项目）绩效自评表", ("docx", "xlsx")),
        Kind("b_scored", "B 绩效自评表（含分值、得分）", ("docx", "xlsx")),
        Kind("c", "C 区域绩效目标表", ("docx", "xlsx")),
        Kind("d", "D 资金分配表", ("docx", "xlsx")),
        Kind("e", "E 资金执行情况表", ("docx", "xlsx")),
        Kind("f", "F 项目支出绩效自评报告", ("docx",)),
        Kind("g", "G 县级绩效自评报告（含全部资金来源）", ("docx",)),
        # Mid-year (#12): read from the 绩效运行监控 returns (reports.data.monitoring), at the
        # fund's cut-off month.
        Kind("monitor", "绩效运行监控表（年中）", ("docx", "xlsx")),
        Kind("monitor_report", "绩效运行监控情况报告（红黄灯指标，年中）", ("docx",)),
    )
}
MONITORING_KINDS = ("monitor", "monitor_report")
FORMATS = {"docx": "DOCX（Word）", "xlsx": "XLSX（Excel）"}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def kind_label(kind: str, format: str) -> str:
    """What a file is, for lists: report A asked for as XLSX is the workbook of tables B–E."""
    if (kind, format) == ("a", "xlsx"):
        return "表B–E工作簿"
    return KINDS[kind].label if kind in KINDS else kind


class KindError(ValueError):
    """An unknown kind, or a kind not offered in the format asked for."""


def check_kind(kind: str, format: str) -> Kind:
    if kind not in KINDS:
        raise KindError(f"未知的文档类型“{kind}”，可选：{'、'.join(KINDS)}。")
    if format not in FORMATS:
        raise KindError(f"未知的格式“{format}”，可选：docx、xlsx。")
    if format not in KINDS[kind].formats:
        raise KindError(f"{KINDS[kind].label}只提供 {'、'.join(KINDS[kind].formats).upper()} 格式。")
    return KINDS[kind]


def build(data: ReportData | MonitoringData, *, kind: str, format: str) -> bytes:
    """The file of ``kind``: from ``report_data`` for documents A–G, from ``monitoring_data``
    for the monitoring kinds (``MONITORING_KINDS``)."""
    check_kind(kind, format)
    if format == "xlsx":
        from reports.builders.xlsx import build_workbook, tables_workbook

        if kind == "monitor":
            from reports.builders.monitoring_layout import monitoring_table

            return tables_workbook([monitoring_table(data)])
        return build_workbook(data, kind)
    from reports.builders import docx_monitoring, docx_report, docx_tables
    from reports.builders.docx_base import Properties

    # The document names itself, the unit that issues it and when it was made (Word: 文件 → 信息).
    title = title_for(region_name=data.region_name, fund_name=data.fund_name, year=data.year, kind=kind)
    properties = Properties(
        title=title, author=data.own_department or data.region_name, made=datetime.now(UTC)
    )
    if kind == "a":
        return docx_report.build_report_a(data, properties)
    if kind == "f":
        return docx_report.build_report_f(data, properties)
    if kind == "g":
        return docx_report.build_report_g(data, properties)
    if kind == "monitor":
        return docx_monitoring.build_monitoring_table(data, properties)
    if kind == "monitor_report":
        return docx_monitoring.build_monitoring_report(data, properties)
    return docx_tables.build_tables_docx(data, kind, properties)


def title_for(
    *, region_name: str, fund_name: str, year: int, kind: str, format: str = "docx", unit: str = ""
) -> str:
    """The file's name as people see it (the download name, without the extension). Report G
    is named as it is titled, after the ``unit`` that reports (伊宁市民政局…)."""
    if kind == "g":
        return unit_report_title(unit or region_name, year, fund_name)
    if (kind, format) == ("a", "xlsx"):
        kind = "tables"
    names = {
        "a": f"{fund_name}转移支付{year}年度绩效自评报告",
        "tables": f"{fund_name}{year}年度绩效自评表格",
        "b": f"{fund_name}{year}年度绩效自评表",
        "b_scored": f"{fund_name}{year}年度绩效自评表（评分）",
        "c": f"{fund_name}{year}年度区域绩效目标表",
        "d": f"{fund_name}{year}年度资金分配表",
        "e": f"{fund_name}{year}年度资金执行情况表",
        "f": f"{year}年度项目支出绩效自评报告",
        "monitor": f"{fund_name}{year}年绩效运行监控表",
        "monitor_report": f"{fund_name}{year}年绩效运行监控情况报告",
    }
    return f"{region_name}{names[kind]}"
