"""Tables B–E as an XLSX workbook, one table per sheet, from the same grids as the DOCX.

Money is stored as a number with the format ``0.00`` (万元), or more places when its 元 need them
(``reports.formats.money_number_format``: 2.472 is ``0.000``); a rate as the fraction with the
format ``0.00%`` (the rules engine's 0.33 becomes 0.0033, shown as 0.33%); merged cells are
merged ranges; the table's header rows are frozen and repeated on every printed page; pages
are A4, fitted to the width.
"""

import math
from copy import copy
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.merge import MergedCell, MergedCellRange
from openpyxl.writer.excel import ExcelWriter

from common.text import clean_text, neutralise_workbook
from reports.builders.layouts import Cell, Table, cell_text, tables_for
from reports.data import ReportData
from reports.formats import money_number_format

HUNDRED = 100
BODY_FONT = Font(name="宋体", size=10.5)
HEAD_FONT = Font(name="黑体", size=10.5)
TOTAL_FONT = Font(name="宋体", size=10.5, bold=True)
TITLE_FONT = Font(name="黑体", size=16)
SUBTITLE_FONT = Font(name="楷体_GB2312", size=12)
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FORMATS = {"money": "0.00", "rate": "0.00%", "score": "0.00"}
# Shared style objects: openpyxl hashes every style it is given, so building one per cell is slow.
ALIGNMENTS = {
    side: Alignment(horizontal=side, vertical="center", wrap_text=True)
    for side in ("left", "center", "right")
}
TWIPS_PER_WIDTH_UNIT = 100  # a column of the DOCX grid → Excel width in characters
LINE_HEIGHT = 14.5  # points per wrapped line at 10.5 pt


def cell_value(cell: Cell):
    value = cell.value
    if value is None or value == "":
        return None
    if cell.kind == "rate":
        return value / HUNDRED  # Decimal: the percentage as the fraction Excel formats with %
    if isinstance(value, str):
        return clean_text(value)  # stored text may hold characters XML cannot (evalportal/text.py)
    return value


class StyleCache:
    """The style ids openpyxl gave one workbook, by what they were made of, so that a cell of a
    style already seen takes its ids without openpyxl hashing the style objects again (it
    hashes every Font, Border and Alignment it is given, recursively: most of a workbook's
    time at national size). The first cell of each style still goes through openpyxl, so the
    workbook's style lists, and their order, are the ones of setting each cell one by one."""

    def __init__(self):
        self.cells: dict[tuple, StyleArray] = {}
        self.borders: dict[tuple, int] = {}
        self.protections: dict[int, int] = {}


def write_table(workbook: Workbook, table: Table, styles: StyleCache | None = None) -> None:
    """One sheet for ``table``; ``styles``: the workbook's StyleCache (one per workbook)."""
    styles = styles or StyleCache()
    ws = workbook.create_sheet(_unique(workbook, table.sheet))
    # One sheet for all the grids: each column as wide as the widest grid has it.
    widths = [max(column) for column in zip(*(grid.widths for grid in table.grids), strict=True)]
    ncols = len(widths)
    for i, twips in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(twips / TWIPS_PER_WIDTH_UNIT, 1)

    row_number = 1
    for text, font in ((table.title, TITLE_FONT), (table.subtitle, SUBTITLE_FONT)):
        if text:
            _banner(ws, row_number, ncols, text, font, "center", styles)
            row_number += 1
    if table.unit:
        _banner(ws, row_number, ncols, table.unit, BODY_FONT, "right", styles)
        row_number += 1

    header_rows = []
    for grid in table.grids:
        for row, placed in zip(grid.rows, grid.placed(), strict=True):
            if row.header:
                header_rows.append(row_number)
            lines = 1
            for col, cell, continued in placed:
                if continued:
                    continue
                _write_cell(ws, row_number, col + 1, cell, total=row.total, styles=styles)
                if cell.span > 1 or cell.rows > 1:
                    # openpyxl draws the range's outer border from the top-left cell's.
                    _merge(ws, styles, row_number, col + 1, row_number + cell.rows - 1, col + cell.span)
                if cell.rows == 1:
                    lines = max(lines, _lines(cell, sum(widths[col : col + cell.span])))
            # Excel does not grow a row for wrapped text in merged cells: set the height.
            ws.row_dimensions[row_number].height = lines * LINE_HEIGHT + 4
            row_number += 1
    for note in table.notes:
        _banner(ws, row_number, ncols, note, BODY_FONT, "left", styles)
        ws.row_dimensions[row_number].height = _lines(Cell(note), sum(widths)) * LINE_HEIGHT + 4
        row_number += 1

    first_table_row = 1 + bool(table.title) + bool(table.subtitle) + bool(table.unit)
    frozen = (header_rows[-1] + 1) if header_rows and header_rows[0] == first_table_row else first_table_row
    ws.freeze_panes = ws.cell(row=frozen, column=1)
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[-1]}"
    _print_setup(ws, landscape=table.landscape)


def _banner(ws, row: int, ncols: int, text: str, font: Font, align: str, styles: StyleCache) -> None:
    cell = ws.cell(row=row, column=1, value=clean_text(text))
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    if ncols > 1:
        _merge(ws, styles, row, 1, row, ncols)
    ws.row_dimensions[row].height = 24 if font is TITLE_FONT else 18


