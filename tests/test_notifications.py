"""Notifications: who hears of a return's submission, send-back, approval and reopening, what
they read (in the portal and by mail), and the page that lists them."""

from smtplib import SMTPException

import pytest
from django.core import mail
from django.urls import reverse

from evalportal.models import Role, User
from indicators.models import Notification, Return
from indicators.services import (
    return_approve,
    return_open,
    return_reopen,
    return_save,
    return_send_back,
    return_submit,
    returns_approve_bulk,
)
from tests.scenarios import complete_input, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_email(clerk_yining, reviewer_yili, admin_xj):
    for user, email in (
        (clerk_yining, "yining@example.cn"),
        (reviewer_yili, "yili@example.cn"),
        (admin_xj, "xj@example.cn"),
    ):
        user.email = email
        user.save(update_fields=["email"])


def submitted(relief, clerk):
    ret = return_open(fund=relief, region=clerk.region, actor=clerk)
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=complete_input(ret))
    return_submit(ret=ret, actor=clerk)
    return ret


def notices_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


# --- who is told, and what -----------------------------------------------------------------


def test_send_back_tells_the_clerk_the_reason_and_line_comments_by_portal_and_mail(
    relief, clerk_yining, reviewer_yili, with_email, django_capture_on_commit_callbacks
):
    ret = submitted(relief, clerk_yining)
    mail.outbox.clear()
    line = ret.actuals.get(indicator__name="临时救助人次")
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(
            ret=ret, actor=reviewer_yili, reason="请补充人次。", line_comments={line.pk: "请填写具体人次"}
        )
    (notice,) = notices_of(clerk_yining)
    assert notice.kind == Notification.Kind.RETURNED and notice.ret == ret
    assert (
        notice.subject == "【绩效自评退回】伊宁市的2024年中央财政困难群众救助补助资金 年度绩效自评已退回修改"
    )
    assert "伊犁州审核员 伊犁州民政局审核员退回了伊宁市的" in notice.body
    assert "退回原因：请补充人次。" in notice.body
    assert "临时救助人次：请填写具体人次" in notice.body
    assert notice.link == f"/returns/{ret.pk}/" and notice.read_at is None
    (sent,) = mail.outbox
    assert sent.to == ["yining@example.cn"] and sent.subject == notice.subject
    assert "退回原因：请补充人次。" in sent.body and "临时救助人次：请填写具体人次" in sent.body
    assert f"查看填报：/returns/{ret.pk}/" in sent.body
    assert "请勿直接回复" in sent.body
    # The reviewer who sent it back hears nothing of his own step.
    assert [n.kind for n in notices_of(reviewer_yili)] == [Notification.Kind.SUBMITTED]


def test_mail_waits_for_the_commit(
    relief, clerk_yining, reviewer_yili, with_email, django_capture_on_commit_callbacks
):
    ret = submitted(relief, clerk_yining)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        return_send_back(ret=ret, actor=reviewer_yili, reason="请补充。")
    assert len(callbacks) == 1 and mail.outbox == []
    assert len(notices_of(clerk_yining)) == 1


