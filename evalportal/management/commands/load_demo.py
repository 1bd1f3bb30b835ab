from django.core.management.base import BaseCommand, CommandError

from evalportal.demo import load_demo


class Command(BaseCommand):
    help = "加载演示数据（新疆区划、两项2024年资金、演示账号）；可重复运行，不会重复写入。"

    def add_arguments(self, parser):
        parser.add_argument("--seeds", help="种子文件目录（默认取 SEEDS_DIR 设置）")

    def handle(self, *args, seeds=None, **options):
        try:
            summary = load_demo(seeds)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary.describe()))
