"""The board of lights: the mid-year monitoring of one fund below one region, region by region,
with the same drill-down and the same scope as the year-end board (``home_views.board``)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.paging import filters_query, search_text
from common.replica import reading_from_replica
from indicators.ledger import FundLedger
from indicators.models import Period
from indicators.monitoring_board import monitoring_board
from indicators.selectors import board_page, board_trail
from transfers.selectors import get_fund_for_user, get_region_for_user


@login_required
@require_GET
def monitoring_board_view(request, code, region_code):
    """The regions below ``region_code`` with their lights, for a person of that region or above
    it (404 otherwise, and where the fund reaches nothing below)."""
    fund = get_fund_for_user(request.user, code)
    region = get_region_for_user(request.user, region_code)
    search = search_text(request)
    with reading_from_replica():  # a page that only reads, as the year-end board
        ledger = FundLedger(fund, region, Period.MID_YEAR)
        if not ledger.taking_part():
            raise Http404("该资金在本地区没有下级地区或项目。")
        # A page of rows at a time, found by name, as the year-end board.
        page = board_page(ledger, search=search, number=request.GET.get("page")).page
        board = monitoring_board(fund, region, ledger=ledger, accounts=list(page))
    context = {
        "page": page,
        "search": search,
        "query": filters_query(request),
        "fund": fund,
        "region": region,
        "trail": board_trail(request.user, region),
        "board": board,
        "months": board.plan.months_label,
    }
    return render(request, "indicators/monitoring_board.html", context)
