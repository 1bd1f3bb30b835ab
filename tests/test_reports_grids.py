"""One layout grid written as DOCX and as XLSX and read back: every cell of the layout is in
both files where the layout puts it, with its text, its merge, its fill and its format.

The writers build these files in bulk (docx_tables writes a table as one string of XML, xlsx
reuses style ids and merges ranges itself); this reads them back with python-docx and openpyxl
and compares them with the grid, not with the writers' own code.
"""

import zipfile
from decimal import Decimal
from io import BytesIO

from docx import Document
from lxml import etree
from openpyxl import load_workbook

from reports.builders.docx_base import DocxWriter
from reports.builders.docx_tables import render_table
from reports.builders.layouts import Cell, Grid, Row, Table
from reports.builders.xlsx import tables_workbook

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
D = Decimal
TRICKY = "A&B <c> \"d\" 'e'"  # what XML must escape, in text and in attributes


def _grid() -> Grid:
    return Grid(
        widths=[1200, 1500, 1500, 1800],
        rows=[
            Row([Cell("一级指标", head=True, rows=2), Cell("预算与执行", head=True, span=3)], header=True),
            Row([Cell("全年预算数", head=True), Cell("执行数", head=True), Cell("执行率", head=True)], header=True),
            Row([Cell(TRICKY, rows=2), Cell(D("2.472"), "money"), Cell(D("1.50"), "money"), Cell(D("60.68"), "rate")]),
            Row([Cell("第一行\n第二行", span=2, fill="FFC000"), Cell("")]),
            Row([Cell("合计", head=True), Cell(D("3.972"), "money"), Cell(None, "money"), Cell(D("0"), "rate")], total=True),
        ],
    )  # fmt: skip


def _tables(size: int = 21) -> list[Table]:
    return [
        Table(
            "表1 测试表",
            "（副标题）",
            "表1",
            [_grid()],
            unit="单位：万元",
            notes=["注：说明。"],
            font_size=size,
        ),
        Table("表2 第二张", "", "表2", [_grid(), _grid()], font_size=18),
    ]


def _docx(tables: list[Table]):
    writer = DocxWriter()
    for table in tables:
        render_table(writer, table)
    return Document(BytesIO(writer.to_bytes()))


