"""Reads about target tables and returns, always scoped to the reader's region."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.compiled import CompiledGet, CompiledObjects, CompiledRows, Ints
from evalportal.models import AuditEvent
from indicators import rules
from indicators.edits import return_edits, shown
from indicators.formats import chinese_date
from indicators.ledger import Account, FundLedger, Money
from indicators.models import (
    ApprovalException,
    Attachment,
    Deadline,
    DeadlineUnlock,
    IndicatorActual,
    MonitoringPlan,
    Notification,
    Period,
    Return,
    ReturnComment,
    ReturnNarrative,
    TargetTable,
)
from indicators.permissions import EDITABLE, may_change_data, may_review
from transfers.models import Fund, Project, Region
from transfers.selectors import subtree_q
from transfers.tree import REGIONS, Node, subtrees_q, within


def returns_for_user(user) -> QuerySet[Return]:
    """Returns of the user's region and every region below it."""
    if user.region_id is None:
        return Return.objects.none()
    return Return.objects.filter(subtree_q(user.region, "region__"))


def get_return_for_user(user, pk: int, *, for_edit: bool = False) -> Return:
    """Fetch a return and check access in one step: 404 outside the region, 403 for read-only.
    Read with its fund, region and the region above it, and the scope of ``returns_for_user``
    asked of them (``tree.within``) rather than of the database's joins."""
    ret = _RETURN_BY_PK.get(pk=pk)
    if ret is None or not within(ret.region, user.region_id):  # no region: nothing within
        raise Http404("No Return matches the given query.")
    if for_edit and (reason := may_change_data(user)):
        raise PermissionDenied(reason)
    return with_lock(ret)


# What a return's pages read of it at every request, compiled once (common.compiled).
_RETURN_BY_PK = CompiledGet(
    lambda pk: Return.objects.select_related("fund", "region__parent", "project").filter(pk=pk), pk=int
)
_LINES = CompiledObjects(
    lambda ret: (
        IndicatorActual.objects.filter(ret_id=ret).select_related("indicator").order_by("indicator__order")
    ),
    ret=int,
)
_FORM_LINES = CompiledObjects(
    lambda ret: (
        IndicatorActual.objects.filter(ret_id=ret)
        .select_related("indicator__parent_indicator", "indicator__table")
        .order_by("indicator__order")
    ),
    ret=int,
)
_NARRATIVES = CompiledObjects(lambda ret: ReturnNarrative.objects.filter(ret_id=ret), ret=int)
_COMMENTS = CompiledObjects(
    lambda ret: (
        ReturnComment.objects.filter(ret_id=ret).select_related("author", "actual").order_by("created_at")
    ),
    ret=int,
)
# By time: the Meta ordering starts with the return, which joins its fund and region to sort by
# their codes, for rows that all share one return.
_EXCEPTIONS = CompiledObjects(
    lambda ret: (
        ApprovalException.objects.filter(ret_id=ret)
        .select_related("author__region", "region", "project")
        .order_by("created_at", "pk")
    ),
    ret=int,
)
_ATTACHMENTS = CompiledObjects(
    lambda ret: (
        Attachment.objects.filter(ret_id=ret)
        .select_related("uploaded_by", "actual")
        .order_by("uploaded_at", "pk")
    ),
    ret=int,
)
_HISTORY = CompiledObjects(lambda ret: return_history_of(ret), ret=str)


def lines_of(ret: Return) -> list[IndicatorActual]:
    """The return's indicator lines with their indicators, in the table's order."""
    return _LINES.all(ret=ret.pk, known={"ret": ret})


def form_lines_of(ret: Return) -> list[IndicatorActual]:
    """``lines_of``, each indicator with the one it was copied from and its table (the form)."""
    return _FORM_LINES.all(ret=ret.pk, known={"ret": ret})


def narratives_of(ret: Return) -> list[ReturnNarrative]:
    return _NARRATIVES.all(ret=ret.pk, known={"ret": ret})


def comments_of(ret: Return) -> list[ReturnComment]:
    """The reviewers' comments on the return, oldest first, with their authors and lines."""
    return _COMMENTS.all(ret=ret.pk, known={"ret": ret})


def history_of(ret: Return) -> list[AuditEvent]:
    """``return_history`` as a list, newest first."""
    return _HISTORY.all(ret=str(ret.pk))


# --- deadlines per level and the lock after them (docs/domain.md, deadlines) --------------------


def regions_above(region: Region) -> list[int]:
    """The ids of the regions above ``region``, its parent first; needs region.parent loaded."""
    if region.parent_id is None:
        return []
    grandparent = region.parent.parent_id
    return [region.parent_id] + ([grandparent] if grandparent is not None else [])


