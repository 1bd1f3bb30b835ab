"""Bulk approval (#11): a confirmation page names what is still open in each return, and a
return with open items is approved only when the reviewer ticks it (仍然通过)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import AuditEvent, Role
from indicators.checks import open_items, open_items_of
from indicators.models import Aspect, Return
from indicators.services import (
    ReturnInput,
    return_judge,
    return_open,
    return_save,
    return_submit,
    returns_approve_bulk,
)
from tests.scenarios import complete_input, person

pytestmark = pytest.mark.django_db

# 伊犁州's relief table (seed 003): two lines whose targets are words, answered with numbers —
# the wording cannot say whether 应保尽保 / 应救尽救 was reached, so the reviewer must judge.
UNJUDGED = {"低保对象人数": "1200人", "临时救助人次": "3500人次"}
OPEN_ITEMS = ["2项定性指标待审核认定", "7项资金管理情况未填写", "总体目标完成情况未填写"]


def clean_return(fund, clerk, *, spent="900"):
    """Submitted, every line met, all seven narratives and the 总体目标 written."""
    ret = return_open(fund=fund, region=clerk.region, actor=clerk)
    data = complete_input(ret, spent=spent)
    data.narratives = {aspect: {"description": "按规定执行。", "problems": "无"} for aspect in Aspect.values}
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=data)
    return_submit(ret=ret, actor=clerk)
    return ret


def open_return(fund, clerk):
    """Submitted with two lines awaiting 认定, no narrative and no 总体目标."""
    ret = return_open(fund=fund, region=clerk.region, actor=clerk)
    data = complete_input(ret)
    for line in ret.actuals.select_related("indicator"):
        if line.indicator.name in UNJUDGED:
            data.actuals[line.indicator_id]["actual_text"] = UNJUDGED[line.indicator.name]
    data = ReturnInput(funding=data.funding, actuals=data.actuals, narratives={}, goal_achievement="")
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=data)
    return_submit(ret=ret, actor=clerk)
    return ret


def approval_of(ret):
    return AuditEvent.objects.filter(
        object_type="indicators.return", object_id=str(ret.pk), action=AuditEvent.Action.APPROVE
    ).first()


def status(ret):
    ret.refresh_from_db()
    return ret.status


# --- what is open ---------------------------------------------------------------------------------


def test_open_items_name_unjudged_lines_empty_narratives_and_goal(relief, clerk_yining, clerk_huocheng):
    unfinished = open_return(relief, clerk_yining)
    assert open_items(unfinished) == OPEN_ITEMS
    assert open_items(clean_return(relief, clerk_huocheng)) == []


def test_a_judged_line_is_no_longer_open(relief, clerk_yining, reviewer_yili):
    ret = open_return(relief, clerk_yining)
    line = ret.actuals.get(indicator__name="低保对象人数")
    return_judge(ret=ret, actor=reviewer_yili, judgements={line.pk: True})
    assert open_items(ret)[0] == "1项定性指标待审核认定"


def test_warnings_are_open_items(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    # Seven rate lines missed with one reason pasted under each: the checks warn.
    data = complete_input(ret, percent="80%", reason="资金不足", measure="加强管理")
    data.narratives = {aspect: {"description": "按规定执行。", "problems": "无"} for aspect in Aspect.values}
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    [item] = open_items(ret)
    assert item.startswith("警告：7个未完成指标填写了相同的未完成原因（")


# --- the service ------------------------------------------------------------------------------------


def test_service_skips_open_returns_unless_confirmed(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    unfinished, clean = open_return(relief, clerk_yining), clean_return(relief, clerk_huocheng)
    approved, skipped = returns_approve_bulk(
        returns=[unfinished, clean], actor=reviewer_yili, confirmed_open=set()
    )
    assert approved == [clean]
    assert skipped == [
        "伊宁市：仍有未完成事项（2项定性指标待审核认定；7项资金管理情况未填写；总体目标完成情况未填写），"
        "未勾选“仍然通过”，未审核。"
    ]
    assert status(unfinished) == Return.Status.SUBMITTED
    assert approval_of(clean).comment == ""

    approved, skipped = returns_approve_bulk(
        returns=[unfinished], actor=reviewer_yili, confirmed_open={unfinished.pk}
    )
    assert approved == [unfinished] and skipped == []
    assert approval_of(unfinished).comment == (
        "批量审核通过，审核时仍有未完成事项：2项定性指标待审核认定；7项资金管理情况未填写；总体目标完成情况未填写"
    )


def test_service_refuses_the_wrong_reviewer_before_reading_open_items(relief, clerk_yining, reviewer_aksu):
    ret = open_return(relief, clerk_yining)
    approved, skipped = returns_approve_bulk(returns=[ret], actor=reviewer_aksu, confirmed_open={ret.pk})
    assert approved == []
    assert skipped == ["伊宁市的填报由其上级审核，您不能审核。"]
    assert status(ret) == Return.Status.SUBMITTED


# --- the pages --------------------------------------------------------------------------------------


def test_queue_offers_the_confirmation_step(client, relief, clerk_yining, reviewer_yili):
    open_return(relief, clerk_yining)
    client.force_login(reviewer_yili)
    home = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("indicators:bulk_confirm")}"' in home
    assert "批量审核所选…" in home


def test_confirmation_page_lists_open_items_and_preselects_clean_returns(
    client, relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    unfinished, clean = open_return(relief, clerk_yining), clean_return(relief, clerk_huocheng)
    client.force_login(reviewer_yili)
    response = client.get(reverse("indicators:bulk_confirm"), {"ids": [unfinished.pk, clean.pk]})
    page = response.content.decode()
    assert response.status_code == 200 and "确认批量审核" in page
    for item in OPEN_ITEMS:
        assert f"<li>{item}</li>" in page
    assert f'name="ids" value="{clean.pk}" checked' in page
    assert f'name="confirm" value="{unfinished.pk}" id="confirm-{unfinished.pk}" aria-label' in page
    assert f'name="ids" value="{unfinished.pk}"' not in page
    # Showing the page approves nothing.
    assert status(unfinished) == status(clean) == Return.Status.SUBMITTED


def test_approving_from_the_page_skips_what_was_not_ticked(
    client, relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    unfinished, clean = open_return(relief, clerk_yining), clean_return(relief, clerk_huocheng)
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:bulk_approve"), {"ids": [clean.pk, unfinished.pk]}, follow=True
    )
    assert status(clean) == Return.Status.APPROVED
    assert status(unfinished) == Return.Status.SUBMITTED
    page = response.content.decode()
    assert "已审核通过1份填报：霍城县。" in page
    assert (
        "伊宁市：仍有未完成事项（2项定性指标待审核认定；7项资金管理情况未填写；总体目标完成情况未填写）"
        in page
    )


def test_ticking_still_approve_approves_and_records_the_open_items(
    client, relief, clerk_yining, reviewer_yili
):
    ret = open_return(relief, clerk_yining)
    client.force_login(reviewer_yili)
    response = client.post(reverse("indicators:bulk_approve"), {"confirm": [ret.pk]}, follow=True)
    assert status(ret) == Return.Status.APPROVED
    assert "已审核通过1份填报：伊宁市。" in response.content.decode()
    event = approval_of(ret)
    assert event.actor == reviewer_yili
    assert "2项定性指标待审核认定" in event.comment and "7项资金管理情况未填写" in event.comment
    assert "总体目标完成情况未填写" in event.comment


@pytest.mark.parametrize("who", ["clerk_yining", "auditor_xj"])
def test_clerk_and_read_only_may_neither_confirm_nor_approve(client, relief, clerk_huocheng, who, request):
    ret = clean_return(relief, clerk_huocheng)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("indicators:bulk_confirm"), {"ids": [ret.pk]}).status_code == 403
    assert (
        client.post(reverse("indicators:bulk_approve"), {"ids": [ret.pk], "confirm": [ret.pk]}).status_code
        == 403
    )
    assert status(ret) == Return.Status.SUBMITTED


def test_reviewer_of_another_prefecture_sees_and_approves_nothing_of_yili(
    client, relief, clerk_yining, clerk_huocheng, reviewer_aksu
):
    ids = [open_return(relief, clerk_yining).pk, clean_return(relief, clerk_huocheng).pk]
    client.force_login(reviewer_aksu)
    page = client.get(reverse("indicators:bulk_confirm"), {"ids": ids}).content.decode()
    assert "伊宁市" not in page and "霍城县" not in page
    assert "所选填报中有2份不在您的待审核列表中" in page and "没有可审核的填报。" in page
    client.post(reverse("indicators:bulk_approve"), {"ids": ids, "confirm": ids})
    assert set(Return.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"submitted"}


def test_confirmation_without_a_choice_goes_back_home(client, reviewer_yili):
    client.force_login(reviewer_yili)
    response = client.get(reverse("indicators:bulk_confirm"))
    assert response["Location"] == reverse("home")


def test_confirmation_page_queries_do_not_grow_with_the_returns(
    client, relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    clerk_yiningxian = person("clerk_yiningxian", "654021", Role.CLERK)
    clerk_kuitun = person("clerk_kuitun", "654003", Role.CLERK)
    one = [open_return(relief, clerk_yining).pk]
    several = one + [
        clean_return(relief, clerk_huocheng).pk,
        open_return(relief, clerk_yiningxian).pk,
        clean_return(relief, clerk_kuitun).pk,
    ]
    client.force_login(reviewer_yili)
    counts = []
    for ids in (one, several):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("indicators:bulk_confirm"), {"ids": ids}).content.decode()
        counts.append(len(queries))
    assert page.count("<li>7项资金管理情况未填写</li>") == 2
    assert counts[0] == counts[1]


def test_open_items_of_keeps_the_given_order(relief, clerk_yining, clerk_huocheng):
    first, second = clean_return(relief, clerk_huocheng), open_return(relief, clerk_yining)
    assert [state.ret.pk for state in open_items_of([second, first])] == [second.pk, first.pk]
