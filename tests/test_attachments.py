"""佐证材料: files attached to a return or one of its lines, checked by content, read by region."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def _upload(client, ret, name, content, line=""):
    return client.post(
        reverse("indicators:attachment_add", args=[ret.pk]),
        {"file": SimpleUploadedFile(name, content), "line": line},
    )


@pytest.mark.django_db
def test_pdf_and_xlsx_kept_and_exe_named_pdf_refused(client, yining_return, clerk_yining, new_events):
    client.force_login(clerk_yining)
    _upload(client, yining_return, "说明.pdf", PDF)
    _upload(client, yining_return, "台账.xlsx", _xlsx())
    _upload(client, yining_return, "假的.pdf", b"MZ\x90\x00program")
    assert sorted(a.original_name for a in Attachment.objects.filter(ret=yining_return)) == [
        "台账.xlsx",
        "说明.pdf",
    ]
    assert [e.summary for e in new_events().filter(action=AuditEvent.Action.ATTACH).order_by("pk")] == [
        "上传佐证材料：说明.pdf",
        "上传佐证材料：台账.xlsx",
    ]


@pytest.mark.django_db
def test_other_county_clerk_gets_404_and_reviewer_above_downloads(
    client, yining_return, clerk_yining, clerk_huocheng, reviewer_yili
):
    client.force_login(clerk_yining)
    _upload(client, yining_return, "说明.pdf", PDF)
    attachment = Attachment.objects.get(ret=yining_return)
    url = reverse("indicators:attachment", args=[yining_return.pk, attachment.pk])
    client.force_login(clerk_huocheng)
    assert client.get(url).status_code == 404
    assert _upload(client, yining_return, "b.pdf", PDF).status_code == 404
    client.force_login(reviewer_yili)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
