"""Importing target tables: 一级 / 二级 / 三级 / 指标值, levels merged or blank below."""

from io import BytesIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from indicators.models import IndicatorActual, IndicatorTarget, TargetTable
from indicators.permissions import may_import_targets
from indicators.services import return_open
from reports.imports import templates_xlsx
from reports.imports.base import apply, dry_run
from reports.imports.targets import TargetImporter
from tests.xlsx_factory import db_snapshot, edited, workbook_bytes
from transfers.models import Fund, Region
from transfers.services import project_save

pytestmark = pytest.mark.django_db

HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]


def importer(user, fund, region):
    return TargetImporter(actor=user, scope=user.region, fund=fund, region=region)


def test_template_of_the_yili_table_round_trips_with_merged_levels(admin_xj, relief, yili):
    content = templates_xlsx.targets_template(relief, yili)
    plan = dry_run(importer(admin_xj, relief, yili), content=content, filename="t.xlsx")
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 14}  # seed 003: 14 indicators


def test_a_changed_value_is_one_audited_update(admin_xj, relief, yili, new_events):
    content = templates_xlsx.targets_template(relief, yili)
    # Row 6: the fourth indicator, 孤儿等符合条件的儿童纳入保障范围率 (≥ 90% in seed 003).
    content = edited(content, {"D6": "100%"})
    plan = apply(importer(admin_xj, relief, yili), content=content, filename="t.xlsx")
    (change,) = plan.of("update")
    assert change.label == "孤儿等符合条件的儿童纳入保障范围率"
    assert change.fields == {"指标值": ["≥ 90%", "100%"]}
    indicator = IndicatorTarget.objects.get(table__fund=relief, table__region=yili, name=change.label)
    assert indicator.target_text == "100%"
    (event,) = new_events().filter(object_type="indicators.indicatortarget", object_id=str(indicator.pk))
    assert event.changes == {"指标值": ["≥ 90%", "100%"]} and event.action == "edit"


def test_a_projects_own_table_imports_under_its_regions_table(reviewer_yili, relief, yili, new_events):
    """A project has a table of its own (domain.md §2): the import writes it for the project,
    not for the county it runs in, and links its rows to the table above."""
    yining = Region.objects.get(code="654002")
    project, _ = project_save(actor=reviewer_yili, fund=relief, region=yining, name="伊宁市救助站改造项目")
    content = workbook_bytes(
        {
            "目标表": [
                ["年度总体目标", "1.完成救助站改造。"],
                HEADER,
                ["产出指标", "数量指标", "低保对象人数", "应保尽保"],
                [None, "时效指标", "改造按期完成率", "100%"],
            ]
        }
    )
    project_importer = TargetImporter(
        actor=reviewer_yili, scope=reviewer_yili.region, fund=relief, region=yining, project=project
    )
    plan = apply(project_importer, content=content, filename="项目.xlsx")
    assert plan.counts["create"] == 3  # the table and two indicators
    assert plan.of("create")[0].label == "伊宁市救助站改造项目的绩效目标表"
    table = TargetTable.objects.get(fund=relief, project=project)
    assert (table.region, table.parent.region, table.overall_goals) == (None, yili, "1.完成救助站改造。")
    assert table.indicators.get(name="低保对象人数").parent_indicator.table == table.parent
    assert not TargetTable.objects.filter(fund=relief, region=yining).exists()  # the county has none
    # A return of the project under review keeps its table as it is.
    ret = return_open(fund=relief, region=yining, actor=reviewer_yili, project=project)
    ret.status = "submitted"
    ret.save(update_fields=["status"])
    plan = dry_run(project_importer, content=edited(content, {"D4": "≥95%"}), filename="项目.xlsx")
    assert any("伊宁市救助站改造项目的年度绩效自评填报已提交" in str(e) for e in plan.errors)


