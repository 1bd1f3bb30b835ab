"""Celery tasks of the reports app: thin wrappers around services."""

from celery import shared_task
from django.conf import settings

from reports import services


@shared_task(
    name="reports.generate_file",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_JOB_TIME_LIMIT,
    time_limit=settings.REPORT_JOB_TIME_LIMIT + 30,
)
def generate_file(file_id: int, attempt: int | None = None) -> None:
    services.generated_file_build(file_id=file_id, attempt=attempt)


@shared_task(name="reports.sweep_stale_jobs", ignore_result=True)
def sweep_stale_jobs() -> None:
    services.generated_files_sweep()
