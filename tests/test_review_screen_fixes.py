"""Fixes seen in the review screens (issue #11): what the reviewer and the clerk see is what
they typed and what it means."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators import rules
from indicators.models import Return, ReturnComment
from indicators.services import return_save, return_submit
from tests.scenarios import complete_input, form_data

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


# --- 2. A denominator makes the actual a numerator ----------------------------------------------


@pytest.mark.parametrize(
    ("actual", "denominator", "rate", "met"),
    [
        ("46", "50", D("96.84"), False),  # 46 of 50 is 92%, against ≥95%
        ("48", "50", D("101.05"), True),  # 96% of a 95% target
        ("90%", "50", D("94.74"), False),  # written as a rate: the denominator only weighs it
        ("92", None, D("96.84"), False),  # no denominator: 92 is 92%
    ],
)
def test_an_actual_with_a_denominator_is_read_as_a_ratio(actual, denominator, rate, met):
    evaluation = rules.evaluate("≥95%", actual, denominator=denominator)
    assert (evaluation.completion_rate, evaluation.met) == (rate, met)


def test_the_ratio_reading_and_a_zero_denominator():
    assert rules.ratio_reading("46", "≥95%", D("50")) == "46 / 50 = 92.00%"
    assert rules.ratio_reading("1", "≥95%", "3") == "1 / 3 = 33.33%"
    assert rules.ratio_reading("92%", "≥95%", "50") is None
    assert rules.ratio_reading("46人次", "≥500人次", "50") is None  # not a rate target
    assert (
        rules.evaluate("≥95%", "46", denominator="0").error == "分母应大于0（现为0），无法计算“46”所占比例。"
    )


def test_checks_and_rollup_read_the_numerator_alike():
    line = rules.IndicatorLine("k", "产出指标", "质量指标", "覆盖率", "≥95%", "46", denominator=D("50"))
    findings = rules.check_return(rules.ReturnData("return", "伊宁市", indicators=[line]))
    assert [f.message for f in findings if f.code == "missing_reason"] == [
        "指标“覆盖率”未完成（完成率96.84%），请填写未完成原因。"
    ]
    result = rules.rollup(
        "≥95%", [rules.ChildValue("甲", "46", denominator=50), rules.ChildValue("乙", "150", denominator=150)]
    )
    # (46 + 150) / (50 + 150) = 98%
    assert (result.value, result.text) == (D("98.00"), "98%")


def test_the_preview_shows_the_reading_through_the_rules(client, clerk_yining):
    client.force_login(clerk_yining)
    url = reverse("indicators:rate_preview")
    page = client.get(url, {"target": "≥95%", "actual": "46", "denominator": "50"}).content.decode()
    assert "实际 46 / 50 = 92.00%" in page and "完成率 96.84%" in page and "偏差率 3.16%" in page
    page = client.get(url, {"target": "≥95%", "actual": "46", "denominator": "五十"}).content.decode()
    assert "分母请输入数字" in page


def test_the_denominator_field_says_what_it_means(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[yining_return.pk])).content.decode()
    assert "填写分母时，实际完成值填分子（人数、户数等），完成值按分子÷分母计算：50人中46人为92%。" in page


def test_the_preview_is_for_signed_in_people_only(client):
    response = client.get(
        reverse("indicators:rate_preview"), {"target": "≥95%", "actual": "46", "denominator": "50"}
    )
    assert response.status_code == 302


# --- 3. ≥130% asks for 超额完成原因 --------------------------------------------------------------


def test_over_achievement_asks_for_the_reason_it_was_exceeded():
    line = rules.IndicatorLine("k", "产出指标", "数量指标", "救助人次", "≥500人次", "650人次")
    findings = rules.check_return(rules.ReturnData("return", "伊宁市", indicators=[line]))
    assert [f.message for f in findings] == [
        "指标“救助人次”完成率130%，超出目标30%及以上，请填写超额完成原因。"
    ]


def test_the_form_label_switches_to_over_achievement(client, yining_return, clerk_yining):
    line = next(
        a
        for a in yining_return.actuals.select_related("indicator")
        if not rules.parse_target(a.indicator.target_text).is_qualitative
        and rules.parse_target(a.indicator.target_text).value
    )
    target = line.indicator.target_text  # ≥N<unit>
    parsed = rules.parse_target(target)
    count = f"{parsed.value * 2}{parsed.unit}"
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    client.post(url, form_data(yining_return, **{f"actual-{line.indicator_id}-actual_text": count}, save="1"))
    page = client.get(url).content.decode()
    over = f'<label class="small text-muted reason-label" for="id_actual-{line.indicator_id}-reason">超额完成原因</label>'
    assert over in page
    assert page.count(">超额完成原因</label>") == 1  # the other lines still ask why they were missed
    page = client.get(
        reverse("indicators:rate_preview"), {"target": target, "actual": count}
    ).content.decode()
    assert 'data-over="1"' in page


# --- 4. A qualitative roll-up says 全部完成 -------------------------------------------------------


def test_a_qualitative_rollup_says_all_met_when_every_region_met_it():
    children = [rules.ChildValue("伊宁市", "应保尽保"), rules.ChildValue("霍城县", "已完成")]
    result = rules.rollup("应保尽保", children)
    assert (result.rule, result.text, result.unmet) == ("all_met", "全部完成", [])
    # …and a prefecture's return filled with it reads as met, with no reviewer's judgement asked
    evaluation = rules.evaluate("应保尽保", result.text)
    assert (evaluation.met, evaluation.completion_rate) == (True, D("100.00"))


@pytest.mark.parametrize(
    "children",
    [
        [rules.ChildValue("伊宁市", "应保尽保"), rules.ChildValue("霍城县", "未完成")],
        [rules.ChildValue("伊宁市", "应保尽保"), rules.ChildValue("霍城县", "")],
        [rules.ChildValue("伊宁市", "应保尽保"), rules.ChildValue("霍城县", "基本做到")],  # to be judged
    ],
)
def test_a_qualitative_rollup_is_not_all_met_otherwise(children):
    assert rules.rollup("应保尽保", children).text == "未全部完成"


def test_a_prefecture_filled_from_its_counties_reads_all_met(
    relief, clerk_yining, clerk_huocheng, reviewer_yili
):
    from indicators.services import return_approve, return_open

    for clerk in (clerk_yining, clerk_huocheng):
        ret = return_open(fund=relief, region=clerk.region, actor=clerk)
        _submitted(ret, clerk)
        return_approve(ret=ret, actor=reviewer_yili)
    prefecture = return_open(fund=relief, region=reviewer_yili.region, actor=reviewer_yili)
    line = prefecture.actuals.get(indicator__name="低保对象人数")
    assert line.actual_text == "全部完成"
    findings = rules.check_return(
        rules.ReturnData(
            "return",
            "伊犁州",
            indicators=[rules.IndicatorLine("k", "", "", "低保对象人数", "应保尽保", "全部完成")],
        )
    )
    assert findings == []


# --- 6. Plausibility: warnings to acknowledge -----------------------------------------------------


def _warnings(**line):
    fields = {"key": "k", "level1": "产出指标", "level2": "质量指标", "name": "覆盖率", "target_text": "≥95%"}
    findings = rules.check_return(
        rules.ReturnData("return", "伊宁市", indicators=[rules.IndicatorLine(**{**fields, **line})])
    )
    return [(f.code, f.message) for f in findings if f.severity == "warning"]


def test_a_share_above_100_percent_is_a_warning():
    assert _warnings(actual_text="960%", reason="超额原因") == [
        ("share_above_100", "指标“覆盖率”的实际完成值960%超过100%，比例一般不超过100%，请核实是否填错。")
    ]
    assert _warnings(actual_text="100%") == []


def test_an_actual_ten_times_the_target_is_a_warning():
    assert _warnings(name="救助人次", target_text="≥500人次", actual_text="5000人次", reason="原因") == [
        (
            "ten_times_target",
            "指标“救助人次”的实际完成值5000人次达到指标值≥500人次的10倍以上，请核实是否填错。",
        )
    ]
    assert _warnings(name="救助人次", target_text="≥500人次", actual_text="4999人次", reason="原因") == []


def test_the_indicators_own_range_replaces_the_defaults():
    assert _warnings(actual_text="120%", reason="原因", plausible_max=D("150")) == []
    assert _warnings(actual_text="96%", plausible_min=D("97"), plausible_max=D("100")) == [
        ("below_plausible_range", "指标“覆盖率”的实际完成值96%低于合理范围下限97%，请核实。")
    ]
    assert _warnings(actual_text="99.5%", plausible_max=D("99")) == [
        ("above_plausible_range", "指标“覆盖率”的实际完成值99.5%高于合理范围上限99%，请核实。")
    ]


def test_a_ratio_above_its_denominator_is_a_share_above_100():
    assert [code for code, _ in _warnings(actual_text="55", denominator=D("50"), reason="原因")] == [
        "share_above_100"
    ]


def test_a_submit_with_an_implausible_value_asks_for_acknowledgement(client, yining_return, clerk_yining):
    line = yining_return.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率")
    line.indicator.plausible_max = D("98")
    line.indicator.save()
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    data = form_data(yining_return, **{f"actual-{line.indicator_id}-actual_text": "99%"}, submit="1")
    page = client.post(url, data).content.decode()
    assert "指标“孤儿等符合条件的儿童纳入保障范围率”的实际完成值99%高于合理范围上限98%，请核实。" in page
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.DRAFT
    data = form_data(
        yining_return, **{f"actual-{line.indicator_id}-actual_text": "99%"}, submit="1", acknowledge="on"
    )
    assert client.post(url, data).status_code == 302
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.SUBMITTED


def test_the_range_is_set_in_the_admin(client, clerk_yining, yining_return):
    from evalportal.models import User

    indicator = yining_return.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率").indicator
    url = reverse("admin:indicators_indicatortarget_change", args=[indicator.pk])
    client.force_login(User.objects.create_superuser("operator", password="x"))
    page = client.get(url).content.decode()
    assert "合理范围下限" in page and "合理范围上限" in page
    client.force_login(clerk_yining)
    assert client.get(url).status_code in (302, 403)


# --- 7. A save conflict shows both values, line by line --------------------------------------------


def _conflict_panel(page: str) -> str:
    start = page.index('id="save-conflict"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def second_clerk(db):
    from evalportal.models import Role
    from tests.scenarios import person

    clerk = person("clerk_yining_second", "654002", Role.CLERK)
    clerk.display_name = "伊宁市民政局第二填报员"
    clerk.save()
    return clerk


def _two_open_the_same_version(client, yining_return, clerk_yining, second_clerk):
    """Both clerks opened version 1; the first saves. Returns the second's client and the url."""
    from django.test import Client

    url = reverse("indicators:edit", args=[yining_return.pk])
    client.force_login(clerk_yining)
    first = form_data(yining_return, goal_achievement="第一个人写的总体目标", save="1")
    first |= {"funding-local-budget": "300.00", "narrative-allocation-description": "按因素法分配。"}
    assert client.post(url, first).status_code == 302
    other = Client()
    other.force_login(second_clerk)
    return other, url