def binding_deadline(by_setter: dict[int, Deadline], region: Region) -> Deadline | None:
    """Of the deadlines of one fund and period keyed by the region that set them, the one binding
    ``region``'s returns: its parent's, or, where the parent set none, the nearest one above."""
    for setter_id in regions_above(region):
        if setter_id in by_setter:
            return by_setter[setter_id]
    return None


def deadlines_by_setter(fund_ids) -> dict[tuple[int, str], dict[int, Deadline]]:
    """Every deadline of the funds: (fund, period) → the id of the region that set it → deadline."""
    deadlines = Deadline.objects.filter(fund__in=fund_ids).select_related("fund", "region")
    grouped: dict[tuple[int, str], dict[int, Deadline]] = {}
    for deadline in deadlines.order_by("due_on", "pk"):
        grouped.setdefault((deadline.fund_id, deadline.period), {})[deadline.region_id] = deadline
    return grouped


def applicable_deadline(fund: Fund, period: str, region: Region) -> Deadline | None:
    """The deadline that binds ``region``'s return of ``fund`` and ``period``."""
    above = regions_above(region)
    if not above:
        return None
    by_setter = {
        d.region_id: d
        for d in Deadline.objects.filter(fund=fund, period=period, region__in=above).select_related(
            "fund", "region"
        )
    }
    return binding_deadline(by_setter, region)


@dataclass(frozen=True)
class ReturnLock:
    """A return past a deadline set to lock (逾期锁定): it can neither be changed nor submitted
    until the reviewer above unlocks it (``unlock``), and is unlocked while that unlock holds."""

    deadline: Deadline
    reviewer_region: Region  # the region whose reviewer unlocks: the return's parent
    unlock: DeadlineUnlock | None

    @property
    def is_locked(self) -> bool:
        return self.unlock is None

    @property
    def reason(self) -> str:
        return (
            f"已过截止日期（{chinese_date(self.deadline.due_on)}），填报已锁定，"
            f"请联系{self.reviewer_region.display_name}审核人解锁。"
        )


