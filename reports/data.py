"""Everything a document needs for one fund and one region, read in a fixed number of queries.

`report_data(fund=…, region=…)` returns plain dataclasses; the builders in `reports/builders/`
turn them into DOCX and XLSX and never touch the database. Money comes from the ledger
(indicators.ledger: budgets by the one subtree rule, spending by the one roll-up rule, rates
by rules.execution_rate), so a document prints the figures every screen shows; indicator
rates come from indicators.rules. This module only arranges them.

Definitions the documents rely on:

* The execution table lists each region (or project) directly below: its money by the
  ledger's rule — its own approved return, else the approved returns below it (the line says
  so), else blank with the reason. A report goes to the ministries: a figure still under
  review is not one. Its 合计 row adds up the lines printed.
* The region's own return (自评表, indicator lines, narratives) is shown whatever its status,
  with its money as the ledger reads that return; a warning says when it is not approved yet
  and when its spending differs from the approved figures below it.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from indicators import rules
from indicators.ledger import Account, Figures, FundLedger, figures
from indicators.models import (
    LEVEL2_BY_LEVEL1,
    Aspect,
    IndicatorActual,
    IndicatorTarget,
    Level1,
    Period,
    Return,
    ReturnNarrative,
    TargetTable,
)
from transfers.budgets import Received
from transfers.models import Allocation, Fund, MoneySource, Region
from transfers.selectors import subtree_q
from transfers.tree import Node, RegionTree

ZERO = Decimal("0")
_MONTH = re.compile(r"\d{4}年(\d{1,2}月)?")
# How the report names each 资金管理情况 row (seed 000: “1.资金分配科学性。”).
NARRATIVE_HEADINGS = {
    Aspect.ALLOCATION: "资金分配科学性",
    Aspect.TIMELINESS: "资金下达及时性",
    Aspect.DISBURSEMENT: "资金拨付合规性",
    Aspect.USE: "资金使用规范性",
    Aspect.EXECUTION: "资金执行准确性",
    Aspect.PERFORMANCE: "预算绩效管理情况",
    Aspect.RESPONSIBILITY: "支出责任履行情况",
}


# --- the dataclasses the builders read --------------------------------------------------------


@dataclass(frozen=True)
class NoticeLine:
    issuer: str
    number: str
    title: str
    when: str  # “2024年12月”, or blank when unknown
    amount: Decimal
    advance: bool  # a 提前下达 notice


@dataclass
class AllocationLine:
    label: str
    total: Decimal
    advance: Decimal
    batch: Decimal
    group: str = ""  # the prefecture a county line belongs to, in a grouped table
    kind: str = "line"  # line / subtotal / total
    seq: int = 0


@dataclass
class AllocationTable:
    lines: list[AllocationLine]  # lines and 小计 rows in print order; the 合计 row is `total`
    total: AllocationLine
    has_advance: bool
    grouped: bool
    notices: list[NoticeLine]

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True)
class TargetRow:
    level1: str
    level2: str
    name: str
    target: str


@dataclass
class TargetTableData:
    owner: str  # 伊犁州, or a project's name
    project_name: str
    departments: list[tuple[str, str]]
    total: Decimal
    central: Decimal
    local: Decimal
    goals: str
    indicators: list[TargetRow]
    inherited_from: str = ""  # the table is an ancestor's: the region has none of its own


@dataclass
class ExecutionLine:
    name: str
    budget: Decimal
    spent: Decimal | None
    rate: Decimal | None
    note: str = ""  # why spending is blank, or how it was obtained


@dataclass
class ExecutionTable:
    lines: list[ExecutionLine]
    total: ExecutionLine


@dataclass
class MoneyLine:
    label: str
    budget: Decimal | None
    spent: Decimal | None
    rate: Decimal | None


@dataclass(frozen=True)
class NarrativeLine:
    label: str  # 分配科学性 (the 自评表 row)
    heading: str  # 资金分配科学性 (the report's paragraph)
    description: str
    problems: str


@dataclass
class IndicatorLine:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    reason: str
    measure: str
    handed_down: bool  # passed down from above (otherwise set by this level itself)
    evaluation: rules.Evaluation
    weight: Decimal | None = None
    band: str = ""
    judged_met: bool | None = None
    score: rules.IndicatorScore | None = None

    @property
    def entered(self) -> bool:
        return bool(self.actual.strip())

    @property
    def missed(self) -> bool:
        # The reviewer's decision on a qualitative line is already in the evaluation.
        return self.entered and self.evaluation.met is False

    @property
    def over_achieved(self) -> bool:
        return self.entered and self.evaluation.over_achieved


@dataclass
class SelfEvaluation:
    """One return's content: the region's own, or a project's."""

    status: str  # 已审核 / 填报中 … / 未填报
    money: list[MoneyLine]  # 年度资金总额, 中央财政资金, 地方财政资金, 其他资金
    sources: list[MoneyLine]  # every source separately, and 合计 (report G)
    narratives: list[NarrativeLine]
    goals: str
    goal_achievement: str
    indicators: list[IndicatorLine]
    score: rules.ReturnScore | None = None
    score_note: str = ""

    @property
    def total(self) -> MoneyLine:
        return self.money[0]


