"""Every word, symbol and unit of the target grammar (docs/domain.md §3), each with its meaning typed.

domain.md lists a few spellings; the grammar accepts more (大于, 至多, 或以上, ⩾ …). A word read
the wrong way round turns 超过90% into "at most 90%" and every completion rate of that indicator
with it, so each one has a case here. The expected comparator of each case is typed from what
the word means in Chinese, never taken from the grammar's own tables. No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import (
    TargetParseError,
    UnitMismatchError,
    evaluate,
    parse_actual,
    parse_target,
)

D = Decimal
AT_LEAST, AT_MOST, EXACTLY = ">=", "<=", "="

# --------------------------------------------------------------------------------------------
# Words before the number
# --------------------------------------------------------------------------------------------

PREFIX_WORDS = [
    # word, meaning
    ("大于或等于", AT_LEAST),
    ("大于等于", AT_LEAST),
    ("不低于", AT_LEAST),
    ("不少于", AT_LEAST),
    ("不小于", AT_LEAST),
    ("至少", AT_LEAST),
    ("达到", AT_LEAST),
    ("大于", AT_LEAST),  # > is read as ≥ (domain.md §3)
    ("高于", AT_LEAST),
    ("超过", AT_LEAST),
    ("多于", AT_LEAST),
    ("小于或等于", AT_MOST),
    ("小于等于", AT_MOST),
    ("不超过", AT_MOST),  # not 超过: the longer word wins
    ("不高于", AT_MOST),
    ("不多于", AT_MOST),
    ("不大于", AT_MOST),
    ("至多", AT_MOST),
    ("最多", AT_MOST),
    ("小于", AT_MOST),  # < is read as ≤
    ("低于", AT_MOST),
    ("少于", AT_MOST),
    ("等于", EXACTLY),
]


@pytest.mark.parametrize(("word", "comparator"), PREFIX_WORDS)
def test_each_prefix_word_reads_as_its_comparator(word, comparator):
    target = parse_target(f"{word}90%")
    assert (target.kind, target.comparator, target.value, target.unit) == (
        "quantitative",
        comparator,
        D("90"),
        "%",
    )


@pytest.mark.parametrize(("word", "comparator"), PREFIX_WORDS)
def test_each_prefix_word_with_a_count_unit(word, comparator):
    target = parse_target(f"{word}500人次")
    assert (target.comparator, target.value, target.unit) == (comparator, D("500"), "人次")


def test_a_prefix_word_decides_the_completion_rate():
    # 超过90% is at least 90%: 45% is half of it. Read as at most, 45% would be met (100%).
    assert evaluate("超过90%", "45%").completion_rate == D("50.00")
    # 低于5% is at most 5%: 10% is twice too much, 5 / 10 → 50%.
    assert evaluate("低于5%", "10%").completion_rate == D("50.00")
    assert evaluate("至多30日", "20日").met is True
    assert evaluate("至少30日", "20日").met is False


# --------------------------------------------------------------------------------------------
# Words after the number and unit
# --------------------------------------------------------------------------------------------

SUFFIX_WORDS = [
    ("及以上", AT_LEAST),
    ("或以上", AT_LEAST),
    ("以上", AT_LEAST),
    ("及以下", AT_MOST),
    ("或以下", AT_MOST),
    ("以下", AT_MOST),
    ("以内", AT_MOST),
    ("之内", AT_MOST),
    ("内", AT_MOST),
]


@pytest.mark.parametrize(("word", "comparator"), SUFFIX_WORDS)
def test_each_suffix_word_reads_as_its_comparator(word, comparator):
    target = parse_target(f"30日{word}")
    assert (target.kind, target.comparator, target.value, target.unit) == (
        "quantitative",
        comparator,
        D("30"),
        "日",
    )


@pytest.mark.parametrize(("word", "comparator"), SUFFIX_WORDS)
def test_each_suffix_word_after_a_percentage(word, comparator):
    target = parse_target(f"85%{word}")
    assert (target.comparator, target.value, target.unit) == (comparator, D("85"), "%")


# --------------------------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------------------------

SYMBOLS = [
    # Spellings NFKC leaves alone
    ("≧", AT_LEAST),
    ("≥", AT_LEAST),
    ("⩾", AT_LEAST),
    ("≦", AT_MOST),
    ("≤", AT_MOST),
    ("⩽", AT_MOST),
    ("=>", AT_LEAST),
    ("=<", AT_MOST),
    # ASCII, and the full-width forms NFKC turns into them
    (">=", AT_LEAST),
    ("<=", AT_MOST),
    ("=", EXACTLY),
    (">", AT_LEAST),
    ("<", AT_MOST),
    ("＞", AT_LEAST),
    ("＜", AT_MOST),
    ("＝", EXACTLY),
    ("＞=", AT_LEAST),
    ("＜=", AT_MOST),
]


@pytest.mark.parametrize(("symbol", "comparator"), SYMBOLS)
def test_each_symbol_reads_as_its_comparator(symbol, comparator):
    target = parse_target(f"{symbol}95%")
    assert (target.kind, target.comparator, target.value, target.unit) == (
        "quantitative",
        comparator,
        D("95"),
        "%",
    )


@pytest.mark.parametrize(("symbol", "comparator"), SYMBOLS)
def test_each_symbol_with_a_space_after_it(symbol, comparator):
    target = parse_target(f"{symbol} 15个工作日")
    assert (target.comparator, target.value, target.unit) == (comparator, D("15"), "个工作日")


def test_display_spells_the_comparator_canonically():
    assert parse_target("⩾95%").display == "≥95%"
    assert parse_target("=<30日").display == "≤30日"
    assert parse_target("等于1个").display == "1个"
    assert parse_target("≥1个").display == "≥1个"


# --------------------------------------------------------------------------------------------
# A word before and a word after
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("=30日内", AT_MOST),  # = gives way to the word after it
        ("等于30日以内", AT_MOST),
        ("=95%以上", AT_LEAST),
        ("不低于95%以上", AT_LEAST),  # both say at least
        ("≤30日以内", AT_MOST),
        ("不超过30日以内", AT_MOST),
    ],
)
def test_words_on_both_sides_that_agree(text, comparator):
    assert parse_target(text).comparator == comparator


@pytest.mark.parametrize("text", ["不超过30日以上", "≥95%及以下", "至少5次以内", "≤5%以上", "超过90%以下"])
def test_words_on_both_sides_that_contradict_are_an_error(text):
    with pytest.raises(TargetParseError, match="相互矛盾"):
        parse_target(text)


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

# Every unit the target tables use, typed.
UNITS = (
    "% ‰ 万人次 人次 人月 人日 万人 个工作日 工作日 个月 亿元 万元 元 小时 分钟 万平方米 平方米 公里 "
    "个 日 天 周 月 年 人 名 位 次 户 家 所 项 件 起 场 期 处 份 张 床 间 台 辆 批 条 套 座 篇 册 本 "
    "分 岁 倍 类 轮 课时 学时"
).split()


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_is_read(unit):
    target = parse_target(f"≥12{unit}")
    assert (target.comparator, target.value, target.unit) == (AT_LEAST, D("12"), unit)
    assert parse_actual(f"13{unit}", target).unit == unit


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("≥500元/人/月", "元/人/月"),
        ("≥3人/户", "人/户"),
        ("≥2元·人", "元·人"),
        ("≥2元・人", "元・人"),
        ("≥20万人次/年", "万人次/年"),
    ],
)
def test_compound_units(text, unit):
    assert parse_target(text).unit == unit


@pytest.mark.parametrize(
    ("target", "actual", "value"),
    [
        ("≤30日", "28天", "28"),
        ("≤30天", "28日", "28"),
        ("≤3月", "2个月", "2"),
        ("≤3个月", "2月", "2"),
        ("≥5人", "6名", "6"),
        ("≥5名", "6人", "6"),
    ],
)
def test_units_that_are_one_unit(target, actual, value):
    # domain.md §3: 日/天, 月/个月, 人/名 are the same unit.
    assert parse_actual(actual, target).value == D(value)
    assert evaluate(target, actual).error is None


@pytest.mark.parametrize(
    ("first", "second"),
    [("≤30日", "≤30天"), ("≤3月", "≤3个月"), ("≥5人", "≥5名")],
)
def test_equivalent_units_make_the_same_target(first, second):
    assert parse_target(first).same_as(parse_target(second))
    assert parse_target(second).same_as(parse_target(first))


@pytest.mark.parametrize(
    ("target", "actual"),
    [("≥100万元", "100元"), ("≥100元", "100万元"), ("≤30日", "30月"), ("≥5人", "5人次"), ("≥5人", "5户")],
)
def test_units_that_differ(target, actual):
    # domain.md §3: 元 and 万元 are not one unit (nothing is converted), nor 日 and 月.
    with pytest.raises(UnitMismatchError):
        parse_actual(actual, target)
    assert not parse_target(target).same_as(parse_target(f"{target[0]}{actual}"))


# --------------------------------------------------------------------------------------------
# Size of the number
# --------------------------------------------------------------------------------------------


def test_twelve_integer_digits_and_six_decimals_are_the_limits():
    assert parse_target("≥999999999999人").value == D("999999999999")
    assert parse_target("≥0.123456%").value == D("0.123456")
    assert parse_target("≥000000000000001人").value == D("1")  # leading zeros are no digits
    with pytest.raises(TargetParseError, match="数值过大或小数位过多"):
        parse_target("≥1000000000000人")
    with pytest.raises(TargetParseError, match="数值过大或小数位过多"):
        parse_target("≥0.1234567%")


# --------------------------------------------------------------------------------------------
# Qualitative actuals: the words that say a target was met, or missed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actual",
    [
        "应保尽保",
        "是",
        "完成",
        "已完成",
        "达到",
        "已达到",
        "达成",
        "已达成",
        "实现",
        "已实现",
        "已实现应保尽保",
        "已达到应保尽保",
        "实现应保尽保",
        "达到应保尽保",
        "已应保尽保",
    ],
)
def test_words_that_say_met(actual):
    result = evaluate("应保尽保", actual)
    assert (result.met, result.completion_rate, result.deviation_rate) == (True, D("100.00"), D("0.00"))


@pytest.mark.parametrize("actual", ["否", "未完成", "未达到", "未达成", "未实现", "没有完成"])
def test_words_that_say_missed(actual):
    result = evaluate("应保尽保", actual)
    assert (result.met, result.completion_rate, result.needs_explanation) == (False, None, True)


@pytest.mark.parametrize("actual", ["基本完成", "已基本实现", "大部分完成", "实现了", "将完成应保尽保"])
def test_other_words_are_for_a_reviewer(actual):
    result = evaluate("应保尽保", actual)
    assert (result.met, result.completion_rate, result.needs_explanation) == (None, None, False)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("95%左右", "格式不正确，应为“≥95%”“≤30日”“500人次”“30日以内”这样的写法。"),
        ("2024年12月底前", "含有多个数值，只能填写一个数值。"),  # 2024 and 12
        ("90%-95%", "含有多个数值，只能填写一个数值。"),
        ("-5%", "数值不能为负数。"),
        ("≥-95%", "数值不能为负数。"),
    ],
)
def test_why_a_text_with_digits_is_refused(text, why):
    with pytest.raises(TargetParseError) as caught:
        parse_target(text)
    assert str(caught.value) == f"无法识别指标值“{text}”：{why}"


# --------------------------------------------------------------------------------------------
# Statements with numbers inside them (seed 004 writes its project indicators so)
# --------------------------------------------------------------------------------------------

# Words before the first number and after the last: a narrative, read as qualitative.
NARRATIVES = [
    "市县均建立信息服务平台，实现“15分钟养老服务圈”覆盖所有居家老年人",  # seed 004, 五 数量
    "每年的6月和12月按时发放",  # seed 004, 二 数量
    "印发宣传资料1万余份",  # seed 004, 一 数量
    "完成全市4家养老机构等级评定工作",  # seed 004, 四 数量
]


@pytest.mark.parametrize("text", NARRATIVES)
def test_a_statement_with_numbers_inside_is_words(text):
    target = parse_target(text)
    assert (target.kind, target.comparator, target.value) == ("qualitative", None, None)
    # Met when the actual says the same, as any qualitative target; no rate of its numbers.
    result = evaluate(text, text)
    assert (result.met, result.completion_rate, result.direction) == (True, D("100.00"), "qualitative")
    assert evaluate(text, "基本完成").met is None  # other words: a reviewer judges


@pytest.mark.parametrize(
    "text",
    [
        "95%左右",  # starts with the number
        "约95%",  # one word before it
        "完成率95%左右",  # nothing after the number but words that blur it
        "发放慰问金2.4万元",  # ends in the number: a number to compare (≤2.4万元)
        "≥95%左右",  # a comparator before it
        "不低于95%的对象满意",
        "达到95%以上的覆盖面",
        "大约95%的对象满意",  # “about 95%”: still a number
        "2024年12月底前",
    ],
)
def test_a_number_with_words_around_it_is_still_refused(text):
    with pytest.raises(TargetParseError):
        parse_target(text)


def test_a_narrative_actual_of_a_number_target_says_to_write_the_number():
    with pytest.raises(TargetParseError, match="不是数值"):
        parse_actual("完成全市4家养老机构等级评定工作", "4家")


def test_a_target_text_is_read_once_and_shared():
    """A fund's few target texts recur on every line below it: the second read is the first's
    (frozen) Target, not a new parse; an unreadable text is refused every time."""
    first, again = parse_target("≥ 95%"), parse_target("≥ 95%")
    assert first is again and (first.comparator, first.value, first.unit) == (">=", Decimal("95"), "%")
    for _ in range(2):
        with pytest.raises(TargetParseError, match="无法识别指标值“≥”"):
            parse_target("≥")
    assert parse_target(Decimal("95")).value == Decimal("95")  # not text: read as before
