"""What an allocation-table check says, whole: severity, code, message, the row and the column.

domain.md §7: every allocation import checks each equation and names the cell. An import shows
these findings next to the cell they point to, so each field of a finding is checked here on a
small table whose sums are worked out in the comments. No Django needed.
"""

from decimal import Decimal

import pytest

from indicators.rules import AllocationRow, Finding, check_allocation_table

D = Decimal


def row(key, label, total, advance, batch, *, group=None, subtotal=False):
    amounts = [None if a is None else D(a) for a in (total, advance, batch)]
    return AllocationRow(key, label, *amounts, is_subtotal=subtotal, group=group)


def group_table(**changes):
    """甲 小计 10 = 6 + 4 over A 5 = 3 + 2 and B 5 = 3 + 2; 合计 = the 小计."""
    rows = {
        "s": row("s", "甲小计", "10", "6", "4", group="甲", subtotal=True),
        "a": row("a", "A", "5", "3", "2", group="甲"),
        "b": row("b", "B", "5", "3", "2", group="甲"),
        "t": row("t", "合计", "10", "6", "4", subtotal=True),
    }
    for key, values in changes.items():
        rows[key] = row(key, rows[key].label, *values, group=rows[key].group, subtotal=rows[key].is_subtotal)
    return list(rows.values())


def test_the_group_table_adds_up():
    assert check_allocation_table(group_table()) == []


def test_one_wrong_cell_is_named_with_the_value_the_table_implies():
    # A's total typed 6: its row (3 + 2 = 5) and 甲's total column (10 − 5 = 5) both say 5.
    findings = check_allocation_table(group_table(a=("6", "3", "2")))
    assert findings == [
        Finding(
            "error",
            "cell_mismatch",
            "“A”行的“全年资金合计”6与表中其他数字不符：按本行提前下达与本次下达之和及“甲”各行之和推算应为5。",
            "a",
            "total",
        )
    ]


def test_a_wrong_subtotal_cell_is_named_by_its_group_column_and_the_grand_total():
    # 甲小计 advance typed 7: its row (10 − 4 = 6), 甲's advance column (3 + 3 = 6) and the
    # 合计 advance column (6) all say 6.
    findings = check_allocation_table(group_table(s=("10", "7", "4")))
    assert findings == [
        Finding(
            "error",
            "cell_mismatch",
            "“甲小计”行的“提前下达”7与表中其他数字不符：按本行提前下达与本次下达之和、“甲”各行之和及各小计之和推算应为6。",
            "s",
            "advance",
        )
    ]


def test_a_row_that_does_not_add_up_on_its_own():
    findings = check_allocation_table([row("a", "某县", "10", "4", "5")])
    assert findings == [
        Finding(
            "error", "row_mismatch", "“某县”行全年资金合计10不等于提前下达4与本次下达5之和9。", "a", "total"
        )
    ]


def test_a_group_that_does_not_add_up_to_its_subtotal():
    # A's 3 + 2 moved to 4 + 1: its row still adds up, 甲's advance is 4 + 3 = 7 against 6 and
    # its batch 1 + 2 = 3 against 4, and no single cell explains both.
    findings = check_allocation_table(group_table(a=("5", "4", "1")))
    assert findings == [
        Finding(
            "error", "subtotal_mismatch", "“甲”各行提前下达之和为7，与小计6不符（相差-1）。", "s", "advance"
        ),
        Finding(
            "error", "subtotal_mismatch", "“甲”各行本次下达之和为3，与小计4不符（相差1）。", "s", "batch"
        ),
    ]


def test_rows_that_do_not_add_up_to_the_grand_total():
    rows = [
        row("a", "A", "5", "4", "1"),
        row("b", "B", "5", "3", "2"),
        row("t", "合计", "10", "6", "4", subtotal=True),
    ]
    assert check_allocation_table(rows) == [
        Finding("error", "total_mismatch", "各行提前下达之和为7，与“合计”6不符（相差-1）。", "t", "advance"),
        Finding("error", "total_mismatch", "各行本次下达之和为3，与“合计”4不符（相差1）。", "t", "batch"),
    ]


