"""The whole fund as one workbook, both ways (docs/fund-workbook.md).

The test that matters: exported, imported into a portal that does not hold the fund, and
exported again, a demo fund comes out the same, cell for cell, on every sheet but the audit
trail. "A portal that does not hold the fund" is the demo with the fund emptied inside the test
transaction: its returns, allocations, tables, projects and notices deleted, and the fund row
itself renamed out of the way (its audit trail is append-only and keeps it).
"""

import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from evalportal.models import AuditEvent, User
from indicators.models import IndicatorActual, IndicatorTarget, Return, TargetTable
from indicators.services import return_judge, return_open
from reports.exports import fund_export
from reports.imports.base import ImportFailed, apply, dry_run
from reports.imports.fund import FundImporter
from reports.models import ImportRecord
from tests.scenarios import fill_submit_approve, gansu, person, project_fund, project_return
from tests.seed_figures import YINING_RELIEF_BATCH, ZHANGYE_ESTIMATES, ZHANGYE_PROJECTS
from tests.xlsx_factory import db_snapshot
from transfers.models import Allocation, Fund, Notice, Project, Region

pytestmark = pytest.mark.django_db
D = Decimal
AUDIT = "审计记录"
ZHANGYE = "gs-2024-zhangye"  # seed 004: a bureau's five projects of its own budget


# --- helpers ---------------------------------------------------------------------------------------


