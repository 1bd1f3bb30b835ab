"""common.bulk.insert_rows (COPY on PostgreSQL, bulk_create elsewhere) and
common.collector.paused, the two things a 30,000-row allocation import is written with.

Run on SQLite by default and on PostgreSQL in CI (DATABASE_URL): both paths are asserted the
same way, by reading the rows back through the ORM.
"""

import gc
from decimal import Decimal

import pytest
from django.utils import timezone

from common import collector
from common.bulk import insert_rows
from evalportal.models import AuditEvent
from transfers.models import Allocation, MoneySource


@pytest.fixture
def lines(relief, notice, province, yining, yili):
    """Two lines 新疆 passes down of the relief fund, as an import writes them: the keys of
    the new rows in the order given."""
    Allocation.objects.filter(fund=relief, from_region=province, notice=notice).delete()
    # In an order of its own (not the model's): each value goes to the field it is given for.
    attnames = ("amount", "region_id", "kind", "source", "fund_id", "notice_id", "from_region_id")
    rows = [
        (Decimal("321.09"), yining.pk, Allocation.Kind.BATCH, MoneySource.CENTRAL, relief.pk, notice.pk, province.pk),
        (Decimal("-12.34"), yili.pk, "batch", "central", relief.pk, notice.pk, province.pk),
    ]  # fmt: skip
    return insert_rows(Allocation, attnames, rows)


@pytest.mark.django_db
def test_rows_are_inserted_with_their_keys_in_order(lines, yining, yili):
    assert len(lines) == 2 and lines[0] != lines[1]
    first, second = (Allocation.objects.get(pk=pk) for pk in lines)
    assert (first.region_id, first.amount, first.kind, first.source) == (
        yining.pk,
        Decimal("321.09"),
        "batch",
        "central",
    )
    assert (second.region_id, second.amount) == (yili.pk, Decimal("-12.34"))
    assert first.order == 0 and second.project_id is None  # fields left out take their defaults


@pytest.mark.django_db
def test_left_out_times_are_now_and_json_is_stored_as_json(relief, yining, admin_xj):
    before = timezone.now()
    keys = insert_rows(
        AuditEvent,
        ("actor_id", "action", "object_type", "object_id", "region_id", "fund_id", "summary", "changes"),
        [
            (admin_xj.pk, AuditEvent.Action.EDIT, "transfers.allocation", "7", yining.pk, relief.pk, "导入修改：伊宁市",
             {"金额（万元）": ["321.09", "321.10"]}),
            (None, "create", "transfers.allocation", "8", yining.pk, relief.pk, "导入新增：伊宁市", {}),
        ],
    )  # fmt: skip
    edit, create = (AuditEvent.objects.get(pk=pk) for pk in keys)
    assert edit.changes == {"金额（万元）": ["321.09", "321.10"]}
    assert edit.get_action_display() == "修改" and create.actor is None and create.changes == {}
    assert edit.comment == ""
    assert before <= edit.created_at <= create.created_at <= timezone.now()


@pytest.mark.django_db
def test_nothing_to_insert_writes_nothing():
    count = AuditEvent.objects.count()
    assert insert_rows(AuditEvent, ("summary",), []) == []
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_a_field_the_model_does_not_have_is_refused():
    with pytest.raises(ValueError, match="no field regoin_id"):
        insert_rows(AuditEvent, ("regoin_id",), [(1,)])


def test_the_collector_is_paused_in_the_block_and_resumed_after_it_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector.paused():
            assert not gc.isenabled()
            with collector.paused():  # nested: still paused, and not resumed by the inner block
                assert not gc.isenabled()
            assert not gc.isenabled()
            raise RuntimeError("导入失败")
    assert gc.isenabled()


def test_a_collector_paused_outside_stays_paused():
    gc.disable()
    try:
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
