"""The PDF copy of a generated DOCX (LibreOffice headless) and the picture of its first page
(pdftoppm), made by the worker in the job that builds the DOCX.

Each conversion runs in a folder of its own with a LibreOffice profile of its own
(``-env:UserInstallation``): two workers converting at once, or a LibreOffice a person has open
under the same account, would otherwise share one profile and one of them would fail or hand
its file to the other. Every failure is a `ConversionError` whose message says in Chinese what
is missing; the job keeps the DOCX and shows the message.
"""

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PREVIEW_RESOLUTION = 60  # dots per inch: an A4 page of about 496 × 702 pixels


class ConversionError(Exception):
    """No PDF or no picture: the message says why, for the file page."""


def _program(name: str, missing: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConversionError(missing)
    return found


def _run(command: list[str], *, folder: Path, timeout: int, what: str) -> None:
    env = {**os.environ, "HOME": str(folder)}  # LibreOffice writes under HOME even with a profile
    try:
        result = subprocess.run(
            command, capture_output=True, timeout=timeout, check=False, env=env, cwd=folder
        )
    except subprocess.TimeoutExpired:
        raise ConversionError(f"{what}超过{timeout}秒仍未完成，已停止。") from None
    except OSError as exc:
        raise ConversionError(f"{what}无法启动（{exc.strerror or type(exc).__name__}）。") from None
    if result.returncode:
        logger.warning("%s 失败（%s）：%s", command[0], result.returncode, result.stderr[-2000:])
        raise ConversionError(f"{what}失败（退出码 {result.returncode}）。")


def docx_to_pdf(content: bytes, *, converter: str, timeout: int) -> bytes:
    """The PDF LibreOffice makes of ``content`` (a DOCX)."""
    program = _program(
        converter,
        f"服务器未安装 LibreOffice（找不到程序“{converter}”），未生成PDF。"
        "请系统管理员安装 libreoffice-writer 和 fonts-noto-cjk。",
    )
    with tempfile.TemporaryDirectory(prefix="evalportal-pdf-") as name:
        folder = Path(name)
        source = folder / "document.docx"
        source.write_bytes(content)
        profile = (folder / "profile").as_uri()
        command = [program, f"-env:UserInstallation={profile}", "--headless", "--norestore"]
        command += ["--convert-to", "pdf", "--outdir", str(folder), str(source)]
        _run(command, folder=folder, timeout=timeout, what="LibreOffice 转换PDF")
        pdf = folder / "document.pdf"
        data = pdf.read_bytes() if pdf.exists() else b""
    if not data.startswith(b"%PDF-"):
        raise ConversionError("LibreOffice 转换PDF失败（没有生成PDF文件）。")
    return data


def first_page_png(pdf: bytes, *, timeout: int = 60) -> bytes:
    """Page 1 of ``pdf`` as a PNG at PREVIEW_RESOLUTION."""
    program = _program("pdftoppm", "服务器未安装 poppler-utils（找不到程序“pdftoppm”），未生成第1页预览图。")
    with tempfile.TemporaryDirectory(prefix="evalportal-png-") as name:
        folder = Path(name)
        (folder / "document.pdf").write_bytes(pdf)
        command = [program, "-png", "-r", str(PREVIEW_RESOLUTION), "-f", "1", "-l", "1", "-singlefile"]
        command += [str(folder / "document.pdf"), str(folder / "page")]
        _run(command, folder=folder, timeout=timeout, what="生成第1页预览图")
        png = folder / "page.png"
        data = png.read_bytes() if png.exists() else b""
    if not data.startswith(b"\x89PNG"):
        raise ConversionError("生成第1页预览图失败（没有生成图片）。")
    return data
