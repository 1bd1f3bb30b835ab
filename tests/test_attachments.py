"""佐证材料: files attached to a return or one of its lines, checked by their content, stored
through Django's storage, read by region, audited, and listed in the fund workbook."""

import io
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from evalportal.models import AuditEvent, User
from indicators import services
from indicators.models import Attachment, IndicatorActual, Return
from indicators.services import WorkflowError, attachment_add, return_open
from reports.exports import fund_export
from reports.imports.base import dry_run
from reports.imports.fund import FundImporter
from tests.scenarios import fill_submit_approve
from transfers.models import Region

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00program"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
NOT_PDF = "只能上传 PDF、JPG、PNG、DOCX、XLSX 文件；该文件内容不是PDF。"


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    wb = Workbook()
    wb.active["A1"] = "低保台账"
    wb.save(buf)
    return buf.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    document = Document()
    document.add_paragraph("发放记录说明")
    document.save(buf)
    return buf.getvalue()


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    return buf.getvalue()


def upload(client, ret, name, content, line=""):
    return client.post(
        reverse("indicators:attachment_add", args=[ret.pk]),
        {"file": SimpleUploadedFile(name, content), "line": line},
    )


def page(response) -> str:
    return response.content.decode()


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def download_url(attachment: Attachment) -> str:
    return reverse("indicators:attachment", args=[attachment.ret_id, attachment.pk])


def delete_url(attachment: Attachment) -> str:
    return reverse("indicators:attachment_delete", args=[attachment.ret_id, attachment.pk])


@pytest.fixture
def first_line(yining_return) -> IndicatorActual:
    return yining_return.actuals.select_related("indicator").order_by("indicator__order").first()


@pytest.fixture
def kept(client, yining_return, clerk_yining):
    """伊宁市's clerk attached 说明.pdf to the whole return."""
    client.force_login(clerk_yining)
    assert upload(client, yining_return, "说明.pdf", PDF).status_code == 302
    return Attachment.objects.get(ret=yining_return)


# --- what is accepted, what is refused ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("说明.pdf", PDF, "application/pdf"),
        ("现场照片.PNG", PNG, "image/png"),
        ("发放现场.jpg", JPEG, "image/jpeg"),
        ("发放现场.jpeg", JPEG, "image/jpeg"),
        ("情况说明.docx", None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("台账.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_each_allowed_kind_is_kept_as_uploaded(
    client, yining_return, clerk_yining, name, content, content_type
):
    if content is None:
        content = docx_bytes() if name.endswith(".docx") else xlsx_bytes()
    client.force_login(clerk_yining)
    response = upload(client, yining_return, name, content)
    assert response.status_code == 302
    attachment = Attachment.objects.get(ret=yining_return)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(content),
    )
    assert attachment.actual is None
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    # Stored under a name of the portal's own, never the person's.
    assert name not in attachment.file.name and attachment.file.name.startswith("evidence/xj-2024-relief/")


