"""Consistency checks and roll-up rules at their edges (docs/domain.md §5, §7).

A check that stops at the first line it skips, a lowered target that passes as the one passed
down, money averaged instead of summed: each case here is one a person would notice in a
report. Expected values are worked out by hand in the comments. No Django needed.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from indicators.rules import (
    AllocationRow,
    ChildValue,
    IndicatorLine,
    MoneyLine,
    ReturnData,
    check_allocation_table,
    check_return,
    infer_rollup_rule,
    parse_target,
    rollup,
)
from tests.seed_figures import RELIEF_COUNTIES, YINING_RELIEF

D = Decimal


def line(name="指标", target="≥95%", actual="96%", reason="", measure="", parent=None, key="k"):
    return IndicatorLine(key, "产出指标", "数量指标", name, target, actual, reason, measure, parent)


def check(*lines, money=()):
    return check_return(ReturnData("ret", "伊宁市", list(money), list(lines)))


def codes(findings):
    return [(f.severity, f.code, f.where) for f in findings]


# --------------------------------------------------------------------------------------------
# A target that differs from the one passed down (domain.md §7)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "parent"),
    [
        ("≥90%", "≥95%"),  # lowered: the same comparator and unit, another value
        ("≥95人", "≥95人次"),  # the same number of another unit
        ("≤95%", "≥95%"),  # the same number read the other way
        ("100%", "≥95%"),
        ("应保尽保", "应救尽救"),
        ("≥95%", "应保尽保"),
    ],
)
def test_a_target_that_differs_from_its_parent_is_flagged(target, parent):
    findings = check(
        line(
            name="补助资金按时发放率",
            target=target,
            actual="应保尽保" if "保" in target else "96%",
            parent=parent,
        )
    )
    assert ("info", "target_differs_from_parent", "k") in codes(findings)
    message = next(f.message for f in findings if f.code == "target_differs_from_parent")
    assert message == f"指标“补助资金按时发放率”的指标值“{target}”与上级下达的“{parent}”不同。"


@pytest.mark.parametrize(
    ("target", "parent"),
    [
        ("≥ 95%", "95%以上"),
        ("≤30日", "不超过30天"),
        ("应保尽保。", "应保尽保"),
        ("≥95%", None),
        ("≥95%", " "),
    ],
)
def test_the_same_target_spelled_otherwise_is_not_flagged(target, parent):
    actual = "应保尽保" if "保" in target else ("20日" if "日" in target else "96%")
    assert check(line(target=target, actual=actual, parent=parent)) == []


def test_same_as_compares_comparator_value_and_unit_together():
    lowered, passed_down = parse_target("≥90%"), parse_target("≥95%")
    assert not lowered.same_as(passed_down)
    assert not parse_target("≥95人").same_as(parse_target("≥95人次"))
    assert not parse_target("≤95%").same_as(parse_target("≥95%"))
    assert not parse_target("95%").same_as(parse_target("应保尽保"))
    assert parse_target("≥95%").same_as(parse_target("不低于95%"))


def test_unreadable_texts_are_compared_by_their_words():
    # Both unreadable (a target error of its own): the same words are not "different" too.
    findings = check(line(target="≥95%左右", parent="≥95% 左右"))
    assert codes(findings) == [("error", "target_unreadable", "k")]
    findings = check(line(target="≥95%左右", parent="≥90%左右"))
    assert codes(findings) == [
        ("info", "target_differs_from_parent", "k"),
        ("error", "target_unreadable", "k"),
    ]


# --------------------------------------------------------------------------------------------
# Findings of one line, with their severity
# --------------------------------------------------------------------------------------------


def test_an_unreadable_target_is_an_error_naming_the_line():
    findings = check(line(name="城乡低保标准", target="2024年12月底前", actual="已完成"))
    assert codes(findings) == [("error", "target_unreadable", "k")]
    assert findings[0].message.startswith("指标“城乡低保标准”：无法识别指标值“2024年12月底前”")


def test_a_blank_actual_is_an_error_and_nothing_else_is_checked():
    findings = check(line(name="临时救助人次", target="≥95%左右", actual="  "))
    assert codes(findings) == [("error", "actual_blank", "k")]
    assert findings[0].message == "指标“临时救助人次”未填写全年实际完成值。"


def test_a_unit_mismatch_and_an_unreadable_actual_are_errors():
    assert codes(check(line(actual="96人次"))) == [("error", "unit_mismatch", "k")]
    assert codes(check(line(actual="九十六"))) == [("error", "actual_unreadable", "k")]


def test_a_missed_line_needs_both_a_reason_and_a_measure():
    # 47.5 / 95 = 50%
    findings = check(line(name="知晓率", actual="47.5%"))
    assert codes(findings) == [("error", "missing_reason", "k"), ("error", "missing_measure", "k")]
    assert findings[0].message == "指标“知晓率”未完成（完成率50%），请填写未完成原因。"
    assert findings[1].message == "指标“知晓率”未完成（完成率50%），请填写改进措施。"
    assert codes(check(line(actual="47.5%", reason="原因"))) == [("error", "missing_measure", "k")]
    assert codes(check(line(actual="47.5%", measure="措施"))) == [("error", "missing_reason", "k")]
    assert check(line(actual="47.5%", reason="原因", measure="措施")) == []


def test_a_missed_qualitative_line_has_no_rate_in_its_message():
    findings = check(line(name="生活水平", target="有所提升", actual="未实现", measure="措施"))
    assert [f.message for f in findings] == ["指标“生活水平”未完成，请填写未完成原因。"]


def test_over_achievement_at_130_needs_an_explanation():
    # 123.5 / 95 = 130% exactly: explained by a reason; 123.4 / 95 = 129.89%: nothing to say.
    # (A share above 100% is also a warning to acknowledge: the indicator's range says 200% here.)
    def wide(**kwargs):
        return replace(line(**kwargs), plausible_max=200)

    findings = check(wide(name="覆盖率", actual="123.5%"))
    assert codes(findings) == [("error", "missing_overachievement_explanation", "k")]
    assert findings[0].message == "指标“覆盖率”完成率130%，超出目标30%及以上，请填写超额完成原因。"
    assert check(wide(actual="123.5%", reason="当年新增入住人数较多。")) == []
    assert check(wide(actual="123.4%")) == []


def test_a_line_the_reviewer_must_judge_is_information():
    findings = check(line(name="送返", target="及时送返", actual="基本做到及时送返"))
    assert codes(findings) == [("info", "needs_judgement", "k")]
    assert (
        findings[0].message
        == "指标“送返”的实际完成值“基本做到及时送返”未表明是否达到“及时送返”，请审核人员认定。"
    )
    judged = IndicatorLine(
        "k", "效益指标", "社会效益指标", "送返", "及时送返", "基本做到及时送返", judged_met=True
    )
    assert check(judged) == []


# --------------------------------------------------------------------------------------------
# Every line is checked, whatever comes before it
# --------------------------------------------------------------------------------------------


def test_a_money_line_without_spending_does_not_stop_the_later_lines():
    money = [
        MoneyLine("central", "central", D("100"), None, allocated=True),  # not entered yet
        MoneyLine("local", "local", D("10"), D("12")),
        MoneyLine("other", "other", D("5"), D("-1")),
    ]
    assert codes(check(money=money)) == [
        ("error", "spent_over_budget", "local"),
        ("error", "negative_spending", "other"),
    ]


def test_findings_come_money_first_then_lines_in_order_then_repeated_reasons():
    reason = "资金下达较晚。"
    lines = [
        line(key="a", actual="50%", reason=reason, measure="措施"),
        line(key="b", actual="", reason=reason),
        line(key="c", actual="50%", reason=reason, measure="措施"),
        line(key="d", target="abc"),
        line(key="e", actual="50%", reason=reason, measure="措施"),
    ]
    money = [MoneyLine("local", "local", D("1"), D("2"))]
    findings = check(*lines, money=money)
    assert codes(findings) == [
        ("error", "spent_over_budget", "local"),
        ("error", "actual_blank", "b"),
        ("error", "target_unreadable", "d"),
        ("warning", "repeated_reason", "a"),
    ]
    assert (
        findings[-1].message
        == "3个未完成指标填写了相同的未完成原因（“指标”、“指标”、“指标”），请针对各指标分别说明。"
    )


def test_a_constraint_with_a_missing_cell_does_not_stop_the_later_ones():
    # Row 甲 lacks its batch; row 乙 does not add up (10 ≠ 4 + 5); 合计 = 6 + 10 and 10 = 6 + 4.
    rows = [
        AllocationRow("a", "甲", D("6"), D("6"), None),
        AllocationRow("b", "乙", D("10"), D("4"), D("5")),
        AllocationRow("t", "合计", D("16"), D("10"), D("6"), is_subtotal=True),
    ]
    findings = check_allocation_table(rows)
    assert [(f.code, f.where, f.column) for f in findings] == [
        ("missing_cell", "a", "batch"),
        ("row_mismatch", "b", "total"),
    ]
    assert findings[0].message == "“甲”行缺少“本次下达”数值（按本行其他两数应为0）。"


# --------------------------------------------------------------------------------------------
# Roll-up: what is summed (domain.md §5: counts and money)
# --------------------------------------------------------------------------------------------

SUMMED = (
    "人次 万人次 人 万人 名 位 个 次 人月 人日 户 家 所 项 件 起 场 期 处 份 张 床 间 台 辆 批 条 套 座 篇 册 本 "
    "元 万元 亿元 课时 学时 轮"
).split()
AVERAGED = "% ‰ 日 天 月 个月 年 周 小时 分钟 工作日 个工作日 岁 倍 分 类 平方米 万平方米 公里".split()


@pytest.mark.parametrize("unit", SUMMED)
def test_counts_and_money_are_summed(unit):
    assert infer_rollup_rule(f"≥10{unit}") == "sum"


@pytest.mark.parametrize("unit", AVERAGED)
def test_rates_and_other_measures_are_averaged(unit):
    assert infer_rollup_rule(f"≥10{unit}") == "weighted"


def test_a_target_without_a_unit_is_a_count():
    assert infer_rollup_rule("≥10") == "sum"


def test_money_in_wan_yuan_adds_up():
    # 伊宁市 60万元 + 霍城县 50万元 = 110万元 (an average would say 55万元).
    children = [
        ChildValue("伊宁市", "60万元", allocation=YINING_RELIEF),
        ChildValue("霍城县", "50", allocation=RELIEF_COUNTIES["霍城县"][0]),
    ]
    result = rollup("≥100万元", children)
    assert (result.rule, result.value, result.text) == ("sum", D("110"), "110万元")


def test_a_rate_is_averaged_not_summed():
    children = [ChildValue("甲", "90%", allocation=D("1")), ChildValue("乙", "96%", allocation=D("1"))]
    result = rollup("≥95%", children)
    assert (result.rule, result.value, result.text) == ("weighted", D("93.00"), "93%")


def test_an_at_most_target_rolls_up_to_the_worst_whatever_its_unit():
    children = [ChildValue("甲", "3起"), ChildValue("乙", "1起")]
    assert infer_rollup_rule("≤5起") == "max"
    assert rollup("≤5起", children).value == D("3")
    assert infer_rollup_rule("0起") == "max"  # =0 is at most nothing


def test_an_actual_entered_as_a_number_is_read():
    # Offline returns come from spreadsheets: 96 as a number, read in the target's unit.
    assert check(line(target="≥95%", actual=D("96"))) == []
    assert check(line(target="≥95%", actual=96)) == []
    assert codes(check(line(target="≥95%", actual=D("50"), reason="原因", measure="措施"))) == []
    assert codes(check(line(target="≥95%", actual=None))) == [("error", "actual_blank", "k")]
