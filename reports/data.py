"""Everything a document needs for one fund and one region, read in a fixed number of queries.

`report_data(fund=…, region=…)` returns plain dataclasses; the builders in `reports/builders/`
turn them into DOCX and XLSX and never touch the database. Rates come from indicators.rules
only (execution_rate, evaluate, score_return); this module only sums money.

Definitions the documents rely on:

* A region's money is what enters its subtree from outside it (as transfers.selectors.
  region_budget counts it); a child's budget in the execution table is the same sum for the
  child, computed here from one list of allocations instead of one query per child.
* The execution table counts **approved** returns only (a report goes to the ministries; a
  figure still under review is not one). A child without an approved return of its own is
  rolled up from the approved returns below it; with none at all its spending is blank and
  the line says why. Spending counts the money that arrives by allocation (central and
  provincial), so that it compares with the allocated budget.
* The region's own return (自评表, indicator lines, narratives) is shown whatever its status;
  a warning says when it is not approved yet.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from indicators import rules
from indicators.models import (
    LEVEL2_BY_LEVEL1,
    Aspect,
    IndicatorActual,
    IndicatorTarget,
    Level1,
    Period,
    Return,
    ReturnFunding,
    ReturnNarrative,
    TargetTable,
)
from transfers.models import Allocation, Fund, MoneySource, Project, Region
from transfers.selectors import subtree_q

ZERO = Decimal("0")
_MONTH = re.compile(r"\d{4}年(\d{1,2}月)?")
# Money that arrives by allocation from the level above (rules.py checks spending the same way).
ALLOCATED_SOURCES = (MoneySource.CENTRAL, MoneySource.PROVINCIAL)
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
    """Read everything for (fund, region) in ten queries, whatever the number of regions."""
    region = Region.objects.select_related("parent__parent").get(pk=region.pk)
    tree = _Tree(region, list(Region.objects.filter(subtree_q(region)).order_by("level", "order", "code")))
    allocations = list(
        fund.allocations.filter(subtree_q(region, "region__") | subtree_q(region, "project__region__"))
        .select_related("notice", "project")
        .order_by("order", "pk")
    )
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
    returns = list(
        Return.objects.filter(subtree_q(region, "region__"), fund=fund, period=period)
        .select_related("project")
        .prefetch_related(Prefetch("funding", queryset=ReturnFunding.objects.all(), to_attr="lines"))
    )
    projects = list(Project.objects.filter(subtree_q(region, "region__"), fund=fund).select_related("region"))

    own_return = next((r for r in returns if r.region_id == region.pk and r.project_id is None), None)
    project_returns = {r.project_id: r for r in returns if r.project_id is not None}
    details = _return_details([r for r in [own_return, *project_returns.values()] if r is not None])

    words = _Words(fund, region)
    received = _received(allocations, tree, region.pk)
    tables_by_owner = {(t.region_id, t.project_id): t for t in tables}
    own_table, inherited = _own_table(tables_by_owner, region, ancestors)
    own_table_data = (
        _target_table_data(own_table, words, tree, allocations, owner=region, inherited=inherited)
        if own_table
        else None
    )
    child_tables = [
        _target_table_data(t, words, tree, allocations)
        for t in sorted(
            (t for t in tables if own_table and not inherited and t.parent_id == own_table.pk),
            key=lambda t: _owner_order(t, tree),
        )
    ]
    evaluation = _self_evaluation(own_return, own_table, details, received)
    execution = _execution_table(tree, allocations, returns)
    data = ReportData(
        fund_code=fund.code,
        fund_name=fund.full_name,
        year=fund.year,
        region_code=region.code,
        region_name=region.name,
        region_short=region.display_name,
        region_level=region.level,
        region_word=words.own,
        money_giver=_money_giver(allocations, tree, region, ancestors),
        target_giver=_target_giver(own_table, inherited, tables, words),
        upper_is_centre=region.parent_id is None,
        central_department=_strip_code(fund.central_department),
        own_department=words.department,
        received=received,
        incoming_notices=_notices(a for a in allocations if tree.enters(a, region.pk)),
        own_table=own_table_data,
        allocation=_allocation_table(allocations, tree),
        child_tables=child_tables,
        execution=execution,
        evaluation=evaluation,
        projects=[
            _project_data(p, tables_by_owner, project_returns, details, allocations, words, tree)
            for p in sorted(projects, key=lambda p: (tree.order(p.region_id), p.name))
        ],
    )
    data.warnings = _warnings(data, own_return)
    return data


class _Tree:
    """The region and its subtree, in memory: who is below whom, in print order."""

    def __init__(self, root: Region, regions: list[Region]):
        self.root = root
        self.by_id = {r.pk: r for r in regions}
        self._position = {r.pk: i for i, r in enumerate(regions)}

    def order(self, region_id) -> int:
        return self._position.get(region_id, len(self._position))

    def parent_of(self, region: Region) -> Region | None:
        """The parent without a query: inside the subtree, or the root's (select_related)."""
        if region.pk == self.root.pk:
            return self.root.parent
        return self.by_id.get(region.parent_id)

    def children(self) -> list[Region]:
        return [r for r in self.by_id.values() if r.parent_id == self.root.pk and r.is_active]

    def ancestry(self, region_id) -> list[int]:
        """region_id and its ancestors that lie inside the subtree, nearest first."""
        chain = []
        while region_id in self.by_id:
            chain.append(region_id)
            if region_id == self.root.pk:
                break
            region_id = self.by_id[region_id].parent_id
        return chain

    def child_of_root(self, region_id) -> int | None:
        """The root's child under which region_id lies (None for the root itself)."""
        chain = self.ancestry(region_id)
        return chain[-2] if len(chain) >= 2 else None

    def within(self, region_id, top_id) -> bool:
        return top_id in self.ancestry(region_id)

    @staticmethod
    def recipient_region_id(allocation: Allocation):
        return allocation.project.region_id if allocation.project_id else allocation.region_id

    def enters(self, allocation: Allocation, top_id) -> bool:
        """Money entering top_id's subtree from outside it (region_budget's definition)."""
        if not self.within(self.recipient_region_id(allocation), top_id):
            return False
        return allocation.from_region_id is None or not self.within(allocation.from_region_id, top_id)


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


