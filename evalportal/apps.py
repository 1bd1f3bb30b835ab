from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EvalportalConfig(AppConfig):
    name = "evalportal"
    verbose_name = "账号与审计"

    def ready(self):
        from evalportal import pg_timestamps

        # Timestamps read by psycopg's compiled parser, not Django's pure-Python loader.
        connection_created.connect(pg_timestamps.install, dispatch_uid="evalportal.pg_timestamps")
