"""The monitoring documents (#12) in DOCX: the 绩效运行监控表 of one region (landscape, the grids
of monitoring_layout.py) and the short 绩效运行监控情况报告 of a region and everything below it,
which lists the red and yellow lines by region with their reasons and measures.

Both start from the reference document like every other document (docx_base.DocxWriter) and
say on page 1 when a return they print is not approved yet.
"""

from indicators import rules
from reports.builders.docx_base import DocxWriter, Properties
from reports.builders.docx_tables import grid_xml, render_table
from reports.builders.layouts import Cell, Grid, Row, _centre, _head
from reports.builders.monitoring_layout import light_cell, monitoring_table
from reports.data.monitoring import MonitoredReturn, MonitoringData
from reports.formats import chinese_number, pct_text, value_text, wan_text

REPORT_SIZE = 18  # 小五: eight columns on a portrait page
# 指标 | 年度指标值 | 1–N月实际完成值 | 全年预计完成值 | 预警 | 偏差原因及说明 | 完成目标可能性 | 纠偏措施
FLAGGED_WIDTHS = [1500, 900, 900, 900, 500, 1750, 750, 1645]


def build_monitoring_table(data: MonitoringData, properties: Properties | None = None) -> bytes:
    writer = DocxWriter()
    writer.landscape()
    _draft_notice(writer, data)
    render_table(writer, monitoring_table(data))
    return writer.to_bytes(properties)


def build_monitoring_report(data: MonitoringData, properties: Properties | None = None) -> bytes:
    writer = DocxWriter()
    # The fund's name on a line of its own: a title broken inside it (中 / 央财政…) reads wrong.
    writer.title_lines(
        [data.region_name, data.fund_name, f"{data.year}年{data.months_label}绩效运行监控情况报告"]
    )
    _draft_notice(writer, data)
    writer.body(summary(data))
    flagged = [ret for ret in data.returns if ret.flagged]
    writer.heading1("一、红灯、黄灯指标情况")
    if not flagged:
        writer.body("各填报的绩效指标全年预计均能完成年度指标值（绿灯），暂无需要纠偏的指标。")
    for number, ret in enumerate(flagged, start=1):
        writer.heading2(f"（{chinese_number(number)}）{ret.owner}")
        # The sentence that introduces the table stays on its page.
        writer.paragraph(_return_sentence(ret), keep_next=True)
        writer.append(
            grid_xml(
                _flagged_grid(ret, data.months_label),
                size=REPORT_SIZE,
                width=writer.text_width,
                styles=(writer.style_id("TableHead"), writer.style_id("TableText")),
            )
        )
    writer.heading1("二、下一步工作")
    writer.body(
        "对红灯、黄灯指标，请相关地区和单位按所列纠偏措施抓好落实，加快资金执行进度，"
        f"确保年度绩效目标如期实现；{data.own_department}将跟踪纠偏情况，并在年度绩效自评中对照本次监控结果进行复核。"
    )
    return writer.to_bytes(properties)


def summary(data: MonitoringData) -> str:
    """The paragraph on top: how many returns and lines are green, yellow, red."""
    returns = data.returns
    month = data.through_month
    if not returns:
        text = f"截至{data.year}年{month}月底，{data.region_name}及下级尚无{data.fund_name}绩效运行监控填报。"
        return text + _not_reported(data)
    approved = sum(1 for r in returns if r.approved)
    lines = [line for r in returns for line in r.lines]
    counts = {light: sum(1 for line in lines if line.light == light) for light in rules.LIGHT_LABELS}
    unlit = sum(1 for line in lines if line.light is None)
    by_return = {light: sum(1 for r in returns if r.light == light) for light in rules.LIGHT_LABELS}
    text = (
        f"截至{data.year}年{month}月底，{data.region_name}及下级地区、项目共有{len(returns)}份"
        f"{data.fund_name}{data.months_label}绩效运行监控填报，其中已审核{approved}份。"
        f"按全年预计完成值对照年度指标值预警，{len(lines)}项绩效指标中绿灯{counts[rules.GREEN]}项、"
        f"黄灯{counts[rules.YELLOW]}项、红灯{counts[rules.RED]}项"
        + (f"，{unlit}项尚未填写全年预计完成值" if unlit else "")
        + f"；按填报计，红灯{by_return[rules.RED]}份、黄灯{by_return[rules.YELLOW]}份、绿灯{by_return[rules.GREEN]}份。"
    )
    money = data.subtree_money
    if money is not None and money.spent is not None:
        text += (
            f"按已审核填报汇总，{data.months_label}执行资金{wan_text(money.spent)}万元，"
            f"执行率{pct_text(money.rate)}（时序进度{pct_text(data.time_share)}）"
        )
        if money.forecast is not None:
            text += f"，全年预计执行{wan_text(money.forecast)}万元，预计执行率{pct_text(money.forecast_rate)}"
        text += "。"
    return text + _not_reported(data)


def _not_reported(data: MonitoringData) -> str:
    if not data.not_reported:
        return ""
    return f"下级地区中，{'、'.join(data.not_reported)}尚未填报。"


def _return_sentence(ret: MonitoredReturn) -> str:
    parts = [f"红灯{ret.count(rules.RED)}项"] if ret.count(rules.RED) else []
    if ret.count(rules.YELLOW):
        parts.append(f"黄灯{ret.count(rules.YELLOW)}项")
    return f"{ret.owner}绩效运行监控填报（{ret.status}）共{len(ret.lines)}项指标，其中{'、'.join(parts)}："


def _flagged_grid(ret: MonitoredReturn, months: str) -> Grid:
    heads = [
        "指标",
        "年度指标值",
        f"{months}实际完成值",
        "全年预计完成值",
        "预警",
        "偏差原因及说明",
        "完成目标可能性",
        "纠偏措施",
    ]
    rows = [Row([_head(h) for h in heads], header=True)]
    for line in ret.flagged:
        rows.append(
            Row(
                [
                    Cell(line.name),
                    _centre(value_text(line.target)),
                    _centre(value_text(line.actual)),
                    _centre(value_text(line.forecast)),
                    light_cell(line),
                    Cell(line.deviation or "（未填写）"),
                    _centre(line.likelihood or "（未填写）"),
                    Cell(line.measure or "（未填写）"),
                ]
            )
        )
    return Grid(FLAGGED_WIDTHS, rows)


def _draft_notice(writer: DocxWriter, data: MonitoringData) -> None:
    """A document that prints a return not approved yet says so on page 1, as documents A–G do."""
    if data.review_notice:
        writer.review_notice([data.review_notice])
