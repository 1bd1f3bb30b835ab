from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "绩效目标与自评填报"

    def ready(self):
        from indicators import versions
        from transfers.versions import install_after_migrate

        # The data-version triggers of this app's tables (transfers.versions), after every migrate.
        post_migrate.connect(install_after_migrate(versions.WATCHED), sender=self, weak=False)
