"""Importing the region tree (XLSX, or CSV in UTF-8 or GBK)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.permissions import may_import_regions
from reports.imports import templates_xlsx
from reports.imports.base import apply, dry_run
from reports.imports.regions import RegionImporter
from tests.xlsx_factory import db_snapshot, workbook_bytes
from transfers.models import Region, RegionAlias

pytestmark = pytest.mark.django_db

FIXTURE = settings.BASE_DIR / "fixtures" / "regions_xj.csv"
HEADER = ["代码", "全称", "简称", "上级代码", "层级", "类型", "曾用名"]


def importer(user):
    return RegionImporter(actor=user, scope=user.region)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_the_demo_region_file_imports_with_no_change(admin_xj, encoding):
    content = FIXTURE.read_text(encoding="utf-8").encode(encoding)
    plan = dry_run(importer(admin_xj), content=content, filename="regions_xj.csv")
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 0, "delete": 0, "unchanged": 133}


def test_the_template_round_trips(admin_xj):
    plan = dry_run(
        importer(admin_xj), content=templates_xlsx.regions_template(admin_xj.region), filename="r.xlsx"
    )
    assert plan.errors == [] and not plan.has_changes


def test_new_county_new_alias_and_a_renamed_short_name(admin_xj, new_events):
    content = workbook_bytes(
        {
            "行政区划": [
                HEADER,
                ["654000", "伊犁哈萨克自治州", "伊犁", "650000", 2, "行政区划", ""],
                ["654099", "示范新区", "", "伊犁州", None, "开发区", "示范区|新区（示范）"],
            ]
        }
    )
    plan = apply(importer(admin_xj), content=content, filename="r.xlsx")
    assert plan.counts == {"create": 1, "update": 1, "delete": 0, "unchanged": 0}
    new = Region.objects.get(code="654099")
    assert (new.parent.code, new.level, new.kind) == ("654000", 3, "zone")
    assert set(new.aliases.values_list("name", flat=True)) == {"示范区", "新区（示范）"}
    assert Region.objects.get(code="654000").short_name == "伊犁"
    assert list(new.parent.children.order_by("order", "code"))[-1] == new  # after every sibling
    (event,) = new_events().filter(
        object_type="transfers.region", object_id=str(Region.objects.get(code="654000").pk)
    )
    assert event.changes == {"简称": ["伊犁州", "伊犁"]} and event.action == "edit"


def test_the_file_orders_the_regions_it_lists_among_their_siblings(admin_xj, new_events):
    """The national tree comes in code order; a province's file gives the order its documents
    list regions in, moving only the regions it lists, within the places they hold."""
    yili = Region.objects.get(code="654000")
    before = [r.code for r in yili.children.order_by("order", "code")]
    content = workbook_bytes(
        {
            "r": [
                HEADER,
                ["654028", "尼勒克县", "", "654000", 3, "admin", ""],
                ["654021", "伊宁县", "", "654000", 3, "admin", ""],
            ]
        }
    )
    plan = apply(importer(admin_xj), content=content, filename="r.xlsx")
    assert plan.counts["update"] == 2 and all(set(c.fields) == {"排序"} for c in plan.of("update"))
    after = [r.code for r in yili.children.order_by("order", "code")]
    expected = [{"654021": "654028", "654028": "654021"}.get(code, code) for code in before]
    assert after == expected
    # Imported again, the file changes nothing.
    assert not dry_run(importer(admin_xj), content=content, filename="r.xlsx").has_changes


def test_parent_names_are_the_administrators_provinces(admin_xj):
    """城关区 or 兰州市 name regions of 甘肃 too: an administrator's file names its own."""
    Region.objects.create(code="654099", name="兰州市", level=2, parent=Region.objects.get(code="650000"))
    content = workbook_bytes({"r": [HEADER, ["654099-01", "测试救助站", "", "兰州市", None, "救助站", ""]]})
    plan = apply(importer(admin_xj), content=content, filename="r.xlsx")
    assert plan.errors == [] and Region.objects.get(code="654099-01").parent.code == "654099"


def test_aliases_column_replaces_the_old_names(admin_xj):
    content = workbook_bytes({"r": [HEADER, ["652902", "库车市", "", "652900", 3, "admin", ""]]})
    plan = apply(importer(admin_xj), content=content, filename="r.xlsx")
    assert plan.of("update")[0].fields == {"曾用名": ["库车县", ""]}
    assert not RegionAlias.objects.filter(name="库车县").exists()


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["65400", "伊犁", "", "650000", "", "", ""], "A", "代码“65400”格式不对"),
        (["654099", "", "", "650000", "", "", ""], "B", "全称为空"),
        (["654099", "示范区", "", "不存在州", "", "", ""], "D", "找不到地区“不存在州”"),
        (["654099", "示范区", "", "654000", 2, "", ""], "E", "层级2与上级不符"),
        (["654099", "示范区", "", "654000", "", "乡镇", ""], "F", "类型“乡镇”无法识别"),
        (["710000", "台湾省", "", "", "", "", ""], "D", "不在您的管辖范围"),
    ],
)
def test_bad_rows_are_located_and_change_nothing(admin_xj, row, column, message):
    before = db_snapshot()
    content = workbook_bytes({"行政区划": [HEADER, row]})
    plan = dry_run(importer(admin_xj), content=content, filename="r.xlsx")
    (error,) = plan.errors
    assert (error.sheet, error.row, error.column) == ("行政区划", 2, column)
    assert message in error.message
    assert db_snapshot() == before


def test_only_the_province_administrator_imports_regions(admin_xj, reviewer_yili, clerk_yining, auditor_xj):
    assert may_import_regions(admin_xj) is None
    assert "只有省级管理员" in may_import_regions(reviewer_yili)
    assert "只有省级管理员" in may_import_regions(clerk_yining)
    assert "查阅账号" in may_import_regions(auditor_xj)


def test_command_exits_zero_on_the_demo_file_and_non_zero_on_errors(tmp_path, capsys):
    call_command("import_regions", str(FIXTURE), "--dry-run")
    assert "133条均无变化" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,全称,上级代码\n654099,,654000\n", encoding="gbk")
    with pytest.raises(CommandError):
        call_command("import_regions", str(bad))
    assert "第2行B列：全称为空" in capsys.readouterr().err


def test_the_system_imports_into_any_province_an_administrator_cannot(tmp_path, capsys, admin_xj, new_events):
    """Without --user the command runs as the system, for the whole country: that is how a
    second province gets its budget units (the demo's 张掖市民政局, 620700-01, came in so); its
    regions come with the national tree (load_regions)."""
    path = tmp_path / "gansu.csv"
    path.write_text(
        "代码,全称,简称,上级代码,层级,类型\n620700-02,张掖市救助站,,620700,3,rescue\n"
        "620700-03,张掖市儿童福利院,,张掖市,,child\n",
        encoding="utf-8",
    )
    new_codes = ["620700-02", "620700-03"]
    with pytest.raises(CommandError):
        call_command("import_regions", str(path), "--user", "admin_xj")
    assert not Region.objects.filter(code__in=new_codes).exists()
    assert "不在您的管辖范围" in capsys.readouterr().err

    call_command("import_regions", str(path))
    assert "新增2条" in capsys.readouterr().out
    zhangye = Region.objects.get(code="620700")
    assert [(r.code, r.level, r.kind) for r in zhangye.children.filter(code__in=new_codes)] == [
        ("620700-02", 3, "rescue"),
        ("620700-03", 3, "child"),
    ]
    (event,) = new_events().filter(action="import", object_type="transfers.region", object_id="")
    assert event.actor is None and "gansu.csv" in event.summary