def return_lock(ret: Return, today: date) -> ReturnLock | None:
    """The lock on ``ret`` on ``today``, or None when no locking deadline has passed for it.
    Only a return still to be sent in (填报中, 已退回) is locked; needs ret.region.parent loaded.

    A return sent back or reopened after the deadline is not locked: the reviewer asked for the
    change, so the late work is theirs to expect, not to unlock again."""
    if ret.status not in EDITABLE or ret.region.parent_id is None:
        return None
    deadline = applicable_deadline(ret.fund, ret.period, ret.region)
    if deadline is None or not deadline.lock_after or deadline.due_on >= today:
        return None
    if ret.status == Return.Status.RETURNED:
        sent_back = (
            return_history(ret)
            .filter(action__in=[AuditEvent.Action.RETURN, AuditEvent.Action.REOPEN])
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if sent_back is not None and timezone.localdate(sent_back) > deadline.due_on:
            return None
    unlock = next((u for u in ret.unlocks.select_related("author") if u.holds_on(today)), None)
    return ReturnLock(deadline, ret.region.parent, unlock)


def with_lock(ret: Return, today: date | None = None) -> Return:
    """Attach ``ret.lock`` (see ``Return.lock``): the permission functions read it, never query."""
    ret.lock = return_lock(ret, today or timezone.localdate())
    return ret


def region_table(fund: Fund, region: Region, *, central: bool = False) -> TargetTable | None:
    """The region's own target table of the fund, or (``central``) the one the centre sent."""
    return TargetTable.objects.filter(
        fund=fund, region=region, project__isnull=True, is_central=central
    ).first()


def passed_down_table(fund: Fund, region: Region) -> TargetTable | None:
    """The table ``region`` passes down to the regions below it: its own, else, at the
    province, the central table (a province that did not decompose it passes it on as sent)."""
    tables = {
        t.is_central: t for t in TargetTable.objects.filter(fund=fund, region=region, project__isnull=True)
    }
    return tables.get(False) or tables.get(True)


def return_table(fund: Fund, region: Region) -> TargetTable | None:
    """The table a region's own return reports against: at the province the central table
    when the fund has one (the province answers to the ministry), else the region's own."""
    return province_return_tables([fund], region=region).get(fund.pk)


def province_return_tables(funds: list[Fund], *, region: Region | None = None) -> dict[int, TargetTable]:
    """{fund pk: the table its own return reports against} at ``region``, or at each fund's own
    province (the ministry's board of one fund in each), in one query: the central table where
    the fund has one, else the region's own."""
    tables = TargetTable.objects.filter(fund__in=funds, project__isnull=True)
    if region is not None:
        tables = tables.filter(region=region)
    else:
        tables = tables.filter(region_id=F("fund__region_id"))
    found: dict[int, TargetTable] = {}
    for table in tables:
        if table.is_central or table.fund_id not in found:
            found[table.fund_id] = table
    return found


def table_above(fund: Fund, region: Region, *, central: bool = False) -> TargetTable | None:
    """The table a new table of ``region`` starts from: none for the central table; the
    central table for the province's own; for a region below, the nearest one passed down."""
    if central:
        return None
    if region.parent_id is None:
        return region_table(fund, region, central=True)
    return nearest_table_above(fund, region)


def nearest_table_above(fund: Fund, region: Region) -> TargetTable | None:
    """The table passed down by the closest region above `region` that has one for the fund."""
    ancestor = region.parent
    while ancestor is not None:
        table = passed_down_table(fund, ancestor)
        if table is not None:
            return table
        ancestor = ancestor.parent
    return None


def first_return_under_review(region: Region, *, fund: Fund | None = None) -> Return | None:
    """A submitted or approved return of ``region`` or a region below it (of ``fund``, if
    given): what a change to the region's place or money would alter behind the reviewer."""
    returns = Return.objects.filter(
        subtree_q(region, "region__"), status__in=[Return.Status.SUBMITTED, Return.Status.APPROVED]
    )
    if fund is not None:
        returns = returns.filter(fund=fund)
    return returns.select_related("region", "fund").order_by("region__level", "pk").first()


def own_return_under_review(fund: Fund, region: Region, project: Project | None = None) -> Return | None:
    """The region's own return of the fund (either period), or the project's, that is
    submitted or approved."""
    owner = {"project": project} if project is not None else {"region": region, "project__isnull": True}
    return (
        Return.objects.filter(
            fund=fund,
            **owner,
            status__in=[Return.Status.SUBMITTED, Return.Status.APPROVED],
        )
        .select_related("region")
        .first()
    )


def subtree_parents(below: Region | None) -> dict[int, int | None]:
    """Each region of ``below``'s subtree with its parent, in one query; nothing for None."""
    if below is None:
        return {}
    return dict(Region.objects.filter(subtree_q(below)).values_list("pk", "parent_id"))


def budget_holders(region_ids, *, below: Region | None, parents: dict | None = None) -> dict[int, list[int]]:
    """For each region: itself and the regions above it, strictly below ``below`` — whose
    budgets change when money of the region changes (nearest first). ``below`` None: the
    centre gave the money, so every region up to the province holds it.

    The parents of ``below``'s subtree come in one query without a list of ids (an import
    of a national province names tens of thousands of regions); a region elsewhere is looked
    up by its id with its parent and theirs (the tree is three levels deep, transfers.tree).
    ``parents``: ``below``'s subtree as (region → parent), when the caller has read it; ``{}``
    to look every region up by id, as ReviewLocks does a chunk of regions at a time."""
    wanted = set(region_ids)
    if parents is None:
        parents = subtree_parents(below) if wanted else {}
    extra: dict[int, int | None] = {}  # regions outside ``below``'s subtree, and their parents
    outside = wanted - parents.keys()
    if outside:
        lines = Region.objects.filter(pk__any=outside).values_list("pk", "parent_id", "parent__parent_id")
        for pk, parent, grandparent in lines:
            extra[pk] = parent
            if parent is not None:
                extra.setdefault(parent, grandparent)
    stop = below.pk if below is not None else None
    chains = {}
    for pk in wanted:
        if pk not in parents and pk not in extra:
            continue
        chain, node = [], pk
        while node is not None and node != stop:
            chain.append(node)
            node = parents[node] if node in parents else extra.get(node)
        chains[pk] = chain
    return chains


def returns_of_holders(returns: QuerySet[Return], holders: set[int], *, below: Region | None) -> list[Return]:
    """Those of ``returns`` whose region is one of ``holders`` (regions strictly below
    ``below``, from budget_holders): by ``below``'s subtree in the query and by id here, so
    that tens of thousands of holders are not a list of ids in the query."""
    if below is not None:
        return [r for r in returns.filter(subtree_q(below, "region__")) if r.region_id in holders]
    return list(returns.filter(region_id__in=holders))


class ReviewLocks:
    """The submitted or approved returns of a fund that a change of money below ``below`` would
    alter, read once and asked of as often as an import has chunks: ``of(region_ids)`` gives,
    for each region whose money would change, the return (its own, or of a region above it
    below ``below``) that stands in the way. Each asking reads its regions' parents and theirs
    (one query, and none while no return is locked), not the whole subtree's: a national
    province's 30,000 (region, parent) pairs cost 3 MiB held through an import."""

    def __init__(self, fund: Fund, *, below: Region | None):
        self.below = below
        returns = Return.objects.filter(
            fund=fund, project__isnull=True, status__in=[Return.Status.SUBMITTED, Return.Status.APPROVED]
        ).select_related("region")
        if below is not None:
            returns = returns.filter(subtree_q(below, "region__"))
        self.locked = {r.region_id: r for r in returns}

    def of(self, region_ids) -> dict[int, Return]:
        if not self.locked:
            return {}
        chains = budget_holders(region_ids, below=self.below, parents={})
        found = {}
        for region_id, chain in chains.items():
            hit = next((self.locked[pk] for pk in chain if pk in self.locked), None)
            if hit is not None:
                found[region_id] = hit
        return found


def returns_under_review(fund: Fund, region_ids, *, below: Region | None) -> dict[int, Return]:
    """For each region whose money would change: the submitted or approved return of the fund
    (its own, or of a region above it below ``below``) that the change would alter."""
    return ReviewLocks(fund, below=below).of(region_ids)


def project_returns_under_review(fund: Fund, project_ids) -> dict[int, Return]:
    """The submitted or approved return of each of these projects of the fund."""
    returns = Return.objects.filter(
        fund=fund, project_id__in=project_ids, status__in=[Return.Status.SUBMITTED, Return.Status.APPROVED]
    ).select_related("region", "project")
    return {r.project_id: r for r in returns}


def return_history(ret: Return) -> QuerySet[AuditEvent]:
    """The return's audit trail, newest first."""
    return return_history_of(str(ret.pk))


def return_history_of(object_id: str) -> QuerySet[AuditEvent]:
    """The audit trail of the return whose pk is ``object_id`` (as the trail stores it)."""
    return AuditEvent.objects.filter(object_type="indicators.return", object_id=object_id).select_related(
        "actor"
    )


def changes_since_approval(ret: Return, history: list[AuditEvent] | None = None) -> dict[str, list[str]]:
    """Field changes made after the last approval: {label: [value at approval, value now]};
    ``history`` the return's audit trail where the page has read it already (``return_history``).

    Empty when the return was never approved or nothing changed since.
    """
    events = sorted(return_history(ret) if history is None else history, key=lambda e: (e.created_at, e.pk))
    approvals = [i for i, event in enumerate(events) if event.action == AuditEvent.Action.APPROVE]
    if not approvals:
        return {}
    merged: dict[str, list[str]] = {}
    for event in events[approvals[-1] + 1 :]:
        if event.action != AuditEvent.Action.EDIT:
            continue
        for label, (old, new) in event.changes.items():
            merged[label] = [merged[label][0] if label in merged else old, new]
    return {label: values for label, values in merged.items() if values[0] != values[1]}


def board_trail(user, region: Region) -> list[Region]:
    """The boards from the user's own region down to ``region``, top first (新疆 › 伊犁州): never
    above the user's region, whose boards they may not open."""
    trail = [region]
    while trail[-1].pk != user.region_id and trail[-1].parent_id is not None:
        trail.append(trail[-1].parent)
    return trail[::-1]


NOT_STARTED = "未开始"  # a region or project with no return of the fund and period yet

# The board's status filter: a return's state, or "none" for a region that has not begun.
BOARD_STATUSES = [(status.value, status.label) for status in Return.Status] + [("none", NOT_STARTED)]


def filled_lines(returns) -> dict[int, tuple[int, int]]:
    """{return pk: (indicator lines with an actual typed, indicator lines)} of ``returns``, in
    one aggregate query for all of them: the board asks it once, never once per row. A return
    without lines is absent (its share is None, see ``rules.filled_share``)."""
    ids = [ret.pk for ret in returns]
    if not ids:
        return {}
    counts = (
        IndicatorActual.objects.filter(ret_id__in=ids)
        .order_by()
        .values("ret_id")
        .annotate(lines=Count("pk"), filled=Count("pk", filter=~Q(actual_text="")))
    )
    return {row["ret_id"]: (row["filled"], row["lines"]) for row in counts}


class AccountRow:
    """What every board row says of its ``account`` (the ledger's): its name and region, its own
    return and that return's state, its money. The year-end board (``ProgressRow``) and the board
    of lights (``monitoring_board.MonitoringRow``) both read a row so."""

    account: Account

    @property
    def node(self):
        return self.account.node

    @property
    def region(self) -> Region:
        return self.account.node.region

    @property
    def name(self) -> str:
        return self.account.node.display_name

    @property
    def ret(self) -> Return | None:
        return self.account.own

    @property
    def status(self) -> str:
        """The state of its own return (draft … approved), or "none" when it has not begun."""
        return self.ret.status if self.ret else "none"

    @property
    def status_label(self) -> str:
        return self.ret.get_status_display() if self.ret else NOT_STARTED

    @property
    def money(self) -> Money:
        return self.account.total


@dataclass
class ProgressRow(AccountRow):
    """One region (or project) directly below the board's region: its money by the ledger's
    rule, its own return, and how far the reporting units below it have got."""

    account: Account
    units: int  # reporting units below it: funded regions or projects with nothing funded under them
    below: dict  # status → count of those units' returns
    lines: tuple[int, int] | None = None  # (filled, lines) of its own return's indicators
    has_below: bool = False  # regions, units or projects below it take part: it has a board

    @property
    def filled_share(self):
        """填报完成度 of its own return (Decimal percentage), None without one or without lines."""
        return rules.filled_share(*self.lines) if self.lines else None

    @property
    def rolled_up(self) -> bool:
        """The figures are the approved returns below it, not an approved return of its own."""
        return self.account.basis == "rolled_up"

    @property
    def below_display(self) -> list[tuple[str, int]]:
        """(status label, count) of the units' returns, in the order a return moves, then the
        units that have not begun (未开始), so the five add up to the units below."""
        counts = [
            (status.label, self.below[status.value]) for status in Return.Status if status.value in self.below
        ]
        if (not_started := self.units - sum(self.below.values())) > 0:
            counts.append((NOT_STARTED, not_started))
        return counts

    @property
    def status_counts(self) -> dict[str, int]:
        """Who has reported: the units below when the money goes down to them, else this one."""
        if self.units:
            counts = dict(self.below)
            counts["none"] = max(self.units - sum(self.below.values()), 0)
            return counts
        return {self.ret.status if self.ret else "none": 1}


def progress_rows(
    ledger: FundLedger, accounts: list[Account], lines: dict[int, tuple[int, int]] | None = None
) -> list[ProgressRow]:
    """One board row per account of ``accounts`` (regions or projects directly below the ledger's
    root, ``board_page``), with the ledger's figures, the same as every document's. A fixed
    number of queries whatever the number of regions: ``lines`` (``filled_lines`` of their own
    returns) are read here in one query unless the caller read them for many boards at once."""
    if lines is None:
        lines = filled_lines([account.own for account in accounts if account.own is not None])
    return [progress_row(ledger, account, lines) for account in accounts]


BOARD_PAGE_ROWS = 50  # rows a page of a board lists (a prefecture of 1,100 counties: 22 pages)


@dataclass
class BoardPage:
    """A page of a board's accounts, narrowed by the state of their own return and by name, with
    how many rows of each state the whole board has (its filter's buttons)."""

    page: Page  # of Account
    counts: dict[str, int]  # status (a return's state, or "none") → rows of the whole board
    total: int  # rows of the whole board


def board_page(ledger: FundLedger, *, status: str = "", search: str = "", number=1) -> BoardPage:
    """Page ``number`` of the accounts a board of ``ledger``'s root lists (``taking_part``), of
    state ``status`` (BOARD_STATUSES; "" for all) whose name holds ``search``. Only the page's
    rows are built (``progress_rows``): a board of 1,100 counties draws 50 and their chart."""
    accounts = ledger.taking_part()
    states = [ledger.returns.status(account.node.key) or "none" for account in accounts]
    shown = [
        account
        for account, state in zip(accounts, states, strict=True)
        if (not status or state == status) and (not search or search in account.node.display_name)
    ]
    return BoardPage(Paginator(shown, BOARD_PAGE_ROWS).get_page(number), Counter(states), len(accounts))


def progress_row(ledger: FundLedger, account: Account, lines: dict[int, tuple[int, int]]) -> ProgressRow:
    """``account``'s row of a board: how far the reporting units below it have got, its own
    return's share of lines filled (``lines``: ``filled_lines``) and whether it has a board."""
    units = ledger.reporting_units(account.node)
    below = Counter(status for unit in units if (status := ledger.returns.status(unit.key)))
    own = lines.get(account.own.pk) if account.own is not None else None
    has_below = not account.node.is_project and bool(ledger.taking_part(account.node))
    return ProgressRow(account, len(units), dict(below), own, has_below)


def review_queue(user) -> QuerySet[Return]:
    """Submitted returns of the regions directly below the user's, waiting for this user."""
    if may_review(user):
        return Return.objects.none()
    return (
        Return.objects.filter(region__parent=user.region, status=Return.Status.SUBMITTED)
        .select_related("fund", "region", "project")
        .order_by("updated_at", "pk")  # earliest submitted first; pk keeps the pages stable
    )


HOME_QUEUE_ROWS = 10  # the review queue's earliest submissions the home page lists
QUEUE_PAGE_ROWS = 50  # a page of the whole review queue (/returns/queue/)


@dataclass(frozen=True)
class QueuePage:
    """A page of the review queue, narrowed by fund and by the name of the region or project."""

    page: Page  # of Return, earliest submitted first
    funds: list[Fund]  # the funds of the whole queue, for its filter
    total: int  # returns of the whole queue, before any filter


def review_queue_page(user, *, fund: str = "", search: str = "", number=1) -> QueuePage:
    """Page ``number`` of ``review_queue``, of the fund whose code is ``fund`` ("" for all) and
    of the regions or projects whose name holds ``search``; a number of queries that does not
    grow with the queue (its funds, its count, the page)."""
    queue = review_queue(user)
    funds = list(Fund.objects.filter(pk__in=queue.values("fund")).order_by("-year", "code"))
    shown = queue
    if fund:
        shown = shown.filter(fund__code=fund)
    if search:  # a region's name, or a project's run in it
        shown = shown.filter(Q(region__name__contains=search) | Q(project__name__contains=search))
    page = Paginator(shown, QUEUE_PAGE_ROWS).get_page(number)
    total = queue.count() if fund or search else page.paginator.count
    return QueuePage(page, funds, total)


@dataclass(frozen=True)
class FundsOfYear:
    """One year's funds of an office, for the pages that show one year at a time."""

    year: int | None
    funds: list[Fund]  # the year's, in the order given
    years: list[tuple[int, int]]  # (year, its funds) of every year, latest first: the year links


def funds_of_year(funds, region: Region, asked: str | None) -> FundsOfYear:
    """The funds of one year (the home page, 截止日期, 报告与报表): the year asked for
    (``?year=``) when the office has funds of it; else the latest year in which anything has
    been reported in ``region`` or below, since last year's self-evaluation goes on while this
    year's funds arrive; else the latest year. A query a year, latest first, each stopping at
    the first return it finds (a province's 50 funds hold 5,000 returns: their latest year by
    MAX read them all, 13 ms), so one where this year's returns have begun."""
    funds = list(funds)
    counts = Counter(fund.year for fund in funds)
    years = sorted(counts, reverse=True)
    if not years:
        return FundsOfYear(None, [], [])
    if asked in {str(year) for year in years}:
        year = int(asked)
    else:
        year = next(
            (y for y in years if _reported_in(region, [f.pk for f in funds if f.year == y])),
            years[0],
        )
    return FundsOfYear(year, [fund for fund in funds if fund.year == year], [(y, counts[y]) for y in years])


def _reported_in(region: Region, funds: list[int]) -> bool:
    """Some return of ``funds`` exists in ``region`` or below it (any status)."""
    return bool(_REPORTED_IN.rows(regions=[region], funds=funds)[0])


_REPORTED_IN = CompiledRows(
    Return,
    lambda regions, funds: (
        Return.objects.filter(subtrees_q(regions, "region__"), fund__in=funds)
        .order_by()
        .values_list("pk")[:1]
    ),
    regions=REGIONS,
    funds=Ints,
)


def own_returns(user) -> QuerySet[Return]:
    if user.region_id is None:
        return Return.objects.none()
    return (
        Return.objects.filter(region=user.region)
        .select_related("fund")
        .order_by("-fund__year", "fund__code", "period")
    )


@dataclass(frozen=True)
class ComparedLine:
    """One line of a table set beside the table above it."""

    status: str  # same / changed / added / removed
    level1: str
    level2: str
    name: str
    parent_value: str
    value: str


STATUS_LABELS = {"same": "沿用", "changed": "已修改", "added": "新增", "removed": "未沿用"}


def table_comparison(table: TargetTable) -> list[ComparedLine]:
    """``table`` line by line beside its parent: kept as passed down, value changed, added by
    this table, or left out of it. In the parent's order, then the additions."""
    own = list(table.indicators.order_by("order"))
    by_parent = {i.parent_indicator_id: i for i in own if i.parent_indicator_id}
    lines = []
    parent_lines = list(table.parent.indicators.order_by("order")) if table.parent_id else []
    for parent in parent_lines:
        mine = by_parent.get(parent.pk)
        if mine is None:
            lines.append(
                ComparedLine("removed", parent.level1, parent.level2, parent.name, parent.target_text, "")
            )
            continue
        status = "same" if mine.target_text == parent.target_text else "changed"
        lines.append(
            ComparedLine(status, mine.level1, mine.level2, mine.name, parent.target_text, mine.target_text)
        )
    known = {p.pk for p in parent_lines}
    for mine in own:
        if mine.parent_indicator_id not in known:
            lines.append(ComparedLine("added", mine.level1, mine.level2, mine.name, "", mine.target_text))
    return lines


def monitoring_plan(fund: Fund) -> MonitoringPlan:
    """How ``fund`` is monitored mid-year: its own plan, or the defaults (1–6月, yellow from
    90%: ``rules.DEFAULT_THRESHOLDS``) as an unsaved plan. Cached on the fund after one query."""
    try:
        return fund.monitoring_plan
    except MonitoringPlan.DoesNotExist:
        return MonitoringPlan(fund=fund)


def midyear_returns_sent(fund: Fund) -> int:
    """How many mid-year returns of ``fund`` are submitted or approved (their 1–N月 is fixed)."""
    return (
        Return.objects.filter(fund=fund, period=Period.MID_YEAR)
        .exclude(status__in=(Return.Status.DRAFT, Return.Status.RETURNED))
        .count()
    )


def previous_actuals(ret: Return) -> dict[str, str]:
    """Last year's actual of each indicator of ``ret``, by indicator name: from the approved
    return of the same region (or the project of the same name) and period in the fund this
    one was copied from. Empty when the fund has no previous year or nothing was approved."""
    return previous_actuals_of([ret]).get(ret.pk, {})


def previous_actuals_of(returns: list[Return], *, fund: Fund | None = None) -> dict[int, dict[str, str]]:
    """``previous_actuals`` for many returns (of one fund, ``fund`` if the caller has it, or of
    several: the ministry reads one fund of each province), in two queries at most; none when
    no fund of theirs has a previous year."""
    if not returns:
        return {}
    previous_of = {ret.fund_id: (fund or ret.fund).previous_id for ret in returns}
    if not any(previous_of.values()):
        return {}
    last = Return.objects.filter(
        fund_id__in={pk for pk in previous_of.values() if pk},
        region__in={r.region_id for r in returns},
        status=Return.Status.APPROVED,
    ).select_related("project")
    by_owner = {
        (r.fund_id, r.region_id, r.period, r.project.name if r.project_id else None): r.pk for r in last
    }
    wanted = {}
    for ret in returns:
        key = (
            previous_of[ret.fund_id],
            ret.region_id,
            ret.period,
            ret.project.name if ret.project_id else None,
        )
        if key in by_owner:
            wanted[by_owner[key]] = ret.pk
    found: dict[int, dict[str, str]] = {pk: {} for pk in wanted.values()}
    actuals = IndicatorActual.objects.filter(ret_id__in=wanted).exclude(actual_text="")
    for last_pk, name, text in actuals.values_list("ret_id", "indicator__name", "actual_text"):
        found[wanted[last_pk]][name] = text
    return found


# --- notifications ---------------------------------------------------------------------------


def notifications_for_user(user) -> QuerySet[Notification]:
    """A person's own notices, newest first; nobody sees another's."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-pk")


def get_notification_for_user(user, pk: int) -> Notification:
    """404 for a notice of someone else, as for one that does not exist."""
    return get_object_or_404(notifications_for_user(user), pk=pk)


def unread_notifications_of_person():
    """The person's unread notifications, as an annotation of their own row: the query that
    reads the person of each request (``evalportal.auth_backends.AccountBackend``) counts them
    too, for the nav of every page (index notification_unread)."""
    unread = Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True).order_by()
    return Coalesce(Subquery(unread.values("recipient").annotate(count=Count("pk")).values("count")), 0)


def unread_notification_count(user) -> int:
    """The nav's unread count: as the request began where the person was read with it (every
    step that marks notifications read answers with a redirect), else one query."""
    counted = getattr(user, "unread_notifications", None)
    if counted is not None:
        return counted
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


# --- approval follows the tree ------------------------------------------------------------------


def owes_own_return(ledger: FundLedger, node: Node) -> bool:
    """Whether ``node`` files a return of its own: a project does; a region does unless all its
    money of the fund goes to projects run in it and nothing but projects lies below it (it
    reports through them, as does a bureau whose projects are paid from its own budget)."""
    if node.is_project:
        return True
    projects = [child for child in node.children if child.is_project]
    regions_below = any(not child.is_project for child in node.children)
    received = ledger.budgets.of(node)
    project_only = bool(projects) and received.none_but_to_projects
    return regions_below or not project_only


@dataclass(frozen=True)
class MissingRecipient:
    """A region or project directly below a return that has no approved return of the fund."""

    node: Node
    own: Return | None
    exception: ApprovalException | None

    @property
    def name(self) -> str:
        return self.node.display_name

    @property
    def status_label(self) -> str:
        return self.own.get_status_display() if self.own is not None else "未开始"

    @property
    def excused(self) -> bool:
        return self.exception is not None


def recipients_below(ledger: FundLedger) -> list[Node]:
    """Whose approved returns the root's return waits for: each region directly below that
    holds money of the fund (or reported), and each project run in the root. A region that
    reports through its projects is replaced by them. Nothing for a county: its projects are
    reviewed beside it by the same reviewer."""
    root = ledger.root
    if not any(not child.is_project for child in root.children):
        return []
    nodes = []
    for account in ledger.children(root):
        node = account.node
        if node.is_project:
            nodes.append(node)
        elif not account.takes_part:
            continue
        elif owes_own_return(ledger, node):
            nodes.append(node)
        else:
            nodes.extend(child for child in node.children if child.is_project)
    return nodes


def missing_below(
    ret: Return, *, ledger: FundLedger | None = None, exceptions: list[ApprovalException] | None = None
) -> list[MissingRecipient]:
    """The recipients below ``ret`` without an approved return, each with the exception
    recorded for it, if any (``exceptions``: ``approval_exceptions(ret)`` when the caller has
    read them already). The ledger's queries and one more, whatever the tree's size."""
    ledger = ledger or FundLedger(ret.fund, ret.region, ret.period)
    recorded = {e.key: e for e in (approval_exceptions(ret) if exceptions is None else exceptions)}
    missing = []
    for node in recipients_below(ledger):
        own = ledger.returns.get(node.key)
        if own is not None and own.status == Return.Status.APPROVED:
            continue
        missing.append(MissingRecipient(node, own, recorded.get(node.key)))
    return missing


def approval_exceptions(ret: Return) -> list[ApprovalException]:
    """Every exception recorded on ``ret``, oldest first (kept when the region is approved later)."""
    return _EXCEPTIONS.all(ret=ret.pk, known={"ret": ret})


@dataclass(frozen=True)
class ConflictRow:
    """One line where what I typed and what is now saved differ."""

    label: str
    field: str  # the form field, so the page can put either value back into it
    mine: str
    theirs: str


@dataclass(frozen=True)
class SaveConflict:
    """A save refused because someone saved after I opened the return: who, when, and what differs."""

    by: str
    at: datetime | None
    version: int  # the version now saved: a save based on it overwrites knowingly
    rows: list[ConflictRow]


def save_conflict(ret: Return, typed) -> SaveConflict:
    """Compare what was typed (a services.ReturnInput) with the return as saved now, line by
    line, through the walk return_save applies (``edits.return_edits``): a row here is a change
    there."""
    saved = Return.objects.get(pk=ret.pk)
    rows = [
        ConflictRow(label=edit.label, field=edit.field, mine=shown(edit.new), theirs=shown(edit.old))
        for edit in return_edits(saved, typed)
    ]
    last = return_history(saved).filter(action=AuditEvent.Action.EDIT).first()
    return SaveConflict(
        by=str(last.actor or "系统") if last else "他人",
        at=last.created_at if last else None,
        version=saved.version,
        rows=rows,
    )


def attachments_by_line(ret: Return) -> dict[int | None, list[Attachment]]:
    """The return's 佐证材料 keyed by the indicator of their line (None: the whole return)."""
    by_line: dict[int | None, list[Attachment]] = {}
    for attachment in _ATTACHMENTS.all(ret=ret.pk, known={"ret": ret}):
        by_line.setdefault(attachment.actual.indicator_id if attachment.actual_id else None, []).append(
            attachment
        )
    return by_line


def get_attachment_for_user(user, ret_pk: int, pk: int) -> Attachment:
    """One attachment of a return the user may read (404 for a return outside the region, or a
    file of another return: the address names both, and both must agree)."""
    ret = get_return_for_user(user, ret_pk)
    attachment = get_object_or_404(Attachment.objects.select_related("uploaded_by"), pk=pk, ret=ret)
    attachment.ret = ret
    return attachment
