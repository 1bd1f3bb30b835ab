from django.apps import AppConfig


class EvalportalConfig(AppConfig):
    name = "evalportal"
    verbose_name = "账号与审计"
