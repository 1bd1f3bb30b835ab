"""A 3,000-row allocation table in the 附件1 layout: preview and import, timed.

Run from the project folder:  .venv/bin/python bench/bench_import.py
It uses its own SQLite file (BENCH_DATABASE_URL, default /tmp/bench_import.sqlite3, recreated
each run) so that it never touches the demo or test databases. It builds 31 synthetic
prefectures of 97 counties each (3,007 county rows, 31 小计 rows, one 合计 row), then times:
reading + previewing into an empty fund (6,014 creates), applying it, previewing the same file
again (all unchanged), and previewing + applying a file with one changed figure.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DB_FILE = "/tmp/bench_import.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DB_FILE}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")
if os.environ["DATABASE_URL"] == f"sqlite:///{DB_FILE}" and os.path.exists(DB_FILE):
    os.remove(DB_FILE)

import django  # noqa: E402

django.setup()

from allocation_table import allocation_rows, allocation_workbook  # noqa: E402
from django.core.management import call_command  # noqa: E402

from evalportal.models import AuditEvent, Role, User  # noqa: E402
from reports.imports.allocations import AllocationImporter  # noqa: E402
from reports.imports.base import apply, dry_run  # noqa: E402
from transfers.models import Allocation, Fund, Notice, Region  # noqa: E402

PREFECTURES = 31
COUNTIES = 97


def build_regions() -> Region:
    province = Region.objects.create(code="650000", name="测试自治区", level=1)
    counties = []
    for p in range(10, 10 + PREFECTURES):
        prefecture = Region.objects.create(code=f"66{p}00", name=f"第{p}州", level=2, parent=province)
        counties += [
            Region(code=f"66{p}{c:02d}", name=f"第{p}州第{c}县", level=3, parent=prefecture, order=c)
            for c in range(1, COUNTIES + 1)
        ]
    Region.objects.bulk_create(counties)
    return province


def table_rows(change: bool = False) -> list[list]:
    """附件1 rows of the 31 prefectures (10–40); ``change``: one figure of 第10州第1县 raised."""
    return allocation_rows(range(10, 10 + PREFECTURES), COUNTIES, changed=(10, 1) if change else None)


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<42}{time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    call_command("migrate", verbosity=0)
    province = build_regions()
    admin = User.objects.create(username="bench_admin", region=province, role=Role.ADMIN)
    fund = Fund.objects.create(code="bench", name="测试资金", year=2024, region=province)
    batch = Notice.objects.create(province=province, issuer="测试", number="测〔2024〕1号", title="本次下达")
    advance = Notice.objects.create(
        province=province, issuer="测试", number="测〔2024〕0号", title="提前下达"
    )

    def importer():
        return AllocationImporter(
            actor=admin, scope=province, fund=fund, batch_notice=batch, advance_notice=advance
        )

    rows = table_rows()
    content = timed(f"build workbook ({len(rows)} rows)", lambda: allocation_workbook(rows))
    print(f"{'  file size':<42}{len(content) / 1024:8.0f} KB")
    plan = timed(
        "preview into an empty fund", lambda: dry_run(importer(), content=content, filename="a.xlsx")
    )
    assert not plan.errors, plan.errors[:3]
    print(f"{'  ' + plan.describe():<42}")
    timed(
        "apply (creates + one audit event each)",
        lambda: apply(importer(), content=content, filename="a.xlsx"),
    )
    print(
        f"{'  allocations / audit events':<42}{Allocation.objects.count():>6} / {AuditEvent.objects.count()}"
    )
    plan = timed(
        "preview the same file again", lambda: dry_run(importer(), content=content, filename="a.xlsx")
    )
    print(f"{'  ' + plan.describe():<42}")
    changed = allocation_workbook(table_rows(change=True))
    plan = timed(
        "preview a file with one changed figure",
        lambda: dry_run(importer(), content=changed, filename="b.xlsx"),
    )
    print(f"{'  ' + plan.describe():<42}")
    timed("apply it", lambda: apply(importer(), content=changed, filename="b.xlsx"))


if __name__ == "__main__":
    main()