@dataclass
class ProjectData:
    name: str
    region_name: str
    received: Decimal
    table: TargetTableData | None
    evaluation: SelfEvaluation


@dataclass
class ReportData:
    fund_code: str
    fund_name: str
    year: int
    region_code: str
    region_name: str
    region_short: str
    region_level: int
    region_word: str  # how sentences name this level: 自治区, 伊犁州, 伊宁市
    money_giver: str  # who sent the money: 中央, 自治区 (seed 003 pays counties directly), 伊犁州
    target_giver: str  # whose targets these are: 财政部, 自治区, 伊犁州
    upper_is_centre: bool
    central_department: str
    own_department: str  # 自治区民政厅, 伊犁州民政局 …
    received: dict[str, Decimal]  # total / advance / batch / central / local
    incoming_notices: list[NoticeLine]
    own_table: TargetTableData | None
    allocation: AllocationTable
    child_tables: list[TargetTableData]
    execution: ExecutionTable | None
    evaluation: SelfEvaluation
    projects: list[ProjectData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.region_name}{self.fund_name}转移支付{self.year}年度绩效自评报告"


# --- gathering -------------------------------------------------------------------------------


def report_data(*, fund: Fund, region: Region, period: str = Period.YEAR_END) -> ReportData:
    """Read everything for (fund, region) in a fixed number of queries, whatever the number of
    regions: the ledger's (tree, allocations, returns with their money), the region, the
    target tables, and the content of the returns printed whole."""
    region = Region.objects.select_related("parent__parent").get(pk=region.pk)
    ledger = FundLedger(fund, region, period)
    tree = ledger.tree
    ancestors = [r for r in (region.parent, region.parent.parent if region.parent else None) if r]
    tables = list(
        fund.target_tables.filter(
            subtree_q(region, "region__")
            | subtree_q(region, "project__region__")
            | Q(region__in=ancestors, project__isnull=True)
        )
        .select_related("region", "project", "project__region")
        .prefetch_related(
            Prefetch("indicators", queryset=IndicatorTarget.objects.order_by("order"), to_attr="rows")
        )
    )
    own_return = ledger.returns.get(tree.root.key)
    project_nodes = [n for n in tree.nodes.values() if n.is_project]
    project_returns = {n.project.pk: ledger.returns[n.key] for n in project_nodes if n.key in ledger.returns}
    details = _return_details([r for r in [own_return, *project_returns.values()] if r is not None])

    words = _Words(fund, region)
    received = ledger.account().received
    tables_by_owner = {(t.region_id, t.project_id): t for t in tables}
    own_table, inherited = _own_table(tables_by_owner, region, ancestors)
    own_table_data = (
        _target_table_data(own_table, words, ledger, owner=tree.root, inherited=inherited)
        if own_table
        else None
    )
    child_tables = [
        _target_table_data(t, words, ledger)
        for t in sorted(
            (t for t in tables if own_table and not inherited and t.parent_id == own_table.pk),
            key=lambda t: _owner_order(t, tree),
        )
    ]
    own_money = ledger.return_money(own_return) if own_return else figures(received, {})
    evaluation = _self_evaluation(own_return, own_table, details, own_money)
    data = ReportData(
        fund_code=fund.code,
        fund_name=fund.full_name,
        year=fund.year,
        region_code=region.code,
        region_name=region.name,
        region_short=region.display_name,
        region_level=region.level,
        region_word=words.own,
        money_giver=_money_giver(received, region, ancestors),
        target_giver=_target_giver(own_table, inherited, tables, words),
        upper_is_centre=region.parent_id is None,
        central_department=_strip_code(fund.central_department),
        own_department=words.department,
        received=_received_dict(received),
        incoming_notices=_notices(received.allocations),
        own_table=own_table_data,
        allocation=_allocation_table(ledger),
        child_tables=child_tables,
        execution=_execution_table(ledger),
        evaluation=evaluation,
        projects=[
            _project_data(node, tables_by_owner, project_returns, details, ledger, words)
            for node in sorted(project_nodes, key=lambda n: (tree.order(n.parent), n.project.name))
        ],
    )
    data.warnings = _warnings(data, own_return, ledger.account())
    return data


