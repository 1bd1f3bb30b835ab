from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from evalportal.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "region", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "region__level"]
    search_fields = ["username", "display_name", "region__name", "region__short_name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("地区与角色", {"fields": ["region", "role", "display_name", "phone"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("地区与角色", {"fields": ["region", "role"]}),)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "region", "summary"]
    list_filter = ["action", "object_type", "fund"]
    search_fields = ["summary", "comment", "object_id", "actor__username"]
    list_select_related = ["actor", "region"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
