"""The tests' own house rules: what several test modules share has one home.

- No module under tests/ imports a test module (test_*.py or a conftest.py): a helper two
  modules share lives in conftest.py or in a helper module (scenarios.py, readers.py,
  xlsx_factory.py, processes.py).
- A fixture name is defined once under tests/, conftest files included, so ``relief`` or
  ``admin_yili`` is the same object in every module.
- A seed figure is typed only in seed_figures.py; every other module imports its name. Checked
  for the figures above 1000: smaller numbers are too often test inputs of their own. Comments
  and docstrings may quote a figure to explain a sum; code may not.

The files are read with ast, tests/e2e and tests/mutation included. Each check has a test on a
made-up source beside it, so a check that went blind would fail too.
"""

import ast
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tests import seed_figures

TESTS = Path(__file__).resolve().parent
SOURCES = sorted(TESTS.rglob("*.py"))
SMALLEST_CHECKED = 1000
# Names in seed_figures.py that hold no figures of the seeds (GB/T 2260 region codes).
NOT_FIGURES = {"PREFECTURE_CODES"}
NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?!\d)")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(TESTS.parent))


# --- no test module imports another -----------------------------------------------------------


def imported_test_modules(tree: ast.Module) -> list[str]:
    """The test modules (test_*, conftest) that this source imports, as written."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # relative or not: `from . import test_x` too
            dotted = [f"{node.module or ''}.{alias.name}".strip(".") for alias in node.names]
        else:
            continue
        for name in dotted:
            parts = name.split(".")
            test_part = next(
                (i for i, part in enumerate(parts) if part.startswith("test_") or part == "conftest"), None
            )
            if test_part is not None:
                found.append(".".join(parts[: test_part + 1]))
    return found


def test_no_module_imports_a_test_module():
    imports = {_name(path): imported_test_modules(_tree(path)) for path in SOURCES}
    assert {name: found for name, found in imports.items() if found} == {}


def test_the_import_check_sees_each_way_of_writing_it():
    source = (
        "from tests.test_settings import start_django\n"
        "from tests import test_pages, readers\n"
        "import tests.e2e.conftest\n"
        "from .test_rules import D\n"
        "from . import conftest\n"
        "from tests.scenarios import person\n"
        "from django.test import Client\n"
    )
    assert imported_test_modules(ast.parse(source)) == [
        "tests.test_settings",
        "tests.test_pages",
        "tests.e2e.conftest",
        "test_rules",
        "conftest",
    ]


# --- one definition per fixture name ----------------------------------------------------------


def fixture_names(tree: ast.Module) -> list[str]:
    """The fixtures this source defines (``@pytest.fixture``, with or without arguments)."""
    names = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            if ast.unparse(call.func if call else decorator) not in ("pytest.fixture", "fixture"):
                continue
            given = [kw.value.value for kw in (call.keywords if call else []) if kw.arg == "name"]
            names.append(given[0] if given else node.name)
    return names


def defined_more_than_once(definitions: dict[str, list[str]]) -> dict[str, list[str]]:
    """{fixture: the modules defining it} for each fixture defined in more than one place."""
    places = defaultdict(list)
    for module, names in definitions.items():
        for name in names:
            places[name].append(module)
    return {name: modules for name, modules in places.items() if len(modules) > 1}


def test_each_fixture_is_defined_once():
    definitions = {_name(path): fixture_names(_tree(path)) for path in SOURCES}
    assert "relief" in definitions["tests/conftest.py"]  # the check reads the fixtures at all
    assert defined_more_than_once(definitions) == {}


def test_the_fixture_check_sees_a_second_definition():
    source = (
        "@pytest.fixture\ndef relief(db): ...\n"
        "@pytest.fixture(name='yili')\ndef _yili(db): ...\n"
        "class TestPages:\n    @pytest.fixture(scope='class')\n    def page(self): ...\n"
        "def relief_rows(): ...\n"
    )
    assert fixture_names(ast.parse(source)) == ["relief", "yili", "page"]
    definitions = {"tests/conftest.py": ["relief", "yili"], "tests/test_a.py": ["page", "relief"]}
    assert defined_more_than_once(definitions) == {"relief": ["tests/conftest.py", "tests/test_a.py"]}


# --- seed figures typed once ------------------------------------------------------------------


def figures_in(value) -> set[Decimal]:
    """Every number in a value of seed_figures.py: ints, Decimals and numbers written as text
    ("2583", "0.33"), inside tuples, lists and dict values."""
    if isinstance(value, bool):
        return set()
    if isinstance(value, int | Decimal):
        return {Decimal(value)}
    if isinstance(value, str):
        try:
            return {Decimal(value.removesuffix("%"))}
        except InvalidOperation:
            return set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*(figures_in(item) for item in value))
    return set()


SEED_FIGURES = {
    figure
    for name, value in vars(seed_figures).items()
    if name.isupper() and name not in NOT_FIGURES
    for figure in figures_in(value)
    if figure > SMALLEST_CHECKED
}


def _docstrings(tree: ast.Module) -> set[int]:
    bodies = [tree.body] + [
        node.body
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    return {
        id(body[0].value)
        for body in bodies
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    }


def seed_figure_literals(tree: ast.Module, figures: set[Decimal]) -> list[tuple[int, str]]:
    """(line, text) of each seed figure written in code: a number, or a number inside a
    string ("14005.00", "资金8454万元"). Docstrings are explanation and not read."""
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings or isinstance(node.value, bool):
            continue
        if isinstance(node.value, int | float):
            texts = [repr(node.value)]
        elif isinstance(node.value, str):
            texts = NUMBER.findall(node.value)
        else:
            continue
        found += [(node.lineno, text) for text in texts if Decimal(text) in figures]
    return sorted(found)


def test_seed_figures_are_typed_only_in_seed_figures_py():
    kashgar = Decimal(seed_figures.ELDERLY_EXECUTION["喀什地区"][0])  # a figure written as text
    assert {seed_figures.YINING_RELIEF, seed_figures.RELIEF_TOTAL[0], kashgar} <= SEED_FIGURES
    literals = {
        _name(path): seed_figure_literals(_tree(path), SEED_FIGURES)
        for path in SOURCES
        if path.name != "seed_figures.py"
    }
    assert {name: found for name, found in literals.items() if found} == {}


def test_the_figure_check_sees_a_figure_in_every_form():
    yining = seed_figures.YINING_RELIEF
    source = (
        f'"""伊宁市 gets {yining}: a docstring may say so."""\n'
        f"budget = {int(yining)}\n"
        f"spent = {float(yining)}\n"
        f'total = D("{yining}")\n'
        f'shown = "{yining:.2f}"\n'
        f'message = f"下达资金{yining}万元，{{name}}"\n'
        "synthetic = 5600\n"
        f"code = '{seed_figures.PREFECTURE_CODES['伊犁州']}'\n"
    )
    found = seed_figure_literals(ast.parse(source), SEED_FIGURES)
    assert [line for line, _ in found] == [2, 3, 4, 5, 6]
    assert all(Decimal(text) == yining for _, text in found)


def test_the_sources_read_include_the_e2e_and_mutation_modules():
    names = {_name(path) for path in SOURCES}
    assert {"tests/e2e/conftest.py", "tests/mutation/hand_mutants.py", "tests/test_house.py"} <= names
