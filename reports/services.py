"""Generated-file jobs: request (a row, an audit event, a queued task) and build (the work);
and the office's own texts of its report (``report_text_save``).

The task in reports/tasks.py is a thin wrapper around `generated_file_build`; the request
queues it with transaction.on_commit so that a worker never looks for a row that is not
committed yet.

Jobs survive crashes. Each queued message carries the job's attempt number; a build runs only
for the current attempt and only while the job is unfinished, so a message delivered twice
(late acknowledgement, a redelivery after the visibility timeout) builds nothing twice. A job
whose row has not moved for REPORT_JOB_STALE_AFTER seconds (its worker died, or the demo's
process was stopped) is queued again by `generated_files_sweep` (Celery beat, every minute)
up to REPORT_JOB_MAX_ATTEMPTS times, then failed with a message that says why. With the broker
down the request fails at once: the job is recorded as failed and `JobQueueUnavailable` tells
the view, which shows a Chinese error page.
"""

import dataclasses
import hashlib
import json
import logging
import re
from datetime import timedelta
from decimal import Decimal

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from common.replica import reading_from_replica
from common.text import clean_text
from evalportal.models import AuditEvent, User
from indicators.permissions import may_edit_report_texts, may_generate_file
from indicators.rules import format_number
from reports.builders import KINDS, MONITORING_KINDS, KindError, build, check_kind
from reports.data import ReportData, report_data
from reports.data.monitoring import MonitoringData, monitoring_data
from reports.data.sections import TEXT_FIELDS
from reports.models import GeneratedFile, JobStatus, ReportText
from reports.pdf import ConversionError, docx_to_pdf, first_page_png
from transfers.models import Fund, Region
from transfers.selectors import province_of, region_budget

logger = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def data_version(fund: Fund, region: Region, kind: str = "a") -> str:
    """The fingerprint of what a document of ``kind`` for (fund, region) prints: the same read,
    hashed.

    Every document is built from its read alone (``document_data``), so hashing it covers
    exactly what a document can show — a region's name, a notice, a target, a narrative, a
    figure — and nothing else (an audit event, a save that changed nothing, another region's data).
    """
    return fingerprint(document_data(fund=fund, region=region, kind=kind))


def document_data(*, fund: Fund, region: Region, kind: str) -> ReportData | MonitoringData:
    """What a document of ``kind`` is built from: documents A–G from ``report_data`` (the
    year-end returns), the monitoring kinds from ``monitoring_data`` (the mid-year returns; the
    short report with every return of the subtree)."""
    if kind in MONITORING_KINDS:
        return monitoring_data(fund=fund, region=region, subtree=kind == "monitor_report")
    return report_data(fund=fund, region=region)


def version_key(kind: str) -> str:
    """Files whose kinds read the same data share one fingerprint (documents A–G all read
    ``report_data``): a list page computes one per region and key."""
    return kind if kind in MONITORING_KINDS else "report"


def fingerprint(data: ReportData) -> str:
    blob = json.dumps(dataclasses.asdict(data), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class JobQueueUnavailable(Exception):
    """The task queue (the broker) cannot be reached: the job was recorded as failed."""


QUEUE_DOWN = "任务队列暂时无法连接，文件没有开始生成。请稍后点击“重新生成”；如果问题持续，请联系系统管理员。"


def _queue(generated: GeneratedFile, attempt: int) -> None:
    """Send the job to the workers (in-process with the demo's defaults)."""
    from reports.tasks import generate_file  # tasks.py imports this module

    try:
        generate_file.apply_async(args=[generated.pk], kwargs={"attempt": attempt})
    except (BrokerError, ConnectionError, OSError):
        logger.exception("生成文件 %s 无法排队", generated.pk)
        GeneratedFile.objects.filter(pk=generated.pk, attempts=attempt).update(
            status=JobStatus.FAILED, error=f"生成失败：{QUEUE_DOWN}", finished_at=timezone.now()
        )
        generated.queue_failed = True


def generated_file_request(
    *, fund: Fund, region: Region, kind: str, format: str, actor: User
) -> GeneratedFile:
    """Record a request for a document and queue the task that builds it.

    Read-only users may ask for documents too: a document changes no data, it prints what
    they may already read; the audit trail says who asked for what. Raises
    JobQueueUnavailable when the job cannot be queued (it is then recorded as failed).
    """
    try:
        check_kind(kind, format)
    except KindError as exc:
        raise ValidationError(str(exc)) from None
    if reason := may_generate_file(actor, fund, region):
        raise PermissionDenied(reason)
    with transaction.atomic():
        generated = GeneratedFile(
            fund=fund,
            region=region,
            kind=kind,
            format=format,
            requested_by=actor,
            attempts=1,
            heartbeat_at=timezone.now(),
        )
        generated.full_clean()
        generated.save()
        AuditEvent.objects.record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=generated,
            summary=f"生成文件：{region.name} {KINDS[kind].label}（{format.upper()}）",
            region=region,
            fund=fund,
            changes={"kind": kind, "format": format},
        )
        transaction.on_commit(lambda: _queue(generated, 1))
    if getattr(generated, "queue_failed", False):
        raise JobQueueUnavailable(QUEUE_DOWN)
    return generated


