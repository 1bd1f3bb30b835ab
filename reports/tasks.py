"""Celery tasks of the reports app: thin wrappers around services."""

from celery import shared_task

from reports import services


@shared_task(name="reports.generate_file", acks_late=True)
def generate_file(file_id: int) -> None:
    services.generated_file_build(file_id=file_id)
