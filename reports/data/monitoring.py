"""What the monitoring documents (#12) print for one fund and region, at the fund's cut-off month.

`monitoring_data(fund=…, region=…)` reads the mid-year returns of the region's subtree once
(the ledger of period 绩效运行监控) and hands every return to
`indicators.monitoring.return_monitoring`, the one adapter of the lights: no rate or light is
worked out here, this module only arranges them.

Where the figures of the 绩效运行监控表 come from:

* **money**: the region's own mid-year return as it stands (any status, as the 自评表 prints
  its return); a region without one takes the ledger's roll-up of the approved returns below
  it (its lag reasons are the lower levels', printed in their own tables), and says so;
* **indicator lines**: the region's own return only. A region without one prints the targets
  it works to and 未填报 in the columns of figures: a roll-up of lines is not a forecast anybody
  made.

The short report (``subtree=True``) lists every mid-year return of the subtree (the region's
own and those below it, regions and projects) with its lines.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from indicators import rules
from indicators.ledger import Figures, FundLedger
from indicators.models import IndicatorTarget, Period, Return
from indicators.monitoring import Monitoring, monitored_money, returns_monitoring
from indicators.selectors import monitoring_plan, nearest_table_above, return_table
from reports.data import _fund_users
from reports.data.words import Words, strip_code
from transfers.models import Fund, Region

NOT_REPORTED = "未填报"
ROLLED_UP = "本级未填报，资金为下级已审核填报汇总数。"


@dataclass
class MonitoringMoney:
    """One row of the money block: a source, or 年度资金总额 (``total``)."""

    label: str
    budget: Decimal | None  # 全年预算数
    spent: Decimal | None  # 1–N月执行数
    rate: Decimal | None  # 执行率 %
    forecast: Decimal | None  # 全年预计执行数
    forecast_rate: Decimal | None  # 预计执行率 %
    lags: bool = False  # below the months passed (rules.execution_lags)
    lag_reason: str = ""
    total: bool = False


@dataclass
class MonitoringLine:
    """One indicator of a monitoring return, as the table prints it."""

    level1: str
    level2: str
    name: str
    target: str  # 年度指标值
    actual: str  # 1–N月实际完成值
    forecast: str  # 全年预计完成值
    cause: str = ""  # 偏差原因 (its label: 经费保障 …)
    reason: str = ""  # 原因说明
    likelihood: str = ""  # 完成目标可能性 (确定能 / 有可能 / 完全不可能)
    measure: str = ""  # 纠偏措施
    light: str | None = None  # green / yellow / red (rules.monitoring)
    light_label: str = ""  # 绿 / 黄 / 红
    completion_rate: Decimal | None = None  # the forecast's completion, %
    reported: bool = True  # False: the region has no return; the figures print 未填报

    @property
    def deviation(self) -> str:
        """偏差原因 as printed: the category, then the office's explanation (经费保障：…)."""
        if self.cause and self.reason:
            return f"{self.cause}：{self.reason}"
        return self.cause or self.reason


@dataclass
class MonitoredReturn:
    """One mid-year return of the subtree, for the short report."""

    owner: str  # 伊宁市, or a project's name
    status: str  # 填报中 / 已提交 / 已退回 / 已审核
    light: str | None
    light_label: str
    lines: list[MonitoringLine]
    approved: bool = False

    def count(self, light: str) -> int:
        return sum(1 for line in self.lines if line.light == light)

    @property
    def flagged(self) -> list[MonitoringLine]:
        """The red lines, then the yellow ones, each in the table's order."""
        return [line for light in (rules.RED, rules.YELLOW) for line in self.lines if line.light == light]


@dataclass
class MonitoringData:
    fund_code: str
    fund_name: str
    year: int
    region_code: str
    region_name: str
    central_department: str
    own_department: str  # 主管部门
    fund_users: list[str]  # 实施单位
    through_month: int
    months_label: str  # 1–6月
    time_share: Decimal  # 50.00: the share of the year passed, %
    yellow_from: Decimal
    status: str  # the own return's status, or 未填报
    approved: bool  # the own return is approved
    goals: str  # 年度总体目标
    money: list[MonitoringMoney]
    lines: list[MonitoringLine]
    light: str | None = None
    light_label: str = ""
    money_note: str = ""  # where the money comes from when it is not the own return's
    returns: list[MonitoredReturn] = field(default_factory=list)  # subtree=True only
    # The region's total money by the ledger's rule (own approved return, else the roll-up):
    # the short report's summary.
    subtree_money: MonitoringMoney | None = None
    not_reported: list[str] = field(default_factory=list)  # funded regions below without any return
    warnings: list[str] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.status != NOT_REPORTED

    @property
    def pending(self) -> list[str]:
        """The returns printed that are not approved yet (or missing): the document is then a
        draft."""
        if self.returns:
            return [r.owner for r in self.returns if not r.approved]
        return [] if self.approved else [self.region_name]

    @property
    def final(self) -> bool:
        return not self.pending

    @property
    def review_notice(self) -> str:
        """What a draft prints on page 1 (as ReportData.review_notice); blank when final."""
        if self.final:
            return ""
        draft = "本文件为草稿，其中的数据和文字可能变化。"
        if self.returns:
            return f"数据未全部审核：{len(self.pending)}份绩效运行监控填报尚未审核通过。{draft}"
        if not self.reported:
            return f"本级尚未填报绩效运行监控，表中指标完成值为空（{NOT_REPORTED}）。"
        return f"数据未全部审核：本级绩效运行监控填报尚未审核通过（{self.status}）。{draft}"


