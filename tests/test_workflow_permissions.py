"""Who may do each step of a return (indicators.services), tried with the right person and every
wrong one; a refused step changes nothing and writes no audit event.

domain.md §1: a clerk fills and submits her own region's return; the reviewer (or
administrator) of the region directly above reviews it; only the province administrator
reopens an approved return; read-only accounts change nothing.
"""

from decimal import Decimal

import pytest

from evalportal.models import AuditEvent, Role, User
from indicators import permissions
from indicators.models import IndicatorActual, Return, ReturnComment
from indicators.services import (
    ReturnInput,
    WorkflowError,
    return_approve,
    return_fill_from_rollup,
    return_judge,
    return_open,
    return_reopen,
    return_save,
    return_send_back,
    return_submit,
)
from tests.scenarios import excuse_missing
from transfers.models import Region


def can_edit(user, ret) -> bool:
    return permissions.may_edit_return(user, ret) is None


def can_review(user, ret) -> bool:
    return permissions.may_review_return(user, ret) is None


def can_reopen(user, ret) -> bool:
    return permissions.may_reopen_return(user, ret) is None


pytestmark = pytest.mark.django_db
D = Decimal

ORPHANS = "孤儿等符合条件的儿童纳入保障范围率"  # ≥ 90% in 伊犁州's table (seed 003)
LIVING = "困难群众生活水平情况"  # 有所提升


def account(username, code, role, **extra):
    return User.objects.create_user(
        username, password="x", region=Region.objects.get(code=code), role=role, **extra
    )


def filled(ret, *, spent="9000.50", percent="96%"):
    """Every indicator met: qualitative ones with their own words, rates above target."""
    actuals = {}
    for line in ret.actuals.select_related("indicator"):
        target = line.indicator.target_text
        text = percent if "%" in target else target
        actuals[line.indicator_id] = {"actual_text": text, "reason": "", "measure": ""}
    return ReturnInput(
        funding={"central": {"spent": D(spent)}},
        actuals=actuals,
        narratives={"allocation": {"description": "按因素法分配。", "problems": "无"}},
        goal_achievement="保障了困难群众基本生活。",
    )


def opened(relief, clerk, **kwargs):
    ret = return_open(fund=relief, region=clerk.region, actor=clerk)
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=filled(ret, **kwargs))
    return ret


def submitted(relief, clerk, **kwargs):
    ret = opened(relief, clerk, **kwargs)
    return_submit(ret=ret, actor=clerk)
    return ret


def events(ret, action):
    return AuditEvent.objects.filter(object_type="indicators.return", object_id=str(ret.pk), action=action)


def status_of(ret):
    return Return.objects.get(pk=ret.pk).status


# --- can_edit / submit --------------------------------------------------------------------------


def test_only_the_owner_clerk_may_edit_a_draft_or_returned_return(
    relief, clerk_yining, clerk_huocheng, reviewer_yili, admin_xj, auditor_xj
):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    yining_viewer = account("viewer_yining", "654002", Role.VIEWER)
    away = account("clerk_yining_left", "654002", Role.CLERK, is_active=False)
    assert can_edit(clerk_yining, ret) is True
    for person in (clerk_huocheng, reviewer_yili, admin_xj, auditor_xj, yining_viewer, away):
        assert can_edit(person, ret) is False, person.username
    for status, editable in [
        (Return.Status.RETURNED, True),
        (Return.Status.SUBMITTED, False),
        (Return.Status.APPROVED, False),
    ]:
        ret.status = status
        assert can_edit(clerk_yining, ret) is editable, status


def test_submit_by_anyone_but_the_owner_is_refused_and_not_audited(
    relief, clerk_yining, clerk_huocheng, reviewer_yili, admin_xj, auditor_xj
):
    ret = opened(relief, clerk_yining)
    for person in (clerk_huocheng, reviewer_yili, admin_xj, auditor_xj):
        with pytest.raises(WorkflowError, match="只能提交本单位自己的填报|查阅账号不能提交"):
            return_submit(ret=ret, actor=person)
    assert status_of(ret) == Return.Status.DRAFT
    assert not events(ret, AuditEvent.Action.SUBMIT).exists()


