"""Past one machine (#14): web processes keep no state of their own, so several web and worker
machines share one database (with, if wanted, a read replica), one Redis and one file store.

- the settings pick the object store, the Redis cache and the replica only when the environment
  says so, and refuse a half-made configuration with a message that names the variable;
- the router sends to the replica only the reads that opt in (the board, a document job's data
  read), never a write, a read inside a transaction, nor one after the scope has written;
- generated documents and evidence files are written and served through the storage API alone:
  with a storage that has no file system (InMemoryStorage, whose ``path`` raises) both download.
"""

import os
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, router, transaction
from django.test import override_settings
from django.urls import reverse

from common.replica import reading_from_replica
from evalportal.db_router import ReplicaRouter
from evalportal.redis_cache import KeptClientRedisCache
from evalportal.scale_out import caches, file_storage, replica_database
from indicators.models import Attachment, Return
from reports import services
from reports.models import GeneratedFile, JobStatus
from reports.services import generated_file_request
from tests.processes import start_django
from transfers.models import Fund, Region

SCALE_VARIABLES = (
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_LOCATION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "CACHE_URL",
    "REDIS_URL",
    "DATABASE_REPLICA_URL",
)
PRIMARY = {"ENGINE": "django.db.backends.postgresql", "NAME": "portal"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def clean_env(monkeypatch):
    """None of the scale-out variables set, whatever the machine running the tests has."""
    for name in SCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the file store -----------------------------------------------------------------------------


def test_without_a_bucket_files_stay_on_the_local_disk(clean_env):
    assert file_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_bucket_selects_the_object_store_private_and_never_overwriting(clean_env):
    clean_env.setenv("AWS_STORAGE_BUCKET_NAME", "jxzp-files")
    clean_env.setenv("AWS_S3_ENDPOINT_URL", "http://minio:9000")
    clean_env.setenv("AWS_S3_REGION_NAME", "cn-northwest-1")
    clean_env.setenv("AWS_S3_ADDRESSING_STYLE", "Path")
    clean_env.setenv("AWS_LOCATION", "/portal/")
    clean_env.setenv("AWS_ACCESS_KEY_ID", "portal-key")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "portal-secret")
    assert file_storage() == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "jxzp-files",
            "location": "portal",
            "default_acl": None,
            "file_overwrite": False,
            "max_memory_size": 5 * 1024 * 1024,
            "endpoint_url": "http://minio:9000",
            "region_name": "cn-northwest-1",
            "addressing_style": "path",
        },
    }  # the keys stay in the environment, where django-storages reads them


def test_the_machines_role_may_stand_for_the_keys(clean_env):
    clean_env.setenv("AWS_STORAGE_BUCKET_NAME", "jxzp-files")
    assert file_storage()["OPTIONS"]["bucket_name"] == "jxzp-files"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({"AWS_S3_REGION_NAME": "cn-north-1", "AWS_LOCATION": "x"}, "AWS_S3_REGION_NAME、AWS_LOCATION"),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "minio:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "ftp://minio"}, "AWS_S3_ENDPOINT_URL"),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": "k"}, "AWS_SECRET_ACCESS_KEY"),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_SECRET_ACCESS_KEY": "s"}, "AWS_ACCESS_KEY_ID"),
        ({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ADDRESSING_STYLE": "dns"}, "AWS_S3_ADDRESSING_STYLE"),
    ],
)
def test_a_half_made_object_store_is_refused(clean_env, env, message):
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        file_storage()


def test_without_a_bucket_a_stray_endpoint_says_files_would_stay_on_this_disk(clean_env):
    clean_env.setenv("AWS_S3_ENDPOINT_URL", "http://minio:9000")
    with pytest.raises(ImproperlyConfigured) as refused:
        file_storage()
    assert str(refused.value) == (
        "设置了环境变量 AWS_S3_ENDPOINT_URL，但没有设置 AWS_STORAGE_BUCKET_NAME，"
        "文件仍会存在本机磁盘上：请设置存储桶名称，或删除这些变量。"
    )


