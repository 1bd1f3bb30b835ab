"""What the import_* management commands share: options, running, printing, exit status.

``--user USERNAME`` runs the import as that person, with their region and permissions, and
keeps the file and its preview as an ImportRecord like the web page does. Without it the
import runs as the system for the whole fund (or province): the audit events have no actor
and no ImportRecord is kept (the record needs a person). Any error: the errors are printed
with sheet, row and column, nothing is written, and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evalportal.models import User
from reports.imports.base import (
    Importer,
    ImportFailed,
    Plan,
    PlanChanged,
    apply,
    describe_size,
    dry_run,
    max_bytes,
)
from reports.imports.services import import_apply, import_preview, permission_error
from transfers.models import Fund

SHOWN_CHANGES = 50


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx（或 .csv）文件")
        parser.add_argument("--dry-run", action="store_true", help="只预览，不修改任何数据")
        parser.add_argument("--user", help="以该账号的身份和权限范围导入（并保留导入记录）")

    def importer(self, options, actor: User | None) -> Importer:
        """The importer for this command's kind, built from its options."""
        raise CommandError(f"{type(self).__name__} 未指定导入类型。")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}。")
        if path.stat().st_size > max_bytes():
            raise CommandError(
                f"文件大小为{describe_size(path.stat().st_size)}，超过上限{describe_size(max_bytes())}。"
            )
        actor = self._actor(options.get("user"))
        importer = self.importer(options, actor)
        if actor is not None and (reason := permission_error(self.kind, actor, **self.context(importer))):
            raise CommandError(reason)
        content = path.read_bytes()
        if options["dry_run"]:
            plan = dry_run(importer, content=content, filename=path.name)
        else:
            plan = self._apply(importer, content, path.name, actor)
        self._print(plan, dry=options["dry_run"])
        if plan.errors:
            raise CommandError(f"发现{len(plan.errors)}处错误，未导入任何数据。")

    def context(self, importer: Importer) -> dict:
        return {}

    @staticmethod
    def _actor(username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).select_related("region").first()
        if user is None:
            raise CommandError(f"找不到有效账号“{username}”。")
        if user.region_id is None:
            raise CommandError(f"账号“{username}”没有绑定地区，不能导入。")
        return user

    @staticmethod
    def _apply(importer: Importer, content: bytes, filename: str, actor: User | None) -> Plan:
        try:
            if actor is None:
                return apply(importer, content=content, filename=filename)
            record, plan = import_preview(importer=importer, content=content, filename=filename, actor=actor)
            if plan.errors:
                return plan
            return import_apply(record=record, actor=actor)
        except (ImportFailed, PlanChanged) as exc:
            errors = exc.errors if isinstance(exc, ImportFailed) else exc.plan.errors
            return Plan(errors=errors or [])

    def _print(self, plan: Plan, *, dry: bool) -> None:
        for error in plan.errors:
            self.stderr.write(str(error))
        if plan.errors:
            return
        for warning in plan.warnings:
            self.stdout.write(f"提示：{warning}")
        changed = [c for c in plan.changes if c.action != "unchanged"]
        for change in changed[:SHOWN_CHANGES]:
            where = f"第{change.row}行 " if change.row else ""
            fields = "；".join(
                f"{k}：{v[0] or '（空）'} → {v[1] or '（空）'}" for k, v in change.fields.items()
            )
            self.stdout.write(f"{change.action_label} {where}{change.label}  {fields}")
        if plan.changed_count > SHOWN_CHANGES:
            self.stdout.write(f"……另有{plan.changed_count - SHOWN_CHANGES}条变化未列出。")
        prefix = "预览（未修改数据）：" if dry else "已导入："
        self.stdout.write(self.style.SUCCESS(prefix + plan.describe()))


def fund_option(code: str) -> Fund:
    fund = Fund.objects.filter(code=code).first()
    if fund is None:
        raise CommandError(f"找不到资金代码“{code}”。")
    return fund
