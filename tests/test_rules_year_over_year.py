"""不低于上年 and 有所提升 against last year's actual (docs/domain.md §8): with a number this year
and last year, the comparison is arithmetic, not a reviewer's judgement. Expected rates are
worked out by hand in the comments. No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import IndicatorLine, ReturnData, check_return, evaluate

D = Decimal


@pytest.mark.parametrize(
    ("target", "actual", "previous", "met", "completion", "deviation"),
    [
        ("不低于上年", "96%", "95%", True, D("100.00"), D("0.00")),
        ("不低于上年", "95%", "95%", True, D("100.00"), D("0.00")),  # equal is not lower
        ("不低于上年", "90%", "95%", False, D("94.74"), D("5.26")),  # 90 / 95 = 94.736…
        ("不低于上年度", "1200人", "1300人", False, D("92.31"), D("7.69")),  # 1200 / 1300 = 92.307…
        ("有所提升", "96%", "95%", True, D("100.00"), D("0.00")),
        ("有所提升", "80%", "95%", False, D("84.21"), D("15.79")),  # 80 / 95 = 84.210…
        ("较上年有所提升", "96", "95", True, D("100.00"), D("0.00")),
        ("高于上年", "95.5%", "95%", True, D("100.00"), D("0.00")),
    ],
)
def test_a_number_is_compared_with_last_years(target, actual, previous, met, completion, deviation):
    evaluation = evaluate(target, actual, previous=previous)
    assert (evaluation.met, evaluation.completion_rate, evaluation.deviation_rate) == (
        met,
        completion,
        deviation,
    )
    assert evaluation.needs_explanation is (not met)


def test_the_same_as_last_year_is_no_improvement_and_prints_no_rate():
    evaluation = evaluate("有所提升", "95%", previous="95%")
    assert evaluation.met is False and evaluation.needs_explanation
    assert evaluation.completion_rate is None and evaluation.deviation_rate is None


@pytest.mark.parametrize(
    ("actual", "previous"),
    [
        ("96%", None),  # no last year: a reviewer decides, as before
        ("96%", "96人"),  # another unit: not comparable
        ("96%", "应保尽保"),  # last year's was words
        ("96%", "0%"),  # nothing to compare a share with
        ("稳步提升", "95%"),  # this year's is words
    ],
)
def test_without_two_comparable_numbers_the_wording_or_a_reviewer_decides(actual, previous):
    plain = evaluate("有所提升", actual)
    assert evaluate("有所提升", actual, previous=previous) == plain


def test_last_years_value_does_not_touch_other_targets():
    assert evaluate("应保尽保", "96%", previous="99%") == evaluate("应保尽保", "96%")
    assert evaluate("≥95%", "96%", previous="99%") == evaluate("≥95%", "96%")


def test_a_reviewers_judgement_does_not_override_the_arithmetic():
    assert evaluate("不低于上年", "90%", previous="95%", judged_met=True).met is False


def test_a_return_that_fell_below_last_year_needs_a_reason_and_a_measure():
    line = IndicatorLine(
        "k", "产出指标", "质量指标", "孤儿认定准确率", "不低于上年", "90%", previous_text="95%"
    )
    findings = check_return(ReturnData("ret", "伊宁市", [], [line]))
    assert [(f.code, f.message) for f in findings] == [
        ("missing_reason", "指标“孤儿认定准确率”未完成（完成率94.74%），请填写未完成原因。"),
        ("missing_measure", "指标“孤儿认定准确率”未完成（完成率94.74%），请填写改进措施。"),
    ]
    without = IndicatorLine("k", "产出指标", "质量指标", "孤儿认定准确率", "不低于上年", "90%")
    assert [f.code for f in check_return(ReturnData("ret", "伊宁市", [], [without]))] == ["needs_judgement"]
