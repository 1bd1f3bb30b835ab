"""Fixes seen in the review screens (issue #11): what the reviewer and the clerk see is what
they typed and what it means."""

from decimal import Decimal

from django.urls import reverse

from indicators.models import Return, ReturnComment
from indicators.services import return_save, return_submit
from tests.scenarios import complete_input

D = Decimal


def _submitted(ret, clerk):
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=complete_input(ret))
    return_submit(ret=ret, actor=clerk, acknowledge_warnings=True)
    ret.refresh_from_db()
    return ret


# --- 1. A refused send-back keeps the line comments ----------------------------------------------


def test_send_back_without_reason_shows_the_typed_line_comments_again(
    client, yining_return, clerk_yining, reviewer_yili
):
    ret = _submitted(yining_return, clerk_yining)
    line = ret.actuals.get(indicator__name="临时救助人次")
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:send_back", args=[ret.pk]),
        {"reason": "  ", f"comment-{line.pk}": "请核实人次口径"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'name="comment-{line.pk}" aria-label="对“临时救助人次”的意见">请核实人次口径</textarea>' in page
    assert "退回必须填写退回原因。逐项意见已保留，尚未退回。" in page
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED
    assert not ReturnComment.objects.filter(ret=ret).exists()


def test_send_back_with_a_reason_after_a_refusal_keeps_both(
    client, yining_return, clerk_yining, reviewer_yili
):
    ret = _submitted(yining_return, clerk_yining)
    line = ret.actuals.get(indicator__name="临时救助人次")
    client.force_login(reviewer_yili)
    client.post(
        reverse("indicators:send_back", args=[ret.pk]), {"reason": "", f"comment-{line.pk}": "请核实"}
    )
    response = client.post(
        reverse("indicators:send_back", args=[ret.pk]), {"reason": "请修改。", f"comment-{line.pk}": "请核实"}
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED
    assert list(ReturnComment.objects.filter(ret=ret, actual=line).values_list("text", flat=True)) == [
        "请核实"
    ]


def test_the_wrong_person_gets_no_page_of_typed_comments(
    client, yining_return, clerk_yining, reviewer_aksu, auditor_xj, clerk_huocheng
):
    ret = _submitted(yining_return, clerk_yining)
    line = ret.actuals.get(indicator__name="临时救助人次")
    url = reverse("indicators:send_back", args=[ret.pk])
    for other, status in (
        (reviewer_aksu, 404),
        (clerk_huocheng, 404),
        (auditor_xj, 403),
        (clerk_yining, 403),
    ):
        client.force_login(other)
        response = client.post(url, {"reason": "", f"comment-{line.pk}": "别人的意见"})
        assert response.status_code == status, other
        assert "别人的意见" not in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED
