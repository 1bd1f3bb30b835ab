"""Tests for indicators.rules: roll-up (domain.md §5) and consistency checks (domain.md §7).

Expected values are computed by hand in the comments or come from the seed documents: seed
000 (2024 新疆 report, its 自评表 and execution table) and seed 003 (allocation notice
新财社〔2024〕35号, whose table tests/seed_figures.py holds as printed). No Django needed.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from indicators.rules import (
    AllocationRow,
    ChildValue,
    Contribution,
    Finding,
    IndicatorLine,
    MoneyLine,
    ReturnData,
    check_allocation_table,
    check_fund,
    check_return,
    infer_rollup_rule,
    rollup,
)
from tests.seed_figures import (
    DOMAIN_COUNTY_SOURCES,
    ELDERLY_EXECUTION,
    ELDERLY_TOTAL,
    RELIEF_COUNTIES,
    RELIEF_LOST_CELL,
    RELIEF_SUBTOTALS,
    RELIEF_TABLE,
    RELIEF_TOTAL,
    YINING_RELIEF,
)

D = Decimal
URUMQI = RELIEF_SUBTOTALS["乌鲁木齐市"]  # 小计: 全年资金合计, 提前下达, 本次实际下达


def seed_003_rows(*, fix_yili=False):
    """Seed 003's table (RELIEF_TABLE) as AllocationRows: county rows carry their group, 小计
    rows close it, 合计 has no group."""
    rows = []
    for number, (group, label, *amounts) in enumerate(RELIEF_TABLE):
        if fix_yili and group == "伊犁州" and label == "小计":
            amounts[2] = RELIEF_LOST_CELL
        is_subtotal = label in ("小计", "合计")
        display = f"{group}小计" if label == "小计" else label
        rows.append(AllocationRow(f"r{number}", display, *amounts, is_subtotal, group or None))
    return rows


def urumqi_rows():
    return [r for r in seed_003_rows() if r.group == "乌鲁木齐市"]


def changed(rows, label, **values):
    """The rows with one row's cells replaced."""
    return [replace(r, **{k: D(v) for k, v in values.items()}) if r.label == label else r for r in rows]


# --------------------------------------------------------------------------------------------
# Allocation tables
# --------------------------------------------------------------------------------------------


def test_seed_003_urumqi_adds_up():
    rows = urumqi_rows()
    assert len(rows) == 14  # 小计 9095 / 4130 / 4965 and its 13 rows
    assert rows[0].label == "乌鲁木齐市小计" and rows[0].total == URUMQI[0]
    assert check_allocation_table(rows) == []


def test_seed_003_urumqi_one_changed_total_names_the_row():
    # 天山区 2037 typed as 2073: its row (797 + 1240 = 2037) and the 小计 column (9095) both
    # break, and only that cell explains both — one finding, pointing at 天山区.
    rows = changed(urumqi_rows(), "天山区", total="2073")
    findings = check_allocation_table(rows)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.code) == ("error", "cell_mismatch")
    assert finding.where == next(r.key for r in rows if r.label == "天山区")
    assert "天山区" in finding.message and "全年资金合计" in finding.message
    assert "2073" in finding.message and str(RELIEF_COUNTIES["天山区"][0]) in finding.message


def test_seed_003_urumqi_one_changed_negative_batch():
    # 乌鲁木齐市养老福利院 152 = 201 + (−49); typed as +49 instead.
    rows = changed(urumqi_rows(), "乌鲁木齐市养老福利院", batch="49")
    findings = check_allocation_table(rows)
    assert [f.code for f in findings] == ["cell_mismatch"]
    assert "乌鲁木齐市养老福利院" in findings[0].message and "-49" in findings[0].message


def test_seed_003_urumqi_one_changed_subtotal():
    rows = changed(urumqi_rows(), "乌鲁木齐市小计", advance="4310")
    findings = check_allocation_table(rows)
    assert len(findings) == 1
    assert findings[0].code == "cell_mismatch"
    assert findings[0].where == rows[0].key
    assert "提前下达" in findings[0].message and str(URUMQI[1]) in findings[0].message


