"""Deadlines and reminders (填报截止日期与催报).

Which returns must come in: for a fund, the *lowest* regions below the province that receive
its money. Where the province sends money straight to counties and units (xj-2024-relief),
those counties and units report and their prefectures do not (a prefecture's return is rolled
up from its counties by its reviewer). Where money goes to prefectures only (xj-2024-elderly),
the prefectures report. Money for a named project counts for the county that runs it; the
county's own return (without project) is the one waited for. Inactive regions owe nothing.

A return is in when it is 已提交 or 已审核; a draft, a returned return or no row at all is
not in.

When mail goes out (``reminders_due``; Celery beat runs it once a day):

- ``remind_days_before`` days before ``due_on``, and on ``due_on`` itself, the active clerks
  (填报员) of every region whose return is not in get a reminder;
- every day after ``due_on``, those clerks get an overdue notice, and the reviewers (审核员) of
  the parent region get one escalation listing their late regions. A parent with no active
  reviewer escalates to its administrators instead: at the province it is the administrator
  who approves prefectures (domain.md §1), so late prefectures reach them.

Deadlines are per level (``Deadline.region`` is the region that set it): a region's return is
due by its parent's deadline or, where the parent set none, the nearest one above; so 伊犁州's
deadline reminds its counties' clerks and escalates to 伊犁州, while the province's covers the
prefectures and every county whose prefecture set none. Escalations go to the late region's
parent, the reviewer who reviews (and unlocks) it.

Inactive accounts get nothing. Accounts without an e-mail address are skipped and counted.
Every mail sent is recorded (``SentReminder``: deadline, person, kind, day), so running the task
twice on one day sends nothing twice; a mail that failed is not recorded and goes next run.

The same facts feed the home page: ``deadline_notices_for_user``.
"""

import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from evalportal.models import AuditEvent, Role, User
from indicators.formats import chinese_date
from indicators.models import Deadline, Period, Return, SentReminder
from indicators.permissions import may_set_deadlines
from indicators.selectors import binding_deadline, deadlines_by_setter
from transfers import tree
from transfers.models import Allocation, Fund, Region
from transfers.selectors import funds_for_user

logger = logging.getLogger(__name__)

IN_STATUSES = (Return.Status.SUBMITTED, Return.Status.APPROVED)
NAMES_IN_NOTICE = 5


# The last lines of every mail the portal sends (reminders, notifications).
MAIL_FOOTER = "\n\n此邮件由绩效自评系统自动发送，请勿直接回复。"


def fund_period_title(fund: Fund, period: str) -> str:
    """2024年中央财政困难群众救助补助资金 年度绩效自评"""
    return f"{fund.year}年{fund.full_name} {Period(period).label}"


def deadline_title(deadline: Deadline) -> str:
    return fund_period_title(deadline.fund, deadline.period)


def portal_url(path: str) -> str:
    """A path of the portal as a mail shows it: PORTAL_URL makes it absolute."""
    return f"{getattr(settings, 'PORTAL_URL', '').rstrip('/')}{path}"


def portal_link() -> str:
    """The home page lists each person's returns and review queue. Returns are opened by POST
    (indicators:start), so a reminder can only point there."""
    return portal_url(reverse("home"))


# --- who owes a return --------------------------------------------------------------------


def regions_owing_returns(fund: Fund) -> list[Region]:
    """The lowest active regions below the province that receive money of `fund`, in the
    regions' order."""
    return regions_owing_returns_of([fund])[fund.pk]


def regions_owing_returns_of(funds) -> dict[int, list[Region]]:
    """{fund pk: ``regions_owing_returns``} of many funds in two queries: the regions the funds'
    allocations reach (directly, or through a project run in them), then those regions with
    their parents. A page of fifty funds asked one query of each, 70 ms apiece."""
    funds = list(funds)
    reached: dict[int, set[int]] = {fund.pk: set() for fund in funds}
    rows = (
        Allocation.objects.filter(fund__in=funds)
        .order_by()
        .values_list("fund_id", "region_id", "project__region_id")
        .distinct()
    )
    for fund_id, region_id, project_region_id in rows:
        reached[fund_id].update(pk for pk in (region_id, project_region_id) if pk is not None)
    regions = (
        Region.objects.filter(pk__in=set().union(*reached.values()), level__gt=Region.Level.PROVINCE)
        .select_related("parent")
        .in_bulk()
    )
    owing: dict[int, list[Region]] = {}
    for fund_pk, pks in reached.items():
        recipients = sorted(  # in the regions' own order (Region.Meta.ordering)
            (regions[pk] for pk in pks if pk in regions), key=lambda r: (r.level, r.order, r.code)
        )
        with_money_below = {region.parent_id for region in recipients}
        with_money_below |= {region.parent.parent_id for region in recipients if region.parent is not None}
        owing[fund_pk] = [
            region for region in recipients if region.pk not in with_money_below and region.is_active
        ]
    return owing


