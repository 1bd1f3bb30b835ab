"""Approval follows the tree (#11): a prefecture's return goes up only when the recipients
below it are approved, or an exception records which are missing and why."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.models import ApprovalException, Return
from indicators.selectors import missing_below
from indicators.services import (
    WorkflowError,
    approval_exception_record,
    approval_exception_remove,
    return_approve,
    return_open,
    return_save,
    return_submit,
)
from reports.data import report_data
from tests.scenarios import complete_input, excuse_missing, fill_submit_approve
from transfers.models import Region

HUOCHENG = "霍城县"


def prefecture_return(relief, reviewer_yili):
    ret = return_open(fund=relief, region=Region.objects.get(code="654000"), actor=reviewer_yili)
    return_save(ret=ret, actor=reviewer_yili, base_version=ret.version, data=complete_input(ret))
    return ret


def huocheng():
    return Region.objects.get(name=HUOCHENG)


def test_submit_is_refused_while_a_county_below_is_not_approved(relief, reviewer_yili):
    ret = prefecture_return(relief, reviewer_yili)
    with pytest.raises(
        WorkflowError, match=r"以下下级尚未审核通过：.*霍城县（未开始）.*请等待其审核通过，或登记例外"
    ):
        return_submit(ret=ret, actor=reviewer_yili, acknowledge_warnings=True)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.DRAFT


def test_a_county_in_draft_is_named_with_its_status(relief, reviewer_yili, clerk_huocheng):
    return_open(fund=relief, region=huocheng(), actor=clerk_huocheng)
    ret = prefecture_return(relief, reviewer_yili)
    with pytest.raises(WorkflowError, match="霍城县（填报中）"):
        return_submit(ret=ret, actor=reviewer_yili, acknowledge_warnings=True)


def test_exceptions_let_it_through_and_are_audited_with_the_reason(relief, reviewer_yili, admin_xj):
    ret = prefecture_return(relief, reviewer_yili)
    approval_exception_record(ret=ret, actor=reviewer_yili, region=huocheng(), reason="霍城县数据核对中")
    event = AuditEvent.objects.filter(object_id=str(ret.pk), action=AuditEvent.Action.EXCEPTION).get()
    assert event.comment == "霍城县数据核对中"
    assert event.actor == reviewer_yili
    with pytest.raises(WorkflowError, match="以下下级尚未审核通过"):  # the other counties still wait
        return_submit(ret=ret, actor=reviewer_yili, acknowledge_warnings=True)
    excuse_missing(ret, actor=reviewer_yili)
    return_submit(ret=ret, actor=reviewer_yili, acknowledge_warnings=True)
    return_approve(ret=ret, actor=admin_xj)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.APPROVED


def test_approve_is_refused_when_an_exception_was_withdrawn(relief, reviewer_yili, admin_xj):
    ret = prefecture_return(relief, reviewer_yili)
    excuse_missing(ret, actor=reviewer_yili)
    return_submit(ret=ret, actor=reviewer_yili, acknowledge_warnings=True)
    exception = ApprovalException.objects.get(ret=ret, region=huocheng())
    approval_exception_remove(exception=exception, actor=admin_xj)  # the reviewer, while submitted
    with pytest.raises(WorkflowError, match="霍城县（未开始）"):
        return_approve(ret=ret, actor=admin_xj)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_an_empty_reason_is_refused_and_nothing_saved(client, relief, reviewer_yili):
    ret = prefecture_return(relief, reviewer_yili)
    with pytest.raises(WorkflowError, match="必须填写原因"):
        approval_exception_record(ret=ret, actor=reviewer_yili, region=huocheng(), reason="  ")
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:exception", args=[ret.pk]),
        {"recipient": f"r-{huocheng().pk}", "reason": ""},
        follow=True,
    )
    assert "登记霍城县的例外必须填写原因" in response.content.decode()
    assert not ApprovalException.objects.exists()


def test_the_wrong_people_cannot_record(
    client, relief, reviewer_yili, clerk_huocheng, auditor_xj, reviewer_aksu
):
    ret = prefecture_return(relief, reviewer_yili)
    url = reverse("indicators:exception", args=[ret.pk])
    post = {"recipient": f"r-{huocheng().pk}", "reason": "理由"}
    for person, status in ((clerk_huocheng, 404), (reviewer_aksu, 404), (auditor_xj, 403)):
        client.force_login(person)
        assert client.post(url, post).status_code == status, person.username
    with pytest.raises(WorkflowError, match="查阅账号不能登记例外"):
        approval_exception_record(ret=ret, actor=auditor_xj, region=huocheng(), reason="理由")
    assert not ApprovalException.objects.exists()


def test_a_county_return_is_unaffected(relief, clerk_yining):
    ret = return_open(fund=relief, region=Region.objects.get(code="654002"), actor=clerk_yining)
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=complete_input(ret))
    assert missing_below(ret) == []
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_the_exception_shows_on_the_page_and_in_the_report(client, relief, reviewer_yili):
    ret = prefecture_return(relief, reviewer_yili)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:edit", args=[ret.pk])).content.decode()
    assert "下级填报情况" in page and "霍城县" in page
    client.post(
        reverse("indicators:exception", args=[ret.pk]),
        {"recipient": f"r-{huocheng().pk}", "reason": "霍城县数据核对中"},
    )
    page = client.get(reverse("indicators:detail", args=[ret.pk])).content.decode()
    assert "霍城县" in page and "霍城县数据核对中" in page
    data = report_data(fund=relief, region=Region.objects.get(code="654000"))
    assert "霍城县未审核通过，经伊犁州审核员登记例外：霍城县数据核对中。" in data.review_notice


def test_an_exception_for_a_county_approved_since_drops_out_of_the_report(
    relief, reviewer_yili, clerk_huocheng
):
    ret = prefecture_return(relief, reviewer_yili)
    approval_exception_record(ret=ret, actor=reviewer_yili, region=huocheng(), reason="霍城县数据核对中")
    county = return_open(fund=relief, region=huocheng(), actor=clerk_huocheng)
    fill_submit_approve(
        county, clerk=clerk_huocheng, reviewer=reviewer_yili, funding={"central": {"spent": Decimal("9000")}}
    )
    data = report_data(fund=relief, region=Region.objects.get(code="654000"))
    # 霍城县's figures are counted now: the notice no longer says it was left out.
    assert "霍城县未审核通过" not in data.review_notice
    assert ApprovalException.objects.filter(ret=ret).count() == 1  # the record itself stays