def _cells_of(tbl) -> list[list[tuple]]:
    """Each w:tc as (gridSpan, vMerge, fill, text, bold runs, sizes of runs)."""
    rows = []
    for tr in tbl.iter(f"{W}tr"):
        row = []
        for tc in tr.iter(f"{W}tc"):
            pr = tc.find(f"{W}tcPr")
            span = pr.find(f"{W}gridSpan")
            merge = pr.find(f"{W}vMerge")
            shd = pr.find(f"{W}shd")
            paragraphs = ["".join(t.text for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p")]
            runs = list(tc.iter(f"{W}r"))
            row.append(
                (
                    int(span.get(f"{W}val")) if span is not None else 1,
                    None if merge is None else (merge.get(f"{W}val") or "continue"),
                    shd.get(f"{W}fill") if shd is not None else "",
                    "\n".join(paragraphs),
                    any(r.find(f"{W}rPr/{W}b") is not None for r in runs),
                    {
                        r.find(f"{W}rPr/{W}sz").get(f"{W}val")
                        for r in runs
                        if r.find(f"{W}rPr/{W}sz") is not None
                    },
                )
            )
        rows.append(row)
    return rows


def test_docx_table_holds_every_cell_of_the_grid_with_its_merge():
    doc = _docx(_tables())
    tables = doc.element.body.findall(f"{W}tbl")
    assert len(tables) == 3  # 表1's grid, 表2's two grids
    first = _cells_of(tables[0])
    assert first[0] == [
        (1, "restart", "", "一级指标", False, set()),
        (3, None, "", "预算与执行", False, set()),
    ]
    assert [c[3] for c in first[1]] == ["", "全年预算数", "执行数", "执行率"]
    assert first[1][0][:2] == (1, "continue")  # 一级指标 merged down
    assert first[2][0] == (1, "restart", "", TRICKY, False, set())
    assert [c[3] for c in first[2][1:]] == ["2.472", "1.50", "60.68%"]
    assert first[3][0] == (1, "continue", "", "", False, set())
    assert first[3][1] == (2, None, "FFC000", "第一行\n第二行", False, set())
    total = first[4]
    assert [c[3] for c in total] == ["合计", "3.972", "", "0.00%"]
    assert [c[4] for c in total] == [False, True, False, True]  # bold figures, the label in its 黑体
    # header rows repeat on every page; the grid's columns add up to the table's width
    trs = tables[0].findall(f"{W}tr")
    assert [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs] == [True, True, False, False, False]
    widths = [int(c.get(f"{W}w")) for c in tables[0].iter(f"{W}gridCol")]
    assert sum(widths) == int(tables[0].find(f"{W}tblPr/{W}tblW").get(f"{W}w"))
    # a dense table (小五) says its size on every run of text
    dense = _cells_of(tables[1])
    assert {size for row in dense for cell in row for size in cell[5]} == {"18"}
    assert [c[3] for c in dense[2]] == [TRICKY, "2.472", "1.50", "60.68%"]
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == ["表1 测试表", "（副标题）", "单位：万元"] and "注：说明。" in texts


def test_docx_cells_of_equal_values_print_as_each_was_given():
    """The writer remembers the text of cells it has printed: a text cell of 1.50 after one of
    1.5 (equal numbers) still prints 1.50, and money of 2.5 and 2.50 both print 2.50."""
    grid = Grid(
        widths=[2000, 2000, 2000, 2000],
        rows=[
            Row([Cell(D("1.5")), Cell(D("1.50")), Cell(D("2.5"), "money"), Cell(D("2.50"), "money")]),
            Row([Cell(1), Cell(True), Cell("1"), Cell(D("0.0001"), "money")]),
        ],
    )
    doc = _docx([Table("表1 测试表", "", "表1", [grid])])
    cells = _cells_of(doc.element.body.find(f"{W}tbl"))
    assert [c[3] for c in cells[0]] == ["1.5", "1.50", "2.50", "2.50"]
    assert [c[3] for c in cells[1]] == ["1", "True", "1", "0.0001"]


def _written_borders(content: bytes, sheet: str) -> dict[str, set[str]]:
    """Each cell the sheet's XML writes with a style: the sides its border draws."""
    archive = zipfile.ZipFile(BytesIO(content))
    styles = etree.fromstring(archive.read("xl/styles.xml"))
    borders = [
        {side.tag.split("}")[1] for side in border if side.get("style")}
        for border in styles.find(f"{S}borders")
    ]
    xfs = [int(xf.get("borderId", 0)) for xf in styles.find(f"{S}cellXfs")]
    cells = etree.fromstring(archive.read(sheet)).iter(f"{S}c")
    return {c.get("r"): borders[xfs[int(c.get("s"))]] for c in cells if c.get("s")}


def test_xlsx_sheet_holds_every_cell_of_the_grid_with_its_merge_and_format():
    content = tables_workbook(_tables())
    book = load_workbook(BytesIO(content))
    assert book.sheetnames == ["表1", "表2"]
    ws = book["表1"]
    # title, subtitle, unit, five rows of the grid, the note
    assert [ws.cell(row=r, column=1).value for r in (1, 2, 3, 4, 6, 8, 9)] == [
        "表1 测试表",
        "（副标题）",
        "单位：万元",
        "一级指标",
        TRICKY,
        "合计",
        "注：说明。",
    ]
    assert {str(r) for r in ws.merged_cells.ranges} == {
        "A1:D1",
        "A2:D2",
        "A3:D3",
        "A4:A5",
        "B4:D4",
        "A6:A7",
        "B7:C7",
        "A9:D9",
    }
    figures = [(ws.cell(row=r, column=c).value, ws.cell(row=r, column=c).number_format) for r, c in
               ((6, 2), (6, 3), (6, 4), (8, 2), (8, 3), (8, 4))]  # fmt: skip
    assert [(D(str(v)) if v is not None else None, f) for v, f in figures] == [
        (D("2.472"), "0.000"),
        (D("1.5"), "0.00"),
        (D("0.6068"), "0.00%"),
        (D("3.972"), "0.000"),
        (None, "General"),
        (D("0"), "0.00%"),
    ]
    assert ws["B7"].value == "第一行\n第二行" and ws["B7"].fill.start_color.rgb.endswith("FFC000")
    assert ws["A4"].font.name == "黑体" and ws["A6"].font.name == "宋体" and ws["B8"].font.b
    assert not ws["B6"].font.b
    # the borders as written (openpyxl redraws a merged range's edges when it reads one back):
    # every cell of the grid has a style, the cells inside a merged range on its edges included
    drawn = _written_borders(content, "xl/worksheets/sheet1.xml")
    for row in range(4, 9):
        for column in "ABCD":
            assert f"{column}{row}" in drawn, f"{column}{row}"
    assert drawn["A4"] == {"left", "right", "top", "bottom"}
    assert {"right", "top"} <= drawn["D4"] and {"bottom", "left"} <= drawn["A5"]  # B4:D4's end, A4:A5's foot
    assert {"bottom", "right"} <= drawn["C7"] and "left" not in drawn["C7"]
    assert ws.print_title_rows == "$4:$5" and ws.freeze_panes == "A6"
    # the rows' heights as set (a title 24 pt, the unit 18, a row of one line 18.5, two 33) and
    # the sheet's extent as its XML states it
    assert [ws.row_dimensions[r].height for r in (1, 3, 4, 7)] == [24, 18, 18.5, 33]
    sheet_xml = etree.fromstring(zipfile.ZipFile(BytesIO(content)).read("xl/worksheets/sheet1.xml"))
    assert sheet_xml.find(f"{S}dimension").get("ref") == "A1:D9"
    second = book["表2"]
    assert {str(r) for r in second.merged_cells.ranges} >= {"A1:D1", "A2:A3", "A7:A8", "B2:D2", "B7:D7"}
