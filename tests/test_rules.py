"""Tests for indicators.rules: reading target values, completion/deviation, execution rate, scoring.

Expected figures come from the seed documents (seed 000, the 2024 新疆 report on
困难失能老年人基本养老服务救助; fixtures/README.md) and from docs/domain.md §3–§4, not from the
code under test.
No Django needed.
"""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.rules import (
    Evaluation,
    ScoredIndicator,
    Target,
    TargetParseError,
    UnitMismatchError,
    evaluate,
    execution_rate,
    grade_for,
    parse_actual,
    parse_target,
    quantize_rate,
    score_indicator,
    score_return,
)
from tests.seed_figures import ELDERLY_EXECUTION, ELDERLY_TOTAL

D = Decimal

# --------------------------------------------------------------------------------------------
# The grammar (domain.md §3)
# --------------------------------------------------------------------------------------------

QUANTITATIVE_FORMS = [
    # text, comparator, value, unit
    ("≥95%", ">=", "95", "%"),
    ("≥ 90%", ">=", "90", "%"),
    (">=95%", ">=", "95", "%"),
    ("≧95%", ">=", "95", "%"),  # NFKC leaves ≧ alone, so it needs its own spelling
    ("＞=95%", ">=", "95", "%"),  # full-width ＞ becomes > under NFKC
    ("≥９５％", ">=", "95", "%"),  # full-width digits and percent sign
    ("≥\u300095%", ">=", "95", "%"),  # ideographic space
    ("95%以上", ">=", "95", "%"),
    ("95%及以上", ">=", "95", "%"),
    ("不低于95%", ">=", "95", "%"),
    ("不少于500人次", ">=", "500", "人次"),
    ("100%", "=", "100", "%"),
    ("=1个", "=", "1", "个"),
    ("≥500人次", ">=", "500", "人次"),
    ("≥50人次", ">=", "50", "人次"),
    ("≥1500人月", ">=", "1500", "人月"),
    ("≥1个", ">=", "1", "个"),
    ("≥4次", ">=", "4", "次"),
    ("≥400人", ">=", "400", "人"),
    ("≥88%", ">=", "88", "%"),
    ("≥ 88%", ">=", "88", "%"),  # seed 003 writes both
    ("≥1,500人次", ">=", "1500", "人次"),
    ("≥500元/人/月", ">=", "500", "元/人/月"),
    ("≥10户", ">=", "10", "户"),
    ("≥3家", ">=", "3", "家"),
    ("≥2所", ">=", "2", "所"),
    ("≥100万元", ">=", "100", "万元"),
    ("≤30日", "<=", "30", "日"),
    ("≤10次", "<=", "10", "次"),
    ("≤5%", "<=", "5", "%"),
    ("<=30日", "<=", "30", "日"),
    ("≦30日", "<=", "30", "日"),
    ("不超过30日", "<=", "30", "日"),
    ("不高于5%", "<=", "5", "%"),
    ("30日以内", "<=", "30", "日"),
    ("30日内", "<=", "30", "日"),
    ("30天内", "<=", "30", "天"),
    ("5%以下", "<=", "5", "%"),
    ("15个工作日内", "<=", "15", "个工作日"),
    ("95", "=", "95", ""),
    ("33.93%", "=", "33.93", "%"),
]


@pytest.mark.parametrize(("text", "comparator", "value", "unit"), QUANTITATIVE_FORMS)
def test_parse_target_quantitative_forms(text, comparator, value, unit):
    target = parse_target(text)
    assert target.kind == "quantitative"
    assert target.comparator == comparator
    assert target.value == D(value)
    assert isinstance(target.value, Decimal)
    assert target.unit == unit
    assert target.text == text


QUALITATIVE_FORMS = [
    "应纳尽纳",
    "应保尽保",
    "应救尽救",
    "及时送返",
    "有所提升",
    "不低于上年",  # 不低于 is a comparator word, but there is no number: words
    "按要求合理确定调整",
    "逐步提高",
    "长期",
    "显著提升",
    " 应保尽保 ",
]


@pytest.mark.parametrize("text", QUALITATIVE_FORMS)
def test_parse_target_qualitative_forms(text):
    target = parse_target(text)
    assert target.kind == "qualitative"
    assert target.comparator is None
    assert target.value is None
    assert target.unit == ""
    assert target.text == text


