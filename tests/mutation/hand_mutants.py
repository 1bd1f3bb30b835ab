"""Hand mutants: what mutmut leaves alone, mutated one at a time and judged by the tests.

mutmut 3 mutates the bodies of undecorated functions only. It does not touch module constants
(the comparator word tables, units, thresholds, bands, grades …) nor functions under a
decorator (every ``@transaction.atomic`` workflow step of indicators/services.py). This script
makes those mutants:

* constants: every UPPER_CASE module-level assignment (or those ``names``) of the files under
  the targets of ``[[constants]]`` in hand_mutants.toml: each entry of a table removed, each word of a unit
  list removed, each comparator (``>=``, ``<=``, ``=``) read the other way, each integer one
  more and one less;
* ``[[mutant]]`` entries: a snippet of source replaced by another (a permission check that no
  longer raises, an audit call that writes nothing …).

Each mutant is written into a scratch copy of the repository (``mutants-hand/``, git-ignored)
and the tests of its entry run there with ``-x``; a failing run kills it. Mutants of a pure
target are judged by the tests that need no database (tests/mutation/scope.py).

The files come from ``[tool.mutmut] source_paths`` in pyproject.toml, so a module that becomes
a package is followed by changing that one list. A ``[[mutant]]`` snippet must be found exactly
once in those files, or the run stops and says so (a refactor moved it: update the entry).

Run: ``python -m tests.mutation.hand_mutants [--jobs N] [--only TEXT] [--list]``.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("hand_mutants.toml")
SCRATCH = ROOT / "mutants-hand"
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "mutants", "mutants-hand", "__pycache__", "media", "staticfiles", "test-output",
    "db.sqlite3", ".hypothesis", ".ruff_cache", ".pytest_cache", "node_modules",
)  # fmt: skip
COMPARATOR_FLIPS = {">=": "<=", "<=": ">=", "=": ">="}
TIMEOUT_S = 600


@dataclass
class Mutant:
    name: str  # what was changed, for people
    path: str  # file, relative to the repository
    module: str  # dotted module name (the scope plugin judges pure targets without the database)
    source: str  # the whole mutated file
    tests: list
    line: int
    equivalent: str = ""  # why this mutant cannot be killed, when it cannot


# --- where to look ------------------------------------------------------------------------------


def source_files() -> list[Path]:
    """The .py files under [tool.mutmut] source_paths, relative to the repository."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    files = []
    for entry in config["tool"]["mutmut"]["source_paths"]:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f.relative_to(ROOT) for f in files]


