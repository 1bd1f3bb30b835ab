"""The lines of a return the workflow writes by itself: the roll-up fill of a prefecture's return,
the lines added when a target table gains an indicator, the version and time of each change.

domain.md §5: a prefecture's figures come from its counties' approved returns, money summed by
source; the level above may keep its own figure with a note. §2: a lower table may add
indicators. Figures: seed 003 (伊宁市 14005万元); the county's spending is typed here.
"""

from decimal import Decimal

import pytest

from evalportal.models import AuditEvent
from indicators.ledger import return_money
from indicators.models import IndicatorActual, IndicatorTarget, Return, TargetTable
from indicators.services import (
    ChecksFailed,
    NeedsAcknowledgement,
    ReturnInput,
    return_approve,
    return_fill_from_rollup,
    return_open,
    return_save,
    return_submit,
    returns_add_indicators,
)
from tests.seed_figures import YINING_RELIEF
from transfers.models import Allocation, Fund, Notice, Project

pytestmark = pytest.mark.django_db
D = Decimal


def typed(ret, *, funding, percent="96%", notes=None):
    """Every indicator met (rates at `percent`, words as the target says them)."""
    actuals = {}
    for line in ret.actuals.select_related("indicator"):
        target = line.indicator.target_text
        actuals[line.indicator_id] = {
            "actual_text": percent if "%" in target else target,
            "override_note": (notes or {}).get(line.indicator.name, ""),
        }
    return ReturnInput(funding=funding, actuals=actuals, narratives={}, goal_achievement="")


def approved_county(relief, clerk, reviewer, funding):
    ret = return_open(fund=relief, region=clerk.region, actor=clerk)
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=typed(ret, funding=funding))
    return_submit(ret=ret, actor=clerk)
    return_approve(ret=ret, actor=reviewer)
    return ret


def spent(ret):
    return {line.source: line.spent for line in ret.funding.all()}


# --- roll-up fill -------------------------------------------------------------------------------


def test_money_rolls_up_per_source_past_a_source_nobody_spent(relief, yili, clerk_yining, reviewer_yili):
    # 伊宁市 spent central 9000.50, provincial 4 (of the 5 the province sent it) and other
    # money 7 (of 8), no local money: the source nobody spent, listed before 其他资金 and 省级,
    # leaves them to be filled too.
    Allocation.objects.create(
        fund=relief,
        notice=Notice.objects.get(number="新财社〔2024〕35号"),
        from_region=yili.parent,
        region=clerk_yining.region,
        source="provincial",
        amount=D("5"),
    )
    funding = {
        "central": {"spent": D("9000.50")},
        "provincial": {"spent": D("4")},
        "other": {"budget": D("8"), "spent": D("7")},
    }
    approved_county(relief, clerk_yining, reviewer_yili, funding)
    prefecture = return_open(fund=relief, region=yili, actor=reviewer_yili)
    assert spent(prefecture) == {
        "central": D("9000.50"),
        "provincial": D("4"),
        "local": None,
        "other": D("7"),
    }


def test_the_fill_keeps_money_of_a_source_no_county_reported(relief, yili, clerk_yining, reviewer_yili):
    funding = {"central": {"spent": D("9000.50")}, "local": {"budget": D("10"), "spent": D("3")}}
    approved_county(relief, clerk_yining, reviewer_yili, funding)
    prefecture = return_open(fund=relief, region=yili, actor=reviewer_yili)
    assert spent(prefecture) == {"central": D("9000.50"), "provincial": None, "local": D("3"), "other": None}
    # 伊犁州 types its own central figure and other money (budget 8, spent 7) nobody below has.
    own = {"central": {"spent": D("1")}, "other": {"budget": D("8"), "spent": D("7")}}
    return_save(
        ret=prefecture,
        actor=reviewer_yili,
        base_version=prefecture.version,
        data=typed(prefecture, funding=own),
    )
    changes = return_fill_from_rollup(ret=prefecture, actor=reviewer_yili)
    assert changes == {"中央财政资金·全年执行数": ["1.00", "9000.50"]}
    assert spent(prefecture) == {
        "central": D("9000.50"),
        "provincial": None,
        "local": D("3"),
        "other": D("7"),
    }


