"""Text that can be stored, printed in a DOCX and written into a spreadsheet.

Two things go wrong with text typed or pasted by people, and both are handled here once:

- control characters. Word's manual line break (Shift+Enter) pastes as U+000B, page breaks as
  U+000C; other C0 codes and U+FFFE/U+FFFF arrive from old systems. None of them is allowed
  in XML, so one of them in a narrative made every DOCX and XLSX that printed it fail.
  ``clean_text`` turns line and page breaks into "\\n" and drops the rest; it is applied at the
  door (every form post: evalportal.middleware.CleanTextMiddleware; every imported cell:
  reports.imports.base.cell_text) and once more by every writer, for text stored before.
- formulas. A spreadsheet runs text that starts with ``=``, ``+``, ``-``, ``@`` (and, after a
  tab or a carriage return, anything). ``neutralise_cell`` stores such text as a string cell
  with Excel's quote prefix (the ' shown in the formula bar): it is shown and re-imported as
  the very text that was typed, and never runs, even after someone edits the cell.

``MAX_TEXT`` is what one spreadsheet cell holds; longer text is refused at entry with the limit
stated, never cut on export.
"""

import re

MAX_TEXT = 32_767  # characters in one Excel cell
MAX_TEXT_MESSAGE = (
    "内容过长：最多%(limit_value)d字（电子表格一个单元格能容纳的上限），现在有%(show_value)d字。"
    "请精简，或把详细材料作为附件另行报送。"
)

_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# What XML 1.0 does not allow (tab and line feed stay), plus lone surrogates.
_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(value: str) -> str:
    """Line and page breaks become "\\n"; other characters XML cannot hold are dropped."""
    if not value:
        return value
    return _ILLEGAL.sub("", _BREAKS.sub("\n", value))


def has_illegal(value: str) -> bool:
    return bool(_ILLEGAL.search(value) or "\x0b" in value or "\x0c" in value)


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise_cell(cell) -> None:
    """Make an openpyxl cell that holds text safe: XML-clean, never a formula."""
    value = cell.value
    if not isinstance(value, str):
        return
    cleaned = clean_text(value)
    if cleaned != value:
        cell.value = cleaned
    if looks_like_formula(cleaned):
        cell.data_type = "s"  # openpyxl took the leading "=" for a formula
        cell.quotePrefix = True


def neutralise_workbook(workbook) -> None:
    """``neutralise_cell`` over every cell of an openpyxl workbook (before saving it)."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    neutralise_cell(cell)