def module_of(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def in_target(module: str, target: str) -> bool:
    return module == target or module.startswith(f"{target}.")


# --- constants ------------------------------------------------------------------------------


class Offsets:
    """Character offsets in a source from ast's (line, UTF-8 byte column) positions."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8"))

    def span(self, node) -> tuple[int, int]:
        return self.at(node.lineno, node.col_offset), self.at(node.end_lineno, node.end_col_offset)

    def without(self, node) -> tuple[int, int]:
        """The span of a container element with the comma after it, if any."""
        start, end = self.span(node)
        rest = len(self.source[end:]) - len(self.source[end:].lstrip())
        if self.source[end + rest : end + rest + 1] == ",":
            end += rest + 1
        return start, end


def _containers(node):
    """The tables of a constant: the value itself, or the arguments of the call or operands
    of the operator that builds it (``frozenset({...})``, ``tuple("…".split())``, ``a | {""}``)."""
    if isinstance(node, ast.Dict | ast.Tuple | ast.List | ast.Set):
        yield node
    elif isinstance(node, ast.Call):
        for arg in node.args:
            yield from _containers(arg)
    elif isinstance(node, ast.BinOp):
        yield from _containers(node.left)
        yield from _containers(node.right)


def _label(node, offsets: Offsets) -> str:
    start, end = offsets.span(node)
    text = " ".join(offsets.source[start:end].split())
    return text if len(text) <= 40 else text[:37] + "…"


def constant_edits(name: str, value, offsets: Offsets):
    """(description, start, end, replacement) for each mutant of one constant."""
    flips = {}  # comparator constant → what it is the meaning of (its key in the table)
    for container in _containers(value):
        if isinstance(container, ast.Dict):
            for key, item in zip(container.keys, container.values, strict=True):
                start, _ = offsets.span(key)
                _, end = offsets.without(item)
                yield f"{name}: entry {_label(key, offsets)} removed", start, end, ""
                flips[id(item)] = _label(key, offsets)
        else:
            for element in container.elts:
                start, end = offsets.without(element)
                yield f"{name}: {_label(element, offsets)} removed", start, end, ""
                if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                    flips[id(element.elts[1])] = _label(element.elts[0], offsets)
    for node in ast.walk(value):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        start, end = offsets.span(node)
        if isinstance(node.value, int):
            for new in (node.value + 1, node.value - 1):
                yield f"{name}: {node.value} → {new}", start, end, str(new)
        elif isinstance(node.value, str) and node.value in COMPARATOR_FLIPS:
            flipped = COMPARATOR_FLIPS[node.value]
            meaning = flips.get(id(node), _label(node, offsets))
            yield f"{name}: {meaning} read as {flipped} instead of {node.value}", start, end, repr(flipped)
        elif isinstance(node.value, str) and len(node.value.split()) > 1:
            words = node.value.split()
            for index, word in enumerate(words):
                rest = " ".join(words[:index] + words[index + 1 :])
                yield f"{name}: word {word} removed", start, end, repr(rest)


def constant_mutants(entry: dict, files: list[Path]) -> list[Mutant]:
    mutants = []
    excluded = set(entry.get("exclude", []))
    only = set(entry.get("names", []))
    # A constant used by database code too is judged with the database tests as well.
    prefix = "db:" if entry.get("database") else ""
    for path in files:
        module = module_of(path)
        if not in_target(module, entry["target"]):
            continue
        source = (ROOT / path).read_text("utf-8")
        offsets = Offsets(source)
        for node in ast.parse(source).body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if not names or node.value is None:
                continue
            name = names[0]
            if not name.lstrip("_").isupper() or name in excluded or (only and name not in only):
                continue
            seen: dict[str, int] = {}
            for description, start, end, replacement in constant_edits(name, node.value, offsets):
                seen[description] = seen.get(description, 0) + 1
                if seen[description] > 1:  # the same change at another place of the table
                    description = f"{description} (#{seen[description]})"
                mutated = source[:start] + replacement + source[end:]
                mutants.append(
                    Mutant(
                        name=f"{module}: {description}",
                        path=str(path),
                        module=f"{prefix}{module}.{name}",
                        source=mutated,
                        tests=entry["tests"],
                        line=node.lineno,
                        equivalent=entry.get("equivalent", {}).get(description, ""),
                    )
                )
    return mutants


# --- snippets -------------------------------------------------------------------------------


def snippet_mutants(entries: list[dict], files: list[Path]) -> list[Mutant]:
    sources = {str(path): (ROOT / path).read_text("utf-8") for path in files}
    mutants, stale = [], []
    for entry in entries:
        found = [(path, text) for path, text in sources.items() if text.count(entry["find"]) == 1]
        count = sum(text.count(entry["find"]) for text in sources.values())
        if count != 1 or len(found) != 1:
            stale.append(f"{entry['name']}: found {count} times")
            continue
        path, text = found[0]
        line = text[: text.index(entry["find"])].count("\n") + 1
        mutants.append(
            Mutant(
                name=entry["name"],
                path=path,
                module=module_of(Path(path)),
                source=text.replace(entry["find"], entry["replace"]),
                tests=entry["tests"],
                line=line,
                equivalent=entry.get("equivalent", ""),
            )
        )
    if stale:
        sys.exit(
            "hand_mutants.toml: snippets that must occur exactly once in the source paths:\n  "
            + "\n  ".join(stale)
        )
    return mutants


# --- running --------------------------------------------------------------------------------


def prepare(workers: int) -> list[Path]:
    """One scratch copy of the repository per job (per run, so two runs never share one)."""
    copies = []
    for number in range(workers):
        copy = SCRATCH / f"{os.getpid()}-{number}"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORE)
        copies.append(copy)
    return copies


def judge(mutant: Mutant, copy: Path) -> tuple[str, float]:
    target = copy / mutant.path
    original = target.read_text("utf-8")
    target.write_text(mutant.source, "utf-8")
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant.module, "PYTHONDONTWRITEBYTECODE": "1"}
    tests = [str(p.relative_to(copy)) for pattern in mutant.tests for p in sorted(copy.glob(pattern))]
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "tests.mutation.scope", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, timeout=TIMEOUT_S)
        code = done.returncode
    except subprocess.TimeoutExpired:
        code = None
    finally:
        target.write_text(original, "utf-8")
    status = {0: "survived", 1: "killed", 2: "killed", 3: "killed", 5: "no tests", None: "timeout"}.get(
        code, f"error {code}"
    )
    return status, time.monotonic() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="run the mutants whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    args = parser.parse_args(argv)

    config = tomllib.loads(CONFIG.read_text("utf-8"))
    files = source_files()
    mutants = [m for entry in config.get("constants", []) for m in constant_mutants(entry, files)]
    mutants += snippet_mutants(config.get("mutant", []), files)
    mutants = [m for m in mutants if args.only in m.name]
    if args.list:
        for mutant in mutants:
            print(f"{mutant.path}:{mutant.line}  {mutant.name}")
        print(f"{len(mutants)} hand mutants")
        return 0

    copies = prepare(max(1, args.jobs))
    free = list(copies)
    results = {}

    def run(mutant: Mutant):
        copy = free.pop()
        try:
            results[mutant.name] = judge(mutant, copy)
        finally:
            free.append(copy)
        status, seconds = results[mutant.name]
        print(f"  {status:9} {seconds:5.1f}s  {mutant.name}", flush=True)

    print(f"Running {len(mutants)} hand mutants with {len(copies)} jobs")
    try:
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            list(pool.map(run, mutants))
    finally:
        for copy in copies:
            shutil.rmtree(copy, ignore_errors=True)
    return summarise(mutants, results)


def summarise(mutants: list[Mutant], results: dict) -> int:
    by_target: dict[str, list] = {}
    for mutant in mutants:
        by_target.setdefault(mutant.path, []).append(mutant)
    print("\nHand mutants (constants and decorated functions)")
    for path, group in by_target.items():
        statuses = [results[m.name][0] for m in group]
        killed = sum(s in ("killed", "timeout") for s in statuses)
        survived = [m for m in group if results[m.name][0] == "survived"]
        equivalent = [m for m in survived if m.equivalent]
        tested = killed + len(survived)
        score = 100 * killed / tested if tested else 0
        adjusted = 100 * killed / (tested - len(equivalent)) if tested - len(equivalent) else 0
        print(
            f"  {path}: {len(group)} mutants, {killed} killed, {len(survived)} survived "
            f"({len(equivalent)} equivalent): score {score:.1f}%, {adjusted:.1f}% without equivalents"
        )
    problems = [m for m in mutants if results[m.name][0] not in ("killed", "timeout", "survived")]
    survivors = [m for m in mutants if results[m.name][0] == "survived"]
    if survivors:
        print("\nSurviving hand mutants:")
        for mutant in survivors:
            why = f"  [equivalent: {mutant.equivalent}]" if mutant.equivalent else ""
            print(f"  {mutant.path}:{mutant.line}  {mutant.name}{why}")
    for mutant in problems:
        print(f"  {results[mutant.name][0]}: {mutant.name}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