def test_seed_003_whole_table_only_the_lost_cell():
    # The whole notice adds up (14 小计 to 合计 792267 / 564771 / 227496) except that the
    # 伊犁州 小计 lost its 本次下达 cell: exactly one finding of its own, with the value its
    # row implies (65682 − 39145 = 26537).
    rows = seed_003_rows()
    assert len(rows) == 133
    findings = check_allocation_table(rows)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.code) == ("error", "missing_cell")
    assert "伊犁州小计" in finding.message and "本次下达" in finding.message
    assert str(RELIEF_LOST_CELL) in finding.message
    assert check_allocation_table(seed_003_rows(fix_yili=True)) == []


def test_seed_003_whole_table_one_changed_subtotal_breaks_three_equations():
    # A 小计 is in its row, its group's column and the 合计 column: still one finding.
    rows = changed(seed_003_rows(fix_yili=True), "喀什地区小计", total="370562")
    findings = check_allocation_table(rows)
    assert [(f.code, f.where) for f in findings] == [
        ("cell_mismatch", next(r.key for r in rows if r.label == "喀什地区小计"))
    ]
    assert str(RELIEF_SUBTOTALS["喀什地区"][0]) in findings[0].message


def test_seed_003_whole_table_changed_grand_total():
    rows = changed(seed_003_rows(fix_yili=True), "合计", batch="227469")
    findings = check_allocation_table(rows)
    assert [(f.code, f.where) for f in findings] == [("cell_mismatch", "r0")]
    assert str(RELIEF_TOTAL[2]) in findings[0].message


def test_two_mistakes_in_two_groups_are_two_findings():
    rows = changed(seed_003_rows(fix_yili=True), "天山区", total="2073")
    rows = changed(rows, "和田市", advance="19294")
    findings = check_allocation_table(rows)
    assert sorted(f.message.split("”")[0] for f in findings) == ["“和田市", "“天山区"]
    # …but the 合计 column still adds up because the 小计 rows are unchanged.


def test_unexplained_mistakes_are_reported_per_equation():
    # 天山区 advance +10 and batch −10: its row still adds up, but both columns of the group
    # break and no single cell explains it.
    rows = changed(urumqi_rows(), "天山区", advance="807", batch="1230")
    findings = check_allocation_table(rows)
    assert [f.code for f in findings] == ["subtotal_mismatch", "subtotal_mismatch"]
    assert all(f.where == rows[0].key for f in findings)
    assert "提前下达之和为4140" in findings[0].message and str(URUMQI[1]) in findings[0].message
    assert "相差-10" in findings[0].message


def test_row_mismatch_without_a_group():
    rows = [AllocationRow("a", "某县", D("10"), D("4"), D("5"), False, None)]
    findings = check_allocation_table(rows)
    assert [f.code for f in findings] == ["row_mismatch"]
    assert "某县" in findings[0].message and "9" in findings[0].message


def test_subtotal_row_with_a_missing_cell():
    rows = changed(urumqi_rows(), "乌鲁木齐市小计")
    rows[0] = replace(rows[0], advance=None)
    findings = check_allocation_table(rows)
    assert [(f.code, f.where) for f in findings] == [("missing_cell", rows[0].key)]
    assert "乌鲁木齐市小计" in findings[0].message and str(URUMQI[1]) in findings[0].message


def test_county_row_with_a_missing_cell():
    rows = [replace(r, batch=None) if r.label == "米东区" else r for r in urumqi_rows()]
    findings = check_allocation_table(rows)
    assert [f.code for f in findings] == ["missing_cell"]
    assert "米东区" in findings[0].message


# Seed 000, 分配表1-1: one column only (分配金额), 14 prefectures and 总计 8454.
SEED_000_ALLOCATION = [(name, int(budget)) for name, (budget, _, _) in ELDERLY_EXECUTION.items()]


def seed_000_allocation_rows():
    rows = [
        AllocationRow(name, name, D(amount), None, None, False, None) for name, amount in SEED_000_ALLOCATION
    ]
    return rows + [AllocationRow("total", "总计", ELDERLY_TOTAL[0], None, None, True, None)]


def test_seed_000_flat_allocation_table():
    assert check_allocation_table(seed_000_allocation_rows()) == []
    rows = changed(seed_000_allocation_rows(), "喀什地区", total="2538")
    findings = check_allocation_table(rows)
    # Only one equation: any of the 15 cells could be wrong, so the total is flagged.
    assert [(f.code, f.where) for f in findings] == [("total_mismatch", "total")]
    assert "8409" in findings[0].message and str(ELDERLY_TOTAL[0]) in findings[0].message


# --------------------------------------------------------------------------------------------
# Returns
# --------------------------------------------------------------------------------------------

