"""Every DOCX also as PDF, made by LibreOffice headless in the job that builds the DOCX, with a
picture of page 1 on the file page; served under the DOCX's own rule (404 outside the region).
Without LibreOffice, or when it fails, the DOCX is still delivered and the page says why.

The tests that convert need LibreOffice (CI installs libreoffice-writer, fonts-noto-cjk and
poppler-utils); on a developer's machine without it they are skipped, in CI they must run.
"""

import os
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from reports import services
from reports.builders import build
from reports.data import report_data
from reports.models import GeneratedFile, JobStatus
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE is None and not os.environ.get("CI"),
    reason="未安装 LibreOffice（apt-get install libreoffice-writer fonts-noto-cjk poppler-utils）",
)
ELDERLY = "xj-2024-elderly"


def built(user, region_code: str, *, kind="b", format="docx") -> GeneratedFile:
    """A document requested through the service and built as the worker builds it."""
    generated = services.generated_file_request(
        fund=Fund.objects.get(code=ELDERLY),
        region=Region.objects.get(code=region_code),
        kind=kind,
        format=format,
        actor=user,
    )
    services.generated_file_build(file_id=generated.pk)
    generated.refresh_from_db()
    return generated


@needs_libreoffice
def test_a_docx_job_also_delivers_its_pdf_and_a_picture_of_page_1(
    client, settings, admin_xj, clerk_yining, clerk_huocheng, reviewer_yili
):
    settings.REPORT_PDF_CONVERTER = LIBREOFFICE or "soffice"
    generated = built(admin_xj, "650000")
    assert (generated.status, generated.error, generated.pdf_error) == (JobStatus.DONE, "", "")
    assert generated.pdf.read().startswith(b"%PDF-")
    assert generated.preview.read().startswith(b"\x89PNG")

    client.force_login(admin_xj)
    page = client.get(reverse("reports:file_status", args=[generated.pk])).content.decode()
    pdf_url = reverse("reports:file_pdf", args=[generated.pk])
    preview_url = reverse("reports:file_preview", args=[generated.pk])
    assert pdf_url in page and f'src="{preview_url}"' in page and "第1页预览" in page
    listing = client.get(reverse("reports:fund_files", args=[ELDERLY])).content.decode()
    assert pdf_url in listing and reverse("reports:file_download", args=[generated.pk]) in listing

    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert pdf["Content-Disposition"].startswith("attachment") and ".pdf" in pdf["Content-Disposition"]
    picture = client.get(preview_url)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    width, height = _png_size(b"".join(picture.streaming_content))
    assert 490 <= width <= 500 and 700 <= height <= 705  # A4 at 60 dpi: a modest picture

    # The province's file is nobody's outside the province's region: the county clerk and the
    # prefecture reviewer get 404 for the PDF and the picture as for the DOCX.
    for outsider in (clerk_yining, reviewer_yili):
        client.force_login(outsider)
        for name in ("file_download", "file_pdf", "file_preview"):
            assert client.get(reverse(f"reports:{name}", args=[generated.pk])).status_code == 404, name
    # A county's file: its clerk reads all three, the clerk of another county none.
    county = built(clerk_yining, "654002", kind="e")
    client.force_login(clerk_yining)
    for name in ("file_download", "file_pdf", "file_preview"):
        assert client.get(reverse(f"reports:{name}", args=[county.pk])).status_code == 200, name
    client.force_login(clerk_huocheng)
    for name in ("file_download", "file_pdf", "file_preview"):
        assert client.get(reverse(f"reports:{name}", args=[county.pk])).status_code == 404, name


def _png_size(content: bytes) -> tuple[int, int]:
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def test_without_libreoffice_the_docx_is_delivered_and_the_page_says_why(client, settings, admin_xj):
    settings.REPORT_PDF_CONVERTER = "soffice-not-installed"
    generated = built(admin_xj, "650000")
    assert (generated.status, generated.error) == (JobStatus.DONE, "")
    assert not generated.pdf and not generated.preview
    assert "服务器未安装 LibreOffice" in generated.pdf_error and "DOCX 文件已生成" in generated.pdf_error
    client.force_login(admin_xj)
    page = client.get(reverse("reports:file_status", args=[generated.pk]))
    assert page.status_code == 200 and generated.pdf_error in page.content.decode()
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 200
    assert client.get(reverse("reports:file_pdf", args=[generated.pk])).status_code == 404
    assert client.get(reverse("reports:file_preview", args=[generated.pk])).status_code == 404
    progress = client.get(reverse("reports:file_progress", args=[generated.pk])).json()
    assert (progress["has_pdf"], progress["pdf_error"]) == (False, generated.pdf_error)


def test_a_failing_libreoffice_is_reported_in_chinese(settings, tmp_path, admin_xj):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'javaldx: Could not find a Java Runtime Environment!' >&2\nexit 3\n")
    broken.chmod(0o755)
    settings.REPORT_PDF_CONVERTER = str(broken)
    generated = built(admin_xj, "650000")
    assert generated.status == JobStatus.DONE and generated.file
    assert generated.pdf_error.startswith("LibreOffice 转换PDF失败（退出码 3）")


def test_a_workbook_has_no_pdf(settings, admin_xj):
    settings.REPORT_PDF_CONVERTER = "soffice-not-installed"
    generated = built(admin_xj, "650000", format="xlsx")
    assert generated.status == JobStatus.DONE and not generated.pdf and generated.pdf_error == ""


# On a developer's machine without LibreOffice the test is skipped; in CI it must run.
@needs_libreoffice
def test_report_a_converts_to_pdf(tmp_path):
    data = report_data(fund=Fund.objects.get(code=ELDERLY), region=Region.objects.get(code="650000"))
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
