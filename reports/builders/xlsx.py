"""Tables B–E as an XLSX workbook, one table per sheet, from the same grids as the DOCX.

Money is stored as a number with the format ``0.00`` (万元), or more places when its 元 need them
(``reports.formats.money_number_format``: 2.472 is ``0.000``); a rate as the fraction with the
format ``0.00%`` (the rules engine's 0.33 becomes 0.0033, shown as 0.33%); merged cells are
merged ranges; the table's header rows are frozen and repeated on every printed page; pages
are A4, fitted to the width.

openpyxl makes the workbook (its sheets, column widths, frozen panes, print titles, page setup,
styles.xml); a table's rows and merged ranges are written as text (``SheetXml``) and put into
the sheet's XML by ``_InMemoryWriter``, each format registered once in openpyxl's lists
(``StyleCache``). ``tests/test_reports_grids.py`` reads the result back with openpyxl.
"""

import math
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from common.text import clean_text, looks_like_formula, neutralise_workbook
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
    """The cell formats (``cellXfs`` ids) of one workbook, by what they are made of: each font,
    alignment, border, fill and number format goes into openpyxl's lists of the workbook once,
    so that openpyxl writes styles.xml as it would for cells styled one by one."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.xfs: dict[tuple, int] = {}

    def xf(self, font: Font, align: str, *, fill: str = "", number_format: str | None = None,
           border: Border | None = BORDER, quote: bool = False) -> int:  # fmt: skip
        """The id of the format of these parts (``s`` of a cell)."""
        key = (id(font), align, fill, number_format, None if border is None else id(border), quote)
        known = self.xfs.get(key)
        if known is not None:
            return known
        book = self.workbook
        style = StyleArray()
        style.fontId = book._fonts.add(font)
        style.alignmentId = book._alignments.add(ALIGNMENTS[align])
        if border is not None:
            style.borderId = book._borders.add(border)
        if fill:
            style.fillId = book._fills.add(_fill(fill))
        if number_format is not None:
            builtin = BUILTIN_FORMATS_REVERSE.get(number_format)
            style.numFmtId = (
                builtin
                if builtin is not None
                else book._number_formats.add(number_format) + BUILTIN_FORMATS_MAX_SIZE
            )
        if quote:
            style.quotePrefix = 1  # text that starts like a formula stays text (common.text)
        self.xfs[key] = known = book._cell_styles.add(style)
        return known

    def edge(self, sides: tuple[str, ...]) -> int:
        """The format of a cell inside a merged range that lies on the range's ``sides``: those
        sides of the border drawn, as openpyxl's ``MergedCellRange.format`` gives them (Excel
        draws a merged range's edges from the cells on them)."""
        key = ("edge", sides)
        known = self.xfs.get(key)
        if known is None:
            style = StyleArray()
            style.borderId = self.workbook._borders.add(Border(**{side: _THIN for side in sides}))
            self.xfs[key] = known = self.workbook._cell_styles.add(style)
        return known


class SheetXml:
    """A sheet's rows and merged ranges, written as SpreadsheetML text (``<c>`` elements as
    openpyxl's cell writer has them: numbers ``%.16g``, text inline): a national workbook has
    tens of thousands of cells, and an openpyxl cell object, its styles and its merged range
    each cost more than writing the text. ``_InMemoryWriter`` puts it into the sheet's XML."""

    def __init__(self):
        self.cells: dict[int, list[tuple[int, str]]] = {}  # row → (column, <c> element)
        self.heights: dict[int, float] = {}
        self.merges: list[str] = []
        self.last_row = self.last_col = 1

    def put(self, row: int, col: int, value, xf: int) -> None:
        ref = f"{get_column_letter(col)}{row}"
        if value is None or value == "":
            text = f'<c r="{ref}" s="{xf}"/>'
        elif isinstance(value, str):
            space = ' xml:space="preserve"' if value != value.strip() else ""
            text = f'<c r="{ref}" s="{xf}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
        elif isinstance(value, bool):
            text = f'<c r="{ref}" s="{xf}" t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, int | float | Decimal):
            text = f'<c r="{ref}" s="{xf}" t="n"><v>{float(value):.16g}</v></c>'
        else:
            raise TypeError(f"a table cell holds {type(value).__name__}")  # layouts give none
        self.cells.setdefault(row, []).append((col, text))
        self.last_row, self.last_col = max(self.last_row, row), max(self.last_col, col)

    def merge(
        self, min_row: int, min_col: int, max_row: int, max_col: int, styles: "StyleCache | None"
    ) -> None:
        """A merged range; with ``styles``, its other cells on its edges take the border's sides."""
        self.merges.append(f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}")
        if styles is None:
            return
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                if row == min_row and col == min_col:
                    continue
                sides = tuple(
                    side
                    for side, on in (
                        ("left", col == min_col),
                        ("right", col == max_col),
                        ("top", row == min_row),
                        ("bottom", row == max_row),
                    )
                    if on
                )
                if sides:
                    self.put(row, col, None, styles.edge(sides))

    def sheet_data(self) -> str:
        rows = []
        for number in sorted(self.cells.keys() | self.heights.keys()):
            height = self.heights.get(number)
            attrs = f' ht="{float(height):.16g}" customHeight="1"' if height is not None else ""
            cells = "".join(text for _, text in sorted(self.cells.get(number, ())))
            rows.append(f'<row r="{number}"{attrs}>{cells}</row>')
        return f"<sheetData>{''.join(rows)}</sheetData>"

    def merge_cells(self) -> str:
        if not self.merges:
            return ""
        cells = "".join(f'<mergeCell ref="{ref}"/>' for ref in self.merges)
        return f'<mergeCells count="{len(self.merges)}">{cells}</mergeCells>'

    def dimension(self) -> str:
        return f"A1:{get_column_letter(self.last_col)}{self.last_row}"