def _write_cell(ws, row: int, column: int, cell: Cell, *, total: bool, styles: StyleCache) -> None:
    target = ws.cell(row=row, column=column, value=cell_value(cell))
    font = HEAD_FONT if cell.head else (TOTAL_FONT if total else BODY_FONT)
    number_format = None
    if cell.kind == "money" and isinstance(cell.value, Decimal):
        number_format = money_number_format(cell.value)  # 2.472 keeps its 元
    elif cell.kind in FORMATS and target.value is not None:
        number_format = FORMATS[cell.kind]
    key = (id(font), cell.alignment, cell.fill, number_format)
    known = styles.cells.get(key)
    if known is not None:
        target._style = StyleArray(known)
        return
    target.font = font
    target.alignment = ALIGNMENTS[cell.alignment]
    target.border = BORDER
    if cell.fill:
        target.fill = _fill(cell.fill)
    if number_format is not None:
        target.number_format = number_format
    styles.cells[key] = StyleArray(target._style)


_EDGES = ("top", "left", "right", "bottom")


def _merge(ws, styles: StyleCache, min_row: int, min_col: int, max_row: int, max_col: int) -> None:
    """``ws.merge_cells`` of the range, with the style ids of its cells from ``styles``: the
    same MergedCells, edge borders and protection as openpyxl's ``MergedCellRange.format``
    gives them (and in the same order), without a Border made and hashed per edge cell."""
    # CellRange.coord of a range of two cells or more, without a CellRange made to print it
    coord = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    mcr = MergedCellRange(ws, coord)  # its top-left cell takes the bottom-right's border
    # Not merged_cells.add: it compares the range with every range merged before (quadratic);
    # the layouts' ranges never overlap.
    ws.merged_cells.ranges.add(mcr)
    cells = ws._cells
    start = mcr.start_cell
    if start._style is None:
        start._style = StyleArray()
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            if row != min_row or col != min_col:
                cells[row, col] = MergedCell(ws, row, col)
    for name in _EDGES:
        start_border = start._style.borderId  # the top edge holds the top-left cell itself
        side = getattr(start.border, name)
        if side and side.style is None:
            continue  # as openpyxl: nothing to draw on that edge
        for coord in getattr(mcr, name):
            target = cells[coord]
            if target._style is None:
                target._style = StyleArray()
            key = (start_border, target._style.borderId, name)
            border_id = styles.borders.get(key)
            if border_id is None:
                target.border += Border(**{name: side})
                styles.borders[key] = target._style.borderId
            else:
                target._style.borderId = border_id
    protection = styles.protections.get(start._style.protectionId)
    if protection is None:
        start.protection = copy(start.protection)
        protection = styles.protections[start._style.protectionId] = start._style.protectionId
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            target = cells[row, col]
            if target._style is None:
                target._style = StyleArray()
            target._style.protectionId = protection


@lru_cache(maxsize=16)
def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _lines(cell: Cell, twips: int) -> int:
    """Wrapped lines of a cell's text at 10.5 pt: a Chinese character takes about 190 twips of
    the widths this module sets (an estimate: Excel sizes no row that holds a merged cell)."""
    per_line = max(1, (twips - 114) // 190)
    return sum(max(1, math.ceil(_width(part) / per_line)) for part in cell_text(cell).split("\n"))


def _width(text: str) -> float:
    """Width in Chinese characters: digits and Latin letters take about half of one."""
    if text.isascii():  # figures: the same float as adding 0.55 once a character
        return _narrow(len(text))
    return sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in text)


@lru_cache(maxsize=256)
def _narrow(count: int) -> float:
    return sum(0.55 for _ in range(count))


def fit_to_page_width(ws, *, landscape: bool = False) -> None:
    """Printed on A4, one page wide and as many long as it takes (tables and the offline workbook)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _print_setup(ws, *, landscape: bool = False) -> None:
    fit_to_page_width(ws, landscape=landscape)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _unique(workbook: Workbook, name: str) -> str:
    taken = set(workbook.sheetnames)
    candidate, n = name, 2
    while candidate in taken:
        suffix = f"({n})"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def build_workbook(data: ReportData, kind: str = "a") -> bytes:
    """The workbook of tables B–E (kind a), or of one table kind (b, b_scored, c, d, e, g)."""
    tables = tables_for(data, kind)
    return tables_workbook(tables, empty=f"{data.region_name}{data.fund_name}：本级没有可生成的该类表格。")


def tables_workbook(tables: list[Table], *, empty: str = "") -> bytes:
    """A workbook of one sheet per table (a sheet 说明 saying ``empty`` when there is none)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    styles = StyleCache()
    for table in tables:
        write_table(workbook, table, styles)
    if not tables:
        ws = workbook.create_sheet("说明")
        ws["A1"] = clean_text(empty)
    neutralise_workbook(workbook)  # text that starts with = + - @ stays text (evalportal/text.py)
    return _saved(workbook)


class _InMemoryWriter(ExcelWriter):
    """openpyxl's writer, each sheet's XML written in memory: openpyxl writes it to a temporary
    file, zips the file and deletes it (three file-system calls a sheet, 19 sheets in 新疆's
    workbook of tables B–E)."""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        out = BytesIO()
        writer = WorksheetWriter(ws, out=out)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], out.getvalue())
        self.manifest.append(ws)


def _saved(workbook: Workbook) -> bytes:
    """``workbook.save`` (openpyxl.writer.excel.save_workbook) into memory."""
    buffer = BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    _InMemoryWriter(workbook, archive).save()
    return buffer.getvalue()