class _Words:
    """How the documents name this level, the level above and the departments."""

    def __init__(self, fund: Fund, region: Region):
        self.fund = fund
        self.own = _level_word(region)
        self.upper = _level_word(region.parent) if region.parent else "财政部"
        self.line_suffix = "民政局" if "民政" in fund.line_department else "主管部门"
        self.department = fund.line_department if region.parent_id is None else self.office(region)

    def office(self, region: Region, suffix: str | None = None) -> str:
        if region.is_budget_unit:
            return region.name
        return f"{region.display_name}{suffix or self.line_suffix}"


def _money_giver(received: Received, region: Region, ancestors: list[Region]) -> str:
    """中央 when the centre sent the money, else the level that did (the province for a county
    it pays directly, as in seed 003)."""
    givers = {a.from_region_id for a in received.allocations}
    if givers == {None}:
        return "中央"
    known = {r.pk: r for r in ancestors}
    if len(givers) == 1 and next(iter(givers)) in known:
        return _level_word(known[next(iter(givers))])
    return _level_word(region.parent) if region.parent else "中央"


def _target_giver(
    table: TargetTable | None, inherited: bool, tables: list[TargetTable], words: "_Words"
) -> str:
    """Who set the targets the region works to: the owner of the table above its own (财政部
    for the top table); for a region without a table, the owner of the one it uses."""
    if table is None:
        return words.upper
    if inherited:
        return _level_word(table.region)
    if table.parent_id is None:
        return "财政部"
    parent = next((t for t in tables if t.pk == table.parent_id), None)
    return _level_word(parent.region) if parent is not None and parent.region_id else words.upper


def _level_word(region: Region) -> str:
    if region.parent_id is None:
        return "自治区" if region.name.endswith("自治区") else ("省" if region.name.endswith("省") else "市")
    return region.display_name


def _strip_code(department: str) -> str:
    """‘[118]民政部’ → ‘民政部’ (the code is for the ministry's systems, not for the reader)."""
    return department.split("]", 1)[-1] if department.startswith("[") else department


def _received_dict(received: Received) -> dict[str, Decimal]:
    """What a region or project was allocated: {total, advance, batch, central, local}, where
    ``local`` is the provincial money allocated with it (the 目标表's 地方资金)."""
    return received.as_dict() | {
        "central": received.source(MoneySource.CENTRAL) or ZERO,
        "local": received.source(MoneySource.PROVINCIAL) or ZERO,
    }


def _notices(allocations) -> list[NoticeLine]:
    by_notice: dict[int, list[Allocation]] = {}
    for a in allocations:
        by_notice.setdefault(a.notice_id, []).append(a)
    lines = []
    for group in by_notice.values():
        notice = group[0].notice
        when = f"{notice.issued_on.year}年{notice.issued_on.month}月" if notice.issued_on else ""
        if not when:  # the demo keeps the month in the note (“2024年12月”) when the day is unknown
            match = _MONTH.match(notice.note)
            when = match.group(0) if match else ""
        lines.append(
            NoticeLine(
                issuer=notice.issuer,
                number=notice.number,
                title=notice.title,
                when=when,
                amount=sum((a.amount for a in group), ZERO),
                advance=all(a.kind == Allocation.Kind.ADVANCE for a in group),
            )
        )
    # Advance notices first: they came earlier in the year.
    return sorted(lines, key=lambda n: not n.advance)


# --- allocation table (D) -----------------------------------------------------------------------