BAD_TARGETS = [
    "",
    "   ",
    "\n",
    "abc",
    "≥",
    "≥%",
    "95%%",
    "≥-",
    "-5%",
    "90%-95%",  # two numbers
    "90 95",
    "95%左右",  # digits that the grammar does not read are never silently words
    "≥30日以内",  # contradicting comparators
    "≥=95%",
    "95.%",
    "1234567890123%",  # too large to be a target
]


@pytest.mark.parametrize("text", BAD_TARGETS)
def test_parse_target_rejects_garbage_with_a_chinese_message_quoting_it(text):
    with pytest.raises(TargetParseError) as caught:
        parse_target(text)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(f"无法识别指标值“{text}”：")
    assert caught.value.text == text


def test_parse_target_error_message_example():
    with pytest.raises(ValueError, match="无法识别指标值“abc”："):
        parse_target("abc")


def test_qualitative_rule_needs_a_chinese_character():
    # Decision: no digits + a Chinese character = words; no digits and no Chinese = error.
    assert parse_target("达到A级").kind == "qualitative"
    with pytest.raises(TargetParseError):
        parse_target("OK")


def test_target_same_as_and_display():
    assert parse_target("≥ 95%").same_as(parse_target("95%以上"))
    assert parse_target("≤30日").same_as(parse_target("不超过30天"))  # 日 and 天 are one unit
    assert not parse_target("100%").same_as(parse_target("≥95%"))
    assert parse_target("应保尽保。").same_as(parse_target("应保尽保"))
    assert parse_target("不低于95%").display == "≥95%"
    assert parse_target("30日以内").display == "≤30日"


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        ("33.93%", "=", "33.93", "%"),
        ("=510人次", "=", "510", "人次"),
        ("510人次", "=", "510", "人次"),
        ("30日内", "<=", "30", "日"),
        ("30日", "=", "30", "日"),
        ("0人", "=", "0", "人"),
        ("100%", "=", "100", "%"),
        (" 11.43%", "=", "11.43", "%"),  # the seed's 自评表 has a leading space
    ],
)
def test_parse_actual_forms(text, comparator, value, unit):
    actual = parse_actual(text)
    assert (actual.comparator, actual.value, actual.unit) == (comparator, D(value), unit)


def test_parse_actual_qualitative():
    assert parse_actual("应纳尽纳").kind == "qualitative"
    assert parse_actual("应纳尽纳", "应纳尽纳").kind == "qualitative"


def test_parse_actual_without_unit_takes_the_targets_unit():
    # Decision: staff write 95 for ≥95%; the actual is read as 95%.
    assert parse_actual("95", "≥95%").unit == "%"
    assert parse_actual("510", parse_target("≥500人次")).unit == "人次"


def test_parse_actual_with_unit_for_a_target_without_one_is_accepted():
    assert parse_actual("120人", "≥100").unit == "人"


def test_parse_actual_unit_mismatch():
    with pytest.raises(UnitMismatchError) as caught:
        parse_actual("510人次", "≥95%")
    assert isinstance(caught.value, TargetParseError)
    assert isinstance(caught.value, ValueError)
    assert "510人次" in str(caught.value) and "≥95%" in str(caught.value)
    assert "不一致" in str(caught.value)


def test_parse_actual_equivalent_units_are_not_a_mismatch():
    assert parse_actual("28天", "≤30日").value == 28


def test_parse_actual_words_for_a_number_target_are_an_error():
    with pytest.raises(TargetParseError) as caught:
        parse_actual("已完成", "≥95%")
    assert not isinstance(caught.value, UnitMismatchError)
    assert "已完成" in str(caught.value)


def test_parse_actual_error_names_the_actual():
    with pytest.raises(TargetParseError, match="无法识别实际完成值“abc”"):
        parse_actual("abc")


# --------------------------------------------------------------------------------------------
# Seed 000: every indicator of the 自评表 with the rates its section (四) prints
# --------------------------------------------------------------------------------------------

# (三级指标 abridged, 指标值, 全年实际完成值, 完成率, 偏差率) — targets and actuals from the
# 自评表, rates from "（四）绩效指标完成情况分析". All nine printed figures are right.
SEED_000_INDICATORS = [
    ("补助标准实际到位率", "≥95%", "33.93%", "35.72", "64.28"),
    ("综合能力评估的覆盖率", "100%", "50%", "50", "50"),
    ("纳入救助保障范围（含纳入轮候机制）", "应纳尽纳", "应纳尽纳", "100", "0"),
    ("养老机构护理人员人数与入住人数的比例", "≥20%", " 11.43%", "57.15", "42.85"),
    ("下达中央财政救助补助资金", "≤30日", "30日内", "100", "0"),
    ("补助资金按时发放率", "≥95%", "21.43%", "22.56", "77.44"),
    ("及时录入全国养老服务信息系统率", "≥95%", "34.64%", "36.46", "63.54"),
    ("救助政策在当地的知晓率", "≥95%", " 61.42%", "64.65", "35.35"),
    ("补助对象对集中照护政策实施的满意度", "≥90%", "32.88%", "36.53", "63.47"),
]