def _money_giver(allocations, tree: "_Tree", region: Region, ancestors: list[Region]) -> str:
    """中央 when the centre sent the money, else the level that did (the province for a county
    it pays directly, as in seed 003)."""
    givers = {a.from_region_id for a in allocations if tree.enters(a, region.pk)}
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


def _amounts(allocations) -> dict[str, Decimal]:
    money = {"total": ZERO, "advance": ZERO, "batch": ZERO, "central": ZERO, "local": ZERO}
    for a in allocations:
        money["total"] += a.amount
        money["advance" if a.kind == Allocation.Kind.ADVANCE else "batch"] += a.amount
        money["central" if a.source == MoneySource.CENTRAL else "local"] += a.amount
    return money


def _received(allocations, tree: _Tree, region_id) -> dict[str, Decimal]:
    return _amounts(a for a in allocations if tree.enters(a, region_id))


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


def _allocation_table(allocations, tree: _Tree) -> AllocationTable:
    """How this level split its money: allocations to regions and projects below it, made by
    it or by a level above straight to its counties (seed 003), not re-allocations further down."""
    root = tree.root
    split = [
        a
        for a in allocations
        if (a.project_id or a.region_id != root.pk)
        and (a.from_region_id is None or a.from_region_id == root.pk or a.from_region_id not in tree.by_id)
    ]
    recipients: dict[tuple, list[Allocation]] = {}
    for a in split:
        recipients.setdefault(("p", a.project_id) if a.project_id else ("r", a.region_id), []).append(a)

    def line_for(key, group) -> AllocationLine:
        money = _amounts(group)
        if key[0] == "p":
            label = group[0].project.name
        else:
            label = tree.by_id[key[1]].name
        return AllocationLine(
            label=label, total=money["total"], advance=money["advance"], batch=money["batch"]
        )

    def sort_key(item):
        key, group = item
        region_id = group[0].project.region_id if key[0] == "p" else key[1]
        return (tree.order(tree.child_of_root(region_id)), min(a.order for a in group), tree.order(region_id))

    items = sorted(recipients.items(), key=sort_key)
    # Group by prefecture when money went below the level's direct children (seed 003).
    grouped = any(
        _Tree.recipient_region_id(g[0]) != tree.child_of_root(_Tree.recipient_region_id(g[0]))
        for _, g in items
    )
    lines: list[AllocationLine] = []
    if grouped:
        groups: dict[int, list] = {}
        for key, group in items:
            child_id = tree.child_of_root(_Tree.recipient_region_id(group[0])) or root.pk
            groups.setdefault(child_id, []).append((key, group))
        for child_id, members in groups.items():
            child = tree.by_id[child_id]
            member_lines = [line_for(k, g) for k, g in members]
            for line, (key, _group) in zip(member_lines, members, strict=True):
                line.group = child.display_name
                if key == ("r", child_id):
                    line.label = f"{child.display_name}本级"
            lines.append(_sum_line(member_lines, child.display_name, "subtotal", group=child.display_name))
            lines.extend(member_lines)
    else:
        lines = [line_for(k, g) for k, g in items]
    for seq, line in enumerate((x for x in lines if x.kind == "line"), start=1):
        line.seq = seq
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


