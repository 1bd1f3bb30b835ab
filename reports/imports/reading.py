"""Reading an upload safely: the file's kind by its content, the limits before loading, each
cell as what its column needs. Nothing here knows a layout (see headers) or writes (see plan).

The size is capped (``IMPORT_MAX_BYTES``), and so are what an XLSX unpacks to, its sheets,
rows and cells (``IMPORT_MAX_UNPACKED_BYTES``, ``IMPORT_MAX_SHEETS``, ``MAX_ROWS``,
``IMPORT_MAX_CELLS``), checked before and while streaming, never after loading; an XLSX is
recognised by its content (zip signature, then openpyxl must open it) and never by its name;
formulas are refused (the portal stores figures, not how somebody computed them); numbers are
read as the text Excel stored so that money stays ``Decimal``; CSV is decoded as UTF-8 (with
or without BOM) or GBK; control characters are cleaned from every cell.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings

from common.text import MAX_TEXT, clean_text

# A national province's 附件1 has some 30,000 county and unit rows; what a sheet may hold in
# memory is bounded by IMPORT_MAX_CELLS as well.
MAX_ROWS = 50_000
MONEY_LIMIT = Decimal("1e12")  # Allocation.amount: 14 digits, 2 of them decimals
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)


def describe_size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in the file; sheet, row (1-based) and column letter when it has a place."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}列")
        return "".join(parts)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` says where and why. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = list(errors)
        super().__init__("；".join(str(e) for e in self.errors[:5]))


class CellError(ValueError):
    """A cell that cannot be read as what its column needs (message in Chinese)."""


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A worksheet (or the CSV file) as raw values: ``rows[i][j]`` is row i+1, column j+1."""

    title: str
    rows: list[tuple]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min/max row, min/max col

    def value(self, row: int, col: int):
        """Value at 1-based row and column; None outside the used area."""
        if row < 1 or row > len(self.rows):
            return None
        cells = self.rows[row - 1]
        return cells[col - 1] if 0 < col <= len(cells) else None

    @property
    def is_empty(self) -> bool:
        return not any(cell_text(v) for row in self.rows for v in row)


def read_upload(content: bytes, filename: str, *, allow_csv: bool) -> list[Sheet]:
    """The sheets of an uploaded file, or ImportFailed saying why it cannot be read."""
    limit = max_bytes()
    if len(content) > limit:
        raise ImportFailed(
            [
                RowError(
                    f"文件大小为{describe_size(len(content))}，超过上限{describe_size(limit)}，请拆分后导入。"
                )
            ]
        )
    if not content:
        raise ImportFailed([RowError("文件是空的。")])
    if content.startswith(ZIP_SIGNATURE):
        return _read_xlsx(content)
    if content.startswith(OLE_SIGNATURE):
        raise ImportFailed([RowError("这是旧版Excel（.xls）文件，请在Excel中“另存为”.xlsx格式后再导入。")])
    if allow_csv and filename.lower().endswith((".csv", ".txt")):
        return [_read_csv(content, filename)]
    accepted = "Excel（.xlsx）或CSV" if allow_csv else "Excel（.xlsx）"
    raise ImportFailed([RowError(f"文件“{filename}”不是{accepted}文件（无论扩展名如何，内容无法识别）。")])


def max_unpacked_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024)


def max_cells() -> int:
    return getattr(settings, "IMPORT_MAX_CELLS", 200_000)


def max_sheets() -> int:
    return getattr(settings, "IMPORT_MAX_SHEETS", 20)


def _too_big(message: str, sheet: str = "") -> ImportFailed:
    return ImportFailed([RowError(message, sheet=sheet)])


