"""Generated documents: list and request them per fund, follow a job, download the file.

Every view starts from a scoped selector (funds_for_user, get_fund_for_user,
generated_files_for_user): a file outside the user's region is a 404, not a 403, so that
its existence is not revealed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import errors_into
from indicators.permissions import may_edit_report_texts
from indicators.selectors import funds_of_year
from reports.builders import kind_label, title_for
from reports.data import report_data
from reports.data.sections import defaults
from reports.data.words import Words
from reports.forms import GenerateForm, ReportTextForm
from reports.models import JobStatus
from reports.selectors import generated_files_for_user, get_generated_file_for_user, get_report_text_for_user
from reports.services import (
    JobQueueUnavailable,
    data_version,
    generated_file_regenerate,
    generated_file_request,
    is_stale,
    report_text_save,
    version_key,
)
from transfers.selectors import funds_for_user, get_fund_for_user

LIST_LIMIT = 50


@login_required
@require_GET
def index(request):
    """The funds whose documents this person may generate, one year at a time."""
    shown = funds_of_year(funds_for_user(request.user), request.user.region, request.GET.get("year"))
    return render(
        request, "reports/index.html", {"funds": shown.funds, "year": shown.year, "years": shown.years}
    )


@login_required
def fund_files(request, fund_code):
    fund = get_fund_for_user(request.user, fund_code)
    form = GenerateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            generated = generated_file_request(
                fund=fund,
                region=form.cleaned_data["region"],
                kind=form.cleaned_data["kind"],
                format=form.cleaned_data["format"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except JobQueueUnavailable as exc:
            return _queue_down(request, exc)
        else:
            messages.success(request, "已开始生成文件，完成后可在此下载。")
            return redirect("reports:file_status", pk=generated.pk)
    files = list(
        generated_files_for_user(request.user)
        .filter(fund=fund)
        .select_related("region", "requested_by")[:LIST_LIMIT]
    )

    # One fingerprint per region (and kind of read: year-end, monitoring) on the page, not per file.
    def key(f):
        return (f.region_id, version_key(f.kind))

    current = {k: data_version(fund, f.region, f.kind) for k, f in {key(f): f for f in files}.items()}
    rows = [
        {"file": f, "label": kind_label(f.kind, f.format), "stale": f.data_version != current[key(f)]}
        for f in files
    ]
    context = {"fund": fund, "form": form, "rows": rows, "own_region": request.user.region}
    return render(request, "reports/fund_files.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def report_texts(request, fund_code, region_code):
    """报告文字: what the region's office writes for its report of the fund. Anyone who may see the
    region reads it (the boxes show the defaults a blank prints); its own office edits it."""
    fund, region, row = get_report_text_for_user(request.user, fund_code, region_code)
    refusal = may_edit_report_texts(request.user, fund, region)
    if request.method == "POST" and refusal:
        raise PermissionDenied(refusal)
    data = report_data(fund=fund, region=region)
    form = ReportTextForm(request.POST or None, row=row, defaults=defaults(data), read_only=bool(refusal))
    if request.method == "POST" and form.is_valid():
        try:
            _, changes = report_text_save(
                actor=request.user,
                fund=fund,
                region=region,
                values=form.values(),
                base_version=form.cleaned_data["base_version"],
            )
        except ValidationError as exc:
            errors_into(form, exc)
        else:
            messages.success(
                request, "已保存报告文字，新生成的报告将使用这些文字。" if changes else "没有修改。"
            )
            return redirect("reports:texts", fund_code=fund.code, region_code=region.code)
    context = {
        "fund": fund,
        "region": region,
        "form": form,
        "refusal": refusal,
        "budget": data.received["total"],
        "sections": data.sections,
        "row": row,
    }
    return render(request, "reports/report_texts.html", context)


@login_required
@require_GET
def file_status(request, pk):
    generated = get_generated_file_for_user(request.user, pk)
    context = {
        "file": generated,
        "label": kind_label(generated.kind, generated.format),
        "finished": _finished(generated),
        "stale": is_stale(generated),
        "outdated": generated.status == JobStatus.DONE
        and generated.data_version != data_version(generated.fund, generated.region, generated.kind),
    }
    return render(request, "reports/file_status.html", context)


@login_required
@require_POST
def file_regenerate(request, pk):
    """重新生成: the same document as a new job (after a failure, a stall or a data change)."""
    generated = get_generated_file_for_user(request.user, pk)
    try:
        fresh = generated_file_regenerate(generated=generated, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("reports:file_status", pk=generated.pk)
    except JobQueueUnavailable as exc:
        return _queue_down(request, exc)
    messages.success(request, "已重新开始生成文件。")
    return redirect("reports:file_status", pk=fresh.pk)


def _queue_down(request, exc):
    context = {"status": 503, "title": "文件生成服务暂时不可用", "reason": str(exc)}
    return render(request, "error.html", context, status=503)


@login_required
@require_GET
def file_progress(request, pk):
    generated = get_generated_file_for_user(request.user, pk)
    return JsonResponse(
        {
            "status": generated.status,
            "status_display": generated.get_status_display(),
            "progress": generated.progress,
            "error": generated.error,
            "finished": _finished(generated),
            "warnings": generated.warnings,
            "has_pdf": bool(generated.pdf),
            "pdf_error": generated.pdf_error,
        }
    )


@login_required
@require_GET
def file_download(request, pk, part="document"):
    """The document, its PDF copy (``part="pdf"``) or the picture of its page 1 (``"preview"``):
    one view, so that all three are served under the one rule of the document itself
    (get_generated_file_for_user: 404 outside the user's region)."""
    generated = get_generated_file_for_user(request.user, pk)
    stored = {"document": generated.file, "pdf": generated.pdf, "preview": generated.preview}[part]
    if generated.status != JobStatus.DONE or not stored:
        raise Http404("文件尚未生成。")
    try:  # through the storage API: the local disk or the object store alike
        stream = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在，请重新生成或联系管理员。") from None
    if part == "preview":
        return FileResponse(stream, content_type="image/png")
    name = title_for(
        region_name=generated.region.name,
        fund_name=generated.fund.full_name,
        year=generated.fund.year,
        kind=generated.kind,
        unit=Words(generated.fund, generated.region).department,
    )
    extension = "pdf" if part == "pdf" else generated.format
    return FileResponse(stream, as_attachment=True, filename=f"{name}.{extension}")


def _finished(generated) -> bool:
    return generated.status in (JobStatus.DONE, JobStatus.FAILED)