# Seed 000's 自评表, with the one "未完成原因和改进措施" cell split at "改进措施".
SEED_000_LINES = [
    (
        "产出指标",
        "数量指标",
        "补助标准实际到位率",
        "≥95%",
        "33.93%",
        "未完成原因为：资金下达时间为2024年12月，各地需要一定时间进行前期项目筹备、宣传、对接工作，"
        "大部分地区未形成支出。",
        "督促各地加快项目实施进度，并做好政策宣传。",
    ),
    (
        "产出指标",
        "数量指标",
        "开展综合能力评估的覆盖率",
        "100%",
        "50%",
        "未完成原因为：政策宣传力度需进一步加强，争取符合条件的老年人知晓相关政策；积极引导符合条件的"
        "老年人积极入住，达到预期。",
        "加强政策宣传引导，鼓励符合条件的经济困难失能老年人等群体享受政策。",
    ),
    (
        "产出指标",
        "质量指标",
        "符合条件且自愿申请入住的老年人等群体当年纳入救助保障范围",
        "应纳尽纳",
        "应纳尽纳",
        "",
        "",
    ),
    (
        "产出指标",
        "质量指标",
        "养老机构护理人员人数与入住的失能老年人等群体人数的比例",
        "≥20%",
        "11.43%",
        "未完成原因：资金下达时间为2024年12月，各地需要一定时间进行前期项目筹备、宣传、"
        "对接工作，大部分地区未形成支出。",
        "督促各地加快项目实施进度，并做好政策宣传。",
    ),
    ("产出指标", "时效指标", "向本行政区域县级以上财政部门下达补助资金", "≤30日", "30日内", "", ""),
    (
        "产出指标",
        "时效指标",
        "补助资金按时发放率",
        "≥95%",
        "21.43%",
        "未完成原因：一是项目政策及资金均于2024年12月下达，各地需要一定时间进行前期项目筹备、宣传、"
        "对接工作。二是宣传力度需进一步加强。",
        "督促各地加快项目实施进度，按时为入住老年人发放补贴。",
    ),
    (
        "产出指标",
        "时效指标",
        "补助发放和服务情况及时录入全国养老服务信息系统率",
        "≥95%",
        "34.64%",
        "未完成原因：部分地区符合条件的救助对象已入住机构，但大部分地区因资金时间下达晚，还在前期组织"
        "实施过程。",
        "一是加大指导督促力度；二是加强政策宣传引导。",
    ),
    (
        "效益指标",
        "社会效益指标",
        "基本养老服务救助政策在当地的知晓率",
        "≥95%",
        "61.42%",
        "未完成原因：该项目为2024年12月新扩面政策，各地采取多种形式加大宣传力度。",
        "督促各地加快项目实施进度，并做好政策宣传。",
    ),
    (
        "满意度指标",
        "服务对象满意度指标",
        "补助对象对集中照护政策实施的满意度",
        "≥90%",
        "32.88%",
        "未完成原因：一是政策宣传力度尚需加大；二是引导符合条件的老年人积极入住。",
        "加快项目实施进度，做好政策宣传，鼓励符合条件的老年人入住养老机构。",
    ),
]


def seed_000_return(**changes):
    indicators = [IndicatorLine(f"i{n}", *line) for n, line in enumerate(SEED_000_LINES)]
    money = [
        MoneyLine("central", "central", *ELDERLY_TOTAL[:2], allocated=True, label="中央财政资金"),
        MoneyLine("local", "local", D("0"), D("0"), label="市县财政资金"),
        MoneyLine("other", "other", D("0"), D("0"), label="其他资金"),
    ]
    data = ReturnData("xj", "新疆维吾尔自治区", money, indicators)
    return replace(data, **changes)


def line(
    name="补助资金按时发放率",
    target="≥95%",
    actual="21.43%",
    reason="原因",
    measure="措施",
    parent=None,
    key="k",
):
    return IndicatorLine(key, "产出指标", "时效指标", name, target, actual, reason, measure, parent)


def findings_for(*lines, money=()):
    return check_return(ReturnData("ret", "伊宁市", list(money), list(lines)))


def central(budget, spent, key="c"):
    """Money that comes down by allocation: its budget is what was allocated."""
    return MoneyLine(key, "central", budget, spent, allocated=True, label="中央财政资金")


def test_seed_000_return_is_clean():
    assert check_return(seed_000_return()) == []


