"""The Django admin as the portal's operators use it: every change audited, nothing clever.

The portal's own pages and imports are the way to change data (they check it and protect what
is under review); the admin is for the operators who keep the system. What they change there
is written into the same audit trail, export is offered for everything, and importing through
the admin is not (the portal's imports check what the admin's cannot).
"""

from django.contrib import admin
from django.forms.models import model_to_dict
from import_export.admin import ExportMixin

from evalportal.models import AuditEvent


class AuditedAdmin(ExportMixin, admin.ModelAdmin):
    """Export only; each save and delete made in the admin writes an audit event."""

    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj)
        changes = {
            str(obj._meta.get_field(name).verbose_name): [str(before.get(name, "")), str(value)]
            for name, value in after.items()
            if before.get(name) != value
        }
        AuditEvent.objects.record(
            actor=request.user,
            action=AuditEvent.Action.EDIT if change else AuditEvent.Action.CREATE,
            obj=obj,
            summary=f"管理后台{'修改' if change else '新增'}：{obj}",
            comment="通过管理后台",
            changes=changes,
        )

    def delete_model(self, request, obj):
        AuditEvent.objects.record(
            actor=request.user,
            action=AuditEvent.Action.EDIT,
            obj=obj,
            summary=f"管理后台删除：{obj}",
            comment="通过管理后台",
            changes={"删除": [str(obj), ""]},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(ExportMixin, admin.ModelAdmin):
    """To look at and export: its changes go through the portal's services (workflow, audit)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline:
    """An inline shown, never edited here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
