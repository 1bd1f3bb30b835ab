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


# --- jobs survive crashes --------------------------------------------------------------------

ELDERLY = "xj-2024-elderly"


def request_job(user, region_code="650000", kind="e", format="xlsx"):
    from reports.services import generated_file_request
    from transfers.models import Fund, Region

    return generated_file_request(
        fund=Fund.objects.get(code=ELDERLY),
        region=Region.objects.get(code=region_code),
        kind=kind,
        format=format,
        actor=user,
    )


def left_by_a_dead_worker(generated: GeneratedFile, *, minutes_ago: int) -> None:
    """What a worker killed mid-job leaves behind: 处理中, no progress for a while."""
    from datetime import timedelta

    from django.utils import timezone

    GeneratedFile.objects.filter(pk=generated.pk).update(
        status=JobStatus.RUNNING,
        progress=40,
        heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago),
        finished_at=None,
        file="",
    )


def test_a_killed_job_is_swept_and_built_again(worker):
    from reports.services import generated_files_sweep

    admin = User.objects.get(username="admin_xj")
    generated = wait_for(request_job(admin))
    left_by_a_dead_worker(generated, minutes_ago=1)
    assert generated_files_sweep() == (0, 0)  # moving a minute ago: not stale yet

    stale_minutes = settings.REPORT_JOB_STALE_AFTER // 60 + 1
    left_by_a_dead_worker(generated, minutes_ago=stale_minutes)
    assert generated_files_sweep() == (1, 0)
    generated = wait_for(generated)
    assert (generated.status, generated.progress, generated.attempts) == (JobStatus.DONE, 100, 2)
    assert generated.file.name


def test_a_job_that_keeps_dying_fails_with_a_chinese_message_and_offers_regeneration(client, worker):
    from reports.services import generated_file_build, generated_files_sweep

    admin = User.objects.get(username="admin_xj")
    generated = wait_for(request_job(admin))
    GeneratedFile.objects.filter(pk=generated.pk).update(attempts=settings.REPORT_JOB_MAX_ATTEMPTS)
    left_by_a_dead_worker(generated, minutes_ago=settings.REPORT_JOB_STALE_AFTER // 60 + 1)
    assert generated_files_sweep() == (0, 1)
    generated.refresh_from_db()
    assert generated.status == JobStatus.FAILED
    assert "没有进展" in generated.error and "重新生成" in generated.error
    # A late redelivery of an old message builds nothing.
    assert generated_file_build(file_id=generated.pk, attempt=1) is None

    client.force_login(admin)
    page = client.get(reverse("reports:file_status", args=[generated.pk])).content.decode()
    assert "重新生成" in page and 'aria-live="polite"' in page
    response = client.post(reverse("reports:file_regenerate", args=[generated.pk]))
    fresh = GeneratedFile.objects.exclude(pk=generated.pk).get(requested_by=admin)
    assert response["Location"] == reverse("reports:file_status", args=[fresh.pk])
    assert wait_for(fresh).status == JobStatus.DONE


def test_the_sweeper_runs_every_minute_on_beat():
    schedule = settings.CELERY_BEAT_SCHEDULE["sweep-stale-report-jobs"]
    assert schedule["task"] == "reports.sweep_stale_jobs" and schedule["schedule"] <= 60
    assert app.tasks["reports.sweep_stale_jobs"]
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    # Redis redelivers an unacknowledged job only after the sweeper would have retried it.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert settings.REPORT_JOB_TIME_LIMIT < settings.REPORT_JOB_STALE_AFTER < visibility


@pytest.fixture
def broker_down(committed_demo):
    """A real broker address where nothing listens (no mock: the connection is refused)."""
    conf = app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.broker_write_url
    down = "redis://127.0.0.1:9/0"
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = False, down, down
    app._pool, app.amqp._producer_pool = None, None  # pools made for the real broker
    yield
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = saved
    app._pool, app.amqp._producer_pool = None, None


def test_broker_down_gives_a_chinese_error_page_and_no_orphaned_job(client, broker_down):
    admin = User.objects.get(username="admin_xj")
    client.force_login(admin)
    response = client.post(
        reverse("reports:fund_files", args=[ELDERLY]), {"kind": "e", "format": "xlsx", "region": "650000"}
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "文件生成服务暂时不可用" in page and "任务队列暂时无法连接" in page
    job = GeneratedFile.objects.get(requested_by=admin)
    assert job.status == JobStatus.FAILED and "任务队列" in job.error
    assert not GeneratedFile.objects.filter(status=JobStatus.PENDING).exists()
