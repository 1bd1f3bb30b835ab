"""Report A converts to PDF with LibreOffice headless (CI installs libreoffice and fonts-noto-cjk).

The test proves the DOCX is one a word processor opens and lays out, with the Chinese text
rendered (extractable from the PDF) and the page-number field filled in.
"""

import os
import re
import shutil
import subprocess

import pytest

from reports.builders import build
from reports.data import report_data
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


# On a developer's machine without LibreOffice the test is skipped; in CI it must run.
@pytest.mark.skipif(
    LIBREOFFICE is None and not os.environ.get("CI"),
    reason="未安装 LibreOffice（apt-get install libreoffice-writer fonts-noto-cjk poppler-utils）",
)
def test_report_a_converts_to_pdf(tmp_path):
    data = report_data(
        fund=Fund.objects.get(code="xj-2024-elderly"), region=Region.objects.get(code="650000")
    )
    docx = tmp_path / "report-a.docx"
    docx.write_bytes(build(data, kind="a", format="docx"))
    # A profile of its own: a LibreOffice already running for the same user would take the job.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            LIBREOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    pdf = tmp_path / "report-a.pdf"
    assert pdf.exists(), f"LibreOffice 未生成PDF：{result.stdout}{result.stderr}"
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")

    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)[1])
    else:
        pages = len(re.findall(rb"/Type\s*/Page[^s]", content))
    # Seed 000's report with its 15 target tables and the 自评表 runs to dozens of pages.
    assert pages >= 20

    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for heading in ("一、绩效目标分解下达情况", "六、附件", "中央对地方转移支付区域（项目）绩效自评表"):
            assert heading in text.replace(" ", ""), heading
        assert "完成率35.72%，偏差率64.28%" in text.replace(" ", "").replace("\n", "")
        numbers = {int(n) for n in re.findall(r"—\s*(\d+)\s*—", text)}
        assert numbers == set(range(1, pages + 1))  # the PAGE field is laid out on every page