def test_a_typed_central_budget_is_ignored(relief, clerk_yining):
    # The central budget is what the allocations sent (seed 003: 伊宁市 14005), never typed.
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    data = typed(ret, funding={"central": {"budget": D("1"), "spent": D("9000.50")}})
    changes = return_save(ret=ret, actor=clerk_yining, base_version=1, data=data)
    assert "中央财政资金·全年预算数" not in changes
    assert ret.funding.get(source="central").budget is None
    assert return_money(Return.objects.get(pk=ret.pk)).line("central").budget == YINING_RELIEF


def test_the_fill_keeps_an_indicator_only_the_prefecture_has(relief, yili, clerk_yining, reviewer_yili):
    approved_county(relief, clerk_yining, reviewer_yili, {"central": {"spent": D("9000.50")}})
    prefecture = return_open(fund=relief, region=yili, actor=reviewer_yili)
    table = TargetTable.objects.get(fund=relief, region=yili)
    own = IndicatorTarget.objects.create(
        table=table,
        level1="产出指标",
        level2="数量指标",
        name="州级督导检查次数",
        target_text="≥5次",
        order=99,
    )
    assert returns_add_indicators(table=table, indicators=[own]) == 1
    data = typed(prefecture, funding={"central": {"spent": D("9000.50")}})
    data.actuals[own.pk] = {"actual_text": "6次"}
    return_save(ret=prefecture, actor=reviewer_yili, base_version=prefecture.version, data=data)
    assert return_fill_from_rollup(ret=prefecture, actor=reviewer_yili) == {}
    assert prefecture.actuals.get(indicator=own).actual_text == "6次"


def test_an_overridden_first_line_does_not_stop_the_fill_of_the_others(
    relief, yili, clerk_yining, reviewer_yili
):
    approved_county(relief, clerk_yining, reviewer_yili, {"central": {"spent": D("9000.50")}})
    prefecture = return_open(fund=relief, region=yili, actor=reviewer_yili)
    first = prefecture.actuals.select_related("indicator").order_by("indicator__order", "pk").first()
    data = typed(
        prefecture,
        funding={"central": {"spent": D("9000.50")}},
        percent="97%",
        notes={first.indicator.name: "按州级核定"},
    )
    return_save(ret=prefecture, actor=reviewer_yili, base_version=prefecture.version, data=data)
    changes = return_fill_from_rollup(ret=prefecture, actor=reviewer_yili)
    rates = [
        line for line in prefecture.actuals.select_related("indicator") if "%" in line.indicator.target_text
    ]
    assert rates and changes == {f"指标“{line.indicator.name}”·实际完成值": ["97%", "96%"] for line in rates}
    for line in prefecture.actuals.select_related("indicator"):
        line.refresh_from_db()
        if line.pk == first.pk:
            assert line.actual_text == first.indicator.target_text  # its own words, kept
        elif "%" in line.indicator.target_text:
            assert line.actual_text == "96%", line.indicator.name


# --- indicators added to a table ------------------------------------------------------------


def added_indicator(table, name="新增指标"):
    order = table.indicators.count() + 100
    return IndicatorTarget.objects.create(
        table=table, level1="产出指标", level2="数量指标", name=name, target_text="≥1个", order=order
    )


