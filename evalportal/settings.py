"""Settings read from the environment.

With nothing set the portal runs as a demo: SQLite in the project folder, Celery tasks run
in-process, e-mail to the console, DEBUG on. Production sets DEBUG=false, SECRET_KEY,
DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

from evalportal.env import env_bool, env_int, env_list, env_str
from evalportal.export_formats import SafeCSV, SafeXLSX
from evalportal.scale_out import caches, database_from_url, file_storage, replica_database

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DEBUG 关闭时必须设置环境变量 SECRET_KEY。")
    SECRET_KEY = "demo-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "axes",
    "csp",
    "evalportal",
    "transfers",
    "indicators",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # /healthz answers before the host check and the HTTPS redirect: the container's own
    # healthcheck asks over plain HTTP at 127.0.0.1 (docker-compose.yml).
    "evalportal.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Control characters in posted text are normalised before any form sees them.
    "evalportal.middleware.CleanTextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "evalportal.urls"
# Django's widget templates, an input and a text area written without one (common/form_renderer.py).
FORM_RENDERER = "common.form_renderer.PortalFormRenderer"
WSGI_APPLICATION = "evalportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "indicators.context_processors.notifications",
            ],
        },
    },
]

# Database: SQLite in the project unless DATABASE_URL says otherwise. DATABASE_REPLICA_URL adds a
# read replica, which only the reads that ask for it use (evalportal/db_router.py).
_database_url = env_str("DATABASE_URL")
_conn_max_age = env_int("DB_CONN_MAX_AGE", 60)
if _database_url:
    _default_db = database_from_url("DATABASE_URL", _database_url, conn_max_age=_conn_max_age)
else:
    _default_db = {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
DATABASES = {"default": _default_db}
_replica_db = replica_database(_default_db if _database_url else None, conn_max_age=_conn_max_age)
if _replica_db:
    DATABASES["replica"] = _replica_db
    DATABASE_ROUTERS = ["evalportal.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "evalportal.User"
# Every password set in the portal (account pages, the admin, createsuperuser) passes these.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in (the portal's and the admin's) before the password.
AUTHENTICATION_BACKENDS = [
    "evalportal.auth_backends.LoginThrottleBackend",
    "evalportal.auth_backends.AccountBackend",
]
# After LOGIN_FAILURE_LIMIT wrong passwords for one account from one address, that account is
# locked for that address until an administrator unlocks it (账号管理, the admin's 访问尝试,
# or `manage.py axes_reset_username NAME`) or LOGIN_LOCKOUT_MINUTES pass (0: until unlocked).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
_lockout_minutes = env_int("LOGIN_LOCKOUT_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "evalportal.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The failed attempts live in the database, so every web process counts the same ones.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "evalportal.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Messages are shown as Bootstrap alerts: an error is "danger" there.
MESSAGE_TAGS = {message_constants.ERROR: "danger"}

# Sessions live in the database so that any web process can serve any request, read through the
# shared cache (Redis, below) so that a page does not query its session on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Redis at CACHE_URL when several processes serve the portal; local memory in the demo.
CACHES = caches()

LANGUAGE_CODE = "zh-hans"
# Only Simplified Chinese: Django's own messages and the admin never follow the browser into
# English or another language.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# In the demo static files are served from the source folders; in production from STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Generated and uploaded files: the local disk, or an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (evalportal/scale_out.py). Static files stay in the image.
STORAGES = {
    "default": file_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: without a broker, tasks run in-process (the demo); with one, in workers.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if CELERY_BROKER_URL and not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL“{CELERY_BROKER_URL}”无法使用：仅支持 redis:// 或 amqp://。"
    )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it has finished, not when a worker takes it: a worker that dies
# mid-job leaves the message to be delivered again (at once when the worker process is lost,
# after the visibility timeout when the whole machine is).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Report jobs: a job stopped after REPORT_JOB_TIME_LIMIT seconds fails with a Chinese message;
# Redis redelivers an unacknowledged message after the visibility timeout, which must be
# longer than the time limit (or a running job would be started twice). A job whose row has
# not moved for REPORT_JOB_STALE_AFTER seconds is retried once by the sweeper (beat, every
# minute), then failed with a message that says so.
REPORT_JOB_TIME_LIMIT = env_int("REPORT_JOB_TIME_LIMIT", 600)
REPORT_JOB_STALE_AFTER = env_int("REPORT_JOB_STALE_AFTER", 900)
REPORT_JOB_MAX_ATTEMPTS = env_int("REPORT_JOB_MAX_ATTEMPTS", 2)
if REPORT_JOB_STALE_AFTER <= REPORT_JOB_TIME_LIMIT:
    raise ImproperlyConfigured(
        "环境变量 REPORT_JOB_STALE_AFTER（秒）必须大于 REPORT_JOB_TIME_LIMIT，"
        "否则仍在运行的任务会被当作中断而重试。"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REPORT_JOB_STALE_AFTER + 60}
# Documents: the reference .docx whose styles, page setup and footer every DOCX takes (README:
# 文档样式); empty: the one the project ships (reports/builders/reference.docx).
REPORT_REFERENCE_DOCX = env_str("REPORT_REFERENCE_DOCX", "")
if REPORT_REFERENCE_DOCX and not Path(REPORT_REFERENCE_DOCX).is_file():
    raise ImproperlyConfigured(f"环境变量 REPORT_REFERENCE_DOCX 指向的文件不存在：{REPORT_REFERENCE_DOCX}")
# The PDF copy of each DOCX and the picture of its first page: LibreOffice headless and
# pdftoppm, run by the worker in the same job. REPORT_PDF_CONVERTER names LibreOffice's program
# (a name on PATH or a path); empty turns the PDF off. Missing or failing, the job still
# delivers the DOCX and says in Chinese why there is no PDF.
REPORT_PDF_CONVERTER = env_str("REPORT_PDF_CONVERTER", "soffice")
REPORT_PDF_TIMEOUT = env_int("REPORT_PDF_TIMEOUT", 240)
# With the broker down a request fails within seconds instead of hanging (reports/services.py
# then shows a Chinese error page and fails the job it had recorded).
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULE = {
    "send-deadline-reminders": {
        "task": "indicators.send_deadline_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "sweep-stale-report-jobs": {
        "task": "reports.sweep_stale_jobs",
        "schedule": 60.0,
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Notifications are mailed when a review step commits, in the request: a mail server that does
# not answer delays the page by at most this many seconds (the failure is logged, the step stands).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Makes the links in reminder e-mails absolute, e.g. https://jxzp.example.gov.cn
PORTAL_URL = env_str("PORTAL_URL", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "绩效自评系统 <noreply@localhost>")

# The largest workbook an import accepts, in bytes, and what it may hold once unpacked
# (checked in reports/imports/base.py before anything is loaded).
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 200_000)
IMPORT_MAX_SHEETS = env_int("IMPORT_MAX_SHEETS", 20)
# 佐证材料 (evidence attached to returns): the largest file and how many one return may hold.
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 30)
# A form post (without its files) larger than this is refused with a Chinese page (400).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("POST_MAX_BYTES", 2 * 1024 * 1024)

# The admin exports (django-import-export) only as workbooks safe to open (evalportal/export_formats.py).
EXPORT_FORMATS = [SafeXLSX, SafeCSV]

# Content-Security-Policy (django-csp): scripts, styles and everything else from this site
# only; no inline script or event handler (they live in static/js/). Inline style attributes
# (style="width: 40%") are allowed: they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if not DEBUG:
    # Production sits behind the TLS-terminating proxy of README's Deployment section, which
    # sets X-Forwarded-Proto. SECURE_COOKIES=false (plain HTTP on a closed network) turns the
    # HTTPS-only settings off together; SECURE_SSL_REDIRECT and SECURE_HSTS_SECONDS one by one.
    _https = env_bool("SECURE_COOKIES", True)
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _https)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _https else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; its warnings (lockouts) are what matters.
    "loggers": {"axes": {"level": "WARNING"}},
}