@pytest.mark.parametrize(("name", "target", "actual", "completion", "deviation"), SEED_000_INDICATORS)
def test_seed_000_completion_and_deviation(name, target, actual, completion, deviation):
    result = evaluate(target, actual)
    assert result.error is None, name
    assert result.completion_rate == D(completion)
    assert result.deviation_rate == D(deviation)
    assert result.completion_rate.as_tuple().exponent == -2  # always two places
    met = D(completion) >= 100
    assert result.met is met
    assert result.needs_explanation is (not met)
    assert result.over_achieved is False


def test_seed_000_rates_add_up():
    for _, target, actual, _, _ in SEED_000_INDICATORS:
        result = evaluate(target, actual)
        assert result.completion_rate + result.deviation_rate == 100


def test_domain_examples():
    # domain.md §4: 510 of ≥500 → 102%, deviation 2%.
    assert evaluate("≥500人次", "=510人次").completion_rate == D("102.00")
    assert evaluate("≥500人次", "=510人次").deviation_rate == D("2.00")
    # Not capped: 12% of ≥10% → 120%.
    assert evaluate("≥10%", "12%").completion_rate == D("120.00")


def test_sibling_report_misprint_15_3_of_10_is_153_and_over_achieved():
    # domain.md §7: a report printed 100% / 0% for 15.3% against ≥10%. It is
    # 15.3 / 10 × 100 = 153.00%, deviation 53.00%, and over-achieved (≥ 130%), so it needs
    # an explanation and belongs in "完成率超出30%及以上指标".
    result = evaluate("≥10%", "15.3%")
    assert result.completion_rate == D("153.00")
    assert result.deviation_rate == D("53.00")
    assert result.met is True
    assert result.over_achieved is True
    assert result.needs_explanation is True


def test_satisfaction_misprint_cannot_happen():
    # domain.md §7: 完成率 100% with 偏差率 100%. Met means deviation 0.
    result = evaluate("≥90%", "95%")
    assert (result.completion_rate, result.deviation_rate) == (D("105.56"), D("5.56"))
    result = evaluate("≥90%", "90%")
    assert (result.completion_rate, result.deviation_rate) == (D("100.00"), D("0.00"))


# --------------------------------------------------------------------------------------------
# evaluate: the rules
# --------------------------------------------------------------------------------------------


def test_positive_equal_target_counts_as_at_least():
    result = evaluate("=1个", "2个")  # 2 / 1 × 100
    assert result.completion_rate == D("200.00")
    assert result.met is True and result.over_achieved is True


def test_over_achievement_threshold_is_130():
    assert evaluate("≥100人", "129人").over_achieved is False
    assert evaluate("≥100人", "130人").over_achieved is True
    assert evaluate("≥100人", "130人").needs_explanation is True


def test_positive_zero_target_is_met_by_anything():
    result = evaluate("≥0人", "0人")
    assert (result.completion_rate, result.met) == (D("100.00"), True)
    assert evaluate("≥0人", "7人").completion_rate == D("100.00")


def test_equal_zero_means_none_at_all():
    # Decision: "=0起" cannot mean "at least 0"; it is read as ≤0.
    assert evaluate("0起", "0起").met is True
    result = evaluate("0起", "2起")
    assert result.met is False and result.completion_rate == D("0.00")


def test_negative_direction():
    assert evaluate("≤30日", "25日").completion_rate == D("100.00")
    assert evaluate("≤30日", "0日").completion_rate == D("100.00")  # actual 0 → 100
    result = evaluate("≤30日", "40日")  # 30 / 40 × 100 = 75
    assert (result.completion_rate, result.deviation_rate, result.met) == (
        D("75.00"),
        D("25.00"),
        False,
    )
    assert result.needs_explanation is True
    assert evaluate("≤5%", "6%").completion_rate == D("83.33")  # 5 / 6 × 100 = 83.333…


