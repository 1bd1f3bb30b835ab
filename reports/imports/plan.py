"""An import is two steps. ``dry_run`` reads the file and returns a ``Plan``: what would be
created, updated, deleted or left unchanged, and every error with its sheet, row and column.
Nothing is written. ``apply`` plans again inside ``transaction.atomic`` (the data may have
moved since the preview), refuses when there is any error, and hands the plan to the
importer's ``write``, which calls the services that write and audit (one event for each
changed row, with old and new values, from ``note``); ``apply`` adds one event for the import.
A table too long to hold plans into a ``StreamedPlan``, whose changes are written in chunks
as they are planned, inside the same transaction, so that an error found later still leaves
nothing written.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import transaction

from common import collector
from evalportal.models import AuditEvent, User
from reports.imports.reading import ImportFailed, RowError, Sheet, read_upload
from transfers.models import Region
from transfers.services import AuditNote


class PlanChanged(Exception):
    """The data changed between the preview and the confirmation: show the new preview."""

    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__("预览之后系统中的数据已有变化，请核对新的预览后再确认导入。")


@dataclass(slots=True)
class Change:
    """One row's effect. ``fields`` maps a Chinese field name to [old, new] (as text). Slotted:
    a national table's plan holds 60,000 of them."""

    action: str  # create / update / delete / unchanged
    label: str
    sheet: str = ""
    row: int | None = None
    fields: dict[str, list] = field(default_factory=dict)
    payload: Any = None  # what the importer's write step needs; never shown or stored

    ACTION_LABELS: ClassVar[dict[str, str]] = {
        "create": "新增",
        "update": "修改",
        "delete": "删除",
        "unchanged": "无变化",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS[self.action]

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "label": self.label,
            "sheet": self.sheet,
            "row": self.row,
            "fields": self.fields,
        }


def _digest_of(change: Change) -> bytes:
    """One changed row as the fingerprint reads it: what the preview shows of it (its fields'
    repr is the same text in every process, being strings in the order the importer wrote)."""
    return f"{change.action}\x1f{change.label}\x1f{change.sheet}\x1f{change.row}\x1f{change.fields!r}\x1e".encode()


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in Change.ACTION_LABELS}

    @property
    def changed_count(self) -> int:
        """How many rows applying would write."""
        counts = self.counts
        return sum(n for action, n in counts.items() if action != "unchanged")

    @property
    def has_changes(self) -> bool:
        return self.changed_count > 0

    @property
    def fingerprint(self) -> str:
        """Identifies exactly what applying would do, to notice data that moved meanwhile."""
        digest = hashlib.sha256()
        for change in self.changes:
            if change.action != "unchanged":
                digest.update(_digest_of(change))
        return digest.hexdigest()

    def describe(self) -> str:
        if self.errors:
            return f"发现{len(self.errors)}处错误，未导入任何数据。"
        counts = self.counts
        if not self.has_changes:
            return f"文件与系统中的数据完全一致：{counts['unchanged']}条均无变化，导入不会作任何修改。"
        return (
            f"新增{counts['create']}条，修改{counts['update']}条，删除{counts['delete']}条，"
            f"无变化{counts['unchanged']}条。"
        )

    def summary(self, *, limit: int = 2000) -> dict:
        """JSON for ImportRecord.summary (capped: a 3,000-row table stays a small record)."""
        changed = [c.as_dict() for c in self.changes if c.action != "unchanged"]
        unchanged = [c.as_dict() for c in self.of("unchanged")]
        counts = self.counts
        return {
            "counts": counts,
            "description": self.describe(),
            "fingerprint": self.fingerprint,
            "rows_read": self.rows_read,
            "changes": changed[:limit],
            "unchanged": unchanged[:limit],
            "truncated": self.changed_count > limit or counts["unchanged"] > limit,
            "warnings": [w.as_dict() for w in self.warnings[:limit]],
        }