def generated_file_regenerate(*, generated: GeneratedFile, actor: User) -> GeneratedFile:
    """The same document again (after a failure, or from newer data): a new job."""
    return generated_file_request(
        fund=generated.fund,
        region=generated.region,
        kind=generated.kind,
        format=generated.format,
        actor=actor,
    )


UNFINISHED = (JobStatus.PENDING, JobStatus.RUNNING)


def _stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.REPORT_JOB_STALE_AFTER)


def is_stale(generated: GeneratedFile, now=None) -> bool:
    """An unfinished job that has not moved for REPORT_JOB_STALE_AFTER seconds."""
    last = generated.heartbeat_at or generated.created_at
    return generated.status in UNFINISHED and last < _stale_before(now)


def generated_files_sweep(*, now=None) -> tuple[int, int]:
    """Queue again, or fail, the jobs that stopped moving. Returns (retried, failed)."""
    now = now or timezone.now()
    retried = failed = 0
    stale = (
        GeneratedFile.objects.annotate(last=Coalesce("heartbeat_at", "created_at"))
        .filter(status__in=UNFINISHED, last__lt=_stale_before(now))
        .values_list("pk", flat=True)
    )
    minutes = max(1, settings.REPORT_JOB_STALE_AFTER // 60)
    for pk in list(stale):
        with transaction.atomic():
            job = (
                GeneratedFile.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status__in=UNFINISHED)
                .first()
            )
            if job is None or not is_stale(job, now):
                continue  # finished or moved meanwhile, or another sweeper has it
            if job.attempts < settings.REPORT_JOB_MAX_ATTEMPTS:
                job.attempts += 1
                job.status, job.progress, job.error, job.heartbeat_at = JobStatus.PENDING, 0, "", now
                job.save(update_fields=["attempts", "status", "progress", "error", "heartbeat_at"])
                logger.warning("生成文件 %s 已%d分钟没有进展，第%d次排队", pk, minutes, job.attempts)
                transaction.on_commit(lambda job=job: _queue(job, job.attempts))
                retried += 1
            else:
                job.status, job.finished_at = JobStatus.FAILED, now
                job.error = (
                    f"生成失败：任务超过{minutes}分钟没有进展（处理进程可能已中断），"
                    f"已自动重试{job.attempts - 1}次仍未完成。请点击“重新生成”；如果仍然失败，请联系系统管理员。"
                )
                job.save(update_fields=["status", "finished_at", "error"])
                logger.error("生成文件 %s 多次中断，已标记为失败", pk)
                failed += 1
    return retried, failed


def _progress(generated: GeneratedFile, progress: int, status: str = JobStatus.RUNNING) -> None:
    # update() outside any transaction: the status page polls these columns while we work.
    GeneratedFile.objects.filter(pk=generated.pk).update(
        status=status, progress=progress, heartbeat_at=timezone.now()
    )


