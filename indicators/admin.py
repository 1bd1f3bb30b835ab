from django.contrib import admin

from common.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from indicators.models import (
    IndicatorActual,
    IndicatorTarget,
    Return,
    ReturnFunding,
    ReturnNarrative,
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


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    """Returns change only through the workflow (save, submit, review, reopen with a reason)."""

    list_display = ["fund", "region", "project", "period", "status", "updated_at"]
    list_filter = ["fund", "period", "status", "region__level"]
    search_fields = ["region__name", "region__short_name", "project__name"]
    list_select_related = ["fund", "region", "project"]
    autocomplete_fields = ["region", "project"]
    inlines = [ReturnFundingInline, IndicatorActualInline, ReturnNarrativeInline]