def export_of(code: str, region_code: str = "650000") -> bytes:
    return fund_export(fund=Fund.objects.get(code=code), region=Region.objects.get(code=region_code))


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every cell of every sheet but the audit trail."""
    book = load_workbook(io.BytesIO(content))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book if ws.title != AUDIT}


def empty(code: str) -> None:
    """The portal without the fund: what a fresh deployment with its regions loaded holds of it."""
    fund = Fund.objects.get(code=code)
    notices = set(fund.allocations.values_list("notice", flat=True))
    IndicatorActual.objects.filter(ret__fund=fund).delete()
    Return.objects.filter(fund=fund).delete()
    Allocation.objects.filter(fund=fund).delete()
    TargetTable.objects.filter(fund=fund).update(parent=None)
    TargetTable.objects.filter(fund=fund).delete()
    Project.objects.filter(fund=fund).delete()
    Notice.objects.filter(pk__in=notices).delete()
    Fund.objects.filter(pk=fund.pk).update(code=f"{code}-emptied")


def import_as(user, content: bytes, filename: str = "整个资金.xlsx"):
    scope = user.region if user is not None else None
    return apply(FundImporter(actor=user, scope=scope), content=content, filename=filename)


def edited(content: bytes, sheet: str, column: str, value, *, where=lambda row: True) -> tuple[bytes, int]:
    """The workbook with one cell changed: ``column`` (a header) of the first row ``where``
    accepts (a dict of header → value); returns the file and the row number."""
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet]
    rows = list(ws.iter_rows(values_only=True))
    labels = list(rows[0])
    for number, values in enumerate(rows[1:], start=2):
        if where(dict(zip(labels, values, strict=False))):
            ws.cell(row=number, column=labels.index(column) + 1, value=value)
            buffer = io.BytesIO()
            book.save(buffer)
            return buffer.getvalue(), number
    raise AssertionError(f"no row of {sheet} matches")


def refused(content: bytes, user) -> list:
    with pytest.raises(ImportFailed) as failure:
        import_as(user, content)
    return failure.value.errors


# --- the round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "province", "admin"),
    [
        ("xj-2024-relief", "650000", "admin_xj"),
        ("xj-2024-elderly", "650000", "admin_xj"),
        (ZHANGYE, "620000", "admin_gs"),  # five projects of a bureau's own budget
    ],
)
def test_export_import_into_an_empty_portal_and_export_again_gives_the_same_workbook(code, province, admin):
    first = export_of(code, province)
    empty(code)
    assert not Fund.objects.filter(code=code).exists()

    plan = import_as(User.objects.get(username=admin), first)
    assert plan.counts["create"] > 30 and not plan.counts["update"] and not plan.counts["delete"]

    again = sheets(export_of(code, province))
    before = sheets(first)
    assert list(again) == list(before)
    for name, rows in before.items():
        assert len(again[name]) == len(rows), name
        for number, (row, row_again) in enumerate(zip(rows, again[name], strict=True), start=1):
            assert row_again == row, f"{name}!{number}"


def test_the_same_workbook_again_changes_nothing(admin_xj):
    admin_gs = User.objects.get(username="admin_gs")
    for code, user in (("xj-2024-relief", admin_xj), ("xj-2024-elderly", admin_xj), (ZHANGYE, admin_gs)):
        content = export_of(code, user.region.code)
        plan = dry_run(FundImporter(actor=user, scope=user.region), content=content, filename="x")
        assert not plan.errors and not plan.has_changes, plan.errors[:3]


# --- a project's 项目概况 and its place in its office's order -------------------------------------------


def zhangye_projects() -> list[tuple]:
    return list(
        Project.objects.filter(fund__code=ZHANGYE)
        .order_by("order")
        .values_list("name", "order", "summary", "total_estimate")
    )


def test_the_projects_overview_and_order_go_out_and_come_back(new_events):
    """张掖市民政局's five projects (seed 004), in the bureau's order, each with its 项目概况 and
    资金总概算 (to the 元: 2.472)."""
    admin_gs = User.objects.get(username="admin_gs")
    projects = zhangye_projects()
    assert [name for name, *_ in projects] == [p[0] for p in ZHANGYE_PROJECTS]
    assert [estimate for *_, estimate in projects] == ZHANGYE_ESTIMATES
    content = export_of(ZHANGYE, "620000")
    rows = sheets(content)["项目"]
    assert rows[0] == ("项目名称", "实施地区代码", "实施地区", "排序", "项目概况", "资金总概算（万元）")
    exported = [(r[0], r[3], r[4], None if r[5] is None else D(str(r[5]))) for r in rows[1:]]
    assert exported == projects  # the office's order, not by name
    assert all(summary for _name, _order, summary, _estimate in projects)

    empty(ZHANGYE)
    import_as(admin_gs, content)
    assert zhangye_projects() == projects

    # Changed in the workbook: the project is updated, audited; the rest stays.
    first, second = projects[0][0], projects[1][0]
    content, row = edited(
        content, "项目", "项目概况", "用于城乡低保等工作经费。", where=lambda r: r["项目名称"] == first
    )
    content, _ = edited(content, "项目", "排序", 9, where=lambda r: r["项目名称"] == second)
    content, _ = edited(
        content, "项目", "资金总概算（万元）", "2.4721", where=lambda r: r["项目名称"] == second
    )
    plan = import_as(admin_gs, content, "改过的.xlsx")
    assert (plan.counts["create"], plan.counts["update"], plan.counts["delete"]) == (0, 2, 0)
    project = Project.objects.get(fund__code=ZHANGYE, name=first)
    assert project.summary == "用于城乡低保等工作经费。"
    changed = Project.objects.get(fund__code=ZHANGYE, name=second)
    assert (changed.order, changed.total_estimate) == (9, D("2.4721"))
    (event,) = new_events().filter(
        object_type="transfers.project", object_id=str(project.pk), comment__contains="改过的"
    )
    assert event.changes == {"项目概况": [projects[0][2], "用于城乡低保等工作经费。"]}
    assert event.comment == f"导入“改过的.xlsx”第{row}行"


def test_a_workbook_without_the_optional_columns_keeps_them_and_bad_values_are_refused():
    admin_gs = User.objects.get(username="admin_gs")
    projects = zhangye_projects()
    content = export_of(ZHANGYE, "620000")
    book = load_workbook(io.BytesIO(content))
    book["项目"].delete_cols(4, 3)  # as exported before the columns existed
    buffer = io.BytesIO()
    book.save(buffer)
    plan = dry_run(
        FundImporter(actor=admin_gs, scope=admin_gs.region), content=buffer.getvalue(), filename="x"
    )
    assert not plan.errors and not plan.has_changes
    bad, row = edited(content, "项目", "排序", "第二", where=lambda r: r["项目名称"] == projects[1][0])
    before = db_snapshot()
    errors = refused(bad, admin_gs)
    assert [(e.sheet, e.row, e.column) for e in errors] == [("项目", row, "D")]
    assert "排序应为不小于0的整数，这里是“第二”" in errors[0].message
    assert db_snapshot() == before
    bad, row = edited(
        content, "项目", "资金总概算（万元）", "-2.4", where=lambda r: r["项目名称"] == projects[2][0]
    )
    errors = refused(bad, admin_gs)
    assert [(e.sheet, e.row, e.column) for e in errors] == [("项目", row, "F")]
    assert "资金总概算" in errors[0].message
    assert db_snapshot() == before


def test_the_elderly_funds_approved_returns_are_recorded_as_they_stand(admin_xj, new_events):
    content = export_of("xj-2024-elderly")
    empty("xj-2024-elderly")
    import_as(admin_xj, content)
    fund = Fund.objects.get(code="xj-2024-elderly")
    assert set(fund.returns.filter(period="year_end").values_list("status", flat=True)) == {"approved"}
    # The demo's two mid-year returns (fixtures/demo/xj-2024-elderly/monitoring.toml) as they stand too.
    assert set(fund.returns.filter(period="mid_year").values_list("status", flat=True)) == {
        "approved",
        "submitted",
    }
    province = fund.returns.get(region__code="650000")
    assert province.funding.get(source="central").spent == D("27.67")
    assert province.funding.get(source="local").budget == D("0")
    assert province.actuals.count() == 9 and province.narratives.count() == 7
    assert province.actuals.get(actual_text="33.93%").indicator.table.region.code == "650000"
    # Each prefecture's table is a copy of the province's, indicator by indicator.
    yili = TargetTable.objects.get(fund=fund, region__code="654000")
    assert yili.parent.region.code == "650000"
    assert all(i.parent_indicator.table_id == yili.parent_id for i in yili.indicators.all())
    (event,) = new_events().filter(object_type="indicators.return", object_id=str(province.pk))
    assert event.actor == admin_xj and event.summary == "按导入的工作簿记录填报（已审核）"
    assert "未在本系统中填写和审核" in event.comment and "整个资金.xlsx" in event.comment
    assert new_events().filter(action="import", fund=fund).count() == 1


def test_a_project_fund_with_weights_judgements_and_bands_round_trips(
    admin_xj, clerk_yining, clerk_huocheng, reviewer_yili
):
    pf = project_fund(admin=admin_xj, amounts={"伊宁市": 120, "霍城县": 80})
    TargetTable.objects.filter(pk=pf.province_table.pk).update(level_weights={"产出指标": 60, "效益指标": 20})
    IndicatorTarget.objects.filter(table=pf.province_table, order=1).update(
        weight=D("12.5"), rollup_rule="sum"
    )
    ret = project_return(pf, "伊宁市", clerk=clerk_yining)
    fill_submit_approve(
        ret, clerk=clerk_yining, reviewer=reviewer_yili, funding={"central": {"spent": D("100")}}
    )
    submitted = project_return(pf, "霍城县", clerk=clerk_huocheng)
    IndicatorActual.objects.filter(ret=submitted, indicator__order=1).update(
        actual_text="部分建成", denominator=D("4"), override_note="按项目实际", band="部分达成"
    )
    Return.objects.filter(pk=submitted.pk).update(status=Return.Status.SUBMITTED)
    return_judge(
        ret=submitted, actor=reviewer_yili, judgements={submitted.actuals.get(indicator__order=1).pk: False}
    )
    first = export_of("xj-2024-pilot")
    book = sheets(first)
    assert [r[0] for r in book["项目"][1:]] == [
        "伊宁市县域养老服务体系创新试点项目",
        "霍城县县域养老服务体系创新试点项目",
    ]
    assert book["目标表"][1][8] == "产出指标 60；效益指标 20"

    empty("xj-2024-pilot")
    import_as(admin_xj, first)
    assert sheets(export_of("xj-2024-pilot")) == book
    restored = Return.objects.get(fund__code="xj-2024-pilot", project__name__startswith="霍城县")
    assert restored.status == "submitted"
    line = restored.actuals.get(indicator__order=1)
    assert (line.judged_met, line.band, line.denominator) == (False, "部分达成", D("4"))


# --- a broken workbook is refused with the row named, and changes nothing ------------------------------


def _xinjiang_regions(row) -> bool:
    return row["接收代码"] == "654002"


BROKEN = {
    "a wrong header": (
        lambda content: (edited_header(content, "资金分配", "金额（万元）", "金额（元）"), 1),
        ("资金分配", "", "表头缺少“金额（万元）”列"),
    ),
    "an allocation to an unknown region code": (
        lambda content: edited(content, "资金分配", "接收代码", "659999", where=_xinjiang_regions),
        ("资金分配", "F", "“659999”不是新疆维吾尔自治区的区划代码"),
    ),
    "a target the grammar cannot read": (
        lambda content: edited(
            content, "绩效指标", "指标值", "≥95%左右", where=lambda r: r["代码"] == "654000"
        ),
        ("绩效指标", "I", "≥95%左右"),
    ),
    "an amount that is text": (
        lambda content: edited(content, "资金分配", "金额（万元）", "一万四千", where=_xinjiang_regions),
        ("资金分配", "K", "金额应为数字，这里是文字“一万四千”"),
    ),
}


def edited_header(content: bytes, sheet: str, label: str, new: str) -> bytes:
    book = load_workbook(io.BytesIO(content))
    ws = book[sheet]
    (cell,) = [c for c in ws[1] if c.value == label]
    cell.value = new
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(BROKEN))
@pytest.mark.parametrize("into", ["an empty portal", "the fund as it is"])
def test_a_broken_workbook_is_refused_with_the_row_named_and_changes_nothing(case, into, admin_xj):
    breaking, (sheet, column, message) = BROKEN[case]
    content, row = breaking(export_of("xj-2024-relief"))
    if into == "an empty portal":
        empty("xj-2024-relief")
    before = db_snapshot()
    errors = refused(content, admin_xj)
    assert [(e.sheet, e.row, e.column) for e in errors if message in e.message] == [(sheet, row, column)], (
        errors
    )
    assert db_snapshot() == before


def test_the_errors_are_in_chinese_and_every_one_is_listed(admin_xj):
    content, _ = edited(export_of("xj-2024-relief"), "资金分配", "下达方式", "提前", where=_xinjiang_regions)
    content, _ = edited(
        content, "绩效指标", "二级指标", "满意度指标", where=lambda r: r["一级指标"] == "产出指标"
    )
    content, _ = edited(content, "文件", "发文日期", "十二月")
    plan = dry_run(FundImporter(actor=admin_xj, scope=admin_xj.region), content=content, filename="x.xlsx")
    messages = [str(e) for e in plan.errors]
    assert len(messages) == 3, messages
    assert any("下达方式“提前”无法识别" in m for m in messages)
    assert any("二级指标“满意度指标”不属于“产出指标”" in m for m in messages)
    assert any(m.startswith("工作表“文件”第2行D列：看不懂日期") for m in messages)


# --- returns: recorded when new, never changed when the portal holds them -----------------------------


def test_an_approved_return_that_differs_is_refused_at_its_row(admin_xj):
    content, row = edited(
        export_of("xj-2024-elderly"),
        "资金执行",
        "全年执行数（万元）",
        5,
        where=lambda r: r["代码"] == "650100" and r["资金来源"] == "中央财政资金",
    )
    before = db_snapshot()
    (error,) = refused(content, admin_xj)
    assert (error.sheet, error.row) == ("资金执行", row)
    assert "已审核" in error.message and "中央财政资金全年执行数" in error.message
    assert "须由省级管理员重新打开" in error.message
    assert db_snapshot() == before


def test_a_draft_return_is_edited_by_its_own_office_not_by_the_fund_import(admin_xj, clerk_yining):
    fund = Fund.objects.get(code="xj-2024-relief")
    return_open(fund=fund, region=clerk_yining.region, actor=clerk_yining)
    content, row = edited(
        export_of("xj-2024-relief"),
        "自评填报",
        "总体目标完成情况",
        "省里改的",
        where=lambda r: r["代码"] == "654002",
    )
    (error,) = refused(content, admin_xj)
    assert (error.sheet, error.row) == ("自评填报", row) and "由本单位在填报页面" in error.message
    # A return opened after the export is not in the workbook: refused, never deleted.
    older = export_of("xj-2024-relief")
    return_open(fund=fund, region=Region.objects.get(code="654023"), actor=admin_xj)
    errors = refused(older, admin_xj)
    assert any("霍城县的年度绩效自评填报" in e.message and "请重新导出" in e.message for e in errors)


def test_a_change_that_would_alter_an_approved_budget_is_refused_at_the_row(admin_xj):
    content, row = edited(
        export_of("xj-2024-elderly"),
        "资金分配",
        "金额（万元）",
        551,
        where=lambda r: r["接收代码"] == "650100",
    )
    errors = refused(content, admin_xj)
    assert [(e.sheet, e.row) for e in errors] == [("资金分配", row)]
    assert "乌鲁木齐市的填报已审核，这一行会改变其预算" in errors[0].message


def test_a_change_to_an_open_fund_is_applied_and_audited(admin_xj, new_events):
    content, row = edited(
        export_of("xj-2024-relief"), "资金分配", "金额（万元）", 5600,
        where=lambda r: r["接收代码"] == "654002" and r["下达方式"] == "本次下达",
    )  # fmt: skip
    content, _ = edited(
        content, "文件", "发文日期", "2024年3月", where=lambda r: r["文号"] == "新财社〔2024〕35号"
    )
    plan = import_as(admin_xj, content, "改过的.xlsx")
    assert (plan.counts["create"], plan.counts["update"], plan.counts["delete"]) == (0, 2, 0)
    allocation = Allocation.objects.get(fund__code="xj-2024-relief", region__code="654002", kind="batch")
    assert allocation.amount == D("5600")
    notice = Notice.objects.get(number="新财社〔2024〕35号")
    assert notice.issued_text == "2024年3月"
    (event,) = new_events().filter(object_type="transfers.allocation", object_id=str(allocation.pk))
    assert event.changes == {"金额（万元）": [f"{YINING_RELIEF_BATCH:.2f}", "5600.00"]}
    assert event.comment == f"导入“改过的.xlsx”第{row}行"


# --- who ---------------------------------------------------------------------------------------------


def test_a_prefecture_export_holds_its_subtree_and_cannot_be_imported(reviewer_yili, admin_xj, tmp_path):
    content = fund_export(
        fund=Fund.objects.get(code="xj-2024-relief"), region=reviewer_yili.region, user=reviewer_yili
    )
    book = sheets(content)
    yili = {r.code for r in Region.objects.filter(parent__code="654000")} | {"654000"}
    assert {r[5] for r in book["资金分配"][1:]} <= yili
    assert {r[0] for r in book["目标表"][1:]} == {"654000"}
    path = tmp_path / "伊犁州.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="只有省级管理员可以导入整个资金的工作簿"):
        call_command("import_fund", str(path), user="reviewer_yili", stdout=StringIO(), stderr=StringIO())
    # Nor by the province: it is a part of the fund, and importing it would delete the rest.
    errors = refused(content, admin_xj)
    assert [(e.sheet, e.column) for e in errors] == [("资金", "B")]
    assert "这是伊犁哈萨克自治州及所辖地区的导出，只有资金的一部分" in errors[0].message


def test_another_provinces_fund_code_is_refused(admin_xj):
    gs = gansu()
    content, row = edited(
        export_of("xj-2024-relief"), "资金", "内容", gs.fund.code, where=lambda r: r["栏目"] == "资金代码"
    )
    errors = refused(content, admin_xj)
    assert [(e.sheet, e.row) for e in errors] == [("资金", row)]
    assert "已是甘肃省的资金" in errors[0].message
    # And 甘肃's administrator may not import a 新疆 fund, nor name 新疆 as the receiving province.
    errors = refused(export_of("xj-2024-relief"), gs.admin)
    assert "这是新疆维吾尔自治区的资金，您只能导入甘肃省的资金" in errors[0].message


# --- the command ----------------------------------------------------------------------------------------


def test_export_fund_then_import_fund_dry_run_writes_nothing(admin_xj, tmp_path):
    path = tmp_path / "elderly.xlsx"
    out = StringIO()
    call_command("export_fund", "xj-2024-elderly", "-o", str(path), stdout=out)
    assert "已导出" in out.getvalue() and path.read_bytes()[:2] == b"PK"
    empty("xj-2024-elderly")
    before = db_snapshot()
    out = StringIO()
    call_command("import_fund", str(path), "--dry-run", user="admin_xj", stdout=out)
    assert "预览（未修改数据）：新增" in out.getvalue()
    assert db_snapshot() == before and not Fund.objects.filter(code="xj-2024-elderly").exists()

    out = StringIO()
    call_command("import_fund", str(path), user="admin_xj", stdout=out)
    assert "已导入：新增" in out.getvalue()
    assert Fund.objects.get(code="xj-2024-elderly").returns.count() == 15 + 2  # year end, mid-year


def test_import_fund_exits_with_the_errors_named(tmp_path, admin_xj):
    content, row = edited(
        export_of("xj-2024-relief"), "资金分配", "接收代码", "659999", where=_xinjiang_regions
    )
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    err = StringIO()
    before = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="发现1处错误，未导入任何数据"):
        call_command("import_fund", str(path), stdout=StringIO(), stderr=err)
    assert f"工作表“资金分配”第{row}行F列" in err.getvalue()
    assert AuditEvent.objects.count() == before
    person("someone", "650000", "viewer")
    with pytest.raises(CommandError, match="查阅账号不能导入数据"):
        call_command("import_fund", str(path), user="someone", stdout=StringIO(), stderr=StringIO())


# --- in the browser ------------------------------------------------------------------------------------


def post_fund(client, content: bytes, name: str = "整个资金.xlsx"):
    return client.post(reverse("imports:upload", args=["fund"]), {"file": SimpleUploadedFile(name, content)})


def test_the_province_administrator_imports_a_fund_with_preview_and_confirm(client, admin_xj):
    content = export_of("xj-2024-elderly")
    empty("xj-2024-elderly")
    client.force_login(admin_xj)
    index = client.get(reverse("imports:index")).content.decode()
    assert reverse("imports:upload", args=["fund"]) in index and "整个资金工作簿" in index

    response = post_fund(client, content)
    record = ImportRecord.objects.get(kind="fund")
    page = client.get(response["Location"]).content.decode()
    assert "新增195条，修改0条，删除0条" in page and "确认导入" in page
    assert "按导入的工作簿" not in page and not Fund.objects.filter(code="xj-2024-elderly").exists()

    page = client.post(reverse("imports:apply", args=[record.pk]), follow=True).content.decode()
    assert "已导入。新增195条" in page
    record.refresh_from_db()
    assert record.applied and record.fund.code == "xj-2024-elderly" and record.region == admin_xj.region
    assert sheets(export_of("xj-2024-elderly")) == sheets(content)


def test_nobody_else_imports_a_fund_in_the_browser(client, reviewer_yili, clerk_yining, auditor_xj, admin_xj):
    content = export_of("xj-2024-relief")
    for user in (reviewer_yili, clerk_yining, auditor_xj):
        client.force_login(user)
        assert client.get(reverse("imports:upload", args=["fund"])).status_code == 403
        assert post_fund(client, content).status_code == 403
    assert not ImportRecord.objects.filter(kind="fund").exists()

    gs = gansu()  # another province's administrator: the 新疆 workbook is refused, nothing changes
    before = db_snapshot()
    client.force_login(gs.admin)
    response = post_fund(client, content)
    page = client.get(response["Location"]).content.decode()
    assert "这是新疆维吾尔自治区的资金，您只能导入甘肃省的资金" in page and "确认导入" not in page
    record = ImportRecord.objects.get(kind="fund")
    page = client.post(reverse("imports:apply", args=[record.pk]), follow=True).content.decode()
    assert "未导入" in page
    assert db_snapshot() == before

    # 新疆's administrator cannot confirm somebody else's upload either.
    client.force_login(admin_xj)
    record = ImportRecord.objects.create(
        kind="fund", region=admin_xj.region, original_name="x.xlsx", created_by=gs.admin, summary={}
    )
    assert client.post(reverse("imports:apply", args=[record.pk])).status_code == 403
