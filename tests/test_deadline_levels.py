"""Deadlines per level (#11): the province sets the date for prefectures, a prefecture for its
counties; a deadline may lock late returns until the reviewer above unlocks them with a reason;
a day's reminders go out once however often beat runs.

Dates are real: the locking deadlines lie in early 2025, so they have passed on any day the
tests run; the reminder dates are passed to reminders_send explicitly.
"""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators import permissions
from indicators.models import Deadline, DeadlineUnlock, Period, Return, SentReminder
from indicators.reminders import Reminder, deadline_set, reminders_due, reminders_send
from indicators.selectors import applicable_deadline, get_return_for_user, with_lock
from indicators.services import WorkflowError, return_save, return_send_back, return_submit, return_unlock
from tests import readers
from tests.scenarios import complete_input
from transfers.models import Region

pytestmark = pytest.mark.django_db

PROVINCE_DUE = date(2025, 1, 31)
YILI_DUE = date(2025, 1, 20)
LOCKED = "已过截止日期（2025年1月20日），填报已锁定，请联系伊犁州审核人解锁。"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def set_deadline(fund, setter_code: str, due_on: date, *, lock_after: bool = False, remind: int = 3):
    return Deadline.objects.create(
        fund=fund, region=region(setter_code), period=Period.YEAR_END, due_on=due_on,
        remind_days_before=remind, lock_after=lock_after,
    )  # fmt: skip


@pytest.fixture
def filled_return(yining_return, clerk_yining):
    """伊宁市's relief return, complete but not submitted (saved before any lock)."""
    return_save(
        ret=yining_return,
        actor=clerk_yining,
        base_version=yining_return.version,
        data=complete_input(yining_return),
    )
    return yining_return


@pytest.fixture
def yili_lock(relief):
    """伊犁州 locks its counties' returns after 20 January 2025; the province's date is later."""
    set_deadline(relief, "650000", PROVINCE_DUE)
    return set_deadline(relief, "654000", YILI_DUE, lock_after=True)


def fresh(user, ret) -> Return:
    """The return as a view sees it: through the region-scoped selector, with its lock."""
    return get_return_for_user(user, ret.pk)