def test_submit_by_the_owner_is_audited_with_the_change_of_status(relief, clerk_yining):
    ret = opened(relief, clerk_yining)
    version = ret.version
    assert return_submit(ret=ret, actor=clerk_yining) == []
    assert status_of(ret) == Return.Status.SUBMITTED
    assert (ret.status, ret.version) == (Return.Status.SUBMITTED, version + 1)
    event = events(ret, AuditEvent.Action.SUBMIT).get()
    assert (event.actor, event.summary, event.comment) == (clerk_yining, "提交审核", "")
    assert event.changes == {"状态": ["填报中", "已提交"]}
    assert event.region == clerk_yining.region and event.fund == relief
    # Submitted once is submitted: a second submit is refused.
    with pytest.raises(WorkflowError, match="已提交"):
        return_submit(ret=ret, actor=clerk_yining)
    assert events(ret, AuditEvent.Action.SUBMIT).count() == 1


def test_acknowledged_warnings_are_kept_in_the_submit_event(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    data = filled(ret, percent="80%")  # every rate missed, one boilerplate reason
    for values in data.actuals.values():
        if values["actual_text"] == "80%":
            values.update(reason="资金下达较晚。", measure="加快进度。")
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    event = events(ret, AuditEvent.Action.SUBMIT).get()
    assert "个未完成指标填写了相同的未完成原因" in event.comment


def test_a_returned_return_is_submitted_again_by_its_owner(relief, clerk_yining, reviewer_yili):
    ret = submitted(relief, clerk_yining)
    return_send_back(ret=ret, actor=reviewer_yili, reason="请补充说明。")
    return_submit(ret=ret, actor=clerk_yining)
    assert status_of(ret) == Return.Status.SUBMITTED
    assert events(ret, AuditEvent.Action.SUBMIT).order_by("pk").last().changes == {
        "状态": ["已退回", "已提交"]
    }


# --- can_review / send back / approve -----------------------------------------------------------


def test_only_the_region_directly_above_reviews(
    relief, clerk_yining, clerk_huocheng, reviewer_yili, admin_xj, auditor_xj, admin_yili, reviewer_aksu
):
    ret = submitted(relief, clerk_yining)
    yili_clerk = account("clerk_yili", "654000", Role.CLERK)
    yili_viewer = account("viewer_yili", "654000", Role.VIEWER)
    away = account("reviewer_yili_left", "654000", Role.REVIEWER, is_active=False)
    assert can_review(reviewer_yili, ret) is True
    assert can_review(admin_yili, ret) is True  # an administrator may do what a reviewer may
    for person in (
        clerk_yining,
        clerk_huocheng,
        yili_clerk,
        yili_viewer,
        reviewer_aksu,
        away,
        admin_xj,
        auditor_xj,
    ):
        assert can_review(person, ret) is False, person.username
    ret.status = Return.Status.DRAFT
    assert can_review(reviewer_yili, ret) is False


def test_the_owner_clerk_cannot_send_back_her_own_return(relief, clerk_yining, admin_xj, auditor_xj):
    ret = submitted(relief, clerk_yining)
    for person in (clerk_yining, admin_xj, auditor_xj):
        with pytest.raises(WorkflowError, match="只有审核员或管理员可以审核|由其上级审核|查阅账号不能审核"):
            return_send_back(ret=ret, actor=person, reason="我想改一下。")
    assert status_of(ret) == Return.Status.SUBMITTED
    assert not ReturnComment.objects.filter(ret=ret).exists()
    assert not events(ret, AuditEvent.Action.RETURN).exists()


def test_send_back_ignores_a_comment_on_another_returns_line(
    relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    ret = submitted(relief, clerk_yining)
    other = submitted(relief, clerk_huocheng)
    foreign = other.actuals.get(indicator__name=ORPHANS)
    own = ret.actuals.get(indicator__name=ORPHANS)
    return_send_back(
        ret=ret,
        actor=reviewer_yili,
        reason="请核实。",
        line_comments={foreign.pk: "别人的行", own.pk: "请核实比例", 999999: "不存在的行"},
    )
    assert list(ReturnComment.objects.filter(actual__isnull=False).values_list("actual", "text")) == [
        (own.pk, "请核实比例")
    ]
    assert events(ret, AuditEvent.Action.RETURN).get().changes["逐项意见"] == {ORPHANS: "请核实比例"}
    assert status_of(ret) == Return.Status.RETURNED and status_of(other) == Return.Status.SUBMITTED


def test_approval_by_the_wrong_person_changes_nothing(relief, clerk_yining, admin_xj):
    ret = submitted(relief, clerk_yining)
    for person in (clerk_yining, admin_xj):
        with pytest.raises(WorkflowError, match="只有审核员或管理员可以审核|由其上级审核"):
            return_approve(ret=ret, actor=person)
    assert status_of(ret) == Return.Status.SUBMITTED
    assert not events(ret, AuditEvent.Action.APPROVE).exists()


def test_approval_is_audited(relief, clerk_yining, reviewer_yili):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili, comment=" 同意。 ")
    assert status_of(ret) == Return.Status.APPROVED
    event = events(ret, AuditEvent.Action.APPROVE).get()
    assert (event.actor, event.comment, event.changes) == (
        reviewer_yili,
        "同意。",
        {"状态": ["已提交", "已审核"]},
    )


def test_a_return_that_gained_an_error_after_submission_cannot_be_approved(
    relief, clerk_yining, reviewer_yili
):
    ret = submitted(relief, clerk_yining)
    # The spending was right when submitted; an allocation corrected since makes it too much.
    ret.funding.filter(source="central").update(spent=D("20000"))
    with pytest.raises(WorkflowError, match="存在错误"):
        return_approve(ret=ret, actor=reviewer_yili)
    assert status_of(ret) == Return.Status.SUBMITTED


# --- reopen -------------------------------------------------------------------------------------


@pytest.fixture
def approved_return(relief, clerk_yining, reviewer_yili):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili)
    return ret


