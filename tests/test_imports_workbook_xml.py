"""An uploaded workbook read straight from its XML (reports/imports/workbook_xml.py).

The workbooks here are written by hand, part by part, the way Excel, WPS and other programs
write them (and not by openpyxl, whose output is only one of the ways): rich-text and inline
strings, dates in both calendars, percentages, booleans, formulas and shared formulas, cells
without a reference, rows left out, a wrong dimension, a chart sheet. Every expected value is
what a person sees in the cell, typed here.
"""

import io
import zipfile
from datetime import date, datetime

import pytest

from reports.imports.base import ImportFailed, read_upload
from reports.imports.reading import cell_decimal, cell_text

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_TYPE = f"{REL}/worksheet"

# cellXfs: 0 General, 1 yyyy-mm-dd (custom 164), 2 0.00% (builtin 10), 3 m/d/yy (builtin 14)
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>
<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/><xf numFmtId="14"/></cellXfs>
</styleSheet>"""


def workbook(
    sheets: dict[str, str],
    *,
    strings: list[str] | None = None,
    date1904: bool = False,
    chart_sheet: str | None = None,
) -> bytes:
    """A workbook from raw sheet bodies ({title: the XML inside <sheetData>})."""
    parts: dict[str, str] = {}
    entries, relations = [], []
    for number, (title, body) in enumerate(sheets.items(), start=1):
        entries.append(f'<sheet name="{title}" sheetId="{number}" r:id="rId{number}"/>')
        relations.append(
            f'<Relationship Id="rId{number}" Type="{SHEET_TYPE}" Target="worksheets/sheet{number}.xml"/>'
        )
        parts[f"xl/worksheets/sheet{number}.xml"] = (
            body  # a whole part, as written
            if body.startswith("<!DOCTYPE")
            else f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}">{body}</worksheet>'
        )
    if chart_sheet:
        entries.insert(0, f'<sheet name="{chart_sheet}" sheetId="99" r:id="rId99"/>')
        relations.append(
            f'<Relationship Id="rId99" Type="{REL}/chartsheet" Target="chartsheets/sheet1.xml"/>'
        )
        parts["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{MAIN}"><sheetPr/></chartsheet>'
    relations.append(f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>')
    parts["xl/styles.xml"] = STYLES
    if strings is not None:
        relations.append(f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{"".join(strings)}</sst>'
    properties = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{properties}<sheets>{"".join(entries)}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PACKAGE_REL}">{"".join(relations)}</Relationships>'
    )
    parts["[Content_Types].xml"] = (
        f'<Types xmlns="{TYPES}"><Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def sheet_data(rows: str, extra: str = "") -> str:
    return f"<sheetData>{rows}</sheetData>{extra}"


def read(content: bytes):
    return read_upload(content, "附件1.xlsx", allow_csv=False)


def refusal(content: bytes) -> str:
    with pytest.raises(ImportFailed) as caught:
        read(content)
    return str(caught.value)


def test_shared_strings_with_rich_text_runs_and_inline_strings_read_as_shown():
    strings = [
        "<si><t>伊犁州</t></si>",
        "<si><r><rPr><b/></rPr><t>伊宁</t></r><r><t>市</t></r></si>",  # bold 伊宁 then 市
        "<si><t>霍城县</t><rPh><t>フリガナ</t></rPh></si>",  # a phonetic run is not the text
    ]
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>察布查尔县</t></is></c><c r="B2" t="s"><v>2</v></c></row>'
    )
    (sheet,) = read(workbook({"附件1": sheet_data(rows)}, strings=strings))
    assert sheet.title == "附件1"
    assert sheet.rows == [("伊犁州", "伊宁市"), ("察布查尔县", "霍城县")]


def test_numbers_keep_the_text_excel_stored_and_money_stays_exact():
    rows = '<row r="1"><c r="A1"><v>1234</v></c><c r="B1"><v>0.1</v></c><c r="C1"><v>12345.67</v></c><c r="D1"><v>1.5E3</v></c></row>'
    (sheet,) = read(workbook({"表": sheet_data(rows)}))
    assert sheet.rows == [(1234, 0.1, 12345.67, 1500.0)]
    assert [str(cell_decimal(value, what="金额")) for value in sheet.rows[0]] == [
        "1234.00",
        "0.10",
        "12345.67",
        "1500.00",
    ]


def test_dates_follow_the_cell_style_in_both_calendars():
    # 45658 is 2025-01-01 in the 1900 calendar; the same day is 44196 in the 1904 calendar.
    windows = '<row r="1"><c r="A1" s="1"><v>45658</v></c><c r="B1" s="3"><v>45292</v></c><c r="C1"><v>45658</v></c></row>'
    (sheet,) = read(workbook({"表": sheet_data(windows)}))
    assert sheet.rows == [(datetime(2025, 1, 1), datetime(2024, 1, 1), 45658)]
    assert cell_text(sheet.rows[0][0]) == "2025-01-01T00:00:00"
    mac = '<row r="1"><c r="A1" s="1"><v>44196</v></c></row>'
    (sheet,) = read(workbook({"表": sheet_data(mac)}, date1904=True))
    assert sheet.rows[0][0].date() == date(2025, 1, 1)


def test_a_percentage_comes_back_as_the_text_the_person_typed():
    rows = '<row r="1"><c r="A1" s="2"><v>0.95</v></c><c r="B1" s="2"><v>1</v></c><c r="C1" s="2"><v>0.0725</v></c></row>'
    (sheet,) = read(workbook({"表": sheet_data(rows)}))
    assert sheet.rows == [("95%", "100%", "7.25%")]


def test_booleans_errors_and_iso_dates():
    rows = (
        '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c>'
        '<c r="C1" t="e"><v>#N/A</v></c><c r="D1" t="d"><v>2024-12-31T00:00:00</v></c></row>'
    )
    (sheet,) = read(workbook({"表": sheet_data(rows)}))
    assert sheet.rows == [(True, False, "#N/A", datetime(2024, 12, 31))]
    assert [cell_text(v) for v in sheet.rows[0][:2]] == ["是", "否"]


def test_formulas_and_the_followers_of_a_shared_formula_are_refused_as_formulas():
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>'
        '<c r="C1"><f t="shared" ref="C1:C2" si="0">A1+B1</f><v>3</v></c></row>'
        '<row r="2"><c r="A2"><v>4</v></c><c r="B2"><v>5</v></c><c r="C2"><f t="shared" si="0"/><v>9</v></c></row>'
        '<row r="3"><c r="A3" t="str"><f>"伊宁"&amp;"市"</f><v>伊宁市</v></c></row>'
    )
    (sheet,) = read(workbook({"表": sheet_data(rows)}))
    assert sheet.rows[0][2] == "=A1+B1"
    assert sheet.rows[1][2] == "=A2+B2"  # the follower, translated from its first cell
    assert sheet.rows[2][0] == '="伊宁"&"市"'
    for value in (sheet.rows[0][2], sheet.rows[1][2], sheet.rows[2][0]):
        with pytest.raises(Exception, match="公式"):
            cell_decimal(value, what="金额")


def test_cells_and_rows_without_references_and_rows_left_out_keep_their_places():
    rows = (
        "<row><c><v>1</v></c><c><v>2</v></c></row>"  # no r on the row or its cells: row 1, A and B
        '<row r="4"><c r="C4"><v>3</v></c></row>'  # rows 2 and 3 left out, A4 and B4 left out
        "<row><c><v>5</v></c></row>"  # row 5, after the one before
    )
    (sheet,) = read(workbook({"表": sheet_data(rows)}))
    assert sheet.rows == [
        (1, 2, None),
        (None, None, None),
        (None, None, None),
        (None, None, 3),
        (5, None, None),
    ]


def test_a_wrong_dimension_does_not_cut_the_sheet_short():
    # Some programs write <dimension ref="A1"/> whatever the sheet holds; every row is read.
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>县{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in range(1, 6)
    )
    (sheet,) = read(workbook({"表": '<dimension ref="A1"/>' + sheet_data(rows)}))
    assert sheet.rows == [(f"县{n}", n) for n in range(1, 6)]


def test_escaped_control_characters_are_decoded_and_escaped_underscores_kept():
    strings = ["<si><t>伊犁州_x000B_伊宁市</t></si>", "<si><t>_x005F_x000B_字面</t></si>"]
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    (sheet,) = read(workbook({"表": sheet_data(rows)}, strings=strings))
    assert cell_text(sheet.rows[0][0]) == "伊犁州\n伊宁市"  # Word's line break, as a line break
    assert sheet.rows[0][1] == "_x000B_字面"  # Excel's escape of the literal text "_x000B_"


def test_chart_sheets_are_skipped_and_sheets_come_in_the_workbook_order():
    first = sheet_data('<row r="1"><c r="A1" t="inlineStr"><is><t>一</t></is></c></row>')
    second = sheet_data('<row r="1"><c r="A1" t="inlineStr"><is><t>二</t></is></c></row>')
    sheets = read(workbook({"附件1": first, "附件2": second}, chart_sheet="图表1"))
    assert [(s.title, s.rows) for s in sheets] == [("附件1", [("一",)]), ("附件2", [("二",)])]


def test_merged_ranges_are_noted():
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>合计</t></is></c><c r="C1"><v>7</v></c></row>'
    merges = '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
    (sheet,) = read(workbook({"表": sheet_data(rows, merges)}))
    assert sheet.rows == [("合计", None, 7)]
    assert sheet.merged == [(1, 1, 1, 2)]


def test_rows_numbered_past_the_limit_are_refused():
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="50001"><c r="A50001"><v>1</v></c></row>'
    assert "行数超过上限50000行" in refusal(workbook({"表": sheet_data(rows)}))


@pytest.mark.parametrize(
    "body",
    [
        '<sheetData><row r="1"><c r="A1"><v>1</v></c></row>',  # not closed
        '<sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row></sheetData>',  # no such string
    ],
    ids=["broken-xml", "missing-shared-string"],
)
def test_a_sheet_that_cannot_be_read_is_refused_in_chinese(body):
    assert "文件不是有效的Excel（.xlsx）工作簿" in refusal(workbook({"表": body}, strings=[]))


def test_an_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密", encoding="utf-8")
    body = (
        f'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c>'
        '<c r="B1"><v>1</v></c></row></sheetData></worksheet>'
    )
    (sheet,) = read(workbook({"表": body}))
    assert "机密" not in repr(sheet.rows)
    assert sheet.rows[0][1] == 1


def test_a_workbook_without_worksheets_is_refused():
    content = workbook({}, chart_sheet="图表1")
    assert "文件不是有效的Excel（.xlsx）工作簿" in refusal(content)
