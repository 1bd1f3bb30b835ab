"""How fast, and in how much memory, an upload past the limits is refused.

Run from the project folder:  .venv/bin/python bench/bench_upload_limits.py
Each case runs in a fresh process (so its peak memory is its own) and prints the wall time
of read_upload and the process's peak resident memory above what Django itself takes, beside
the same figures for a real workbook (the demo's 附件1 of xj-2024-relief) from the same run.
The issue's file — 218 KB that unpacks to 100 MB with 6.65 M cells — took 55 s and 2.5 GB
before the limits; tests/test_imports_limits.py asserts only that it is refused.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "reference: demo 附件1 (xj-2024-relief)": None,
    "issue's file: 6.63 M cells, 97.5 MB unpacked": {"rows": 255_000, "columns": 26},
    "3 M cells in 45 MB unpacked (under the size limit)": {"rows": 115_000, "columns": 26},
    "just under the cell limit: 197,600 cells": {"rows": 7_600, "columns": 26},
}


def child(name: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evalportal.settings")
    import django

    django.setup()
    from reports.imports.base import ImportFailed, read_upload
    from tests.xlsx_factory import expanding_xlsx

    spec = CASES[name]
    if spec is None:
        content = (ROOT / "fixtures" / "demo" / "xj-2024-relief" / "allocations.xlsx").read_bytes()
    else:
        content = expanding_xlsx(**spec)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        sheets = read_upload(content, "bench.xlsx", allow_csv=False)
        outcome = f"read, {sum(len(s.rows) for s in sheets):,} rows"
    except ImportFailed as exc:
        outcome = "refused: " + str(exc)[:60]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"size": len(content), "seconds": seconds, "mb": (peak - baseline) / 1024, "outcome": outcome}
        )
    )


def main() -> None:
    print(f"{'case':52} {'file':>9} {'time':>8} {'memory':>9}  outcome")
    for name in CASES:
        result = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, cwd=ROOT, check=True
        )
        r = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"{name:52} {r['size'] / 1024:7.0f}KB {r['seconds']:7.2f}s {r['mb']:7.1f}MB  {r['outcome']}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        child(sys.argv[2])
    else:
        main()
