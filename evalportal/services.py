"""Writing the audit trail. Every service that changes state calls audit_record in its transaction."""

from typing import Any

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
        object_id=str(obj.pk),
        region=region,
        fund=fund,
        summary=summary[:300],
        comment=comment,
        changes=changes or {},
    )
