"""The part every import shares: read an upload safely, plan (dry run), apply.

An import is two steps. ``dry_run`` reads the file and returns a ``Plan``: what would be
created, updated, deleted or left unchanged, and every error with its sheet, row and column.
Nothing is written. ``apply`` plans again inside ``transaction.atomic`` (the data may have
moved since the preview), refuses when there is any error, and hands the plan to the
importer's ``write``, which calls the services that write and audit (one event for each
changed row, with old and new values, from ``note``); ``apply`` adds one event for the import.

Reading is defensive because the files come from many offices: the size is capped
(``IMPORT_MAX_BYTES``), and so are what an XLSX unpacks to, its sheets, rows and cells
(``IMPORT_MAX_UNPACKED_BYTES``, ``IMPORT_MAX_SHEETS``, ``MAX_ROWS``, ``IMPORT_MAX_CELLS``),
checked before and while streaming, never after loading; an XLSX is recognised by its content
(zip signature, then openpyxl must open it) and never by its name, formulas are refused (the portal stores figures, not
how somebody computed them), numbers are read as the text Excel stored so that money stays
``Decimal``, and CSV is decoded as UTF-8 (with or without BOM) or GBK.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from openpyxl.utils import get_column_letter

from common.text import MAX_TEXT, clean_text
from evalportal.models import AuditEvent, User
from transfers.models import Region
from transfers.services import AuditNote

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 40
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


class PlanChanged(Exception):
    """The data changed between the preview and the confirmation: show the new preview."""

    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__("预览之后系统中的数据已有变化，请核对新的预览后再确认导入。")


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
            raise CellError(f"{what}{text}超过{places}位小数（金额以万元为单位，最多两位小数）。")
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


# --- headers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = True

    def matches(self, text: str) -> bool:
        if not text:
            return False
        names = {squash(self.label), *map(squash, self.synonyms)}
        bare = re.sub(r"（[^）]*）", "", text)  # 全年预算数（万元） → 全年预算数
        return text in names or bare in names


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
        """A header repeated on every printed page of the table."""
        hits = sum(
            1
            for c in columns
            if c.key in self.columns and c.matches(squash(cell_text(self.get(cells, c.key))))
        )
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


# --- plans ------------------------------------------------------------------------------------


@dataclass
class Change:
    """One row's effect. ``fields`` maps a Chinese field name to [old, new] (as text)."""

    action: str  # create / update / delete / unchanged
    label: str
    sheet: str = ""
    row: int | None = None
    fields: dict[str, list] = field(default_factory=dict)
    payload: Any = None  # what the importer's write step needs; never shown or stored

    ACTION_LABELS: ClassVar[dict[str, str]] = {
        "create": "新增",
        "update": "修改",
        "delete": "删除",
        "unchanged": "无变化",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS[self.action]

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "label": self.label,
            "sheet": self.sheet,
            "row": self.row,
            "fields": self.fields,
        }


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in Change.ACTION_LABELS}

    @property
    def has_changes(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)

    @property
    def fingerprint(self) -> str:
        """Identifies exactly what applying would do, to notice data that moved meanwhile."""
        changed = [c.as_dict() for c in self.changes if c.action != "unchanged"]
        blob = json.dumps(changed, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def describe(self) -> str:
        if self.errors:
            return f"发现{len(self.errors)}处错误，未导入任何数据。"
        counts = self.counts
        if not self.has_changes:
            return f"文件与系统中的数据完全一致：{counts['unchanged']}条均无变化，导入不会作任何修改。"
        return (
            f"新增{counts['create']}条，修改{counts['update']}条，删除{counts['delete']}条，"
            f"无变化{counts['unchanged']}条。"
        )

    def summary(self, *, limit: int = 2000) -> dict:
        """JSON for ImportRecord.summary (capped: a 3,000-row table stays a small record)."""
        changed = [c.as_dict() for c in self.changes if c.action != "unchanged"]
        unchanged = [c.as_dict() for c in self.of("unchanged")]
        return {
            "counts": self.counts,
            "description": self.describe(),
            "fingerprint": self.fingerprint,
            "rows_read": self.rows_read,
            "changes": changed[:limit],
            "unchanged": unchanged[:limit],
            "truncated": len(changed) > limit or len(unchanged) > limit,
            "warnings": [w.as_dict() for w in self.warnings[:limit]],
        }


class Importer(ABC):
    """One kind of import. Subclasses read their layout in ``plan`` and write in ``write``."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    allow_csv: ClassVar[bool] = False

    def __init__(self, *, actor: User | None, scope: Region | None):
        if scope is None and actor is not None:
            raise ValueError("only the system (actor=None) imports without a region scope")
        self.actor = actor
        self.scope = scope
        self.record = None
        self.filename = ""  # the file being imported, for the audit trail

    # What an ImportRecord keeps to run the same import again at confirmation.
    def options(self) -> dict:
        return {}

    @property
    def fund(self):
        return None

    @abstractmethod
    def plan(self, sheets: list[Sheet]) -> Plan:
        """Read the sheets and say what would change, with every error; writes nothing."""

    @abstractmethod
    def write(self, plan: Plan) -> None:
        """Apply a plan without errors (called inside the import's transaction)."""

    def audit_object(self):
        return self.record or self.fund or self.scope

    def note(self, change: Change) -> AuditNote:
        """What the audit event of one written row says: the preview's line, the file and row."""
        where = f"第{change.row}行" if change.row else ""
        name = self.record.original_name if self.record else self.filename
        who = "" if self.actor is not None else "系统"
        return AuditNote(
            summary=f"导入{change.action_label}：{change.label}"[:300],
            comment=f"{who}导入“{name}”{where}",
            changes=change.fields,
        )


def dry_run(importer: Importer, *, content: bytes, filename: str) -> Plan:
    """What the file would change, and every error in it. Writes nothing."""
    importer.filename = filename
    try:
        sheets = read_upload(content, filename, allow_csv=importer.allow_csv)
        plan = importer.plan(sheets)
    except ImportFailed as exc:
        return Plan(errors=exc.errors)
    # Errors in file order, so the person can work down the sheet.
    plan.errors.sort(key=lambda e: (e.sheet, e.row or 0, e.column))
    return plan


def apply(importer: Importer, *, content: bytes, filename: str, expected: str | None = None) -> Plan:
    """Plan again and write, all or nothing. ``expected`` is the previewed plan's fingerprint."""
    with transaction.atomic():
        plan = dry_run(importer, content=content, filename=filename)
        if plan.errors:
            raise ImportFailed(plan.errors)
        if expected is not None and plan.fingerprint != expected:
            raise PlanChanged(plan)
        if plan.has_changes:
            importer.write(plan)
        AuditEvent.objects.record(
            actor=importer.actor,
            action=AuditEvent.Action.IMPORT,
            obj=importer.audit_object(),
            summary=f"导入{importer.title}“{filename}”：{plan.describe()}",
            region=importer.scope,
            fund=importer.fund,
            changes={"file": filename, "counts": plan.counts, "options": importer.options()},
        )
    return plan
