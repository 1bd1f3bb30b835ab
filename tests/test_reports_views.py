"""The report pages: request a document, follow the job, download it; the wrong person gets 404.

Decision on read-only users: an auditor (查阅) may generate documents as well as read and
download them. A document changes no data; it prints what the auditor may already read, and
the audit trail records who asked for it.
"""

from io import BytesIO
from urllib.parse import unquote

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from evalportal.models import AuditEvent
from indicators.models import IndicatorActual
from reports import services
from reports.models import GeneratedFile, JobStatus
from reports.services import generated_file_request
from tests import readers
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

ELDERLY = "xj-2024-elderly"
RELIEF = "xj-2024-relief"


def run_queued_jobs(callbacks) -> None:
    """Do what the worker does for each job queued on commit (tests/test_reports_jobs.py sends
    them through the real broker to a real worker)."""
    assert callbacks, "the request queued no job"
    for generated in GeneratedFile.objects.filter(status=JobStatus.PENDING):
        services.generated_file_build(file_id=generated.pk)


@pytest.fixture
def make_file(django_capture_on_commit_callbacks):
    """Request a document through the service and build it as the worker would."""

    def make(user, region_code: str, *, fund=ELDERLY, kind="a", format="docx") -> GeneratedFile:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            generated = generated_file_request(
                fund=Fund.objects.get(code=fund),
                region=Region.objects.get(code=region_code),
                kind=kind,
                format=format,
                actor=user,
            )
        run_queued_jobs(callbacks)
        generated.refresh_from_db()
        return generated

    return make


def _fund_page(fund=ELDERLY):
    return reverse("reports:fund_files", args=[fund])


