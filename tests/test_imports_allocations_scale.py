"""A national province's allocation table (issue #14): some 30,000 county rows in one 附件1.

The sheet is accepted above the old 20,000-row limit, the apply writes in a number of
statements that does not grow with the rows, every written line still has its audit event,
and an error in the last row leaves everything as it was. Speed is measured in bench/
(bench_national.py row 8), never here. The table is synthetic (第p州第c县), built here.
"""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from evalportal.models import AuditEvent, Role, User
from reports.imports import reading
from reports.imports.allocations import AllocationImporter
from reports.imports.base import ImportFailed, apply, dry_run
from transfers.models import Allocation, Fund, Notice, Region

pytestmark = pytest.mark.django_db


def synthetic_province(prefectures: int, counties: int, tag: int = 1):
    """A province of ``prefectures`` × ``counties`` (codes 9xxxxx, used by no real region), its
    fund, notices and administrator."""
    codes = iter(f"{n:06d}" for n in range(900000 + tag * 30000, 900000 + (tag + 1) * 30000))
    province = Region.objects.create(code=next(codes), name=f"测试省{tag}", level=1)
    prefs = Region.objects.bulk_create(
        Region(code=next(codes), name=f"第{p}州", level=2, parent=province, order=p)
        for p in range(1, prefectures + 1)
    )
    Region.objects.bulk_create(
        Region(code=next(codes), name=f"第{p}州第{c}县", level=3, parent=pref, order=c)
        for p, pref in enumerate(prefs, start=1)
        for c in range(1, counties + 1)
    )
    admin = User.objects.create(username=f"scale_admin_{tag}", region=province, role=Role.ADMIN)
    fund = Fund.objects.create(code=f"scale-{tag}", name="测试资金", year=2024, region=province)
    batch = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2024〕{tag}号", title="本次下达"
    )
    advance = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2023〕{tag}号", title="提前下达"
    )
    return AllocationImporter(
        actor=admin, scope=province, fund=fund, batch_notice=batch, advance_notice=advance
    )


def table(prefectures: int, counties: int, *, wrong_last: bool = False) -> bytes:
    """附件1 of the synthetic province: 合计, each 小计 and its counties (a negative 本次下达 on
    every tenth); ``wrong_last``: the last county's 全年资金合计 one 万元 off."""
    blocks, grand = [], [Decimal(0)] * 3
    for p in range(1, prefectures + 1):
        lines, sums = [], [Decimal(0)] * 3
        for c in range(1, counties + 1):
            advance = Decimal(p * 100 + c) + Decimal("0.25")
            batch = Decimal(-c) if c % 10 == 0 else Decimal(c * 7) + Decimal("0.5")
            figures = [advance + batch, advance, batch]
            sums = [a + b for a, b in zip(sums, figures, strict=True)]
            lines.append([None, f"第{p}州第{c}县", *figures])
        grand = [a + b for a, b in zip(grand, sums, strict=True)]
        blocks += [[f"第{p}州", "小计", *sums], *lines]
    if wrong_last:
        blocks[-1][2] += 1
    book = Workbook(write_only=True)
    sheet = book.create_sheet("附件1")
    for row in [
        ["测试资金分配表"],
        ["单位：万元"],
        ["地州市", "县市区", "全年资金合计", "其中：", None],
        [None, None, None, "提前下达", "本次实际下达"],
        ["合 计", None, *grand],
        *blocks,
    ]:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_row_limit_admits_a_national_province():
    assert reading.MAX_ROWS >= 30_000 + 400  # the 30,000 counties and units, their 小计, the header


def test_a_sheet_above_the_old_limit_of_20000_rows_is_read_and_planned_whole():
    importer = synthetic_province(201, 100)  # 20,100 counties, 20,306 sheet rows
    plan = dry_run(importer, content=table(201, 100), filename="附件1.xlsx")
    assert plan.errors == []
    assert plan.counts == {"create": 2 * 20_100, "update": 0, "delete": 0, "unchanged": 0}
    (last,) = [c for c in plan.changes if c.label == "第201州 · 第201州第100县 · 本次下达"]
    assert last.row == 5 + 201 * 101 > 20_000 and last.fields == {"金额（万元）": [None, "-100.00"]}


def test_a_large_apply_writes_every_line_with_its_own_audit_event():
    importer = synthetic_province(30, 100)  # 3,000 counties: 6,000 lines
    plan = apply(importer, content=table(30, 100), filename="附件1.xlsx")
    assert plan.errors == [] and plan.counts["create"] == 6_000
    made = Allocation.objects.filter(fund=importer.fund)
    assert made.count() == 6_000
    last = made.get(region__name="第30州第100县", kind="batch")
    assert last.amount == Decimal(-100)  # every tenth county's 本次下达 is an adjustment down
    # The trail says every change: one event per written line, with its amount, and the import's own.
    events = AuditEvent.objects.filter(fund=importer.fund)
    assert events.filter(object_type="transfers.allocation", action="create").count() == 6_000
    (event,) = events.filter(object_type="transfers.allocation", object_id=str(last.pk))
    assert event.changes == {"金额（万元）": [None, "-100.00"]} and event.region == last.region
    assert event.actor == importer.actor and "附件1.xlsx" in event.comment
    assert event.created_at is not None
    (summary,) = events.filter(action="import")
    assert summary.changes["counts"]["create"] == 6_000


def _apply_queries(prefectures: int, counties: int, tag: int) -> int:
    importer = synthetic_province(prefectures, counties, tag)
    content = table(prefectures, counties)
    with CaptureQueriesContext(connection) as queries:
        plan = apply(importer, content=content, filename="附件1.xlsx")
    assert plan.counts["create"] == 2 * prefectures * counties
    return len(queries)


def test_the_statements_of_an_apply_do_not_grow_with_the_rows():
    # 10 and 40 counties: both within one of SQLite's bulk batches (PostgreSQL writes by COPY).
    assert _apply_queries(1, 10, 1) == _apply_queries(4, 10, 2)


def test_an_error_in_the_last_row_of_a_large_sheet_changes_nothing():
    importer = synthetic_province(30, 100)
    content = table(30, 100, wrong_last=True)
    before = (Allocation.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ImportFailed) as caught:
        apply(importer, content=content, filename="附件1.xlsx")
    # The sheet's last row: title, unit, two header rows, 合计, 30 × (小计 + 100 counties).
    assert [e.row for e in caught.value.errors] == [5 + 30 * 101]
    assert "第30州第100县" in str(caught.value)
    assert (Allocation.objects.count(), AuditEvent.objects.count()) == before
    assert dry_run(importer, content=content, filename="附件1.xlsx").errors  # the preview says so too
