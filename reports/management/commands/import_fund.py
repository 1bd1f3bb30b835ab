"""python manage.py import_fund FILE [--dry-run] [--user USERNAME]

A whole fund from its workbook (docs/fund-workbook.md), as ``export_fund`` writes it: the fund,
its notices, allocations, projects, target tables and the returns the portal does not hold yet.
Regions are referred to by code and must be loaded first. Exits 1 on any error, with nothing
written. Without --user it runs as the system (any province); with it, as that province
administrator.
"""

from reports.imports.cli import ImportCommand
from reports.imports.fund import FundImporter


class Command(ImportCommand):
    help = "导入整个资金的工作簿（export_fund 导出的格式，见 docs/fund-workbook.md）。"
    kind = FundImporter.kind

    def importer(self, options, actor):
        return FundImporter(actor=actor, scope=actor.region if actor is not None else None)
