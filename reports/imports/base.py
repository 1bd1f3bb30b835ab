"""What every import shares, in three modules along its own seams — this module only gathers
them, so an importer imports from one place:

* ``reports.imports.reading``: an upload read safely, cell by cell (limits, kinds, formulas,
  numbers as Decimal, cleaned text);
* ``reports.imports.headers``: a table found in a sheet (header, columns, data rows, merges);
* ``reports.imports.plan``: the preview (``Plan``, ``Change``), the ``Importer`` base class, and
  ``dry_run`` / ``apply`` (all or nothing, audited).
"""

from reports.imports.headers import Column, Header, data_rows, find_header, merged_errors
from reports.imports.plan import Change, Importer, Plan, PlanChanged, StreamedPlan, apply, dry_run
from reports.imports.reading import (
    CellError,
    ImportFailed,
    RowError,
    Sheet,
    cell_decimal,
    cell_string,
    cell_text,
    describe_size,
    max_bytes,
    read_upload,
    squash,
)

__all__ = [
    "CellError",
    "Change",
    "Column",
    "Header",
    "ImportFailed",
    "Importer",
    "Plan",
    "PlanChanged",
    "RowError",
    "StreamedPlan",
    "Sheet",
    "apply",
    "cell_decimal",
    "cell_string",
    "cell_text",
    "data_rows",
    "describe_size",
    "dry_run",
    "find_header",
    "max_bytes",
    "merged_errors",
    "read_upload",
    "squash",
]
