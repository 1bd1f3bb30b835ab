"""The search behind every region box (transfers.forms.RegionField, static/js/region-picker.js).

A box names its purpose; the search looks only within the regions that purpose offers this
person, which are the very regions its form accepts. Nothing outside them is ever listed.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from evalportal.accounts import account_regions_for_user
from reports.imports.forms import target_regions_for_user
from transfers.forms import region_label, region_path
from transfers.selectors import project_regions_for_user, regions_for_user, regions_matching

# purpose → the regions its forms accept for a person
SCOPES = {
    "accounts": account_regions_for_user,
    "reports": regions_for_user,
    "targets": target_regions_for_user,
    "projects": project_regions_for_user,
}
MAX_QUERY = 50


@login_required
@require_GET
def region_search(request):
    scope = SCOPES.get(request.GET.get("purpose", ""))
    if scope is None:
        return JsonResponse({"error": "未知的用途。"}, status=400)
    text = request.GET.get("q", "")[:MAX_QUERY]
    regions, more = regions_matching(scope(request.user), text)
    results = []
    for region in regions:
        aliases = [a.name for a in region.aliases.all()]
        results.append(
            {
                "code": region.code,
                "label": region_label(region),
                "path": region_path(region),
                "name": region.name,
                "level": region.get_level_display(),
                "kind": region.get_kind_display(),
                "active": region.is_active,
                "aliases": aliases,
            }
        )
    return JsonResponse({"results": results, "more": more})