def test_mail_link_is_absolute_with_portal_url(
    settings, relief, clerk_yining, reviewer_yili, with_email, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = "https://jxzp.example.gov.cn/"
    ret = submitted(relief, clerk_yining)
    with django_capture_on_commit_callbacks(execute=True):
        return_approve(ret=ret, actor=reviewer_yili)
    (sent,) = mail.outbox
    assert f"查看填报：https://jxzp.example.gov.cn/returns/{ret.pk}/" in sent.body


def test_submission_tells_the_reviewers_and_admins_above_only(
    relief,
    clerk_yining,
    clerk_huocheng,
    reviewer_yili,
    admin_yili,
    admin_xj,
    reviewer_aksu,
    auditor_xj,
    with_email,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ret = submitted(relief, clerk_yining)
    (notice,) = notices_of(reviewer_yili)
    assert notice.kind == Notification.Kind.SUBMITTED
    assert notice.subject == "【绩效自评待审核】伊宁市已提交2024年中央财政困难群众救助补助资金 年度绩效自评"
    assert "伊宁市填报员 伊宁市民政局填报员提交了伊宁市的" in notice.body and "请审核" in notice.body
    assert [n.kind for n in notices_of(admin_yili)] == [Notification.Kind.SUBMITTED]
    for nobody in (clerk_yining, clerk_huocheng, admin_xj, reviewer_aksu, auditor_xj):
        assert notices_of(nobody) == [], nobody
    # admin_yili has no address: the portal tells him, no mail does.
    assert [m.to for m in mail.outbox] == [["yili@example.cn"]]
    assert ret.status == Return.Status.SUBMITTED


def test_approval_tells_the_clerk_with_the_comment(relief, clerk_yining, reviewer_yili, with_email):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili, comment="数据完整，同意。")
    (notice,) = notices_of(clerk_yining)
    assert notice.kind == Notification.Kind.APPROVED
    assert (
        notice.subject
        == "【绩效自评审核通过】伊宁市的2024年中央财政困难群众救助补助资金 年度绩效自评已审核通过"
    )
    assert "审核意见：数据完整，同意。" in notice.body


def test_approval_without_a_comment_says_none(relief, clerk_yining, reviewer_yili):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili)
    (notice,) = notices_of(clerk_yining)
    assert "审核意见" not in notice.body