def test_a_stale_save_shows_mine_beside_theirs_and_saves_nothing(
    client, yining_return, clerk_yining, second_clerk, new_events
):
    other, url = _two_open_the_same_version(client, yining_return, clerk_yining, second_clerk)
    mine = form_data(yining_return, goal_achievement="第二个人写的总体目标", save="1")
    mine |= {
        "funding-central-spent": "8000.00",
        "funding-local-budget": "300.00",
        "narrative-allocation-description": "按因素法分配。",
    }
    response = other.post(url, mine)
    assert response.status_code == 409
    page = response.content.decode()
    panel = _conflict_panel(page)
    assert "保存冲突：伊宁市民政局填报员于" in panel and "在您打开后保存了这份填报" in panel
    assert "栏目</th><th>我填写的</th><th>对方已保存的</th>" in panel
    assert '<th scope="row" class="fw-normal">总体目标完成情况</th>' in panel
    assert "<td>第二个人写的总体目标</td>\n          <td>第一个人写的总体目标</td>" in panel
    assert '<th scope="row" class="fw-normal">中央财政资金·全年执行数</th>' in panel
    assert "<td>8000.00</td>\n          <td>9000.50</td>" in panel
    # What both typed alike is not a conflict.
    assert "市县财政资金" not in panel and "分配科学性" not in panel and "实际完成值" not in panel
    assert "保留我的（覆盖对方）" in panel
    assert f'href="{url}">采用对方的</a>' in panel
    # Each row carries both values, for the per-row choice to put into the form field.
    assert (
        '<tr data-conflict-row data-field="goal_achievement" data-mine="第二个人写的总体目标" '
        'data-theirs="第一个人写的总体目标">'
    ) in panel
    # The form keeps what I typed and carries the version now saved.
    assert ">\n第二个人写的总体目标</textarea>" in page
    assert '<input type="hidden" name="base_version" value="2"' in page
    yining_return.refresh_from_db()
    assert yining_return.version == 2
    assert yining_return.goal_achievement == "第一个人写的总体目标"
    assert yining_return.funding.get(source="central").spent == D("9000.50")
    assert [e.actor for e in new_events().filter(action="edit")] == [clerk_yining]


