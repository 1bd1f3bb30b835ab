"""Settings come from the environment; bad values stop start-up with a clear message."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from evalportal.env import env_bool, env_int, env_list
from tests.processes import start_django


def test_defaults_are_the_demo():
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_urls_switch_to_postgresql_and_a_broker():
    result = start_django(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/evalportal",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "True"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "kafka://x"}, "CELERY_BROKER_URL"),
        ({"DB_CONN_MAX_AGE": "sixty", "DATABASE_URL": "postgres://p@127.0.0.1/x"}, "DB_CONN_MAX_AGE"),
        ({"REPORT_JOB_STALE_AFTER": "60"}, "REPORT_JOB_STALE_AFTER"),
        ({"LOGIN_FAILURE_LIMIT": "five"}, "LOGIN_FAILURE_LIMIT"),
        ({"IMPORT_MAX_CELLS": "many"}, "IMPORT_MAX_CELLS"),
        ({"ATTACHMENT_MAX_BYTES": "20MB"}, "ATTACHMENT_MAX_BYTES"),
        ({"ATTACHMENT_MAX_COUNT": "thirty"}, "ATTACHMENT_MAX_COUNT"),
        ({"EMAIL_TIMEOUT": "soon"}, "EMAIL_TIMEOUT"),
        ({"SECURE_SSL_REDIRECT": "maybe", "DEBUG": "false", "SECRET_KEY": "x"}, "SECURE_SSL_REDIRECT"),
    ],
)
def test_bad_values_stop_start_up(env, message):
    result = start_django(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_typed_readers(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG") is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")
    monkeypatch.setenv("COUNT", "12")
    assert env_int("COUNT", 1) == 12
    monkeypatch.setenv("HOSTS", "a.gov.cn, b.gov.cn,")
    assert env_list("HOSTS", []) == ["a.gov.cn", "b.gov.cn"]