def test_bulk_approval_tells_each_clerk(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    returns = [submitted(relief, clerk_yining), submitted(relief, clerk_huocheng)]
    confirmed = {ret.pk for ret in returns}  # their narratives are empty: ticked 仍然通过
    approved, skipped = returns_approve_bulk(returns=returns, actor=reviewer_yili, confirmed_open=confirmed)
    assert len(approved) == 2 and skipped == []
    assert [n.ret for n in notices_of(clerk_yining)] == [returns[0]]
    assert [n.ret for n in notices_of(clerk_huocheng)] == [returns[1]]


def test_reopening_tells_the_clerk_the_reason_not_the_admin(relief, clerk_yining, reviewer_yili, admin_xj):
    ret = submitted(relief, clerk_yining)
    return_approve(ret=ret, actor=reviewer_yili)
    return_reopen(ret=ret, actor=admin_xj, reason="执行数需按决算更正")
    kinds = [n.kind for n in notices_of(clerk_yining)]
    assert kinds == [Notification.Kind.APPROVED, Notification.Kind.REOPENED]
    reopened = notices_of(clerk_yining)[-1]
    assert "重新打开原因：执行数需按决算更正" in reopened.body
    assert "自治区管理员" not in reopened.subject and reopened.subject.endswith("已重新打开")
    assert notices_of(admin_xj) == []


def test_a_region_without_clerks_tells_its_reviewer_and_admins(elderly, reviewer_yili, admin_yili, admin_xj):
    # 伊犁州 reports the elderly fund itself (no clerk there): its own people hear of the reopening.
    ret = Return.objects.get(fund=elderly, region__code="654000", project__isnull=True, period="year_end")
    return_reopen(ret=ret, actor=admin_xj, reason="请补充说明")
    assert [n.kind for n in notices_of(reviewer_yili)] == [Notification.Kind.REOPENED]
    assert [n.kind for n in notices_of(admin_yili)] == [Notification.Kind.REOPENED]


def test_inactive_clerks_and_other_regions_are_not_told(relief, clerk_yining, reviewer_yili):
    second = person("clerk_yining2", "654002", Role.CLERK)
    gone = person("clerk_yining_gone", "654002", Role.CLERK)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ret = submitted(relief, clerk_yining)
    return_send_back(ret=ret, actor=reviewer_yili, reason="请补充。")
    assert len(notices_of(clerk_yining)) == 1 and len(notices_of(second)) == 1
    assert notices_of(gone) == []


def test_a_mail_server_down_fails_no_step(
    monkeypatch, relief, clerk_yining, reviewer_yili, with_email, django_capture_on_commit_callbacks, caplog
):
    def broken(*args, **kwargs):
        raise SMTPException("connection refused")

    monkeypatch.setattr("indicators.notifications.send_mass_mail", broken)
    ret = submitted(relief, clerk_yining)
    with django_capture_on_commit_callbacks(execute=True):
        return_send_back(ret=ret, actor=reviewer_yili, reason="请补充。")
    assert Return.objects.get(pk=ret.pk).status == Return.Status.RETURNED
    assert len(notices_of(clerk_yining)) == 1
    assert "通知邮件发送失败：yining@example.cn" in caplog.text


# --- the pages -----------------------------------------------------------------------------


def sent_back(relief, clerk_yining, reviewer_yili, reason="请补充人次。"):
    ret = submitted(relief, clerk_yining)
    return_send_back(ret=ret, actor=reviewer_yili, reason=reason)
    return ret


def test_nav_shows_the_unread_count(client, relief, clerk_yining, reviewer_yili):
    ret = sent_back(relief, clerk_yining, reviewer_yili)
    Notification.objects.create(recipient=clerk_yining, ret=ret, kind="approved", subject="另一条", body="…")
    client.force_login(clerk_yining)
    page = client.get(reverse("home")).content.decode()
    assert 'href="/notifications/">通知 <span class="badge' in page
    assert 'aria-label="2条未读">2</span>' in page


def test_nav_shows_no_count_when_all_is_read(client, clerk_huocheng):
    client.force_login(clerk_huocheng)
    page = client.get(reverse("home")).content.decode()
    assert 'href="/notifications/">通知</a>' in page and "条未读" not in page


def test_anonymous_visitors_get_no_badge_and_no_list(client):
    page = client.get(reverse("login")).content.decode()
    assert "通知" not in page
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_newest_first_unread_bold(client, relief, clerk_yining, reviewer_yili):
    ret = sent_back(relief, clerk_yining, reviewer_yili)
    older = Notification.objects.get(recipient=clerk_yining)
    older.read_at = older.created_at
    older.save(update_fields=["read_at"])
    Notification.objects.create(
        recipient=clerk_yining, ret=ret, kind="approved", subject="最新一条", body="…"
    )
    client.force_login(clerk_yining)
    response = client.get(reverse("notifications:list"))
    page = response.content.decode()
    assert [n.subject for n in response.context["page"]] == ["最新一条", older.subject]
    assert page.index("最新一条") < page.index(older.subject)
    assert (
        '<div class="fw-bold">\n          <span class="badge text-bg-primary me-1">未读</span>最新一条'
        in page
    )
    assert f'<div class="text-body">\n          {older.subject}' in page
    assert "退回原因：请补充人次。" in page
    assert "全部标为已读" in page


def test_list_is_paginated_by_fifty(client, clerk_yining):
    Notification.objects.bulk_create(
        Notification(recipient=clerk_yining, kind="submitted", subject=f"通知{n}", body="") for n in range(51)
    )
    client.force_login(clerk_yining)
    first = client.get(reverse("notifications:list"))
    assert len(first.context["page"].object_list) == 50 and "第1页，共2页" in first.content.decode()
    second = client.get(reverse("notifications:list"), {"page": 2})
    assert [n.subject for n in second.context["page"]] == ["通知0"]


def test_opening_marks_read_and_goes_to_the_return(client, relief, clerk_yining, reviewer_yili):
    ret = sent_back(relief, clerk_yining, reviewer_yili)
    notice = Notification.objects.get(recipient=clerk_yining)
    client.force_login(clerk_yining)
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response.status_code == 302 and response.url == f"/returns/{ret.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    first_read = notice.read_at
    client.get(reverse("notifications:open", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.read_at == first_read  # opened again: still read since the first time


def test_a_stored_link_never_leaves_the_portal(client, clerk_yining):
    notice = Notification.objects.create(
        recipient=clerk_yining, kind="submitted", subject="外链", body="", link="//evil.example.com/"
    )
    client.force_login(clerk_yining)
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response.url == reverse("notifications:list")


def test_another_persons_notice_is_404_and_stays_unread(
    client, relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    sent_back(relief, clerk_yining, reviewer_yili)
    notice = Notification.objects.get(recipient=clerk_yining)
    for other in (clerk_huocheng, reviewer_yili):
        client.force_login(other)
        assert client.get(reverse("notifications:open", args=[notice.pk])).status_code == 404
        assert notice.subject not in client.get(reverse("notifications:list")).content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_marks_only_ones_own(client, relief, clerk_yining, reviewer_yili):
    ret = sent_back(relief, clerk_yining, reviewer_yili)
    Notification.objects.create(recipient=clerk_yining, ret=ret, kind="approved", subject="第二条", body="")
    client.force_login(clerk_yining)
    assert client.get(reverse("notifications:read_all")).status_code == 405
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将2条通知标为已读。" in response.content.decode()
    assert not Notification.objects.filter(recipient=clerk_yining, read_at__isnull=True).exists()
    # reviewer_yili's notice of the submission is his to mark, not the clerk's.
    assert Notification.objects.filter(recipient=reviewer_yili, read_at__isnull=True).count() == 1
    again = client.post(reverse("notifications:read_all"), follow=True)
    assert "没有未读通知。" in again.content.decode()


def test_the_list_page_runs_a_fixed_number_of_queries(client, clerk_yining, django_assert_num_queries):
    Notification.objects.bulk_create(
        Notification(recipient=clerk_yining, kind="submitted", subject=f"通知{n}", body="") for n in range(60)
    )
    client.force_login(clerk_yining)
    # user with their region and their unread count for the nav (the session through the
    # cache), the page's count and rows
    with django_assert_num_queries(3):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


def test_the_badge_costs_no_query_of_its_own(client, clerk_yining, yining_return, django_assert_num_queries):
    Notification.objects.create(
        recipient=clerk_yining, ret=yining_return, kind="approved", subject="一", body="…"
    )
    client.force_login(clerk_yining)
    # user with their region and their unread count (the session through the cache)
    with django_assert_num_queries(1):
        response = client.get(reverse("own_account"))
    assert 'aria-label="1条未读">1</span>' in response.content.decode()


def test_from_the_review_page_to_the_clerks_badge_and_back_to_the_return(
    client, relief, clerk_yining, reviewer_yili
):
    ret = submitted(relief, clerk_yining)
    line = ret.actuals.get(indicator__name="临时救助人次")
    client.force_login(reviewer_yili)
    client.post(
        reverse("indicators:send_back", args=[ret.pk]),
        {"reason": "请补充人次。", f"comment-{line.pk}": "请填写具体人次"},
    )
    assert Return.objects.get(pk=ret.pk).status == Return.Status.RETURNED
    client.force_login(clerk_yining)
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="1条未读">1</span>' in home
    listing = client.get(reverse("notifications:list")).content.decode()
    assert "临时救助人次：请填写具体人次" in listing
    notice = Notification.objects.get(recipient=clerk_yining)
    detail = client.get(reverse("notifications:open", args=[notice.pk]), follow=True)
    assert detail.status_code == 200 and detail.redirect_chain == [(f"/returns/{ret.pk}/", 302)]
    assert "条未读" not in detail.content.decode()


def test_support_sees_notices_in_the_admin_and_cannot_mark_them(client, relief, clerk_yining, reviewer_yili):
    sent_back(relief, clerk_yining, reviewer_yili)
    notice = Notification.objects.get(recipient=clerk_yining)
    client.force_login(User.objects.create_superuser("operator", password="x"))
    listing = client.get(reverse("admin:indicators_notification_changelist"))
    assert listing.status_code == 200 and notice.subject in listing.content.decode()
    url = reverse("admin:indicators_notification_change", args=[notice.pk])
    assert client.post(url, {"read_at_0": "2025-01-01", "read_at_1": "00:00"}).status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None
