"""Importing 附件1 allocation tables: seed 003 round trip, differences, scope, the command.

Expected figures are typed from seed 003 (新财社〔2024〕35号 附件1), never computed by the code.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.imports.allocations import AllocationImporter
from reports.imports.base import ImportFailed, apply, dry_run
from tests.seed_figures import (
    ELDERLY_EXECUTION,
    ELDERLY_TOTAL,
    RELIEF_COUNTIES,
    RELIEF_SUBTOTALS_BY_CODE,
    RELIEF_TOTAL,
    YINING_RELIEF_ADVANCE,
    YINING_RELIEF_BATCH,
)
from tests.xlsx_factory import (
    allocation_csv,
    allocation_workbook,
    cell_row,
    db_snapshot,
    edited,
    seed_003_rows,
    with_amount,
    workbook_bytes,
)
from transfers.models import Allocation, Notice, Region
from transfers.selectors import region_budget
from transfers.services import fund_save

pytestmark = pytest.mark.django_db

SEED_COUNTY_ROWS = 118


def importer_for(user, fund, **options):
    return AllocationImporter(actor=user, scope=user.region, fund=fund, **options)


def test_seed_table_has_the_layout_of_the_notice():
    rows = seed_003_rows()
    assert len([r for r in rows if r.kind == "county"]) == SEED_COUNTY_ROWS
    assert len([r for r in rows if r.kind == "subtotal"]) == 14
    grand = rows[0]
    assert (grand.total, grand.advance, grand.batch) == RELIEF_TOTAL


def test_seed_table_imports_with_no_change(admin_xj, relief):
    before = db_snapshot()
    plan = dry_run(
        importer_for(admin_xj, relief), content=allocation_workbook(seed_003_rows()), filename="附件1.xlsx"
    )
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 2 * SEED_COUNTY_ROWS}
    assert "完全一致" in plan.describe()
    applied = apply(
        importer_for(admin_xj, relief), content=allocation_workbook(seed_003_rows()), filename="附件1.xlsx"
    )
    assert not applied.has_changes
    after = db_snapshot()
    # Only the import's own audit event is new; no data row changed.
    assert after.pop("AuditEvent")[: len(before["AuditEvent"])] == before.pop("AuditEvent")
    assert after == before


def test_seed_table_imported_into_an_empty_fund_gives_the_demo_totals(admin_xj, relief, new_events):
    province = admin_xj.region
    Allocation.objects.filter(fund=relief, from_region=province).delete()
    assert region_budget(relief, Region.objects.get(code="654000"))["total"] == 0
    # Nothing to reuse any more: the notices are chosen, as in the form.
    notices = {
        "batch_notice": Notice.objects.get(number="新财社〔2024〕35号"),
        "advance_notice": Notice.objects.get(
            number="", title__startswith="关于提前下达2024年中央财政困难群众救助补助资金"
        ),
    }
    content = allocation_workbook(seed_003_rows(), merge_prefectures=True)
    plan = apply(importer_for(admin_xj, relief, **notices), content=content, filename="附件1.xlsx")

    assert plan.counts["create"] == 2 * SEED_COUNTY_ROWS
    distributed = Allocation.objects.filter(fund=relief, from_region=province)
    assert sum(a.amount for a in distributed) == RELIEF_TOTAL[0]
    assert sum(a.amount for a in distributed if a.kind == "advance") == RELIEF_TOTAL[1]
    assert sum(a.amount for a in distributed if a.kind == "batch") == RELIEF_TOTAL[2]
    for code, (total, advance, batch) in RELIEF_SUBTOTALS_BY_CODE.items():
        budget = region_budget(relief, Region.objects.get(code=code))
        assert (budget["total"], budget["advance"], budget["batch"]) == (total, advance, batch), code
    # Negative adjustments arrive as they are: 乌鲁木齐市养老福利院 152 = 201 + (-49).
    home = distributed.get(region__name="乌鲁木齐市养老福利院", kind="batch")
    assert home.amount == RELIEF_COUNTIES["乌鲁木齐市养老福利院"][2]
    kuche = distributed.get(region__code="652902", kind="advance")  # seed 003's 库车县, now 库车市
    assert kuche.amount == RELIEF_COUNTIES["库车县"][1]
    # One event per created row and one for the import.
    events = new_events().filter(fund=relief, object_type="transfers.allocation", action="create")
    assert events.count() == 2 * SEED_COUNTY_ROWS
    assert new_events().filter(fund=relief, action="import").count() == 1


def test_one_changed_figure_is_exactly_one_audited_update(admin_xj, relief, new_events):
    rows = with_amount(seed_003_rows(), "伊宁市", batch=5600)  # seed: 5586; totals follow
    plan = dry_run(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="附件1.xlsx")
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 1, "delete": 0, "unchanged": 2 * SEED_COUNTY_ROWS - 1}
    (change,) = plan.of("update")
    assert change.row == cell_row(rows, "伊宁市")
    assert change.fields == {"金额（万元）": [f"{YINING_RELIEF_BATCH:.2f}", "5600.00"]}

    apply(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="附件1.xlsx")
    yining = Region.objects.get(code="654002")
    assert region_budget(relief, yining) == {
        "total": YINING_RELIEF_ADVANCE + 5600,
        "advance": YINING_RELIEF_ADVANCE,
        "batch": 5600,
    }
    allocation = Allocation.objects.get(fund=relief, region=yining, kind="batch", from_region=admin_xj.region)
    (event,) = new_events().filter(object_type="transfers.allocation", object_id=str(allocation.pk))
    assert event.action == "edit" and event.actor == admin_xj and event.region == yining
    assert event.changes == {"金额（万元）": [f"{YINING_RELIEF_BATCH:.2f}", "5600.00"]}
    assert f"第{change.row}行" in event.comment


def test_a_row_missing_from_the_table_is_deleted_and_the_preview_says_so(admin_xj, relief):
    rows = [r for r in seed_003_rows() if r.county != "伊犁州儿童福利院"]  # 62 = 44 + 18
    for row in rows:
        if row.county == "小计" and row.prefecture == "伊犁州":
            row.total, row.advance, row.batch = Decimal(65620), Decimal(39101), Decimal(26519)
        if row.kind == "grand":
            row.total, row.advance, row.batch = Decimal(792205), Decimal(564727), Decimal(227478)
    plan = dry_run(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="a.xlsx")
    assert plan.errors == []
    assert [c.label for c in plan.of("delete")] == [
        "伊犁州儿童福利院 · 提前下达（表中已无此行）",
        "伊犁州儿童福利院 · 本次下达（表中已无此行）",
    ]
    apply(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="a.xlsx")
    assert region_budget(relief, Region.objects.get(code="654000"))["total"] == 65620


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_or_gbk(admin_xj, relief, encoding):
    content = allocation_csv(seed_003_rows(), encoding=encoding)
    plan = dry_run(importer_for(admin_xj, relief), content=content, filename="附件1.csv")
    assert plan.errors == []
    assert not plan.has_changes and plan.counts["unchanged"] == 2 * SEED_COUNTY_ROWS


def test_subtotal_mismatch_is_reported_with_sheet_row_and_column(admin_xj, relief):
    rows = seed_003_rows()
    for row in rows:
        if row.county == "伊宁市":
            row.batch, row.total = Decimal(5600), Decimal(14019)  # subtotal and total not updated
    plan = dry_run(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="a.xlsx")
    assert not plan.changes
    located = {(e.sheet, e.row, e.column) for e in plan.errors}
    subtotal_row = next(
        n for n, r in enumerate(rows, start=5) if r.county == "小计" and r.prefecture == "伊犁州"
    )
    assert ("附件1", subtotal_row, "C") in located  # 全年资金合计 of the 伊犁州 小计
    assert ("附件1", subtotal_row, "E") in located  # 本次实际下达 of the 伊犁州 小计
    assert all("伊犁州" in e.message for e in plan.errors if e.row == subtotal_row)


def test_a_row_whose_total_is_not_advance_plus_batch_names_its_cell(admin_xj, relief):
    rows = seed_003_rows()
    for row in rows:
        if row.county == "伊宁市":
            row.batch = Decimal(5600)  # 14005 ≠ 8419 + 5600, and the 小计 no longer adds up
    plan = dry_run(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="a.xlsx")
    (error,) = plan.errors
    assert (error.row, error.column) == (cell_row(rows, "伊宁市"), "E")
    assert f"应为{YINING_RELIEF_BATCH}" in error.message


def test_unknown_and_ambiguous_region_names_name_the_row(admin_xj, relief):
    rows = seed_003_rows()
    for row in rows:
        if row.county == "伊宁市":
            row.county = "伊宁区"
    plan = dry_run(importer_for(admin_xj, relief), content=allocation_workbook(rows), filename="a.xlsx")
    (error,) = plan.errors
    assert (error.row, error.column) == (cell_row(rows, "伊宁区"), "B")
    assert "找不到地区“伊宁区”" in error.message and "伊犁哈萨克自治州" in error.message


def test_prefecture_reviewer_cannot_import_rows_of_another_prefecture(reviewer_yili, relief):
    before = db_snapshot()
    rows = seed_003_rows()
    plan = dry_run(importer_for(reviewer_yili, relief), content=allocation_workbook(rows), filename="a.xlsx")
    aksu_rows = {cell_row(rows, name) for name in ("阿克苏市", "库车县", "温宿县")}
    assert aksu_rows <= {e.row for e in plan.errors}
    assert any("阿克苏地区" in e.message and "管辖范围" in e.message for e in plan.errors)
    with pytest.raises(ImportFailed):
        apply(importer_for(reviewer_yili, relief), content=allocation_workbook(rows), filename="a.xlsx")
    assert db_snapshot() == before


def test_prefecture_reviewer_imports_its_own_counties_under_its_own_notice(reviewer_yili, relief):
    notice = Notice.objects.create(
        province=relief.region,
        issuer="伊犁州财政局 伊犁州民政局",
        number="伊州财社〔2024〕8号",
        title="关于下达困难群众救助补助资金的通知",
    )
    content = _workbook_of(
        [
            ["合 计", None, 100, None, 100],
            ["伊犁州", "小计", 100, None, 100],
            [None, "伊宁市", 60, None, 60],
            [None, "察县", 40, None, 40],  # short name of 察布查尔锡伯自治县
        ]
    )
    plan = apply(
        importer_for(reviewer_yili, relief, batch_notice=notice), content=content, filename="伊犁州.xlsx"
    )
    assert plan.counts["create"] == 2  # no 提前下达 column used: only the batch rows
    made = Allocation.objects.filter(fund=relief, from_region=reviewer_yili.region)
    assert {(a.region.code, a.amount, a.notice_id) for a in made} == {
        ("654002", 60, notice.pk),
        ("654022", 40, notice.pk),
    }


def test_prefecture_import_without_a_notice_asks_for_one(reviewer_yili, relief):
    content = _workbook_of([["合 计", None, 60, None, 60], ["伊犁州", "伊宁市", 60, None, 60]])
    plan = dry_run(importer_for(reviewer_yili, relief), content=content, filename="a.xlsx")
    assert [e.message for e in plan.errors] == [
        "请选择本次下达文件：伊犁哈萨克自治州在本资金下还没有本次下达记录可以沿用。"
    ]


def _workbook_of(rows):
    from tests.xlsx_factory import workbook_bytes

    header = [["地州市", "县市区", "全年资金合计", "提前下达", "本次实际下达"]]
    return workbook_bytes({"附件1": header + rows})


# --- the command -------------------------------------------------------------------------------


def test_command_with_the_seed_table_changes_nothing_and_exits_zero(tmp_path, capsys, admin_xj):
    path = tmp_path / "附件1.xlsx"
    path.write_bytes(allocation_workbook(seed_003_rows()))
    before = Allocation.objects.order_by("pk").values_list()
    call_command("import_allocations", str(path), "--fund", "xj-2024-relief", "--user", "admin_xj")
    out = capsys.readouterr().out
    assert "完全一致" in out and "236条均无变化" in out
    assert list(Allocation.objects.order_by("pk").values_list()) == list(before)


def test_command_dry_run_shows_the_difference_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "附件1.xlsx"
    path.write_bytes(allocation_workbook(with_amount(seed_003_rows(), "霍城县", advance=5900)))
    before = db_snapshot()
    call_command("import_allocations", str(path), "--fund", "xj-2024-relief", "--dry-run")
    out = capsys.readouterr().out
    assert (
        "修改 第" in out
        and "霍城县 · 提前下达" in out
        and f"{RELIEF_COUNTIES['霍城县'][1]:.2f} → 5900.00" in out
    )
    assert db_snapshot() == before


def test_command_prints_errors_and_exits_non_zero(tmp_path, capsys):
    rows = seed_003_rows()
    for row in rows:
        if row.county == "伊宁市":
            row.advance = Decimal(-1)
    path = tmp_path / "bad.xlsx"
    path.write_bytes(allocation_workbook(rows))
    before = db_snapshot()
    with pytest.raises(CommandError, match="错误"):
        call_command("import_allocations", str(path), "--fund", "xj-2024-relief")
    err = capsys.readouterr().err
    assert f"工作表“附件1”第{cell_row(rows, '伊宁市')}行D列：提前下达金额不能为负数" in err
    assert db_snapshot() == before


def test_command_refuses_a_read_only_user(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(allocation_workbook(seed_003_rows()))
    with pytest.raises(CommandError, match="查阅账号不能导入"):
        call_command("import_allocations", str(path), "--fund", "xj-2024-relief", "--user", "auditor_xj")


def test_page_titles_repeated_inside_the_table_and_heading_rows_are_read(admin_xj, relief):
    """Copied from the printed notice: every page repeats the title, 单位 and the header."""
    from tests.xlsx_factory import TITLE, table_cells, workbook_bytes

    cells = table_cells(seed_003_rows())
    page_break = [
        [TITLE],
        ["单位：万元"],
        ["地州市", "县市区", "全年资金合计", "其中：", None],
        [None, None, None, "提前下达", "本次实际下达"],
    ]
    header = [["地州市", "县市区", "全年资金合计", "提前下达", "本次实际下达"]]
    content = workbook_bytes({"附件1": header + cells[:40] + page_break + cells[40:]})
    plan = dry_run(importer_for(admin_xj, relief), content=content, filename="a.xlsx")
    assert plan.errors == [] and not plan.has_changes
    assert [w.row for w in plan.warnings] == [42]  # the title; 单位 and the header are known


# --- 序号 | 地区 | 金额: a province's split to its prefectures (seed 000, 分配表1-1) ---------------

ELDERLY_TABLE = settings.BASE_DIR / "fixtures" / "demo" / "xj-2024-elderly" / "allocations.xlsx"


@pytest.fixture
def empty_fund(admin_xj):
    fund, _ = fund_save(
        actor=admin_xj, code="xj-2024-test", name="测试资金", year=2024, region=admin_xj.region
    )
    return fund


def test_a_flat_table_of_prefectures_is_this_batch_of_its_notice(admin_xj, empty_fund):
    notice = Notice.objects.get(number="新财社〔2024〕210号")
    plan = apply(
        importer_for(admin_xj, empty_fund, batch_notice=notice),
        content=ELDERLY_TABLE.read_bytes(),
        filename="分配表1-1.xlsx",
    )
    assert plan.counts["create"] == 14 and not plan.errors
    for name, (amount, _, _) in ELDERLY_EXECUTION.items():
        budget = region_budget(empty_fund, Region.objects.get(name=name))
        assert budget == {"total": Decimal(amount), "advance": 0, "batch": Decimal(amount)}, name
    assert sum(a.amount for a in empty_fund.allocations.all()) == ELDERLY_TOTAL[0]  # 8454
    assert {a.notice for a in empty_fund.allocations.all()} == {notice}


def test_a_flat_table_that_does_not_add_up_is_refused_at_its_total(admin_xj, empty_fund):
    notice = Notice.objects.get(number="新财社〔2024〕210号")
    content = edited(ELDERLY_TABLE.read_bytes(), {"C3": 551})  # 乌鲁木齐市 550 → 551; 总计 stays 8454
    before = db_snapshot()
    plan = dry_run(
        importer_for(admin_xj, empty_fund, batch_notice=notice), content=content, filename="t.xlsx"
    )
    assert [(e.row, e.column) for e in plan.errors] == [(17, "C")]
    assert str(ELDERLY_TOTAL[0]) in plan.errors[0].message
    assert db_snapshot() == before


def test_a_flat_table_names_regions_of_the_importer_only(reviewer_yili, empty_fund):
    notice = Notice.objects.get(number="新财社〔2024〕210号")
    content = workbook_bytes(
        {"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 10], [2, "阿克苏市", 5], ["合计", None, 15]]}
    )
    plan = dry_run(
        importer_for(reviewer_yili, empty_fund, batch_notice=notice), content=content, filename="t.xlsx"
    )
    (error,) = plan.errors
    assert (error.row, error.column) == (3, "B") and "阿克苏市" in error.message and "伊犁" in error.message