def test_a_portal_started_with_a_bucket_stores_files_there():
    """In a fresh process: the storage is django-storages' S3 backend, built without contacting
    the store, with the keys it read from the environment itself."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings');"
        "django.setup(); from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.access_key, s.file_overwrite, s.default_acl)"
    )
    result = start_django(
        code,
        AWS_STORAGE_BUCKET_NAME="jxzp-files",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_ACCESS_KEY_ID="portal-key",
        AWS_SECRET_ACCESS_KEY="portal-secret",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "jxzp-files",
        "http://127.0.0.1:9000",
        "portal-key",
        "False",
        "None",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": "jxzp", "AWS_S3_ENDPOINT_URL": "minio:9000"}, "AWS_S3_ENDPOINT_URL"),
        ({"AWS_S3_ENDPOINT_URL": "http://minio:9000"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL"),
        ({"DATABASE_REPLICA_URL": "postgres://p@127.0.0.1/replica"}, "DATABASE_URL"),
    ],
)
def test_bad_scale_out_settings_stop_start_up(env, message):
    result = start_django(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# --- the cache ----------------------------------------------------------------------------------


def test_without_redis_the_cache_is_the_processs_own(clean_env):
    assert caches() == {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize("name", ["CACHE_URL", "REDIS_URL"])
def test_a_redis_url_gives_every_process_one_cache(clean_env, name):
    clean_env.setenv(name, "redis://redis:6379/1")
    assert caches()["default"] == {
        "BACKEND": "evalportal.redis_cache.KeptClientRedisCache",
        "LOCATION": "redis://redis:6379/1",
        "KEY_PREFIX": "evalportal",
        "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
    }


def test_cache_url_wins_over_redis_url(clean_env):
    clean_env.setenv("CACHE_URL", "redis://cache:6379/2")
    clean_env.setenv("REDIS_URL", "redis://redis:6379/0")
    assert caches()["default"]["LOCATION"] == "redis://cache:6379/2"


def test_a_cache_that_is_not_redis_is_refused(clean_env):
    clean_env.setenv("REDIS_URL", "memcached://127.0.0.1:11211")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        caches()


@pytest.fixture
def redis_location():
    """This machine's Redis, where the run has one (CI's PostgreSQL round sets
    CELERY_BROKER_URL), on a database of the tests' own."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        pytest.skip("这一轮测试没有 Redis（CELERY_BROKER_URL 未设置）")
    return url.rsplit("/", 1)[0] + "/7"


def test_two_processes_share_the_redis_cache_through_one_client_each(redis_location):
    params = {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 60}
    one, other = KeptClientRedisCache(redis_location, params), KeptClientRedisCache(redis_location, params)
    one.set("board", "伊犁州 14 行")
    one.set_many({"line:1": Decimal("1.50"), "line:2": [1, 2]})
    assert other.get("board") == "伊犁州 14 行"  # another web process reads what one wrote
    assert other.get_many(["line:1", "line:2", "none"]) == {"line:1": Decimal("1.50"), "line:2": [1, 2]}
    other.delete_many(["board", "line:1", "line:2"])
    assert one.get("board") is None
    # One redis.Redis kept for reads and writes alike: Django's own builds one per call.
    client = one._cache.get_client(key="board")
    assert one._cache.get_client(key="line:1", write=True) is client
    assert client.ping()


# --- the replica's settings ---------------------------------------------------------------------


def test_no_replica_without_its_url(clean_env):
    assert replica_database(PRIMARY, conn_max_age=60) is None


def test_the_replica_mirrors_the_primary_in_tests(clean_env):
    clean_env.setenv("DATABASE_REPLICA_URL", "postgres://reader:pw@db-replica:5432/portal")
    replica = replica_database(PRIMARY, conn_max_age=60)
    assert (replica["ENGINE"], replica["HOST"], replica["USER"], replica["NAME"]) == (
        "django.db.backends.postgresql",
        "db-replica",
        "reader",
        "portal",
    )
    assert replica["TEST"] == {"MIRROR": "default"}