def test_qualitative_met_by_same_wording_or_phrase():
    for actual in ["应保尽保", " 应保尽保。", "已完成", "完成", "达到", "是", "已实现应保尽保"]:
        result = evaluate("应保尽保", actual)
        assert (result.completion_rate, result.deviation_rate, result.met) == (
            D("100.00"),
            D("0.00"),
            True,
        ), actual
        assert result.needs_explanation is False


def test_qualitative_not_stated_needs_a_person():
    result = evaluate("有所提升", "生活水平稳步改善")
    assert (result.completion_rate, result.deviation_rate, result.met) == (None, None, None)
    assert result.error is None
    assert result.needs_explanation is False
    # a number against words is for a reviewer too
    assert evaluate("应保尽保", "100%").met is None


def test_qualitative_stated_missed():
    result = evaluate("应保尽保", "未完成")
    assert result.met is False and result.completion_rate is None
    assert result.needs_explanation is True


@pytest.mark.parametrize(
    ("target", "actual", "fragment"),
    [
        ("≥95%", "510人次", "单位"),
        ("≥95%", "", "内容为空"),
        ("≥95%", "abc", "abc"),
        ("≥95%", "已完成", "已完成"),
        ("abc", "95%", "abc"),
        ("", "95%", "内容为空"),
        ("≥95%", 0.5, "float"),
    ],
)
def test_evaluate_reports_bad_input_instead_of_raising(target, actual, fragment):
    result = evaluate(target, actual)
    assert isinstance(result, Evaluation)
    assert result.error and fragment in result.error
    assert (result.completion_rate, result.deviation_rate, result.met) == (None, None, None)


def test_evaluate_accepts_parsed_objects():
    result = evaluate(parse_target("≥95%"), parse_actual("33.93%"))
    assert result.completion_rate == D("35.72")
    assert isinstance(result.target, Target) and result.actual.value == D("33.93")
    # a parsed actual is still checked against the target's unit
    assert evaluate(parse_target("≥95%"), parse_actual("510人次")).error


def test_rounding_is_half_up_on_the_final_figure():
    # 71.45 / 200 × 100 = 35.725 exactly: half-up gives 35.73 (half-even would give 35.72).
    result = evaluate("≥200人", "71.45人")
    assert result.completion_rate == D("35.73")
    # The deviation is taken from the printed completion so the two add up to 100.
    assert result.deviation_rate == D("64.27")
    # 200.25 / 100 … completion 200.25 exactly, deviation 100.25
    assert evaluate("≥100人", "200.25人").deviation_rate == D("100.25")


# --------------------------------------------------------------------------------------------
# execution_rate and quantize_rate
# --------------------------------------------------------------------------------------------

# Seed 000, 分配表2-1 (execution table): budget, spent, printed rate, for the total and five
# prefectures (昌吉回族自治州's 0.4985… is printed as 0.5%).
SEED_000_EXECUTION = [("合计", *map(str, ELDERLY_TOTAL))] + [
    (name, *ELDERLY_EXECUTION[name])
    for name in ("乌鲁木齐市", "伊犁哈萨克自治州", "昌吉回族自治州", "喀什地区", "和田地区")
]


@pytest.mark.parametrize(("region", "budget", "spent", "rate"), SEED_000_EXECUTION)
def test_execution_rate_seed_000(region, budget, spent, rate):
    assert execution_rate(D(spent), D(budget)) == D(rate)
    assert execution_rate(spent, int(budget)) == D(rate)  # str and int are accepted


def test_execution_rate_domain_example():
    assert execution_rate("63.9", "220") == D("29.05")  # 29.0454… → 29.05


def test_execution_rate_without_budget():
    assert execution_rate("1", 0) is None
    assert execution_rate("1", None) is None
    assert execution_rate(None, 100) is None


def test_execution_rate_refuses_floats():
    with pytest.raises(TypeError):
        execution_rate(float(ELDERLY_TOTAL[1]), int(ELDERLY_TOTAL[0]))
    with pytest.raises(TypeError):
        execution_rate(ELDERLY_TOTAL[1], float(ELDERLY_TOTAL[0]))


def test_quantize_rate():
    assert quantize_rate(D("35.715")) == D("35.72")
    assert quantize_rate(D("35.725")) == D("35.73")
    assert quantize_rate(D("0.005")) == D("0.01")
    assert quantize_rate("2") == D("2.00")
    assert quantize_rate(None) is None
    with pytest.raises(TypeError):
        quantize_rate(0.1)


# --------------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------------

