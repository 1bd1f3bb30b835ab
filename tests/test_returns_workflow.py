"""The life of a return: open, save, submit, send back, approve, reopen — and who may do it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.ledger import return_money
from indicators.models import Return, ReturnComment
from indicators.selectors import changes_since_approval
from indicators.services import (
    ChecksFailed,
    NeedsAcknowledgement,
    StaleReturnError,
    WorkflowError,
    return_approve,
    return_fill_from_rollup,
    return_open,
    return_reopen,
    return_save,
    return_send_back,
    return_submit,
    returns_approve_bulk,
)
from tests.scenarios import complete_input
from tests.seed_figures import YINING_RELIEF
from transfers.models import Region

pytestmark = pytest.mark.django_db
D = Decimal


def region(code):
    return Region.objects.get(code=code)


def test_opening_a_county_return_copies_the_prefecture_targets(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    assert ret.status == Return.Status.DRAFT
    # The county table is a copy of 伊犁州's (seed 003: 14 indicators).
    table = ret.actuals.first().indicator.table
    assert table.region.name == "伊宁市" and table.parent.region.short_name == "伊犁州"
    assert ret.actuals.count() == 14
    assert ret.narratives.count() == 7
    # Seed 003: 伊宁市 receives 14005 = 8419 + 5586.
    assert return_money(ret).line("central").budget == YINING_RELIEF
    assert return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining) == ret
    assert AuditEvent.objects.filter(object_type="indicators.return", object_id=str(ret.pk)).count() == 1


def test_save_records_each_change_and_bumps_the_version(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    changes = return_save(ret=ret, actor=clerk_yining, base_version=1, data=complete_input(ret))
    assert changes["中央财政资金·全年执行数"] == ["", "9000.50"]
    assert ret.version == 2
    event = AuditEvent.objects.filter(action="edit", object_id=str(ret.pk)).get()
    assert event.actor == clerk_yining and event.changes == changes
    # Saving the same again changes nothing and writes nothing.
    assert return_save(ret=ret, actor=clerk_yining, base_version=2, data=complete_input(ret)) == {}
    assert ret.version == 2


def test_a_save_based_on_an_old_version_is_refused(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=complete_input(ret))
    with pytest.raises(StaleReturnError, match="已被伊宁市民政局填报员于.*修改"):
        return_save(ret=ret, actor=clerk_yining, base_version=1, data=complete_input(ret, spent="1"))
    ret.refresh_from_db()
    assert ret.funding.get(source="central").spent == D("9000.50")


def test_submit_is_blocked_by_errors_and_names_the_line(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    data = complete_input(ret, spent="15000", percent="80%")
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=data)
    with pytest.raises(ChecksFailed) as caught:
        return_submit(ret=ret, actor=clerk_yining)
    errors = {(f.code, f.where): f.message for f in caught.value.findings if f.severity == "error"}
    assert (
        errors[("spent_over_allocation", "funding-central")]
        == f"中央财政资金执行数15000万元超过下达资金{YINING_RELIEF}万元。"
    )
    orphans = ret.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率").indicator_id
    # 80% of ≥90% → 88.89%.
    assert errors[("missing_reason", f"actual-{orphans}")] == (
        "指标“孤儿等符合条件的儿童纳入保障范围率”未完成（完成率88.89%），请填写未完成原因。"
    )
    ret.refresh_from_db()
    assert ret.status == Return.Status.DRAFT


def test_warnings_must_be_acknowledged(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    same = "资金下达较晚。"
    data = complete_input(ret, percent="80%", reason=same, measure="加快进度。")
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=data)
    with pytest.raises(NeedsAcknowledgement) as caught:
        return_submit(ret=ret, actor=clerk_yining)
    assert any(f.code == "repeated_reason" for f in caught.value.findings)
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    assert ret.status == Return.Status.SUBMITTED


def submitted(relief, clerk):
    ret = return_open(fund=relief, region=clerk.region, actor=clerk)
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=complete_input(ret))
    return_submit(ret=ret, actor=clerk)
    return ret


def test_send_back_needs_a_reason_and_keeps_line_comments(relief, clerk_yining, reviewer_yili):
    ret = submitted(relief, clerk_yining)
    with pytest.raises(WorkflowError, match="必须填写退回原因"):
        return_send_back(ret=ret, actor=reviewer_yili, reason="  ")
    line = ret.actuals.get(indicator__name="临时救助人次")
    return_send_back(
        ret=ret, actor=reviewer_yili, reason="请补充人次。", line_comments={line.pk: "请填写具体人次"}
    )
    assert ret.status == Return.Status.RETURNED
    assert ReturnComment.objects.get(ret=ret, actual=line).text == "请填写具体人次"
    event = AuditEvent.objects.get(object_id=str(ret.pk), action="return")
    assert event.comment == "请补充人次。" and event.changes["逐项意见"] == {"临时救助人次": "请填写具体人次"}


def test_only_the_region_above_reviews(relief, clerk_yining, clerk_huocheng, admin_xj, auditor_xj):
    ret = submitted(relief, clerk_yining)
    for person in (clerk_yining, clerk_huocheng, admin_xj, auditor_xj):
        with pytest.raises(WorkflowError):
            return_approve(ret=ret, actor=person)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_approved_data_is_locked_until_the_province_reopens(
    client, relief, clerk_yining, reviewer_yili, admin_xj
):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili)
    assert ret.status == Return.Status.APPROVED
    with pytest.raises(WorkflowError):
        return_save(
            ret=ret,
            actor=clerk_yining,
            base_version=ret.version,
            data=complete_input(ret, spent="1"),
        )
    with pytest.raises(WorkflowError, match="只有省级管理员"):
        return_reopen(ret=ret, actor=reviewer_yili, reason="改错")
    with pytest.raises(WorkflowError, match="必须填写原因"):
        return_reopen(ret=ret, actor=admin_xj, reason="")
    return_reopen(ret=ret, actor=admin_xj, reason="执行数需按决算更正")
    assert ret.status == Return.Status.RETURNED
    return_save(
        ret=ret,
        actor=clerk_yining,
        base_version=ret.version,
        data=complete_input(ret, spent="8000"),
    )
    assert changes_since_approval(ret) == {"中央财政资金·全年执行数": ["9000.50", "8000.00"]}
    # The review page lists them, from the one read of the trail its history is printed from.
    client.force_login(reviewer_yili)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("indicators:detail", args=[ret.pk])).content.decode()
    since = page.split("上次审核通过后的修改")[1].split("</table>")[0]
    assert "<td>中央财政资金·全年执行数</td><td>9000.50</td><td>8000.00</td>" in since
    assert sum('FROM "evalportal_auditevent"' in q["sql"] for q in queries) == 1


def test_bulk_approval_skips_what_cannot_be_approved(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    first = submitted(relief, clerk_yining)
    draft = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    # ``first`` has open items (six narratives empty): confirmed, it is approved.
    approved, skipped = returns_approve_bulk(
        returns=[first, draft], actor=reviewer_yili, confirmed_open={first.pk, draft.pk}
    )
    assert approved == [first]
    assert skipped == ["霍城县的填报当前状态为“填报中”，不能审核。"]


def test_prefecture_return_rolls_up_its_counties(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    for clerk, spent in ((clerk_yining, "9000.50"), (clerk_huocheng, "4000")):
        ret = return_open(fund=relief, region=clerk.region, actor=clerk)
        data = complete_input(ret, spent=spent)
        line = ret.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率")
        data.actuals[line.indicator_id]["actual_text"] = "92%" if clerk == clerk_yining else "98%"
        return_save(ret=ret, actor=clerk, base_version=ret.version, data=data)
        return_submit(ret=ret, actor=clerk)
        return_approve(ret=ret, actor=reviewer_yili)
    prefecture = return_open(fund=relief, region=region("654000"), actor=reviewer_yili)
    # Money sums: 9000.50 + 4000.
    assert prefecture.funding.get(source="central").spent == D("13000.50")
    # A rate is weighted by each county's allocation (seed 003: 伊宁市 14005, 霍城县 10154):
    # (92 × 14005 + 98 × 10154) / 24159 = 94.52%.
    line = prefecture.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率")
    assert line.actual_text == "94.52%"
    # A qualitative target met by every county is met.
    assert prefecture.actuals.get(indicator__name="低保对象人数").actual_text == "全部完成"
    # The reviewer overrides one value with a note; a refill keeps it.
    data = complete_input(prefecture, spent="13000.50")
    data.actuals[line.indicator_id] = {"actual_text": "95%", "override_note": "按州级抽样核定"}
    return_save(ret=prefecture, actor=reviewer_yili, base_version=prefecture.version, data=data)
    return_fill_from_rollup(ret=prefecture, actor=reviewer_yili)
    line.refresh_from_db()
    assert line.actual_text == "95%"


def test_central_budget_follows_the_allocations(relief, clerk_yining):
    """An allocation changed after the return was opened shows at once (nothing stale is kept)."""
    from transfers.models import Allocation

    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    batch = Allocation.objects.get(fund=relief, region=clerk_yining.region, kind="batch")
    batch.amount = D("5000")  # seed 003: 5586
    batch.save(update_fields=["amount"])
    ret = Return.objects.get(pk=ret.pk)
    assert return_money(ret).line("central").budget == D("13419")  # 8419 + 5000
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=complete_input(ret, spent="13500"))
    with pytest.raises(ChecksFailed) as caught:
        return_submit(ret=ret, actor=clerk_yining)
    assert any(f.code == "spent_over_allocation" and "13419" in f.message for f in caught.value.findings)
