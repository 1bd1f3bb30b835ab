"""python manage.py import_regions FILE [--dry-run] [--user USERNAME]

The region tree (代码/全称/简称/上级代码/层级/类型/曾用名, or the columns of
fixtures/regions_xj.csv), XLSX or CSV in UTF-8 or GBK. Exits 1 on any error.
"""

from django.core.management.base import CommandError

from reports.imports.cli import ImportCommand
from reports.imports.regions import RegionImporter
from transfers.models import Region


class Command(ImportCommand):
    help = "导入行政区划（代码/全称/简称/上级代码/层级/类型/曾用名）。"
    kind = RegionImporter.kind

    def importer(self, options, actor):
        if actor is not None:
            return RegionImporter(actor=actor, scope=actor.region)
        provinces = list(Region.objects.filter(level=Region.Level.PROVINCE)[:2])
        if len(provinces) != 1:
            raise CommandError("系统中没有或有多个省级区划：请用 --user 指定以哪个管理员的身份导入。")
        return RegionImporter(actor=None, scope=provinces[0])
