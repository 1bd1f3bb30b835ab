"""What a roll-up says when it cannot add up, and what each region contributed (domain.md §5).

The province's board and the prefecture's return show the rolled-up text, the note that
explains a blank, and each region's part. Every field is checked here, with the figures worked
out in the comments. No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import ChildValue, Contribution, rollup

D = Decimal
NOTHING = "没有可汇总的实际完成值。"


@pytest.mark.parametrize(("target", "rule"), [("≥500人次", "sum"), ("≥95%", "weighted"), ("≤30日", "max")])
def test_nothing_to_add_up(target, rule):
    children = [ChildValue("伊宁市", ""), ChildValue("霍城县", "abc"), ChildValue("奎屯市", None)]
    result = rollup(target, children)
    assert (result.value, result.text, result.rule, result.note) == (None, "", rule, NOTHING)
    assert result.contributions == []
    assert result.missing == ["伊宁市", "奎屯市"]
    assert [region for region, _ in result.errors] == ["霍城县"]
    assert "abc" in result.errors[0][1]


def test_nothing_to_judge():
    result = rollup("应保尽保", [ChildValue("伊宁市", " ")])
    assert (result.value, result.text, result.rule) == (None, "未全部完成", "all_met")
    assert result.contributions == [] and result.unmet == [] and result.missing == ["伊宁市"]


def test_weighted_without_any_weight_keeps_each_regions_value():
    children = [ChildValue("甲", "30%"), ChildValue("乙", "40%", denominator=D("10"))]
    result = rollup("≥95%", children)
    assert (result.value, result.text, result.rule) == (None, "", "weighted")
    assert result.note == "部分地区既未填写分母也没有分配金额，无法加权汇总。"
    assert result.contributions == [
        Contribution("甲", D("30"), None, None),
        Contribution("乙", D("40"), None, None),
    ]


@pytest.mark.parametrize(
    ("weights", "basis"),
    [({"denominator": D("0")}, "分母"), ({"allocation": D("0")}, "分配金额")],
)
def test_weights_that_add_up_to_zero(weights, basis):
    children = [ChildValue("甲", "30%", **weights), ChildValue("乙", "40%", **weights)]
    result = rollup("≥95%", children)
    assert (result.value, result.text, result.rule) == (None, "", "weighted")
    assert result.note == f"各地区的{basis}合计为0，无法加权汇总。"
    assert result.contributions == [
        Contribution("甲", D("30"), D("0"), None),
        Contribution("乙", D("40"), D("0"), None),
    ]


def test_a_weighted_figure_says_what_it_was_weighted_by():
    by_denominator = rollup(
        "≥95%", [ChildValue("甲", "30%", denominator=1), ChildValue("乙", "40%", denominator=3)]
    )
    # (30 × 1 + 40 × 3) / 4 = 37.5
    assert (by_denominator.value, by_denominator.text, by_denominator.note) == (
        D("37.50"),
        "37.5%",
        "按分母加权",
    )
    by_allocation = rollup(
        "≥95%", [ChildValue("甲", "30%", allocation=3), ChildValue("乙", "40%", allocation=1)]
    )
    # (30 × 3 + 40 × 1) / 4 = 32.5; shares 90 / 130 = 69.23%, 40 / 130 = 30.77%
    assert (by_allocation.value, by_allocation.text, by_allocation.note) == (
        D("32.50"),
        "32.5%",
        "按分配金额加权",
    )
    assert by_allocation.contributions == [
        Contribution("甲", D("30"), D("3"), D("69.23")),
        Contribution("乙", D("40"), D("1"), D("30.77")),
    ]


def test_a_weight_that_is_not_a_number_is_refused_by_name():
    with pytest.raises(ValueError, match="分配金额“abc”不是数字"):
        rollup("≥95%", [ChildValue("甲", "30%", allocation="abc")])
    with pytest.raises(ValueError, match="分母“abc”不是数字"):
        rollup("≥95%", [ChildValue("甲", "30%", denominator="abc")])


def test_the_worst_keeps_every_regions_value():
    result = rollup("≤30日", [ChildValue("甲", "25日"), ChildValue("乙", "31日")])
    assert (result.value, result.text, result.rule, result.note) == (D("31"), "31日", "max", "")
    assert result.contributions == [
        Contribution("甲", D("25"), None, None),
        Contribution("乙", D("31"), None, None),
    ]


def test_all_met_keeps_each_regions_completion():
    result = rollup("应保尽保", [ChildValue("甲", "应保尽保"), ChildValue("乙", "基本做到")])
    assert (result.text, result.unmet) == ("未全部完成", ["乙"])
    assert result.contributions == [
        Contribution("甲", D("100.00"), None, None),
        Contribution("乙", None, None, None),
    ]


def test_shares_of_a_sum():
    # 1 + 0 = 1: all of it from 甲.
    result = rollup("≥1人", [ChildValue("甲", "1人"), ChildValue("乙", "0人")])
    assert [c.share for c in result.contributions] == [D("100.00"), D("0.00")]
    # 0 + 0 = 0: no shares to give.
    result = rollup("≥1人", [ChildValue("甲", "0人"), ChildValue("乙", "0人")])
    assert (result.value, result.text) == (D("0"), "0人")
    assert [c.share for c in result.contributions] == [None, None]
    # 1 + 2 = 3: 33.33% and 66.67%
    result = rollup("≥1人", [ChildValue("甲", "1人"), ChildValue("乙", "2人")])
    assert [c.share for c in result.contributions] == [D("33.33"), D("66.67")]


def test_numbers_from_a_spreadsheet_are_read_as_typed_text():
    result = rollup("≥500人次", [ChildValue("伊宁市", 510), ChildValue("霍城县", D("490"))])
    assert (result.value, result.text) == (D("1000"), "1000人次")


def test_a_target_without_a_unit_takes_the_childrens():
    result = rollup("≥10", [ChildValue("甲", "5"), ChildValue("乙", "6人")])
    assert (result.value, result.text) == (D("11"), "11人")


def test_words_cannot_be_summed():
    # A qualitative target forced to sum: the words are an error, the number is summed.
    result = rollup("应保尽保", [ChildValue("甲", "应保尽保"), ChildValue("乙", "5人")], rule="sum")
    assert (result.value, result.text) == (D("5"), "5人")
    assert result.errors == [("甲", "实际完成值“应保尽保”不是数值，无法汇总。")]


def test_the_rolled_up_text_takes_the_targets_unit_over_an_equivalent_one():
    # 28天 and 25日 against ≤30日: the worst is 28, written in the target's unit.
    result = rollup("≤30日", [ChildValue("甲", "28天"), ChildValue("乙", "25日")])
    assert (result.value, result.text) == (D("28"), "28日")


def test_bare_numbers_without_any_unit_stay_bare():
    result = rollup("≥10", [ChildValue("甲", "5"), ChildValue("乙", "6")])
    assert (result.value, result.text) == (D("11"), "11")


def test_weights_that_add_up_to_one_are_weights():
    # (30 × 0.5 + 40 × 0.5) / 1 = 35
    children = [ChildValue("甲", "30%", denominator=D("0.5")), ChildValue("乙", "40%", denominator=D("0.5"))]
    result = rollup("≥95%", children)
    assert (result.value, result.text, result.note) == (D("35.00"), "35%", "按分母加权")


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(ValueError, match="无法识别汇总规则“median”，应为 sum, weighted, max, all_met 之一。"):
        rollup("≥95%", [ChildValue("甲", "30%")], rule="median")