GRAMMAR_ALPHABET = "0123456789.,%％≥≤≧≦<>=＞ 　-以上下内不低于超过少日天人次个应保尽已完成abc/"
grammar_text = st.text(alphabet=GRAMMAR_ALPHABET, max_size=12)
any_text = st.one_of(st.text(max_size=20), grammar_text)
amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
positive_amounts = st.decimals(
    min_value=D("0.01"), max_value=10**6, places=2, allow_nan=False, allow_infinity=False
)


@given(any_text)
def test_parse_target_raises_only_its_own_error(text):
    try:
        parsed = parse_target(text)
    except TargetParseError as exc:
        assert text in str(exc)
    else:
        assert parsed.kind in ("quantitative", "qualitative")
        assert parsed.comparator in (">=", "<=", "=", None)


# domain.md §3: 日/天, 月/个月, 人/名 are one unit.
SAME_UNIT = {"天": "日", "个月": "月", "名": "人"}


@given(any_text, any_text)
def test_parse_actual_raises_only_its_own_error(text, target):
    try:
        wanted = parse_target(target)
    except TargetParseError:
        return
    try:
        actual = parse_actual(text, wanted)
    except TargetParseError as exc:
        assert text in str(exc)  # the message quotes what was typed
        return
    assert actual.text == text
    if wanted.is_qualitative:
        return
    # A quantitative target takes a number in its own unit (or the unit it lends a bare number).
    assert actual.kind == "quantitative" and actual.value is not None
    if wanted.unit:
        assert SAME_UNIT.get(actual.unit, actual.unit) == SAME_UNIT.get(wanted.unit, wanted.unit)


@given(any_text, any_text)
def test_evaluate_never_raises(target, actual):
    result = evaluate(target, actual)
    assert isinstance(result, Evaluation)
    if result.deviation_rate is not None:
        assert result.deviation_rate >= 0


@given(positive_amounts, amounts, amounts, st.sampled_from(["%", "人次", ""]))
def test_completion_grows_with_actual_for_at_least(target, a, b, unit):
    low, high = sorted([a, b])
    first = evaluate(f"≥{target}{unit}", f"{low}{unit}").completion_rate
    second = evaluate(f"≥{target}{unit}", f"{high}{unit}").completion_rate
    assert first <= second


@given(amounts, amounts, amounts)
def test_completion_falls_with_actual_for_at_most(target, a, b):
    low, high = sorted([a, b])
    first = evaluate(f"≤{target}日", f"{low}日").completion_rate
    second = evaluate(f"≤{target}日", f"{high}日").completion_rate
    assert first >= second


@given(amounts, amounts, st.sampled_from(["≥", "≤", "", "不低于", "不超过"]))
def test_deviation_is_never_negative_and_matches_completion(target, actual, symbol):
    result = evaluate(f"{symbol}{target}%", f"{actual}%")
    assert result.error is None
    assert result.deviation_rate >= 0
    assert result.deviation_rate == abs(result.completion_rate - 100)


