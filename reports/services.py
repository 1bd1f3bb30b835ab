"""Generated-file jobs: request (a row, an audit event, a queued task) and build (the work).

The task in reports/tasks.py is a thin wrapper around `generated_file_build`; the request
queues it with transaction.on_commit so that a worker never looks for a row that is not
committed yet.
"""

import dataclasses
import hashlib
import json
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from evalportal.models import AuditEvent, User
from indicators.permissions import may_generate_file
from reports.builders import KINDS, KindError, build, check_kind
from reports.data import ReportData, report_data
from reports.models import GeneratedFile, JobStatus
from transfers.models import Fund, Region

logger = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def data_version(fund: Fund, region: Region) -> str:
    """The fingerprint of what a document for (fund, region) prints: the same read, hashed.

    Every document is built from ``report_data`` alone, so hashing it covers exactly what a
    document can show — a region's name, a notice, a target, a narrative, a figure — and
    nothing else (an audit event, a save that changed nothing, another region's data).
    """
    return fingerprint(report_data(fund=fund, region=region))


def fingerprint(data: ReportData) -> str:
    blob = json.dumps(dataclasses.asdict(data), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def generated_file_request(
    *, fund: Fund, region: Region, kind: str, format: str, actor: User
) -> GeneratedFile:
    """Record a request for a document and queue the task that builds it.

    Read-only users may ask for documents too: a document changes no data, it prints what
    they may already read; the audit trail says who asked for what.
    """
    try:
        check_kind(kind, format)
    except KindError as exc:
        raise ValidationError(str(exc)) from None
    if reason := may_generate_file(actor, fund, region):
        raise PermissionDenied(reason)
    from reports.tasks import generate_file  # tasks.py imports this module

    with transaction.atomic():
        generated = GeneratedFile(fund=fund, region=region, kind=kind, format=format, requested_by=actor)
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
        transaction.on_commit(lambda: generate_file.delay(generated.pk))
    return generated


def _progress(generated: GeneratedFile, progress: int, status: str = JobStatus.RUNNING) -> None:
    # update() outside any transaction: the status page polls these columns while we work.
    GeneratedFile.objects.filter(pk=generated.pk).update(status=status, progress=progress)


def generated_file_build(*, file_id: int) -> GeneratedFile:
    """Build the document of a requested file and keep it through the storage API.

    The data version is the fingerprint of the very read the document is built from, so a
    file is current exactly when a new build would print the same.
    """
    generated = GeneratedFile.objects.select_related("fund", "region").get(pk=file_id)
    if generated.status == JobStatus.DONE:
        return generated  # a task delivered twice (acks_late) does not build twice
    try:
        _progress(generated, 10)
        data = report_data(fund=generated.fund, region=generated.region)
        version = fingerprint(data)  # of the very read the document is built from
        _progress(generated, 40)
        content = build(data, kind=generated.kind, format=generated.format)
        _progress(generated, 80)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
        name = f"{generated.fund.code}-{generated.region.code}-{generated.kind}-{stamp}.{generated.format}"
        generated.file.save(name, ContentFile(content), save=False)
        generated.status, generated.progress, generated.error = JobStatus.DONE, 100, ""
        generated.data_version = version
    except Exception as exc:  # the job records every failure; the page shows it
        logger.exception("生成文件 %s 失败", file_id)
        message = str(exc) if _CJK.search(str(exc)) else f"内部错误（{type(exc).__name__}），请联系管理员。"
        generated.status, generated.error = JobStatus.FAILED, f"生成失败：{message}"
    generated.finished_at = timezone.now()
    generated.save(update_fields=["file", "status", "progress", "error", "data_version", "finished_at"])
    return generated
