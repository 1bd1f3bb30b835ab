"""Finding a table in a sheet: its header (which may span two rows, repeat on every printed
page, or sit below a title), the columns by their names and synonyms, the data rows below it,
and the merged cells that would give one row's figure to several."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from openpyxl.utils import get_column_letter

from reports.imports.reading import ImportFailed, RowError, Sheet, cell_text, squash

HEADER_SEARCH_ROWS = 40


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = True
    # A label that varies, as a regular expression over the squashed text: 1–N月执行数 for any
    # cut-off month (the reader then says whether N is the return's own).
    pattern: str = ""

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset({squash(self.label), *map(squash, self.synonyms)})

    def matches(self, text: str) -> bool:
        if not text:
            return False
        bare = re.sub(r"（[^）]*）", "", text) if "（" in text else text  # 全年预算数（万元） → 全年预算数
        if self.pattern and any(re.fullmatch(self.pattern, t) for t in (text, bare)):
            return True
        return text in self.names or bare in self.names


@dataclass
class Header:
    sheet: Sheet
    row: int  # the last header row (1-based); data starts below it
    columns: dict[str, int]  # key → 1-based column

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key])

    def get(self, cells: tuple, key: str):
        col = self.columns.get(key)
        return cells[col - 1] if col is not None and col <= len(cells) else None

    def is_header_again(self, cells: tuple, columns: list[Column]) -> bool:
        """A header repeated on every printed page of the table (its labels are text: a row of
        figures is not looked at twice)."""
        hits = 0
        for c in columns:
            value = self.get(cells, c.key) if c.key in self.columns else None
            if isinstance(value, str) and c.matches(squash(cell_text(value))):
                hits += 1
        return hits >= 2


def find_header(sheets: list[Sheet], columns: list[Column], *, sheet_name: str | None = None) -> Header:
    """The first sheet and row that hold every required column (a header may span two rows)."""
    candidates = [s for s in sheets if sheet_name is None or s.title == sheet_name]
    if sheet_name is not None and not candidates:
        names = "、".join(f"“{s.title}”" for s in sheets)
        raise ImportFailed([RowError(f"工作簿中没有名为“{sheet_name}”的工作表（现有：{names}）。")])
    if not candidates or all(s.is_empty for s in candidates):
        where = candidates[0].title if candidates else ""
        raise ImportFailed([RowError("工作表是空的，没有可导入的数据。", sheet=where)])
    best: tuple[int, Sheet, int, list[str]] | None = None
    for sheet in candidates:
        for row in range(1, min(len(sheet.rows), HEADER_SEARCH_ROWS) + 1):
            found, last = _match_header(sheet, row, columns)
            missing = [c.label for c in columns if c.required and c.key not in found]
            if not missing:
                return Header(sheet, last, found)
            hits = len([c for c in columns if c.key in found])
            if hits and (best is None or hits > best[0]):
                best = (hits, sheet, row, missing)
    wanted = "、".join(f"“{c.label}”" for c in columns if c.required)
    if best is None:
        sheet = next(s for s in candidates if not s.is_empty)
        raise ImportFailed(
            [RowError(f"找不到表头：前{HEADER_SEARCH_ROWS}行中没有{wanted}等列。", sheet=sheet.title)]
        )
    _, sheet, row, missing = best
    listed = "、".join(f"“{m}”" for m in missing)
    raise ImportFailed([RowError(f"表头缺少{listed}列（应有{wanted}）。", sheet=sheet.title, row=row)])


def _match_header(sheet: Sheet, row: int, columns: list[Column]) -> tuple[dict[str, int], int]:
    found: dict[str, int] = {}
    last, on_top = row, 0
    width = max(len(sheet.rows[row - 1]), len(sheet.rows[row]) if row < len(sheet.rows) else 0)
    for col in range(1, width + 1):
        top = squash(cell_text(sheet.value(row, col)))
        column, offset = _column_for(top, columns, found), 0
        # 其中：提前下达 / 本次下达 sit in the row below a blank or “其中” cell.
        if column is None and (not top or top.startswith("其中")):
            column, offset = _column_for(squash(cell_text(sheet.value(row + 1, col))), columns, found), 1
        if column is not None:
            found[column.key] = col
            last = max(last, row + offset)
            on_top += offset == 0
    return (found, last) if on_top else ({}, row)


def _column_for(text: str, columns: list[Column], found: dict) -> Column | None:
    return next((c for c in columns if c.key not in found and c.matches(text)), None)


def merged_errors(
    header: Header, *, vertical: set[str], horizontal: set[str] = frozenset()
) -> list[RowError]:
    """Merged ranges below the header that cover a column where each row needs its own value.

    ``vertical``: columns that may be merged down (the level columns of a target table, the
    地州市 column: a blank below means "same as above"). ``horizontal``: columns that may be
    merged with each other in one row (合计 across 地州市 and 县市区). A merged figure would
    give its value to one row and blanks to the others, so anything else is an error.
    """
    errors = []
    for min_row, max_row, min_col, max_col in header.sheet.merged:
        if max_row <= header.row:
            continue
        covered = [key for key, col in header.columns.items() if min_col <= col <= max_col]
        tall, wide = max_row > min_row, len(covered) > 1
        bad = [k for k in covered if (tall and k not in vertical) or (wide and k not in horizontal)]
        if not bad:
            continue
        rng = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        errors.append(
            RowError(
                f"合并单元格{rng}覆盖了需要逐行填写的列，请取消合并并在每个单元格中填写。",
                sheet=header.sheet.title,
                row=max(min_row, header.row + 1),
                column=get_column_letter(header.columns[bad[0]]),
            )
        )
    return errors


def data_rows(header: Header, columns: list[Column]):
    """(row number, cells) below the header, skipping blank rows and repeated headers."""
    for index in range(header.row, len(header.sheet.rows)):
        cells = header.sheet.rows[index]
        if not any(cell_text(header.get(cells, c.key)) for c in columns):
            continue
        if header.is_header_again(cells, columns):
            continue
        yield index + 1, cells
