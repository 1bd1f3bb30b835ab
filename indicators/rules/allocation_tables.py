"""Consistency of an allocation table: rows, 小计 and 合计 adding up, one wrong cell found."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from indicators.rules.consistency import ERROR, AllocationRow, Finding, _money
from indicators.rules.numbers import _to_decimal

# --- allocation tables --------------------------------------------------------------------

_COLUMNS = {"total": "全年资金合计", "advance": "提前下达", "batch": "本次下达"}


@dataclass
class _Constraint:
    """One equation of the table, as (row, column, sign) terms that must add up to zero."""

    kind: str  # row / group / grand
    anchor: AllocationRow  # the row the finding points to
    terms: list
    column: str = "total"
    group: str | None = None
    members: str = ""  # what adds up in a column: “乌鲁木齐市”各行, 各小计, 各行
    residual: Decimal | None = None


def check_allocation_table(rows: list[AllocationRow]) -> list[Finding]:
    """Check an allocation table: each row's 合计 = 提前下达 + 本次下达, each group's rows add
    up to its 小计 in every column, the 小计 rows add up to the 合计 row.

    A single wrong number breaks every equation it is in (its row and its column); when one
    cell explains all the broken equations it is in, and only it does, one ``cell_mismatch``
    finding names that row and column with the value the others imply. Other broken equations
    are reported one by one. A missing cell in a column the table uses is a ``missing_cell``
    error of its own, and the equations it is in are not checked.
    """
    values = {id(r): {c: _to_decimal(getattr(r, c), _COLUMNS[c]) for c in _COLUMNS} for r in rows}
    columns = [c for c in _COLUMNS if any(values[id(r)][c] is not None for r in rows)]
    findings = _missing_cells(rows, values, columns)
    constraints = _constraints(rows, columns)
    failing = []
    for constraint in constraints:
        terms = [values[id(r)][c] for r, c, _ in constraint.terms]
        if any(v is None for v in terms):
            continue
        constraint.residual = sum(
            (v * sign for v, (_, _, sign) in zip(terms, constraint.terms, strict=True)),
            Decimal(0),
        )
        if constraint.residual != 0:
            failing.append(constraint)

    explained, cell_findings = _localise(constraints, failing, values)
    findings.extend(cell_findings)
    findings.extend(_constraint_finding(c, values) for c in failing if id(c) not in explained)
    return findings


def _missing_cells(rows, values, columns) -> list[Finding]:
    findings = []
    for row in rows:
        for column in columns:
            if values[id(row)][column] is None:
                hint = _implied_by_row(values[id(row)], column)
                hint = f"（按本行其他两数应为{_money(hint)}）" if hint is not None else ""
                findings.append(
                    Finding(
                        ERROR,
                        "missing_cell",
                        f"“{row.label}”行缺少“{_COLUMNS[column]}”数值{hint}。",
                        row.key,
                        column,
                    )
                )
    return findings


def _implied_by_row(own: dict, column: str) -> Decimal | None:
    """The value a missing cell must have for 合计 = 提前下达 + 本次下达 (others present)."""
    others = [own[c] for c in _COLUMNS if c != column]
    if any(v is None for v in others):
        return None
    if column == "total":
        return own["advance"] + own["batch"]
    other = "batch" if column == "advance" else "advance"
    return own["total"] - own[other]


def _constraints(rows: list[AllocationRow], columns: list[str]) -> list[_Constraint]:
    grand = next((r for r in rows if r.is_subtotal and not r.group), None)
    subtotals = {}
    for row in rows:
        if row.is_subtotal and row.group and row.group not in subtotals:
            subtotals[row.group] = row
    members: dict[str, list] = defaultdict(list)
    top_level = []  # rows that add up to the grand total directly
    for row in rows:
        if row.is_subtotal:
            if row.group and subtotals[row.group] is row:
                top_level.append(row)
        elif row.group in subtotals:
            members[row.group].append(row)
        else:
            top_level.append(row)

    constraints = []
    if "advance" in columns and "batch" in columns:
        for row in rows:
            terms = [(row, "total", 1), (row, "advance", -1), (row, "batch", -1)]
            constraints.append(_Constraint("row", row, terms))
    for group, subtotal in subtotals.items():
        for column in columns:
            terms = [(subtotal, column, 1)] + [(r, column, -1) for r in members[group]]
            constraints.append(_Constraint("group", subtotal, terms, column, group, f"“{group}”各行"))
    if grand is not None:
        addends = "各小计" if all(r.is_subtotal for r in top_level) else "各行"
        for column in columns:
            terms = [(grand, column, 1)] + [(r, column, -1) for r in top_level]
            constraints.append(_Constraint("grand", grand, terms, column, None, addends))
    return constraints


def _localise(constraints, failing, values) -> tuple[set, list[Finding]]:
    """Find cells that alone explain broken equations (see ``check_allocation_table``)."""
    if not failing:
        return set(), []
    by_cell: dict[tuple, list] = defaultdict(list)
    for constraint in constraints:
        for row, column, sign in constraint.terms:
            by_cell[(id(row), column)].append((constraint, row, sign))

    candidates = []
    for (_, column), entries in by_cell.items():
        if len(entries) < 2 or any(c.residual in (None, 0) for c, _, _ in entries):
            continue
        row = entries[0][1]
        value = values[id(row)][column]
        corrected = {value - c.residual * sign for c, _, sign in entries}
        if len(corrected) == 1:
            candidates.append((row, column, corrected.pop(), [c for c, _, _ in entries]))

    claims = Counter(id(c) for *_, cs in candidates for c in cs)
    explained, findings = set(), []
    for row, column, corrected, cs in candidates:
        if any(claims[id(c)] > 1 for c in cs):
            continue  # two cells could explain it: report the equations instead
        explained.update(id(c) for c in cs)
        value = values[id(row)][column]
        names = [_constraint_name(c) for c in cs]
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


def _constraint_name(constraint: _Constraint) -> str:
    if constraint.kind == "row":
        return "本行提前下达与本次下达之和"
    return f"{constraint.members}之和"


def _constraint_finding(constraint: _Constraint, values) -> Finding:
    anchor = constraint.anchor
    column = _COLUMNS[constraint.column]
    own = values[id(anchor)]
    if constraint.kind == "row":
        parts = own["advance"] + own["batch"]
        message = (
            f"“{anchor.label}”行全年资金合计{_money(own['total'])}不等于提前下达"
            f"{_money(own['advance'])}与本次下达{_money(own['batch'])}之和{_money(parts)}。"
        )
        return Finding(ERROR, "row_mismatch", message, anchor.key, "total")
    stated = own[constraint.column]
    added = stated - constraint.residual
    if constraint.kind == "group":
        message = (
            f"{constraint.members}{column}之和为{_money(added)}，与小计"
            f"{_money(stated)}不符（相差{_money(constraint.residual)}）。"
        )
        return Finding(ERROR, "subtotal_mismatch", message, anchor.key, constraint.column)
    message = (
        f"{constraint.members}{column}之和为{_money(added)}，与“{anchor.label}”{_money(stated)}不符"
        f"（相差{_money(constraint.residual)}）。"
    )
    return Finding(ERROR, "total_mismatch", message, anchor.key, constraint.column)
