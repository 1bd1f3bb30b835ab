"""Writing the audit trail. Every service that changes state calls audit_record in its transaction."""

from typing import Any

from django.db import models

from evalportal.models import AuditEvent, User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Any,
    summary: str,
    region=None,
    fund=None,
    comment: str = "",
    changes: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        # A model class stands for "this kind of object" (an import of regions by the system).
        object_id=str(obj.pk) if isinstance(obj, models.Model) else "",
        region=region,
        fund=fund,
        summary=summary[:300],
        comment=comment,
        changes=changes or {},
    )
