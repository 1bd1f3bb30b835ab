"""The home page: what this office fills in and reviews, and the progress of the regions below.

One page per role: my returns and their deadlines; my review queue; for each fund, the board
of the regions directly below with the ledger's figures (the same as every document's).
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from common.kept_html import CSRF_MARK, with_csrf
from common.paging import asks_a_year_at_most, filters_query, search_text
from common.replica import reading_from_replica
from evalportal.models import Role
from indicators.formats import pct
from indicators.ledger import FundLedger, Money
from indicators.models import Period, Return
from indicators.permissions import may_open_return, may_review
from indicators.reminders import deadline_notices_for_user
from indicators.selectors import (
    BOARD_STATUSES,
    HOME_QUEUE_ROWS,
    binding_deadline,
    board_page,
    board_trail,
    deadlines_by_setter,
    filled_lines,
    funds_of_year,
    owes_own_return,
    own_returns,
    progress_rows,
    review_queue,
    review_queue_page,
)
from transfers import versions
from transfers.selectors import (
    fund_list_for_user,
    fund_tokens_for_user,
    get_fund_for_user,
    get_region_for_user,
)

HOME_BOARDS = 3  # a year of this many funds or fewer shows each fund's board on the home page


@login_required
def home(request):
    """One page per role: my returns; my review queue; the progress of the regions below."""
    user, region = request.user, request.user.region
    if region is None:
        if user.is_superuser:  # the deployment's administrator: the provinces and their accounts
            return redirect("accounts:provinces")
        if user.role == Role.MINISTRY:  # the central department: its funds across the provinces
            return redirect("nation:funds")
        return render(request, "indicators/home.html", {"region": None})
    # The data versions of every fund the person sees, read once before any of their data (the
    # funds themselves too: a line prints its fund's name). The page's body is kept under them
    # whole (for an address asking nothing but a year), for the office, the person's role and the
    # year asked, for the day
    # (the deadline notices count its days); within it, the lines of the year's funds and the
    # deadline notices are kept each, so a change to one fund prints that fund's line again.
    found = fund_tokens_for_user(user)
    every = fund_list_for_user(user)
    parts = (region.pk, user.role, user.is_superuser, request.GET.get("year"), timezone.localdate())

    def build() -> tuple[str, bool]:
        return _home_body(request, region, every, found)

    if asks_a_year_at_most(request):
        body, charts = versions.cached("home", every, *parts, build=build, found=found)
    else:  # any other parameter: printed for this request only
        body, charts = build()
    context = {"region": region, "body": with_csrf(body, request), "charts": charts}
    return render(request, "indicators/home.html", context)


def _home_body(request, region, every: list, found: dict[int, str]) -> tuple[str, bool]:
    """(the body of an office's home page, printed with a stand-in CSRF token; whether it
    draws the boards' charts, whose scripts the page then loads)."""
    user = request.user
    # One year's funds at a time: a province keeps every year's funds, and this year's work is
    # what the page is for (the review queue and the deadlines stay whatever their year).
    shown = funds_of_year(every, region, request.GET.get("year"))
    offices_funds = shown.funds
    # A few funds: each with its board's first page. More: one line each (资金一览), each
    # leading to its board; fifty boards one under another are read by nobody.
    full = len(offices_funds) <= HOME_BOARDS
    context = {
        "region": region,
        "full": full,
        "year": shown.year,
        "years": shown.years,
        "csrf_token": CSRF_MARK,
    }
    if full:
        mine, deadlines = _own_returns_and_deadlines(user, offices_funds)
        funds = [
            _fund_row(fund, line, mine, deadlines, progress=progress)
            for fund, line, progress in _boards(offices_funds, region)
        ]
        context["funds"] = funds
    else:
        lines = _lines(offices_funds, region, found)
        # A county has no regions below: the one-line view leaves their columns out.
        any_below = any(line.below for _fund, line, _key in lines)
        context.update(
            fund_rows=_fund_rows(request, lines, region, any_below=any_below),
            funds_count=len(lines),
            any_below=any_below,
        )
    queue = review_queue(user)
    context.update(
        # The earliest submissions; the whole queue pages on its own page (review_queue_view).
        queue=list(queue[:HOME_QUEUE_ROWS]),
        queue_total=queue.count(),
        notices=_notices(user, every, found),
        statuses=Return.Status,
    )
    charts = full and bool(context.get("funds"))
    return render_to_string("indicators/_home_body.html", context, request=request), charts


def _own_returns_and_deadlines(user, funds) -> tuple[dict, dict]:
    """The office's own returns by (fund, project, period), and the deadline binding each of
    its returns by (fund, period): its parent's, else the nearest above."""
    region = user.region
    mine = {(r.fund_id, r.project_id, r.period): r for r in own_returns(user)}
    deadlines = {
        key: binding_deadline(by_setter, region) for key, by_setter in deadlines_by_setter(funds).items()
    }
    return mine, deadlines


def _fund_row(fund, line: "FundLine", mine: dict, deadlines: dict, *, progress=None) -> dict:
    """What the home page shows of one fund: its card (``progress``, the board's first page) or
    its line of 资金一览 (``progress`` None)."""
    progress = progress or []
    return {
        "fund": fund,
        "budget": line.budget,
        # Money nobody allocated (市县, 其他): the budgets the returns state.
        "own_money": line.total,
        "fills": line.fills,
        "returns": [
            (
                owner,
                period,
                mine.get((fund.pk, owner.project_pk, period.value)),
                deadlines.get((fund.pk, period.value)),
            )
            for owner in line.owners
            for period in Period
        ],
        # The board's own figures of the region (全年预算数, 执行率), for the one-line view.
        "total": line.total,
        "progress": progress,
        # The board's rows by the state of their own return, for the one-line view.
        "below": line.below,
        "below_counts": line.below_counts,
        # Rows beyond the first page: listed on the fund's own board.
        "more": line.below if line.more else 0,
        "chart_height": max(240, 26 * len(progress) + 60),
        "chart": _chart_data(progress) if progress else None,
    }


def _fund_rows(request, lines: list, region, *, any_below: bool) -> str:
    """The lines of 资金一览, rendered: each kept in the cache beside the fund's line, under its
    key (the fund's data version: its money, its returns, its deadlines) with what else the line
    depends on (whether this person fills in, whether the table has the columns of the regions
    below). Fifty lines' template work was most of a province's home page. Printed with the
    stand-in CSRF token, as the body they are part of."""
    user = request.user
    can_fill = not may_open_return(user, region)
    keys = {fund.pk: f"{key}:row:{int(can_fill)}{int(any_below)}" if key else None for fund, _, key in lines}
    by_pk = {fund.pk: (fund, line) for fund, line, _ in lines}

    def build(pks: list[int]) -> dict[int, str]:
        mine, deadlines = _own_returns_and_deadlines(user, pks)
        context = {"region": region, "can_fill": can_fill, "any_below": any_below, "csrf_token": CSRF_MARK}
        built = {}
        for pk in pks:
            context["row"] = _fund_row(*by_pk[pk], mine, deadlines)
            built[pk] = render_to_string("indicators/_home_fund_row.html", context)
        return built

    # 开始填报 is a form: its token is the stand-in, the person's put in when the page is served.
    return mark_safe("".join(versions.cached_each(keys, build).values()))  # rendered, escaped there


def _notices(user, funds, found) -> list[str]:
    """The deadline notices (``deadline_notices_for_user``), kept for the day under the data
    versions of every fund the person sees: whether a region below owes a return is asked of
    each deadline's regions, for fifty funds a province."""
    today = timezone.localdate()
    parts = (user.region_id, user.role == Role.CLERK, today)

    def build() -> list[str]:
        return deadline_notices_for_user(user, today)

    return versions.cached("notices", funds, *parts, build=build, found=found)


@dataclass(frozen=True)
class Owner:
    """A return this office files of a fund: its own, or a project's run in it."""

    name: str
    project_pk: int | None = None

    @property
    def is_project(self) -> bool:
        return self.project_pk is not None


@dataclass(frozen=True)
class FundLine:
    """What the home page shows of one fund below the office, read from its ledger; kept in the
    cache under the fund's data version (``_lines``)."""

    budget: dict  # the office's allocated money (Received.as_dict)
    total: Money  # all sources: 全年预算数 and 执行率, as the board's header reads them
    fills: bool  # the office files a return of the fund (money, or projects of its own)
    owners: tuple[Owner, ...]  # the returns it files
    below: int  # rows of the fund's board
    below_counts: tuple[tuple[str, str, int], ...]  # (state, label, rows) in STATUS_SERIES order
    more: bool  # the board runs past its first page


def _fund_line(ledger: FundLedger, board) -> FundLine:
    account = ledger.account()
    # What this office fills in: its own return, and one for each project run in it. A county
    # whose money of the fund all goes to its projects reports through them, and so does a
    # bureau whose projects are paid from its own budget (seed 004: nothing allocated).
    owners = [Owner(node.name, node.project.pk) for node in ledger.root.children if node.is_project]
    if owes_own_return(ledger, ledger.root):
        owners.insert(0, Owner(ledger.root.name))
    return FundLine(
        budget=account.received.as_dict(),
        total=account.total,
        fills=bool(account.received.total) or any(owner.is_project for owner in owners),
        owners=tuple(owners),
        below=board.total,
        below_counts=tuple(
            (key, label, count) for key, label in STATUS_SERIES if (count := board.counts.get(key))
        ),
        more=board.page.has_other_pages(),
    )


def _boards(funds, region):
    """(fund, its line, its board's first page of rows) of each fund: the ledgers read together."""
    ledgers = FundLedger.for_funds(funds, region, Period.YEAR_END)
    boards = {pk: board_page(ledger) for pk, ledger in ledgers.items()}
    # The boards' own returns' share of lines filled, in one query for all.
    lines = filled_lines(
        [account.own for board in boards.values() for account in board.page if account.own is not None]
    )
    for fund in funds:
        ledger, board = ledgers[fund.pk], boards[fund.pk]
        yield fund, _fund_line(ledger, board), progress_rows(ledger, list(board.page), lines)


def _lines(funds, region, found) -> list[tuple]:
    """(fund, its line, the line's cache key) of each fund, from the cache where the fund's data
    version stands (``transfers.versions``); the others' ledgers read together and their lines
    kept. The key, None where the fund has no version yet, keys the line's row too."""
    keys = versions.keys_each("home-line", funds, region.pk, found=found)
    by_pk = {fund.pk: fund for fund in funds}

    def build(pks: list[int]) -> dict[int, FundLine]:
        ledgers = FundLedger.for_funds([by_pk[pk] for pk in pks], region, Period.YEAR_END)
        return {pk: _fund_line(ledgers[pk], board_page(ledgers[pk])) for pk in pks}

    kept = versions.cached_each(keys, build)
    return [(fund, kept[fund.pk], keys[fund.pk]) for fund in funds]


@login_required
def review_queue_view(request):
    """待我审核: the whole review queue, a page at a time, narrowed by fund (``?fund=``) and by
    the region's name (``?q=``); bulk approval from any page."""
    if reason := may_review(request.user):
        raise PermissionDenied(reason)
    fund = search_text(request, "fund")
    search = search_text(request)
    queue = review_queue_page(request.user, fund=fund, search=search, number=request.GET.get("page"))
    context = {
        "region": request.user.region,
        "page": queue.page,
        "funds": queue.funds,
        "total": queue.total,
        "fund": fund,
        "search": search,
        "query": filters_query(request),
    }
    return render(request, "indicators/review_queue.html", context)


@login_required
def board(request, code, region_code):
    """The board one level further down: the regions below ``region_code``, for a person of that
    region or above it (404 otherwise, and for a region with nothing below), by status."""
    fund = get_fund_for_user(request.user, code)
    region = get_region_for_user(request.user, region_code)
    context = board_page_context(request, fund, region, board_url="board", board_key=fund.code)
    return render(request, "indicators/board.html", context)


def board_page_context(request, fund, region, *, board_url: str, board_key: str, read_only: bool = False):
    """What ``board.html`` shows: the fund and region of its header, the trail back up, and the
    body (``board_section``); the province's boards and the central department's read-only ones
    alike, whose ``board_url`` and ``board_key`` name the next board down."""
    links = {"board_url": board_url, "board_key": board_key, "read_only": read_only}
    return {
        "fund": fund,
        "region": region,
        "section": board_section(request, fund, region, **links),
        "trail": board_trail(request.user, region),
        **links,
    }


def board_section(request, fund, region, *, board_url: str, board_key: str, read_only: bool = False):
    """The body of a board page (``_board_section.html``: ``board_context``'s figures, filters,
    table and charts), from the cache while nothing of the fund or the region tree has changed
    (``transfers.versions``). A search is built each time: only the pages of a status filter
    are kept, so the keys stay as few as the pages. 404 as ``board_context``."""
    status, search, number = _board_filters(request)

    def build() -> str:
        context = board_context(request, fund, region)
        context.update(board_url=board_url, board_key=board_key, read_only=read_only)
        return render_to_string("indicators/_board_section.html", context)

    with reading_from_replica():  # the tokens from where the figures are read, and before them
        # Only a status filter's pages are kept: a search, or any other parameter (which the
        # page links would carry to everyone served the kept body), is built for its request.
        plain = set(request.GET) <= {"status", "page"} and request.GET.get("status", "") == status
        if search or not plain or not (number is None or (number.isdigit() and len(number) <= 4)):
            html = build()
        else:
            parts = (region.pk, status, number, board_url, board_key, read_only)
            html = versions.cached("board", [fund], *parts, build=build)
    return html  # render_to_string's SafeString, which the cache keeps as it is


def _board_filters(request) -> tuple[str, str, str | None]:
    """(status, search, page number) of a board's request: an unknown status shows everything
    rather than an empty board."""
    status = request.GET.get("status", "")
    if status not in dict(BOARD_STATUSES):
        status = ""
    return status, search_text(request), request.GET.get("page")


def board_context(request, fund, region) -> dict:
    """What a board of ``fund`` below ``region`` shows: a page of its rows (``?page=``), narrowed
    by the state of their own return (``?status=``, BOARD_STATUSES) and by name (``?q=``); the
    province's boards and the central department's read-only ones alike. 404 for a region with
    nothing of the fund below it."""
    status, search, number = _board_filters(request)
    with reading_from_replica():  # a page that only reads: the replica may serve its figures
        ledger = FundLedger(fund, region, Period.YEAR_END)
        # Nothing of the fund below (a county; a prefecture where the money stops): no board, as
        # no row of the board above links here.
        if not ledger.taking_part():
            raise Http404("该资金在本地区没有下级地区或项目。")
        board = board_page(ledger, status=status, search=search, number=number)
        rows = progress_rows(ledger, list(board.page))
        account = ledger.account()
    return {
        "fund": fund,
        "region": region,
        "rows": rows,
        "page": board.page,
        "total": board.total,
        "status": status,
        "search": search,
        "query": filters_query(request),
        "statuses": [(value, label, board.counts.get(value, 0)) for value, label in BOARD_STATUSES],
        "account": account,
        "chart_height": max(240, 26 * len(rows) + 60),
        "chart": _chart_data(rows),
    }


# The status chart's series, in the order a return moves; "none" is a unit that has not begun.
STATUS_SERIES = [
    (status.value, status.label)
    for status in (
        Return.Status.APPROVED,
        Return.Status.SUBMITTED,
        Return.Status.RETURNED,
        Return.Status.DRAFT,
    )
] + [("none", "未开始")]


def _chart_data(progress) -> dict:
    """The board's two charts: 预算执行率 and submission status, one bar per region below."""
    return {
        "names": [row.name for row in progress],
        # ECharts takes plain numbers for the bars; the labels are the table's own text.
        "rates": [float(row.money.rate) if row.money.rate is not None else None for row in progress],
        "rate_labels": [pct(row.money.rate) for row in progress],
        "statuses": [
            {"name": label, "data": [row.status_counts.get(key, 0) for row in progress]}
            for key, label in STATUS_SERIES
        ],
    }
