"""Bad input, read or refused with a message that names it, and the fields every result carries.

An office types, imports and uploads these values; what the portal answers is the message it
shows. Each message is compared whole, each result field by field. Figures are worked out in
the comments (docs/domain.md §3–§4). No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import (
    AllocationRow,
    Finding,
    ScoredIndicator,
    TargetParseError,
    UnitMismatchError,
    check_allocation_table,
    evaluate,
    execution_rate,
    format_number,
    parse_actual,
    parse_target,
    quantize_rate,
    score_indicator,
    score_return,
)

D = Decimal


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: format_number(True), TypeError, "数值不能是布尔值：True"),
        (lambda: format_number(0.5), TypeError, "数值不接受浮点数（0.5），请用 Decimal、整数或字符串。"),
        (lambda: format_number("abc"), ValueError, "数值“abc”不是数字。"),
        (lambda: format_number("Infinity"), ValueError, "数值“Infinity”不是有限的数字。"),
        (lambda: format_number([1]), TypeError, "数值的类型不受支持：list"),
        (lambda: execution_rate("abc", 1), ValueError, "执行数“abc”不是数字。"),
        (lambda: execution_rate(1, "x"), ValueError, "预算数“x”不是数字。"),
        (lambda: quantize_rate("x"), ValueError, "比率“x”不是数字。"),
        (lambda: parse_target([1]), TypeError, "指标值的类型不受支持：list"),
    ],
)
def test_a_value_that_is_not_a_number_is_refused_by_name(call, error, message):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_amounts_with_thousands_separators_are_read():
    # 1,500 of 3,000 spent: 50%.
    assert execution_rate("1,500", "3,000") == D("50.00")
    assert format_number(" 1,020 ") == "1020"


def test_quantize_has_room_for_any_figure():
    # 30 digits before the point: more than the default 28-digit context holds.
    assert quantize_rate(D("123456789012345678901234567890.125")) == D("123456789012345678901234567890.13")


# --- targets and actuals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("  ", "内容为空。"),
        ("≥%", "应为数值（如“≥95%”“≤30日”“500人次”）或文字表述（如“应保尽保”）。"),
        ("≥1234567890123人", "数值过大或小数位过多。"),
        ("≥30日以内", "前后的比较方式相互矛盾。"),
    ],
)
def test_what_an_unreadable_target_says(text, why):
    with pytest.raises(TargetParseError) as caught:
        parse_target(text)
    assert str(caught.value) == f"无法识别指标值“{text}”：{why}"
    assert caught.value.text == text


def test_words_for_a_number_say_what_to_write():
    with pytest.raises(TargetParseError) as caught:
        parse_actual("已完成", "≥95%")
    assert str(caught.value) == "实际完成值“已完成”不是数值，指标值“≥95%”要求填写数值（如“95%”）。"
    assert caught.value.text == "已完成"


def test_a_unit_mismatch_keeps_the_actual():
    with pytest.raises(UnitMismatchError) as caught:
        parse_actual("510人次", "≥95%")
    assert str(caught.value) == "实际完成值“510人次”的单位“人次”与指标值“≥95%”的单位“%”不一致。"
    assert caught.value.text == "510人次"


def test_a_parse_error_without_text():
    assert TargetParseError("无法识别").text == ""


# --- evaluations ------------------------------------------------------------------------------


def test_a_qualitative_evaluation_carries_its_target_actual_and_direction():
    met = evaluate("应保尽保", "已完成")
    assert (met.target.text, met.actual.text, met.direction) == ("应保尽保", "已完成", "qualitative")
    missed = evaluate("应保尽保", "未完成")
    assert (missed.target.text, missed.actual.text, missed.direction) == ("应保尽保", "未完成", "qualitative")
    open_ = evaluate("应保尽保", "基本做到")
    assert (open_.target.text, open_.direction, open_.met) == ("应保尽保", "qualitative", None)


def test_an_unreadable_actual_keeps_the_target():
    result = evaluate("≥95%", "abc")
    assert result.target == parse_target("≥95%") and result.actual is None
    assert result.direction is None and result.error.startswith("无法识别实际完成值“abc”")


# --- scores -----------------------------------------------------------------------------------


def test_an_at_most_target_of_one():
    # ≤1起 with 1.5起: 10 × (1 − 0.5 / 1) = 5; with 2起 (twice the target): 0.
    assert score_indicator(evaluate("≤1起", "1.5起"), 10).score == D("5.00")
    assert score_indicator(evaluate("≤1起", "2起"), 10).score == D("0.00")


def test_a_score_keeps_its_exact_weight_and_method():
    scored = score_indicator(evaluate("≥95%", "33.93%"), D("25"))
    assert (scored.exact_weight, scored.weight, scored.method) == (D("25"), D("25.00"), "正向")
    # 25 × 33.93 / 95 = 8.928947…, kept unrounded for the total
    assert scored.exact_score.quantize(D("0.000001")) == D("8.928947")
    assert score_indicator(evaluate("应纳尽纳", "应纳尽纳"), 10).method == "定性"
    unreadable = score_indicator(evaluate("≥95%", "abc"), 10)
    assert (unreadable.method, unreadable.exact_weight) == ("定性", D("10"))
    assert unreadable.note == f"无法计分：{evaluate('≥95%', 'abc').error}请审核人员选择评价档次。"
    banded = score_indicator(evaluate("≥16人", "12人"), 20, band="达成")
    assert banded.note == "数值型指标按公式计分，已忽略评价档次。"
    assert score_indicator(evaluate("有所提升", "生活改善"), 10).note == (
        "定性指标未能自动认定达成，请审核人员选择评价档次（达成/部分达成/未达成）。"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: score_indicator(evaluate("≥1个", "1个"), "很多"), "分值“很多”不是数字。"),
        (
            lambda: score_return("x", [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"))]),
            "预算执行率“x”不是数字。",
        ),
        (
            lambda: score_return(
                D("100"),
                [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"))],
                level_weights={"产出": "x"},
            ),
            "一级指标分值“x”不是数字。",
        ),
        (
            lambda: score_return(
                D("100"), [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"), weight="x")]
            ),
            "分值“x”不是数字。",
        ),
        (lambda: score_return(D("100"), []), "没有可计分的绩效指标。"),
        (
            lambda: score_return(
                D("100"),
                [ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"))],
                level_weights={"产出": 0},
            ),
            "一级指标分值合计应大于0。",
        ),
        (
            lambda: score_return(
                D("100"),
                [
                    ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"), weight=D("95")),
                    ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个")),
                ],
            ),
            "产出指标已设定的指标分值合计95超过该级分值90.00。",
        ),
        (
            lambda: score_return(D("100"), [ScoredIndicator("", "数量指标", evaluate("≥1个", "1个"))]),
            "一级指标“指标”没有设定分值，请在 level_weights 中给出。",
        ),
    ],
)
def test_what_a_refused_score_says(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message


def test_level_weights_adding_up_to_one_are_scaled_to_90():
    # 产出 0.6 and 效益 0.4 (满意度 0, absent): 54 and 36 points.
    indicators = [
        ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个")),
        ScoredIndicator("效益指标", "社会效益指标", evaluate("≥10人", "5人")),
    ]
    result = score_return(D("0"), indicators, level_weights={"产出": D("0.6"), "效益": D("0.4")})
    assert [s.weight for s in result.indicators] == [D("54.00"), D("36.00")]
    assert result.total == D("72.00")  # 54 + 36 × 5 / 10


def test_a_return_score_names_each_line_and_keeps_them_without_a_total():
    indicators = [
        ScoredIndicator("产出指标", "数量指标", evaluate("≥1个", "1个"), name="救助站数"),
        ScoredIndicator("效益指标", "社会效益指标", evaluate("有所提升", "生活改善"), name="生活水平"),
    ]
    result = score_return(D("100"), indicators)
    assert [(s.level1, s.level2, s.name) for s in result.indicators] == [
        ("产出指标", "数量指标", "救助站数"),
        ("效益指标", "社会效益指标", "生活水平"),
    ]
    assert result.total is None and len(result.indicators) == 2
    assert score_return(None, indicators[:1]).notes == [
        "没有预算执行率（预算数为0或未填），预算执行得分按0计。"
    ]
    scored = score_return(D("50"), indicators[:1])
    # 5 + 90: the indicator total without the budget points
    assert (scored.indicator_total, scored.total) == (D("90.00"), D("95.00"))


# --- allocation tables ------------------------------------------------------------------------


def test_a_cell_that_is_not_a_number_is_refused_by_column():
    with pytest.raises(ValueError) as caught:
        check_allocation_table([AllocationRow("a", "某县", "x", D("1"), D("2"))])
    assert str(caught.value) == "全年资金合计“x”不是数字。"


def test_cells_that_could_each_explain_an_equation_are_not_guessed():
    # 甲 4 ≠ 3 + 2 and 乙 6 ≠ 6 + 1; the 提前下达 column (3 + 6 + 3 = 12 against 11) and the
    # 本次下达 column (2 + 1 + 2 = 5 against 4) could be mended by 甲's or by 乙's cells: none is
    # named. 丙's total 6 alone explains its row (3 + 2 = 5) and the 合计 column (15 − 10 = 5).
    rows = [
        AllocationRow("t", "合计", D("15"), D("11"), D("4"), True, None),
        AllocationRow("a", "甲", D("4"), D("3"), D("2")),
        AllocationRow("b", "乙", D("6"), D("6"), D("1")),
        AllocationRow("c", "丙", D("6"), D("3"), D("2")),
    ]
    assert check_allocation_table(rows) == [
        Finding(
            "error",
            "cell_mismatch",
            "“丙”行的“全年资金合计”6与表中其他数字不符：按本行提前下达与本次下达之和及各行之和推算应为5。",
            "c",
            "total",
        ),
        Finding(
            "error", "row_mismatch", "“甲”行全年资金合计4不等于提前下达3与本次下达2之和5。", "a", "total"
        ),
        Finding(
            "error", "row_mismatch", "“乙”行全年资金合计6不等于提前下达6与本次下达1之和7。", "b", "total"
        ),
        Finding(
            "error", "total_mismatch", "各行提前下达之和为12，与“合计”11不符（相差-1）。", "t", "advance"
        ),
        Finding("error", "total_mismatch", "各行本次下达之和为5，与“合计”4不符（相差-1）。", "t", "batch"),
    ]


def test_a_table_without_batch_names_a_wrong_subtotal():
    # 合计 and 提前下达 only: 甲小计 11 against its rows (5 + 5) and the 合计 (10).
    rows = [
        AllocationRow("s", "甲小计", D("11"), D("6"), None, True, "甲"),
        AllocationRow("a", "A", D("5"), D("3"), None, False, "甲"),
        AllocationRow("b", "B", D("5"), D("3"), None, False, "甲"),
        AllocationRow("t", "合计", D("10"), D("6"), None, True, None),
    ]
    findings = check_allocation_table(rows)
    assert [(f.code, f.where, f.column) for f in findings] == [("cell_mismatch", "s", "total")]
    assert findings[0].message.endswith("推算应为10。")