# --- who sets which deadline ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reviewer_yili", "admin_yili"])
def test_yili_sets_the_date_for_its_counties(request, client, relief, yili, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse("deadlines:edit", args=["xj-2024-relief", "year_end"])
    assert url in client.get(reverse("deadlines:list")).content.decode()
    response = client.post(url, {"due_on": "2025-01-20", "remind_days_before": "5", "lock_after": "on"})
    assert response.status_code == 302
    deadline = Deadline.objects.get(fund=relief, period="year_end")
    assert (deadline.region, deadline.due_on, deadline.remind_days_before, deadline.lock_after) == (
        yili,
        YILI_DUE,
        5,
        True,
    )
    event = AuditEvent.objects.get(object_type="indicators.deadline", object_id=str(deadline.pk))
    assert event.region == yili and event.actor == user
    assert (
        event.summary
        == "设置伊犁州截止日期：2024年中央财政困难群众救助补助资金 年度绩效自评 2025年1月20日（逾期锁定）"
    )


def test_the_province_and_a_prefecture_keep_separate_dates(admin_xj, reviewer_yili, relief, province, yili):
    deadline_set(actor=admin_xj, fund=relief, region=province, period="year_end", due_on=PROVINCE_DUE,
                 remind_days_before=3)  # fmt: skip
    deadline_set(actor=reviewer_yili, fund=relief, region=yili, period="year_end", due_on=YILI_DUE,
                 remind_days_before=3)  # fmt: skip
    assert sorted(Deadline.objects.filter(fund=relief).values_list("region__code", "due_on")) == [
        ("650000", PROVINCE_DUE),
        ("654000", YILI_DUE),
    ]


def test_aksus_reviewer_cannot_set_yilis_date(reviewer_aksu, relief, yili):
    assert (
        permissions.may_set_deadlines(reviewer_aksu, relief, yili) == "只能设置本级（阿克苏地区）的截止日期。"
    )
    with pytest.raises(PermissionDenied):
        deadline_set(actor=reviewer_aksu, fund=relief, region=yili, period="year_end", due_on=YILI_DUE,
                     remind_days_before=3)  # fmt: skip
    assert not Deadline.objects.exists()


def test_a_county_clerk_sets_no_deadline(client, clerk_yining, relief, yining, yili, province):
    assert (
        permissions.may_set_deadlines(clerk_yining, relief, yining)
        == "伊宁市没有下级填报单位，不能设置截止日期。"
    )
    assert permissions.may_set_deadlines(clerk_yining, relief, yili) == "只能设置本级（伊宁市）的截止日期。"
    assert (
        permissions.may_set_deadlines(clerk_yining, relief, province) == "只能设置本级（伊宁市）的截止日期。"
    )
    client.force_login(clerk_yining)
    url = reverse("deadlines:edit", args=["xj-2024-relief", "year_end"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"due_on": "2025-01-20", "remind_days_before": "3"}).status_code == 403
    assert not Deadline.objects.exists()


def test_the_province_reviewer_does_not_set_the_provinces_date(reviewer_xj, relief, province):
    assert (
        permissions.may_set_deadlines(reviewer_xj, relief, province)
        == "只有省级管理员可以设置全省的截止日期。"
    )


# --- which deadline binds a return ----------------------------------------------------------


def test_the_prefectures_deadline_wins_over_the_provinces(relief, yining):
    province_deadline = set_deadline(relief, "650000", PROVINCE_DUE)
    assert applicable_deadline(relief, "year_end", yining) == province_deadline  # 伊犁州 set none yet
    yili_deadline = set_deadline(relief, "654000", YILI_DUE)
    assert applicable_deadline(relief, "year_end", yining) == yili_deadline
    assert applicable_deadline(relief, "year_end", region("652901")) == province_deadline  # 阿克苏市
    assert applicable_deadline(relief, "year_end", region("654000")) == province_deadline  # 伊犁州 itself


def test_the_list_shows_the_own_date_and_the_one_from_above(client, reviewer_yili, relief):
    set_deadline(relief, "650000", PROVINCE_DUE)
    set_deadline(relief, "654000", YILI_DUE, lock_after=True)
    client.force_login(reviewer_yili)
    response = client.get(reverse("deadlines:list"))
    [row] = [
        r
        for r in readers.table_rows(response)
        if r["资金"] == f"{relief.year}年{relief.full_name}" and r["填报期"] == Period.YEAR_END.label
    ]
    # 伊犁州's own date, locked after it, and the province's above it.
    assert row["本级设置"] == f"{YILI_DUE.year}年{YILI_DUE.month}月{YILI_DUE.day}日 逾期锁定"
    assert row["上级规定"].startswith(f"{PROVINCE_DUE.year}年{PROVINCE_DUE.month}月{PROVINCE_DUE.day}日")
    page = response.content.decode()
    assert "2025年1月20日" in page and "2025年1月31日" in page and "逾期锁定" in page


def test_a_fund_without_a_deadline_says_so_where_the_progress_would_be(client, reviewer_yili, relief):
    client.force_login(reviewer_yili)
    response = client.get(reverse("deadlines:list"))
    rows = [r for r in readers.table_rows(response) if r["资金"] == f"{relief.year}年{relief.full_name}"]
    assert [(r["填报期"], r["状态"]) for r in rows] == [
        ("年度绩效自评", "未设截止日期，不统计进度"),
        ("绩效运行监控", "未设截止日期，不统计进度"),
    ]
    page = response.content.decode()
    assert page.count("未设截止日期，不统计进度") == len(readers.table_rows(response))


# --- the lock after a deadline --------------------------------------------------------------


def test_after_a_locking_deadline_the_return_is_neither_edited_nor_submitted(
    client, filled_return, yili_lock, clerk_yining
):
    ret = fresh(clerk_yining, filled_return)
    assert permissions.may_edit_return(clerk_yining, ret) == LOCKED
    assert permissions.may_submit_return(clerk_yining, ret) == LOCKED
    with pytest.raises(
        WorkflowError, match="^已过截止日期（2025年1月20日），填报已锁定，请联系伊犁州审核人解锁。$"
    ):
        return_submit(ret=filled_return, actor=clerk_yining, acknowledge_warnings=True)
    with pytest.raises(WorkflowError, match="填报已锁定"):
        return_save(ret=filled_return, actor=clerk_yining, base_version=ret.version, data=complete_input(ret))
    filled_return.refresh_from_db()
    assert filled_return.status == Return.Status.DRAFT

    client.force_login(clerk_yining)
    edit = client.get(reverse("indicators:edit", args=[ret.pk]))
    assert edit.status_code == 302 and edit["Location"] == reverse("indicators:detail", args=[ret.pk])
    page = client.get(reverse("indicators:detail", args=[ret.pk])).content.decode()
    assert LOCKED in page
    assert reverse("indicators:unlock", args=[ret.pk]) not in page  # a clerk cannot unlock


def test_a_locked_return_takes_no_evidence_and_no_exception(client, filled_return, yili_lock, clerk_yining):
    ret = fresh(clerk_yining, filled_return)
    assert permissions.may_attach(clerk_yining, ret) == LOCKED
    assert permissions.may_record_approval_exception(clerk_yining, ret) == LOCKED
    client.force_login(clerk_yining)
    pdf = SimpleUploadedFile("说明.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(reverse("indicators:attachment_add", args=[ret.pk]), {"file": pdf})
    assert response.status_code == 403
    assert not ret.attachments.exists()


def test_a_returned_return_is_locked_too(filled_return, yili_lock, clerk_yining):
    Return.objects.filter(pk=filled_return.pk).update(status=Return.Status.RETURNED)
    assert permissions.may_edit_return(clerk_yining, fresh(clerk_yining, filled_return)) == LOCKED


def test_a_return_sent_back_after_the_deadline_is_not_locked(
    filled_return, yili_lock, reviewer_yili, clerk_yining
):
    # Unlocked for today only, submitted late, then sent back by the reviewer: the change is
    # the reviewer's request, so it stays open after the unlock has run out.
    return_unlock(ret=filled_return, actor=reviewer_yili, reason="系统故障延误", until=date.today())
    return_submit(ret=fresh(clerk_yining, filled_return), actor=clerk_yining, acknowledge_warnings=True)
    return_send_back(ret=fresh(reviewer_yili, filled_return), actor=reviewer_yili, reason="请补充佐证")
    tomorrow = date.fromordinal(date.today().toordinal() + 1)
    assert with_lock(fresh(clerk_yining, filled_return), tomorrow).lock is None


def test_no_lock_without_lock_after_or_before_the_date(filled_return, relief, clerk_yining):
    deadline = set_deadline(relief, "654000", YILI_DUE)  # passed, but not set to lock
    assert fresh(clerk_yining, filled_return).lock is None
    Deadline.objects.filter(pk=deadline.pk).update(lock_after=True, due_on=date(2099, 12, 31))
    assert fresh(clerk_yining, filled_return).lock is None
    assert with_lock(fresh(clerk_yining, filled_return), date(2100, 1, 1)).lock.reason == (
        "已过截止日期（2099年12月31日），填报已锁定，请联系伊犁州审核人解锁。"
    )


def test_the_provinces_locking_date_binds_a_county_whose_prefecture_set_none(
    filled_return, relief, clerk_yining
):
    set_deadline(relief, "650000", PROVINCE_DUE, lock_after=True)
    reason = "已过截止日期（2025年1月31日），填报已锁定，请联系伊犁州审核人解锁。"
    assert permissions.may_edit_return(clerk_yining, fresh(clerk_yining, filled_return)) == reason


# --- unlocking ----------------------------------------------------------------------------


def test_the_reviewer_unlocks_with_a_reason_and_the_return_submits(
    client, filled_return, yili_lock, clerk_yining, reviewer_yili, new_events
):
    client.force_login(reviewer_yili)
    detail = reverse("indicators:detail", args=[filled_return.pk])
    page = client.get(detail).content.decode()
    assert LOCKED in page and reverse("indicators:unlock", args=[filled_return.pk]) in page

    response = client.post(
        reverse("indicators:unlock", args=[filled_return.pk]), {"reason": "系统故障，同意补报。"}
    )
    assert response.status_code == 302
    [unlock] = DeadlineUnlock.objects.filter(ret=filled_return)
    assert (unlock.author, unlock.reason, unlock.until) == (reviewer_yili, "系统故障，同意补报。", None)
    [event] = new_events().filter(action=AuditEvent.Action.UNLOCK)
    assert (event.actor, event.comment, event.object_id) == (
        reviewer_yili,
        "系统故障，同意补报。",
        str(filled_return.pk),
    )
    assert event.summary == "逾期解锁（截止日期2025年1月20日）"

    ret = fresh(clerk_yining, filled_return)
    assert ret.lock.is_locked is False
    assert permissions.may_edit_return(clerk_yining, ret) is None
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    filled_return.refresh_from_db()
    assert filled_return.status == Return.Status.SUBMITTED


def test_an_unlock_needs_a_reason(client, filled_return, yili_lock, reviewer_yili, clerk_yining):
    with pytest.raises(WorkflowError, match="^解锁必须填写原因。$"):
        return_unlock(ret=fresh(reviewer_yili, filled_return), actor=reviewer_yili, reason="  ")
    client.force_login(reviewer_yili)
    client.post(reverse("indicators:unlock", args=[filled_return.pk]), {"reason": ""})
    assert not DeadlineUnlock.objects.exists()
    assert permissions.may_edit_return(clerk_yining, fresh(clerk_yining, filled_return)) == LOCKED


def test_only_the_reviewer_above_unlocks(
    client, filled_return, yili_lock, reviewer_aksu, clerk_yining, admin_xj, auditor_xj
):
    ret = fresh(admin_xj, filled_return)
    assert permissions.may_unlock_return(reviewer_aksu, ret) == "伊宁市的填报由其上级审核员解锁，您不能解锁。"
    assert permissions.may_unlock_return(admin_xj, ret) == "伊宁市的填报由其上级审核员解锁，您不能解锁。"
    assert permissions.may_unlock_return(clerk_yining, ret) == "只有上级审核员或管理员可以解锁。"
    assert permissions.may_unlock_return(auditor_xj, ret) == "查阅账号不能解锁。"
    with pytest.raises(WorkflowError, match="由其上级审核员解锁"):
        return_unlock(ret=ret, actor=reviewer_aksu, reason="越权解锁")

    url = reverse("indicators:unlock", args=[filled_return.pk])
    client.force_login(reviewer_aksu)
    assert client.post(url, {"reason": "越权解锁"}).status_code == 404  # another prefecture's return
    client.force_login(clerk_yining)
    assert client.post(url, {"reason": "自己解锁"}).status_code == 403
    client.force_login(auditor_xj)
    assert client.post(url, {"reason": "查阅"}).status_code == 403
    assert not DeadlineUnlock.objects.exists()


def test_a_return_not_locked_needs_no_unlock(filled_return, relief, reviewer_yili):
    set_deadline(relief, "654000", YILI_DUE)  # not set to lock
    ret = fresh(reviewer_yili, filled_return)
    assert permissions.may_unlock_return(reviewer_yili, ret) == "伊宁市的填报没有被锁定，无需解锁。"


def test_an_unlock_until_a_day_expires(filled_return, yili_lock, reviewer_yili, clerk_yining):
    DeadlineUnlock.objects.create(
        ret=filled_return, author=reviewer_yili, reason="补报", until=date(2025, 2, 5)
    )
    ret = fresh(clerk_yining, filled_return)
    assert with_lock(ret, date(2025, 2, 5)).lock.is_locked is False
    assert permissions.may_edit_return(clerk_yining, with_lock(ret, date(2025, 2, 6))) == LOCKED


# --- reminders per level, sent once a day -----------------------------------------------------


@pytest.fixture
def mailed(clerk_yining, clerk_huocheng, reviewer_yili, clerk_aksu, reviewer_aksu):
    for user, email in (
        (clerk_yining, "yining@mz.example.cn"),
        (clerk_huocheng, "huocheng@mz.example.cn"),
        (reviewer_yili, "yili@mz.example.cn"),
        (clerk_aksu, "akesu@mz.example.cn"),
        (reviewer_aksu, "akesu-dq@mz.example.cn"),
    ):
        user.email = email
        user.save(update_fields=["email"])


def addresses() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminders_follow_the_prefectures_deadline(mailed, relief):
    set_deadline(relief, "650000", PROVINCE_DUE)
    set_deadline(relief, "654000", YILI_DUE)
    # 伊犁州's counties are due on the 20th; 阿克苏市 (the province's date) not until the 31st.
    reminders_send(date(2025, 1, 17))
    assert addresses() == ["huocheng@mz.example.cn", "yining@mz.example.cn"]
    # Overdue for 伊犁州's date: its clerks daily, and 伊犁州 (which set it) hears of them.
    mail.outbox.clear()
    reminders_send(date(2025, 1, 21))
    assert addresses() == ["huocheng@mz.example.cn", "yili@mz.example.cn", "yining@mz.example.cn"]
    mail.outbox.clear()
    reminders_send(date(2025, 1, 28))  # 阿克苏市's reminder, 3 days before the province's date
    assert addresses() == [
        "akesu@mz.example.cn",
        "huocheng@mz.example.cn",
        "yili@mz.example.cn",
        "yining@mz.example.cn",
    ]
    [akesu] = [message for message in mail.outbox if message.to == ["akesu@mz.example.cn"]]
    assert (
        akesu.subject
        == "【绩效自评提醒】2024年中央财政困难群众救助补助资金 年度绩效自评将于2025年1月31日截止"
    )
    [escalation] = [r for r in reminders_due(date(2025, 1, 21)) if r.kind == Reminder.ESCALATION]
    assert escalation.region.code == "654000" and escalation.deadline.region.code == "654000"


def test_running_twice_a_day_sends_once(mailed, relief):
    deadline = set_deadline(relief, "654000", YILI_DUE)
    first = reminders_send(date(2025, 1, 21))
    assert len(mail.outbox) == 3  # 伊宁市's and 霍城县's clerks, 伊犁州's reviewer
    assert first.emails_sent == 3 and first.already_sent == 0
    second = reminders_send(date(2025, 1, 21))
    assert len(mail.outbox) == 3
    assert second.emails_sent == 0 and second.already_sent == 3
    assert sorted(
        SentReminder.objects.filter(deadline=deadline).values_list("recipient__username", "kind")
    ) == [
        ("clerk_huocheng", "overdue"),
        ("clerk_yining", "overdue"),
        ("reviewer_yili", "escalation"),
    ]
    reminders_send(date(2025, 1, 22))  # a new day: the daily overdue notices go again
    assert len(mail.outbox) == 6


def test_a_failed_mail_is_not_recorded_and_goes_next_run(mailed, relief, monkeypatch):
    set_deadline(relief, "654000", YILI_DUE)

    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("indicators.reminders.send_mail", refuse)
    assert reminders_send(date(2025, 1, 21)).failed == 3
    assert not SentReminder.objects.exists()
    monkeypatch.undo()
    assert reminders_send(date(2025, 1, 21)).emails_sent == 3
    assert len(mail.outbox) == 3
