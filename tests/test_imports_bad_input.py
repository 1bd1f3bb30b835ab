"""Bad input: each case gives a Chinese message with sheet, row and column, and changes nothing.

Every case runs both the preview and the apply step, and compares every table an import can
touch before and after (tests.xlsx_factory.db_snapshot).
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.imports.allocations import AllocationImporter
from reports.imports.base import ImportFailed, apply, dry_run
from reports.models import ImportRecord
from tests.seed_figures import RELIEF_COUNTIES, YINING_RELIEF_BATCH
from tests.xlsx_factory import (
    allocation_workbook,
    cell_row,
    db_snapshot,
    edited,
    seed_003_rows,
    workbook_bytes,
)
from transfers.models import Fund

pytestmark = pytest.mark.django_db

ROWS = seed_003_rows()
YINING = cell_row(ROWS, "伊宁市")
HUOCHENG = cell_row(ROWS, "霍城县")
SEED = allocation_workbook(ROWS)


def _dup_yining():
    rows = list(ROWS)
    index = next(i for i, r in enumerate(rows) if r.county == "伊宁市")
    rows.insert(index + 1, rows[index])
    return allocation_workbook(rows)


def _zip_of_text():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


HEADER = ["地州市", "县市区", "全年资金合计", "提前下达", "本次实际下达"]

# (id, filename, content, expected (sheet, row, column) of the first error, text in its message)
CASES = [
    (
        "wrong headers",
        "a.xlsx",
        workbook_bytes(
            {"附件1": [["地州市", "县市区", "金额", "提前", "本次"], ["伊犁州", "伊宁市", 1, 1, 0]]}
        ),
        ("附件1", 1, ""),
        "表头缺少“提前下达”、“本次实际下达”列",
    ),
    (
        "missing header",
        "a.xlsx",
        workbook_bytes(
            {"附件1": [["地州市", "县市区", "全年资金合计", "本次实际下达"], ["伊犁州", "伊宁市", 1, 1]]}
        ),
        ("附件1", 1, ""),
        "表头缺少“提前下达”列",
    ),
    (
        "text in a number cell",
        "a.xlsx",
        edited(SEED, {f"E{YINING}": "五千五百八十六"}),
        ("附件1", YINING, "E"),
        "应为数字，这里是文字“五千五百八十六”",
    ),
    (
        "formula",
        "a.xlsx",
        edited(SEED, {f"C{YINING}": f"=D{YINING}+E{YINING}"}),
        ("附件1", YINING, "C"),
        "单元格是公式",
    ),
    (
        "merged figures",
        "a.xlsx",
        edited(SEED, merges=[f"C{YINING}:C{YINING + 1}"]),
        ("附件1", YINING, "C"),
        "合并单元格",
    ),
    ("empty sheet", "a.xlsx", workbook_bytes({"Sheet1": []}), ("Sheet1", None, ""), "工作表是空的"),
    ("header only", "a.xlsx", workbook_bytes({"附件1": [HEADER]}), ("附件1", 1, ""), "表头下方没有数据行"),
    ("duplicate rows", "a.xlsx", _dup_yining(), ("附件1", YINING + 1, "B"), f"“伊宁市”与第{YINING}行重复"),
    (
        "negative advance",
        "a.xlsx",
        edited(SEED, {f"D{HUOCHENG}": -RELIEF_COUNTIES["霍城县"][1]}),
        ("附件1", HUOCHENG, "D"),
        "提前下达金额不能为负数",
    ),
    (
        "three decimals",
        "a.xlsx",
        edited(SEED, {f"E{YINING}": "5586.123"}),
        ("附件1", YINING, "E"),
        "超过2位小数",
    ),
    (
        "no grand total row",  # an ASCII id: pytest escapes a non-ASCII one again on a second collection in one process (mutmut)
        "a.xlsx",
        edited(SEED, {"A5": "", "C5": None, "D5": None, "E5": None}),
        ("附件1", None, ""),
        "缺少“合计”行",
    ),
    (
        "unknown name",
        "a.xlsx",
        edited(SEED, {f"B{YINING}": "伊宁区"}),
        ("附件1", YINING, "B"),
        "找不到地区“伊宁区”",
    ),
    (
        "a picture named .xlsx",
        "附件1.xlsx",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        ("", None, ""),
        "不是Excel（.xlsx）或CSV文件",
    ),
    (
        "an old .xls",
        "附件1.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
        ("", None, ""),
        "旧版Excel（.xls）",
    ),
    (
        "a zip that is not a workbook",
        "附件1.xlsx",
        _zip_of_text(),
        ("", None, ""),
        "不是有效的Excel（.xlsx）工作簿",
    ),
    ("broken xlsx", "附件1.xlsx", SEED[: len(SEED) // 2], ("", None, ""), "不是有效的Excel（.xlsx）工作簿"),
    ("csv in UTF-16", "附件1.csv", ",".join(HEADER).encode("utf-16"), ("", None, ""), "编码无法识别"),
    (
        "a text file named .xlsx",
        "附件1.xlsx",
        ",".join(HEADER).encode(),
        ("", None, ""),
        "不是Excel（.xlsx）或CSV文件",
    ),
]


@pytest.fixture
def importer(admin_xj):
    return AllocationImporter(
        actor=admin_xj, scope=admin_xj.region, fund=Fund.objects.get(code="xj-2024-relief")
    )


@pytest.mark.parametrize(
    ("filename", "content", "where", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_located_and_changes_nothing(importer, filename, content, where, message):
    before = db_snapshot()
    plan = dry_run(importer, content=content, filename=filename)
    assert plan.errors, "the file should have been refused"
    assert not plan.changes
    first = next((e for e in plan.errors if message in e.message), None)
    assert first is not None, [str(e) for e in plan.errors]
    assert (first.sheet, first.row, first.column) == where
    with pytest.raises(ImportFailed):
        apply(importer, content=content, filename=filename)
    assert db_snapshot() == before


def test_file_over_the_size_limit_is_refused(importer, settings):
    settings.IMPORT_MAX_BYTES = 1024
    before = db_snapshot()
    plan = dry_run(importer, content=SEED, filename="附件1.xlsx")
    (error,) = plan.errors
    assert "超过上限1 KB" in error.message
    assert db_snapshot() == before


def test_upload_over_the_size_limit_is_refused_by_the_form_and_not_kept(client, admin_xj, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(admin_xj)
    fund = Fund.objects.get(code="xj-2024-relief")
    response = client.post(
        reverse("imports:upload", args=["allocations"]),
        {"fund": fund.pk, "source": "central", "file": SimpleUploadedFile("附件1.xlsx", SEED)},
    )
    assert response.status_code == 200
    assert "超过上限1 KB" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_bad_upload_shows_each_error_with_its_place_and_cannot_be_applied(client, admin_xj):
    client.force_login(admin_xj)
    fund = Fund.objects.get(code="xj-2024-relief")
    content = edited(SEED, {f"E{YINING}": f"约{YINING_RELIEF_BATCH}", f"D{HUOCHENG}": -1})
    before = db_snapshot()
    response = client.post(
        reverse("imports:upload", args=["allocations"]),
        {"fund": fund.pk, "source": "central", "file": SimpleUploadedFile("附件1.xlsx", content)},
    )
    record = ImportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:record", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "发现2处错误，未导入任何数据" in page
    assert f"约{YINING_RELIEF_BATCH}" in page and f'<td class="num">{YINING}</td><td>E</td>' in page
    assert "确认导入" not in page
    client.post(reverse("imports:apply", args=[record.pk]))
    assert db_snapshot() == before
    record.refresh_from_db()
    assert not record.applied and record.file.name.startswith("imports/")