@given(st.integers(min_value=0, max_value=10**9))
def test_quantize_is_half_up(thousandths):
    # n thousandths rounded half-up to hundredths is floor((n + 5) / 10) hundredths.
    value = D(thousandths).scaleb(-3)
    assert quantize_rate(value) == D((thousandths + 5) // 10).scaleb(-2)


# --------------------------------------------------------------------------------------------
# Scoring (domain.md §4)
# --------------------------------------------------------------------------------------------


def test_score_positive_full_and_partial():
    assert score_indicator(evaluate("≥95%", "96%"), 25).score == D("25.00")
    # 25 × 33.93 / 95 = 848.25 / 95 = 8.928947… → 8.93
    scored = score_indicator(evaluate("≥95%", "33.93%"), 25)
    assert scored.score == D("8.93")
    assert scored.method == "正向"


def test_score_negative_band():
    weight = 10
    assert score_indicator(evaluate("≤30日", "30日内"), weight).score == D("10.00")
    # 36 days: 10 × (1 − (36 − 30) / 30) = 10 × 0.8 = 8
    assert score_indicator(evaluate("≤30日", "36日"), weight).score == D("8.00")
    # 45 days: 10 × (1 − 15 / 30) = 5
    assert score_indicator(evaluate("≤30日", "45日"), weight).score == D("5.00")
    # 60 days = 2 × target: 10 × (1 − 30 / 30) = 0
    assert score_indicator(evaluate("≤30日", "60日"), weight).score == D("0.00")
    # beyond 2 × target: 0, not the formula's 10 × (1 − 45 / 30) = −5 (75 days, 2.5 × target)
    assert score_indicator(evaluate("≤30日", "75日"), weight).score == D("0.00")
    assert score_indicator(evaluate("≤30日", "61日"), weight).score == D("0.00")
    assert score_indicator(evaluate("≤30日", "45日"), weight).method == "反向"


@pytest.mark.parametrize(
    ("band", "score"),
    [
        ("达成", "10.00"),  # default: top of 达成
        (("达成", 90), "9.00"),
        (("达成", 80), "8.00"),
        ("部分达成", "7.00"),  # default: middle of 60–80
        (("部分达成", "75"), "7.50"),
        (("部分达成", 60), "6.00"),
        ("未达成", "3.00"),  # default: middle of 0–60
        (("未达成", 0), "0.00"),
    ],
)
def test_score_qualitative_bands(band, score):
    evaluation = evaluate("有所提升", "生活水平稳步改善")
    assert score_indicator(evaluation, 10, band=band).score == D(score)


def test_score_qualitative_band_out_of_range():
    evaluation = evaluate("有所提升", "生活水平稳步改善")
    with pytest.raises(ValueError, match="部分达成"):
        score_indicator(evaluation, 10, band=("部分达成", 85))
    with pytest.raises(ValueError, match="基本达成"):
        score_indicator(evaluation, 10, band="基本达成")


def test_score_qualitative_met_automatically_and_missing_band():
    assert score_indicator(evaluate("应纳尽纳", "应纳尽纳"), 10).score == D("10.00")
    # a reviewer may still lower it
    assert score_indicator(evaluate("应纳尽纳", "应纳尽纳"), 10, band="部分达成").score == D("7.00")
    unknown = score_indicator(evaluate("有所提升", "生活水平稳步改善"), 10)
    assert unknown.score is None
    assert "评价档次" in unknown.note


def test_score_unreadable_actual_needs_a_band():
    scored = score_indicator(evaluate("≥95%", "510人次"), 10)
    assert scored.score is None and "单位" in scored.note
    assert score_indicator(evaluate("≥95%", "510人次"), 10, band="未达成").score == D("3.00")


def test_score_refuses_float_weight():
    with pytest.raises(TypeError):
        score_indicator(evaluate("≥95%", "96%"), 10.0)


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", "优"),
        ("90", "优"),
        ("89.995", "优"),  # rounds half-up to 90.00
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
    ],
)
def test_grades_at_the_boundaries(total, grade):
    assert grade_for(D(total)) == grade


def _seed_000_scored():
    rows = [
        ("产出指标", "数量指标", "100%", "100%"),
        ("产出指标", "数量指标", "≥95%", "33.93%"),
        ("效益指标", "社会效益指标", "≥95%", "61.42%"),
        ("满意度指标", "服务对象满意度指标", "≥90%", "32.88%"),
    ]
    return [ScoredIndicator(l1, l2, evaluate(t, a)) for l1, l2, t, a in rows]


def test_score_return_worked_example():
    # 预算执行: 29.05% × 10 / 100 = 2.905
    # 产出 50 over 2 indicators = 25 each: 25 (met) + 25 × 33.93 / 95 = 8.928947…
    # 效益 30: 30 × 61.42 / 95 = 19.395789…
    # 满意度 10: 10 × 32.88 / 90 = 3.653333…
    # total 2.905 + 25 + 8.928947 + 19.395789 + 3.653333 = 59.883070… → 59.88, 差
    # Printed, the 得分 column must add up to 59.88: 2.91 (2.905 half-up) leaves 56.97 for the
    # indicators, whose exact scores cut to the cent are 25 + 8.92 + 19.39 + 3.65 = 56.96; the
    # missing cent goes to the largest remainder, 8.928947 (0.008947 lost by the cut).
    result = score_return(D("29.05"), _seed_000_scored())
    assert result.budget_score == D("2.91")
    assert [s.weight for s in result.indicators] == [D("25.00"), D("25.00"), D("30.00"), D("10.00")]
    assert [s.score for s in result.indicators] == [D("25.00"), D("8.93"), D("19.39"), D("3.65")]
    assert result.total == D("59.88")
    assert result.budget_score + sum(s.score for s in result.indicators) == result.total
    assert result.grade == "差"
    assert result.indicators[0].level1 == "产出指标"


