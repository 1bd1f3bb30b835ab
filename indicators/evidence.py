"""What kind of file an uploaded 佐证材料 is, read from its bytes: the name only has to agree.

A browser's content type and the file's extension are what the sender says; the first bytes
are what the file is. A .pdf that is really a program, a web page or an archive is refused, and
so is a .docx that is a zip of something else: DOCX and XLSX are zips, told apart by the part
every such document holds (``word/document.xml``, ``xl/workbook.xml``). Pure: no database, no
settings; the caller passes the limits in.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

ALLOWED_TEXT = "只能上传 PDF、JPG、PNG、DOCX、XLSX 文件"


@dataclass(frozen=True)
class Kind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = Kind("PDF", "application/pdf", ("pdf",))
PNG = Kind("PNG", "image/png", ("png",))
JPEG = Kind("JPG", "image/jpeg", ("jpg", "jpeg"))
DOCX = Kind("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",))
XLSX = Kind("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
KINDS = (PDF, PNG, JPEG, DOCX, XLSX)
ACCEPT = ",".join(f".{ext}" for kind in KINDS for ext in kind.extensions)  # the file input's hint

_ZIP_MAGIC = b"PK\x03\x04"
# A real document has a few dozen parts; a zip with many thousands is not one we want to list.
_MAX_ZIP_ENTRIES = 10_000


class EvidenceRefused(ValueError):
    """The file is not one the portal keeps; the message says why, in Chinese."""


@dataclass(frozen=True)
class Checked:
    kind: Kind
    size: int
    sha256: str


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _zip_kind(fileobj: BinaryIO) -> Kind | None:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError):
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def detect(fileobj: BinaryIO) -> Kind | None:
    """The kind the bytes say, or None for anything else (a corrupt zip included)."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(fileobj)
    return None


def size_text(size: int) -> str:
    """A size as the pages, the audit trail and the fund workbook say it: 20 MB, 1.5 MB, 3 KB."""
    mb = size / (1024 * 1024)
    return f"{round(mb, 1):g} MB" if mb >= 1 else f"{max(size // 1024, 1)} KB"


def check(name: str, fileobj: BinaryIO, *, size: int, max_bytes: int) -> Checked:
    """Refuse what is too big, not an allowed kind, or named as another kind than it is."""
    if size > max_bytes:
        raise EvidenceRefused(f"文件超过 {size_text(max_bytes)}，请压缩或拆分后再上传。")
    if size == 0:
        raise EvidenceRefused("文件是空的，请重新选择。")
    kind = detect(fileobj)
    ext = extension(name)
    if kind is None:
        named = next((k.label for k in KINDS if ext in k.extensions), None)
        what = named or "其中任何一种"
        raise EvidenceRefused(f"{ALLOWED_TEXT}；该文件内容不是{what}。")
    if ext not in kind.extensions:
        shown = f".{ext}" if ext else "没有扩展名"
        raise EvidenceRefused(f"{ALLOWED_TEXT}；该文件内容是 {kind.label}，但文件名是{shown}，请改正扩展名。")
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return Checked(kind=kind, size=size, sha256=digest.hexdigest())