def _allocation_table(ledger: FundLedger) -> AllocationTable:
    """How this level split its money: allocations to regions and projects below it, made by
    it or by a level above straight to its counties (seed 003), not re-allocations further down."""
    tree, root = ledger.tree, ledger.tree.root
    recipients: dict[tuple, tuple[Node, list[Allocation]]] = {}
    for a in ledger.budgets.allocations:
        node = ledger.budgets.recipient(a)
        if node is None or node is root:
            continue
        if (
            a.from_region_id is not None
            and a.from_region_id != root.region.pk
            and tree.region(a.from_region_id)
        ):
            continue  # re-allocated further down, inside the subtree
        recipients.setdefault(node.key, (node, []))[1].append(a)

    def line_for(node: Node, group: list[Allocation]) -> AllocationLine:
        money = Received()
        for a in group:
            money.add(a)
        return AllocationLine(label=node.name, total=money.total, advance=money.advance, batch=money.batch)

    def sort_key(item):
        node, group = item
        return (tree.order(tree.child_of_root(node)), min(a.order for a in group), tree.order(node))

    items = sorted(recipients.values(), key=sort_key)
    # Group by prefecture when money went below the level's direct children (seed 003).
    grouped = any(node.parent is not root for node, _group in items)
    lines: list[AllocationLine] = []
    if grouped:
        groups: dict[tuple, tuple[Node, list]] = {}
        for node, group in items:
            child = tree.child_of_root(node)
            groups.setdefault(child.key, (child, []))[1].append((node, group))
        for child, members in groups.values():
            member_lines = [line_for(node, group) for node, group in members]
            for line, (node, _group) in zip(member_lines, members, strict=True):
                line.group = child.display_name
                if node is child:
                    line.label = f"{child.display_name}本级"
            lines.append(_sum_line(member_lines, child.display_name, "subtotal", group=child.display_name))
            lines.extend(member_lines)
    else:
        lines = [line_for(node, group) for node, group in items]
    for seq, line in enumerate((x for x in lines if x.kind == "line"), start=1):
        line.seq = seq
    split = [a for _node, group in items for a in group]
    return AllocationTable(
        lines=lines,
        total=_sum_line([x for x in lines if x.kind == "line"], "合计", "total"),
        has_advance=any(a.kind == Allocation.Kind.ADVANCE for a in split),
        grouped=grouped,
        notices=_notices(split),
    )


def _sum_line(lines, label: str, kind: str, group: str = "") -> AllocationLine:
    return AllocationLine(
        label=label,
        total=sum((x.total for x in lines), ZERO),
        advance=sum((x.advance for x in lines), ZERO),
        batch=sum((x.batch for x in lines), ZERO),
        group=group,
        kind=kind,
    )


# --- target tables (C) -------------------------------------------------------------------------


def _own_table(tables_by_owner, region: Region, ancestors) -> tuple[TargetTable | None, bool]:
    """The region's own table, else the nearest ancestor's (a county works to what it was sent)."""
    own = tables_by_owner.get((region.pk, None))
    if own is not None:
        return own, False
    for ancestor in ancestors:
        table = tables_by_owner.get((ancestor.pk, None))
        if table is not None:
            return table, True
    return None, False


def _owner_order(table: TargetTable, tree: RegionTree):
    if table.project_id:
        return (tree.order(tree.project(table.project_id)), 1, table.project.name)
    return (tree.order(tree.region(table.region_id)), 0, "")


def _target_table_data(
    table: TargetTable,
    words: _Words,
    ledger: FundLedger,
    *,
    owner: Node | None = None,
    inherited=False,
) -> TargetTableData:
    """A 区域绩效目标表 as printed for ``owner`` (default: the table's own region or project).

    An inherited table (a county without one of its own) is printed for the county, with the
    county's money and departments and a note naming whose table it is.
    """
    fund = words.fund
    if table.project_id:
        project = table.project
        node = ledger.tree.project(project.pk)
        label = project.name
        departments = [("主管部门", words.office(project.region)), ("实施单位", project.region.name)]
    else:
        node = owner or ledger.tree.region(table.region_id)
        label = node.region.display_name
        parent = node.parent.region if node.parent is not None else node.region.parent
        departments = _departments(node.region, parent, fund, words)
    money = _received_dict(ledger.budgets.of(node)) if node is not None else _received_dict(Received())
    return TargetTableData(
        owner=label,
        project_name=fund.full_name,
        departments=departments,
        total=money["total"],
        central=money["central"],
        local=money["local"],
        goals=table.overall_goals,
        indicators=[TargetRow(i.level1, i.level2, i.name, i.target_text) for i in table.rows],
        inherited_from=table.region.display_name if inherited and table.region_id else "",
    )


