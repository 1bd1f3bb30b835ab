from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from transfers.selectors import funds_visible_to, region_budget


@login_required
def home(request):
    region = request.user.region
    funds = []
    if region is not None:
        for fund in funds_visible_to(region):
            funds.append({"fund": fund, "budget": region_budget(fund, region)})
    return render(request, "evalportal/home.html", {"region": region, "funds": funds})


def healthz(request):
    """For the load balancer: the process is up and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