def test_missed_indicator_without_reason():
    findings = findings_for(line(reason=""))
    assert findings == [
        Finding(
            "error",
            "missing_reason",
            "指标“补助资金按时发放率”未完成（完成率22.56%），请填写未完成原因。",
            "k",
        )
    ]


def test_missed_indicator_without_measure():
    findings = findings_for(line(measure="  "))
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "missing_measure", "k")]
    assert findings[0].message == "指标“补助资金按时发放率”未完成（完成率22.56%），请填写改进措施。"


def test_missed_qualitative_indicator_without_reason():
    findings = findings_for(line(name="低保对象人数", target="应保尽保", actual="未完成", reason=None))
    assert [f.code for f in findings] == ["missing_reason"]
    assert findings[0].message == "指标“低保对象人数”未完成，请填写未完成原因。"


def test_over_achievement_without_explanation():
    # 15.3 / 10 × 100 = 153% ≥ 130%: the explanation goes in the reason.
    findings = findings_for(line(name="救助率", target="≥10%", actual="15.3%", reason=""))
    assert [(f.severity, f.code) for f in findings] == [("error", "missing_overachievement_explanation")]
    assert "救助率" in findings[0].message and "153%" in findings[0].message
    assert findings_for(line(target="≥10%", actual="15.3%", reason="新增对象较多")) == []


def test_met_indicator_needs_nothing():
    assert findings_for(line(actual="96%", reason="", measure="")) == []


@pytest.mark.parametrize("actual", ["", "   ", None])
def test_blank_actual(actual):
    findings = findings_for(line(actual=actual))
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "actual_blank", "k")]
    assert "补助资金按时发放率" in findings[0].message


def test_unit_mismatch():
    findings = findings_for(line(actual="510人次"))
    assert [(f.severity, f.code) for f in findings] == [("error", "unit_mismatch")]
    assert "510人次" in findings[0].message and "补助资金按时发放率" in findings[0].message


@pytest.mark.parametrize("actual", ["abc", "已完成", "20%-30%"])
def test_unreadable_actual(actual):
    findings = findings_for(line(actual=actual))
    assert [(f.severity, f.code) for f in findings] == [("error", "actual_unreadable")]
    assert actual in findings[0].message


def test_unreadable_target():
    findings = findings_for(line(target="≥%"))
    assert [f.code for f in findings] == ["target_unreadable"]


def test_qualitative_actual_that_needs_a_reviewer():
    findings = findings_for(line(name="困难群众生活水平情况", target="有所提升", actual="稳步改善"))
    assert [(f.severity, f.code) for f in findings] == [("info", "needs_judgement")]


def test_same_reason_under_three_missed_indicators():
    reason = "资金下达时间晚，各地需要一定时间进行前期项目筹备。"
    lines = [
        line(name="指标甲", key="a", reason=reason),
        line(name="指标乙", key="b", reason=" 资金下达时间晚, 各地需要一定时间进行前期项目筹备 "),
        line(name="指标丙", key="c", reason=reason),
        line(name="指标丁", key="d", actual="96%", reason=reason),  # met: not counted
    ]
    findings = findings_for(*lines)
    assert [(f.severity, f.code, f.where) for f in findings] == [("warning", "repeated_reason", "a")]
    assert all(name in findings[0].message for name in ("指标甲", "指标乙", "指标丙"))
    assert "指标丁" not in findings[0].message
    assert findings_for(*lines[:2]) == []  # twice is not yet boilerplate


def test_target_differs_from_parent():
    findings = findings_for(line(target="100%", actual="100%", parent="≥95%"))
    assert [(f.severity, f.code) for f in findings] == [("info", "target_differs_from_parent")]
    assert "100%" in findings[0].message and "≥95%" in findings[0].message
    # same meaning, different spelling: nothing to say
    assert findings_for(line(target="≥ 95%", actual="96%", parent="95%以上")) == []
    assert findings_for(line(target="应保尽保", actual="应保尽保", parent="应保尽保")) == []


def test_negative_spending():
    findings = findings_for(money=[central(D("100"), D("-5"), key="m1")])
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "negative_spending", "m1")]
    assert "-5" in findings[0].message


def test_spending_above_the_allocation_of_its_own_source():
    findings = findings_for(money=[central(D("80"), D("90"), key="m1")])
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "spent_over_allocation", "m1")]
    assert "90" in findings[0].message and "80" in findings[0].message and "下达资金" in findings[0].message


