import os

from celery import Celery
from celery.signals import worker_process_init

from evalportal import gc_tuning

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")

app = Celery("evalportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each worker process, once it has loaded the tasks: the collector tuned (evalportal.gc_tuning).
worker_process_init.connect(gc_tuning.tune, weak=False)