def generated_file_build(*, file_id: int, attempt: int | None = None) -> GeneratedFile | None:
    """Build the document of a requested file and keep it through the storage API.

    Runs only while the job is unfinished and ``attempt`` is its current attempt (None: any),
    so a message delivered twice, or one the sweeper has replaced, builds nothing. The data
    version is the fingerprint of the very read the document is built from, so a file is
    current exactly when a new build would print the same.
    """
    claim = GeneratedFile.objects.filter(pk=file_id, status__in=UNFINISHED)
    if attempt is not None:
        claim = claim.filter(attempts=attempt)
    if not claim.update(status=JobStatus.RUNNING, heartbeat_at=timezone.now()):
        return None  # done, failed, or superseded by a later attempt
    generated = GeneratedFile.objects.select_related("fund", "region").get(pk=file_id)
    try:
        _progress(generated, 10)
        with reading_from_replica():  # the job's one read of the data: the replica may serve it
            data = document_data(fund=generated.fund, region=generated.region, kind=generated.kind)
        version = fingerprint(data)  # of the very read the document is built from
        _progress(generated, 40)
        content = build(data, kind=generated.kind, format=generated.format)
        _progress(generated, 80)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
        stem = f"{generated.fund.code}-{generated.region.code}-{generated.kind}-{stamp}"
        generated.file.save(f"{stem}.{generated.format}", ContentFile(content), save=False)
        if generated.format == "docx":
            _pdf_copy(generated, content, stem)
        generated.status, generated.progress, generated.error = JobStatus.DONE, 100, ""
        generated.data_version = version
        generated.warnings = data.warnings
    except SoftTimeLimitExceeded:
        logger.error("生成文件 %s 超时", file_id)
        minutes = max(1, settings.REPORT_JOB_TIME_LIMIT // 60)
        generated.status = JobStatus.FAILED
        generated.error = f"生成失败：超过{minutes}分钟仍未完成，已停止。请稍后重新生成，或联系管理员。"
    except Exception as exc:  # the job records every failure; the page shows it
        logger.exception("生成文件 %s 失败", file_id)
        message = str(exc) if _CJK.search(str(exc)) else f"内部错误（{type(exc).__name__}），请联系管理员。"
        generated.status, generated.error = JobStatus.FAILED, f"生成失败：{message}"
    generated.finished_at = generated.heartbeat_at = timezone.now()
    generated.save(
        update_fields=[
            "file",
            "pdf",
            "preview",
            "pdf_error",
            "status",
            "progress",
            "error",
            "data_version",
            "warnings",
            "finished_at",
            "heartbeat_at",
        ]
    )
    return generated


def _pdf_copy(generated: GeneratedFile, content: bytes, stem: str) -> None:
    """The PDF of the DOCX and the PNG of its page 1, kept beside it. Without LibreOffice, or
    when it fails, the DOCX is still delivered and ``pdf_error`` says why there is no PDF."""
    converter = settings.REPORT_PDF_CONVERTER
    if not converter:
        return
    _progress(generated, 85)
    try:
        pdf = docx_to_pdf(content, converter=converter, timeout=settings.REPORT_PDF_TIMEOUT)
        generated.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        _progress(generated, 95)
        generated.preview.save(f"{stem}-1.png", ContentFile(first_page_png(pdf)), save=False)
        generated.pdf_error = ""
    except ConversionError as exc:
        logger.warning("生成文件 %s 未生成PDF：%s", generated.pk, exc)
        generated.pdf_error = f"{exc} DOCX 文件已生成，可正常下载。"


# --- the office's own texts of its report -----------------------------------------------------


class StaleReportText(ValidationError):
    """The texts were saved by someone else after the person opened them."""


@transaction.atomic
def report_text_save(
    *,
    actor: User | None,
    fund: Fund,
    region: Region,
    values: dict,
    base_version: int | None = None,
    comment: str = "",
) -> tuple[ReportText, dict]:
    """Save what ``region``'s office writes for its report of ``fund`` (reports.models.ReportText);
    (row, changes). ``values`` holds the texts and ``arrived`` (万元, Decimal or None); a blank
    text means the default. ``base_version`` is the version the person opened (0 for none yet):
    a save over someone else's newer one is refused, nothing changed. ``actor`` None is the
    system (the demo loader); a person must be allowed by ``may_edit_report_texts``. Changes are
    audited with old and new values; a save that changes nothing writes nothing."""
    if actor is not None and (reason := may_edit_report_texts(actor, fund, region)):
        raise PermissionDenied(reason)
    if province_of(region).pk != fund.region_id:
        raise ValidationError(f"{region.name}不属于接收该资金的{fund.region.name}。")
    unknown = set(values) - {*TEXT_FIELDS, "arrived"}
    if unknown:
        raise ValueError(f"报告文字没有这些栏目：{'、'.join(sorted(unknown))}")
    wanted = {name: clean_text(values[name] or "").strip() for name in TEXT_FIELDS if name in values}
    if "arrived" in values:
        wanted["arrived"] = values["arrived"]
        if values["arrived"] is not None:
            budget = region_budget(fund, region)["total"]
            if values["arrived"] > budget:
                raise ValidationError(
                    {"arrived": f"资金到位数不能大于下达{region.name}的预算资金{format_number(budget)}万元。"}
                )
    row = ReportText.objects.select_for_update().filter(fund=fund, region=region).first()
    created = row is None
    current_version = 0 if created else row.version
    if base_version is not None and base_version != current_version:
        raise StaleReportText(
            "报告文字已被他人修改并保存，您看到的不是最新内容。请复制您的修改，刷新页面后再保存。"
        )
    if created:
        row = ReportText(fund=fund, region=region)
    changes = {}
    for name, value in wanted.items():
        old = getattr(row, name)
        if old != value and not (old in (None, "") and value in (None, "")):
            label = str(ReportText._meta.get_field(name).verbose_name)
            changes[label] = [_shown(old), _shown(value)]
            setattr(row, name, value)
    if not changes:
        return row, {}
    row.updated_by = actor
    if not created:
        row.version += 1
    row.full_clean()
    row.save()
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.EDIT,
        obj=row,
        summary=f"{'填写' if created else '修改'}报告文字：{region.name} {fund.code}",
        region=region,
        fund=fund,
        comment=comment,
        changes=changes,
    )
    return row, changes


def _shown(value) -> str | None:
    if value is None or value == "":
        return None
    return format_number(value) if isinstance(value, Decimal) else str(value)
