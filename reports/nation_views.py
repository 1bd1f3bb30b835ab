"""The ministry's download of one central fund's 各省绩效自评汇总表 (DOCX or XLSX)."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.views.decorators.http import require_GET

from common.replica import reading_from_replica
from indicators.nation import national_board
from indicators.permissions import may_view_nation
from reports.nation import national_docx, national_xlsx
from transfers.selectors import get_central_fund_for_user

BUILDERS = {"docx": national_docx, "xlsx": national_xlsx}


@login_required
@require_GET
def national_summary(request, code: str, format: str):
    """The summary of ``code`` as it stands now, built while the person waits (a few pages)."""
    if reason := may_view_nation(request.user):
        raise PermissionDenied(reason)
    central = get_central_fund_for_user(request.user, code)
    with reading_from_replica():  # a read only, as the board
        board = national_board(central)
    content = BUILDERS[format](board)
    name = f"{central.year}年{central.name}各省绩效自评汇总表.{format}"
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=name)