@dataclass
class DeadlineProgress:
    """Which of the regions owing a return for one deadline have sent it in."""

    deadline: Deadline
    regions: list[Region]
    status_by_region: dict[int, str]

    def is_in(self, region: Region) -> bool:
        return self.status_by_region.get(region.pk) in IN_STATUSES

    def status_label(self, region: Region) -> str:
        status = self.status_by_region.get(region.pk)
        return Return.Status(status).label if status else "未填报"

    @property
    def missing(self) -> list[Region]:
        return [region for region in self.regions if not self.is_in(region)]

    def days_left(self, today: date) -> int:
        return (self.deadline.due_on - today).days


def bound_regions(by_setter: dict[int, Deadline], regions: list[Region]) -> dict[int, list[Region]]:
    """The regions owing returns grouped by the deadline binding them (deadline pk → regions);
    regions no deadline binds are left out."""
    bound: dict[int, list[Region]] = {}
    for region in regions:
        if (deadline := binding_deadline(by_setter, region)) is not None:
            bound.setdefault(deadline.pk, []).append(region)
    return bound


def deadline_pairs(fund_ids, *, within: Region | None = None) -> list[tuple[Deadline, list[Region]]]:
    """Every deadline of the funds with the regions owing returns it binds (``within``: only
    those in that subtree), by due date, fund, period and the setter's level."""
    pairs = []
    grouped = deadlines_by_setter(fund_ids)
    funds = {
        deadline.fund_id: deadline.fund for by_setter in grouped.values() for deadline in by_setter.values()
    }
    owing_by_fund = {
        fund_pk: [r for r in owing if within is None or tree.within(r, within.pk)]
        for fund_pk, owing in regions_owing_returns_of(funds.values()).items()
    }
    for by_setter in grouped.values():
        fund = next(iter(by_setter.values())).fund
        bound = bound_regions(by_setter, owing_by_fund[fund.pk])
        pairs += [(deadline, bound.get(deadline.pk, [])) for deadline in by_setter.values()]
    pairs.sort(key=lambda p: (p[0].due_on, p[0].fund.code, p[0].period, p[0].region.level, p[0].region.code))
    return pairs


def deadlines_progress(pairs: list[tuple[Deadline, list[Region]]]) -> list[DeadlineProgress]:
    """``DeadlineProgress`` of each (deadline, the regions it binds), in one query for all: the
    state of each region's own return of the deadline's fund and period."""
    if not pairs:
        return []
    statuses: dict[tuple[int, str], dict[int, str]] = {}
    rows = (
        Return.objects.filter(
            fund__in={deadline.fund_id for deadline, _regions in pairs},
            project__isnull=True,
            region__in={region.pk for _deadline, regions in pairs for region in regions},
        )
        .order_by()
        .values_list("fund_id", "period", "region_id", "status")
    )
    for fund_id, period, region_id, status in rows:
        statuses.setdefault((fund_id, period), {})[region_id] = status
    return [
        DeadlineProgress(deadline, regions, statuses.get((deadline.fund_id, deadline.period), {}))
        for deadline, regions in pairs
    ]


# --- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One message to the people of one region about one deadline."""

    UPCOMING = "upcoming"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"

    kind: str
    deadline: Deadline
    region: Region  # the late region (clerks), or the parent told about its late regions
    recipients: tuple[User, ...]
    today: date
    late: tuple[tuple[Region, str], ...] = ()  # (region, status label) for an escalation

    @property
    def days_overdue(self) -> int:
        return (self.today - self.deadline.due_on).days

    @property
    def subject(self) -> str:
        title = deadline_title(self.deadline)
        due = chinese_date(self.deadline.due_on)
        if self.kind == self.ESCALATION:
            return f"【绩效自评逾期】{self.region.display_name}有{len(self.late)}个地区未按期提交{title}"
        if self.kind == self.OVERDUE:
            return f"【绩效自评催报】{title}已于{due}截止，已逾期{self.days_overdue}天"
        if self.kind == self.DUE_TODAY:
            return f"【绩效自评提醒】{title}今天（{due}）截止"
        return f"【绩效自评提醒】{title}将于{due}截止"

    @property
    def body(self) -> str:
        title = deadline_title(self.deadline)
        due = chinese_date(self.deadline.due_on)
        link = portal_link()
        footer = MAIL_FOOTER
        if self.kind == self.ESCALATION:
            lines = "\n".join(f"  {region.name}（{status}）" for region, status in self.late)
            # A parent without a reviewer escalates to its administrators (see the module doc).
            who = Role(self.recipients[0].role).label if self.recipients else Role.REVIEWER.label
            return (
                f"{self.region.name}{who}：\n\n"
                f"{title}已于{due}截止，已逾期{self.days_overdue}天。"
                f"所辖下列{len(self.late)}个地区/单位仍未提交：\n{lines}\n\n"
                f"请督促以上地区尽快完成填报并提交。登录系统查看和审核：{link}" + footer
            )
        if self.kind == self.OVERDUE:
            when = f"已于{due}截止，已逾期{self.days_overdue}天，目前仍未提交。请尽快完成填报并提交，上级审核员已收到逾期通知。"
        elif self.kind == self.DUE_TODAY:
            when = f"今天（{due}）截止，目前尚未提交。请在今天内完成填报并提交。"
        else:
            days = (self.deadline.due_on - self.today).days
            when = f"将于{due}截止（还有{days}天），目前尚未提交。请按时完成填报并提交。"
        return (
            f"{self.region.name}填报员：\n\n{self.region.name}的{title}{when}\n登录系统填报：{link}" + footer
        )


