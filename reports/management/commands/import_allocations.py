"""python manage.py import_allocations FILE --fund CODE [--dry-run] [--user USERNAME]

Reads an allocation table in the 附件1 layout (see reports/imports/allocations.py), prints the
changes or the errors; exits 1 on any error, with nothing written.
"""

from django.core.management.base import CommandError

from reports.imports.allocations import AllocationImporter
from reports.imports.cli import ImportCommand, fund_option
from transfers.models import ALLOCATED_SOURCES, Fund, MoneySource, Notice
from transfers.selectors import funds_for_user


class Command(ImportCommand):
    help = "导入资金分配表（附件1格式：地州市/县市区/全年资金合计/提前下达/本次实际下达）。"
    kind = AllocationImporter.kind

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--fund", required=True, help="资金代码，如 xj-2024-relief")
        parser.add_argument("--batch-notice", help="本次下达文件的文号或标题（默认沿用本资金已有的本级文件）")
        parser.add_argument(
            "--advance-notice", help="提前下达文件的文号或标题（默认沿用本资金已有的本级文件）"
        )
        parser.add_argument(
            "--source", default=MoneySource.CENTRAL, choices=ALLOCATED_SOURCES, help="资金来源（中央或省级）"
        )

    def importer(self, options, actor):
        fund = fund_option(options["fund"])
        if actor is not None and not funds_for_user(actor).filter(pk=fund.pk).exists():
            raise CommandError(f"账号“{actor.username}”看不到资金“{fund.code}”。")
        return AllocationImporter(
            actor=actor,
            scope=actor.region if actor else fund.region,
            fund=fund,
            batch_notice=_notice(options.get("batch_notice"), fund),
            advance_notice=_notice(options.get("advance_notice"), fund),
            source=options["source"],
        )


def _notice(text: str | None, fund: Fund) -> Notice | None:
    """A notice of the fund's province, by its 文号 or its title."""
    if not text:
        return None
    recorded = Notice.objects.filter(province=fund.region)
    notices = list(recorded.filter(number=text)) or list(recorded.filter(title=text))
    if len(notices) != 1:
        what = "找不到" if not notices else "有多个"
        raise CommandError(
            f"{fund.region.name}{what}文号或标题为“{text}”的文件；新文件请先由省级管理员在“资金设置 › 下达文件”中登记。"
        )
    return notices[0]