@dataclass
class StreamedPlan(Plan):
    """The plan of a table too long to hold (a national 附件1: 60,000 lines): each change is
    counted and hashed as it is planned (``add``), and only the first ``KEPT`` changed and
    ``KEPT`` unchanged rows are held, which is all the preview and the record show. When
    applying, ``sink`` receives the changed rows in chunks of ``CHUNK`` as they are planned,
    and writes them; ``apply`` rolls everything back if the plan then turns out wrong."""

    KEPT: ClassVar[int] = 2000
    CHUNK: ClassVar[int] = 10_000

    sink: Any = None  # callable(list[Change]) while applying; None in a preview
    tally: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Change.ACTION_LABELS, 0))
    digest: Any = field(default_factory=hashlib.sha256)
    pending: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        action = change.action
        self.tally[action] += 1
        if action != "unchanged":
            self.digest.update(_digest_of(change))
            if self.sink is not None:
                self.pending.append(change)
                if len(self.pending) >= self.CHUNK:
                    self.flush()
        kept = self.tally["unchanged"] if action == "unchanged" else self.changed_count
        if kept <= self.KEPT:
            self.changes.append(change)

    def flush(self) -> None:
        """Hand what is pending to the sink (the end of a plan, or a chunk full)."""
        if self.pending and not self.errors:
            self.sink(self.pending)
        self.pending = []

    def forget(self) -> None:
        """A plan with errors shows the errors only."""
        self.changes, self.pending = [], []

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.tally)

    @property
    def fingerprint(self) -> str:
        return self.digest.hexdigest()


class Importer(ABC):
    """One kind of import. Subclasses read their layout in ``plan`` and write in ``write``."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    allow_csv: ClassVar[bool] = False

    def __init__(self, *, actor: User | None, scope: Region | None):
        if scope is None and actor is not None:
            raise ValueError("only the system (actor=None) imports without a region scope")
        self.actor = actor
        self.scope = scope
        self.record = None
        self.filename = ""  # the file being imported, for the audit trail
        self.applying = False  # set by ``apply``: a streamed plan writes as it plans

    # What an ImportRecord keeps to run the same import again at confirmation.
    def options(self) -> dict:
        return {}

    @property
    def fund(self):
        return None

    def read(self, content: bytes, filename: str) -> list[Sheet]:
        """The upload as sheets; an importer of another kind of input (pasted text) reads its own."""
        return read_upload(content, filename, allow_csv=self.allow_csv)

    def preview(self) -> dict:
        """What the preview page shows beyond the changes (after ``plan``); kept in the record."""
        return {}

    @abstractmethod
    def plan(self, sheets: list[Sheet]) -> Plan:
        """Read the sheets and say what would change, with every error; writes nothing."""

    @abstractmethod
    def write(self, plan: Plan) -> None:
        """Apply a plan without errors (called inside the import's transaction)."""

    def audit_object(self):
        return self.record or self.fund or self.scope

    def note(self, change: Change) -> AuditNote:
        """What the audit event of one written row says: the preview's line, the file and row."""
        where = f"第{change.row}行" if change.row else ""
        name = self.record.original_name if self.record else self.filename
        who = "" if self.actor is not None else "系统"
        return AuditNote(
            summary=f"导入{change.action_label}：{change.label}"[:300],
            comment=f"{who}导入“{name}”{where}",
            changes=change.fields,
        )


def dry_run(importer: Importer, *, content: bytes, filename: str) -> Plan:
    """What the file would change, and every error in it. Writes nothing."""
    importer.filename = filename
    try:
        with collector.paused():
            sheets = importer.read(content, filename)
            plan = importer.plan(sheets)
    except ImportFailed as exc:
        return Plan(errors=exc.errors)
    # Errors in file order, so the person can work down the sheet.
    plan.errors.sort(key=lambda e: (e.sheet, e.row or 0, e.column))
    return plan


def apply(importer: Importer, *, content: bytes, filename: str, expected: str | None = None) -> Plan:
    """Plan again and write, all or nothing. ``expected`` is the previewed plan's fingerprint."""
    with transaction.atomic(), collector.paused():
        importer.applying = True
        plan = dry_run(importer, content=content, filename=filename)
        if plan.errors:
            raise ImportFailed(plan.errors)
        if expected is not None and plan.fingerprint != expected:
            raise PlanChanged(plan)
        if plan.has_changes:
            importer.write(plan)
        AuditEvent.objects.record(
            actor=importer.actor,
            action=AuditEvent.Action.IMPORT,
            obj=importer.audit_object(),
            summary=f"导入{importer.title}“{filename}”：{plan.describe()}",
            region=importer.scope,
            fund=importer.fund,
            changes={"file": filename, "counts": plan.counts, "options": importer.options()},
        )
    return plan
