"""python manage.py load_regions [--file FILE] [--dry-run]

Loads the national code list of regions (default: fixtures/regions/regions_cn.csv, 统计用区划
代码 2023): new codes are added, renamed regions keep their old name as an alias, codes the list
no longer carries are made inactive. Run again with the same list, it changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from transfers.code_list import CODE_LIST, load_code_list
from transfers.services import CodeListRefused


class Command(BaseCommand):
    help = "载入全国行政区划代码表（默认 fixtures/regions/regions_cn.csv）：新增、更名、停用；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=CODE_LIST, help="区划代码表（CSV，UTF-8）")
        parser.add_argument("--dry-run", action="store_true", help="只显示将作的修改，不写入")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                result = load_code_list(options["file"])
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except CodeListRefused as exc:
            listed = "\n".join(exc.errors[:20])
            more = f"\n……共{len(exc.errors)}处问题。" if len(exc.errors) > 20 else ""
            raise CommandError(f"区划代码表未载入：\n{listed}{more}") from exc
        prefix = "（试运行，未写入）" if options["dry_run"] else ""
        self.stdout.write(self.style.SUCCESS(prefix + result.describe()))
        for code, (old, new) in sorted(result.renamed.items()):
            self.stdout.write(f"  更名 {code}：{old} → {new}")
        for code in result.withdrawn:
            self.stdout.write(f"  停用 {code}")
