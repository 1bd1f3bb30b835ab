"""python manage.py export_fund CODE -o FILE [--region CODE]

The whole-fund workbook (docs/fund-workbook.md), as the export button on the imports page
gives it; for the province (the default) it is the whole fund and imports again with
``import_fund``. ``--region`` exports one region's part (and cannot be imported).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.exports import fund_export
from transfers.models import Fund
from transfers.selectors import regions_within


class Command(BaseCommand):
    help = "导出整个资金的工作簿（可用 import_fund 导入）；--region 只导出该地区及所辖地区。"

    def add_arguments(self, parser):
        parser.add_argument("fund_code", help="资金代码，如 xj-2024-relief")
        parser.add_argument("-o", "--output", required=True, help="输出文件路径（.xlsx）")
        parser.add_argument("--region", help="地区代码（默认为资金所属省份，即整个资金）")

    def handle(self, *args, fund_code, output, region, **options):
        fund = Fund.objects.filter(code=fund_code).select_related("region").first()
        if fund is None:
            known = "、".join(Fund.objects.values_list("code", flat=True)) or "（无）"
            raise CommandError(f"找不到资金“{fund_code}”。已登记的资金代码：{known}。")
        place = fund.region
        if region is not None:
            place = regions_within(fund.region).filter(code=region).first()
            if place is None:
                raise CommandError(
                    f"地区代码“{region}”不在资金“{fund.code}”的接收省份（{fund.region.name}）范围内。"
                )
        content = fund_export(fund=fund, region=place)
        path = Path(output)
        path.write_bytes(content)
        self.stdout.write(self.style.SUCCESS(f"已导出 {path}（{place.name}及所辖地区，{len(content)} 字节）"))