def _departments(region: Region, parent: Region | None, fund: Fund, words: _Words) -> list[tuple[str, str]]:
    """The department rows of a 区域绩效目标表, as seed 000 prints them for each level."""
    if parent is None:
        return [
            ("中央主管部门", _strip_code(fund.central_department)),
            ("省级财政部门", fund.finance_department),
            ("省级主管部门", fund.line_department),
        ]
    if region.is_budget_unit:
        return [("主管部门", words.office(parent)), ("资金使用单位", region.name)]
    parent_is_province = parent.parent_id is None
    upper = "自治区主管部门" if parent_is_province else "地级主管部门"
    upper_department = fund.line_department if parent_is_province else words.office(parent)
    tier = "地级" if region.level == Region.Level.PREFECTURE else "县级"
    return [
        (upper, upper_department),
        (f"{tier}财政部门", words.office(region, "财政局")),
        (f"{tier}主管部门", words.office(region)),
    ]


# --- execution table (E) -----------------------------------------------------------------------


BASIS_NOTES = {"own": "", "rolled_up": "按下级已审核填报汇总"}


def _execution_table(ledger: FundLedger) -> ExecutionTable | None:
    """Each region or project directly below, with the ledger's figures (all sources)."""
    lines = []
    for account in ledger.taking_part():
        total = account.total
        if account.basis in BASIS_NOTES:
            spent, note = total.spent, BASIS_NOTES[account.basis]
        else:
            spent, note = None, "尚未审核" if account.reported else "未填报"
        lines.append(
            ExecutionLine(
                account.node.name, total.budget, spent, rules.execution_rate(spent, total.budget), note
            )
        )
    if not lines:
        return None
    budget = sum((x.budget for x in lines if x.budget is not None), ZERO)
    known = [x.spent for x in lines if x.spent is not None]
    spent = sum(known, ZERO) if known else None
    return ExecutionTable(lines, ExecutionLine("合计", budget, spent, rules.execution_rate(spent, budget)))


# --- the region's own return ------------------------------------------------------------------


def _return_details(reports: list[Return]) -> dict[int, tuple[dict, dict]]:
    """Actuals (by indicator) and narratives (by aspect) of the returns whose content is printed."""
    ids = [r.pk for r in reports]
    details = {pk: ({}, {}) for pk in ids}
    if not ids:
        return details
    for actual in IndicatorActual.objects.filter(report_id__in=ids):
        details[actual.report_id][0][actual.indicator_id] = actual
    for narrative in ReturnNarrative.objects.filter(report_id__in=ids):
        details[narrative.report_id][1][narrative.aspect] = narrative
    return details


def _self_evaluation(report, table, details, money: Figures) -> SelfEvaluation:
    actuals, narratives = details.get(report.pk, ({}, {})) if report else ({}, {})
    money, sources = _money_lines(money)
    lines = [_indicator_line(row, actuals.get(row.pk), table) for row in (table.rows if table else [])]
    evaluation = SelfEvaluation(
        status=report.get_status_display() if report else "未填报",
        money=money,
        sources=sources,
        narratives=[
            NarrativeLine(
                label=aspect.label,
                heading=NARRATIVE_HEADINGS[aspect],
                description=narratives[aspect].description if aspect in narratives else "",
                problems=narratives[aspect].problems if aspect in narratives else "",
            )
            for aspect in Aspect
        ],
        goals=table.overall_goals if table else "",
        goal_achievement=report.goal_achievement if report else "",
        indicators=lines,
    )
    _score(evaluation, table)
    return evaluation


def _money_lines(money: Figures) -> tuple[list[MoneyLine], list[MoneyLine]]:
    """The 自评表's money block, and every source for report G: the ledger's lines of the return
    (allocated budgets from the allocations, a region's own money as its return states it)."""

    def line(money_line) -> MoneyLine:
        return MoneyLine(money_line.label, money_line.budget, money_line.spent, money_line.rate)

    block = [
        line(money.group("年度资金总额", MoneySource.values)),
        line(money.line(MoneySource.CENTRAL)),
        line(money.group("地方财政资金", [MoneySource.PROVINCIAL, MoneySource.LOCAL])),
        line(money.line(MoneySource.OTHER)),
    ]
    sources = [line(x) for x in money] + [line(money.total)]
    return block, sources


