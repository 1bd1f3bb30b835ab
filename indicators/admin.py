from django.contrib import admin

from common.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from indicators.models import (
    ApprovalException,
    Attachment,
    DeadlineUnlock,
    IndicatorActual,
    IndicatorTarget,
    Notification,
    Return,
    ReturnFunding,
    ReturnNarrative,
    SpotCheck,
    SpotCheckDraw,
    TargetTable,
)
from indicators.resources import IndicatorTargetResource


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fk_name = "table"
    extra = 0
    fields = [
        "order",
        "level1",
        "level2",
        "name",
        "target_text",
        "weight",
        "rollup_rule",
        "plausible_min",
        "plausible_max",
    ]


@admin.register(TargetTable)
class TargetTableAdmin(AuditedAdmin):
    list_display = ["fund", "region", "project", "parent"]
    list_filter = ["fund", "region__level"]
    search_fields = ["region__name", "region__short_name", "project__name"]
    list_select_related = ["fund", "region", "project", "parent__region"]
    autocomplete_fields = ["region", "project"]
    raw_id_fields = ["parent"]
    inlines = [IndicatorTargetInline]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(AuditedAdmin):
    resource_classes = [IndicatorTargetResource]
    list_display = ["name", "target_text", "plausible_min", "plausible_max", "level1", "level2", "table"]
    list_filter = ["level1", "level2", "table__fund"]
    search_fields = ["name", "target_text"]
    list_select_related = ["table__fund", "table__region", "table__project"]
    raw_id_fields = ["table", "parent_indicator"]


class ReturnFundingInline(ReadOnlyInline, admin.TabularInline):
    model = ReturnFunding


class IndicatorActualInline(ReadOnlyInline, admin.TabularInline):
    model = IndicatorActual
    raw_id_fields = ["indicator"]
    fields = ["indicator", "actual_text", "reason", "measure", "judged_met", "band", "denominator"]


class ReturnNarrativeInline(ReadOnlyInline, admin.StackedInline):
    model = ReturnNarrative


class ApprovalExceptionInline(ReadOnlyInline, admin.TabularInline):
    """Recorded and withdrawn on the return's page only (each audited), never here."""

    model = ApprovalException
    fk_name = "ret"
    fields = ["region", "project", "reason", "author", "created_at"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline, admin.TabularInline):
    """Files are added and removed on the return's page (checked, audited); here support sees
    what is attached, the checksum included."""

    model = Attachment
    fields = ["original_name", "actual", "size", "content_type", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class DeadlineUnlockInline(ReadOnlyInline, admin.TabularInline):
    model = DeadlineUnlock
    fields = ["reason", "until", "author", "created_at"]
    readonly_fields = fields


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    """Returns change only through the workflow (save, submit, review, reopen with a reason)."""

    list_display = ["fund", "region", "project", "period", "status", "updated_at"]
    list_filter = ["fund", "period", "status", "region__level"]
    search_fields = ["region__name", "region__short_name", "project__name"]
    list_select_related = ["fund", "region", "project"]
    autocomplete_fields = ["region", "project"]
    inlines = [
        ReturnFundingInline,
        IndicatorActualInline,
        ReturnNarrativeInline,
        ApprovalExceptionInline,
        DeadlineUnlockInline,
        AttachmentInline,
    ]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Support can see whether, when and what a person was told; only the person marks it read."""

    list_display = ["created_at", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind", "read_at"]
    search_fields = ["recipient__username", "recipient__display_name", "subject"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "ret"]


class SpotCheckInline(ReadOnlyInline, admin.TabularInline):
    model = SpotCheck
    raw_id_fields = ["ret"]
    fields = ["ret", "assignee", "finding", "finding_text", "recorded_by", "recorded_at"]


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(ReadOnlyAdmin):
    """Draws and findings change only on the fund's 抽查复核 page: a draw is evidence for an
    auditor, and 需整改 reopens a return through the workflow."""

    list_display = ["fund", "period", "drawn_at", "drawn_by", "seed", "share"]
    list_filter = ["fund", "period"]
    list_select_related = ["fund", "drawn_by"]
    inlines = [SpotCheckInline]
