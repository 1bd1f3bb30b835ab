"""python manage.py reference_docx [-o FILE]

Writes the reference document every generated DOCX takes its styles, page setup and footer
from (reports/builders/reference.py says what it holds). Without ``-o`` it rewrites the file
the project ships, reports/builders/reference.docx; with ``-o`` a copy for an office to edit in
Word and name in REPORT_REFERENCE_DOCX (README: 文档样式).
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from reports.builders.reference import SHIPPED, build_reference


class Command(BaseCommand):
    help = "生成报告的参考样式文档（reference.docx）；-o 另存一份供在 Word 中修改样式。"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help=f"输出文件路径（默认覆盖 {SHIPPED.name}）")

    def handle(self, *args, output, **options):
        path = Path(output) if output else SHIPPED
        path.write_bytes(build_reference())
        self.stdout.write(self.style.SUCCESS(f"已写入参考文档 {path}"))
