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
from decimal import Decimal

from django.db.models import Prefetch, Q

from indicators import rules
from indicators.ledger import Account, Figures, FundLedger, Money, figures
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
from indicators.selectors import missing_below, previous_actuals_of
from reports.data.sections import section_texts
from reports.data.spot_checks import spot_check_summary
from reports.data.types import (
    AllocationLine,
    AllocationTable,
    EvaluatedIndicator,
    ExecutionLine,
    ExecutionTable,
    NarrativeLine,
    NoticeLine,
    Pending,
    ProjectData,
    ReportData,
    SectionTexts,
    SelfEvaluation,
    TargetRow,
    TargetTableData,
)
from reports.data.words import (
    NARRATIVE_HEADINGS,
    Words,
    departments,
    level_word,
    money_giver,
    strip_code,
    target_giver,
)
from reports.models import ReportText
from transfers.budgets import Received
from transfers.models import Allocation, Fund, MoneySource, Region
from transfers.selectors import subtree_q
from transfers.tree import Node, RegionTree

ZERO = Decimal("0")
_MONTH = re.compile(r"\d{4}年(\d{1,2}月)?")


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
    details = _return_details([r for r in [own_return, *project_returns.values()] if r is not None], fund)

    words = Words(fund, region)
    received = ledger.account().received
    central = next((t for t in tables if t.is_central), None)
    tables_by_owner = {(t.region_id, t.project_id): t for t in tables if not t.is_central}
    own_table, inherited = _own_table(tables_by_owner, central, region, ancestors)
    own_table_data = (
        _target_table_data(own_table, words, ledger, owner=tree.root, inherited=inherited)
        if own_table
        else None
    )
    # The province that decomposed the central table passes its own 全区 table down.
    decomposed = tables_by_owner.get((region.pk, None)) if own_table is central and central else None
    passing = {t.pk for t in (own_table, decomposed) if t is not None and not inherited}
    child_tables = [
        _target_table_data(t, words, ledger)
        for t in sorted(
            (t for t in tables if t.parent_id in passing and t is not decomposed),
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
        money_giver=money_giver(received, region, ancestors),
        target_giver=target_giver(own_table, inherited, tables, words),
        upper_is_centre=region.parent_id is None,
        central_department=strip_code(fund.central_department),
        own_department=words.department,
        received=_received_dict(received),
        incoming_notices=_notices(received.allocations),
        own_table=own_table_data,
        decomposed_table=_target_table_data(decomposed, words, ledger, decomposed=True)
        if decomposed
        else None,
        allocation=_allocation_table(ledger, {r.pk: level_word(r) for r in ancestors}),
        child_tables=child_tables,
        execution=_execution_table(ledger),
        evaluation=evaluation,
        fund_users=_fund_users(ledger, words),
        projects=[
            _project_data(node, tables_by_owner, project_returns, details, ledger, words)
            for node in sorted(project_nodes, key=lambda n: (tree.order(n.parent), n.position))
        ],
    )
    data.exception_notes = _exception_notes(own_return, ledger)
    data.pending = _pending(data, own_return)
    data.warnings = _warnings(data, own_return, ledger.account())
    data.sections = section_texts(ReportText.objects.filter(fund=fund, region=region).first(), data)
    data.spot_checks = spot_check_summary(fund, region, period)
    if data.received["total"] and data.sections.arrived is None:
        data.staff_notes.append("尚未在“报告文字”中填写资金到位数，报告二（一）1只写下达的预算数。")
    data.warnings += data.staff_notes
    return data


def _received_dict(received: Received) -> dict[str, Decimal]:
    """What a region or project was allocated: {total, advance, batch, central, local}, where
    ``local`` is the provincial money allocated with it (the 目标表's 地方资金)."""
    return received.as_dict() | {
        "central": received.source(MoneySource.CENTRAL) or ZERO,
        "local": received.source(MoneySource.PROVINCIAL) or ZERO,
    }


def _notices(allocations, *, own: int | None = None, above: dict | None = None) -> list[NoticeLine]:
    """The notices under which ``allocations`` were made, with their amounts. For the allocations
    of table D, ``own`` is this level's region and ``above`` names the levels above it: a notice
    whose money a level above split (``from_region``) says so (``allocated_by``)."""

    def giver(a: Allocation) -> str:
        if above is None or a.from_region_id == own:
            return ""
        return above.get(a.from_region_id, "中央")

    by_notice: dict[tuple, list[Allocation]] = {}
    for a in allocations:
        by_notice.setdefault((a.notice_id, giver(a)), []).append(a)
    lines = []
    for (_notice, allocated_by), group in by_notice.items():
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
                allocated_by=allocated_by,
            )
        )
    # Advance notices first: they came earlier in the year.
    return sorted(lines, key=lambda n: not n.advance)