@pytest.mark.parametrize("content", [zip_bytes(), HTML, EXE], ids=["zip", "html", "exe"])
def test_a_pdf_that_is_something_else_is_refused(client, settings, yining_return, clerk_yining, content):
    client.force_login(clerk_yining)
    response = upload(client, yining_return, "说明.pdf", content)
    assert response.status_code == 302
    shown = page(client.get(response["Location"]))
    assert f"“说明.pdf”未上传：{NOT_PDF}" in shown
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_name_that_does_not_match_the_content_is_refused(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    response = upload(client, yining_return, "照片.jpg", PNG, line="")
    shown = page(client.get(response["Location"]))
    assert "该文件内容是 PNG，但文件名是.jpg，请改正扩展名。" in shown
    response = upload(client, yining_return, "台账.docx", xlsx_bytes())
    assert "该文件内容是 XLSX，但文件名是.docx" in page(client.get(response["Location"]))
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(client, settings, yining_return, clerk_yining):
    settings.ATTACHMENT_MAX_BYTES = 2048
    client.force_login(clerk_yining)
    response = upload(client, yining_return, "扫描件.pdf", PDF + b"0" * 2100)
    assert "文件超过 2 KB，请压缩或拆分后再上传。" in page(client.get(response["Location"]))
    assert upload(client, yining_return, "小.pdf", PDF).status_code == 302
    assert [a.original_name for a in Attachment.objects.all()] == ["小.pdf"]


def test_an_empty_file_is_refused(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    response = upload(client, yining_return, "空.pdf", b"")
    assert "文件是空的，请重新选择。" in page(client.get(response["Location"]))
    assert not Attachment.objects.exists()


def test_a_post_without_a_file_says_so(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    response = client.post(reverse("indicators:attachment_add", args=[yining_return.pk]), {"line": ""})
    assert response.status_code == 302
    assert "请先选择要上传的文件。" in page(client.get(response["Location"]))
    assert not Attachment.objects.exists()


def test_a_return_holds_at_most_the_stated_count(client, settings, yining_return, clerk_yining):
    settings.ATTACHMENT_MAX_COUNT = 2
    client.force_login(clerk_yining)
    upload(client, yining_return, "一.pdf", PDF)
    upload(client, yining_return, "二.png", PNG)
    response = upload(client, yining_return, "三.pdf", PDF)
    assert "每份填报最多 2 个附件，请先删除不需要的附件。" in page(client.get(response["Location"]))
    assert sorted(a.original_name for a in Attachment.objects.all()) == ["一.pdf", "二.png"]


def test_the_form_says_the_limits(client, settings, yining_return, clerk_yining):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.ATTACHMENT_MAX_COUNT = 12
    client.force_login(clerk_yining)
    shown = page(client.get(reverse("indicators:edit", args=[yining_return.pk])))
    assert "每个不超过 10 MB，每份填报最多 12 个" in shown
    assert 'accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx"' in shown


def test_a_failed_upload_changes_nothing(
    client, settings, monkeypatch, yining_return, clerk_yining, new_events
):
    """Even when the file was already stored: a row that rolls back takes its file with it."""

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "_audit", broken)
    upload_file = SimpleUploadedFile("说明.pdf", PDF)
    with pytest.raises(RuntimeError):
        attachment_add(ret=yining_return, actor=clerk_yining, upload=upload_file)
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []
    assert not new_events().filter(action=AuditEvent.Action.ATTACH).exists()


# --- lines, pages ------------------------------------------------------------------------------


def test_a_file_of_one_line_shows_beside_that_line(
    client, yining_return, clerk_yining, reviewer_yili, first_line
):
    client.force_login(clerk_yining)
    assert upload(client, yining_return, "覆盖率.xlsx", xlsx_bytes(), line=first_line.pk).status_code == 302
    upload(client, yining_return, "总体说明.pdf", PDF)
    on_line = Attachment.objects.get(original_name="覆盖率.xlsx")
    assert on_line.actual == first_line
    edit = reverse("indicators:edit", args=[yining_return.pk])
    client.get(edit)  # shows (and so clears) the upload messages, which name the files too
    form = page(client.get(edit))
    name = first_line.indicator.name
    # beside the line: after the line's name and before the whole-return section
    assert (
        form.index(name) < form.index("覆盖率.xlsx") < form.index("五、佐证材料") < form.index("总体说明.pdf")
    )
    assert delete_url(on_line) in form
    client.force_login(reviewer_yili)
    detail = page(client.get(reverse("indicators:detail", args=[yining_return.pk])))
    assert detail.index(name) < detail.index("覆盖率.xlsx") < detail.index("总体说明.pdf")
    assert download_url(on_line) in detail
    assert delete_url(on_line) not in detail  # a reviewer reads, never removes


def test_a_line_of_another_return_is_refused(client, relief, yining_return, clerk_yining, clerk_huocheng):
    other = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    foreign = other.actuals.first()
    client.force_login(clerk_yining)
    response = upload(client, yining_return, "说明.pdf", PDF, line=foreign.pk)
    assert "所选指标不属于本填报，请重新选择。" in page(client.get(response["Location"]))
    assert not Attachment.objects.exists()
    with pytest.raises(WorkflowError, match="该指标行不属于本填报"):
        attachment_add(
            ret=yining_return, actor=clerk_yining, upload=SimpleUploadedFile("a.pdf", PDF), actual=foreign
        )


# --- who may upload, read and remove -----------------------------------------------------------


def test_another_countys_clerk_finds_nothing(client, kept, yining_return, clerk_huocheng):
    client.force_login(clerk_huocheng)
    assert upload(client, yining_return, "b.pdf", PDF).status_code == 404
    assert client.get(download_url(kept)).status_code == 404
    assert client.post(delete_url(kept)).status_code == 404
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["说明.pdf"]


def test_an_auditor_reads_but_may_not_upload_or_remove(client, kept, yining_return, auditor_xj):
    client.force_login(auditor_xj)
    assert upload(client, yining_return, "b.pdf", PDF).status_code == 403
    assert client.post(delete_url(kept)).status_code == 403
    assert client.get(download_url(kept)).status_code == 200
    assert Attachment.objects.count() == 1


def test_the_reviewer_above_may_not_upload_to_a_countys_return(client, yining_return, reviewer_yili):
    client.force_login(reviewer_yili)
    assert upload(client, yining_return, "b.pdf", PDF).status_code == 403
    assert not Attachment.objects.exists()


def test_the_prefectures_reviewer_downloads_the_file_as_uploaded(client, kept, reviewer_yili):
    client.force_login(reviewer_yili)
    response = client.get(download_url(kept))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('说明.pdf')}"


def test_a_file_is_found_only_under_its_own_return(client, relief, kept, clerk_huocheng, reviewer_yili):
    other = return_open(fund=relief, region=clerk_huocheng.region, actor=clerk_huocheng)
    client.force_login(reviewer_yili)
    assert client.get(reverse("indicators:attachment", args=[other.pk, kept.pk])).status_code == 404


def test_a_file_missing_from_storage_is_a_404_not_a_500(client, kept, reviewer_yili):
    kept.file.storage.delete(kept.file.name)
    client.force_login(reviewer_yili)
    assert client.get(download_url(kept)).status_code == 404


# --- the workflow and the audit trail ----------------------------------------------------------


def test_attach_and_detach_are_in_the_audit_trail(
    client, django_capture_on_commit_callbacks, yining_return, clerk_yining, first_line, new_events
):
    client.force_login(clerk_yining)
    upload(client, yining_return, "覆盖率.xlsx", xlsx_bytes(), line=first_line.pk)
    attachment = Attachment.objects.get()
    path = attachment.file.name
    # the stored file goes once the deletion has committed
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete_url(attachment)).status_code == 302
    assert not Attachment.objects.exists()
    assert not attachment.file.storage.exists(path)
    events = list(
        new_events().filter(action__in=[AuditEvent.Action.ATTACH, AuditEvent.Action.DETACH]).order_by("pk")
    )
    assert [(e.action, e.summary) for e in events] == [
        (AuditEvent.Action.ATTACH, "上传佐证材料：覆盖率.xlsx"),
        (AuditEvent.Action.DETACH, "删除佐证材料：覆盖率.xlsx"),
    ]
    detail = page(client.get(reverse("indicators:detail", args=[yining_return.pk])))
    assert "上传佐证材料：覆盖率.xlsx" in detail and "删除佐证材料：覆盖率.xlsx" in detail  # 处理记录
    attach, detach = events
    assert attach.changes["佐证材料"] == [None, "覆盖率.xlsx"]
    assert attach.changes["指标"] == first_line.indicator.name
    assert detach.changes["佐证材料"] == ["覆盖率.xlsx", None]
    assert attach.region.name == "伊宁市" and attach.fund.code == "xj-2024-relief"
    assert attach.actor == clerk_yining


