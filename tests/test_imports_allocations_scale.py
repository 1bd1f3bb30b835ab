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
from indicators.models import Return
from reports.imports import allocations, reading
from reports.imports.allocations import AllocationImporter
from reports.imports.base import ImportFailed, PlanChanged, StreamedPlan, apply, dry_run
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
    # The preview lists the first 2,000 changes (what the record keeps); all are counted.
    assert len(plan.changes) == 2_000 and plan.summary()["truncated"]
    assert plan.changes[-1].label == "第10州 · 第10州第100县 · 本次下达"
    # The last row, past the old limit, is read and checked like the first.
    wrong = dry_run(
        synthetic_province(201, 100, 2), content=table(201, 100, wrong_last=True), filename="a.xlsx"
    )
    assert [e.row for e in wrong.errors] == [5 + 201 * 101] and wrong.changes == []


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


# --- a plan too long to hold: planned, listed and written a chunk at a time -------------------


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 10 lines written and 4 rows read, a preview of 5: a table of 30 counties
    crosses all three."""
    monkeypatch.setattr(StreamedPlan, "CHUNK", 10)
    monkeypatch.setattr(allocations, "READ", 4)
    monkeypatch.setattr(StreamedPlan, "KEPT", 5)


def _standing(fund) -> dict[tuple[str, str], Decimal]:
    return {
        (a.region.name, a.kind): a.amount
        for a in Allocation.objects.filter(fund=fund).select_related("region")
    }


def test_an_apply_in_many_chunks_writes_and_deletes_every_line(small_chunks):
    importer = synthetic_province(3, 10)  # 30 counties: 60 lines, six chunks
    plan = apply(importer, content=table(3, 10), filename="附件1.xlsx")
    assert plan.counts == {"create": 60, "update": 0, "delete": 0, "unchanged": 0}
    assert len(plan.changes) == 5  # the preview's list, not the table
    standing = _standing(importer.fund)
    assert len(standing) == 60
    assert standing[("第1州第1县", "advance")] == Decimal("101.25")
    assert standing[("第2州第7县", "batch")] == Decimal("49.50")
    assert standing[("第3州第10县", "batch")] == Decimal(-10)
    events = AuditEvent.objects.filter(fund=importer.fund, object_type="transfers.allocation")
    assert events.filter(action="create").count() == 60

    # The table again without 第3州: its 20 lines go, in two chunks of deletions; the rest stand.
    again = AllocationImporter(
        actor=importer.actor, scope=importer.scope, fund=importer.fund, **_notices(importer)
    )
    plan = apply(again, content=table(2, 10), filename="附件1.xlsx")
    assert plan.counts == {"create": 0, "update": 0, "delete": 20, "unchanged": 40}
    standing = _standing(importer.fund)
    assert len(standing) == 40 and not any(name.startswith("第3州") for name, _ in standing)
    assert events.filter(action="edit", summary__contains="删除").count() == 20


def _notices(importer) -> dict:
    return {"batch_notice": importer.notices["batch"], "advance_notice": importer.notices["advance"]}


def test_a_return_under_review_found_in_the_last_chunk_leaves_the_earlier_chunks_unwritten(small_chunks):
    importer = synthetic_province(3, 10)
    last = Region.objects.get(name="第3州第10县")
    Return.objects.create(fund=importer.fund, region=last, status=Return.Status.SUBMITTED)
    with pytest.raises(ImportFailed) as caught:
        apply(importer, content=table(3, 10), filename="附件1.xlsx")
    assert [e.row for e in caught.value.errors] == [5 + 3 * 11, 5 + 3 * 11]  # its two lines
    assert "第3州第10县的填报已提交，这一行会改变其预算" in caught.value.errors[0].message
    assert not Allocation.objects.filter(fund=importer.fund).exists()
    assert not AuditEvent.objects.filter(fund=importer.fund).exists()


def test_data_moved_beyond_the_listed_part_of_the_preview_is_noticed_at_confirmation(small_chunks):
    importer = synthetic_province(3, 10)
    apply(importer, content=table(3, 10), filename="附件1.xlsx")
    fund = importer.fund
    # Someone else changed 第1州's lines meanwhile: the table would put back all 20 of them.
    Allocation.objects.filter(fund=fund, region__parent__name="第1州").update(amount=0)

    def again():
        return AllocationImporter(actor=importer.actor, scope=importer.scope, fund=fund, **_notices(importer))

    preview = dry_run(again(), content=table(3, 10), filename="附件1.xlsx")
    assert preview.counts["update"] == 20 and len(preview.of("update")) == 5
    # …and then 第1州第10县's, far past the five lines the preview lists.
    Allocation.objects.filter(fund=fund, region__name="第1州第10县", kind="batch").update(amount=1)
    moved = dry_run(again(), content=table(3, 10), filename="附件1.xlsx")
    assert [c.as_dict() for c in moved.changes] == [c.as_dict() for c in preview.changes]
    assert moved.fingerprint != preview.fingerprint
    with pytest.raises(PlanChanged):
        apply(again(), content=table(3, 10), filename="附件1.xlsx", expected=preview.fingerprint)
    assert Allocation.objects.get(fund=fund, region__name="第1州第10县", kind="batch").amount == 1
    plan = apply(again(), content=table(3, 10), filename="附件1.xlsx", expected=moved.fingerprint)
    assert plan.counts["update"] == 20
    assert Allocation.objects.get(fund=fund, region__name="第1州第10县", kind="batch").amount == Decimal(-10)


def test_what_a_plan_holds_does_not_grow_with_the_table(small_chunks):
    short = dry_run(synthetic_province(1, 10, 1), content=table(1, 10), filename="a.xlsx")
    long = dry_run(synthetic_province(4, 10, 2), content=table(4, 10), filename="a.xlsx")
    assert (short.counts["create"], long.counts["create"]) == (20, 80)
    assert len(short.changes) == len(long.changes) == 5  # all created: 5 changed, none unchanged
    assert short.rows_read == 1 + 1 + 10 and long.rows_read == 1 + 4 * 11  # 合计, 小计, counties


def test_the_lines_held_as_numbers_read_back_as_they_were_read():
    lines = allocations.Lines()
    yining, yili = Region.objects.get(code="654002"), Region.objects.get(code="654000")
    figures = [
        (5, "grand", "合计", {"total": Decimal("123456.78"), "advance": Decimal("45678.90"), "batch": None}),
        (
            6,
            "subtotal",
            "伊犁州小计",
            {"total": Decimal("0.01"), "advance": None, "batch": Decimal("-12.30")},
        ),
        (7, "county", "伊宁市", {"total": Decimal("999999999999.99"), "advance": Decimal(0), "batch": None}),
    ]
    lines.append(*figures[0])
    lines.append(*figures[1], yili)
    lines.append(*figures[2], yili, yining)
    read = list(lines)
    assert [(line.row, line.kind, line.label, line.amounts) for line in read] == figures
    assert [str(line.amounts["total"]) for line in read] == ["123456.78", "0.01", "999999999999.99"]
    assert [line.prefecture for line in read] == [None, yili, yili] and read[1].prefecture is read[
        2
    ].prefecture
    assert [line.recipient for line in read] == [0, 0, yining.pk]
    assert lines.used == {"total", "advance", "batch"} and len(lines) == 3 and list(lines) == read