def test_spending_exactly_the_allocation_is_fine():
    # 伊宁市 14005 = 8419 + 5586 (seed 003), all of it spent.
    assert findings_for(money=[central(YINING_RELIEF, YINING_RELIEF)]) == []


def test_each_allocated_source_is_compared_with_its_own_allocation():
    """Provincial spending above the provincial allocation is an error even when central and
    provincial together stay under what both brought (one source never pays for another)."""
    money = [
        central(D("100"), D("50")),
        MoneyLine("p", "provincial", D("10"), D("40"), allocated=True, label="省级财政资金"),
        MoneyLine("l", "local", D("500"), D("300"), label="市县财政资金"),
    ]
    findings = findings_for(money=money)
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "spent_over_allocation", "p")]
    assert "省级财政资金执行数40万元超过下达资金10万元" in findings[0].message


def test_a_regions_own_money_is_compared_with_the_budget_it_states():
    # domain.md: 11894 central + 2767 provincial + 208.11 local = 14869.11.
    centre, provincial, local, _ = DOMAIN_COUNTY_SOURCES
    money = [
        central(centre, centre),
        MoneyLine("p", "provincial", provincial, provincial, allocated=True, label="省级财政资金"),
        MoneyLine("l", "local", local, local + D("0.01"), label="市县财政资金"),
    ]
    findings = findings_for(money=money)
    assert [(f.code, f.where) for f in findings] == [("spent_over_budget", "l")]
    assert f"预算数{local}万元" in findings[0].message
    assert findings_for(money=[*money[:2], MoneyLine("l", "local", local, local, label="市县财政资金")]) == []


def test_own_money_spent_without_a_stated_budget():
    findings = findings_for(money=[MoneyLine("l", "local", None, D("208.11"), label="市县财政资金")])
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "budget_missing", "l")]
    assert findings_for(money=[MoneyLine("l", "local", None, D("0"), label="市县财政资金")]) == []
    assert findings_for(money=[MoneyLine("l", "local", None, None, label="市县财政资金")]) == []


@pytest.mark.parametrize("allocated", [None, D("0")])
def test_spending_without_allocation(allocated):
    findings = findings_for(money=[central(allocated, D("1.4"))])
    assert [(f.severity, f.code, f.where) for f in findings] == [("error", "spent_without_allocation", "c")]
    # Any amount, however small: a few thousand yuan of money that never arrived is still wrong.
    assert [f.code for f in findings_for(money=[central(allocated, D("0.01"))])] == [
        "spent_without_allocation"
    ]
    assert findings_for(money=[central(allocated, D("0"))]) == []


def test_each_money_finding_says_which_source_and_both_amounts():
    """The message is what the clerk reads: the source by its label, the amounts as typed."""
    local = MoneyLine("l", "local", D("208.11"), D("208.12"), label="市县财政资金")
    assert findings_for(money=[central(None, D("1.4"))]) == [
        Finding(
            "error",
            "spent_without_allocation",
            "未获分配中央财政资金，却填报了中央财政资金执行数1.4万元。",
            "c",
        )
    ]
    assert findings_for(money=[local]) == [
        Finding("error", "spent_over_budget", "市县财政资金执行数208.12万元超过预算数208.11万元。", "l")
    ]
    assert findings_for(money=[replace(local, budget=None)]) == [
        Finding(
            "error",
            "budget_missing",
            "填报了市县财政资金执行数208.12万元，请填写市县财政资金全年预算数。",
            "l",
        )
    ]
    assert findings_for(money=[central(D("80"), D("90.5"))]) == [
        Finding("error", "spent_over_allocation", "中央财政资金执行数90.5万元超过下达资金80万元。", "c")
    ]
    assert findings_for(money=[central(D("80"), D("-5"))]) == [
        Finding("error", "negative_spending", "中央财政资金执行数为负数（-5万元），请核实。", "c")
    ]


def test_a_source_without_a_label_is_named_by_its_code():
    findings = findings_for(money=[MoneyLine("o", "other", D("5"), D("6"))])
    assert [f.message for f in findings] == ["other执行数6万元超过预算数5万元。"]


def test_own_money_spent_without_a_budget_is_an_error_below_one_wan_yuan_too():
    # 0.5万元 = 5000 yuan of the region's own money, with no budget stated for it.
    findings = findings_for(money=[MoneyLine("l", "local", None, D("0.5"), label="市县财政资金")])
    assert [(f.code, f.where) for f in findings] == [("budget_missing", "l")]