def test_keeping_mine_after_a_conflict_overwrites_theirs_and_is_audited(
    client, yining_return, clerk_yining, second_clerk, new_events
):
    import re

    other, url = _two_open_the_same_version(client, yining_return, clerk_yining, second_clerk)
    mine = form_data(yining_return, goal_achievement="第二个人写的总体目标", save="1")
    mine |= {"funding-local-budget": "300.00", "narrative-allocation-description": "按因素法分配。"}
    page = other.post(url, mine).content.decode()
    version = re.search(r'name="base_version" value="(\d+)"', page).group(1)
    assert other.post(url, mine | {"base_version": version}).status_code == 302
    yining_return.refresh_from_db()
    assert yining_return.goal_achievement == "第二个人写的总体目标"
    assert yining_return.version == 3
    last = new_events().filter(action="edit").first()
    assert last.actor == second_clerk
    assert last.changes == {"总体目标完成情况": ["第一个人写的总体目标", "第二个人写的总体目标"]}


def test_the_conflict_names_each_line_that_differs(yining_return, clerk_yining):
    from indicators.selectors import save_conflict

    line = yining_return.actuals.select_related("indicator").get(indicator__name="临时救助人次")
    theirs = complete_input(yining_return)
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=theirs)
    mine = complete_input(yining_return)
    mine.actuals[line.indicator_id] = {
        "actual_text": "1200人次",
        "reason": "  ",
        "measure": "加强宣传",
        "denominator": D("50"),
    }
    mine.narratives["allocation"]["problems"] = "部分资金下达较晚"
    conflict = save_conflict(yining_return, mine)
    assert conflict.by == "伊宁市民政局填报员" and conflict.version == 2
    assert [(row.label, row.mine, row.theirs, row.field) for row in conflict.rows] == [
        (
            "指标“临时救助人次”·实际完成值",
            "1200人次",
            line.indicator.target_text,
            f"actual-{line.indicator_id}-actual_text",
        ),
        ("指标“临时救助人次”·改进措施", "加强宣传", "", f"actual-{line.indicator_id}-measure"),
        ("指标“临时救助人次”·分母", "50.00", "", f"actual-{line.indicator_id}-denominator"),
        ("分配科学性·存在问题和改进措施", "部分资金下达较晚", "无", "narrative-allocation-problems"),
    ]
    assert save_conflict(yining_return, complete_input(yining_return)).rows == []


def test_another_countys_clerk_cannot_reach_the_conflict_page(
    client, yining_return, clerk_yining, clerk_huocheng
):
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=complete_input(yining_return))
    client.force_login(clerk_huocheng)
    url = reverse("indicators:edit", args=[yining_return.pk])
    assert client.post(url, form_data(yining_return, base_version=1, save="1")).status_code == 404


def test_the_form_draws_the_narratives_and_a_save_keeps_them(client, yining_return, clerk_yining):
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=complete_input(yining_return))
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    page = client.get(url).content.decode()
    assert 'name="narrative-allocation-description"' in page and ">\n按因素法分配。</textarea>" in page
    assert 'name="narrative-responsibility-problems"' in page
    data = form_data(yining_return, **{"narrative-allocation-description": "按因素法分配。"}, save="1")
    data["narrative-allocation-problems"] = "无"
    assert client.post(url, data).status_code == 302
    assert yining_return.narratives.get(aspect="allocation").description == "按因素法分配。"