def test_only_the_province_administrator_reopens(
    approved_return, admin_xj, auditor_xj, reviewer_yili, clerk_yining, admin_yili, reviewer_xj
):
    refused = [
        admin_yili,  # a prefecture's administrator
        reviewer_xj,  # province, not an administrator
        account("clerk_xj", "650000", Role.CLERK),
        auditor_xj,  # province, read-only
        account("admin_xj_left", "650000", Role.ADMIN, is_active=False),
        User.objects.create_superuser("admin_nowhere", password="x", role=Role.ADMIN),  # no region
        reviewer_yili,
        clerk_yining,
    ]
    assert can_reopen(admin_xj, approved_return) is True
    for person in refused:
        assert can_reopen(person, approved_return) is False, person.username
        with pytest.raises(WorkflowError, match="只有省级管理员|查阅账号不能修改|请先登录|没有绑定地区"):
            return_reopen(ret=approved_return, actor=person, reason="更正")
    assert status_of(approved_return) == Return.Status.APPROVED
    assert not events(approved_return, AuditEvent.Action.REOPEN).exists()


def test_only_an_approved_return_is_reopened(relief, clerk_yining, admin_xj):
    ret = submitted(relief, clerk_yining)
    assert can_reopen(admin_xj, ret) is False
    with pytest.raises(WorkflowError):
        return_reopen(ret=ret, actor=admin_xj, reason="更正")
    assert status_of(ret) == Return.Status.SUBMITTED


def test_reopening_needs_a_reason_and_is_audited(approved_return, admin_xj):
    with pytest.raises(WorkflowError, match="必须填写原因"):
        return_reopen(ret=approved_return, actor=admin_xj, reason="   ")
    assert status_of(approved_return) == Return.Status.APPROVED
    return_reopen(ret=approved_return, actor=admin_xj, reason=" 执行数需按决算更正 ")
    assert status_of(approved_return) == Return.Status.RETURNED
    assert ReturnComment.objects.get(ret=approved_return).text == "重新打开：执行数需按决算更正"
    event = events(approved_return, AuditEvent.Action.REOPEN).get()
    assert (event.actor, event.comment, event.changes) == (
        admin_xj,
        "执行数需按决算更正",
        {"状态": ["已审核", "已退回"]},
    )


