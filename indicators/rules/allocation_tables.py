"""Consistency of an allocation table: rows, 小计 and 合计 adding up, one wrong cell found.

The table is read twice and not held: once for its shape (the columns it uses, its 小计 and
合计 rows), once for its sums. What is kept is one running sum per 小计 group and column,
the rows whose own equation fails, and the findings, so a national table of 30,000 rows
costs the check no more than one of 300.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from indicators.rules.consistency import ERROR, AllocationRow, Finding, _money
from indicators.rules.numbers import _to_decimal

# --- allocation tables --------------------------------------------------------------------

_COLUMNS = {"total": "全年资金合计", "advance": "提前下达", "batch": "本次下达"}
_ROW_SIGN = {"total": 1, "advance": -1, "batch": -1}  # 合计 − 提前下达 − 本次下达 = 0


def check_allocation_table(rows: Iterable[AllocationRow]) -> list[Finding]:
    """Check an allocation table: each row's 合计 = 提前下达 + 本次下达, each group's rows add
    up to its 小计 in every column, the 小计 rows add up to the 合计 row.

    A single wrong number breaks every equation it is in (its row and its column); when one
    cell explains all the broken equations it is in, and only it does, one ``cell_mismatch``
    finding names that row and column with the value the others imply. Other broken equations
    are reported one by one. A missing cell in a column the table uses is a ``missing_cell``
    error of its own, and the equations it is in are not checked.

    ``rows`` is read twice, so it must be a list or another re-iterable, not a generator.
    """
    if iter(rows) is rows:
        raise TypeError("check_allocation_table 要读两遍表：请传入列表等可重复读取的行，而非生成器。")
    table = _shape(rows)
    findings = _add_up(rows, table)
    explained, cell_findings = _localise(table)
    findings.extend(cell_findings)
    findings.extend(_equation_finding(e, table) for e in table.failing if e not in explained)
    return findings


@dataclass
class _Anchor:
    """A 小计 or 合计 row: where it stands, and its values."""

    index: int
    row: AllocationRow
    values: dict


@dataclass
class _Table:
    columns: list[str]
    subtotals: dict[str, _Anchor]  # each group's first 小计 row, in the table's order
    grand: _Anchor | None  # the first 合计 row
    row_equations: bool  # 合计 = 提前下达 + 本次下达 on every row: both parts are used
    residuals: dict = field(default_factory=dict)  # equation → what is left over, None if a cell is missing
    failing: list = field(default_factory=list)  # equations that do not add up, in order
    failing_rows: dict = field(default_factory=dict)  # row index → (row, values) of a failing row
    grand_addends: str = "各小计"  # what adds up to 合计: 各小计, or 各行 when a row is not in a group


def _values(row: AllocationRow) -> dict:
    return {c: _to_decimal(getattr(row, c), name) for c, name in _COLUMNS.items()}


def _shape(rows) -> _Table:
    present, subtotals, grand = set(), {}, None
    for index, row in enumerate(rows):
        if row.is_subtotal or len(present) < len(_COLUMNS):
            values = _values(row)
            present.update(c for c, v in values.items() if v is not None)
            if row.is_subtotal and row.group:
                subtotals.setdefault(row.group, _Anchor(index, row, values))
            elif row.is_subtotal and grand is None:
                grand = _Anchor(index, row, values)
    columns = [c for c in _COLUMNS if c in present]
    return _Table(columns, subtotals, grand, "advance" in columns and "batch" in columns)


def _add_up(rows, table: _Table) -> list[Finding]:
    """Second reading: missing cells (the findings returned), each row's equation, the running
    sums of each group and of 合计; the equations are left in ``table``."""
    columns, subtotals, grand = table.columns, table.subtotals, table.grand
    sums = {("group", g, c): Decimal(0) for g in subtotals for c in columns}
    sums.update({("grand", c): Decimal(0) for c in columns} if grand else {})
    findings, failing_rows = [], []
    for index, row in enumerate(rows):
        values = _values(row)
        for column in columns:
            if values[column] is None:
                findings.append(_missing_cell(row, values, column))
        if table.row_equations and None not in values.values():
            residual = values["total"] - values["advance"] - values["batch"]
            if residual:
                table.residuals[("row", index)] = residual
                table.failing_rows[index] = (row, values)
                failing_rows.append(("row", index))
        if row.is_subtotal:
            anchor = subtotals.get(row.group) if row.group else None
            if anchor is None or anchor.index != index:
                continue  # 合计 itself, or a group's second 小计: in no column sum
            into = "grand"
        elif row.group in subtotals:
            into = "group"
        else:
            into = "grand"
            table.grand_addends = "各行"
        if into == "grand" and grand is None:
            continue
        for column in columns:
            key = ("group", row.group, column) if into == "group" else ("grand", column)
            value = values[column]
            sums[key] = None if value is None or sums[key] is None else sums[key] + value

    table.failing.extend(failing_rows)
    stated = [(("group", g, c), a.values[c]) for g, a in subtotals.items() for c in columns]
    stated += [(("grand", c), grand.values[c]) for c in columns] if grand else []
    for equation, value in stated:
        added = sums[equation]
        residual = None if value is None or added is None else value - added
        table.residuals[equation] = residual
        if residual:
            table.failing.append(equation)
    return findings


def _missing_cell(row, values, column) -> Finding:
    hint = _implied_by_row(values, column)
    hint = f"（按本行其他两数应为{_money(hint)}）" if hint is not None else ""
    return Finding(
        ERROR,
        "missing_cell",
        f"“{row.label}”行缺少“{_COLUMNS[column]}”数值{hint}。",
        row.key,
        column,
    )


def _implied_by_row(own: dict, column: str) -> Decimal | None:
    """The value a missing cell must have for 合计 = 提前下达 + 本次下达 (others present)."""
    others = [own[c] for c in _COLUMNS if c != column]
    if any(v is None for v in others):
        return None
    if column == "total":
        return own["advance"] + own["batch"]
    other = "batch" if column == "advance" else "advance"
    return own["total"] - own[other]


def _cells(table: _Table):
    """Each cell that is in more than one equation and whose equations all fail, in the
    table's order, as (row, column, value, [(equation, sign), …]). With row equations only the
    cells of failing rows qualify; without them, only 小计 cells are in two equations."""
    grand = table.grand
    if table.row_equations:
        for index, (row, values) in table.failing_rows.items():
            for column in _COLUMNS:
                terms = [(("row", index), _ROW_SIGN[column])]
                if row.is_subtotal:
                    anchor = table.subtotals.get(row.group) if row.group else None
                    if anchor is not None and anchor.index == index:
                        terms.append((("group", row.group, column), 1))
                        terms += [(("grand", column), -1)] if grand else []
                    elif grand is not None and grand.index == index:
                        terms.append((("grand", column), 1))
                elif row.group in table.subtotals:
                    terms.append((("group", row.group, column), -1))
                elif grand is not None:
                    terms.append((("grand", column), -1))
                yield row, column, values[column], terms
    elif grand is not None:
        for group, anchor in table.subtotals.items():
            for column in table.columns:
                terms = [(("group", group, column), 1), (("grand", column), -1)]
                yield anchor.row, column, anchor.values[column], terms


def _localise(table: _Table) -> tuple[set, list[Finding]]:
    """Find cells that alone explain broken equations (see ``check_allocation_table``)."""
    if not table.failing:
        return set(), []
    candidates = []
    for row, column, value, terms in _cells(table):
        residuals = [table.residuals[e] for e, _ in terms]
        if len(terms) < 2 or any(r in (None, 0) for r in residuals):
            continue
        corrected = {value - r * sign for r, (_, sign) in zip(residuals, terms, strict=True)}
        if len(corrected) == 1:
            candidates.append((row, column, value, corrected.pop(), [e for e, _ in terms]))

    claims = Counter(e for *_, equations in candidates for e in equations)
    explained, findings = set(), []
    for row, column, value, corrected, equations in candidates:
        if any(claims[e] > 1 for e in equations):
            continue  # two cells could explain it: report the equations instead
        explained.update(equations)
        names = [_equation_name(e, table) for e in equations]
        because = "、".join(names[:-1]) + "及" + names[-1]
        findings.append(
            Finding(
                ERROR,
                "cell_mismatch",
                f"“{row.label}”行的“{_COLUMNS[column]}”{_money(value)}与表中其他数字"
                f"不符：按{because}推算应为{_money(corrected)}。",
                row.key,
                column,
            )
        )
    return explained, findings


def _equation_name(equation: tuple, table: _Table) -> str:
    if equation[0] == "row":
        return "本行提前下达与本次下达之和"
    if equation[0] == "group":
        return f"“{equation[1]}”各行之和"
    return f"{table.grand_addends}之和"


def _equation_finding(equation: tuple, table: _Table) -> Finding:
    residual = table.residuals[equation]
    if equation[0] == "row":
        anchor, own = table.failing_rows[equation[1]]
        parts = own["advance"] + own["batch"]
        message = (
            f"“{anchor.label}”行全年资金合计{_money(own['total'])}不等于提前下达"
            f"{_money(own['advance'])}与本次下达{_money(own['batch'])}之和{_money(parts)}。"
        )
        return Finding(ERROR, "row_mismatch", message, anchor.key, "total")
    column = equation[-1]
    anchor = table.subtotals[equation[1]] if equation[0] == "group" else table.grand
    stated = anchor.values[column]
    added = stated - residual
    if equation[0] == "group":
        message = (
            f"“{equation[1]}”各行{_COLUMNS[column]}之和为{_money(added)}，与小计"
            f"{_money(stated)}不符（相差{_money(residual)}）。"
        )
        return Finding(ERROR, "subtotal_mismatch", message, anchor.row.key, column)
    message = (
        f"{table.grand_addends}{_COLUMNS[column]}之和为{_money(added)}，与“{anchor.row.label}”"
        f"{_money(stated)}不符（相差{_money(residual)}）。"
    )
    return Finding(ERROR, "total_mismatch", message, anchor.row.key, column)
