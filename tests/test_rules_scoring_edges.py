"""Scoring at its edges (docs/domain.md §4): explicit weights, the 2 × target limit, bands, grades.

Every figure is worked out by hand in the comment above it from domain.md §4: 预算执行 10 points
(执行率 × 10, at most 10), indicators 90 (产出 50, 效益 30, 满意度 10 by default, split evenly
within a level unless weights are set); at least: weight × actual / target; at most: between
target and 2 × target weight × (1 − (actual − target) / target), 0 beyond; 定性 bands 达成
80–100, 部分达成 60–80, 未达成 0–60 (without a figure 100, 70, 30); 优 ≥ 90, 良 ≥ 80,
中 ≥ 60. No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import (
    ScoredIndicator,
    evaluate,
    format_number,
    format_value,
    grade_for,
    score_indicator,
    score_return,
)

D = Decimal


def output(target, actual, **kwargs):
    return ScoredIndicator("产出指标", "数量指标", evaluate(target, actual), **kwargs)


def benefit(target, actual, **kwargs):
    return ScoredIndicator("效益指标", "社会效益指标", evaluate(target, actual), **kwargs)


def satisfaction(target, actual, **kwargs):
    return ScoredIndicator("满意度指标", "服务对象满意度指标", evaluate(target, actual), **kwargs)


# --------------------------------------------------------------------------------------------
# Explicit weights
# --------------------------------------------------------------------------------------------


def test_an_explicit_weight_that_differs_from_the_even_share_is_used():
    # 产出 50: one indicator weighs 30, the other gets what is left, 20 (an even split would
    # give 25 each). The first is met (30), the second half done: 20 × 5 / 10 = 10.
    # 效益 30 met, 满意度 10 met, 预算执行 100% → 10. Total 10 + 30 + 10 + 30 + 10 = 90.
    indicators = [
        output("≥1个", "1个", weight=D("30")),
        output("≥10人", "5人"),
        benefit("应保尽保", "应保尽保"),
        satisfaction("≥90%", "95%"),
    ]
    result = score_return(D("100"), indicators)
    assert [s.weight for s in result.indicators] == [D("30.00"), D("20.00"), D("30.00"), D("10.00")]
    assert [s.score for s in result.indicators] == [D("30.00"), D("10.00"), D("30.00"), D("10.00")]
    assert result.total == D("90.00")
    assert result.grade == "优"
    assert result.notes == []


def test_an_explicit_weight_on_the_missed_indicator_changes_the_total():
    # Only 产出 present: its 50 points become 90. The missed indicator (5 of ≥10人) weighs 40,
    # the met one gets what is left, 90 − 40 = 50. Scores 50 + 40 × 5 / 10 = 70 (an even split,
    # 45 each, would give 45 + 22.5 = 67.5).
    indicators = [output("≥1个", "1个"), output("≥10人", "5人", weight=D("40"))]
    result = score_return(D("0"), indicators)
    assert [s.weight for s in result.indicators] == [D("50.00"), D("40.00")]
    assert [s.score for s in result.indicators] == [D("50.00"), D("20.00")]
    assert result.total == D("70.00")


def test_all_weights_set_and_not_adding_up_to_the_level_is_noted_and_used():
    # 产出 50 with weights 15 + 25 = 40: scored out of the weights as given, and noted.
    indicators = [
        output("≥1个", "1个", weight=D("15")),
        output("≥1个", "1个", weight=D("25")),
        benefit("应保尽保", "应保尽保"),
        satisfaction("≥90%", "95%"),
    ]
    result = score_return(D("100"), indicators)
    assert [s.weight for s in result.indicators] == [D("15.00"), D("25.00"), D("30.00"), D("10.00")]
    # 10 + 15 + 25 + 30 + 10 = 90
    assert result.total == D("90.00")
    assert len(result.notes) == 1
    assert "产出指标" in result.notes[0] and "40" in result.notes[0] and "50" in result.notes[0]


def test_all_weights_set_and_adding_up_is_not_noted():
    indicators = [
        output("≥1个", "1个", weight=D("20")),
        output("≥1个", "1个", weight=D("30")),
        benefit("应保尽保", "应保尽保"),
        satisfaction("≥90%", "95%"),
    ]
    result = score_return(D("100"), indicators)
    assert result.notes == []
    assert result.total == D("100.00")


def test_explicit_weights_above_the_level_with_others_unset_are_refused():
    # Only 产出 present: 90 points, and one indicator already weighs 95.
    indicators = [output("≥1个", "1个", weight=D("95")), output("≥1个", "1个")]
    with pytest.raises(ValueError, match="超过该级分值"):
        score_return(D("100"), indicators)


def test_explicit_weights_that_use_up_the_level_leave_zero_to_the_others():
    # 产出 50 = 50 explicit, so the other 产出 indicator weighs 0 and its miss costs nothing:
    # 10 + 50 + 0 + 30 + 10 = 100.
    indicators = [
        output("≥1个", "1个", weight=D("50")),
        output("≥10人", "5人"),
        benefit("应保尽保", "应保尽保"),
        satisfaction("≥90%", "95%"),
    ]
    result = score_return(D("100"), indicators)
    assert [s.weight for s in result.indicators] == [D("50.00"), D("0.00"), D("30.00"), D("10.00")]
    assert [s.score for s in result.indicators] == [D("50.00"), D("0.00"), D("30.00"), D("10.00")]
    assert result.total == D("100.00")


def test_level_weights_that_add_up_to_nothing_are_refused():
    indicators = [output("≥1个", "1个")]
    with pytest.raises(ValueError, match="合计应大于0"):
        score_return(D("100"), indicators, level_weights={"产出指标": 0})


# --------------------------------------------------------------------------------------------
# At most: the 2 × target limit
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "score"),
    [
        ("30日", "10.00"),  # met
        ("33日", "9.00"),  # 10 × (1 − 3 / 30)
        ("59日", "0.33"),  # 10 × (1 − 29 / 30) = 0.333…
        ("60日", "0.00"),  # 2 × target
        ("61日", "0.00"),  # beyond: 0 (the formula would give −0.33)
        ("75日", "0.00"),  # 2.5 × target: 0 (the formula would give −5)
        ("89日", "0.00"),  # just under 3 × target
        ("90日", "0.00"),
        ("300日", "0.00"),
    ],
)
def test_at_most_scores_fall_to_zero_at_twice_the_target_and_stay_there(actual, score):
    assert score_indicator(evaluate("≤30日", actual), 10).score == D(score)


def test_at_most_zero_target_missed_scores_nothing():
    # 0起 is "none at all" (domain.md §3: =0 is at most nothing): one accident scores 0.
    assert score_indicator(evaluate("0起", "1起"), 10).score == D("0.00")
    assert score_indicator(evaluate("≤0起", "2起"), 10).score == D("0.00")
    assert score_indicator(evaluate("0起", "0起"), 10).score == D("10.00")


def test_at_least_partial_score_is_proportional():
    # 20 × 12 / 16 = 15; 20 × 0 / 16 = 0
    assert score_indicator(evaluate("≥16人", "12人"), 20).score == D("15.00")
    assert score_indicator(evaluate("≥16人", "0人"), 20).score == D("0.00")
    # met beyond the target: full weight, never more
    assert score_indicator(evaluate("≥16人", "32人"), 20).score == D("20.00")


def test_a_band_for_a_computed_indicator_is_ignored_and_noted():
    scored = score_indicator(evaluate("≥16人", "12人"), 20, band="达成")
    assert scored.score == D("15.00")
    assert scored.method == "正向"
    assert "已忽略评价档次" in scored.note
    assert score_indicator(evaluate("≥16人", "12人"), 20).note == ""


def test_weight_zero_is_allowed_and_a_negative_or_missing_weight_is_refused():
    assert score_indicator(evaluate("≥16人", "12人"), 0).score == D("0.00")
    with pytest.raises(ValueError, match="分值应为非负数"):
        score_indicator(evaluate("≥16人", "12人"), -1)
    with pytest.raises(ValueError, match="分值应为非负数"):
        score_indicator(evaluate("≥16人", "12人"), None)


# --------------------------------------------------------------------------------------------
# 预算执行
# --------------------------------------------------------------------------------------------


def test_no_execution_rate_scores_zero_budget_points():
    # Budget 0 or not entered: no rate, so 0 of the 10 points. Indicators all met: 90.
    indicators = [output("≥1个", "1个"), benefit("应保尽保", "应保尽保"), satisfaction("≥90%", "95%")]
    result = score_return(None, indicators)
    assert result.budget_score == D("0.00")
    assert result.total == D("90.00")
    assert result.grade == "优"
    assert any("预算执行得分按0计" in note for note in result.notes)


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        ("0", "0.00"),
        ("0.33", "0.03"),
        ("29.05", "2.91"),
        ("99.99", "10.00"),
        ("100", "10.00"),
        ("150", "10.00"),
    ],
)
def test_budget_points_are_a_tenth_of_the_rate_at_most_10(rate, points):
    # 0.33 × 10 / 100 = 0.033 → 0.03; 99.99 → 9.999 → 10.00 shown; never above 10.
    indicators = [output("≥1个", "1个")]
    result = score_return(D(rate), indicators)
    assert result.budget_score == D(points)
    assert result.notes == []


def test_budget_points_never_go_below_zero():
    result = score_return(D("-5"), [output("≥1个", "1个")])
    assert result.budget_score == D("0.00")
    assert result.total == D("90.00")


def test_budget_points_count_exactly_in_the_total():
    # 99.99% → 9.999 points (shown 10.00): the total 9.999 + 90 = 99.999 → 100.00;
    # 0.33% → 0.033: 90.033 → 90.03.
    indicators = [output("≥1个", "1个")]
    assert score_return(D("0.33"), indicators).total == D("90.03")


# --------------------------------------------------------------------------------------------
# Default level weights, 成本 folded into 产出
# --------------------------------------------------------------------------------------------


def test_default_level_weights_are_50_30_10():
    # One missed indicator per level, half done, everything else absent: the scores show the
    # level points. 50 × 1/2 = 25, 30 × 1/2 = 15, 10 × 1/2 = 5; 预算执行 0 → total 45.
    indicators = [output("≥10人", "5人"), benefit("≥10人", "5人"), satisfaction("≥90%", "45%")]
    result = score_return(D("0"), indicators)
    assert [s.weight for s in result.indicators] == [D("50.00"), D("30.00"), D("10.00")]
    assert [s.score for s in result.indicators] == [D("25.00"), D("15.00"), D("5.00")]
    assert result.total == D("45.00")
    assert result.grade == "差"


def test_absent_levels_give_their_points_in_proportion():
    # 效益 and 满意度 only: 30 × 90 / 40 = 67.5, 10 × 90 / 40 = 22.5.
    indicators = [benefit("≥10人", "5人"), satisfaction("≥90%", "90%")]
    result = score_return(D("0"), indicators)
    assert [s.weight for s in result.indicators] == [D("67.50"), D("22.50")]
    # 67.5 × 1/2 + 22.5 = 56.25
    assert result.total == D("56.25")


def test_cost_indicators_with_a_weight_of_their_own_are_a_level():
    # 成本 given 10: 产出 50, 成本 10, 效益 30 → 90 over 90. 成本 missed at 100 / 125 = 80%
    # for ≤100万元: 10 × (1 − 25 / 100) = 7.5.
    indicators = [
        output("≥1个", "1个"),
        ScoredIndicator("成本指标", "经济成本指标", evaluate("≤100万元", "125万元")),
        benefit("应保尽保", "应保尽保"),
    ]
    result = score_return(D("100"), indicators, level_weights={"成本指标": 10})
    assert [s.weight for s in result.indicators] == [D("50.00"), D("10.00"), D("30.00")]
    assert [s.score for s in result.indicators] == [D("50.00"), D("7.50"), D("30.00")]
    assert result.total == D("97.50")


def test_an_empty_return_cannot_be_scored():
    with pytest.raises(ValueError, match="没有可计分的绩效指标"):
        score_return(D("100"), [])


def test_notes_name_the_indicator_that_needs_a_band():
    indicators = [output("≥1个", "1个"), benefit("有所提升", "生活改善", name="困难群众生活水平情况")]
    result = score_return(D("100"), indicators)
    assert result.total is None and result.indicator_total is None and result.grade is None
    assert result.budget_score == D("10.00")
    assert [note.split("：")[0] for note in result.notes] == ["困难群众生活水平情况"]
    unnamed = score_return(D("100"), [output("≥1个", "1个"), benefit("有所提升", "生活改善")])
    assert unnamed.notes[0].startswith("社会效益指标：")


# --------------------------------------------------------------------------------------------
# 定性 bands: both ends of each
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("band", "score"),
    [
        (("达成", 100), "20.00"),
        (("达成", 80), "16.00"),
        (("部分达成", 80), "16.00"),
        (("部分达成", 60), "12.00"),
        (("未达成", 60), "12.00"),
        (("未达成", 0), "0.00"),
        ("达成", "20.00"),  # without a figure: 100, 70, 30
        ("部分达成", "14.00"),
        ("未达成", "6.00"),
        (["部分达成", "65"], "13.00"),
    ],
)
def test_band_limits_are_inclusive(band, score):
    evaluation = evaluate("有所提升", "生活水平稳步改善")
    scored = score_indicator(evaluation, 20, band=band)
    assert (scored.score, scored.method) == (D(score), "定性")


@pytest.mark.parametrize(
    "band",
    [
        ("达成", 79),
        ("达成", 101),
        ("部分达成", 59),
        ("部分达成", 81),
        ("未达成", 61),
        ("未达成", -1),
        ("达成",),
        ("达成", 90, 1),
    ],
)
def test_band_figures_outside_the_band_are_refused(band):
    evaluation = evaluate("有所提升", "生活水平稳步改善")
    with pytest.raises(ValueError):
        score_indicator(evaluation, 20, band=band)


def test_qualitative_without_a_band_needs_a_reviewer_and_an_unreadable_one_says_why():
    unknown = score_indicator(evaluate("有所提升", "生活改善"), 10)
    assert (unknown.score, unknown.method) == (None, "定性")
    assert "达成/部分达成/未达成" in unknown.note
    unreadable = score_indicator(evaluate("≥95%", "abc"), 10)
    assert unreadable.score is None
    assert unreadable.note.startswith("无法计分：") and "abc" in unreadable.note


# --------------------------------------------------------------------------------------------
# Grades and printing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "grade"),
    [("90.00", "优"), ("89.994", "良"), ("80.00", "良"), ("79.994", "中"), ("60.00", "中"), ("59.994", "差")],
)
def test_grade_floors(total, grade):
    assert grade_for(D(total)) == grade


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1"), "1"),
        (1, "1"),
        ("1", "1"),
        (D("1.00"), "1"),
        (D("0"), "0"),
        (D("0.00"), "0"),
        (D("-0"), "0"),
        (D("10"), "10"),
        (D("1020"), "1020"),
        (D("1E+3"), "1000"),
        (D("33.930"), "33.93"),
        (D("1.40"), "1.4"),
        (D("0.05"), "0.05"),
        (None, ""),
        ("", ""),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_format_value_prints_one():
    # ≥1个 is shown as ≥1个, never ≥0个.
    assert format_value(1, "个") == "1个"
    assert format_value(D("1"), "%") == "1%"
    assert format_value(None, "个") == ""
    assert format_value(D("33.93")) == "33.93"  # no unit: the number alone
    assert evaluate("≥1个", "1个").target.display == "≥1个"


def test_what_a_malformed_band_says():
    evaluation = evaluate("有所提升", "生活水平稳步改善")
    with pytest.raises(ValueError, match="评价档次应为“档次”或（档次, 百分比）"):
        score_indicator(evaluation, 20, band=("达成",))
    with pytest.raises(ValueError, match="档次得分比例“很高”不是数字"):
        score_indicator(evaluation, 20, band=("达成", "很高"))
    with pytest.raises(ValueError, match="评价档次“部分达成”的得分比例应在60%至80%之间，填写的是85%"):
        score_indicator(evaluation, 20, band=("部分达成", 85))