def _indicator_line(
    row: IndicatorTarget, actual: IndicatorActual | None, table: TargetTable
) -> IndicatorLine:
    actual_text = actual.actual_text if actual else ""
    return IndicatorLine(
        level1=row.level1,
        level2=row.level2,
        name=row.name,
        target=row.target_text,
        actual=actual_text,
        reason=actual.reason if actual else "",
        measure=actual.measure if actual else "",
        # The top table came from the centre; below it, a row without a parent is the level's own.
        handed_down=table.parent_id is None or row.parent_indicator_id is not None,
        evaluation=rules.evaluate(
            row.target_text, actual_text, judged_met=actual.judged_met if actual else None
        ),
        weight=row.weight,
        band=actual.band if actual else "",
        judged_met=actual.judged_met if actual else None,
    )


def _score(evaluation: SelfEvaluation, table: TargetTable | None) -> None:
    """The 分值/得分 variant: rules.score_return over the indicator lines (None with a note when
    a reviewer still has to grade a qualitative line, or the weights do not add up)."""
    if not evaluation.indicators:
        evaluation.score_note = "没有绩效指标，无法计分。"
        return
    blank = sum(not line.entered for line in evaluation.indicators)
    if blank:
        evaluation.score_note = f"尚有{blank}项指标未填报全年实际完成值，暂不计分。"
        return
    scored = [
        rules.ScoredIndicator(
            level1=line.level1,
            level2=line.level2,
            evaluation=line.evaluation,
            weight=line.weight,
            band=line.band or None,
            name=line.name,
        )
        for line in evaluation.indicators
    ]
    try:
        result = rules.score_return(
            evaluation.total.rate, scored, level_weights=(table.level_weights or None) if table else None
        )
    except ValueError as exc:
        evaluation.score_note = str(exc)
        return
    evaluation.score = result
    for line, score in zip(evaluation.indicators, result.indicators, strict=True):
        line.score = score
    evaluation.score_note = "；".join(result.notes)


# --- projects (report F) -----------------------------------------------------------------------


def _project_data(
    node: Node, tables_by_owner, project_returns, details, ledger: FundLedger, words
) -> ProjectData:
    project = node.project
    table = tables_by_owner.get((None, project.pk))
    received = ledger.budgets.of(node)
    report = project_returns.get(project.pk)
    money = ledger.return_money(report) if report else figures(received, {})
    return ProjectData(
        name=project.name,
        region_name=project.region.name,
        received=received.total,
        table=_target_table_data(table, words, ledger) if table else None,
        evaluation=_self_evaluation(report, table, details, money),
    )


def _warnings(data: ReportData, own_return: Return | None, account: Account) -> list[str]:
    warnings = []
    if own_return is None:
        warnings.append(f"{data.region_name}尚无本资金的自评填报，报告中的完成值、原因和资金管理情况为空。")
    elif own_return.status != Return.Status.APPROVED:
        warnings.append(
            f"{data.region_name}的自评填报尚未审核通过（{own_return.get_status_display()}），报告数据可能变化。"
        )
    own_spent = data.evaluation.total.spent
    below_spent = account.below.figures.total.spent if account.below.frontier else None
    if below_spent is not None and own_spent is not None and own_spent != below_spent:
        warnings.append(
            f"本级自评表执行数{rules.format_number(own_spent)}万元与下级已审核执行数合计"
            f"{rules.format_number(below_spent)}万元不一致。"
        )
    if data.execution:
        for note in ("未填报", "尚未审核"):
            names = [line.name for line in data.execution.lines if line.spent is None and line.note == note]
            if names:
                warnings.append(
                    f"{len(names)}个下级地区{note}，执行情况表中其执行数空缺：{'、'.join(names)}。"
                )
    if data.own_table is None:
        warnings.append("本资金尚无适用于该地区的绩效目标表。")
    return warnings


__all__ = [
    "AllocationLine",
    "AllocationTable",
    "ExecutionLine",
    "ExecutionTable",
    "IndicatorLine",
    "Level1",
    "LEVEL2_BY_LEVEL1",
    "MoneyLine",
    "NarrativeLine",
    "NoticeLine",
    "ProjectData",
    "ReportData",
    "SelfEvaluation",
    "TargetRow",
    "TargetTableData",
    "report_data",
]