def test_negative_spending_does_not_stop_the_later_money_lines():
    money = [
        central(D("100"), D("-5"), key="m1"),
        MoneyLine("l", "local", D("10"), D("12"), label="市县财政资金"),
    ]
    assert [(f.code, f.where) for f in findings_for(money=money)] == [
        ("negative_spending", "m1"),
        ("spent_over_budget", "l"),
    ]


@pytest.mark.parametrize(
    ("budget", "spent", "message"),
    [
        ("一百", D("5"), "预算数“一百”不是数字。"),
        (D("100"), "五", "执行数“五”不是数字。"),
    ],
)
def test_an_unreadable_amount_is_refused_naming_the_figure(budget, spent, message):
    with pytest.raises(ValueError) as raised:
        findings_for(money=[central(budget, spent)])
    assert str(raised.value) == message


def test_check_fund_seed_000_execution():
    # Seed 000's execution table: 伊犁州 1.4, 昌吉州 1.73, 喀什 24.54, everyone else 0.
    allocations = dict(SEED_000_ALLOCATION)
    spent = {name: spent for name, (_, spent, _) in ELDERLY_EXECUTION.items()}
    returns = [
        ReturnData(f"ret-{name}", name, [central(D(amount), D(spent[name]), key=f"m-{name}")])
        for name, amount in SEED_000_ALLOCATION
    ]
    assert check_fund(returns, allocations) == []


def test_check_fund_spending_where_nothing_was_allocated():
    allocations = {"乌鲁木齐市": D("550"), "昌吉回族自治州": 347}
    returns = [
        ReturnData("u", "乌鲁木齐市", [central(D("550"), D("0"), key="mu")]),
        # 塔城地区 got nothing in this fund, though its return claims spending
        ReturnData("t", "塔城地区", [central(None, D("5"), key="mt")]),
    ]
    findings = check_fund(returns, allocations)
    assert [(f.severity, f.code, f.where) for f in findings] == [
        ("error", "spent_without_allocation", "mt"),
        ("warning", "missing_return", "昌吉回族自治州"),
    ]
    assert findings[0].message.startswith("塔城地区：")


def test_check_fund_duplicate_return():
    returns = [ReturnData("a", "伊宁市"), ReturnData("b", "伊宁市")]
    findings = check_fund(returns, {"伊宁市": D("10")})
    assert [(f.code, f.where) for f in findings] == [("duplicate_return", "b")]


def test_check_fund_findings_say_which_region():
    returns = [ReturnData("a", "伊宁市"), ReturnData("b", "伊宁市")]
    huocheng = RELIEF_COUNTIES["霍城县"][0]
    allocations = {"伊宁市": RELIEF_COUNTIES["伊宁市"][0], "霍城县": huocheng}
    assert check_fund(returns, allocations) == [
        Finding("error", "duplicate_return", "伊宁市：同一地区有多份填报。", "b"),
        Finding("warning", "missing_return", f"霍城县获分配{huocheng}万元，尚无填报。", "霍城县"),
    ]


def test_check_fund_expects_no_return_from_a_region_allocated_nothing():
    assert check_fund([], {"霍城县": D("0"), "伊宁县": "0"}) == []


def test_check_fund_refuses_an_unreadable_allocation_naming_it():
    with pytest.raises(ValueError) as raised:
        check_fund([], {"霍城县": "一万"})
    assert str(raised.value) == "分配金额“一万”不是数字。"


# --------------------------------------------------------------------------------------------
# Roll-up
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        ("≥500人次", "sum"),
        ("≥1500人月", "sum"),
        ("≥400人", "sum"),
        ("=1个", "sum"),
        ("≥4次", "sum"),
        ("≥10户", "sum"),
        ("≥3家", "sum"),
        ("≥95%", "weighted"),
        ("100%", "weighted"),
        ("≥500元/人/月", "weighted"),
        ("≤30日", "max"),
        ("≤5%", "max"),
        ("不超过10次", "max"),
        ("应纳尽纳", "all_met"),
        ("有所提升", "all_met"),
    ],
)
def test_infer_rollup_rule(target, rule):
    assert infer_rollup_rule(target) == rule


