"""The life of an upload: preview (an ImportRecord with the plan and the file), then apply.

The record keeps the uploaded file, what the preview showed (counts, changes, a fingerprint
of them) and the options the import ran with, so that confirming runs the very same import
on the very same file — and refuses if the data moved in between (the person then sees the
new preview). Imports run in the request: a 3,000-row table takes a few seconds (bench/).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from evalportal.models import User
from indicators.models import Return
from indicators.permissions import (
    may_import,
    may_import_allocations,
    may_import_fund,
    may_import_regions,
    may_import_targets,
    may_open_target_import,
)
from reports.imports.allocations import AllocationImporter
from reports.imports.base import Importer, ImportFailed, Plan, PlanChanged, RowError, apply, dry_run
from reports.imports.fund import FundImporter
from reports.imports.regions import RegionImporter
from reports.imports.returns import ReturnImporter
from reports.imports.targets import TargetImporter
from reports.imports.targets_pasted import PastedTargetImporter
from reports.models import ImportRecord, JobStatus
from transfers.models import MoneySource, Notice, Region

KIND_TITLES = {
    RegionImporter.kind: RegionImporter.title,
    AllocationImporter.kind: AllocationImporter.title,
    TargetImporter.kind: TargetImporter.title,
    PastedTargetImporter.kind: PastedTargetImporter.title,
    ReturnImporter.kind: ReturnImporter.title,
    FundImporter.kind: FundImporter.title,
}


def importer_for_record(record: ImportRecord, actor: User) -> Importer:
    """Rebuild the importer a record was previewed with."""
    options = record.summary.get("options", {})
    scope = record.region
    if record.kind == RegionImporter.kind:
        return RegionImporter(actor=actor, scope=scope)
    if record.kind == AllocationImporter.kind:
        return AllocationImporter(
            actor=actor,
            scope=scope,
            fund=record.fund,
            batch_notice=Notice.objects.filter(pk=options.get("batch_notice")).first(),
            advance_notice=Notice.objects.filter(pk=options.get("advance_notice")).first(),
            source=options.get("source", MoneySource.CENTRAL),
        )
    if record.kind in (TargetImporter.kind, PastedTargetImporter.kind):
        region = Region.objects.get(code=options["region"])
        central = bool(options.get("central"))
        if record.kind == PastedTargetImporter.kind:
            return PastedTargetImporter(
                actor=actor, scope=scope, fund=record.fund, region=region, central=central
            )
        project = record.fund.projects.get(pk=options["project"]) if options.get("project") else None
        return TargetImporter(
            actor=actor, scope=scope, fund=record.fund, region=region, project=project, central=central
        )
    if record.kind == ReturnImporter.kind:
        ret = Return.objects.select_related("fund", "region").get(pk=options["report"])
        return ReturnImporter(actor=actor, scope=scope, ret=ret)
    if record.kind == FundImporter.kind:
        return FundImporter(actor=actor, scope=scope)
    raise ValueError(f"unknown import kind {record.kind}")


# A file with an error in every one of its 50,000 rows keeps (and shows) the first of them only.
LISTED_ERRORS = 2000


def import_preview(
    *, importer: Importer, content: bytes, filename: str, actor: User
) -> tuple[ImportRecord, Plan]:
    """Dry-run the file and keep it with its preview; nothing else is written."""
    plan = dry_run(importer, content=content, filename=filename)
    record = ImportRecord(
        kind=importer.kind,
        fund=importer.fund,
        region=importer.scope,
        original_name=filename[:255],
        status=JobStatus.FAILED if plan.errors else JobStatus.PENDING,
        summary=plan.summary()
        | importer.preview()
        | {"options": importer.options(), "error_count": len(plan.errors)},
        errors=[e.as_dict() for e in plan.errors[:LISTED_ERRORS]],
        created_by=actor,
    )
    record.file.save(_storage_name(filename), ContentFile(content), save=False)
    record.save()
    return record, plan


def import_apply(*, record: ImportRecord, actor: User) -> Plan:
    """Apply a previewed upload: all rows or none, one audit event for it and one per change."""
    failure: Exception | None = None
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().get(pk=record.pk)
        if record.created_by_id != actor.pk:
            raise PermissionDenied("只能由上传文件的人确认导入。")
        if record.applied:
            raise ImportFailed([RowError("该文件已经导入过了。")])
        if record.errors:
            raise ImportFailed([RowError("该文件有错误，不能导入；请改正后重新上传。")])
        importer = importer_for_record(record, actor)
        importer.record = record
        with record.file.open("rb") as handle:
            content = handle.read()
        expected = record.summary.get("fingerprint")
        try:
            # A savepoint: a failed apply undoes its own writes, the record keeps its new state.
            with transaction.atomic():
                plan = apply(importer, content=content, filename=record.original_name, expected=expected)
        except PlanChanged as exc:
            failure = exc
            record.summary = exc.plan.summary() | importer.preview() | {"options": importer.options()}
            record.save(update_fields=["summary"])
        except ImportFailed as exc:
            failure = exc
            record.status = JobStatus.FAILED
            record.errors = [e.as_dict() for e in exc.errors[:LISTED_ERRORS]]
            record.summary = record.summary | {"error_count": len(exc.errors)}
            record.save(update_fields=["status", "errors", "summary"])
        else:
            record.summary = plan.summary() | importer.preview() | {"options": importer.options()}
            record.status = JobStatus.DONE
            record.applied = True
            record.applied_at = timezone.now()
            record.fund = record.fund or importer.fund  # a fund the import itself created
            record.save(update_fields=["summary", "status", "applied", "applied_at", "fund"])
    if failure is not None:
        raise failure
    return plan


def permission_error(kind: str, user: User, **context) -> str | None:
    """Why ``user`` may not run this kind of import (None: they may), by indicators.permissions."""
    if kind == RegionImporter.kind:
        return may_import_regions(user)
    if kind == AllocationImporter.kind:
        return may_import_allocations(user)
    if kind == FundImporter.kind:
        return may_import_fund(user)
    if kind in (TargetImporter.kind, PastedTargetImporter.kind):
        if "region" in context:
            return may_import_targets(user, context["region"])
        return may_open_target_import(user)
    return may_import(user)


def _storage_name(filename: str) -> str:
    """Keep the extension, drop anything a file system could trip on."""
    stem, dot, ext = filename.rpartition(".")
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", stem or ext)[:80] or "upload"
    ext = re.sub(r"[^a-zA-Z0-9]", "", ext)[:5] if dot else "bin"
    return f"{stem}.{ext or 'bin'}"