def test_subtotals_that_do_not_add_up_to_the_grand_total():
    rows = group_table(t=("11", "7", "4"))
    # 合计 11 = 7 + 4 adds up on its own row, so neither of its cells alone explains the two
    # broken columns (the 小计 say 10 and 6): each equation is reported.
    findings = check_allocation_table(rows)
    assert [(f.code, f.where, f.column) for f in findings] == [
        ("total_mismatch", "t", "total"),
        ("total_mismatch", "t", "advance"),
    ]
    assert findings[0].message == "各小计全年资金合计之和为10，与“合计”11不符（相差1）。"


@pytest.mark.parametrize(
    ("cells", "column", "hint"),
    [
        ((None, "3", "2"), "total", "（按本行其他两数应为5）"),
        (("5", None, "2"), "advance", "（按本行其他两数应为3）"),
        (("5", "3", None), "batch", "（按本行其他两数应为2）"),
    ],
)
def test_a_missing_cell_says_what_its_row_implies(cells, column, hint):
    names = {"total": "全年资金合计", "advance": "提前下达", "batch": "本次下达"}
    findings = check_allocation_table(group_table(a=cells))
    assert findings == [
        Finding("error", "missing_cell", f"“A”行缺少“{names[column]}”数值{hint}。", "a", column)
    ]


def test_two_missing_cells_in_a_row_give_no_hint():
    findings = check_allocation_table(group_table(a=("5", None, None)))
    assert findings == [
        Finding("error", "missing_cell", "“A”行缺少“提前下达”数值。", "a", "advance"),
        Finding("error", "missing_cell", "“A”行缺少“本次下达”数值。", "a", "batch"),
    ]


def test_a_table_of_totals_only_checks_its_column():
    # Seed 000's 分配表 has one column: no row equations, no missing advance or batch.
    rows = [
        row("a", "A", "5", None, None),
        row("b", "B", "4", None, None),
        row("t", "总计", "10", None, None, subtotal=True),
    ]
    assert check_allocation_table(rows) == [
        Finding("error", "total_mismatch", "各行全年资金合计之和为9，与“总计”10不符（相差1）。", "t", "total")
    ]


def test_a_table_without_batch_checks_no_row_equation():
    rows = [row("a", "A", "5", "4", None), row("t", "合计", "5", "4", None, subtotal=True)]
    assert check_allocation_table(rows) == []


def test_a_totals_only_table_names_a_wrong_subtotal_by_its_group_and_the_grand_total():
    # No row equations: 甲小计 11 is in two equations, 甲's rows (5 + 5 = 10) and 合计 (10).
    rows = [
        row("s", "甲小计", "11", None, None, group="甲", subtotal=True),
        row("a", "A", "5", None, None, group="甲"),
        row("b", "B", "5", None, None, group="甲"),
        row("t", "合计", "10", None, None, subtotal=True),
    ]
    assert check_allocation_table(rows) == [
        Finding(
            "error",
            "cell_mismatch",
            "“甲小计”行的“全年资金合计”11与表中其他数字不符：按“甲”各行之和及各小计之和推算应为10。",
            "s",
            "total",
        )
    ]


class Remade:
    """A table whose rows are made anew at each reading, as an import makes them from its lines."""

    def __init__(self, rows):
        self.rows = rows

    def __iter__(self):
        return (AllocationRow(**vars(r)) for r in self.rows)


def test_a_subtotal_after_its_rows_in_a_table_made_anew_at_each_reading():
    s, a, b, t = group_table(a=("6", "3", "2"))
    findings = check_allocation_table(Remade([a, b, s, t]))
    assert [(f.code, f.where, f.column) for f in findings] == [("cell_mismatch", "a", "total")]
    assert "推算应为5" in findings[0].message


def test_a_generator_is_refused_because_the_table_is_read_twice():
    with pytest.raises(TypeError, match="生成器"):
        check_allocation_table(r for r in group_table())


def test_a_groups_second_subtotal_is_checked_on_its_own_row_only():
    again = row("s2", "甲小计（重）", "99", "90", "9", group="甲", subtotal=True)
    assert check_allocation_table([*group_table(), again]) == []
    wrong = row("s2", "甲小计（重）", "99", "90", "8", group="甲", subtotal=True)
    assert [(f.code, f.where) for f in check_allocation_table([*group_table(), wrong])] == [
        ("row_mismatch", "s2")
    ]
