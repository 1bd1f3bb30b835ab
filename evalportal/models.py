"""Accounts bound to a region and a role, and the append-only audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    CLERK = "clerk", "填报员"
    REVIEWER = "reviewer", "审核员"
    ADMIN = "admin", "管理员"
    VIEWER = "viewer", "查阅"
    # The central department (民政部): no region; reads the central funds across provinces.
    MINISTRY = "ministry", "中央部委"


class User(AbstractUser):
    """A person of one office: sees their region and the regions below it, nothing else."""

    region = models.ForeignKey(
        "transfers.Region",
        verbose_name="所属地区/单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.CLERK)
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(role="ministry") | Q(region__isnull=False),
                name="user_has_region_unless_superuser",
                violation_error_message="除系统超级用户和中央部委账号外，每个账号都必须属于一个地区或单位。",
            ),
            models.CheckConstraint(
                condition=~Q(role="ministry") | Q(region__isnull=True),
                name="ministry_has_no_region",
                violation_error_message="中央部委账号不属于任何地区。",
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_read_only(self) -> bool:
        return self.role in (Role.VIEWER, Role.MINISTRY)


class AuditEventQuerySet(models.QuerySet):
    def record(
        self,
        *,
        actor,
        action: str,
        obj,
        summary: str,
        region=None,
        fund=None,
        comment: str = "",
        changes: dict | None = None,
    ) -> "AuditEvent":
        """Write one event. Every service that changes state calls this in its transaction.

        ``obj`` is the row changed; a model class stands for "this kind of object" (the
        system's import of regions for the whole country).
        """
        return self.create(
            actor=actor,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk) if isinstance(obj, models.Model) else "",
            region=region,
            fund=fund,
            summary=summary[:300],
            comment=comment,
            changes=changes or {},
        )

    def update(self, **kwargs):
        raise PermissionError("审计记录只能追加，不能修改。")

    def delete(self):
        raise PermissionError("审计记录只能追加，不能删除。")


class AuditEvent(models.Model):
    """One state change: who, when, what, old and new values, comment. Never edited."""

    class Action(models.TextChoices):
        CREATE = "create", "创建"
        EDIT = "edit", "修改"
        SUBMIT = "submit", "提交"
        RETURN = "return", "退回"
        APPROVE = "approve", "审核通过"
        REOPEN = "reopen", "重新打开"
        IMPORT = "import", "导入"
        LOAD = "load", "加载数据"
        ACCOUNT = "account", "账号管理"
        EXCEPTION = "exception", "例外审核"
        ATTACH = "attach", "上传佐证材料"
        DETACH = "detach", "删除佐证材料"
        UNLOCK = "unlock", "解除锁定"
        SPOT_CHECK = "spotcheck", "抽查复核"

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.CharField("对象编号", max_length=50, blank=True)
    region = models.ForeignKey(
        "transfers.Region",
        verbose_name="所属地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    fund = models.ForeignKey(
        "transfers.Fund",
        verbose_name="资金",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    summary = models.CharField("摘要", max_length=300, blank=True)
    comment = models.TextField("意见/说明", blank=True)
    changes = models.JSONField(
        "变更内容", default=dict, blank=True, help_text="{字段: [旧值, 新值]} 或其他附加数据。"
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录只能追加，不能删除。")
