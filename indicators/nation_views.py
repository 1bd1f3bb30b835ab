"""The central department's pages: the central funds, and one of them across the provinces."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from common.replica import reading_from_replica
from indicators.home_views import board_page_context
from indicators.nation import national_board, national_totals
from indicators.permissions import may_view_nation
from transfers import versions
from transfers.selectors import (
    central_funds_for_user,
    get_central_fund_for_user,
    get_national_fund_for_user,
    years_of,
)


@login_required
@require_GET
def central_funds(request):
    """The central funds of a year, each with its national total: the central money the provinces
    received and spent by the roll-up rule, its rate, and how many provinces have approved their
    own return (``nation.national_totals``, summed in the database)."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    # One year at a time, the latest first, as a province's 资金设置.
    year, years = years_of(central_funds_for_user(request.user), request.GET.get("year"))
    funds = list(central_funds_for_user(request.user).filter(year=year))
    with reading_from_replica():  # a page that only reads, as the boards
        totals = national_totals(funds)
    context = {
        "central_funds": [(central, totals[central.pk]) for central in funds],
        "year": year,
        "years": years,
    }
    return render(request, "indicators/nation_funds.html", context)


@login_required
@require_GET
def national_board_view(request, code):
    """One central fund across the provinces: money by the roll-up rule, each province's own
    return and units below, the national total, and each indicator met province by province."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    central = get_central_fund_for_user(request.user, code)

    def build() -> str:
        context = {"board": national_board(central), "central": central}
        return render_to_string("indicators/_nation_board_body.html", context)

    with reading_from_replica():  # a page that only reads, as the boards
        # Kept under the data versions of every province's fund of it: 31 ledgers rolled up.
        funds = central.funds.values_list("pk", flat=True)
        # Its own words too: a central fund no province has taken up has no fund to change.
        own = (central.pk, central.code, central.name, central.year, central.department)
        body = versions.cached("nation", funds, *own, build=build)
    context = {"central": central, "body": body}  # render_to_string's SafeString, kept as it is
    return render(request, "indicators/nation_board.html", context)


@login_required
@require_GET
def region_board_view(request, code, region_code):
    """A province's board of its copy of the central fund, or a prefecture's below it: the
    province's own board, read only (no return, form or monitoring page of the province opens
    from it), with the trail back to the national board."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    central, fund, region = get_national_fund_for_user(request.user, code, region_code)
    # No region of its own: the trail starts at the province.
    context = board_page_context(
        request, fund, region, board_url="nation:region_board", board_key=central.code, read_only=True
    )
    context["central"] = central
    return render(request, "indicators/board.html", context)
