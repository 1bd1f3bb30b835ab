"""A report request goes through the real queue: Redis and a Celery worker when CI configures
a broker, in-process execution with the embedded defaults."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from evalportal.celery import app
from evalportal.models import User
from reports.models import GeneratedFile, JobStatus


@pytest.fixture
def worker(committed_demo):
    """A real Celery worker thread consuming the configured broker (none needed when eager)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    app.control.purge()  # leftovers of earlier runs are not this test's jobs
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as running:
        yield running


def wait_for(generated: GeneratedFile, seconds: float = 60) -> GeneratedFile:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        generated.refresh_from_db()
        if generated.status in (JobStatus.DONE, JobStatus.FAILED):
            return generated
        time.sleep(0.2)
    raise AssertionError(f"任务{generated.pk}在{seconds}秒内未完成，状态：{generated.status}")


def test_requested_report_is_built_by_the_worker_and_downloaded(client, worker):
    admin = User.objects.get(username="admin_xj")
    client.force_login(admin)
    response = client.post(
        reverse("reports:fund_files", args=["xj-2024-elderly"]),
        {"kind": "a", "format": "docx", "region": "650000"},
    )
    assert response.status_code == 302
    generated = wait_for(GeneratedFile.objects.get(requested_by=admin))
    assert (generated.status, generated.progress, generated.error) == (JobStatus.DONE, 100, "")
    download = client.get(reverse("reports:file_download", args=[generated.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
