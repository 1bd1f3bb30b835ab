"""The admin's export formats (django-import-export), safe to open in a spreadsheet.

Text an office typed can start with "=", "+", "-" or "@"; a spreadsheet would run it as a
formula. XLSX exports keep it as text with the quote prefix, and drop the control characters
an XLSX cannot hold (evalportal/text.py); CSV has no cell types, so there such text gets the
apostrophe a spreadsheet reads as "this is text" (OWASP's advice for CSV).
"""

import io

from import_export.formats import base_formats
from openpyxl import load_workbook

from common.text import clean_text, looks_like_formula, neutralise_workbook


def _clean_dataset(dataset, transform) -> None:
    rows = [[transform(cell) if isinstance(cell, str) else cell for cell in row] for row in dataset]
    for _ in range(len(dataset)):
        dataset.lpop()
    for row in rows:
        dataset.append(row)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        _clean_dataset(dataset, clean_text)
        content = super().export_data(dataset, **kwargs)
        workbook = load_workbook(io.BytesIO(content))
        neutralise_workbook(workbook)  # tablib wrote "=…" text as formulas
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        def safe(text: str) -> str:
            text = clean_text(text)
            return "'" + text if looks_like_formula(text) else text

        _clean_dataset(dataset, safe)
        return super().export_data(dataset, **kwargs)
