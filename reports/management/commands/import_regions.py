"""python manage.py import_regions FILE [--dry-run] [--user USERNAME]

The region tree (代码/全称/简称/上级代码/层级/类型/曾用名, or the columns of
fixtures/regions_xj.csv), XLSX or CSV in UTF-8 or GBK. Exits 1 on any error. Without --user
it runs as the system, for the whole country; with it, within that administrator's province.
"""

from reports.imports.cli import ImportCommand
from reports.imports.regions import RegionImporter


class Command(ImportCommand):
    help = "导入行政区划（代码/全称/简称/上级代码/层级/类型/曾用名）。"
    kind = RegionImporter.kind

    def importer(self, options, actor):
        # Without --user the system imports: any region of the country, a new province too.
        return RegionImporter(actor=actor, scope=actor.region if actor is not None else None)
