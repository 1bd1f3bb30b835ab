"""The national code list of regions: a CSV in the region import's columns, loaded as a whole.

``fixtures/regions/regions_cn.csv`` (统计用区划代码 2023, see fixtures/README.md and the build
script beside it) is the list the portal ships with; a later list is a file of the same layout
given to ``python manage.py load_regions --file``. ``load_code_list`` reads it and hands the
rows to ``transfers.services.regions_load``, which does the writing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from django.conf import settings

from evalportal.models import User
from transfers.models import Region
from transfers.services import CodeListLoad, CodeListRefused, RegionValues, regions_load

CODE_LIST = Path(settings.BASE_DIR) / "fixtures" / "regions" / "regions_cn.csv"
COLUMNS = ["code", "name", "short_name", "level", "kind", "parent_code", "aliases"]
LEVELS = {str(level.value): level.value for level in Region.Level}


def load_code_list(path: Path = CODE_LIST, *, actor: User | None = None) -> CodeListLoad:
    """Read the list at ``path`` and load it; ``CodeListRefused`` names every problem."""
    content = _content(path)
    rows = read_code_list(content)
    digest = hashlib.sha256(content).hexdigest()[:12]
    return regions_load(actor=actor, rows=rows, source=f"{_relative(path)}（sha256 {digest}）")


def read_code_list(content: bytes) -> list[RegionValues]:
    """The rows of a code list (UTF-8), in file order; aliases are separated by ``|``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodeListRefused(["区划代码表应为 UTF-8 编码的 CSV 文件。"]) from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        raise CodeListRefused([f"区划代码表的表头应为 {','.join(COLUMNS)}。"])
    rows, errors = [], []
    for line, cells in enumerate(reader, start=2):
        if None in cells or any(value is None for value in cells.values()):
            errors.append(f"第{line}行：列数与表头不符。")
            continue
        cells = {key: value.strip() for key, value in cells.items()}
        if cells["level"] not in LEVELS:
            errors.append(f"第{line}行：层级“{cells['level']}”应为1、2或3。")
            continue
        rows.append(
            RegionValues(
                code=cells["code"],
                name=cells["name"],
                short_name=cells["short_name"],
                parent_code=cells["parent_code"] or None,
                level=LEVELS[cells["level"]],
                kind=cells["kind"],
                aliases=tuple(name.strip() for name in cells["aliases"].split("|") if name.strip()),
            )
        )
    if errors:
        raise CodeListRefused(errors)
    if not rows:
        raise CodeListRefused(["区划代码表没有数据行。"])
    return rows


def _content(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CodeListRefused([f"无法读取区划代码表 {_relative(path)}：{exc.strerror or exc}"]) from None


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return path.name
