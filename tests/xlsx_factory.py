"""Workbooks for the import tests, written from the fixtures (never from the database).

``seed_003_rows()`` reads 附件1 of seed 003 (新财社〔2024〕35号) from the demo's workbook,
``fixtures/demo/xj-2024-relief/allocations.xlsx``, with openpyxl alone (not with the importer
under test). ``allocation_workbook(rows)`` lays the rows out as the notice prints them:
a title, 单位：万元, a two-row header (其中： over 提前下达 / 本次实际下达), the 合计 row, then each
prefecture's 小计 row with the prefecture written once and blank below it.
"""

import csv
import io
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook, load_workbook

TITLE = "2024年中央财政困难群众救助补助资金预算直达县市分配表"
RELIEF_ALLOCATIONS = settings.BASE_DIR / "fixtures" / "demo" / "xj-2024-relief" / "allocations.xlsx"


@dataclass
class Row:
    prefecture: str  # on a 小计 row: the prefecture; on a county row: the one it belongs to
    county: str  # '小计' on a subtotal row, '' on the 合计 row
    total: Decimal | None
    advance: Decimal | None
    batch: Decimal | None

    @property
    def kind(self) -> str:
        if not self.county:
            return "grand"
        return "subtotal" if self.county == "小计" else "county"


def seed_003_rows() -> list[Row]:
    """合计, then each prefecture's 小计 row and its counties, as the fixture workbook has them."""

    def amount(value) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    workbook = load_workbook(RELIEF_ALLOCATIONS, read_only=True)
    rows, prefecture = [], ""
    for first, county, *figures in workbook.active.iter_rows(min_row=HEADER_ROWS + 1, values_only=True):
        figures = [amount(value) for value in figures[:3]]
        if first and str(first).replace(" ", "") == "合计":
            rows.append(Row("合计", "", *figures))
        elif county == "小计":
            prefecture = first
            rows.append(Row(prefecture, "小计", *figures))
        elif county:
            rows.append(Row(prefecture, county, *figures))
    workbook.close()
    return rows


def with_amount(rows: list[Row], county: str, *, advance=None, batch=None) -> list[Row]:
    """A copy where one county's figure changed and every total above it still adds up."""
    rows = [replace(r) for r in rows]
    for row in rows:
        if row.kind == "county" and row.county == county:
            row.advance = Decimal(advance) if advance is not None else row.advance
            row.batch = Decimal(batch) if batch is not None else row.batch
            row.total = row.advance + row.batch
            break
    else:
        raise KeyError(county)
    return recompute_totals(rows)


def recompute_totals(rows: list[Row]) -> list[Row]:
    """Set every 小计 to the sum of its counties and 合计 to the sum of the 小计 rows."""
    for subtotal in (r for r in rows if r.kind == "subtotal"):
        members = [r for r in rows if r.kind == "county" and r.prefecture == subtotal.prefecture]
        for column in ("total", "advance", "batch"):
            setattr(subtotal, column, sum((getattr(r, column) for r in members), Decimal(0)))
    grand = next(r for r in rows if r.kind == "grand")
    for column in ("total", "advance", "batch"):
        setattr(grand, column, sum((getattr(r, column) for r in rows if r.kind == "subtotal"), Decimal(0)))
    return rows


