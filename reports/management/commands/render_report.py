"""python manage.py render_report FUND_CODE --region CODE --format docx|xlsx -o FILE [--kind …]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.builders import KINDS, KindError, build, check_kind
from reports.services import document_data
from transfers.models import Fund, Region
from transfers.selectors import regions_within


class Command(BaseCommand):
    help = "生成报告A（DOCX）或表B–E工作簿（XLSX）；--kind 选择单张表或报告F、G。"

    def add_arguments(self, parser):
        parser.add_argument("fund_code", help="资金代码，如 xj-2024-elderly")
        parser.add_argument("--region", help="地区代码（默认为资金所属省份），如 650000、654000")
        parser.add_argument("--format", default="docx", help="docx 或 xlsx（默认 docx）")
        parser.add_argument("--kind", default="a", help=f"文档类型：{'、'.join(KINDS)}（默认 a）")
        parser.add_argument("-o", "--output", required=True, help="输出文件路径")

    def handle(self, *args, fund_code, region, format, kind, output, **options):
        fund = Fund.objects.filter(code=fund_code).select_related("region").first()
        if fund is None:
            known = "、".join(Fund.objects.values_list("code", flat=True)) or "（无）"
            raise CommandError(f"找不到资金“{fund_code}”。已登记的资金代码：{known}。")
        place = fund.region if region is None else Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"找不到地区代码“{region}”：请使用6位行政区划代码（预算单位如 654000-01）。")
        if not regions_within(fund.region).filter(pk=place.pk).exists():
            raise CommandError(f"地区“{place.name}”不在资金“{fund.full_name}”的接收省份范围内。")
        try:
            check_kind(kind, format)
        except KindError as exc:
            raise CommandError(str(exc)) from None

        data = document_data(fund=fund, region=place, kind=kind)
        content = build(data, kind=kind, format=format)
        path = Path(output)
        path.write_bytes(content)
        for warning in data.warnings:
            self.stderr.write(f"提示：{warning}")
        what = "表B–E工作簿" if (kind, format) == ("a", "xlsx") else KINDS[kind].label
        self.stdout.write(self.style.SUCCESS(f"已生成 {path}（{what}，{len(content)} 字节）"))
