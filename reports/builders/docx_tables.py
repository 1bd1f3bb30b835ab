"""Tables B–E in DOCX: the grids of layouts.py written as w:tbl XML.

Merged cells are written the way Word writes them: a cell over several columns carries
``<w:gridSpan>``, a cell over several rows is a ``<w:vMerge w:val="restart"/>`` cell followed
by ``<w:vMerge/>`` cells (same span) in the rows below. Header rows carry ``<w:tblHeader/>``
so that they repeat on every page; short rows carry ``<w:cantSplit/>``.
"""

from lxml import etree

from reports.builders.docx_base import (
    BODY_FONT,
    TABLE_HEAD_FONT,
    TABLE_SIZE,
    DocxWriter,
    lines_of,
    sub,
    text_run,
    w,
)
from reports.builders.layouts import Cell, Grid, Table, cell_text, tables_for
from reports.data import ReportData

_ALIGN = {"left": "left", "center": "center", "right": "right"}
# Rows whose text is longer than this may break across pages (a narrative of a page's length).
_CANT_SPLIT_UNDER = 120


def grid_xml(grid: Grid, *, size: int = TABLE_SIZE) -> etree._Element:
    tbl = etree.Element(w("tbl"))
    tblpr = sub(tbl, "tblPr")
    sub(tblpr, "tblW", w=sum(grid.widths), type="dxa")
    sub(tblpr, "jc", val="center")
    borders = sub(tblpr, "tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        sub(borders, edge, val="single", sz=4, space=0, color="000000")
    sub(tblpr, "tblLayout", type="fixed")
    margins = sub(tblpr, "tblCellMar")
    sub(margins, "left", w=57, type="dxa")
    sub(margins, "right", w=57, type="dxa")
    sub(
        tblpr, "tblLook", val="04A0", firstRow=1, lastRow=0, firstColumn=1, lastColumn=0, noHBand=0, noVBand=1
    )
    tblgrid = sub(tbl, "tblGrid")
    for width in grid.widths:
        sub(tblgrid, "gridCol", w=width)

    for row, placed in zip(grid.rows, grid.placed(), strict=True):
        tr = sub(tbl, "tr")
        trpr = sub(tr, "trPr")
        length = sum(len(cell_text(c)) for _, c, continued in placed if not continued)
        if row.header or length < _CANT_SPLIT_UNDER:
            sub(trpr, "cantSplit")
        if row.header:
            sub(trpr, "tblHeader")
        for col, cell, continued in placed:
            _cell_xml(tr, grid, col, cell, continued, bold=row.total, keep=row.header, size=size)
    return tbl


def _cell_xml(
    tr, grid: Grid, col: int, cell: Cell, continued: bool, *, bold: bool, keep: bool, size: int
) -> None:
    tc = sub(tr, "tc")
    tcpr = sub(tc, "tcPr")
    sub(tcpr, "tcW", w=sum(grid.widths[col : col + cell.span]), type="dxa")
    if cell.span > 1:
        sub(tcpr, "gridSpan", val=cell.span)
    if cell.rows > 1:
        if continued:
            sub(tcpr, "vMerge")
        else:
            sub(tcpr, "vMerge", val="restart")
    sub(tcpr, "vAlign", val="center")
    text = "" if continued else cell_text(cell)
    font = TABLE_HEAD_FONT if cell.head else BODY_FONT
    for line in lines_of(text):
        p = sub(tc, "p")
        ppr = sub(p, "pPr")
        sub(ppr, "pStyle", val="TableText")
        if keep:  # a header row stays with the first row under it
            sub(ppr, "keepNext")
        sub(ppr, "jc", val=_ALIGN[cell.alignment])
        if line:
            text_run(p, line, font=font, size=size, bold=bold and not cell.head)


def render_table(writer: DocxWriter, table: Table) -> None:
    """Caption, unit line, the grids (one after the other) and the notes under them."""
    writer.paragraph(table.title, "TableCaption")
    if table.subtitle:
        writer.paragraph(table.subtitle, "TableCaption", font="楷体_GB2312")
    if table.unit:
        writer.paragraph(table.unit, "TableNote", align="right")
    for i, grid in enumerate(table.grids):
        if i:
            # Two tables with nothing between them would be joined by Word; a 1 pt paragraph
            # keeps the indicator block a table of its own, so its header row can repeat.
            spacer = etree.Element(w("p"))
            ppr = sub(spacer, "pPr")
            sub(ppr, "pStyle", val="TableText")
            sub(ppr, "spacing", before=0, after=0, line=20, lineRule="exact")
            sub(sub(ppr, "rPr"), "sz", val=2)
            writer.append(spacer)
        writer.append(grid_xml(grid, size=table.font_size))
    for note in table.notes:
        writer.paragraph(note, "TableNote")


def draft_notice(writer: DocxWriter, data: ReportData) -> None:
    """A draft says so on its first page: the notice and details the command line and the file
    page give (reports.data: `ReportData.pending` is the one rule); a final document says nothing."""
    if not data.final:
        writer.review_notice(data.warnings)


def build_tables_docx(data: ReportData, kind: str) -> bytes:
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
    return writer.to_bytes()