def test_rollup_sum_of_counts():
    children = [ChildValue("伊宁市", "=510人次"), ChildValue("霍城县", "510")]
    result = rollup("≥500人次", children)
    assert (result.rule, result.value, result.text) == ("sum", D("1020"), "1020人次")
    assert result.contributions == [
        Contribution("伊宁市", D("510"), None, D("50.00")),
        Contribution("霍城县", D("510"), None, D("50.00")),
    ]
    region, value, weight, share = result.contributions[0]  # plain tuples too
    assert region == "伊宁市"


def test_rollup_weighted_by_denominator():
    # (30 × 100 + 40 × 300) / (100 + 300) = 15000 / 400 = 37.5%
    # shares of the numerator: 3000 / 15000 = 20%, 12000 / 15000 = 80%
    children = [
        ChildValue("伊宁市", "30%", denominator=D("100"), allocation=D("1")),
        ChildValue("霍城县", "40%", denominator=300, allocation=D("1000")),
    ]
    result = rollup("≥95%", children)
    assert (result.rule, result.value, result.text) == ("weighted", D("37.50"), "37.5%")
    assert [(c.weight, c.share) for c in result.contributions] == [
        (D("100"), D("20.00")),
        (D("300"), D("80.00")),
    ]


def test_rollup_weighted_by_allocation_when_a_denominator_is_missing():
    # Seed 000 allocations as weights: (30 × 550 + 40 × 966 + 10 × 347) / (550 + 966 + 347)
    # = (16500 + 38640 + 3470) / 1863 = 58610 / 1863 = 31.46001… → 31.46%
    children = [
        ChildValue("乌鲁木齐市", "30%", denominator=D("100"), allocation=D("550")),
        ChildValue("伊犁哈萨克自治州", "40%", allocation=D("966")),
        ChildValue("昌吉回族自治州", "10%", allocation=D("347")),
    ]
    result = rollup("≥95%", children)
    assert (result.value, result.text) == (D("31.46"), "31.46%")
    assert [c.weight for c in result.contributions] == [D("550"), D("966"), D("347")]
    # 16500 / 58610 = 28.152…%, 38640 / 58610 = 65.927…%, 3470 / 58610 = 5.920…%
    assert [c.share for c in result.contributions] == [D("28.15"), D("65.93"), D("5.92")]


def test_rollup_weighted_without_weights_gives_no_value():
    children = [ChildValue("甲", "30%", denominator=D("10")), ChildValue("乙", "40%")]
    result = rollup("≥95%", children)
    assert result.value is None and result.note


def test_rollup_worst_deadline():
    children = [ChildValue("甲", "30日内"), ChildValue("乙", "25日"), ChildValue("丙", "28天")]
    result = rollup("≤30日", children)
    assert (result.rule, result.value, result.text) == ("max", D("30"), "30日")
    assert [c.value for c in result.contributions] == [D("30"), D("25"), D("28")]


def test_rollup_all_met():
    children = [ChildValue("甲", "应纳尽纳"), ChildValue("乙", "已完成")]
    result = rollup("应纳尽纳", children)
    assert (result.rule, result.value, result.text) == ("all_met", None, "全部完成")
    assert [c.value for c in result.contributions] == [D("100.00"), D("100.00")]

    children.append(ChildValue("丙", "部分纳入"))
    result = rollup("应纳尽纳", children)
    assert result.text == "未全部完成"
    assert result.unmet == ["丙"]


def test_rollup_missing_and_unreadable_children():
    children = [
        ChildValue("伊宁市", "510人次"),
        ChildValue("霍城县", ""),
        ChildValue("奎屯市", None),
        ChildValue("伊宁县", "95%"),
    ]
    result = rollup("≥500人次", children)
    assert (result.value, result.text) == (D("510"), "510人次")
    assert result.missing == ["霍城县", "奎屯市"]
    assert [region for region, _ in result.errors] == ["伊宁县"]
    assert [c.region for c in result.contributions] == ["伊宁市"]


def test_rollup_all_met_with_a_missing_child_is_not_met():
    result = rollup("应保尽保", [ChildValue("甲", "应保尽保"), ChildValue("乙", "")])
    assert result.text == "未全部完成" and result.missing == ["乙"]


def test_rollup_rule_override():
    children = [ChildValue("甲", "30%", allocation=1), ChildValue("乙", "40%", allocation=1)]
    assert rollup("≥95%", children, rule="max").value == D("40")
    with pytest.raises(ValueError):
        rollup("≥95%", children, rule="median")