def _number(value):
    """Whole amounts as int (Excel stores them so), others as Decimal text in the file."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def table_cells(rows: list[Row]) -> list[list]:
    """The data rows as cells: prefecture written once, on its 小计 row."""
    cells = []
    for row in rows:
        if row.kind == "grand":
            cells.append(["合 计", None, _number(row.total), _number(row.advance), _number(row.batch)])
        elif row.kind == "subtotal":
            cells.append(
                [row.prefecture, "小计", _number(row.total), _number(row.advance), _number(row.batch)]
            )
        else:
            cells.append([None, row.county, _number(row.total), _number(row.advance), _number(row.batch)])
    return cells


HEADER_ROWS = 4  # title, unit, and the two header rows: data start on row 5


def allocation_workbook(
    rows: list[Row], *, sheet_title: str = "附件1", merge_prefectures: bool = False
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append([TITLE])
    ws.merge_cells("A1:E1")
    ws.append(["单位：万元"])
    ws.append(["地州市", "县市区", "全年资金合计", "其中：", None])
    ws.append([None, None, None, "提前下达", "本次实际下达"])
    for rng in ("A3:A4", "B3:B4", "C3:C4", "D3:E3"):
        ws.merge_cells(rng)
    for cells in table_cells(rows):
        ws.append(cells)
    ws.merge_cells(f"A{HEADER_ROWS + 1}:B{HEADER_ROWS + 1}")  # 合 计 spans 地州市 and 县市区
    if merge_prefectures:
        _merge_prefecture_cells(ws, rows)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _merge_prefecture_cells(ws, rows: list[Row]) -> None:
    start = None
    for number, row in enumerate(rows, start=HEADER_ROWS + 1):
        if row.kind == "subtotal":
            if start is not None and number - 1 > start:
                ws.merge_cells(f"A{start}:A{number - 1}")
            start = number
    if start is not None and HEADER_ROWS + len(rows) > start:
        ws.merge_cells(f"A{start}:A{HEADER_ROWS + len(rows)}")


def allocation_csv(rows: list[Row], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["地州市", "县市区", "全年资金合计", "提前下达", "本次实际下达"])
    for cells in table_cells(rows):
        writer.writerow(["" if c is None else c for c in cells])
    return buffer.getvalue().encode(encoding)


def cell_row(rows: list[Row], county: str) -> int:
    """The worksheet row a county is written on by allocation_workbook."""
    for number, row in enumerate(rows, start=HEADER_ROWS + 1):
        if row.county == county:
            return number
    raise KeyError(county)


def workbook_bytes(sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None) -> bytes:
    """A small workbook from literal cells: {sheet title: rows}."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for cells in rows:
            ws.append(cells)
        for rng in (merges or {}).get(title, []):
            ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def db_snapshot() -> dict:
    """Every row of the tables an import may touch, to compare before and after."""
    from evalportal.models import AuditEvent
    from indicators.models import (
        IndicatorActual,
        IndicatorTarget,
        Return,
        ReturnFunding,
        ReturnNarrative,
        TargetTable,
    )
    from transfers.models import Allocation, Fund, Notice, Region, RegionAlias

    models = [
        Region,
        RegionAlias,
        Fund,
        Notice,
        Allocation,
        TargetTable,
        IndicatorTarget,
        Return,
        ReturnFunding,
        IndicatorActual,
        ReturnNarrative,
        AuditEvent,
    ]
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}


def edited(
    content: bytes, cells: dict[str, object] | None = None, *, merges=(), sheet: str | None = None
) -> bytes:
    """A copy of a workbook with some cells rewritten (a formula is written as "=…")."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    for ref, value in (cells or {}).items():
        ws[ref] = value
    for rng in merges:
        ws.merge_cells(rng)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def fill(content: bytes, **sheets) -> bytes:
    """A copy of a workbook with cells of several sheets filled in: ``fill(b, 资金={"C2": 5000})``."""
    wb = load_workbook(io.BytesIO(content))
    for title, cells in sheets.items():
        for ref, value in cells.items():
            wb[title][ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def download(client, ret) -> bytes:
    """The offline workbook of return ``ret`` as its page hands it out (an .xlsx)."""
    from django.urls import reverse

    response = client.get(reverse("imports:return_workbook", args=[ret.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def expanding_xlsx(*, rows: int, columns: int = 26, sheets: int = 1, padding: int = 0) -> bytes:
    """A workbook whose XML is written directly: tiny on disk, huge once unpacked.

    Every cell holds the same number, so the sheet XML compresses about 400 to 1 (the issue's
    file: 218 KB that unpacks to 100 MB, 6.65 M cells). ``padding`` adds a part of that many
    spaces (unpacked size without cells). Written in chunks, never held whole in memory.
    """
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    sheet_entries = "".join(
        f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, sheets + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for n in range(1, sheets + 1)
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{rel}/officeDocument"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            f"<sheets>{sheet_entries}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" Type="{rel}/worksheet"/>'
                for n in range(1, sheets + 1)
            )
            + "</Relationships>"
        ),
    }
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for n in range(1, sheets + 1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(
                    f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'.encode()
                )
                # Cells without their optional r="A1" references: every row is the same text,
                # which compresses like the file.
                row = ("<row>" + "<c><v>1</v></c>" * columns + "</row>").encode()
                count = rows if n == 1 else 1
                batch = 1000
                for start in range(0, count, batch):
                    part.write(row * min(batch, count - start))
                part.write(b"</sheetData></worksheet>")
        if padding:
            with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
                chunk = b" " * (1024 * 1024)
                for _ in range(padding // len(chunk)):
                    part.write(chunk)
    return buffer.getvalue()
