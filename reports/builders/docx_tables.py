"""Tables B–E in DOCX: the grids of layouts.py written as w:tbl XML.

Merged cells are written the way Word writes them: a cell over several columns carries
``<w:gridSpan>``, a cell over several rows is a ``<w:vMerge w:val="restart"/>`` cell followed
by ``<w:vMerge/>`` cells (same span) in the rows below.

Print layout: a table fills the text width of the reference's page (its columns scaled to it);
header rows carry ``<w:tblHeader/>`` so that they repeat on every page, and short rows
``<w:cantSplit/>``; a caption, its subtitle and 单位：万元 keep with the table (their styles'
keepNext), the header rows with the first row, and the last rows with each other, so that no
page holds a header and a row or two. A table marked ``keep_together`` (a 区域绩效目标表) keeps
all its rows together: it starts on a new page rather than leave two rows on one of their own,
unless it is longer than a page. A short label (一级指标, 全年预算数) is broken into balanced
lines where it does not fit its column (数量指标, 满意度/指标), never with one character alone.
"""

import math
from functools import lru_cache
from typing import NamedTuple
from xml.sax.saxutils import escape

from lxml import etree

from common.text import clean_text
from reports.builders.docx_base import (
    TABLE_SIZE,
    W_NS,
    DocxWriter,
    Properties,
    balanced_lines,
    lines_of,
    run_start,
    sub,
    text_width,
    w,
    xml_attr,
)
from reports.builders.layouts import Cell, Grid, Table, cell_text, tables_for
from reports.data import ReportData

_ALIGN = {"left": "left", "center": "center", "right": "right"}
# A row of more lines than this may break across pages (paragraph widow control leaves two
# lines at least on each side), so that long narratives fill their pages; a shorter one moves
# to the next page whole. The last rows of a table stay on one page together where they hold
# no more than _KEEP_LAST_LINES lines between them (a third of an A4 page of 五号).
_ROW_LINES_MAX = 8
_KEEP_LAST = 3
_KEEP_LAST_LINES = 15
_CELL_MARGIN = 57  # twips, left and right
# A label longer than this many lines of its column is text, not a label: it wraps as it comes.
_LABEL_LINES = 3


def grid_xml(
    grid: Grid,
    *,
    size: int = TABLE_SIZE,
    width: int | None = None,
    keep: bool = False,
    styles: tuple[str, str] = ("TableHead", "TableText"),
    measured: "Measured | None" = None,
) -> etree._Element:
    """One grid as a w:tbl element (``grid_wordml`` parsed), for a caller that works on it."""
    xml = grid_wordml(grid, size=size, width=width, keep=keep, styles=styles, measured=measured)
    return etree.fromstring(xml.replace(b"<w:tbl>", f'<w:tbl xmlns:w="{W_NS}">'.encode(), 1))


def grid_wordml(
    grid: Grid,
    *,
    size: int = TABLE_SIZE,
    width: int | None = None,
    keep: bool = False,
    styles: tuple[str, str] = ("TableHead", "TableText"),
    measured: "Measured | None" = None,
) -> bytes:
    """One grid as a w:tbl, ``width`` wide (the columns scaled to it); ``keep``: all its rows on
    one page where they fit; ``styles``: the ids of the head and text styles of the reference;
    ``measured``: the grid as ``measure`` gives it, where the caller has measured it already.

    The table is written as WordprocessingML in UTF-8 (in the w: prefix of the document, which
    declares it), as lxml serialises it: the writer puts it into document.xml as it is
    (``DocxWriter.append_xml``); each different cell is encoded once (``_cell_xml``). An lxml
    call per element (tens of thousands in a national report), then serialising them, cost
    more than the rest of the document. Every text passes ``escape``."""
    widths, all_cells, heights = measured or measure(grid, width, size)
    head = [
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>',
        *(
            f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
        ),
        '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar>'
        f'<w:left w:w="{_CELL_MARGIN}" w:type="dxa"/><w:right w:w="{_CELL_MARGIN}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{column}"/>' for column in widths),
        "</w:tblGrid>",
    ]
    parts = ["".join(head).encode()]

    count = len(grid.rows)
    # keepNext on a row's paragraphs keeps it on the page of the row below: the whole table
    # (``keep``), or the last rows where they are short enough to move to the next page together.
    keep_from = count - 1
    if keep:
        keep_from = 0
    elif sum(heights[-_KEEP_LAST:]) <= _KEEP_LAST_LINES:
        keep_from = max(0, count - _KEEP_LAST)
    for number, (row, cells) in enumerate(zip(grid.rows, all_cells, strict=True)):
        cant_split = "<w:cantSplit/>" if row.header or keep or heights[number] <= _ROW_LINES_MAX else ""
        properties = cant_split + ("<w:tblHeader/>" if row.header else "")
        parts.append(_row_start(properties))
        # A row of labels only (总体目标 | 全年实际完成情况) stays with the row it heads.
        labels = all(cell.head for _, cell, continued, _ in cells if not continued)
        with_next = number < count - 1 and (row.header or labels or number >= keep_from)
        bold = row.total
        parts += [
            _cell_xml(
                lines,
                cell_width,
                cell.span,
                cell.rows,
                continued,
                cell.fill,
                cell.head,
                cell.alignment,
                bold,
                with_next,
                size,
                styles,
            )
            for cell_width, cell, continued, lines in cells
        ]
        parts.append(b"</w:tr>")
    parts.append(b"</w:tbl>")
    return b"".join(parts)