# --- anonymous -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, make_file, admin_xj):
    generated = make_file(admin_xj, "650000")
    for url in (
        reverse("reports:index"),
        _fund_page(),
        reverse("reports:file_status", args=[generated.pk]),
        reverse("reports:file_progress", args=[generated.pk]),
        reverse("reports:file_download", args=[generated.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


# --- the right person -------------------------------------------------------------------------------


def test_admin_generates_report_a_and_downloads_it(client, admin_xj, django_capture_on_commit_callbacks):
    client.force_login(admin_xj)
    page = client.get(_fund_page())
    assert page.status_code == 200
    assert "生成报告" in page.content.decode() and "尚未生成文件" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_fund_page(), {"kind": "a", "format": "docx", "region": "650000"})
    run_queued_jobs(callbacks)
    generated = GeneratedFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:file_status", args=[generated.pk])
    assert (generated.status, generated.progress, generated.error) == (JobStatus.DONE, 100, "")
    assert generated.file.name.startswith("generated/") and generated.finished_at is not None
    assert generated.data_version == services.data_version(generated.fund, generated.region)

    status = client.get(response["Location"]).content.decode()
    assert "已完成" in status and reverse("reports:file_download", args=[generated.pk]) in status
    progress = client.get(reverse("reports:file_progress", args=[generated.pk])).json()
    assert progress == {
        "status": "done",
        "status_display": "已完成",
        "progress": 100,
        "error": "",
        "finished": True,
        "warnings": [],  # every return of the elderly fund is approved: a final document
        "has_pdf": False,  # tests other than test_reports_pdf.py build no PDF
        "pdf_error": "",
    }

    download = client.get(reverse("reports:file_download", args=[generated.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "新疆维吾尔自治区" in unquote(download["Content-Disposition"])
    document = Document(BytesIO(b"".join(download.streaming_content)))
    assert document.paragraphs[0].text.endswith("转移支付2024年度绩效自评报告")

    listing = client.get(_fund_page()).content.decode()
    assert "与当前数据一致" in listing and "自治区民政厅管理员" in listing


def test_request_writes_an_audit_event(make_file, admin_xj):
    generated = make_file(admin_xj, "650000", kind="b", format="xlsx")
    event = AuditEvent.objects.filter(object_type="reports.generatedfile", object_id=str(generated.pk)).get()
    assert (event.actor, event.action, event.fund, event.region.code) == (
        admin_xj,
        AuditEvent.Action.CREATE,
        generated.fund,
        "650000",
    )
    assert "绩效自评表" in event.summary and event.changes == {"kind": "b", "format": "xlsx"}


def test_list_says_when_the_data_changed(client, admin_xj, make_file):
    make_file(admin_xj, "650000")
    client.force_login(admin_xj)
    assert "与当前数据一致" in client.get(_fund_page()).content.decode()
    actual = IndicatorActual.objects.get(
        ret__fund__code=ELDERLY, ret__region__code="650000", indicator__order=1
    )
    actual.actual_text = "40%"
    actual.save(update_fields=["actual_text"])
    assert "数据已更新，文件可能过期" in client.get(_fund_page()).content.decode()


def test_list_page_queries_do_not_grow_with_files(client, admin_xj, make_file, django_assert_num_queries):
    client.force_login(admin_xj)
    for _ in range(2):
        make_file(admin_xj, "650000", kind="d", format="xlsx")
    with CaptureQueriesContext(connection) as two:
        client.get(_fund_page())
    for _ in range(4):
        make_file(admin_xj, "650000", kind="d", format="xlsx")
    with django_assert_num_queries(len(two)):
        response = client.get(_fund_page())
    assert response.content.decode().count(">下载XLSX</a>") == 6


def test_clerk_downloads_own_county_file_and_reviewer_sees_it(client, clerk_yining, reviewer_yili, make_file):
    generated = make_file(clerk_yining, "654002", fund=RELIEF, kind="g")
    for user in (clerk_yining, reviewer_yili):
        client.force_login(user)
        download = client.get(reverse("reports:file_download", args=[generated.pk]))
        assert download.status_code == 200
        # Named as it is titled: after the unit that reports (伊宁市民政局), the year and the fund.
        assert "伊宁市民政局2024年中央财政困难群众救助补助资金支出绩效自评报告.docx" in unquote(
            download["Content-Disposition"]
        )
        assert "伊宁市" in client.get(_fund_page(RELIEF)).content.decode()


def test_auditor_reads_downloads_and_may_generate(
    client, auditor_xj, admin_xj, make_file, django_capture_on_commit_callbacks
):
    generated = make_file(admin_xj, "650000")
    client.force_login(auditor_xj)
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_fund_page(), {"kind": "e", "format": "xlsx", "region": "650000"})
    run_queued_jobs(callbacks)
    assert response.status_code == 302
    mine = GeneratedFile.objects.get(requested_by=auditor_xj)
    assert (mine.status, mine.kind, mine.format) == (JobStatus.DONE, "e", "xlsx")


# --- the wrong person ----------------------------------------------------------------------------------


def test_other_county_clerk_gets_404_for_yining_and_yili_files(
    client, clerk_yining, reviewer_yili, clerk_huocheng, make_file
):
    yining = make_file(clerk_yining, "654002", fund=RELIEF, kind="g")
    yili = make_file(reviewer_yili, "654000", fund=RELIEF)
    client.force_login(clerk_huocheng)
    for generated in (yining, yili):
        for name in ("file_status", "file_progress", "file_download"):
            assert client.get(reverse(f"reports:{name}", args=[generated.pk])).status_code == 404, name
    page = client.get(_fund_page(RELIEF)).content.decode()
    assert "伊宁市" not in page.split("已生成的文件")[1]


def test_clerk_cannot_see_or_download_province_file(client, clerk_yining, admin_xj, make_file):
    generated = make_file(admin_xj, "650000")
    client.force_login(clerk_yining)
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 404
    assert "尚未生成文件" in client.get(_fund_page()).content.decode()


def test_clerk_cannot_request_a_region_outside_scope(client, clerk_huocheng):
    client.force_login(clerk_huocheng)
    response = client.post(_fund_page(RELIEF), {"kind": "a", "format": "docx", "region": "654002"})
    assert response.status_code == 200
    assert "找不到地区“654002”" in response.content.decode()
    assert not GeneratedFile.objects.exists()
    with pytest.raises(PermissionDenied):
        generated_file_request(
            fund=Fund.objects.get(code=RELIEF),
            region=Region.objects.get(code="654000"),
            kind="a",
            format="docx",
            actor=clerk_huocheng,
        )


def test_unknown_fund_is_404(client, admin_xj):
    client.force_login(admin_xj)
    assert client.get(_fund_page("xj-1999-none")).status_code == 404


def test_kind_not_offered_in_format_is_refused(client, admin_xj):
    client.force_login(admin_xj)
    response = client.post(_fund_page(), {"kind": "f", "format": "xlsx", "region": "650000"})
    assert response.status_code == 200
    assert "只提供 DOCX 格式" in response.content.decode()
    assert not GeneratedFile.objects.exists()


def test_failed_job_records_the_error_in_chinese(client, admin_xj, make_file, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("模板损坏")

    monkeypatch.setattr(services, "build", broken)
    generated = make_file(admin_xj, "650000")
    assert (generated.status, generated.error) == (JobStatus.FAILED, "生成失败：模板损坏")
    client.force_login(admin_xj)
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 404
    assert (
        "生成失败：模板损坏"
        in client.get(reverse("reports:file_status", args=[generated.pk])).content.decode()
    )

    monkeypatch.setattr(services, "build", lambda *a, **k: {}["missing"])
    assert make_file(admin_xj, "650000").error == "生成失败：内部错误（KeyError），请联系管理员。"


def test_pending_job_page_polls_for_progress(client, admin_xj):
    generated = GeneratedFile.objects.create(
        fund=Fund.objects.get(code=ELDERLY),
        region=admin_xj.region,
        kind="a",
        format="docx",
        requested_by=admin_xj,
    )
    client.force_login(admin_xj)
    page = client.get(reverse("reports:file_status", args=[generated.pk])).content.decode()
    assert "排队中" in page and reverse("reports:file_progress", args=[generated.pk]) in page
    assert client.get(reverse("reports:file_download", args=[generated.pk])).status_code == 404


def test_a_file_is_stale_exactly_when_its_document_would_change(admin_xj, clerk_yining):
    from indicators.services import return_open
    from transfers.models import Notice

    relief = Fund.objects.get(code="xj-2024-relief")
    province = Region.objects.get(code="650000")
    before = services.data_version(relief, province)
    # What no document of the province's relief fund prints: an audit event, another fund's return.
    AuditEvent.objects.record(
        actor=admin_xj, action=AuditEvent.Action.EDIT, obj=province, summary="无关", region=province
    )
    return_open(fund=Fund.objects.get(code="xj-2024-elderly"), region=clerk_yining.region, actor=clerk_yining)
    assert services.data_version(relief, province) == before
    # What it prints: a region's name (伊犁州, in the allocation and execution tables) …
    yili = Region.objects.get(code="654000")
    yili.short_name = "伊犁"
    yili.save(update_fields=["short_name"])
    renamed = services.data_version(relief, province)
    assert renamed != before
    yili.short_name = "伊犁州"
    yili.save(update_fields=["short_name"])
    assert services.data_version(relief, province) == before
    # … and a notice's title.
    Notice.objects.filter(number="新财社〔2024〕35号").update(
        title="关于下达2024年困难群众救助补助资金的通知"
    )
    assert services.data_version(relief, province) not in (before, renamed)


def test_the_file_page_gives_the_notice_the_draft_prints(
    client, admin_xj, django_capture_on_commit_callbacks
):
    # No return of the relief fund is in yet: 伊犁州's report is a draft.
    client.force_login(admin_xj)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(_fund_page(RELIEF), {"kind": "a", "format": "docx", "region": "654000"})
    run_queued_jobs(callbacks)
    generated = GeneratedFile.objects.get()
    document = Document(generated.file.open("rb"))
    notice = next(p.text for p in document.paragraphs[:2] if p.text.startswith("数据未全部审核"))
    headline, *details = notice.split("\n")
    assert headline.startswith("数据未全部审核：本级及") and details  # counted in tests/test_report_text.py

    status = readers.page(client.get(response["Location"]))
    (box,) = status.xpath('//*[@id="job-warnings"]')
    assert "d-none" not in box.get("class")
    assert box.xpath('.//*[@id="job-warnings-head"]')[0].text_content() == headline
    # the page says what the document says, then what is addressed to the office's staff only
    staff = ["尚未在“报告文字”中填写资金到位数，报告二（一）1只写下达的预算数。"]
    assert [li.text_content() for li in box.iter("li")] == details + staff
    assert not any("报告文字" in line for line in details)
    progress = client.get(reverse("reports:file_progress", args=[generated.pk])).json()
    assert progress["warnings"] == [headline, *details, *staff]
