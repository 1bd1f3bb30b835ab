"""An uploaded workbook's sheets read straight from its XML, in one streaming pass per sheet.

openpyxl's read-only mode parses a sheet with the standard library's parser and makes an object
of every cell; a national province's 附件1 (30,000 rows) took longer to read that way than the
import took to check it. Here lxml's C parser streams each sheet once: the rows and cells are
counted against the limits as they come (the first one past a limit stops the reading), the
merged ranges are noted, and each cell becomes the value openpyxl would have given
(``reading._value``'s rules): shared and inline strings, numbers as int or float, booleans,
dates by the cell's number format (openpyxl's own ``is_date_format`` and ``from_excel``), a
percentage as the text the person saw, a formula as ``FormulaText``.

Nothing is resolved from outside the file: the parser expands no entity and reads no network.
"""

from __future__ import annotations

import posixpath
import zipfile
from decimal import Decimal

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from reports.imports.reading import FormulaText, float_text, unescape_controls

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _MERGE = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}mergeCell"
_V, _F, _IS, _T, _R, _SI = (f"{_MAIN}{tag}" for tag in ("v", "f", "is", "t", "r", "si"))


class Limit(Exception):
    """A sheet past one of the limits; ``reading`` words the message."""

    def __init__(self, what: str, sheet: str):
        self.what, self.sheet = what, sheet
        super().__init__(what)


def _parse(source):
    """A small part (workbook, relationships, styles) as a tree, with nothing resolved."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.parse(source, parser).getroot()


def _stream(source, tags):
    return etree.iterparse(source, events=("end",), tag=tags, resolve_entities=False, no_network=True)


def _free(element) -> None:
    """Drop what is read, so a sheet of any length holds one row at a time."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _text(element) -> str:
    """A string item (``si`` or ``is``): its plain text, then each run's, as openpyxl's Text."""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            run = child.find(_T)
            if run is not None and run.text:
                parts.append(run.text)
    return "".join(parts)


def _column(ref: str) -> int:
    """The 1-based column of a cell reference such as AB12."""
    number = 0
    for char in ref:
        if char.isdigit():
            break
        number = number * 26 + (ord(char.upper()) - 64)
    return number


def _number(text: str):
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


