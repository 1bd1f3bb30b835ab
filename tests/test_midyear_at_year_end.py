"""Year end builds on mid-year monitoring (issue #12): the year-end form shows each line's
mid-year figures and reason; the reviewer of a line red at mid-year and missed at year end
sees both explanations side by side."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import IndicatorTarget, MonitoringPlan, Period
from indicators.monitoring import midyear_of
from indicators.services import ReturnInput, return_open, return_save

pytestmark = pytest.mark.django_db

COUNTED = "临时救助人次"  # 应救尽救 in the demo; here a count that builds up over the year


def _save(ret, *, actor, actuals):
    return_save(
        ret=ret,
        actor=actor,
        base_version=ret.version,
        data=ReturnInput(funding={}, actuals=actuals, narratives={}, goal_achievement=""),
    )
    ret.refresh_from_db()


def _indicator(ret, name):
    return ret.actuals.select_related("indicator").get(indicator__name=name).indicator


@pytest.fixture
def year_end(relief, clerk_yining):
    """伊宁市's year-end relief return, its 临时救助人次 made ≥500人次 (on 伊宁市's own table)."""
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    IndicatorTarget.objects.filter(pk=_indicator(ret, COUNTED).pk).update(target_text="≥500人次")
    return ret


@pytest.fixture
def mid_year(year_end, relief, clerk_yining):
    """伊宁市's mid-year return: 260 by June, 400 expected for the year against ≥500 — red."""
    ret = return_open(fund=relief, region=clerk_yining.region, period=Period.MID_YEAR, actor=clerk_yining)
    counted = _indicator(ret, COUNTED)
    _save(
        ret,
        actor=clerk_yining,
        actuals={
            counted.pk: {
                "actual_text": "260人次",
                "forecast_text": "400人次",
                "deviation_cause": "funding",
                "reason": "资金下达较晚",
                "likelihood": "possible",
                "measure": "加快资金拨付",
            }
        },
    )
    return ret


def test_the_year_end_form_shows_the_mid_year_forecast_and_reason(client, clerk_yining, year_end, mid_year):
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[year_end.pk])).content.decode()
    assert page.count('class="midyear-line"') == 1  # only the line filled at mid-year
    assert "年中监控（1–6月，填报中）：实际 260人次 · 预计 400人次" in page
    assert ">红</span>" in page
    assert "偏差原因：经费保障 — 资金下达较晚" in page
    assert "完成目标可能性：有可能" in page
    assert "纠偏措施：加快资金拨付" in page


def test_a_line_red_at_mid_year_and_missed_shows_both_reasons(
    client, reviewer_yili, clerk_yining, year_end, mid_year
):
    counted = _indicator(year_end, COUNTED)
    _save(
        year_end,
        actor=clerk_yining,
        actuals={
            counted.pk: {
                "actual_text": "450人次",
                "reason": "下半年申请人数少于预期",
                "measure": "明年提前摸底",
            }
        },
    )
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:detail", args=[year_end.pk])).content.decode()
    assert "年中预警为红的 1 项指标中，1 项年末未完成" in page
    assert 'id="midyear-side-by-side"' in page
    side = page.split('id="midyear-side-by-side"')[1].split("</table>")[0]
    assert "临时救助人次" in side
    assert "年中实际 260人次、预计 400人次" in side and "年末实际 450人次" in side
    assert "偏差原因：经费保障" in side
    assert "原因说明：资金下达较晚" in side
    assert "纠偏措施：加快资金拨付" in side
    assert "未完成原因：下半年申请人数少于预期" in side
    assert "改进措施：明年提前摸底" in side


def test_a_line_red_at_mid_year_but_met_at_year_end_has_no_side_by_side(
    client, reviewer_yili, clerk_yining, year_end, mid_year
):
    counted = _indicator(year_end, COUNTED)
    _save(year_end, actor=clerk_yining, actuals={counted.pk: {"actual_text": "520人次"}})
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:detail", args=[year_end.pk])).content.decode()
    assert "年中预警为红的 1 项指标中，0 项年末未完成。" in page
    assert 'id="midyear-side-by-side"' not in page
    assert "资金下达较晚" not in page


def test_a_year_end_return_without_a_mid_year_return_shows_nothing(client, clerk_yining, year_end):
    client.force_login(clerk_yining)
    for name in ("indicators:edit", "indicators:detail"):
        response = client.get(reverse(name, args=[year_end.pk]))
        page = response.content.decode()
        assert response.status_code == 200
        assert "年中监控" not in page and "年中预警" not in page


def test_another_countys_mid_year_return_is_never_shown(client, relief, clerk_huocheng, mid_year):
    """霍城县's year-end return builds on 霍城县's mid-year return only, not 伊宁市's."""
    own = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    client.force_login(clerk_huocheng)
    page = client.get(reverse("indicators:edit", args=[own.pk])).content.decode()
    assert "年中监控" not in page and "资金下达较晚" not in page


def test_a_mid_year_return_builds_on_nothing(mid_year):
    assert midyear_of(mid_year) is None


def _fill_mid_year(ret, *, actor, count):
    """``count`` lines of the mid-year return filled, each on track (the target as forecast)."""
    lines = list(ret.actuals.select_related("indicator").order_by("indicator__order")[:count])
    _save(
        ret,
        actor=actor,
        actuals={
            line.indicator_id: {
                "actual_text": line.indicator.target_text,
                "forecast_text": line.indicator.target_text,
            }
            for line in lines
        },
    )


def _edit_page_queries(client, ret) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("indicators:edit", args=[ret.pk])).content.decode()
    return len(queries), page


def test_the_edit_page_does_not_ask_once_per_mid_year_line(client, relief, clerk_yining, year_end):
    mid = return_open(fund=relief, region=clerk_yining.region, period=Period.MID_YEAR, actor=clerk_yining)
    client.force_login(clerk_yining)
    _fill_mid_year(mid, actor=clerk_yining, count=2)
    two, page = _edit_page_queries(client, year_end)
    assert page.count('class="midyear-line"') == 2
    _fill_mid_year(mid, actor=clerk_yining, count=6)
    six, page = _edit_page_queries(client, year_end)
    assert page.count('class="midyear-line"') == 6
    assert six == two


def test_the_funds_own_plan_sets_the_months_and_the_band(client, relief, clerk_yining, year_end, mid_year):
    """With 1–7月 and yellow from 80%, a forecast of 400 against ≥500 (80%) is yellow."""
    MonitoringPlan.objects.create(fund=relief, through_month=7, yellow_from=80)
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[year_end.pk])).content.decode()
    assert "年中监控（1–7月，填报中）：实际 260人次 · 预计 400人次 · " in page
    assert ">黄</span>" in page and ">红</span>" not in page


def test_the_mid_year_lines_are_read_in_three_queries(
    relief, clerk_yining, year_end, django_assert_num_queries
):
    mid = return_open(fund=relief, region=clerk_yining.region, period=Period.MID_YEAR, actor=clerk_yining)
    _fill_mid_year(mid, actor=clerk_yining, count=6)
    with django_assert_num_queries(3):  # the return with its plan, its lines, the year-end lines
        midyear = midyear_of(year_end)
    assert len(midyear.lines) == 6
