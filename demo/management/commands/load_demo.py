from django.core.management.base import BaseCommand, CommandError

from demo.loader import DemoDataError, load_demo


class Command(BaseCommand):
    help = (
        "加载演示数据（新疆区划、两项2024年资金、演示账号，取自 fixtures/demo）；可重复运行，不会重复写入。"
    )

    def handle(self, *args, **options):
        try:
            summary = load_demo()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(summary.describe()))