def _owner_order(table: TargetTable, tree: _Tree):
    if table.project_id:
        return (tree.order(table.project.region_id), 1, table.project.name)
    return (tree.order(table.region_id), 0, "")


def _target_table_data(
    table: TargetTable,
    words: _Words,
    tree: _Tree,
    allocations,
    *,
    owner: Region | None = None,
    inherited=False,
) -> TargetTableData:
    """A 区域绩效目标表 as printed for `owner` (default: the table's own region or project).

    An inherited table (a county without one of its own) is printed for the county, with the
    county's money and departments and a note naming whose table it is.
    """
    fund = words.fund
    if table.project_id:
        project = table.project
        money = _amounts(a for a in allocations if a.project_id == project.pk)
        label = project.name
        departments = [("主管部门", words.office(project.region)), ("实施单位", project.region.name)]
    else:
        region = owner or tree.by_id[table.region_id]
        money = _received(allocations, tree, region.pk)
        label = region.display_name
        departments = _departments(region, tree.parent_of(region), fund, words)
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


def _allocated_spent(report: Return) -> Decimal | None:
    spent = [
        line.spent for line in report.lines if line.source in ALLOCATED_SOURCES and line.spent is not None
    ]
    return sum(spent, ZERO) if spent else None


def _execution_table(tree: _Tree, allocations, returns) -> ExecutionTable | None:
    children = tree.children()
    budgets: dict[int, Decimal] = {c.pk: ZERO for c in children}
    funded = set()
    for a in allocations:
        child_id = tree.child_of_root(_Tree.recipient_region_id(a))
        if child_id in budgets and tree.enters(a, child_id):
            budgets[child_id] += a.amount
            funded.add(child_id)
    approved_by_child: dict[int, dict[bool, list[Return]]] = {}
    reported = set()
    for report in returns:
        child_id = tree.child_of_root(report.region_id)
        if child_id is None:
            continue
        reported.add(child_id)
        if report.status == Return.Status.APPROVED:
            own = report.region_id == child_id and report.project_id is None
            approved_by_child.setdefault(child_id, {}).setdefault(own, []).append(report)

    lines = []
    for child in children:
        if child.pk not in funded and child.pk not in reported:
            continue  # neither money nor a return: the fund does not reach it
        spent, note = _child_spent(approved_by_child.get(child.pk, {}), child.pk in reported)
        budget = budgets[child.pk]
        lines.append(ExecutionLine(child.name, budget, spent, rules.execution_rate(spent, budget), note))
    if not lines:
        return None
    known = [x.spent for x in lines if x.spent is not None]
    budget = sum((x.budget for x in lines), ZERO)
    spent = sum(known, ZERO) if known else None
    return ExecutionTable(lines, ExecutionLine("合计", budget, spent, rules.execution_rate(spent, budget)))