def write_table(workbook: Workbook, table: Table, styles: StyleCache | None = None) -> None:
    """One sheet for ``table``; ``styles``: the workbook's StyleCache (one per workbook)."""
    styles = styles or StyleCache(workbook)
    ws = workbook.create_sheet(_unique(workbook, table.sheet))
    sheet = ws._portal_sheet = SheetXml()
    # One sheet for all the grids: each column as wide as the widest grid has it.
    widths = [max(column) for column in zip(*(grid.widths for grid in table.grids), strict=True)]
    ncols = len(widths)
    for i, twips in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = round(twips / TWIPS_PER_WIDTH_UNIT, 1)

    row_number = 1
    for text, font in ((table.title, TITLE_FONT), (table.subtitle, SUBTITLE_FONT)):
        if text:
            _banner(sheet, row_number, ncols, text, font, "center", styles)
            row_number += 1
    if table.unit:
        _banner(sheet, row_number, ncols, table.unit, BODY_FONT, "right", styles)
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
                _write_cell(sheet, row_number, col + 1, cell, total=row.total, styles=styles)
                if cell.span > 1 or cell.rows > 1:
                    sheet.merge(row_number, col + 1, row_number + cell.rows - 1, col + cell.span, styles)
                if cell.rows == 1:
                    lines = max(lines, _lines(cell, sum(widths[col : col + cell.span])))
            # Excel does not grow a row for wrapped text in merged cells: set the height.
            sheet.heights[row_number] = lines * LINE_HEIGHT + 4
            row_number += 1
    for note in table.notes:
        _banner(sheet, row_number, ncols, note, BODY_FONT, "left", styles)
        sheet.heights[row_number] = _lines(Cell(note), sum(widths)) * LINE_HEIGHT + 4
        row_number += 1

    first_table_row = 1 + bool(table.title) + bool(table.subtitle) + bool(table.unit)
    frozen = (header_rows[-1] + 1) if header_rows and header_rows[0] == first_table_row else first_table_row
    ws.freeze_panes = f"A{frozen}"
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[-1]}"
    _print_setup(ws, landscape=table.landscape)


def _banner(
    sheet: SheetXml, row: int, ncols: int, text: str, font: Font, align: str, styles: StyleCache
) -> None:
    value = clean_text(text)
    sheet.put(row, 1, value, styles.xf(font, align, border=None, quote=looks_like_formula(value)))
    if ncols > 1:
        sheet.merge(row, 1, row, ncols, None)  # no border to draw on its edges
    sheet.heights[row] = 24 if font is TITLE_FONT else 18


def _write_cell(
    sheet: SheetXml, row: int, column: int, cell: Cell, *, total: bool, styles: StyleCache
) -> None:
    value = cell_value(cell)
    font = HEAD_FONT if cell.head else (TOTAL_FONT if total else BODY_FONT)
    number_format = None
    if cell.kind == "money" and isinstance(cell.value, Decimal):
        number_format = money_number_format(cell.value)  # 2.472 keeps its 元
    elif cell.kind in FORMATS and value is not None:
        number_format = FORMATS[cell.kind]
    xf = styles.xf(
        font, cell.alignment, fill=cell.fill, number_format=number_format, quote=looks_like_formula(value)
    )
    sheet.put(row, column, value, xf)


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
    styles = StyleCache(workbook)
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
        xml = out.getvalue()
        sheet = getattr(ws, "_portal_sheet", None)
        if sheet is not None:  # a table's sheet: its rows and merged ranges as write_table wrote them
            xml = xml.replace(
                b'<dimension ref="A1:A1"/>', f'<dimension ref="{sheet.dimension()}"/>'.encode(), 1
            )
            xml = xml.replace(
                b"<sheetData></sheetData>", (sheet.sheet_data() + sheet.merge_cells()).encode(), 1
            )
        self._archive.writestr(ws.path[1:], xml)
        self.manifest.append(ws)


def _saved(workbook: Workbook) -> bytes:
    """``workbook.save`` (openpyxl.writer.excel.save_workbook) into memory."""
    buffer = BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    _InMemoryWriter(workbook, archive).save()
    return buffer.getvalue()
