"""Reading an upload safely: the file's kind by its content, the limits before loading, each
cell as what its column needs. Nothing here knows a layout (see headers) or writes (see plan).

The size is capped (``IMPORT_MAX_BYTES``), and so are what an XLSX unpacks to, its sheets,
rows and cells (``IMPORT_MAX_UNPACKED_BYTES``, ``IMPORT_MAX_SHEETS``, ``MAX_ROWS``,
``IMPORT_MAX_CELLS``), checked before and while streaming, never after loading; an XLSX is
recognised by its content (zip signature, then its workbook and sheets must parse) and never by
its name; formulas are refused (the portal stores figures, not how somebody computed them);
numbers are read as the text Excel stored so that money stays ``Decimal``; CSV is decoded as
UTF-8 (with or without BOM) or GBK; control characters are cleaned from every cell.
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
    """The sheets of a workbook, with every limit checked before or while anything is read.

    A 200 KB file can unpack to gigabytes and millions of cells. First the zip directory is
    checked (entries, sheets, unpacked size) without inflating anything; then each sheet's XML
    is streamed by a C parser (``workbook_xml``) that counts its rows and cells as it reads
    them and stops at the first one past a limit, so what is held never exceeds the limits.
    """
    from reports.imports.workbook_xml import Limit, Workbook

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
    sheets, cells_left = [], max_cells()
    try:
        workbook = Workbook(archive)
        if not workbook.sheets:
            raise not_xlsx
        for title, part in workbook.sheets:
            rows, merged, cells_left = workbook.read(part, title, max_rows=MAX_ROWS, cells_left=cells_left)
            sheets.append(Sheet(title, _trim(rows), merged))
    except Limit as exc:
        raise _past(exc) from None
    except ImportFailed:
        raise
    except Exception:  # XML that does not parse, a part missing, a value that cannot be read
        raise not_xlsx from None
    return sheets


def _past(limit) -> ImportFailed:
    """The error of a sheet past a limit (``workbook_xml.Limit``)."""
    if limit.what == "rows":
        return _too_big(f"工作表的行数超过上限{MAX_ROWS}行，请拆分后导入。", limit.sheet)
    if limit.what == "merged":
        return _too_big(f"合并单元格超过{MAX_ROWS}处，无法导入。", limit.sheet)
    return _too_big(
        f"单元格数量超过上限{max_cells():,}个（含空白但带格式的单元格），"
        "请删除无关的行、列或工作表后重试，或拆分为几个文件。"
    )


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_control(match) -> str:
    code = int(match.group(1), 16)
    if code == 0x5F:  # _x005F_ escapes the underscore of text that reads like an escape
        return "_"
    return chr(code) if code < 0x20 or code in (0xFFFE, 0xFFFF) else match.group(0)


def unescape_controls(value: str) -> str:
    """Excel stores a control character (Word's line break, U+000B) as _x000B_, and text that
    merely reads like that as _x005F_x000B_; the XML hands both over as they are. Decoded here
    in one pass (so the second stays the text "_x000B_"); ``cell_text`` then normalises."""
    return _XML_ESCAPE.sub(_unescape_control, value)


class FormulaText(str):
    """A cell that held a formula (its text, from "="): refused where a value is needed.

    Text that merely starts with "=" in a text cell (as the portal's own downloads write it)
    is a plain str and is read as the text it is.
    """


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
        return float_text(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return clean_text(str(value)).strip()


def float_text(value: float) -> str:
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
        text = float_text(value) if isinstance(value, float) else str(value)
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
