from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "资金与分配"

    def ready(self):
        from common import lookups
        from transfers import versions

        lookups.register()

        # The data-version triggers, put back after every migrate (SQLite drops a remade table's).
        post_migrate.connect(versions.install_after_migrate(versions.WATCHED), sender=self, weak=False)
