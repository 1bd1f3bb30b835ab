"""Notifications (通知) of the steps of a return, in the portal and by e-mail.

Who is told (docs/domain.md §1):

- a submission: the reviewers and administrators of the region directly above, who review it;
- a send-back, an approval, a reopening: the clerks (填报员) of the return's own region; a
  region without an active clerk (a prefecture fills its own return) tells its reviewers and
  administrators instead.

Never the person who took the step, never an inactive account. Everyone told gets a row in
the portal (``Notification``, the list at /notifications/ and the count in the nav); those with
an e-mail address also get a mail, sent once the step's transaction has committed, so a step
that fails sends nothing and a mail server that is down fails no step (it is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from smtplib import SMTPException

from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from evalportal.models import Role, User
from indicators.models import Notification, Return
from indicators.permissions import REVIEWERS
from indicators.reminders import MAIL_FOOTER, fund_period_title, portal_url

logger = logging.getLogger(__name__)

Kind = Notification.Kind


def recipients_for(ret: Return, event: str, actor: User) -> list[User]:
    """The people told of `event` on `ret`; needs ret.region loaded."""
    people = User.objects.filter(is_active=True).exclude(pk=actor.pk).order_by("username")
    if event == Kind.SUBMITTED:
        if ret.region.parent_id is None:
            return []
        return list(people.filter(region_id=ret.region.parent_id, role__in=REVIEWERS))
    own = list(people.filter(region_id=ret.region_id, role__in=(Role.CLERK, *REVIEWERS)))
    clerks = [user for user in own if user.role == Role.CLERK]
    return clerks or own


def _who(actor: User) -> str:
    """伊犁州审核员张三 (display names of accounts are often the office's own: a space keeps them apart)"""
    if actor.region_id is None:
        return f"系统管理员 {actor}"
    return f"{actor.region.display_name}{actor.get_role_display()} {actor}"


def _owner(ret: Return) -> str:
    return f"{ret.region.name}“{ret.project.name}”项目" if ret.project_id else ret.region.name


def _message(ret: Return, event: str, actor: User, reason: str, line_comments: Mapping[str, str]):
    """(subject, body) of the notice; the body leaves out the link and the mail's footer."""
    title = fund_period_title(ret.fund, ret.period)
    owner = _owner(ret)
    who = _who(actor)
    if event == Kind.SUBMITTED:
        subject = f"【绩效自评待审核】{owner}已提交{title}"
        lines = [f"{who}提交了{owner}的{title}，请审核。"]
    elif event == Kind.RETURNED:
        subject = f"【绩效自评退回】{owner}的{title}已退回修改"
        lines = [f"{who}退回了{owner}的{title}，请按以下意见修改后重新提交。", "", f"退回原因：{reason}"]
        if line_comments:
            lines += ["", "逐项意见："]
            lines += [f"  {name}：{text}" for name, text in line_comments.items()]
    elif event == Kind.APPROVED:
        subject = f"【绩效自评审核通过】{owner}的{title}已审核通过"
        lines = [f"{who}审核通过了{owner}的{title}。"]
        if reason:
            lines += ["", f"审核意见：{reason}"]
    elif event == Kind.REOPENED:
        subject = f"【绩效自评重新打开】{owner}的{title}已重新打开"
        lines = [
            f"{who}重新打开了{owner}已审核的{title}，请按原因修改后重新提交。",
            "",
            f"重新打开原因：{reason}",
        ]
    else:
        raise ValueError(f"unknown notification kind: {event}")
    return subject, "\n".join(lines)


def notify_return_event(
    *,
    ret: Return,
    event: str,
    actor: User,
    reason: str = "",
    line_comments: Mapping[str, str] | None = None,
) -> list[Notification]:
    """Tell the people of `event` on `ret` (see the module doc), inside the caller's transaction.

    `reason` is the send-back's or reopening's reason, or the approval's comment;
    `line_comments` maps an indicator's name to the reviewer's comment on its line.
    """
    recipients = recipients_for(ret, event, actor)
    if not recipients:
        return []
    subject, body = _message(ret, event, actor, reason.strip(), line_comments or {})
    link = reverse("indicators:detail", args=[ret.pk])
    notices = Notification.objects.bulk_create(
        Notification(recipient=user, ret=ret, kind=event, subject=subject, body=body, link=link)
        for user in recipients
    )
    mail_body = f"{body}\n\n查看填报：{portal_url(link)}{MAIL_FOOTER}"
    mails = tuple((subject, mail_body, None, [user.email]) for user in recipients if user.email)
    if mails:
        transaction.on_commit(lambda: _send(mails))
    return notices


def _send(mails) -> None:
    try:
        send_mass_mail(mails)
    except (SMTPException, OSError):
        logger.exception("通知邮件发送失败：%s", ", ".join(mail[3][0] for mail in mails))


# --- read marks (not audited: they change nothing but the person's own list) --------------


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor: User) -> None:
    if notification.recipient_id != actor.pk:
        # The selector already 404s another person's notice; this keeps the service honest.
        raise PermissionDenied("只能标记自己的通知。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notice of `actor` read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