# --- a reviewer's judgement -----------------------------------------------------------------


def test_return_judge_touches_only_the_lines_of_its_return(
    relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    ret = submitted(relief, clerk_yining)
    other = submitted(relief, clerk_huocheng)
    own = ret.actuals.get(indicator__name=LIVING)
    foreign = other.actuals.get(indicator__name=LIVING)
    changes = return_judge(ret=ret, actor=reviewer_yili, judgements={own.pk: True, foreign.pk: False})
    assert changes == {f"指标“{LIVING}”·审核认定": ["待认定", "认定完成"]}
    assert IndicatorActual.objects.get(pk=own.pk).judged_met is True
    assert IndicatorActual.objects.get(pk=foreign.pk).judged_met is None


def test_return_judge_by_anyone_but_the_reviewer_is_refused(relief, clerk_yining, admin_xj):
    ret = submitted(relief, clerk_yining)
    own = ret.actuals.get(indicator__name=LIVING)
    for person in (clerk_yining, admin_xj):
        with pytest.raises(WorkflowError, match="只有审核员或管理员可以审核|由其上级审核"):
            return_judge(ret=ret, actor=person, judgements={own.pk: True})
    assert IndicatorActual.objects.get(pk=own.pk).judged_met is None


# --- roll-up fill ---------------------------------------------------------------------------


def test_the_roll_up_cannot_overwrite_an_approved_return(relief, clerk_yining, reviewer_yili, admin_xj):
    county = submitted(relief, clerk_yining)  # 96% for every rate
    return_approve(ret=county, actor=reviewer_yili)
    prefecture = return_open(fund=relief, region=Region.objects.get(code="654000"), actor=reviewer_yili)
    data = filled(prefecture, spent="9000.50", percent="97%")  # 伊犁州's own figure, not the roll-up's
    return_save(ret=prefecture, actor=reviewer_yili, base_version=prefecture.version, data=data)
    excuse_missing(prefecture, actor=reviewer_yili)  # only 伊宁市 of 伊犁州's counties reported
    return_submit(ret=prefecture, actor=reviewer_yili)
    return_approve(ret=prefecture, actor=admin_xj)
    line = prefecture.actuals.get(indicator__name=ORPHANS)
    assert line.actual_text == "97%"
    edits = events(prefecture, AuditEvent.Action.EDIT).count()
    for person in (reviewer_yili, admin_xj):
        with pytest.raises(WorkflowError, match="“已审核”，不能修改|只能修改本单位自己的填报"):
            return_fill_from_rollup(ret=prefecture, actor=person)
    line.refresh_from_db()
    assert line.actual_text == "97%"
    assert status_of(prefecture) == Return.Status.APPROVED
    assert events(prefecture, AuditEvent.Action.EDIT).count() == edits


def test_the_roll_up_fills_a_draft_with_the_approved_figures_below(relief, clerk_yining, reviewer_yili):
    county = submitted(relief, clerk_yining, spent="9000.50")
    return_approve(ret=county, actor=reviewer_yili)
    prefecture = return_open(fund=relief, region=Region.objects.get(code="654000"), actor=reviewer_yili)
    data = filled(prefecture, spent="1", percent="97%")
    return_save(ret=prefecture, actor=reviewer_yili, base_version=prefecture.version, data=data)
    changes = return_fill_from_rollup(ret=prefecture, actor=reviewer_yili)
    # Only 伊宁市 is approved: its 96% and its 9000.50 are 伊犁州's roll-up.
    assert changes[f"指标“{ORPHANS}”·实际完成值"] == ["97%", "96%"]
    assert changes["中央财政资金·全年执行数"] == ["1.00", "9000.50"]
    assert prefecture.actuals.get(indicator__name=ORPHANS).actual_text == "96%"
    assert prefecture.funding.get(source="central").spent == D("9000.50")
    assert events(prefecture, AuditEvent.Action.EDIT).filter(summary="按下级汇总数据填入").count() == 1
