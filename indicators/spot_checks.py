"""Spot re-check (抽查复核, docs/domain.md §1): the province draws a random share of the approved
county returns of a fund, assigns each drawn return to one of its staff, and records what the
re-check found: 确认, or 需整改 with the reason, which reopens the return.

Writes and reads of this one feature live together here, as services and selectors do
elsewhere: the writes ask ``indicators.permissions`` and audit (AuditEvent.Action.SPOT_CHECK);
the reads start from the fund the person may see.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from evalportal.models import AuditEvent, User
from indicators.models import Period, Return, SpotCheck, SpotCheckDraw
from indicators.permissions import (
    REVIEWERS,
    may_assign_spot_check,
    may_draw_spot_check,
    may_record_spot_check,
)
from indicators.rules.sampling import DEFAULT_SHARE, share_percent, spot_check_sample
from indicators.services import WorkflowError, return_reopen
from transfers.models import Fund, Region

REOPEN_PREFIX = "抽查复核需整改："


# --- reads -------------------------------------------------------------------------------------


def spot_check_population(fund: Fund, period: str = Period.YEAR_END) -> QuerySet[Return]:
    """What a draw considers: the approved returns of the fund's counties (and the units at
    county level), never a project's return nor a prefecture's."""
    return Return.objects.filter(
        fund=fund,
        period=period,
        status=Return.Status.APPROVED,
        project__isnull=True,
        region__level=Region.Level.COUNTY,
    )


def spot_draws(fund: Fund) -> list[SpotCheckDraw]:
    """The draws of ``fund``, newest first, each with its checks (``draw.rows``) and their
    returns, regions, assignees: three queries whatever the number of draws."""
    draws = list(
        SpotCheckDraw.objects.filter(fund=fund)
        .select_related("drawn_by", "fund")
        .order_by("-drawn_at", "-pk")
    )
    checks = (
        SpotCheck.objects.filter(draw__in=draws)
        .select_related("ret__region__parent", "ret__fund", "assignee", "recorded_by")
        .order_by("ret__region__parent__order", "ret__region__order", "ret__region__code")
    )
    by_draw: dict[int, list[SpotCheck]] = {draw.pk: [] for draw in draws}
    draws_by_pk = {draw.pk: draw for draw in draws}
    for check in checks:
        check.draw = draws_by_pk[check.draw_id]  # the permission questions read the fund from it
        by_draw[check.draw_id].append(check)
    for draw in draws:
        draw.rows = by_draw[draw.pk]
    return draws


def get_spot_check(fund: Fund, pk: int) -> SpotCheck:
    """One check of ``fund`` (the caller has fetched the fund through the person's region): 404
    for a check of another fund."""
    return get_object_or_404(
        SpotCheck.objects.select_related("draw__fund", "ret__region__parent", "ret__fund", "assignee"),
        pk=pk,
        draw__fund=fund,
    )


def spot_check_assignees(fund: Fund) -> QuerySet[User]:
    """Who may be given a re-check: the active administrators and reviewers of the province."""
    return User.objects.filter(region_id=fund.region_id, role__in=REVIEWERS, is_active=True).order_by(
        "role", "username"
    )


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def spot_check_draw(
    *,
    fund: Fund,
    actor: User,
    share: Decimal = DEFAULT_SHARE,
    seed: str | int | None = None,
    period: str = Period.YEAR_END,
) -> SpotCheckDraw:
    """Draw ``share`` of the approved county returns; the seed (a new random one unless given),
    the share, the returns considered and those drawn are recorded, so the draw can be repeated."""
    if refusal := may_draw_spot_check(actor, fund):
        raise WorkflowError(refusal)
    try:
        share_text = share_percent(share)  # the rules engine refuses a share outside (0, 100%]
    except (TypeError, ValueError) as exc:
        raise WorkflowError(str(exc)) from None
    seed = str(seed).strip() if seed is not None and str(seed).strip() else secrets.token_hex(8)
    population = list(spot_check_population(fund, period).select_related("region").order_by("pk"))
    if not population:
        raise WorkflowError("还没有已审核的县级填报，无从抽取。")
    population_ids = [ret.pk for ret in population]
    drawn_ids = spot_check_sample(population_ids, seed=seed, share=share)
    draw = SpotCheckDraw.objects.create(
        fund=fund,
        period=period,
        drawn_by=actor,
        seed=seed,
        share=share,
        population_ids=population_ids,
        drawn_ids=drawn_ids,
    )
    by_pk = {ret.pk: ret for ret in population}
    SpotCheck.objects.bulk_create([SpotCheck(draw=draw, ret=by_pk[pk]) for pk in drawn_ids])
    names = "、".join(by_pk[pk].region.name for pk in drawn_ids)
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.SPOT_CHECK,
        obj=draw,
        summary=f"抽查复核抽取：{len(population)}份中抽取{len(drawn_ids)}份",
        region=fund.region,
        fund=fund,
        changes={
            "随机种子": ["", seed],
            "抽查比例": ["", share_text],
            "参与抽取": ["", str(len(population))],
            "抽中填报": ["", names],
        },
    )
    return draw


def _locked(check: SpotCheck) -> SpotCheck:
    return (
        SpotCheck.objects.select_for_update(of=("self",))
        .select_related("draw__fund", "ret__region", "ret__fund", "assignee")
        .get(pk=check.pk)
    )


def _audit(check: SpotCheck, *, actor: User, summary: str, changes: dict, comment: str = "") -> None:
    # On the return, so the re-check shows in that return's history beside its reopening.
    AuditEvent.objects.record(
        actor=actor,
        action=AuditEvent.Action.SPOT_CHECK,
        obj=check.ret,
        summary=summary,
        region=check.ret.region,
        fund=check.draw.fund,
        comment=comment,
        changes=changes,
    )


@transaction.atomic
def spot_check_assign(*, check: SpotCheck, actor: User, assignee: User | None) -> SpotCheck:
    locked = _locked(check)
    if refusal := may_assign_spot_check(actor, locked):
        raise WorkflowError(refusal)
    if assignee is not None and not spot_check_assignees(locked.draw.fund).filter(pk=assignee.pk).exists():
        raise WorkflowError("复核人应为本省在用的管理员或审核员。")
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    old = str(locked.assignee or "")
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    _audit(locked, actor=actor, summary="抽查复核分派", changes={"复核人": [old, str(assignee or "")]})
    check.assignee = assignee
    return locked


@transaction.atomic
def spot_check_record(*, check: SpotCheck, actor: User, finding: str, text: str = "") -> SpotCheck:
    """Record 确认 or 需整改; 需整改 needs its reason and reopens the return with it."""
    text = (text or "").strip()
    if finding not in (SpotCheck.Finding.CONFIRMED, SpotCheck.Finding.RECTIFY):
        raise WorkflowError("请选择复核结论：确认或需整改。")
    locked = _locked(check)
    if refusal := may_record_spot_check(actor, locked, finding):
        raise WorkflowError(refusal)
    if finding == SpotCheck.Finding.RECTIFY and not text:
        raise WorkflowError("需整改必须写明需要整改的问题。")
    locked.finding, locked.finding_text = finding, text
    locked.recorded_by, locked.recorded_at = actor, timezone.now()
    locked.save(update_fields=["finding", "finding_text", "recorded_by", "recorded_at"])
    _audit(
        locked,
        actor=actor,
        summary=f"抽查复核：{finding}",
        comment=text,
        changes={"复核结论": ["", finding]},
    )
    if finding == SpotCheck.Finding.RECTIFY:
        return_reopen(ret=locked.ret, actor=actor, reason=REOPEN_PREFIX + text)
    check.finding, check.finding_text = locked.finding, locked.finding_text
    check.recorded_by, check.recorded_at = locked.recorded_by, locked.recorded_at
    return locked