def _child_spent(approved: dict[bool, list[Return]], reported: bool) -> tuple[Decimal | None, str]:
    if approved.get(True):
        return _allocated_spent(approved[True][0]), ""
    below = [s for s in (_allocated_spent(r) for r in approved.get(False, [])) if s is not None]
    if below:
        return sum(below, ZERO), "按下级已审核填报汇总"
    return None, "尚未审核" if reported else "未填报"


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


def _self_evaluation(report, table, details, received) -> SelfEvaluation:
    actuals, narratives = details.get(report.pk, ({}, {})) if report else ({}, {})
    funding = {line.source: line for line in report.lines} if report else {}
    money, sources = _money_lines(funding, received)
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


def _money_lines(funding: dict, received: dict) -> tuple[list[MoneyLine], list[MoneyLine]]:
    """The 自评表's money block, and every source for report G.

    The budget is what the return states; where it states none, the allocations' figure for
    central and provincial money (a region's budget is what it was sent).
    """
    allocated = {MoneySource.CENTRAL: received["central"], MoneySource.PROVINCIAL: received["local"]}

    def pair(source) -> tuple[Decimal | None, Decimal | None]:
        line = funding.get(source)
        budget = line.budget if line and line.budget is not None else (allocated.get(source) or None)
        return budget, (line.spent if line else None)

    values = {source: pair(source) for source in MoneySource}

    def line(label: str, sources) -> MoneyLine:
        budgets = [values[s][0] for s in sources if values[s][0] is not None]
        spents = [values[s][1] for s in sources if values[s][1] is not None]
        budget = sum(budgets, ZERO) if budgets else None
        spent = sum(spents, ZERO) if spents else None
        return MoneyLine(label, budget, spent, rules.execution_rate(spent, budget))

    everything = list(MoneySource)
    money = [
        line("年度资金总额", everything),
        line("中央财政资金", [MoneySource.CENTRAL]),
        line("地方财政资金", [MoneySource.PROVINCIAL, MoneySource.LOCAL]),
        line("其他资金", [MoneySource.OTHER]),
    ]
    sources = [line(source.label, [source]) for source in MoneySource] + [line("合计", everything)]
    return money, sources


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
    project, tables_by_owner, project_returns, details, allocations, words, tree
) -> ProjectData:
    table = tables_by_owner.get((None, project.pk))
    money = _amounts(a for a in allocations if a.project_id == project.pk)
    report = project_returns.get(project.pk)
    return ProjectData(
        name=project.name,
        region_name=project.region.name,
        received=money["total"],
        table=_target_table_data(table, words, tree, allocations) if table else None,
        evaluation=_self_evaluation(report, table, details, money),
    )


def _warnings(data: ReportData, own_return: Return | None) -> list[str]:
    warnings = []
    if own_return is None:
        warnings.append(f"{data.region_name}尚无本资金的自评填报，报告中的完成值、原因和资金管理情况为空。")
    elif own_return.status != Return.Status.APPROVED:
        warnings.append(
            f"{data.region_name}的自评填报尚未审核通过（{own_return.get_status_display()}），报告数据可能变化。"
        )
    own_spent = data.evaluation.total.spent
    if data.execution and data.execution.total.spent is not None and own_spent is not None:
        if own_spent != data.execution.total.spent:
            warnings.append(
                f"本级自评表执行数{own_spent}万元与下级已审核执行数合计{data.execution.total.spent}万元不一致。"
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
    "ALLOCATED_SOURCES",
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
