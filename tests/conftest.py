"""Shared fixtures: the demo data is loaded once per test session, each test rolls back.

Personas follow the house style: a clerk in 伊宁市, a clerk in another county (霍城县), the 伊犁州
reviewer, the province administrator and a read-only auditor — the demo accounts.
"""

import pytest
from django.conf import settings
from django.db.models import Max

from demo.loader import load_demo
from evalportal.models import AuditEvent, User


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def new_events(db):
    """The audit events written during the test (the demo's imports wrote their own before)."""
    start = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    return lambda: AuditEvent.objects.filter(pk__gt=start)


@pytest.fixture
def clerk_yining(db):
    return User.objects.get(username="clerk_yining")


@pytest.fixture
def clerk_huocheng(db):
    return User.objects.get(username="clerk_huocheng")


@pytest.fixture
def reviewer_yili(db):
    return User.objects.get(username="reviewer_yili")


@pytest.fixture
def admin_xj(db):
    return User.objects.get(username="admin_xj")


@pytest.fixture
def auditor_xj(db):
    return User.objects.get(username="auditor_xj")


@pytest.fixture
def committed_demo(transactional_db, django_db_blocker):
    """The demo data, committed, for tests that need other threads (a worker, a live server)
    to see it. pytest-django runs these tests after the others and empties the tables after
    each one, so the data is loaded again when missing."""
    from transfers.models import Fund

    with django_db_blocker.unblock():
        if not Fund.objects.filter(code="xj-2024-relief").exists():
            load_demo()
