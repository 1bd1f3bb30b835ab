"""pytest plugin for `make mutants`: which tests judge a mutant (loaded with -p by mutmut only).

mutmut runs, for each mutant, the tests that called the mutated function. A function of the
pure rules engine is called by hundreds of database tests too (every page, import and report
goes through it), and each of those would build the demo database again for every mutant: a
mutant of a pure module is therefore judged by the tests that need no database, as the
engine's own tests are meant to pin it. Mutants of the other targets (services, selectors)
run the tests mutmut chose. Outside a mutmut run (MUTANT_UNDER_TEST unset) this does nothing.
"""

import os

import pytest

# Modules (or packages: a prefix matches everything below it) whose mutants are judged
# without the database. Keep in step with `source_paths` in pyproject.toml.
PURE_TARGETS = ("indicators.rules",)


def _is_pure(mutant: str) -> bool:
    return any(mutant == target or mutant.startswith(f"{target}.") for target in PURE_TARGETS)


def _uses_db(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or "db" in names or "transactional_db" in names


def _mutant() -> str:
    # Read at each run: mutmut forks its workers after this module was first imported.
    return os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_configure(config):
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    # A mutant may slow a function down; a missed deadline is not a kill. Same examples each run.
    from hypothesis import settings

    settings.register_profile("mutants", deadline=None, derandomize=True, database=None)
    settings.load_profile("mutants")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not _is_pure(_mutant()):
        return
    keep = [item for item in items if not _uses_db(item)]
    deselected = [item for item in items if _uses_db(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep
