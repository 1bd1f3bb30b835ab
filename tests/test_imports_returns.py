"""A clerk's return filled offline: download, fill, upload, preview, confirm.

The people: clerk_yining fills 伊宁市's return; clerk_huocheng (another county) cannot see it;
the 伊犁州 reviewer sees it but cannot import into it; the auditor reads only.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evalportal.models import AuditEvent
from indicators.models import Return
from indicators.services import ReturnInput, return_open, return_save
from reports.imports.base import dry_run
from reports.imports.returns import ReturnImporter
from reports.models import ImportRecord
from tests.seed_figures import YINING_RELIEF, ZHANGYE_PROJECTS
from tests.xlsx_factory import db_snapshot, download, fill
from transfers.models import Fund

pytestmark = pytest.mark.django_db


def upload(client, ret, content, name="伊宁市填报.xlsx"):
    return client.post(reverse("imports:return", args=[ret.pk]), {"file": SimpleUploadedFile(name, content)})


def test_download_fill_upload_preview_and_confirm(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    content = fill(
        download(client, yining_return),
        资金={"C2": 12000.5},  # 中央财政资金 全年执行数
        绩效指标={"F2": "应保尽保", "F5": "88%", "G5": "部分儿童尚未完成认定。", "H5": "加强排查。"},
        资金管理情况={"B2": "按因素法分配。"},
        总体目标={"B2": "困难群众基本生活得到保障。"},
    )
    response = upload(client, yining_return, content)
    record = ImportRecord.objects.get(kind="returns")
    assert response["Location"] == reverse("imports:record", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "修改 5" in page and "12000.50" in page and "孤儿等符合条件的儿童纳入保障范围率" in page
    assert Return.objects.get(pk=yining_return.pk).version == yining_return.version  # nothing saved yet

    client.post(reverse("imports:apply", args=[record.pk]))
    saved = Return.objects.get(pk=yining_return.pk)
    assert saved.version == yining_return.version + 1
    assert saved.goal_achievement == "困难群众基本生活得到保障。"
    assert saved.funding.get(source="central").spent == Decimal("12000.50")
    actual = saved.actuals.get(indicator__order=4)
    assert (actual.actual_text, actual.reason, actual.measure) == (
        "88%",
        "部分儿童尚未完成认定。",
        "加强排查。",
    )
    edit = AuditEvent.objects.get(
        object_type="indicators.return", object_id=str(yining_return.pk), action="edit"
    )
    assert edit.actor == clerk_yining
    assert edit.changes["中央财政资金·全年执行数"] == ["", "12000.50"]
    assert AuditEvent.objects.filter(
        action="import", object_type="reports.importrecord", object_id=str(record.pk)
    ).exists()


def test_unchanged_workbook_changes_nothing(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    before = db_snapshot()
    plan = dry_run(
        ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return),
        content=download(client, yining_return),
        filename="r.xlsx",
    )
    assert plan.errors == [] and not plan.has_changes
    assert db_snapshot() == before


def test_percent_typed_into_excel_stays_a_percentage(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    wb = load_workbook(io.BytesIO(download(client, yining_return)))
    cell = wb["绩效指标"]["F5"]
    cell.value, cell.number_format = 0.88, "0%"  # what Excel stores for a typed 88%
    buffer = io.BytesIO()
    wb.save(buffer)
    importer = ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return)
    plan = dry_run(importer, content=buffer.getvalue(), filename="r.xlsx")
    assert (
        importer.input.actuals[yining_return.actuals.get(indicator__order=4).indicator_id]["actual_text"]
        == "88%"
    )
    assert plan.errors == []


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "where", "message"),
    [
        ("资金", "C2", "一万二", ("资金", 2, "C"), "中央财政资金全年执行数"),
        ("资金", "C3", -5, ("资金", 3, "C"), "省级财政资金全年执行数"),
        ("绩效指标", "F2", "=1+1", ("绩效指标", 2, "F"), "公式"),
        ("绩效指标", "D3", "改过的指标名", ("绩效指标", 3, "D"), "不是本填报的指标"),
        ("资金管理情况", "A3", "其他方面", ("资金管理情况", 3, "A"), "不是资金管理情况的方面"),
        ("填报信息", "B5", 99, ("填报信息", None, ""), "已被修改"),
    ],
)
def test_bad_values_are_located_and_save_nothing(
    client, clerk_yining, yining_return, sheet, cell, value, where, message
):
    client.force_login(clerk_yining)
    content = fill(download(client, yining_return), **{sheet: {cell: value}})
    before = db_snapshot()
    plan = dry_run(
        ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return),
        content=content,
        filename="r.xlsx",
    )
    error = plan.errors[0]
    assert (error.sheet, error.row, error.column) == where
    assert message in error.message
    assert db_snapshot() == before


def test_a_workbook_downloaded_before_someone_else_saved_is_refused(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    content = fill(download(client, yining_return), 资金={"C2": 100})
    data = ReturnInput(funding={}, actuals={}, narratives={}, goal_achievement="别人先保存了。")
    return_save(ret=yining_return, actor=clerk_yining, base_version=yining_return.version, data=data)
    upload(client, yining_return, content)
    record = ImportRecord.objects.get(kind="returns")
    assert record.errors and "已被修改" in record.errors[0]["message"]


def test_another_county_clerk_gets_404(client, clerk_huocheng, yining_return):
    client.force_login(clerk_huocheng)
    assert client.get(reverse("imports:return", args=[yining_return.pk])).status_code == 404
    assert client.get(reverse("imports:return_workbook", args=[yining_return.pk])).status_code == 404
    assert upload(client, yining_return, b"PK\x03\x04").status_code == 404


def test_reviewer_and_auditor_cannot_import_a_county_return(client, reviewer_yili, auditor_xj, yining_return):
    for person in (reviewer_yili, auditor_xj):
        client.force_login(person)
        assert client.get(reverse("imports:return", args=[yining_return.pk])).status_code == 403
        # Reading the return as a workbook is allowed: they may see it.
        assert client.get(reverse("imports:return_workbook", args=[yining_return.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, yining_return):
    for url in (
        reverse("imports:return", args=[yining_return.pk]),
        reverse("imports:return_workbook", args=[yining_return.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_workbook_of_another_return_is_refused(client, clerk_yining, clerk_huocheng, yining_return):
    fund = Fund.objects.get(code="xj-2024-relief")
    other = return_open(fund=fund, region=clerk_huocheng.region, actor=clerk_huocheng)
    client.force_login(clerk_huocheng)
    content = download(client, other)
    plan = dry_run(
        ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return),
        content=content,
        filename="r.xlsx",
    )
    assert "这是另一份填报" in plan.errors[0].message


def test_downloaded_return_shows_the_central_budget_from_the_allocations(clerk_yining):
    from io import BytesIO

    from openpyxl import load_workbook

    from indicators.services import return_open
    from reports.imports import returns as return_layout
    from reports.imports import templates_xlsx
    from transfers.models import Fund

    ret = return_open(
        fund=Fund.objects.get(code="xj-2024-relief"), region=clerk_yining.region, actor=clerk_yining
    )
    book = load_workbook(BytesIO(templates_xlsx.return_workbook(ret)))
    money = book[return_layout.SHEET_MONEY]
    assert money["A2"].value == "中央财政资金"
    assert Decimal(str(money["B2"].value)) == YINING_RELIEF


def test_own_money_is_read_to_the_yuan(client, clerk_yining, yining_return):
    """The offline workbook takes a department's budget to the 元, as the form does (seed 004's
    2.472万元); a fifth decimal is refused at its cell."""
    _name, budget, spent = ZHANGYE_PROJECTS[1]
    client.force_login(clerk_yining)
    workbook = download(client, yining_return)
    sheet = load_workbook(io.BytesIO(workbook))["资金"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "市县财政资金")
    upload(client, yining_return, fill(workbook, 资金={f"B{row}": float(budget), f"C{row}": float(spent)}))
    client.post(reverse("imports:apply", args=[ImportRecord.objects.get(kind="returns").pk]))
    line = Return.objects.get(pk=yining_return.pk).funding.get(source="local")
    assert (line.budget, line.spent) == (budget, spent)
    saved = Return.objects.get(pk=yining_return.pk)
    importer = ReturnImporter(actor=clerk_yining, scope=clerk_yining.region, ret=saved)
    plan = dry_run(
        importer, content=fill(download(client, saved), 资金={f"B{row}": 2.47201}), filename="x.xlsx"
    )
    assert any("超过4位小数" in str(error) and error.column == "B" for error in plan.errors)
