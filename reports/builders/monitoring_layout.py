"""The 绩效运行监控表 (#12) as a format-neutral grid, drawn by the DOCX and XLSX builders alike.

Like the 自评表 (layouts.evaluation_table) it has two parts, each a grid of its own columns:
the head (names, the period, the money by source) and the indicators, whose 一级 and 二级
columns merge over runs (layouts._level_cells). The light of a line is printed as its word
(绿 / 黄 / 红) and shaded: a copy printed in black and white still says it.
"""

from indicators import rules
from reports.builders.layouts import Cell, Grid, Row, Table, _centre, _head, _level_cells, _money, _rate
from reports.data.monitoring import MonitoringData, MonitoringLine, MonitoringMoney
from reports.formats import pct_text, value_text

# Excel's light fills (好 / 适中 / 差), readable behind black text.
LIGHT_FILLS = {rules.GREEN: "C6EFCE", rules.YELLOW: "FFEB9C", rules.RED: "FFC7CE"}

# Ten columns on a landscape A4 page in 小五 (180 twips a character, after scaling to the text
# width): 一级 holds 满意度指标 on one line, 二级 服务对象满意度指标 on two, 三级 and the texts take
# the rest; the light one character.
INDICATOR_WIDTHS = [1100, 1100, 2900, 1150, 1150, 1150, 2300, 1000, 2200, 600]
# The head: its first two columns line up with 一级 and 二级 below; the money block's five
# figures of equal width (they hold 792267.00) and a wide 执行滞后原因.
HEAD_WIDTHS = [1100, 1100, 1200, 1450, 1450, 1450, 1450, 1450, 1900, 2100]

INDICATOR_HEADS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "{months}实际完成值",
    "全年预计完成值",
    "偏差原因",
    "完成目标可能性",
    "纠偏措施",
    "预警",
]


def monitoring_table(data: MonitoringData) -> Table:
    """中央对地方转移支付区域绩效运行监控表 of one region at the fund's cut-off month."""
    return Table(
        title="中央对地方转移支付区域绩效运行监控表",
        subtitle=f"（{data.year}年{data.months_label}  {data.region_name}）",
        sheet="绩效运行监控表",
        grids=[_head_grid(data), _indicator_grid(data)],
        unit="",
        notes=_notes(data),
        font_size=18,  # ten columns: 小五
        landscape=True,
    )


def _head_grid(data: MonitoringData) -> Grid:
    n = len(HEAD_WIDTHS)
    rows = [Row([_head("项目名称", 2), Cell(data.fund_name, span=n - 2)])]
    department = data.own_department
    users = "、".join(data.fund_users) or department
    if len(data.fund_users) > 1:
        # Several offices used the money: each label on a row of its own, as in the 自评表.
        rows.append(Row([_head("主管部门", 2), Cell(department, span=n - 2)]))
        rows.append(Row([_head("实施单位", 2), Cell(users, span=n - 2)]))
    else:
        rows.append(
            Row([_head("主管部门", 2), Cell(department, span=4), _head("实施单位"), Cell(users, span=3)])
        )
    period = f"{data.year}年{data.months_label}（时序进度{pct_text(data.time_share)}）"
    rows.append(
        Row([_head("监控期间", 2), Cell(period, span=4), _head("填报状态"), Cell(data.status, span=3)])
    )

    money: list[MonitoringMoney] = data.money
    rows.append(
        Row(
            [
                _head("资金情况（万元）", rows=1 + len(money)),
                _head("资金来源", 2),
                _head("全年预算数"),
                _head(f"{data.months_label}执行数"),
                _head("执行率"),
                _head("全年预计执行数"),
                _head("预计执行率"),
                _head("执行滞后原因", 2),
            ]
        )
    )
    for i, line in enumerate(money):
        label = line.label if line.total or i != 1 else f"其中：{line.label}"
        rows.append(
            Row(
                [
                    Cell(label, span=2),
                    _money(line.budget),
                    _money(line.spent),
                    _rate(line.rate),
                    _money(line.forecast),
                    _rate(line.forecast_rate),
                    Cell(_lag_text(line), span=2),
                ],
                total=line.total,
            )
        )
    rows.append(Row([_head("年度总体目标", 2), Cell(data.goals, span=n - 2)]))
    return Grid(HEAD_WIDTHS, rows)


def _lag_text(line: MonitoringMoney) -> str:
    if not line.lags:
        return ""
    return line.lag_reason or "执行进度滞后，未填写原因。"


def _indicator_grid(data: MonitoringData) -> Grid:
    heads = [h.format(months=data.months_label) for h in INDICATOR_HEADS]
    rows = [Row([_head(h) for h in heads], header=True)]
    lines: list[MonitoringLine] = data.lines
    for line, (level1, level2) in zip(lines, _level_cells(lines), strict=True):
        cells = [c for c in (level1, level2) if c is not None]
        cells += [
            Cell(line.name),
            _centre(value_text(line.target)),
            _centre(value_text(line.actual)),
            _centre(value_text(line.forecast)),
            Cell(line.deviation),
            _centre(line.likelihood),
            Cell(line.measure),
            light_cell(line),
        ]
        rows.append(Row(cells))
    if not lines:
        rows.append(Row([Cell("本级没有适用的绩效指标。", span=len(heads), align="center")]))
    return Grid(INDICATOR_WIDTHS, rows)


def light_cell(line: MonitoringLine) -> Cell:
    """The word of the light (绿 / 黄 / 红), shaded in its colour; blank without a forecast."""
    return Cell(line.light_label, align="center", fill=LIGHT_FILLS.get(line.light, ""))


def _notes(data: MonitoringData) -> list[str]:
    yellow = rules.format_number(data.yellow_from)
    notes = [
        f"注：1. 执行率为{data.months_label}执行数占全年预算数的比例，低于时序进度"
        f"{pct_text(data.time_share)}的资金来源需说明执行滞后原因；预计执行率为全年预计执行数占全年预算数的比例。",
        f"2. 预警按全年预计完成值对照年度指标值判断：达到年度指标值为绿；预计完成率不低于{yellow}%"
        f"或定性指标需审核认定的为黄；预计完成率低于{yellow}%为红。黄、红指标需填写偏差原因、完成目标可能性和纠偏措施。",
    ]
    if data.money_note:
        notes.append(f"3. {data.money_note}")
    return notes


__all__ = ["LIGHT_FILLS", "light_cell", "monitoring_table"]