def test_a_replica_of_another_kind_of_database_is_refused(clean_env):
    clean_env.setenv("DATABASE_REPLICA_URL", "sqlite:////tmp/replica.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="同一种数据库"):
        replica_database(PRIMARY, conn_max_age=60)


def test_a_portal_started_with_a_replica_routes_through_the_router():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'evalportal.settings');"
        "django.setup(); from django.conf import settings;"
        "print(*settings.DATABASES, settings.DATABASES['replica']['HOST'], *settings.DATABASE_ROUTERS)"
    )
    result = start_django(
        code,
        DATABASE_URL="postgres://portal@db:5432/portal",
        DATABASE_REPLICA_URL="postgres://portal@db-replica:5432/portal",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["default", "replica", "db-replica", "evalportal.db_router.ReplicaRouter"]


# --- the router ---------------------------------------------------------------------------------


@pytest.fixture
def replica_mirror(db, settings):
    """A second alias, ``replica``, mirroring the test database as TEST {"MIRROR": "default"}
    does, here on the very connection of ``default`` so that it sees the test's own rows; and
    the router installed, as DATABASE_REPLICA_URL installs it."""
    connections.settings["replica"] = {
        **connections.settings["default"],
        "TEST": {**connections.settings["default"]["TEST"], "MIRROR": "default"},
    }
    connections["replica"] = connections["default"]
    settings.DATABASE_ROUTERS = ["evalportal.db_router.ReplicaRouter"]
    yield
    del connections["replica"]
    del connections.settings["replica"]


@pytest.fixture
def read_aliases(replica_mirror, monkeypatch):
    """Every database the router picks for a read, in order, as (model name, alias)."""
    picked = []
    original = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = original(self, model, **hints)
        picked.append((model.__name__, alias))
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    return picked


def test_reads_go_to_the_replica_only_inside_the_opt_in(replica_mirror):
    assert Return.objects.all().db == "default"
    with reading_from_replica():
        assert Return.objects.all().db == "replica"
        assert Region.objects.filter(code="654002").get()._state.db == "replica"
    assert Return.objects.all().db == "default"


def test_an_object_read_from_the_replica_is_written_to_the_primary(replica_mirror):
    with reading_from_replica():
        yining = Region.objects.get(code="654002")
    assert router.db_for_write(Region, instance=yining) == "default"
    # Its related reads outside the opt-in go to the primary, not where the object came from.
    assert yining.children.all().db == "default"
    yining.save(update_fields=["name"])
    assert yining._state.db == "default"


def test_writes_never_go_to_the_replica_and_the_reads_after_them_neither(replica_mirror):
    with reading_from_replica():
        assert router.db_for_write(Return) == "default"
        assert Return.objects.all().db == "default"  # the scope asked for a write above
    with reading_from_replica():
        assert Return.objects.all().db == "replica"
        Region.objects.filter(code="654002").update(name="伊宁市")
        assert Return.objects.all().db == "default"


def test_reads_inside_a_transaction_stay_on_the_primary(replica_mirror):
    with reading_from_replica():
        with transaction.atomic():
            assert Return.objects.all().db == "default"
        assert Return.objects.all().db == "replica"


def test_a_nested_opt_in_keeps_the_outer_scope(replica_mirror):
    with reading_from_replica() as outer:
        with reading_from_replica() as inner:
            Region.objects.filter(code="654002").update(name="伊宁市")
        assert inner is outer and outer.wrote
        assert Return.objects.all().db == "default"


def test_the_router_migrates_only_the_primary():
    assert ReplicaRouter().allow_migrate("default", "indicators") is True
    assert ReplicaRouter().allow_migrate("replica", "indicators") is False


def test_the_board_reads_its_figures_from_the_replica(client, read_aliases, reviewer_yili):
    # A board kept by an earlier test would read nothing but its data versions, and a session
    # kept in the cache no session row: start from an empty cache.
    cache.clear()
    client.force_login(reviewer_yili)
    cache.clear()
    response = client.get(reverse("board", args=["xj-2024-relief", "654000"]))
    assert response.status_code == 200
    assert "伊宁市" in response.content.decode()
    on_replica = {model for model, alias in read_aliases if alias == "replica"}
    # The data versions too, read before the figures from the same database (transfers.versions).
    assert {"Allocation", "Return", "DataVersion"} <= on_replica
    # The session, and the scope check (who may see 伊犁州), ran before the opt-in, on the primary.
    assert {("Session", "default"), ("Fund", "default")} <= set(read_aliases)


def test_the_home_page_does_not_opt_in(client, read_aliases, clerk_yining):
    client.force_login(clerk_yining)
    assert client.get(reverse("home")).status_code == 200
    assert read_aliases and {alias for _, alias in read_aliases} == {"default"}


def test_a_document_job_reads_its_data_from_the_replica(
    read_aliases, admin_xj, django_capture_on_commit_callbacks
):
    generated = _requested(admin_xj, django_capture_on_commit_callbacks)
    read_aliases.clear()
    services.generated_file_build(file_id=generated.pk)
    generated.refresh_from_db()
    assert generated.status == JobStatus.DONE
    assert ("Allocation", "replica") in read_aliases


# --- files through the storage API only ---------------------------------------------------------

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def no_file_system(settings):
    """A storage without a file system, as an object store is: ``path`` raises."""
    with override_settings(STORAGES=IN_MEMORY):
        assert type(storages["default"]).__name__ == "InMemoryStorage"
        yield
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*")))


def _requested(user, capture) -> GeneratedFile:
    """The province's document A of the elderly fund, requested; the test builds it."""
    with capture(execute=False):
        return generated_file_request(
            fund=Fund.objects.get(code="xj-2024-elderly"),
            region=Region.objects.get(code="650000"),
            kind="a",
            format="docx",
            actor=user,
        )


def test_a_generated_document_downloads_from_a_storage_without_files(
    client, no_file_system, admin_xj, django_capture_on_commit_callbacks
):
    generated = _requested(admin_xj, django_capture_on_commit_callbacks)
    services.generated_file_build(file_id=generated.pk)  # what the worker does
    generated.refresh_from_db()
    assert generated.status == JobStatus.DONE
    assert default_storage.exists(generated.file.name)
    client.force_login(admin_xj)
    response = client.get(reverse("reports:file_download", args=[generated.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_pdf_copy_downloads_from_a_storage_without_files(
    client, no_file_system, admin_xj, django_capture_on_commit_callbacks
):
    generated = _requested(admin_xj, django_capture_on_commit_callbacks)
    services.generated_file_build(file_id=generated.pk)
    generated.refresh_from_db()
    generated.pdf.save("copy.pdf", ContentFile(PDF))
    client.force_login(admin_xj)
    response = client.get(reverse("reports:file_pdf", args=[generated.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_generated_file_gone_from_storage_is_a_404(
    client, no_file_system, admin_xj, django_capture_on_commit_callbacks
):
    generated = _requested(admin_xj, django_capture_on_commit_callbacks)
    services.generated_file_build(file_id=generated.pk)
    generated.refresh_from_db()
    default_storage.delete(generated.file.name)
    client.force_login(admin_xj)
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 404


def test_evidence_uploads_and_downloads_from_a_storage_without_files(
    client, no_file_system, yining_return, clerk_yining, reviewer_yili
):
    client.force_login(clerk_yining)
    upload = SimpleUploadedFile("说明.pdf", PDF)
    posted = client.post(reverse("indicators:attachment_add", args=[yining_return.pk]), {"file": upload})
    assert posted.status_code == 302
    attachment = Attachment.objects.get(ret=yining_return)
    assert default_storage.exists(attachment.file.name)
    client.force_login(reviewer_yili)
    response = client.get(reverse("indicators:attachment", args=[yining_return.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
