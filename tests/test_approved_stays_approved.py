"""Approved data changes only through a reopen: imports that would alter a return under review
or approved are refused where the file says so, and every change that reaches an open return
is written into that return's history."""

from decimal import Decimal

import pytest

from evalportal.models import AuditEvent
from indicators.ledger import return_money
from indicators.services import return_open, return_reopen
from reports.imports import templates_xlsx
from reports.imports.allocations import AllocationImporter
from reports.imports.base import apply, dry_run
from reports.imports.regions import RegionImporter
from reports.imports.targets import TargetImporter
from tests.scenarios import fill_submit_approve
from tests.seed_figures import YINING_RELIEF
from tests.xlsx_factory import db_snapshot, edited, workbook_bytes
from transfers.models import Region
from transfers.services import notice_save

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def approved(yining_return, clerk_yining, reviewer_yili):
    fill_submit_approve(
        yining_return, clerk=clerk_yining, reviewer=reviewer_yili, funding={"central": {"spent": D("9000")}}
    )
    return yining_return


def extra_notice(admin):
    """A further notice of the province: its table adds money without touching 新财社〔2024〕35号's."""
    notice, _ = notice_save(
        actor=admin,
        province=admin.region,
        number="新财社〔2024〕906号",
        issuer="自治区财政厅",
        title="追加下达（测试）",
    )
    return notice


def history(ret) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="indicators.return", object_id=str(ret.pk)).values_list(
            "summary", flat=True
        )
    )


def _target_file(relief, region_code, cell, value):
    region = Region.objects.get(code=region_code)
    return region, edited(templates_xlsx.targets_template(relief, region), {cell: value})


def test_a_target_table_under_an_approved_return_is_not_changed(relief, admin_xj, approved):
    # Row 6: 孤儿等符合条件的儿童纳入保障范围率, ≥ 90% in seed 003 and met by 90% in the return.
    region, content = _target_file(relief, "654002", "D6", "≥99%")
    before = db_snapshot()
    plan = dry_run(
        TargetImporter(actor=admin_xj, scope=admin_xj.region, fund=relief, region=region),
        content=content,
        filename="t.xlsx",
    )
    (error,) = plan.errors
    assert "伊宁市的年度绩效自评填报已审核" in error.message and "重新打开" in error.message
    assert db_snapshot() == before


def test_once_reopened_the_change_goes_through_and_the_return_says_so(relief, admin_xj, approved):
    return_reopen(ret=approved, actor=admin_xj, reason="目标值调整")
    region, content = _target_file(relief, "654002", "D6", "≥99%")
    apply(
        TargetImporter(actor=admin_xj, scope=admin_xj.region, fund=relief, region=region),
        content=content,
        filename="t.xlsx",
    )
    assert "目标表修改1项" in history(approved)


def test_an_allocation_line_that_would_change_an_approved_budget_is_refused(relief, admin_xj, approved):
    notice = extra_notice(admin_xj)
    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 100], ["合计", None, 100]]})
    importer = AllocationImporter(actor=admin_xj, scope=admin_xj.region, fund=relief, batch_notice=notice)
    plan = dry_run(importer, content=content, filename="追加.xlsx")
    assert any("伊宁市的填报已审核" in e.message and e.row == 2 for e in plan.errors), plan.errors
    assert return_money(approved).line("central").budget == YINING_RELIEF


def test_a_prefecture_return_under_review_protects_the_money_of_its_counties(relief, admin_xj, reviewer_yili):
    # 伊犁州's own return submitted: a change to 霍城县's money would change 伊犁州's budget.
    prefecture = return_open(fund=relief, region=reviewer_yili.region, actor=reviewer_yili)
    from indicators.models import Return

    Return.objects.filter(pk=prefecture.pk).update(status=Return.Status.SUBMITTED)
    notice = extra_notice(admin_xj)
    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "霍城县", 10], ["合计", None, 10]]})
    importer = AllocationImporter(actor=admin_xj, scope=admin_xj.region, fund=relief, batch_notice=notice)
    plan = dry_run(importer, content=content, filename="追加.xlsx")
    assert any("伊犁哈萨克自治州的填报已提交" in e.message for e in plan.errors), plan.errors


def test_money_that_reaches_an_open_return_is_written_into_its_history(relief, admin_xj, yining_return):
    notice = extra_notice(admin_xj)
    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 100], ["合计", None, 100]]})
    importer = AllocationImporter(actor=admin_xj, scope=admin_xj.region, fund=relief, batch_notice=notice)
    apply(importer, content=content, filename="追加.xlsx")
    assert "资金分配变化" in history(yining_return)
    assert return_money(yining_return).line("central").budget == YINING_RELIEF + 100


def test_a_region_with_approved_returns_below_it_does_not_move(admin_xj, approved):
    # 伊宁市 (approved) would move from 伊犁州 to 塔城地区.
    content = workbook_bytes({"区划": [["代码", "全称", "上级代码"], ["654002", "伊宁市", "654200"]]})
    plan = dry_run(RegionImporter(actor=admin_xj, scope=admin_xj.region), content=content, filename="r.xlsx")
    (error,) = plan.errors
    assert error.column == "C" and "重新打开" in error.message
    assert Region.objects.get(code="654002").parent.code == "654000"
