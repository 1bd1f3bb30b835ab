"""Uploads are checked against their limits before anything is loaded.

The issue's file (218 KB that unpacks to 100 MB with 6.65 M cells) took 55 s and 2.5 GB; the
time and memory of the refusal are measured by bench/bench_upload_limits.py, run by hand.
These tests assert the refusals and their messages only.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.imports.base import ImportFailed, read_upload
from reports.models import ImportRecord
from tests.xlsx_factory import expanding_xlsx


def refusal(content: bytes) -> str:
    with pytest.raises(ImportFailed) as caught:
        read_upload(content, "表.xlsx", allow_csv=False)
    return str(caught.value)


def test_the_expanding_workbook_of_the_issue_is_refused_by_its_unpacked_size():
    bomb = expanding_xlsx(rows=255_000, columns=26)  # 6.63 M cells, ~100 MB unpacked
    assert len(bomb) < 1024 * 1024
    message = refusal(bomb)
    assert "解压后为97.5 MB" in message and "超过上限50.0 MB" in message


def test_too_many_cells_are_refused_while_streaming(settings):
    settings.IMPORT_MAX_CELLS = 50_000
    message = refusal(expanding_xlsx(rows=2_000, columns=26))  # 52,000 cells, 1.4 MB unpacked
    assert "单元格数量超过上限50,000个" in message


def test_too_many_rows_are_refused():
    message = refusal(expanding_xlsx(rows=50_001, columns=1))
    assert "行数超过上限50000行" in message


def test_too_many_sheets_are_refused():
    assert "工作簿有21个工作表，超过上限20个" in refusal(expanding_xlsx(rows=1, sheets=21))


def test_padding_counts_towards_the_unpacked_size(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    assert "解压后" in refusal(expanding_xlsx(rows=1, padding=3 * 1024 * 1024))


def test_a_workbook_within_the_limits_is_read():
    sheets = read_upload(expanding_xlsx(rows=100, columns=5), "表.xlsx", allow_csv=False)
    assert len(sheets[0].rows) == 100 and sheets[0].rows[0] == (1, 1, 1, 1, 1)


@pytest.mark.django_db
def test_the_upload_page_says_why_in_chinese(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(
        reverse("imports:upload", args=["regions"]),
        {"file": SimpleUploadedFile("行政区划.xlsx", expanding_xlsx(rows=255_000, columns=26))},
        follow=True,
    )
    assert response.status_code == 200
    assert "解压后为97.5 MB" in response.content.decode()
    assert not ImportRecord.objects.filter(applied=True).exists()
