"""Time report A for a 120-region fund, next to a naive python-docx build of the same tables.

    .venv/bin/python bench/bench_report.py [--runs 5] [--keep]

Builds a scratch SQLite database in a temporary folder (migrate + load_demo), then times, for
fund xj-2024-relief at province level (14 prefectures, 118 counties and units, 15 target
tables): reading the data (reports.data.report_data), writing report A (lxml tables), the
whole of both, the XLSX workbook of tables B–E, and the same tables written the way
python-docx's documentation shows (add_table, then cell(i, j).text and cell.merge in loops).
The goal is report A in under one second.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from demo.loader import load_demo

    load_demo()


def _timed(function, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def naive_tables(tables) -> bytes:
    """The same grids with python-docx's public API: cell lookups and merges in loops."""
    from io import BytesIO

    from docx import Document

    from reports.builders.layouts import cell_text

    doc = Document()
    for table in tables:
        doc.add_paragraph(table.title)
        for grid in table.grids:
            placed_rows = grid.placed()
            t = doc.add_table(rows=len(placed_rows), cols=len(grid.widths))
            t.style = "Table Grid"
            for i, placed in enumerate(placed_rows):
                for col, cell, continued in placed:
                    if continued:
                        continue
                    target = t.cell(i, col)
                    target.text = cell_text(cell)
                    if cell.span > 1 or cell.rows > 1:
                        target.merge(t.cell(i + cell.rows - 1, col + cell.span - 1))
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and the files")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    started = time.perf_counter()
    _setup(folder)
    print(
        f"scratch database: {folder / 'bench.sqlite3'} (migrate + load_demo {time.perf_counter() - started:.1f} s)"
    )

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from reports.builders import build
    from reports.builders.layouts import tables_for
    from reports.data import report_data
    from transfers.models import Fund, Region

    fund = Fund.objects.get(code="xj-2024-relief")
    province = Region.objects.get(code="650000")
    report_data(fund=fund, region=province)  # warm imports and the template
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        data = report_data(fund=fund, region=province)
    tables = tables_for(data, "a")
    cells = sum(len(row.cells) for table in tables for grid in table.grids for row in grid.rows)
    print(
        f"fund {fund.code}: {len(data.allocation.lines)} allocation lines, {len(data.child_tables)} tables passed "
        f"down, {len(tables)} tables in all, {cells} cells; report_data: {len(queries)} queries"
    )

    rows = []
    read, _ = _timed(lambda: report_data(fund=fund, region=province), args.runs)
    rows.append(("report_data (read)", read))
    write, content = _timed(lambda: build(data, kind="a", format="docx"), args.runs)
    rows.append(("report A DOCX (write, lxml tables)", write))
    whole, _ = _timed(
        lambda: build(report_data(fund=fund, region=province), kind="a", format="docx"), args.runs
    )
    rows.append(("report A DOCX (read + write)", whole))
    workbook, book = _timed(lambda: build(data, kind="a", format="xlsx"), args.runs)
    rows.append(("workbook B–E XLSX (write)", workbook))
    fast_tables, _ = _timed(lambda: build(data, kind="c", format="docx"), args.runs)
    rows.append(("tables C only, lxml (write)", fast_tables))
    naive, naive_content = _timed(lambda: naive_tables(tables), max(1, min(args.runs, 3)))
    rows.append(("same tables, naive python-docx cell()", naive))

    print(f"\n{'step':44} {'min':>8} {'median':>8}   ({args.runs} runs)")
    for name, times in rows:
        print(f"{name:44} {min(times):8.3f} {statistics.median(times):8.3f} s")
    print(
        f"\nreport A: {len(content) / 1024:.0f} KiB; workbook: {len(book) / 1024:.0f} KiB; "
        f"naive tables: {len(naive_content) / 1024:.0f} KiB"
    )
    goal = statistics.median(whole)
    print(f"goal < 1 s for report A (read + write): {'met' if goal < 1 else 'NOT met'} ({goal:.3f} s)")
    if args.keep:
        (folder / "report-a.docx").write_bytes(content)
        (folder / "tables.xlsx").write_bytes(book)
        print(f"files kept in {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