def monitoring_data(*, fund: Fund, region: Region, subtree: bool = False) -> MonitoringData:
    """The 绩效运行监控表 of ``region`` (and, ``subtree``, every mid-year return below it for the
    short report), at the cut-off month of the fund's plan."""
    region = Region.objects.select_related("parent__parent").get(pk=region.pk)
    plan = monitoring_plan(fund)
    ledger = FundLedger(fund, region, Period.MID_YEAR)
    tree = ledger.tree
    words = Words(fund, region)
    own = ledger.returns.get(tree.root.key)
    # The table needs the region's own return only; the short report every return of the subtree.
    read = list(ledger.returns.values()) if subtree else [r for r in (own,) if r is not None]
    monitored = returns_monitoring(read, ledger=ledger, plan=plan)
    account = ledger.account()

    if own is not None:
        monitoring = monitored[own.pk]
        money_lines, total = monitoring.money, monitoring.total
        lines = [_line(m) for m in monitoring.lines]
        money_note, goals = "", _goals(monitoring)
    else:
        monitoring = None
        figures: Figures = account.figures
        money_lines, total = monitored_money(figures, plan=plan), figures.total
        money_note = ROLLED_UP if account.basis == "rolled_up" else ""
        table = return_table(fund, region) or nearest_table_above(fund, region)
        rows = list(table.indicators.order_by("order")) if table else []
        lines = [_unreported(row) for row in rows]
        goals = table.overall_goals if table else ""

    data = MonitoringData(
        fund_code=fund.code,
        fund_name=fund.full_name,
        year=fund.year,
        region_code=region.code,
        region_name=region.name,
        central_department=strip_code(fund.central_department),
        own_department=words.department,
        fund_users=_fund_users(ledger, words),
        through_month=plan.through_month,
        months_label=plan.months_label,
        time_share=rules.time_share(plan.through_month),
        yellow_from=plan.yellow_from,
        status=own.get_status_display() if own else NOT_REPORTED,
        approved=own is not None and own.status == Return.Status.APPROVED,
        goals=goals,
        money=[_money(total, total=True), *(_money(m.money, m.lags, m.lag_reason) for m in money_lines)],
        lines=lines,
        light=monitoring.light if monitoring else None,
        light_label=monitoring.light_label if monitoring else "",
        money_note=money_note,
    )
    if subtree:
        placed = sorted(
            ((ledger.node_for(ret), ret) for ret in ledger.returns.values()), key=lambda x: tree.order(x[0])
        )
        data.returns = [_returned(node.name, ret, monitored[ret.pk]) for node, ret in placed]
        data.subtree_money = _money(account.total, total=True)
        data.not_reported = [a.node.name for a in ledger.taking_part() if a.is_funded and not a.reported]
    data.warnings = _warnings(data, subtree)
    return data


def _goals(monitoring: Monitoring) -> str:
    """年度总体目标: of the table the return's lines report against."""
    first = next(iter(monitoring.lines), None)
    return first.actual.indicator.table.overall_goals if first is not None else ""


def _money(money, lags: bool = False, lag_reason: str = "", *, total: bool = False) -> MonitoringMoney:
    label = "年度资金总额" if total else money.label
    return MonitoringMoney(
        label=label,
        budget=money.budget,
        spent=money.spent,
        rate=money.rate,
        forecast=money.forecast,
        forecast_rate=money.forecast_rate,
        lags=lags,
        lag_reason=lag_reason if lags else "",
        total=total,
    )


def _line(monitored) -> MonitoringLine:
    actual, result = monitored.actual, monitored.result
    indicator = actual.indicator
    return MonitoringLine(
        level1=indicator.level1,
        level2=indicator.level2,
        name=indicator.name,
        target=indicator.target_text,
        actual=actual.actual_text,
        forecast=actual.forecast_text,
        cause=actual.get_deviation_cause_display() if actual.deviation_cause else "",
        reason=actual.reason,
        likelihood=actual.get_likelihood_display() if actual.likelihood else "",
        measure=actual.measure,
        light=result.light,
        light_label=result.light_label,
        completion_rate=result.forecast.completion_rate,
    )


def _unreported(row: IndicatorTarget) -> MonitoringLine:
    return MonitoringLine(
        level1=row.level1,
        level2=row.level2,
        name=row.name,
        target=row.target_text,
        actual=NOT_REPORTED,
        forecast=NOT_REPORTED,
        reported=False,
    )


def _returned(owner: str, ret: Return, monitoring: Monitoring) -> MonitoredReturn:
    return MonitoredReturn(
        owner=owner,
        status=ret.get_status_display(),
        approved=ret.status == Return.Status.APPROVED,
        light=monitoring.light,
        light_label=monitoring.light_label,
        lines=[_line(m) for m in monitoring.lines],
    )


def _warnings(data: MonitoringData, subtree: bool) -> list[str]:
    """What the file page tells the person who asked: drafts and missing returns."""
    warnings = []
    if subtree:
        for ret in data.returns:
            if not ret.approved:
                warnings.append(f"{ret.owner}的绩效运行监控填报尚未审核通过（{ret.status}），数据可能变化。")
        if not data.returns:
            warnings.append(f"{data.region_name}及下级尚无本资金的绩效运行监控填报。")
        if data.not_reported:
            warnings.append(f"{len(data.not_reported)}个下级地区尚未填报：{'、'.join(data.not_reported)}。")
        return warnings
    if not data.reported:
        warnings.append(
            f"{data.region_name}尚无本资金的绩效运行监控填报，表中指标完成值印为“{NOT_REPORTED}”"
            + ("，资金为下级已审核填报汇总数。" if data.money_note else "。")
        )
    elif data.status != Return.Status.APPROVED.label:
        warnings.append(f"{data.region_name}的绩效运行监控填报尚未审核通过（{data.status}），数据可能变化。")
    return warnings