def _read_xlsx(content: bytes) -> list[Sheet]:
    """The sheets of a workbook, with every limit checked before anything is loaded.

    A 200 KB file can unpack to gigabytes and millions of cells. First the zip directory is
    checked (entries, sheets, unpacked size) without inflating anything; then each sheet's XML
    is streamed by a C parser that only counts rows and cells (and notes merged ranges) and
    stops at the first one past a limit; only a workbook within every limit is read by
    openpyxl, in read-only (streaming) mode.
    """
    import openpyxl

    not_xlsx = ImportFailed([RowError("文件不是有效的Excel（.xlsx）工作簿，可能已损坏或只是改了扩展名。")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise not_xlsx
    unpacked = sum(info.file_size for info in infos)
    limit = max_unpacked_bytes()
    if unpacked > limit or len(infos) > 10_000:
        raise _too_big(
            f"文件解压后为{describe_size(unpacked)}，超过上限{describe_size(limit)}，无法导入。"
            "请删除无关的工作表、图片和格式后重试，或拆分为几个文件。"
        )
    sheet_parts = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if len(sheet_parts) > max_sheets():
        raise _too_big(
            f"工作簿有{len(sheet_parts)}个工作表，超过上限{max_sheets()}个，请删除无关的工作表后重试。"
        )
    try:
        merges = _scan_sheets(archive, sheet_parts)
    except ImportFailed:
        raise
    except Exception:  # XML that does not parse
        raise not_xlsx from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=False, read_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; all mean the same here
        raise not_xlsx from None
    sheets = []
    try:
        for ws in workbook.worksheets:
            rows = [tuple(_value(cell) for cell in row) for row in ws.iter_rows()]
            path = (getattr(ws, "_worksheet_path", "") or "").lstrip("/")
            sheets.append(Sheet(ws.title, _trim(rows), merges.get(path, [])))
    except Exception:  # a sheet that cannot be parsed
        raise not_xlsx from None
    finally:
        workbook.close()
    return sheets


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _scan_sheets(archive: zipfile.ZipFile, parts: list[str]) -> dict[str, list]:
    """Count the rows and cells of every sheet, streaming; note the merged ranges.

    Stops with ImportFailed at the first row or cell past the limits; keeps no element.
    """
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    cells_left = max_cells()
    merges: dict[str, list] = {}
    for part in parts:
        rows, merged = 0, []
        with archive.open(part) as source:
            events = etree.iterparse(
                source,
                events=("end",),
                tag=(f"{_MAIN}row", f"{_MAIN}mergeCell"),
                resolve_entities=False,
                no_network=True,
            )
            for _, element in events:
                if element.tag == f"{_MAIN}row":
                    rows += 1
                    cells_left -= len(element)
                    if rows > MAX_ROWS:
                        raise _too_big(f"工作表的行数超过上限{MAX_ROWS}行，请拆分后导入。", _title(part))
                    if cells_left < 0:
                        raise _too_big(
                            f"单元格数量超过上限{max_cells():,}个（含空白但带格式的单元格），"
                            "请删除无关的行、列或工作表后重试，或拆分为几个文件。"
                        )
                else:
                    ref = element.get("ref", "")
                    if ":" in ref:
                        min_col, min_row, max_col, max_row = range_boundaries(ref)
                        merged.append((min_row, max_row, min_col, max_col))
                    if len(merged) > MAX_ROWS:
                        raise _too_big(f"合并单元格超过{MAX_ROWS}处，无法导入。", _title(part))
                element.clear()
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
        merges[part] = merged
    return merges


def _title(part: str) -> str:
    return part.rsplit("/", 1)[-1].removesuffix(".xml")


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_control(match) -> str:
    code = int(match.group(1), 16)
    return chr(code) if code < 0x20 or code in (0xFFFE, 0xFFFF) else match.group(0)


class FormulaText(str):
    """A cell that held a formula (its text, from "="): refused where a value is needed.

    Text that merely starts with "=" in a text cell (as the portal's own downloads write it)
    is a plain str and is read as the text it is.
    """


def _value(cell):
    """A cell's value; a number shown as a percentage comes back as the text the person saw.

    Typing 95% into Excel stores 0.95: read as a number it would be a different indicator
    value, so it is turned back into "95%". A formula cell comes back as FormulaText.
    """
    value = cell.value
    if getattr(cell, "data_type", None) == "f" and isinstance(value, str):
        return FormulaText(value)
    if isinstance(value, str) and "_x" in value:
        # Excel stores a control character (Word's line break, U+000B) as _x000B_; openpyxl
        # hands the escape over as it is. Decoded here, cell_text then normalises it.
        value = _XML_ESCAPE.sub(_unescape_control, value)
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        percent = (Decimal(_float_text(float(value))) * 100).normalize()
        return f"{percent:f}%"
    return value


def _read_csv(content: bytes, filename: str) -> Sheet:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads every GBK file
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise ImportFailed([RowError(f"CSV文件“{filename}”的编码无法识别，请保存为UTF-8或GBK编码的CSV。")])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows, cells_left = [], max_cells()
    for row in csv.reader(io.StringIO(text), dialect):
        cells_left -= len(row)
        if len(rows) >= MAX_ROWS or cells_left < 0:
            raise _too_big(f"行数或单元格数量超过上限（{MAX_ROWS}行、{max_cells():,}个单元格）。", filename)
        # A spreadsheet runs "=…" in a CSV as a formula: refuse it like one.
        rows.append(tuple(FormulaText(v) if v.startswith("=") else v for v in row))
    return Sheet(filename, _trim(rows))


def _trim(rows: list[tuple]) -> list[tuple]:
    """Drop trailing empty rows (formatting often reaches far below the data)."""
    while rows and not any(cell_text(v) for v in rows[-1]):
        rows.pop()
    return rows


# --- cells ------------------------------------------------------------------------------------


def is_formula(value) -> bool:
    if isinstance(value, FormulaText):
        return True
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


def cell_text(value) -> str:
    """A cell as text: blank for None, numbers as Excel shows them, strings stripped.

    Control characters are normalised here, at the door (evalportal/text.py): Word's line
    break becomes a line break, characters no document can hold are dropped.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return clean_text(str(value)).strip()


def _float_text(value: float) -> str:
    # repr is the shortest text that reads back as the same float: what Excel stored.
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def cell_decimal(
    value, *, places: int = 2, allow_negative: bool = True, what: str = "金额"
) -> Decimal | None:
    """A money cell as Decimal (None when blank). Raises CellError with a Chinese message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if is_formula(value):
        raise CellError(f"单元格是公式（{cell_text(value)[:40]}），请复制后“选择性粘贴为数值”再导入。")
    if isinstance(value, bool) or isinstance(value, datetime | date | time):
        raise CellError(f"{what}应为数字，这里是“{cell_text(value)}”。")
    if isinstance(value, int | float | Decimal):
        text = _float_text(value) if isinstance(value, float) else str(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("−", "-").replace("－", "-")
        if not _NUMBER.fullmatch(text):
            raise CellError(f"{what}应为数字，这里是文字“{str(value).strip()[:40]}”。")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{what}应为数字，这里是“{text[:40]}”。") from None
    if not number.is_finite() or abs(number) >= MONEY_LIMIT:
        raise CellError(f"{what}“{text[:40]}”超出可接受的范围。")
    step = Decimal(1).scaleb(-places)
    rounded = number.quantize(step)
    if rounded != number:
        # A float pasted from a formula carries binary noise (5586.299999999999); a typed
        # third decimal (12.345) is a real figure that must not be rounded away.
        noise = isinstance(value, float) and abs(rounded - number) <= Decimal("1e-9") * max(1, abs(number))
        if not noise:
            raise CellError(f"{what}{text}超过{places}位小数（金额以万元为单位）。")
    if not allow_negative and rounded < 0:
        raise CellError(f"{what}不能为负数（{text}）。")
    return rounded


def cell_string(value, *, what: str, max_length: int | None = MAX_TEXT) -> str:
    """A text cell; a formula is refused, a number is taken as Excel shows it.

    Text is at most ``max_length`` characters, by default what a spreadsheet cell holds, so
    that every export can print it whole.
    """
    if is_formula(value):
        raise CellError(f"{what}单元格是公式（{cell_text(value)[:40]}），请改为直接填写文字。")
    text = cell_text(value)
    limit = MAX_TEXT if max_length is None else min(max_length, MAX_TEXT)
    if len(text) > limit:
        raise CellError(f"{what}过长（{len(text)}字），最多{limit}字。")
    return text


def squash(text: str) -> str:
    """Compare labels without spaces and with full-width brackets (documents mix both)."""
    return "".join(text.split()).replace("(", "（").replace(")", "）").rstrip("：:")