def test_an_added_indicator_reaches_the_open_returns_of_its_table_only(
    relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    yining = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    huocheng = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    elderly = Fund.objects.get(code="xj-2024-elderly")
    other_fund = return_open(fund=elderly, region=clerk_yining.region, actor=clerk_yining)
    project = Project.objects.create(fund=relief, region=clerk_yining.region, name="伊宁市救助站改造项目")
    project_return = Return.objects.create(fund=relief, region=clerk_yining.region, project=project)
    table = TargetTable.objects.get(fund=relief, region=clerk_yining.region, project__isnull=True)
    indicator = added_indicator(table)

    assert returns_add_indicators(table=table, indicators=[indicator]) == 1
    assert IndicatorActual.objects.filter(indicator=indicator).get().ret == yining
    for ret in (huocheng, other_fund, project_return):
        assert not ret.actuals.filter(indicator=indicator).exists()
    # Again (an import applied twice): the line is there once, and nothing fails.
    returns_add_indicators(table=table, indicators=[indicator])
    assert IndicatorActual.objects.filter(indicator=indicator).count() == 1


def test_an_added_indicator_does_not_reach_a_submitted_or_approved_return(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    table = TargetTable.objects.get(fund=relief, region=clerk_yining.region, project__isnull=True)
    for status in (Return.Status.SUBMITTED, Return.Status.APPROVED):
        Return.objects.filter(pk=ret.pk).update(status=status)
        assert returns_add_indicators(table=table, indicators=[added_indicator(table, f"新增{status}")]) == 0
    Return.objects.filter(pk=ret.pk).update(status=Return.Status.RETURNED)
    assert returns_add_indicators(table=table, indicators=[added_indicator(table, "退回后新增")]) == 1


def test_an_added_indicator_reaches_the_open_return_of_its_project(relief, clerk_yining):
    project = Project.objects.create(fund=relief, region=clerk_yining.region, name="伊宁市救助站改造项目")
    table = TargetTable.objects.create(fund=relief, project=project)
    ret = Return.objects.create(fund=relief, region=clerk_yining.region, project=project)
    indicator = added_indicator(table)
    assert returns_add_indicators(table=table, indicators=[indicator]) == 1
    assert ret.actuals.filter(indicator=indicator).exists()


# --- version, time, messages ------------------------------------------------------------------


def test_each_change_bumps_the_version_and_the_time(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    before = Return.objects.get(pk=ret.pk)
    return_save(
        ret=ret,
        actor=clerk_yining,
        base_version=1,
        data=typed(ret, funding={"central": {"spent": D("1")}}),
    )
    after = Return.objects.get(pk=ret.pk)
    assert (ret.version, after.version) == (2, 2)
    assert after.updated_at > before.updated_at


def test_what_a_refused_submit_says(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    # Every rate missed without a reason: a missing reason and a missing measure per rate line.
    data = typed(ret, funding={"central": {"spent": D("1")}}, percent="50%")
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=data)
    with pytest.raises(ChecksFailed) as caught:
        return_submit(ret=ret, actor=clerk_yining)
    rates = sum("%" in line.indicator.target_text for line in ret.actuals.select_related("indicator"))
    assert rates == 7  # 伊犁州's table (seed 003): 7 of its 14 targets are rates
    assert str(caught.value) == "有14处错误需要改正后才能提交。"

    data = typed(ret, funding={"central": {"spent": D("1")}}, percent="50%")
    for values in data.actuals.values():
        values.update(reason="资金下达较晚。", measure="加快进度。")
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)
    with pytest.raises(NeedsAcknowledgement) as caught:
        return_submit(ret=ret, actor=clerk_yining)
    assert str(caught.value) == "请阅读以下提示，确认无误后勾选“我已阅读提示”再提交。"


def test_opening_a_return_is_audited_with_its_actor_and_no_comment(relief, clerk_yining):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    table = TargetTable.objects.get(fund=relief, region=clerk_yining.region, project__isnull=True)
    copied = AuditEvent.objects.get(object_type="indicators.targettable", object_id=str(table.pk))
    assert (copied.actor, copied.action) == (clerk_yining, AuditEvent.Action.CREATE)
    created = AuditEvent.objects.get(object_type="indicators.return", object_id=str(ret.pk))
    assert (created.actor, created.summary, created.comment) == (clerk_yining, "创建填报", "")