# --- allocation table (D) -----------------------------------------------------------------------


def _allocation_table(ledger: FundLedger, above: dict[int, str]) -> AllocationTable:
    """How this level split its money: allocations to regions and projects below it, made by
    it or by a level above straight to its counties (seed 003), not re-allocations further down.
    ``above`` names the levels above ({region pk: 自治区}) for the notices they issued."""
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
        notices=_notices(split, own=root.region.pk, above=above),
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


def _own_table(
    tables_by_owner, central: TargetTable | None, region: Region, ancestors
) -> tuple[TargetTable | None, bool]:
    """The table the region works to, and whether it is an ancestor's: at the province the
    central table when the fund has one; below, the region's own, else the one passed down by
    the nearest ancestor with one (a county works to what it was sent)."""
    if region.parent_id is None and central is not None:
        return central, False
    own = tables_by_owner.get((region.pk, None))
    if own is not None:
        return own, False
    for ancestor in ancestors:
        table = tables_by_owner.get((ancestor.pk, None))
        if table is None and ancestor.parent_id is None:
            table = central
        if table is not None:
            return table, True
    return None, False


def _owner_order(table: TargetTable, tree: RegionTree):
    if table.project_id:
        return (tree.order(tree.project(table.project_id)), 1, table.project.name)
    return (tree.order(tree.region(table.region_id)), 0, "")


