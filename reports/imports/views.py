"""Upload → preview → confirm; template downloads; the return workbook; the fund export.

Every object comes through a region-scoped access helper (404 outside the person's region);
who may import what is decided by indicators.permissions (403 with the reason).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from indicators.models import Period
from indicators.permissions import may_import_return
from indicators.selectors import get_return_for_user
from reports.exports import fund_export
from reports.imports import templates_xlsx
from reports.imports.allocations import AllocationImporter
from reports.imports.base import ImportFailed, PlanChanged, RowError
from reports.imports.forms import (
    AllocationUploadForm,
    RegionUploadForm,
    TargetPasteForm,
    TargetUploadForm,
    UploadForm,
)
from reports.imports.fund import FundImporter
from reports.imports.regions import RegionImporter
from reports.imports.returns import ReturnImporter
from reports.imports.services import KIND_TITLES, import_apply, import_preview, permission_error
from reports.imports.targets import TargetImporter
from reports.imports.targets_pasted import PastedTargetImporter
from reports.selectors import get_import_record_for_user, import_records_for_user
from transfers.models import Region
from transfers.selectors import funds_for_user, get_fund_for_user, get_region_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = {
    "regions": RegionUploadForm,
    "allocations": AllocationUploadForm,
    "targets": TargetUploadForm,
    "fund": UploadForm,  # the workbook names the fund itself
}


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _importer(kind: str, form, user):
    data = form.cleaned_data
    if kind == "regions":
        return RegionImporter(actor=user, scope=user.region)
    if kind == "fund":
        return FundImporter(actor=user, scope=user.region)
    if kind == "allocations":
        return AllocationImporter(
            actor=user,
            scope=user.region,
            fund=data["fund"],
            batch_notice=data["batch_notice"],
            advance_notice=data["advance_notice"],
            source=data["source"],
        )
    if reason := permission_error(kind, user, region=data["region"]):
        raise PermissionDenied(reason)
    return TargetImporter(
        actor=user, scope=user.region, fund=data["fund"], region=data["region"], central=data["central"]
    )


@login_required
def index(request):
    user = request.user
    kinds = [(kind, KIND_TITLES[kind], permission_error(kind, user) is None) for kind in FORMS]
    records = list(import_records_for_user(user).select_related("fund", "region", "created_by")[:30])
    for record in records:
        record.kind_title = KIND_TITLES.get(record.kind, record.kind)
    context = {
        "kinds": kinds,
        "records": records,
        "funds": funds_for_user(user),
        "may_paste_targets": permission_error(PastedTargetImporter.kind, user) is None,
    }
    return render(request, "reports/imports/index.html", context)


@login_required
def upload(request, kind):
    if kind not in FORMS:
        raise Http404
    if reason := permission_error(kind, request.user):
        raise PermissionDenied(reason)
    # ?fund=<pk> from the fund setup page preselects the fund
    form = FORMS[kind](
        request.POST or None, request.FILES or None, user=request.user, initial=request.GET.dict()
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = _importer(kind, form, request.user)
        record, _ = import_preview(
            importer=importer, content=upload.read(), filename=upload.name, actor=request.user
        )
        return redirect("imports:record", pk=record.pk)
    context = {"form": form, "kind": kind, "title": KIND_TITLES[kind]}
    return render(request, "reports/imports/upload.html", context)


@login_required
def targets_paste(request):
    """Paste a 区域绩效目标表 (or upload the notice's .docx) → the same preview → confirm."""
    user = request.user
    if reason := permission_error(PastedTargetImporter.kind, user):
        raise PermissionDenied(reason)
    initial = request.GET.dict()
    if again := request.GET.get("again"):  # correct an earlier paste: its text, fund and region
        initial |= _pasted_before(user, again)
    form = TargetPasteForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        fund, region = form.cleaned_data["fund"], form.cleaned_data["region"]
        if reason := permission_error(PastedTargetImporter.kind, user, region=region):
            raise PermissionDenied(reason)
        content, filename = form.content()
        importer = PastedTargetImporter(
            actor=user, scope=user.region, fund=fund, region=region, central=form.cleaned_data["central"]
        )
        record, _ = import_preview(importer=importer, content=content, filename=filename, actor=user)
        return redirect("imports:record", pk=record.pk)
    return render(request, "reports/imports/paste_targets.html", {"form": form})


def _pasted_before(user, pk: str) -> dict:
    if not pk.isdigit():
        raise Http404
    record = get_import_record_for_user(user, int(pk))
    if record.kind != PastedTargetImporter.kind or not _is_pasted_text(record):
        raise Http404
    with record.file.open("rb") as handle:
        text = handle.read().decode("utf-8", errors="replace")
    options = record.summary.get("options", {})
    region = Region.objects.filter(code=options.get("region")).first()
    return {"text": text, "fund": record.fund_id, "region": region, "central": bool(options.get("central"))}


def _is_pasted_text(record) -> bool:
    return record.original_name.endswith(".txt")


@login_required
def record_detail(request, pk):
    record = get_import_record_for_user(request.user, pk)
    errors = [RowError(**e) for e in record.errors]
    warnings = [RowError(**w) for w in record.summary.get("warnings", [])]
    pasted = record.summary.get("table")
    context = {
        "record": record,
        "title": KIND_TITLES.get(record.kind, record.kind),
        "errors": errors,
        "warnings": warnings,
        "summary": record.summary,
        "can_apply": not record.applied and not errors and record.created_by_id == request.user.pk,
        "pasted": pasted and pasted | {"rows": _laid_out(pasted["lines"])},
        "paste_again": record.kind == PastedTargetImporter.kind and _is_pasted_text(record),
        "pasted_rows": record.kind == PastedTargetImporter.kind,  # lines of a text, rows of a Word table
    }
    return render(request, "reports/imports/record.html", context)


def _laid_out(lines: list[dict]) -> list[dict]:
    """The lines of a pasted table with the level cells merged down, as the official table
    prints them (``span`` 0: covered by the cell above); a line with an error stands alone."""
    rows = [dict(line) for line in lines]
    for key, span in (("level1", "level1_span"), ("level2", "level2_span")):
        start = None
        for index, row in enumerate(rows):
            head = rows[start] if start is not None else None
            same = (
                head is not None
                and not row["error"]
                and not head["error"]
                and row["level1"] == head["level1"]
                and (key == "level1" or row["level2"] == head["level2"])
            )
            if same:
                head[span] += 1
                row[span] = 0
            else:
                start, row[span] = index, 1
    return rows


@login_required
@require_POST
def record_apply(request, pk):
    record = get_import_record_for_user(request.user, pk)
    try:
        plan = import_apply(record=record, actor=request.user)
    except PlanChanged as exc:
        messages.warning(request, str(exc))
    except ImportFailed as exc:
        messages.error(request, f"未导入：{exc}")
    else:
        messages.success(request, f"已导入。{plan.describe()}")
    return redirect("imports:record", pk=record.pk)


@login_required
def template_download(request, kind):
    user = request.user
    if user.region_id is None:
        raise Http404
    fund = get_fund_for_user(user, request.GET["fund"]) if request.GET.get("fund") else None
    stamp = timezone.localdate().strftime("%Y%m%d")
    if kind == "regions":
        return _xlsx(templates_xlsx.regions_template(user.region), f"行政区划导入模板_{stamp}.xlsx")
    if kind == "allocations":
        content = templates_xlsx.allocations_template(user.region, fund)
        return _xlsx(content, f"资金分配表导入模板_{user.region.display_name}_{stamp}.xlsx")
    if kind == "targets":
        region = get_region_for_user(user, request.GET["region"]) if request.GET.get("region") else None
        name = region.display_name if region else ""
        return _xlsx(templates_xlsx.targets_template(fund, region), f"绩效目标表导入模板_{name}_{stamp}.xlsx")
    raise Http404


@login_required
def return_import(request, pk):
    ret = get_return_for_user(request.user, pk)
    if reason := may_import_return(request.user, ret):
        raise PermissionDenied(reason)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = ReturnImporter(actor=request.user, scope=ret.region, ret=ret)
        record, _ = import_preview(
            importer=importer, content=upload.read(), filename=upload.name, actor=request.user
        )
        return redirect("imports:record", pk=record.pk)
    return render(request, "reports/imports/return_import.html", {"form": form, "ret": ret})


@login_required
def return_download(request, pk):
    ret = get_return_for_user(request.user, pk)
    what = "运行监控填报" if ret.period == Period.MID_YEAR else "自评填报"
    filename = f"{what}_{ret.region.display_name}_{ret.fund.code}_v{ret.version}.xlsx"
    return _xlsx(templates_xlsx.return_workbook(ret), filename)


@login_required
def fund_export_view(request, code):
    fund = get_fund_for_user(request.user, code)
    region = request.user.region
    content = fund_export(fund=fund, region=region, user=request.user)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _xlsx(content, f"{fund.year}年{fund.name}_{region.display_name}_{stamp}.xlsx")