def test_an_approved_return_keeps_its_evidence(client, kept, yining_return, clerk_yining, reviewer_yili):
    fill_submit_approve(
        yining_return,
        clerk=clerk_yining,
        reviewer=reviewer_yili,
        funding={"central": {"spent": Decimal("9000")}},
    )
    assert Return.objects.get(pk=yining_return.pk).status == Return.Status.APPROVED
    client.force_login(clerk_yining)
    assert upload(client, yining_return, "补充.pdf", PDF).status_code == 403
    assert client.post(delete_url(kept)).status_code == 403
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["说明.pdf"]
    assert kept.file.storage.exists(kept.file.name)
    with pytest.raises(WorkflowError, match="不能上传或删除佐证材料"):
        attachment_add(ret=yining_return, actor=clerk_yining, upload=SimpleUploadedFile("补充.pdf", PDF))
    # the approved return's page still lists and serves it
    detail = page(client.get(reverse("indicators:detail", args=[yining_return.pk])))
    assert "说明.pdf" in detail and delete_url(kept) not in detail
    assert client.get(download_url(kept)).status_code == 200


# --- the fund workbook -------------------------------------------------------------------------


def evidence_rows(region_code: str, relief) -> list[tuple]:
    book = load_workbook(io.BytesIO(fund_export(fund=relief, region=Region.objects.get(code=region_code))))
    return list(book["佐证材料"].iter_rows(values_only=True))


def test_the_fund_workbook_lists_the_evidence_in_scope(
    client, relief, yining_return, clerk_yining, first_line
):
    client.force_login(clerk_yining)
    upload(client, yining_return, "总体说明.pdf", PDF)
    upload(client, yining_return, "覆盖率.pdf", PDF + b"0" * (3 * 1024), line=first_line.pk)
    header, *rows = evidence_rows("650000", relief)
    assert header == ("代码", "地区", "项目", "填报期", "指标", "文件名", "大小", "上传人", "上传时间")
    assert [row[:8] for row in rows] == [
        ("654002", "伊宁市", None, "年度绩效自评", "（整份填报）", "总体说明.pdf", "1 KB", str(clerk_yining)),
        (
            "654002",
            "伊宁市",
            None,
            "年度绩效自评",
            first_line.indicator.name,
            "覆盖率.pdf",
            "3 KB",
            str(clerk_yining),
        ),
    ]
    assert all(row[8] for row in rows)
    # 霍城县's own workbook holds none of 伊宁市's files
    assert evidence_rows("654023", relief)[1:] == []


def test_the_import_passes_over_the_evidence_sheet(client, relief, kept, admin_xj):
    """The list is for the reader: the same workbook imported again changes nothing."""
    content = fund_export(fund=relief, region=admin_xj.region, user=admin_xj)
    assert load_workbook(io.BytesIO(content))["佐证材料"]["F2"].value == "说明.pdf"
    plan = dry_run(FundImporter(actor=admin_xj, scope=admin_xj.region), content=content, filename="x.xlsx")
    assert not plan.errors and not plan.has_changes, plan.errors[:3]
    assert Attachment.objects.get() == kept


def test_support_sees_the_files_read_only_in_the_admin(client, kept, yining_return):
    operator = User.objects.create_superuser("operator", password="x")
    client.force_login(operator)
    body = page(client.get(reverse("admin:indicators_return_change", args=[yining_return.pk])))
    assert "说明.pdf" in body and kept.sha256 in body
    assert 'name="attachments-0-original_name"' not in body  # shown, not editable
