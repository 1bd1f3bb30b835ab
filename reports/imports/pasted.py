"""Pasted text and Word documents read as sheets: a table a person copies out of a notice.

Text copied from Excel or from a Word table arrives one row a line, cells separated by tabs
(Excel quotes a cell that holds a line break). Text that other tools extract from a Word
document (seed 000) has one cell a line, each opened by a tab, rows separated by blank lines,
and a cell's further lines without a tab. Either way the result is one ``Sheet`` whose row *i*
is line *i* of the text (a row of several lines sits at its first line, the lines it continues
over are empty), so that an error names the line the person sees in the text box.

A Word document (.docx) gives one sheet per table, ``表格1``, ``表格2`` …, with the paragraphs
just above it (the title, ``（2024年度 乌鲁木齐市）``) as its heading. A merged cell is read the
way Excel pastes one: its text in the first cell, the cells it covers blank (python-docx
itself repeats the text in every one of them).

Limits as for workbooks: the upload size, rows and cells; a .docx's zip directory is checked
before anything is inflated.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from reports.imports.reading import (
    MAX_ROWS,
    OLE_SIGNATURE,
    ZIP_SIGNATURE,
    ImportFailed,
    RowError,
    Sheet,
    cell_text,
    describe_size,
    max_bytes,
    max_cells,
    max_unpacked_bytes,
)

HEADING_PARAGRAPHS = 4  # the paragraphs above a Word table that may name it
QUOTED_ROW_LINES = 20  # an Excel-quoted cell spans a few lines; more means a stray quote


@dataclass
class TextSheet(Sheet):
    """A sheet read from text or from a Word table; ``heading``: the paragraphs above it."""

    heading: list[str] = field(default_factory=list)


def read_pasted(content: bytes, filename: str) -> list[Sheet]:
    """The sheets of pasted text (UTF-8) or of an uploaded Word document."""
    limit = max_bytes()
    if len(content) > limit:
        raise ImportFailed(
            [RowError(f"内容大小为{describe_size(len(content))}，超过上限{describe_size(limit)}。")]
        )
    if content.startswith(ZIP_SIGNATURE):
        return read_docx(content)
    if content.startswith(OLE_SIGNATURE):
        raise ImportFailed([RowError("这是旧版Word（.doc）文件，请在Word中“另存为”.docx格式后再上传。")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed([RowError(f"“{filename}”不是文本，也不是Word（.docx）文件。")])
    if "\x00" in text:
        raise ImportFailed([RowError(f"“{filename}”不是文本，也不是Word（.docx）文件。")])
    return [read_text(text)]


def read_text(text: str) -> TextSheet:
    """Pasted text as one sheet, row *i* = line *i*."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_ROWS:
        raise ImportFailed([RowError(f"粘贴的内容超过{MAX_ROWS}行，请只粘贴目标表。")])
    if not any(line.strip() for line in lines):
        raise ImportFailed([RowError("没有粘贴任何内容。")])
    rows = _cell_per_line(lines) if _is_cell_per_line(lines) else _tab_separated(lines)
    if sum(len(row) for row in rows) > max_cells():
        raise ImportFailed([RowError(f"粘贴的内容超过{max_cells():,}个单元格，请只粘贴目标表。")])
    return TextSheet("", [tuple(cell_text(cell) for cell in row) for row in rows])


def _is_cell_per_line(lines: list[str]) -> bool:
    """One cell a line: some lines open with a tab, and no line holds a second one."""
    return any(line.startswith("\t") for line in lines) and all("\t" not in line[1:] for line in lines)


def _cell_per_line(lines: list[str]) -> list[tuple]:
    rows: list[tuple] = [() for _ in lines]
    cells: list[str] | None = None
    start = 0
    for index, line in enumerate(lines):
        if line.startswith("\t"):
            if cells is None:
                cells, start = [], index
            cells.append(line[1:])
        elif not line.strip():  # a blank line ends the row
            if cells is not None:
                rows[start], cells = tuple(cells), None
        elif cells:  # the cell above goes on
            cells[-1] += "\n" + line
        else:  # a line outside the table (its title): a row of its own
            rows[index] = (line,)
    if cells is not None:
        rows[start] = tuple(cells)
    return rows


def _tab_separated(lines: list[str]) -> list[tuple]:
    """One row a line; a cell Excel quoted (it holds line breaks or quotes) may span lines."""
    if not any(cell.startswith('"') for line in lines for cell in line.split("\t")):
        return [tuple(line.split("\t")) for line in lines]
    rows: list[tuple] = [() for _ in lines]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter="\t", quotechar='"')
    done = 0
    try:
        for record in reader:
            if reader.line_num - done > QUOTED_ROW_LINES:
                raise csv.Error("a stray quote")
            rows[done] = tuple(record)
            done = reader.line_num
    except csv.Error:  # a quote that opens a cell and never closes: read the quotes as text
        return [tuple(line.split("\t")) for line in lines]
    return rows


# --- Word -------------------------------------------------------------------------------------


def read_docx(content: bytes) -> list[Sheet]:
    """Every table of a .docx, in document order, with the paragraphs above it."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    not_docx = ImportFailed([RowError("文件不是有效的Word（.docx）文档，可能已损坏或只是改了扩展名。")])
    try:
        infos = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_docx from None
    if "word/document.xml" not in {info.filename for info in infos}:
        raise not_docx
    unpacked = sum(info.file_size for info in infos)
    if unpacked > max_unpacked_bytes() or len(infos) > 10_000:
        raise ImportFailed(
            [
                RowError(
                    f"文件解压后为{describe_size(unpacked)}，超过上限{describe_size(max_unpacked_bytes())}。"
                )
            ]
        )
    try:
        body = docx.Document(io.BytesIO(content)).element.body
    except Exception:  # python-docx raises many kinds for a broken file; all mean the same here
        raise not_docx from None

    def text_of(paragraph) -> str:
        return Paragraph(paragraph, None).text

    sheets: list[Sheet] = []
    heading: list[str] = []
    rows_left, cells_left = MAX_ROWS, max_cells()
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            if text := text_of(child).strip():
                heading = [*heading, text][-HEADING_PARAGRAPHS:]
            continue
        if child.tag != qn("w:tbl"):
            continue
        rows = []
        for tr in child.iterchildren(qn("w:tr")):
            cells: list[str] = []
            for tc in tr.iterchildren(qn("w:tc")):
                continues = tc.vMerge == "continue"  # a cell a vertical merge covers
                text = "" if continues else "\n".join(text_of(p) for p in tc.iterchildren(qn("w:p")))
                cells += [text] + [""] * (tc.grid_span - 1)  # a horizontal merge: the rest blank
            rows.append(tuple(cell_text(cell) for cell in cells))
            rows_left -= 1
            cells_left -= len(cells)
            if rows_left < 0 or cells_left < 0:
                raise ImportFailed(
                    [RowError(f"文档的表格超过{MAX_ROWS}行或{max_cells():,}个单元格，无法导入。")]
                )
        sheets.append(TextSheet(f"表格{len(sheets) + 1}", rows, heading=heading))
        heading = []
    if not sheets:
        raise ImportFailed([RowError("Word文档中没有表格：请上传含绩效目标表的通知。")])
    return sheets