def _kind_for(deadline: Deadline, today: date) -> str | None:
    days_left = (deadline.due_on - today).days
    if days_left < 0:
        return Reminder.OVERDUE
    if days_left == 0:
        return Reminder.DUE_TODAY
    if days_left == deadline.remind_days_before:
        return Reminder.UPCOMING
    return None


def _people(role: str, region_ids) -> dict[int, list[User]]:
    by_region: dict[int, list[User]] = {}
    users = User.objects.filter(role=role, is_active=True, region_id__in=region_ids).order_by("username")
    for user in users:
        by_region.setdefault(user.region_id, []).append(user)
    return by_region


def reminders_due(today: date) -> list[Reminder]:
    """Every reminder and escalation to send on `today`: for each deadline, its clerks', then
    its escalations. Who owes, how far each has got and the people to tell are read once for
    all deadlines (a country's 1,550 funds overdue: 113 s in 6,115 queries before, 1.2 s in 6)."""
    due = [
        (deadline, regions)
        for deadline, regions in deadline_pairs(Fund.objects.all())
        if regions and _kind_for(deadline, today) is not None
    ]
    late = [progress for progress in deadlines_progress(due) if progress.missing]
    clerks = _people(Role.CLERK, {region.pk for progress in late for region in progress.missing})
    # Overdue: the region above each late one is told, its reviewers or else its administrators.
    overdue = [progress for progress in late if _kind_for(progress.deadline, today) == Reminder.OVERDUE]
    parents = {region.parent_id for progress in overdue for region in progress.missing}
    reviewers = _people(Role.REVIEWER, parents) if parents else {}
    without_reviewer = parents - reviewers.keys()
    admins = _people(Role.ADMIN, without_reviewer) if without_reviewer else {}
    reminders: list[Reminder] = []
    for progress in late:
        kind = _kind_for(progress.deadline, today)
        for region in progress.missing:
            reminders.append(
                Reminder(kind, progress.deadline, region, tuple(clerks.get(region.pk, ())), today)
            )
        if kind == Reminder.OVERDUE:
            reminders += _escalations(progress, today, reviewers, admins)
    return reminders


def _escalations(
    progress: DeadlineProgress, today: date, reviewers: dict[int, list[User]], admins: dict[int, list[User]]
) -> list[Reminder]:
    """One escalation to each region above the late ones of ``progress``: to its reviewers, or
    to its administrators where it has no reviewer (``_people`` of each, read for all)."""
    late_by_parent: dict[int, list[Region]] = {}
    parents: dict[int, Region] = {}
    for region in progress.missing:
        late_by_parent.setdefault(region.parent_id, []).append(region)
        parents[region.parent_id] = region.parent
    return [
        Reminder(
            Reminder.ESCALATION,
            progress.deadline,
            parents[parent_id],
            tuple(reviewers.get(parent_id) or admins.get(parent_id, ())),
            today,
            tuple((region, progress.status_label(region)) for region in late),
        )
        for parent_id, late in late_by_parent.items()
    ]