@lru_cache(maxsize=8)
def _row_start(properties: str) -> bytes:
    return (f"<w:tr><w:trPr>{properties}</w:trPr>" if properties else "<w:tr><w:trPr/>").encode()


def _scaled(widths: list[int], width: int | None) -> list[int]:
    """The columns scaled to ``width`` (the reference's text width), the rounding in the last."""
    if not width or sum(widths) == width:
        return widths
    scale = width / sum(widths)
    scaled = [round(x * scale) for x in widths]
    scaled[-1] += width - sum(scaled)
    return scaled


def _fits_one_page(writer: DocxWriter, heights: list[list[int]]) -> bool:
    """Whether the table and its caption fit one page, by an estimate of the lines its rows wrap
    to (``heights``: each grid's rows', from ``measure``). A table kept together that does not
    fit would leave its caption alone at the bottom of a page; one that may split starts under
    its caption (and keeps its last rows together)."""
    reference = writer.reference
    height = 3 * reference.caption_line  # caption, subtitle and the space before them
    for rows in heights:
        # each row: its lines, and its border
        height += sum(lines * reference.table_line + 12 for lines in rows)
    return height <= reference.text_height


class Measured(NamedTuple):
    """A grid measured for a page: what the page estimate and the writer both read."""

    widths: list[int]  # the columns scaled to the page
    # each row's cells as (width in twips, cell, continued, lines of text) in the order of
    # Grid.placed(); a cell merged down from the row above has the lines ("",)
    cells: list[list[tuple[int, Cell, bool, tuple[str, ...]]]]
    heights: list[int]  # the lines each row wraps to


_MERGED = ("",)


def measure(grid: Grid, width: int | None, size: int) -> Measured:
    """The grid with its columns scaled to ``width``, each cell's width and its text split into
    lines once, and the lines each row wraps to (its tallest cell, cells merged down not
    counted)."""
    widths = _scaled(grid.widths, width)
    all_cells, heights = [], []
    for row in grid.placed():
        cells, tallest = [], 1
        for col, cell, continued in row:
            span = cell.span
            cell_width = widths[col] if span == 1 else sum(widths[col : col + span])
            if continued:
                cells.append((cell_width, cell, True, _MERGED))
                continue
            lines = _lines(cell)
            cells.append((cell_width, cell, False, lines))
            if cell.rows == 1:
                tallest = max(tallest, _wrapped(lines, cell_width, size))
        all_cells.append(cells)
        heights.append(tallest)
    return Measured(widths, all_cells, heights)


def _lines(cell: Cell) -> tuple[str, ...]:
    """A cell's text as ``cell_text`` prints it, split into lines (``lines_of``)."""
    if cell.kind == "text":
        return _split(cell_text(cell))  # by the text itself: 1.5 and 1.50 are equal numbers
    try:
        return _figure_lines(cell.kind, type(cell.value), cell.value)
    except TypeError:  # a value that cannot be a key
        return tuple(lines_of(cell_text(cell)))


@lru_cache(maxsize=16384)
def _split(text: str) -> tuple[str, ...]:
    """A text's lines, remembered: the regional tables of a report repeat their labels and
    indicators."""
    return tuple(lines_of(text))


@lru_cache(maxsize=16384)
def _figure_lines(kind: str, value_type: type, value: object) -> tuple[str, ...]:
    """The lines of a figure printed as ``kind`` (money, a rate, a score), remembered: equal
    amounts print the same (``wan_cell`` shows as many places as the 元 need), and a type is a
    key of its own (1 and True are equal keys, not the same figure)."""
    return tuple(lines_of(cell_text(Cell(value, kind))))


@lru_cache(maxsize=256)
def _per_line(width: int, size: int) -> int:
    """Characters of ``size`` (half-points) on one line of a cell ``width`` twips wide."""
    return max(1, math.floor((width - 2 * _CELL_MARGIN - 20) / (size * 10)))


@lru_cache(maxsize=8192)
def _wrapped(text: tuple[str, ...], width: int, size: int) -> int:
    """The lines a cell's text wraps to in a column ``width`` twips wide (the 15 regional tables
    of a report repeat their labels and indicators in the same columns)."""
    per_line = _per_line(width, size)
    return sum(max(1, math.ceil(text_width(line) / per_line)) for line in text)


