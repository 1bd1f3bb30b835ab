"""Shared fixtures: the demo data is loaded once per test session, each test rolls back.

Personas follow the house style: a clerk in 伊宁市, a clerk in another county (霍城县), the 伊犁州
reviewer, the province administrator and a read-only auditor — the demo accounts; and four the
demo does not hold, made when a test asks for them: 伊犁州's own administrator, a province-level
reviewer, and a clerk and a reviewer in another prefecture (阿克苏).

The demo's funds and regions a test names are here too, one fixture each; a fixture used by one
test module only stays in that module. tests/test_house.py keeps it so.
"""

import pytest
from django.conf import settings
from django.db.models import Max

from demo.loader import DEMO_PASSWORD, load_demo
from evalportal.models import AuditEvent, Role, User
from indicators.services import return_open
from transfers.models import Fund, Region


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_pdf_unless_asked(settings):
    """LibreOffice takes seconds a document: the jobs of other tests build DOCX only; the tests
    of the PDF copy (test_reports_pdf.py) set REPORT_PDF_CONVERTER themselves."""
    settings.REPORT_PDF_CONVERTER = ""


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


def _account(username: str, region_code: str, role: str, display_name: str) -> User:
    return User.objects.create_user(
        username=username, password=DEMO_PASSWORD, display_name=display_name,
        region=Region.objects.get(code=region_code), role=role,
    )  # fmt: skip


@pytest.fixture
def admin_yili(db):
    """A prefecture administrator: manages 伊犁州 and its counties, nothing above."""
    return _account("admin_yili", "654000", Role.ADMIN, "伊犁州民政局管理员")


@pytest.fixture
def reviewer_xj(db):
    """A province-level reviewer: reviews the prefectures, administers nothing."""
    return _account("reviewer_xj", "650000", Role.REVIEWER, "自治区民政厅审核员")


@pytest.fixture
def clerk_aksu(db):
    """A clerk in 阿克苏市, a county of another prefecture (阿克苏地区)."""
    return _account("clerk_aksu", "652901", Role.CLERK, "阿克苏市民政局填报员")


@pytest.fixture
def reviewer_aksu(db):
    """阿克苏地区's reviewer: a reviewer of another prefecture."""
    return _account("reviewer_aksu", "652900", Role.REVIEWER, "阿克苏地区民政局审核员")


# --- the demo's funds and regions ---------------------------------------------------------------


@pytest.fixture
def relief(db):
    """中央财政困难群众救助补助资金 2024 (seed 003): 新疆 → prefectures → counties."""
    return Fund.objects.get(code="xj-2024-relief")


@pytest.fixture
def elderly(db):
    """The 2024 elderly-care fund of seed 000, reported by the prefectures."""
    return Fund.objects.get(code="xj-2024-elderly")


@pytest.fixture
def province(db):
    """新疆维吾尔自治区, the demo's province."""
    return Region.objects.get(code="650000")


@pytest.fixture
def notice(db):
    """新财社〔2024〕35号: 新疆's 本次下达 notice of the relief fund (seed 003)."""
    from transfers.models import Notice

    return Notice.objects.get(province__code="650000", number="新财社〔2024〕35号")


@pytest.fixture
def yining(db):
    """伊宁市, the county of clerk_yining (seed 003: 14005万元 of the relief fund)."""
    return Region.objects.get(code="654002")


@pytest.fixture
def yili(db):
    """伊犁哈萨克自治州, the prefecture of 伊宁市 and 霍城县."""
    return Region.objects.get(code="654000")


@pytest.fixture
def yining_return(relief, clerk_yining):
    """伊宁市's relief return, just opened by its clerk."""
    return return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)


@pytest.fixture
def committed_demo(transactional_db, django_db_blocker):
    """The demo data, committed, for tests that need other threads (a worker, a live server)
    to see it. pytest-django runs these tests after the others and empties the tables after
    each one, so the data is loaded again when missing."""
    with django_db_blocker.unblock():
        if not Fund.objects.filter(code="xj-2024-relief").exists():
            load_demo()