@dataclass
class ReminderSummary:
    reminders: int = 0
    escalations: int = 0
    emails_sent: int = 0
    skipped_no_email: int = 0
    failed: int = 0
    without_recipient: int = 0  # late regions (or parents) with nobody active to tell
    already_sent: int = 0  # mails this day's earlier run sent (SentReminder)
    skipped_users: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def reminders_send(today: date) -> ReminderSummary:
    """Send today's reminders by e-mail, one message per person; return what happened."""
    summary = ReminderSummary()
    connection = get_connection()
    for reminder in reminders_due(today):
        if reminder.kind == Reminder.ESCALATION:
            summary.escalations += 1
        else:
            summary.reminders += 1
        if not reminder.recipients:
            summary.without_recipient += 1
        for user in reminder.recipients:
            if not user.email:
                summary.skipped_no_email += 1
                summary.skipped_users.append(user.username)
                continue
            claim = _claim(reminder, user)
            if claim is None:
                summary.already_sent += 1
                continue
            try:
                send_mail(reminder.subject, reminder.body, None, [user.email], connection=connection)
            except (SMTPException, OSError):
                logger.exception("提醒邮件发送失败：%s", user.email)
                claim.delete()  # not sent: the next run tries again
                summary.failed += 1
            else:
                summary.emails_sent += 1
    logger.info("截止日期提醒 %s：%s", today.isoformat(), summary.as_dict())
    return summary


def _claim(reminder: Reminder, user: User) -> SentReminder | None:
    """Record the mail before sending it, so a second run (even one running at the same time)
    finds it and sends nothing; None when it was already recorded."""
    try:
        with transaction.atomic():
            return SentReminder.objects.create(
                deadline=reminder.deadline, recipient=user, kind=reminder.kind, sent_on=reminder.today
            )
    except IntegrityError:
        return None


# --- home page ----------------------------------------------------------------------------


def deadline_notices_for_user(user, today: date) -> list[str]:
    """One-line Chinese notices for the home page about returns not yet in.

    A person is told about their own region's return; reviewers, administrators and
    read-only users also about the late regions below them, never about other branches.
    """
    if not user.is_authenticated or user.region_id is None:
        return []
    own = user.region
    notices = []
    scoped = [
        (deadline, regions)
        for deadline, regions in deadline_pairs(funds_for_user(user), within=own)
        if regions
    ]
    for progress in deadlines_progress(scoped):
        deadline = progress.deadline
        title = deadline_title(deadline)
        when = _when(deadline, today)
        missing = progress.missing
        if any(region.pk == own.pk for region in missing):
            notices.append(f"{title} {when}，尚未提交。")
        below = [region for region in missing if region.pk != own.pk]
        if below and user.role != Role.CLERK:
            names = "、".join(region.display_name for region in below[:NAMES_IN_NOTICE])
            more = "等" if len(below) > NAMES_IN_NOTICE else ""
            notices.append(f"{title} {when}，下级尚有{len(below)}个地区未提交：{names}{more}。")
    return notices


def _when(deadline: Deadline, today: date) -> str:
    due = chinese_date(deadline.due_on)
    days_left = (deadline.due_on - today).days
    if days_left > 0:
        return f"将于{due}截止"
    if days_left == 0:
        return f"今天（{due}）截止"
    return f"已于{due}截止，已逾期{-days_left}天"


# --- setting a deadline -------------------------------------------------------------------


@transaction.atomic
def deadline_set(
    *,
    actor: User,
    fund: Fund,
    region: Region,
    period: str,
    due_on: date,
    remind_days_before: int,
    lock_after: bool = False,
) -> Deadline:
    """Set (or change) ``region``'s deadline of ``fund``, binding the returns directly below it."""
    if reason := may_set_deadlines(actor, fund, region):
        raise PermissionDenied(reason)
    if period not in Period.values:
        raise ValidationError({"period": "填报期无效。"})
    if due_on.year < fund.year:
        raise ValidationError({"due_on": f"截止日期不能早于{fund.year}年（资金年度）。"})
    deadline = Deadline.objects.select_for_update().filter(fund=fund, period=period, region=region).first()
    created = deadline is None
    fields = ("due_on", "remind_days_before", "lock_after")
    if created:
        deadline = Deadline(fund=fund, region=region, period=period, due_on=due_on)
        old = dict.fromkeys(fields, "")
    else:
        old = {
            "due_on": deadline.due_on.isoformat(),
            "remind_days_before": deadline.remind_days_before,
            "lock_after": deadline.lock_after,
        }
    deadline.due_on, deadline.remind_days_before, deadline.lock_after = due_on, remind_days_before, lock_after
    new = {"due_on": due_on.isoformat(), "remind_days_before": remind_days_before, "lock_after": lock_after}
    changes = {name: [old[name], new[name]] for name in new if old[name] != new[name]}
    if not changes:
        return deadline
    deadline.full_clean()
    if created:
        deadline.save()
    else:
        deadline.save(update_fields=list(fields))
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.EDIT,
        obj=deadline,
        summary=(
            f"{'设置' if created else '修改'}{region.display_name}截止日期：{deadline_title(deadline)} "
            f"{chinese_date(due_on)}{'（逾期锁定）' if lock_after else ''}"
        ),
        region=region,
        fund=fund,
        changes=changes,
    )
    return deadline
