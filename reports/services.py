"""Generated-file jobs: request (a row, an audit event, a queued task) and build (the work).

The task in reports/tasks.py is a thin wrapper around `generated_file_build`; the request
queues it with transaction.on_commit so that a worker never looks for a row that is not
committed yet.
"""

import hashlib
import logging
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from evalportal.models import AuditEvent, User
from evalportal.services import audit_record
from indicators.models import (
    IndicatorActual,
    IndicatorTarget,
    Return,
    ReturnFunding,
    ReturnNarrative,
    TargetTable,
)
from reports.builders import KINDS, KindError, build, check_kind
from reports.data import report_data
from reports.models import GeneratedFile, JobStatus
from transfers.models import Allocation, Fund, Notice, Region
from transfers.selectors import funds_for_user, regions_for_user, subtree_q

logger = logging.getLogger(__name__)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def data_version(fund: Fund, region: Region) -> str:
    """A fingerprint of every row a document for (fund, region) is built from.

    It covers the content, not only ids and versions (an actual or a narrative can change
    without its Return being saved), so any edit that could change the document changes it.
    """
    in_scope = subtree_q(region, "region__")
    ancestors = [r for r in (region.parent_id, region.parent.parent_id if region.parent_id else None) if r]
    table_scope = (
        in_scope | subtree_q(region, "project__region__") | Q(region__in=ancestors, project__isnull=True)
    )
    return_scope = Q(report__fund=fund) & subtree_q(region, "report__region__")
    parts = {
        "fund": Fund.objects.filter(pk=fund.pk).values_list(
            "name",
            "direction",
            "batch",
            "year",
            "central_department",
            "finance_department",
            "line_department",
        ),
        "regions": Region.objects.filter(subtree_q(region)).values_list(
            "pk", "name", "short_name", "parent_id", "order", "is_active", "kind"
        ),
        "allocations": fund.allocations.filter(in_scope | subtree_q(region, "project__region__")).values_list(
            "pk",
            "notice_id",
            "from_region_id",
            "region_id",
            "project_id",
            "kind",
            "source",
            "amount",
            "order",
        ),
        "notices": Notice.objects.filter(
            pk__in=Allocation.objects.filter(fund=fund).values("notice_id")
        ).values_list("pk", "issuer", "number", "title", "issued_on", "note"),
        "tables": TargetTable.objects.filter(table_scope, fund=fund).values_list(
            "pk", "region_id", "project_id", "parent_id", "overall_goals", "level_weights"
        ),
        "indicators": IndicatorTarget.objects.filter(
            table__in=TargetTable.objects.filter(table_scope, fund=fund)
        ).values_list(
            "pk",
            "table_id",
            "parent_indicator_id",
            "level1",
            "level2",
            "name",
            "target_text",
            "order",
            "weight",
        ),
        "returns": Return.objects.filter(in_scope, fund=fund).values_list(
            "pk", "project_id", "period", "status", "version", "updated_at", "goal_achievement"
        ),
        "funding": ReturnFunding.objects.filter(return_scope).values_list("pk", "source", "budget", "spent"),
        "actuals": IndicatorActual.objects.filter(return_scope).values_list(
            "pk", "indicator_id", "actual_text", "reason", "measure", "judged_met", "band"
        ),
        "narratives": ReturnNarrative.objects.filter(return_scope).values_list(
            "pk", "aspect", "description", "problems"
        ),
    }
    digest = hashlib.sha256()
    for name, rows in parts.items():
        digest.update(name.encode())
        for row in rows.order_by("pk") if name != "fund" else rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


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
    if (
        not regions_for_user(actor).filter(pk=region.pk).exists()
        or not funds_for_user(actor).filter(pk=fund.pk).exists()
    ):
        raise PermissionDenied("只能为本地区及下级地区生成文件。")
    from reports.tasks import generate_file  # tasks.py imports this module

    with transaction.atomic():
        generated = GeneratedFile(fund=fund, region=region, kind=kind, format=format, requested_by=actor)
        generated.full_clean()
        generated.save()
        audit_record(
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

    The data version is taken before the data is read: should the data change meanwhile,
    the file looks stale rather than current (the safe mistake).
    """
    generated = GeneratedFile.objects.select_related("fund", "region").get(pk=file_id)
    if generated.status == JobStatus.DONE:
        return generated  # a task delivered twice (acks_late) does not build twice
    try:
        _progress(generated, 10)
        version = data_version(generated.fund, generated.region)
        data = report_data(fund=generated.fund, region=generated.region)
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
