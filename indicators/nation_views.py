"""The central department's pages: the central funds, and one of them across the provinces."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.replica import reading_from_replica
from indicators.nation import national_board
from indicators.permissions import may_view_nation
from transfers.selectors import central_funds_for_user, get_central_fund_for_user


@login_required
@require_GET
def central_funds(request):
    """The central funds, each with the number of provinces that have a fund of it."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    funds = central_funds_for_user(request.user).annotate(provinces=Count("funds"))
    return render(request, "indicators/nation_funds.html", {"central_funds": funds})


@login_required
@require_GET
def national_board_view(request, code):
    """One central fund across the provinces: money by the roll-up rule, each province's own
    return and units below, the national total, and each indicator met province by province."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    central = get_central_fund_for_user(request.user, code)
    with reading_from_replica():  # a page that only reads, as the boards
        board = national_board(central)
    return render(request, "indicators/nation_board.html", {"board": board, "central": central})