@lru_cache(maxsize=8192)
def _cell_xml(
    lines: tuple[str, ...],
    width: int,
    span: int,
    rows: int,
    continued: bool,
    fill: str,
    head: bool,
    alignment: str,
    bold: bool,
    keep: bool,
    size: int,
    styles: tuple[str, str],
) -> bytes:
    """One w:tc as UTF-8 text (its runs as ``docx_base.run_xml`` writes them) of a cell with ``lines`` of
    text (``measure``), ``width`` twips wide, over ``span`` columns and ``rows`` rows, in a
    ``bold`` (合计) row, kept with the next row or not. Remembered: a report of 3,000 cells holds
    some 800 different ones (its regional tables repeat labels, indicators and figures)."""
    parts = [f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>']
    if span > 1:
        parts.append(f'<w:gridSpan w:val="{span}"/>')
    if rows > 1:
        parts.append("<w:vMerge/>" if continued else '<w:vMerge w:val="restart"/>')
    if fill:
        parts.append(f'<w:shd w:val="clear" w:color="auto" w:fill={xml_attr(fill)}/>')
    parts.append('<w:vAlign w:val="center"/></w:tcPr>')
    if len(lines) == 1 and not continued and (head or alignment == "center"):
        # A label: balanced lines rather than 数量指 / 标.
        lines = _label_lines(lines[0], _per_line(width, size))
    own_size = size if size != TABLE_SIZE else None  # dense tables (小五) say so on each run
    ppr = _paragraph_properties(styles[0] if head else styles[1], keep, _ALIGN[alignment])
    run = run_start(size=own_size, bold=bold and not head)
    for line in lines:
        parts.append(ppr)
        if line:
            # run_xml's, one line of a cell holding no line break (lines_of split them)
            parts.append(f'{run}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>')
        parts.append("</w:p>")
    parts.append("</w:tc>")
    return "".join(parts).encode()


@lru_cache(maxsize=1024)
def _label_lines(text: str, per_line: int) -> tuple[str, ...]:
    """A one-line label's lines at ``per_line`` characters (widths in characters of its size):
    broken into balanced lines only where wrapping would leave one character alone (数量指 /
    标); elsewhere a label wraps as it comes and reads the same as typed."""
    width = text_width(text)
    if width <= per_line * _LABEL_LINES and per_line < width and (width - 1) % per_line < 1:
        return tuple(clean_text(line) if line else line for line in balanced_lines(text, per_line))
    return (clean_text(text),)


@lru_cache(maxsize=64)
def _paragraph_properties(style: str, keep: bool, align: str) -> str:
    keep_next = "<w:keepNext/>" if keep else ""
    return f'<w:p><w:pPr><w:pStyle w:val={xml_attr(style)}/>{keep_next}<w:jc w:val="{align}"/></w:pPr>'


def render_table(writer: DocxWriter, table: Table) -> None:
    """Caption, unit line, the grids (one after the other) and the notes under them. (The
    sentence before, “…如下：”, does not keep with the table: LibreOffice then leaves the caption
    alone on the page before a table kept together.)"""
    writer.title_lines([table.title], "TableCaption")
    if table.subtitle:
        writer.paragraph(table.subtitle, "TableSubtitle")
    if table.unit:
        writer.paragraph(table.unit, "TableUnit")
    measured = [measure(grid, writer.text_width, table.font_size) for grid in table.grids]
    keep = table.keep_together and _fits_one_page(writer, [m.heights for m in measured])
    for i, grid in enumerate(table.grids):
        if i:
            # Two tables with nothing between them would be joined by Word; a 1 pt paragraph
            # keeps the indicator block a table of its own, so its header row can repeat.
            spacer = etree.Element(w("p"))
            ppr = sub(spacer, "pPr")
            sub(ppr, "pStyle", val=writer.style_id("TableText"))
            sub(ppr, "keepNext")
            sub(ppr, "spacing", before=0, after=0, line=20, lineRule="exact")
            sub(sub(ppr, "rPr"), "sz", val=2)
            writer.append(spacer)
        styles = (writer.style_id("TableHead"), writer.style_id("TableText"))
        grid = grid_wordml(
            grid,
            size=table.font_size,
            width=writer.text_width,
            keep=keep,
            styles=styles,
            measured=measured[i],
        )
        writer.append_xml(grid)
    for note in table.notes:
        writer.paragraph(note, "TableNote")


def draft_notice(writer: DocxWriter, data: ReportData) -> None:
    """A draft says so on its first page: the notice and details the command line and the file
    page give (reports.data: `ReportData.pending` is the one rule); a final document says nothing."""
    if not data.final:
        writer.review_notice([w for w in data.warnings if w not in data.staff_notes])


def build_tables_docx(data: ReportData, kind: str, properties: Properties | None = None) -> bytes:
    """A document holding only the tables of one kind (b, b_scored, c, d, e)."""
    tables = tables_for(data, kind)
    writer = DocxWriter()
    draft_notice(writer, data)
    if not tables:
        writer.paragraph(f"{data.region_name}{data.fund_name}：本级没有可生成的该类表格。")
    for i, table in enumerate(tables):
        if i:
            writer.page_break()
        render_table(writer, table)
    return writer.to_bytes(properties)