def test_score_return_budget_points_are_capped_at_10():
    indicators = [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"))]
    assert score_return(D("100"), indicators).budget_score == D("10.00")
    assert score_return(D("120"), indicators).budget_score == D("10.00")
    # only 产出 present: its 50 points become 90, so everything met is 100
    assert score_return(D("100"), indicators).total == D("100.00")


def test_score_return_even_split_does_not_leak_rounding():
    # 产出 50 / 3 = 16.666… each; printed 16.67, 16.67, 16.66 so the 分值 column adds up to 50.
    indicators = [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"))] * 3
    indicators += [ScoredIndicator("效益指标", "社会效益指标", evaluate("应保尽保", "应保尽保"))]
    indicators += [ScoredIndicator("满意度指标", "服务对象满意度指标", evaluate("≥90%", "95%"))]
    result = score_return(D("100"), indicators)
    assert [s.weight for s in result.indicators] == [D("16.67"), D("16.67"), D("16.66"), D("30"), D("10")]
    assert [s.score for s in result.indicators] == [D("16.67"), D("16.67"), D("16.66"), D("30"), D("10")]
    assert result.total == D("100.00")
    assert result.grade == "优"


def test_score_return_redistributes_absent_groups():
    # No 效益 group: 产出 50 × 90 / 60 = 75, 满意度 10 × 90 / 60 = 15.
    indicators = [
        ScoredIndicator("产出指标", "数量指标", evaluate("≥100人", "50人")),
        ScoredIndicator("满意度指标", "服务对象满意度指标", evaluate("≥90%", "95%")),
    ]
    result = score_return(D("0"), indicators)
    assert [s.weight for s in result.indicators] == [D("75.00"), D("15.00")]
    # 0 + 75 × 50 / 100 + 15 = 52.5
    assert result.total == D("52.50")
    assert result.grade == "差"


def test_score_return_explicit_weights_and_level_override():
    # 产出 60 (override): one indicator weighs 30, the other two share the other 30 → 15 each
    # (an even split would give 20 each). 效益 20 (override), 满意度 10 (default kept).
    indicators = [
        ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"), weight=D("30")),
        ScoredIndicator("产出指标", "质量指标", evaluate("≥10人", "5人")),
        ScoredIndicator("产出指标", "时效指标", evaluate("≤30日", "45日")),
        ScoredIndicator("效益指标", "社会效益指标", evaluate("有所提升", "略有改善"), band=("部分达成", 75)),
        ScoredIndicator("满意度指标", "服务对象满意度指标", evaluate("≥90%", "90%")),
    ]
    result = score_return(D("50"), indicators, level_weights={"产出": 60, "效益指标": 20})
    assert [s.weight for s in result.indicators] == [
        D("30.00"),
        D("15.00"),
        D("15.00"),
        D("20.00"),
        D("10.00"),
    ]
    # 5 + 30 + 15 × 5 / 10 + 15 × (1 − 15 / 30) + 20 × 75% + 10 = 5+30+7.5+7.5+15+10 = 75
    assert [s.score for s in result.indicators] == [
        D("30.00"),
        D("7.50"),
        D("7.50"),
        D("15.00"),
        D("10.00"),
    ]
    assert result.total == D("75.00")
    assert result.grade == "中"


def test_score_return_cost_indicators_share_output_points():
    indicators = [
        ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个")),
        ScoredIndicator("成本指标", "经济成本指标", evaluate("≤100万元", "100万元")),
        ScoredIndicator("效益指标", "社会效益指标", evaluate("有所提升", "有所提升")),
        ScoredIndicator("满意度指标", "服务对象满意度指标", evaluate("≥90%", "95%")),
    ]
    result = score_return(D("100"), indicators)
    assert [s.weight for s in result.indicators[:2]] == [D("25.00"), D("25.00")]
    assert result.total == D("100.00")


def test_score_return_without_a_needed_band_has_no_total():
    indicators = _seed_000_scored() + [
        ScoredIndicator(
            "效益指标",
            "社会效益指标",
            evaluate("有所提升", "生活改善"),
            name="困难群众生活水平情况",
        ),
    ]
    result = score_return(D("29.05"), indicators)
    assert result.total is None and result.grade is None
    assert any("困难群众生活水平情况" in note and "评价档次" in note for note in result.notes)


def test_score_return_unknown_level_needs_a_weight():
    indicators = [ScoredIndicator("其他指标", "其他", evaluate("≥1个", "1个"))]
    with pytest.raises(ValueError, match="其他指标"):
        score_return(D("100"), indicators)
    assert score_return(D("100"), indicators, level_weights={"其他指标": 90}).total == D("100.00")


def test_score_return_merged_cell_level_names():
    # Extracted tables write level-1 names vertically: 产\n出\n指\n标.
    indicators = [ScoredIndicator("产\n出\n指\n标", "数量指标", evaluate("≥1个", "1个"))]
    assert score_return(D("100"), indicators).total == D("100.00")


# --- a reviewer's judgement on a qualitative actual -----------------------------------------


def test_judgement_settles_a_qualitative_actual_the_wording_cannot():
    # "基本做到及时送返" neither repeats 及时送返 nor says it was missed: a person decides.
    assert evaluate("及时送返", "基本做到及时送返").met is None
    judged = evaluate("及时送返", "基本做到及时送返", judged_met=True)
    assert (judged.met, judged.completion_rate, judged.deviation_rate) == (
        True,
        Decimal("100.00"),
        Decimal("0.00"),
    )
    missed = evaluate("及时送返", "基本做到及时送返", judged_met=False)
    assert missed.met is False and missed.needs_explanation and missed.completion_rate is None


def test_judgement_never_overrides_arithmetic_or_clear_wording():
    assert evaluate("≥95%", "33.93%", judged_met=True).met is False
    assert evaluate("应保尽保", "未完成", judged_met=True).met is False
    assert evaluate("应保尽保", "应保尽保", judged_met=False).met is True


# --- apportioning the rounding of a printed column -----------------------------------------------


def test_apportion_gives_the_missing_cents_to_the_largest_remainders():
    from indicators.rules import apportion

    # A third each of 1.00: cut to 0.33 three times (0.99), the missing cent to the first.
    assert apportion([D(1) / 3] * 3, D("1.00")) == [D("0.34"), D("0.33"), D("0.33")]
    # 0.126 and 0.124 cut to 0.12 each; 0.25 needs one more cent: the larger remainder (0.006).
    assert apportion([D("0.124"), D("0.126")], D("0.25")) == [D("0.12"), D("0.13")]
    # Nothing to apportion when the values already have two places.
    assert apportion([D("25"), D("8.93")], D("33.93")) == [D("25.00"), D("8.93")]
    # Two missing cents over two lines: one each, the larger remainder (0.009) first.
    assert apportion([D("0.999"), D("0.998")], D("2.00")) == [D("1.00"), D("1.00")]


def test_apportion_refuses_a_total_below_what_the_values_add_up_to():
    from indicators.rules import apportion

    with pytest.raises(ValueError) as raised:
        apportion([D("1.50"), D("1.50")], D("2.99"))
    assert str(raised.value) == "合计2.99小于各数舍去分位后之和，无法分配。"


def test_apportion_refuses_an_unreadable_value_or_total_naming_which():
    from indicators.rules import apportion

    with pytest.raises(ValueError) as raised:
        apportion(["三"], D("3.00"))
    assert str(raised.value) == "数值“三”不是数字。"
    with pytest.raises(ValueError) as raised:
        apportion([D("3")], "三")
    assert str(raised.value) == "合计“三”不是数字。"


def test_a_comparison_made_once_answers_each_question_as_asked():
    """The rules engine compares a read target and actual once per process and shares the
    result (a prefecture's check compares 22,000 lines of a few texts): each part of the
    question still counts, the values as written included."""
    target = parse_target("≥90%")
    # 92/90 × 100 = 102.22 for both; each keeps the places it was written to.
    first = evaluate(target, replace(parse_actual("92%"), value=Decimal("92.0")))
    second = evaluate(target, replace(parse_actual("92%"), value=Decimal("92.000")))
    assert (first.completion_rate, second.completion_rate) == (Decimal("102.22"), Decimal("102.22"))
    assert (str(first.actual.value), str(second.actual.value)) == ("92.0", "92.000")
    # A reviewer's decision on words the rules cannot settle.
    words, said = parse_target("应保尽保"), parse_actual("基本做到")
    assert [evaluate(words, said, judged_met=j).met for j in (None, True, False, None)] == [
        None,
        True,
        False,
        None,
    ]
    # Last year's figure: 120 against 100 is met (120/100, capped at 100), against 150 missed
    # (120/150 × 100 = 80.00).
    yoy = parse_target("不低于上年")
    assert (evaluate(yoy, "120人", previous="100人").met, evaluate(yoy, "120人", previous="150人").met) == (
        True,
        False,
    )
    assert evaluate(yoy, "120人", previous="150人").completion_rate == Decimal("80.00")
