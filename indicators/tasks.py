"""Celery tasks of the indicators app: thin wrappers around services."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from indicators.reminders import reminders_send


@shared_task(name="indicators.send_deadline_reminders")
def send_deadline_reminders(today: str | None = None) -> dict:
    """Daily (Celery beat, 09:00 Asia/Shanghai): reminders and escalations for every deadline.

    `today` (ISO date) is for re-running a missed day by hand; by default the local date.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders_send(day).as_dict()
