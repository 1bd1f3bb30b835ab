"""The database itself refuses rows that break the domain's rules."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evalportal.models import AuditEvent, User
from indicators.models import IndicatorTarget, Return, ReturnFunding, TargetTable
from transfers.models import Allocation, Project, Region

pytestmark = pytest.mark.django_db


def rejected(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_allocation_needs_exactly_one_recipient(relief, notice):
    yining = Region.objects.get(code="654002")
    project = Project.objects.create(fund=relief, region=yining, name="伊宁市县域养老服务体系创新试点项目")
    rejected(lambda: Allocation.objects.create(fund=relief, notice=notice, amount=1))
    rejected(
        lambda: Allocation.objects.create(
            fund=relief,
            notice=notice,
            region=yining,
            project=project,
            amount=1,
            kind="advance",
            source="local",
        )
    )
    Allocation.objects.create(fund=relief, notice=notice, project=project, amount=Decimal("12.5"))


def test_advance_cannot_be_negative_but_a_batch_can(relief, notice):
    unit = Region.objects.get(code="654000-01")
    rejected(
        lambda: Allocation.objects.create(
            fund=relief, notice=notice, region=unit, kind="advance", source="provincial", amount=Decimal("-1")
        )
    )
    Allocation.objects.create(
        fund=relief, notice=notice, region=unit, kind="batch", source="provincial", amount=Decimal("-1")
    )


def test_only_money_from_above_is_allocated(relief, notice):
    """A region's own money (市县配套, 其他) has the budget its return states, never an allocation."""
    unit = Region.objects.get(code="654000-01")
    for source in ("local", "other"):
        rejected(
            lambda source=source: Allocation.objects.create(
                fund=relief, notice=notice, region=unit, kind="batch", source=source, amount=Decimal("1")
            )
        )


def test_same_allocation_line_twice_is_rejected(relief, notice):
    line = Allocation.objects.get(fund=relief, notice=notice, region__code="654002")
    rejected(
        lambda: Allocation.objects.create(
            fund=relief, notice=notice, region=line.region, kind=line.kind, source=line.source, amount=1
        )
    )


def test_region_codes_are_unique_and_the_tree_has_one_kind_of_root():
    province = Region.objects.get(code="650000")
    rejected(lambda: Region.objects.create(code="654002", name="重复", level=2, parent=province))
    rejected(lambda: Region.objects.create(code="659001", name="石河子市", level=3))
    rejected(lambda: Region.objects.create(code="710000", name="另一个省", level=1, parent=province))


def test_region_code_format_is_validated():
    region = Region(code="65400", name="错代码", level=2, parent=Region.objects.get(code="650000"))
    with pytest.raises(ValidationError, match="6位行政区划代码"):
        region.full_clean()


def test_spending_cannot_be_negative(relief):
    ret = Return.objects.create(fund=relief, region=Region.objects.get(code="654002"))
    rejected(lambda: ReturnFunding.objects.create(ret=ret, source="central", spent=Decimal("-0.01")))
    ReturnFunding.objects.create(ret=ret, source="central", spent=Decimal("0"))
    rejected(lambda: ReturnFunding.objects.create(ret=ret, source="central", spent=Decimal("1")))


def test_one_return_per_fund_region_and_period(relief):
    yining = Region.objects.get(code="654002")
    Return.objects.create(fund=relief, region=yining, period="year_end")
    Return.objects.create(fund=relief, region=yining, period="mid_year")
    rejected(lambda: Return.objects.create(fund=relief, region=yining, period="year_end"))


def test_indicator_level2_must_belong_to_level1(relief):
    table = TargetTable.objects.get(fund=relief, region__code="654000")
    rejected(
        lambda: IndicatorTarget.objects.create(
            table=table, level1="满意度指标", level2="数量指标", name="新指标", target_text="≥1个", order=99
        )
    )
    IndicatorTarget.objects.create(
        table=table, level1="产出指标", level2="数量指标", name="新指标", target_text="≥1个", order=99
    )
    rejected(
        lambda: IndicatorTarget.objects.create(
            table=table, level1="产出指标", level2="数量指标", name="另一个", target_text="≥1个", order=99
        )
    )


def test_target_table_belongs_to_one_region_or_project(relief):
    rejected(lambda: TargetTable.objects.create(fund=relief))
    rejected(lambda: TargetTable.objects.create(fund=relief, region=Region.objects.get(code="654000")))


def test_accounts_need_a_region_unless_superuser():
    rejected(lambda: User.objects.create(username="nobody", role="clerk"))
    User.objects.create(username="root", is_superuser=True)


def test_audit_events_are_append_only():
    event = AuditEvent.objects.first()
    assert event is not None  # load_demo wrote one
    event.summary = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(summary="改写")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
