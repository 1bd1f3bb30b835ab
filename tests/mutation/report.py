"""The score of the last `mutmut run`, per target file, and every mutant that survived it.

Run from the repository root after `mutmut run` (``make mutants`` does both):
``python -m tests.mutation.report``. The score is mutmut's own, (killed + timeout) / (mutants
− skipped); a second figure leaves out the survivors documented as equivalent in
tests/mutation/equivalents.toml (a mutant named there whose change is no longer the one
recorded is reported as stale, not as equivalent). Survivors matching a pattern of its
``[left]`` table are labelled with the reason they are left to another issue; they count as
survivors.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

ROOT = Path.cwd()
EQUIVALENTS = Path(__file__).with_name("equivalents.toml")


def source_files() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    files = []
    for entry in config["tool"]["mutmut"]["source_paths"]:
        path = Path(entry)
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def changed_lines(name: str, path: Path) -> list[str]:
    """The lines a mutant removed and added (without the diff's headers)."""
    diff = get_diff_for_mutant(name, path=path).splitlines()
    return [line for line in diff if line[:1] in "-+" and not line.startswith(("---", "+++"))]


def main() -> int:
    equivalents = tomllib.loads(EQUIVALENTS.read_text("utf-8")) if EQUIVALENTS.exists() else {}
    left = equivalents.pop("left", {})
    survivors, totals = [], []
    for path in source_files():
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            print(f"{path}: no results (run `mutmut run` first)")
            continue
        results = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        statuses = {name: status_by_exit_code[code] for name, code in results.items()}
        counts = Counter(statuses.values())
        equivalent = 0
        for name in sorted(n for n, s in statuses.items() if s == "survived"):
            lines = changed_lines(name, path)
            known = equivalents.get(name)
            if known and known.get("change", "").strip() in (
                line[1:].strip() for line in lines if line[0] == "+"
            ):
                equivalent += 1
                survivors.append((name, lines, f"equivalent: {known['why']}"))
            elif known:
                survivors.append((name, lines, "STALE equivalents.toml entry: the mutant changed"))
            else:
                why = next((why for pattern, why in left.items() if fnmatch.fnmatch(name, pattern)), "")
                survivors.append((name, lines, f"left: {why}" if why else ""))
        tested = len(statuses) - counts["skipped"]
        caught = counts["killed"] + counts["timeout"]
        score = 100 * caught / tested if tested else 0.0
        adjusted = 100 * caught / (tested - equivalent) if tested - equivalent else 0.0
        totals.append(
            f"{path}: {len(statuses)} mutants, {caught} killed, {counts['survived']} survived "
            f"({equivalent} equivalent), {counts['no tests']} without tests, "
            f"{counts['not checked']} not checked: score {score:.1f}% "
            f"({adjusted:.1f}% without equivalents)"
        )
    if survivors:
        print("Surviving mutants (`.venv/bin/mutmut show NAME` for the whole function):")
        for name, lines, note in survivors:
            print(f"\n  {name}" + (f"  [{note}]" if note else ""))
            for line in lines:
                print(f"      {line.strip() if len(line) < 2 else line[0] + ' ' + line[1:].strip()}")
    print("\nmutmut score per target")
    for line in totals:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
