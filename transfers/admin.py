from django.contrib import admin

from common.admin import AuditedAdmin
from transfers.models import Allocation, CentralFund, Fund, Notice, Project, Region, RegionAlias
from transfers.resources import (
    AllocationResource,
    FundResource,
    NoticeResource,
    ProjectResource,
    RegionResource,
)


class RegionAliasInline(admin.TabularInline):
    model = RegionAlias
    extra = 0


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    resource_classes = [RegionResource]
    list_display = ["code", "name", "short_name", "level", "kind", "parent", "is_active"]
    list_filter = ["level", "kind", "is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "short_name", "aliases__name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    inlines = [RegionAliasInline]


@admin.register(CentralFund)
class CentralFundAdmin(AuditedAdmin):
    """The central funds, recorded by the deployment's administrator: each province then points
    its own fund at one (资金设置), and 民政部's accounts read them across provinces."""

    list_display = ["code", "name", "year", "department"]
    list_filter = ["year"]
    search_fields = ["code", "name"]


@admin.register(Fund)
class FundAdmin(AuditedAdmin):
    resource_classes = [FundResource]
    list_display = ["code", "name", "direction", "year", "region", "central_department"]
    list_filter = ["year", "region"]
    search_fields = ["code", "name", "direction"]


@admin.register(Notice)
class NoticeAdmin(AuditedAdmin):
    resource_classes = [NoticeResource]
    list_display = ["number", "title", "issuer", "issued_on", "province"]
    list_filter = ["province"]
    search_fields = ["number", "title", "issuer"]
    date_hierarchy = "issued_on"


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    resource_classes = [ProjectResource]
    list_display = ["name", "fund", "region"]
    list_filter = ["fund"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]


@admin.register(Allocation)
class AllocationAdmin(AuditedAdmin):
    resource_classes = [AllocationResource]
    list_display = ["fund", "recipient", "from_region", "kind", "source", "amount", "notice"]
    list_filter = ["fund", "kind", "source", "notice"]
    search_fields = ["region__name", "region__short_name", "project__name", "notice__number"]
    list_select_related = ["fund", "region", "project", "from_region", "notice"]
    autocomplete_fields = ["region", "from_region", "project"]