class Workbook:
    """The parts of one workbook that its sheets' cells are read with."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        names = set(archive.namelist())
        root = _parse(archive.open("xl/workbook.xml"))
        properties = root.find(f"{_MAIN}workbookPr")
        date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        targets, kinds = {}, {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in _parse(archive.open("xl/_rels/workbook.xml.rels")).iter(f"{_PACKAGE_REL}Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[rel.get("Id")] = path
                kinds[path] = rel.get("Type", "").rsplit("/", 1)[-1]
        # The worksheets in the workbook's order (chart sheets are not worksheets).
        self.sheets = []
        for sheet in root.iter(f"{_MAIN}sheet"):
            path = targets.get(sheet.get(f"{_REL}id"), "")
            if kinds.get(path) == "worksheet" and path in names:
                self.sheets.append((sheet.get("name", ""), path))
        shared = next((p for p, kind in kinds.items() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        self.strings = self._strings(shared) if shared in names else []
        styles = next((p for p, kind in kinds.items() if kind == "styles"), "xl/styles.xml")
        self.percent, self.dates, self.timedeltas = self._styles(styles) if styles in names else ((), (), ())

    def _strings(self, part: str) -> list[str]:
        strings = []
        with self.archive.open(part) as source:
            for _event, item in _stream(source, (_SI,)):
                strings.append(_text(item))
                _free(item)
        return strings

    def _styles(self, part: str) -> tuple[frozenset, frozenset, frozenset]:
        """The cell styles whose number format shows a percentage, a date or a duration."""
        root = _parse(self.archive.open(part))
        custom = {}
        formats = root.find(f"{_MAIN}numFmts")
        if formats is not None:
            for fmt in formats:
                if fmt.get("numFmtId", "").isdigit():
                    custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
        percent, dates, timedeltas = set(), set(), set()
        xfs = root.find(f"{_MAIN}cellXfs")
        for index, xf in enumerate(xfs if xfs is not None else ()):
            number = xf.get("numFmtId", "0")
            number = int(number) if number.isdigit() else 0
            code = custom.get(number) or BUILTIN_FORMATS.get(number, "General")
            if "%" in code:
                percent.add(index)
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                timedeltas.add(index)
        return frozenset(percent), frozenset(dates), frozenset(timedeltas)

    def read(self, path: str, title: str, *, max_rows: int, cells_left: int):
        """(rows, merged ranges, cells left) of one sheet; Limit at the first row or cell past
        ``max_rows`` or ``cells_left``."""
        rows: list[tuple] = []
        merged: list[tuple[int, int, int, int]] = []
        width = 0
        shared_formulas: dict[str, object] = {}
        strings, percent, dates = self.strings, self.percent, self.dates
        with self.archive.open(path) as source:
            for _event, element in _stream(source, (_ROW, _MERGE)):
                if element.tag == _MERGE:
                    ref = element.get("ref", "")
                    if ":" in ref:
                        min_col, min_row, max_col, max_row = range_boundaries(ref)
                        merged.append((min_row, max_row, min_col, max_col))
                    if len(merged) > max_rows:
                        raise Limit("merged", title)
                    _free(element)
                    continue
                number = element.get("r")
                number = int(float(number)) if number else len(rows) + 1
                if number > max_rows or len(rows) >= max_rows:
                    raise Limit("rows", title)
                cells_left -= len(element)
                if cells_left < 0:
                    raise Limit("cells", title)
                while len(rows) < number - 1:
                    rows.append(())  # rows the sheet leaves out are empty
                values: list = []
                for cell in element:
                    if cell.tag != _CELL:
                        continue
                    ref = cell.get("r")
                    column = _column(ref) if ref else len(values) + 1
                    kind = cell.get("t", "n")
                    text = formula = inline = None
                    for part in cell:
                        tag = part.tag
                        if tag == _V:
                            text = part.text
                        elif tag == _F:
                            formula = part
                        elif tag == _IS:
                            inline = part
                    if formula is not None:
                        value = FormulaText(self._formula(formula, ref, shared_formulas))
                    elif kind == "inlineStr":
                        value = _text(inline) if inline is not None else None
                    elif not text:
                        value = None
                    elif kind == "n":
                        value = _number(text)
                        style = cell.get("s")
                        style = int(style) if style else 0
                        if style in dates:
                            try:
                                value = from_excel(value, self.epoch, timedelta=style in self.timedeltas)
                            except (OverflowError, ValueError):
                                value = "#VALUE!"
                        elif style in percent:
                            value = f"{(Decimal(float_text(float(value))) * 100).normalize():f}%"
                    elif kind == "s":
                        value = strings[int(text)]
                    elif kind == "b":
                        value = bool(int(text))
                    elif kind == "d":
                        value = from_ISO8601(text)
                    else:  # str (a formula's text result), e (an error such as #N/A)
                        value = text
                    if type(value) is str and "_x" in value:  # not a formula's text
                        value = unescape_controls(value)
                    if column > len(values) + 1:
                        values.extend([None] * (column - len(values) - 1))
                    if column == len(values) + 1:
                        values.append(value)
                    else:
                        values[column - 1] = value
                rows.append(tuple(values))
                width = max(width, len(values))
                _free(element)
        # Every row as wide as the widest, as openpyxl gave them.
        rows = [row if len(row) == width else row + (None,) * (width - len(row)) for row in rows]
        return rows, merged, cells_left

    @staticmethod
    def _formula(formula, ref, shared: dict) -> str:
        """A formula's text as openpyxl gives it ("=" and the formula; a shared formula's
        followers translated from its first cell)."""
        from openpyxl.formula.translate import Translator

        text = "=" + (formula.text or "")
        if formula.get("t") == "shared":
            index = formula.get("si")
            if index in shared:
                return shared[index].translate_formula(ref)
            if text != "=":
                shared[index] = Translator(text, ref)
        return text
