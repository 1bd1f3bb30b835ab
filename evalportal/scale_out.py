"""What several web and worker machines share, chosen by environment variables: the database
(and its read replica), the cache, the store of generated and uploaded files.

With none of these variables set the portal keeps the demo's own: one database, the cache in
local memory (nothing the portal does depends on it), files on the local disk under MEDIA_ROOT.
Like every setting, a value that cannot be used stops start-up with a message naming it.
"""

from importlib.util import find_spec
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from evalportal.env import env_str

FILESYSTEM_STORAGE = "django.core.files.storage.FileSystemStorage"
S3_STORAGE = "storages.backends.s3.S3Storage"
LOCAL_CACHE = "django.core.cache.backends.locmem.LocMemCache"
REDIS_CACHE = "evalportal.redis_cache.KeptClientRedisCache"

# Variables that only mean something with a bucket: set without one, files would silently stay
# on one machine's disk.
S3_ONLY = ("AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_S3_ADDRESSING_STYLE", "AWS_LOCATION")
ADDRESSING_STYLES = ("auto", "path", "virtual")
# A file read from the store is held in memory up to this size, on the worker's temp disk above.
S3_MEMORY_BYTES = 5 * 1024 * 1024


def database_from_url(name: str, url: str, *, conn_max_age: int) -> dict:
    """The DATABASES entry of ``url``, read from the variable ``name``."""
    if not url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(f"{name}“{url}”无法使用：仅支持 postgres:// 或 sqlite://。")
    try:
        return dj_database_url.parse(url, conn_max_age=conn_max_age)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} 无法解析：{exc}") from None


def replica_database(default: dict | None, *, conn_max_age: int) -> dict | None:
    """The read replica of DATABASE_REPLICA_URL (None when unset), for `evalportal.db_router`.

    In tests it mirrors the default database, so the suite runs against one test database."""
    url = env_str("DATABASE_REPLICA_URL").strip()
    if not url:
        return None
    if default is None:
        raise ImproperlyConfigured(
            "设置了环境变量 DATABASE_REPLICA_URL（只读副本），但没有设置 DATABASE_URL（主库）。"
        )
    replica = database_from_url("DATABASE_REPLICA_URL", url, conn_max_age=conn_max_age)
    if replica["ENGINE"] != default["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL 与 DATABASE_URL 必须是同一种数据库（只读副本是主库的复制）。"
        )
    replica["TEST"] = {"MIRROR": "default"}
    return replica


def caches() -> dict:
    """CACHES: Redis at CACHE_URL (else REDIS_URL), so that every web process sees one cache;
    without either, local memory, which is right for one process (the demo)."""
    name = "CACHE_URL" if env_str("CACHE_URL").strip() else "REDIS_URL"
    url = env_str(name).strip()
    if not url:
        return {"default": {"BACKEND": LOCAL_CACHE}}
    if not url.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(f"环境变量 {name}“{url}”无法使用：仅支持 redis:// 或 rediss://。")
    return {
        "default": {
            "BACKEND": REDIS_CACHE,
            "LOCATION": url,
            "KEY_PREFIX": "evalportal",
            # A Redis that does not answer fails a cache call in seconds, as the broker does.
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
    }


def file_storage() -> dict:
    """STORAGES["default"]: an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set, else
    the local disk (MEDIA_ROOT).

    The bucket's objects stay private: no ACL is set (the bucket's own, private by default) and
    the portal never hands out a URL of a file; every download goes through a region-checked
    view that reads the file through the storage API (FieldFile.open) and streams it. The access
    keys are not copied into the settings: django-storages reads AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY from the environment itself (without them, the machine's own role).
    """
    bucket = env_str("AWS_STORAGE_BUCKET_NAME").strip()
    if not bucket:
        stray = [name for name in S3_ONLY if env_str(name).strip()]
        if stray:
            raise ImproperlyConfigured(
                f"设置了环境变量 {'、'.join(stray)}，但没有设置 AWS_STORAGE_BUCKET_NAME，"
                "文件仍会存在本机磁盘上：请设置存储桶名称，或删除这些变量。"
            )
        return {"BACKEND": FILESYSTEM_STORAGE}
    endpoint = env_str("AWS_S3_ENDPOINT_URL").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(
                f"环境变量 AWS_S3_ENDPOINT_URL 的值“{endpoint}”无法使用：请填写 http:// 或 https:// 开头的地址。"
            )
    if bool(env_str("AWS_ACCESS_KEY_ID").strip()) != bool(env_str("AWS_SECRET_ACCESS_KEY").strip()):
        raise ImproperlyConfigured(
            "环境变量 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY 必须同时设置"
            "（或都不设置，使用服务器角色的凭据）。"
        )
    style = env_str("AWS_S3_ADDRESSING_STYLE").strip().lower()
    if style and style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"环境变量 AWS_S3_ADDRESSING_STYLE 的值“{style}”无法识别：请填写 {'、'.join(ADDRESSING_STYLES)}。"
        )
    if find_spec("storages") is None or find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "设置了 AWS_STORAGE_BUCKET_NAME，但没有安装 django-storages[s3]：请按 requirements.lock 安装。"
        )
    options = {
        "bucket_name": bucket,
        "location": env_str("AWS_LOCATION").strip().strip("/"),
        "default_acl": None,
        # A name already taken gets a new one, as on disk: no file ever replaces another.
        "file_overwrite": False,
        "max_memory_size": S3_MEMORY_BYTES,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
    if region := env_str("AWS_S3_REGION_NAME").strip():
        options["region_name"] = region
    if style:
        options["addressing_style"] = style
    return {"BACKEND": S3_STORAGE, "OPTIONS": options}
