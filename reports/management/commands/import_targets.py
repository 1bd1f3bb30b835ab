"""python manage.py import_targets FILE --fund CODE --region CODE [--central] [--dry-run] [--user USERNAME]

One region's target table (一级指标/二级指标/三级指标/指标值); with --central, the table the
centre sent the province (the province's own decomposed table is the one without). Exits 1 on
any error.
"""

from django.core.management.base import CommandError

from reports.imports.cli import ImportCommand, fund_option
from reports.imports.targets import TargetImporter
from transfers.names import RegionIndex, RegionNameError
from transfers.selectors import funds_for_user, regions_for_user, regions_within


class Command(ImportCommand):
    help = "导入一个地区的绩效目标表（一级指标/二级指标/三级指标/指标值）。"
    kind = TargetImporter.kind

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--fund", required=True, help="资金代码，如 xj-2024-relief")
        parser.add_argument("--region", required=True, help="目标表所属地区的代码或名称，如 654000 或 伊犁州")
        parser.add_argument(
            "--central", action="store_true", help="导入中央下达本省（区）的目标表（--region 为本省（区））"
        )

    def importer(self, options, actor):
        fund = fund_option(options["fund"])
        # A fund's tables are its province's: a region of another province is not found.
        regions = regions_for_user(actor) if actor else regions_within(fund.region)
        region = regions.filter(code=options["region"]).first()
        if region is None:
            try:
                region = RegionIndex.build(regions.prefetch_related("aliases")).resolve(options["region"])
            except RegionNameError as exc:
                raise CommandError(str(exc)) from None
        if actor is not None and not funds_for_user(actor).filter(pk=fund.pk).exists():
            raise CommandError(f"账号“{actor.username}”看不到资金“{fund.code}”。")
        scope = actor.region if actor else fund.region
        try:
            return TargetImporter(
                actor=actor, scope=scope, fund=fund, region=region, central=options["central"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def context(self, importer):
        return {"region": importer.region}