def test_a_county_table_is_created_under_its_prefecture_table(reviewer_yili, relief, yili):
    yining = Region.objects.get(code="654002")
    content = workbook_bytes(
        {
            "目标表": [
                HEADER,
                ["产出指标", "数量", "低保对象人数", "应保尽保"],  # 数量 for 数量指标
                [None, "时效指标", "困难群众基本生活救助和孤儿基本生活费按时发放率", "100%"],
                ["满意度指标", "服务对象满意度指标", "救助对象对社会救助实施的满意度", "≥90%"],
                [None, None, "县级自设：入户核查完成率", "≥95%"],
            ]
        }
    )
    plan = apply(importer(reviewer_yili, relief, yining), content=content, filename="伊宁市.xlsx")
    assert plan.counts["create"] == 5  # the table and four indicators
    table = TargetTable.objects.get(fund=relief, region=yining)
    assert table.parent.region == yili
    rows = list(table.indicators.order_by("order").values_list("level1", "level2", "name", "target_text"))
    assert rows[0] == ("产出指标", "数量指标", "低保对象人数", "应保尽保")
    assert rows[3] == ("满意度指标", "服务对象满意度指标", "县级自设：入户核查完成率", "≥95%")
    derived = table.indicators.get(order=1)
    assert derived.parent_indicator.table.region == yili  # matched by name in the parent table
    assert table.indicators.get(order=4).parent_indicator is None


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["产出指标", "数量指标", "低保对象人数", "abc"], "D", "无法识别指标值“abc”"),
        (
            ["产出指标", "社会效益指标", "低保对象人数", "应保尽保"],
            "B",
            "二级指标“社会效益指标”不属于“产出指标”",
        ),
        (["投入指标", "数量指标", "低保对象人数", "应保尽保"], "A", "一级指标“投入指标”无法识别"),
        (["产出指标", "数量指标", "低保对象人数", ""], "D", "没有填写指标值"),
        (["产出指标", "数量指标", "=A1", "≥1个"], "", "公式"),
    ],
)
def test_bad_rows_are_located_and_change_nothing(admin_xj, relief, yili, row, column, message):
    before = db_snapshot()
    plan = dry_run(
        importer(admin_xj, relief, yili), content=workbook_bytes({"表": [HEADER, row]}), filename="t.xlsx"
    )
    assert plan.errors and not plan.changes
    error = plan.errors[0]
    assert (error.sheet, error.row, error.column) == ("表", 2, column)
    assert message in error.message
    assert db_snapshot() == before


def test_merged_value_cells_and_duplicates_are_errors(admin_xj, relief, yili):
    rows = [
        HEADER,
        ["产出指标", "数量指标", "甲", "≥1个"],
        [None, None, "乙", None],
        [None, None, "甲", "≥2个"],
    ]
    content = workbook_bytes({"表": rows}, merges={"表": ["D2:D3"]})
    plan = dry_run(importer(admin_xj, relief, yili), content=content, filename="t.xlsx")
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert "合并单元格D2:D3" in messages[(2, "D")]
    assert "与第2行重复" in messages[(4, "C")]


def test_an_indicator_a_return_reports_on_cannot_be_dropped(clerk_yining, admin_xj, relief, yili):
    return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)  # copies 伊犁州's table down
    yining = clerk_yining.region
    table = TargetTable.objects.get(fund=relief, region=yining)
    assert IndicatorActual.objects.filter(indicator__table=table).count() == 14
    keep = list(table.indicators.order_by("order"))[:13]
    rows = [HEADER] + [[i.level1, i.level2, i.name, i.target_text] for i in keep]
    plan = dry_run(
        importer(admin_xj, relief, yining), content=workbook_bytes({"表": rows}), filename="t.xlsx"
    )
    (error,) = plan.errors
    assert "已有填报使用它，不能删除" in error.message


def test_who_may_import_target_tables(admin_xj, reviewer_yili, clerk_yining, auditor_xj, yili):
    yining = Region.objects.get(code="654002")
    assert may_import_targets(admin_xj, yili) is None
    assert may_import_targets(reviewer_yili, yining) is None
    assert may_import_targets(reviewer_yili, yili) is not None  # its own table is set from above
    assert may_import_targets(clerk_yining, yining) is not None
    assert "查阅账号" in may_import_targets(auditor_xj, yili)


def test_command_round_trip_and_scope(tmp_path, capsys, relief, yili):
    path = tmp_path / "t.xlsx"
    path.write_bytes(templates_xlsx.targets_template(relief, yili))
    call_command(
        "import_targets", str(path), "--fund", relief.code, "--region", "伊犁州", "--user", "admin_xj"
    )
    assert "14条均无变化" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到地区"):
        # 阿克苏地区 is outside 伊犁州's reviewer's region.
        call_command(
            "import_targets",
            str(path),
            "--fund",
            relief.code,
            "--region",
            "652900",
            "--user",
            "reviewer_yili",
        )


def test_an_indicator_added_later_reaches_the_open_return(clerk_yining, reviewer_yili, relief):
    yining = Region.objects.get(code="654002")
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)  # copies 伊犁州's 14 indicators
    assert ret.actuals.count() == 14
    # The county's table as downloaded, plus one indicator of its own.
    rows = _rows(templates_xlsx.targets_template(relief, yining))
    content = workbook_bytes(
        {"目标表": [HEADER, *rows, ["产出指标", "数量指标", "县级自设：入户核查户数", "≥500户"]]}
    )
    plan = apply(importer(reviewer_yili, relief, yining), content=content, filename="伊宁市.xlsx")
    assert plan.counts["create"] == 1
    line = ret.actuals.get(indicator__name="县级自设：入户核查户数")
    assert line.actual_text == ""