def _target_table_data(
    table: TargetTable,
    words: Words,
    ledger: FundLedger,
    *,
    owner: Node | None = None,
    inherited=False,
    decomposed=False,
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
        offices = [("主管部门", words.office(project.region)), ("实施单位", project.region.name)]
    else:
        node = owner or ledger.tree.region(table.region_id)
        label = node.region.display_name
        parent = node.parent.region if node.parent is not None else node.region.parent
        below = [child.region.name for child in node.children if not child.is_project]
        offices = departments(node.region, parent, fund, words, decomposed_over=below if decomposed else None)
    money = _received_dict(ledger.budgets.of(node)) if node is not None else _received_dict(Received())
    return TargetTableData(
        owner=label,
        project_name=fund.full_name,
        departments=offices,
        total=money["total"],
        central=money["central"],
        local=money["local"],
        goals=table.overall_goals,
        indicators=[TargetRow(i.level1, i.level2, i.name, i.target_text) for i in table.rows],
        inherited_from=table.region.display_name if inherited and table.region_id else "",
    )


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


def _return_details(returns: list[Return], fund: Fund) -> dict[int, tuple[dict, dict, dict]]:
    """Actuals (by indicator), narratives (by aspect) and last year's actuals (by indicator
    name) of the returns whose content is printed."""
    ids = [r.pk for r in returns]
    details = {pk: ({}, {}, {}) for pk in ids}
    if not ids:
        return details
    for actual in IndicatorActual.objects.filter(ret_id__in=ids):
        details[actual.ret_id][0][actual.indicator_id] = actual
    for narrative in ReturnNarrative.objects.filter(ret_id__in=ids):
        details[narrative.ret_id][1][narrative.aspect] = narrative
    for pk, previous in previous_actuals_of(returns, fund=fund).items():
        details[pk][2].update(previous)
    return details


def _self_evaluation(ret, table, details, money: Figures) -> SelfEvaluation:
    actuals, narratives, previous = details.get(ret.pk, ({}, {}, {})) if ret else ({}, {}, {})
    money, sources = _money_lines(money)
    lines = [
        _indicator_line(row, actuals.get(row.pk), table, previous.get(row.name))
        for row in (table.rows if table else [])
    ]
    evaluation = SelfEvaluation(
        status=ret.get_status_display() if ret else "未填报",
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
        goal_achievement=ret.goal_achievement if ret else "",
        indicators=lines,
    )
    _score(evaluation, table)
    return evaluation


def _money_lines(money: Figures) -> tuple[list[Money], list[Money]]:
    """The 自评表's money block, and every source for report G: the ledger's lines of the return
    (allocated budgets from the allocations, a region's own money as its return states it)."""

    block = [
        money.group("年度资金总额", MoneySource.values),
        money.line(MoneySource.CENTRAL),
        money.group("地方财政资金", [MoneySource.PROVINCIAL, MoneySource.LOCAL]),
        money.line(MoneySource.OTHER),
    ]
    return block, [*money, money.total]


def _indicator_line(
    row: IndicatorTarget, actual: IndicatorActual | None, table: TargetTable, previous: str | None = None
) -> EvaluatedIndicator:
    actual_text = actual.actual_text if actual else ""
    return EvaluatedIndicator(
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
            row.target_text,
            actual_text,
            judged_met=actual.judged_met if actual else None,
            previous=previous,
            denominator=actual.denominator if actual else None,
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
    ret = project_returns.get(project.pk)
    money = ledger.return_money(ret) if ret else figures(received, {})
    return ProjectData(
        name=project.name,
        summary=project.summary,
        region_name=project.region.name,
        received=received.total,
        table=_target_table_data(table, words, ledger) if table else None,
        evaluation=_self_evaluation(ret, table, details, money),
        total_estimate=project.total_estimate,
    )


def _fund_users(ledger: FundLedger, words: Words) -> list[str]:
    """The 自评表's 资金使用单位: the offices of the regions and units directly below that the
    fund reaches (a project: its 实施单位), with this level's own office first when it kept money
    for itself, or alone when nothing went further down."""
    users = []
    below = ZERO
    for account in ledger.taking_part():
        node = account.node
        users.append(node.region.name if node.is_project else words.office(node.region))
        below += account.total.budget or ZERO
    kept = (ledger.account().received.total or ZERO) > below
    if kept or not users:
        users.insert(0, words.department)
    return list(dict.fromkeys(users))


def _through_projects(data: ReportData, own_return: Return | None) -> bool:
    """An office whose money of the fund all went to its projects reports through them (report F)."""
    return bool(data.projects) and not data.received["total"] and own_return is None


def _exception_notes(own_return: Return | None, ledger: FundLedger) -> list[str]:
    """察布查尔县未审核通过，经伊犁州审核员登记例外：原因。 — one per recipient the return went ahead
    without and that is still not approved (one approved since counts in the figures; its
    exception no longer says anything true about them)."""
    if own_return is None:
        return []
    notes = []
    for missing in missing_below(own_return, ledger=ledger):
        if (exception := missing.exception) is None:
            continue
        author = exception.author
        office = author.region.display_name if author.region_id else ""
        notes.append(
            f"{missing.name}未审核通过，经{office}{author.get_role_display()}登记例外："
            f"{exception.reason.rstrip('。')}。"
        )
    return notes


def _pending(data: ReportData, own_return: Return | None) -> list[Pending]:
    """The one rule of a draft: the returns the document relies on that are missing or not
    approved — the region's own (unless it reports through its projects), its projects', and
    each line of the execution table whose figures are blank for that reason."""
    pending = []
    if own_return is None and not _through_projects(data, own_return):
        pending.append(Pending(data.region_name, "本级", "未填报"))
    elif own_return is not None and own_return.status != Return.Status.APPROVED:
        pending.append(Pending(data.region_name, "本级", "尚未审核"))
    for project in data.projects:
        if project.evaluation.status != Return.Status.APPROVED.label:
            state = "未填报" if project.evaluation.status == "未填报" else "尚未审核"
            pending.append(Pending(project.name, "项目", state))
    projects = {p.name for p in data.projects}
    for line in data.execution.lines if data.execution else []:
        if line.spent is None and line.note in ("未填报", "尚未审核") and line.name not in projects:
            pending.append(Pending(line.name, "下级地区", line.note))
    return pending


def _warnings(data: ReportData, own_return: Return | None, account: Account) -> list[str]:
    """What the command line and the file page tell the person who asked for the document: the
    review notice (from `_pending`) first, then the details."""
    warnings = [data.review_notice] if data.review_notice else []
    through_projects = _through_projects(data, own_return)
    for project in data.projects:
        if project.evaluation.status != Return.Status.APPROVED.label:
            warnings.append(
                f"项目“{project.name}”的自评填报尚未审核通过（{project.evaluation.status}），报告数据可能变化。"
            )
    if own_return is None and not through_projects:
        warnings.append(f"{data.region_name}尚无本资金的自评填报，报告中的完成值、原因和资金管理情况为空。")
    elif own_return is not None and own_return.status != Return.Status.APPROVED:
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
    if data.own_table is None and not through_projects:
        warnings.append("本资金尚无适用于该地区的绩效目标表。")
    return warnings


__all__ = [
    "AllocationLine",
    "AllocationTable",
    "Aspect",
    "EvaluatedIndicator",
    "ExecutionLine",
    "ExecutionTable",
    "LEVEL2_BY_LEVEL1",
    "Level1",
    "Money",
    "NarrativeLine",
    "NoticeLine",
    "Pending",
    "ProjectData",
    "ReportData",
    "SectionTexts",
    "SelfEvaluation",
    "TargetRow",
    "TargetTableData",
    "report_data",
]