def _rows(content):
    """The indicator rows of a downloaded template (merged level cells read as blank)."""
    sheet = load_workbook(BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    return [row[:4] for row in rows if any(row[:4])]


# --- the whole 区域绩效目标表 as a notice's 附件3 prints it -------------------------------------

NOTICE_TABLES = settings.BASE_DIR / "fixtures" / "demo" / "xj-2024-relief" / "targets"


def test_the_notice_layout_imports_with_no_change_goals_included(admin_xj, relief, yili):
    plan = dry_run(
        importer(admin_xj, relief, yili),
        content=(NOTICE_TABLES / "654000.xlsx").read_bytes(),
        filename="t.xlsx",
    )
    assert plan.errors == []
    # seed 003: 伊犁州's 14 indicators, and its 年度总体目标
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 15}


def test_changed_overall_goals_are_one_audited_update(admin_xj, relief, yili, new_events):
    content = edited(
        (NOTICE_TABLES / "654000.xlsx").read_bytes(), {"C7": "1.保障困难群众基本生活。\n2.规范救助管理。"}
    )
    plan = apply(importer(admin_xj, relief, yili), content=content, filename="t.xlsx")
    (change,) = plan.of("update")
    assert change.label == "年度总体目标" and change.row == 7
    table = TargetTable.objects.get(fund=relief, region=yili)
    assert table.overall_goals == "1.保障困难群众基本生活。\n2.规范救助管理。"
    assert change.fields["年度总体目标"][0].startswith("1. 规范城乡低保政策实施")  # seed 003
    (event,) = new_events().filter(object_type="indicators.targettable", object_id=str(table.pk))
    assert event.changes["年度总体目标"][1] == table.overall_goals


def test_goals_written_one_row_each_below_their_label(admin_xj, relief, yili):
    content = workbook_bytes(
        {
            "目标表": [
                ["年度总体目标", None, "1.第一项目标。"],
                [None, None, "2.第二项目标。"],
                ["绩效指标", *HEADER],
                [None, "产出指标", "数量指标", "低保对象人数", "应保尽保"],
            ]
        }
    )
    importer_ = importer(admin_xj, relief, Region.objects.get(code="654002"))
    apply(importer_, content=content, filename="伊宁市.xlsx")
    table = TargetTable.objects.get(fund=relief, region__code="654002")
    assert table.overall_goals == "1.第一项目标。\n2.第二项目标。"
    assert table.parent.region == yili


def test_a_formula_in_the_goals_is_refused_where_it_stands(admin_xj, relief, yili):
    content = edited((NOTICE_TABLES / "654000.xlsx").read_bytes(), {"C7": "=A1"})
    plan = dry_run(importer(admin_xj, relief, yili), content=content, filename="t.xlsx")
    assert [(e.row, e.column) for e in plan.errors] == [(7, "C")]


def test_a_reworded_indicator_keeps_the_parent_it_was_copied_from(admin_xj):
    """Seed 000's 全区 table writes 县级及以上 where the centre wrote 县级以上: the one indicator
    left over in a 二级指标 group on each side is the same indicator, reworded. A prefecture's
    line hangs under the 全区 one of the same name, and through it under the centre's."""
    elderly = Fund.objects.get(code="xj-2024-elderly")
    indicator = IndicatorTarget.objects.get(table__fund=elderly, table__region__code="654000", order=5)
    assert "县级及以上" in indicator.name
    whole = indicator.parent_indicator
    assert whole.name == indicator.name and not whole.table.is_central and whole.table.region.code == "650000"
    central = whole.parent_indicator
    assert central.table.is_central and "县级以上" in central.name and central.order == 5
    # Bracket widths aside, the same name is the same indicator (seed 003's 博州 writes （市、区）).
    relief_bozhou = IndicatorTarget.objects.get(
        table__fund__code="xj-2024-relief", table__region__code="652700", order=7
    )
    assert relief_bozhou.parent_indicator.order == 7


def test_two_reworded_indicators_in_one_group_are_the_regions_own(admin_xj, relief, yili):
    aksu = Region.objects.get(code="652901")  # 阿克苏市: no table yet; its parent 阿克苏地区 has one
    rows = [
        ["产出指标", "数量指标", "低保对象人数（户）", "应保尽保"],
        ["产出指标", "数量指标", "临时救助人次（次）", "应救尽救"],
        ["产出指标", "数量指标", "求助的流浪乞讨人员救助率", "应救尽救"],
    ]
    plan = dry_run(
        importer(admin_xj, relief, aksu),
        content=workbook_bytes({"目标表": [HEADER, *rows]}),
        filename="t.xlsx",
    )
    created = {c.label: c for c in plan.of("create")}
    # Five 数量指标 of the parent are left over against two reworded rows: no guess is made.
    assert created["低保对象人数（户）"].payload[-1] is None
    assert created["临时救助人次（次）"].payload[-1] is None
    assert created["求助的流浪乞讨人员救助率"].payload[-1].name == "求助的流浪乞讨人员救助率"
