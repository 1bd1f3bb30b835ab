"""The national region tree: fixtures/regions/regions_cn.csv, loaded by ``load_regions``.

The spot checks are typed by hand from the list (统计用区划代码 2023), not read from the file.
"""

import csv
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from evalportal.models import AuditEvent
from indicators.ledger import FundLedger
from indicators.services import return_open
from tests.xlsx_factory import db_snapshot
from transfers.code_list import CODE_LIST, COLUMNS
from transfers.models import Allocation, Fund, Region, RegionAlias
from transfers.names import RegionNames

pytestmark = pytest.mark.django_db

FIXTURES = settings.BASE_DIR / "fixtures"


def load(capsys, path=None) -> str:
    call_command("load_regions", *(["--file", str(path)] if path else []))
    return capsys.readouterr().out


def code_list() -> list[dict]:
    with CODE_LIST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_list(path, rows: list[dict]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def loaded(capsys):
    """The list as loaded (the demo loads it first; loading it again here changes nothing)."""
    load(capsys)


# --- what the list holds ---------------------------------------------------------------------


def test_31_provinces_the_corps_and_about_2850_county_level_units(loaded):
    listed = Region.objects.filter(in_code_list=True)
    provinces = listed.filter(level=Region.Level.PROVINCE)
    assert provinces.exclude(code="660000").count() == 31
    assert provinces.get(code="660000").name == "新疆生产建设兵团"
    assert listed.filter(level=Region.Level.PREFECTURE).count() == 342
    counties = listed.filter(level=Region.Level.COUNTY)
    assert counties.filter(kind=Region.Kind.ADMINISTRATIVE).count() == 2850
    assert counties.filter(kind=Region.Kind.DEVELOPMENT_ZONE).count() == 124
    assert listed.filter(is_active=False).count() == 0


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("650000", "新疆维吾尔自治区", None),
        ("654000", "伊犁哈萨克自治州", "650000"),
        ("654002", "伊宁市", "654000"),
        ("620700", "张掖市", "620000"),
        ("620702", "甘州区", "620700"),
        ("652902", "库车市", "652900"),
        ("659000", "新疆维吾尔自治区直辖县级行政区划", "650000"),
        ("659001", "石河子市", "659000"),
        ("110100", "北京市市辖区", "110000"),
        ("110105", "朝阳区", "110100"),
        ("500200", "重庆市辖县", "500000"),
        ("441900", "东莞市", "440000"),
        ("620200", "嘉峪关市", "620000"),
        ("620171", "兰州新区", "620100"),
    ],
)
def test_spot_checks_typed_from_the_list(loaded, code, name, parent):
    region = Region.objects.get(code=code)
    assert region.name == name
    assert (region.parent.code if region.parent else None) == parent
    assert region.level == (1 if parent is None else region.parent.level + 1)


def test_development_zones_pseudo_prefectures_and_cities_without_counties(loaded):
    assert Region.objects.get(code="620171").kind == Region.Kind.DEVELOPMENT_ZONE  # 兰州新区
    assert Region.objects.get(code="130171").kind == Region.Kind.DEVELOPMENT_ZONE  # 石家庄高新区
    # 东莞市 and 嘉峪关市 have no county-level units: the list repeats the city at county level
    # (嘉峪关市 as 620201) for its towns' sake; the portal keeps the prefecture-level node only.
    assert not Region.objects.filter(parent__code__in=["441900", "620200"]).exists()
    assert not Region.objects.filter(code="620201").exists()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("新疆", "650000"),
        ("伊犁州", "654000"),
        ("博州", "652700"),
        ("库车县", "652902"),  # 库车县 became 库车市 in 2019
        ("沙湾县", "654203"),
        ("自治区直辖县级行政区划", "659000"),
        ("石河子市", "659001"),
    ],
)
def test_short_and_old_names_resolve_within_the_province(loaded, name, code):
    assert RegionNames(Region.objects.get(code="650000")).resolve(name).code == code


def test_names_shared_across_provinces_resolve_within_each(loaded):
    assert RegionNames(Region.objects.get(code="620000")).resolve("城关区").code == "620102"
    assert RegionNames(Region.objects.get(code="540000")).resolve("城关区").code == "540102"
    assert RegionNames(Region.objects.get(code="620000")).resolve("甘南州").code == "623000"
    assert RegionNames(Region.objects.get(code="620000")).resolve("华亭县").code == "620881"
    assert RegionNames(Region.objects.get(code="110000")).resolve("市辖区").code == "110100"


def test_the_demo_region_files_agree_with_the_list(loaded):
    """load_demo loads the national list, then each province's own file (regions_xj.csv):
    where both name a region they must agree, or every load would undo the other's names. A
    province file may add aliases (the list's are kept), never contradict a name."""
    national = {row["code"]: row for row in code_list()}
    for path in sorted(FIXTURES.glob("regions_*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                listed = national.get(row["code"])
                if listed is None:
                    continue
                where = f"{path.name} {row['code']}"
                for column in ("name", "short_name", "level", "kind", "parent_code"):
                    assert row[column] == listed[column], (where, column)
                assert set(filter(None, listed["aliases"].split("|"))) <= set(
                    filter(None, row["aliases"].split("|"))
                ), where


# --- loading ----------------------------------------------------------------------------------


def test_loading_the_same_list_again_changes_nothing(loaded, capsys, new_events):
    before = db_snapshot()
    output = load(capsys)
    assert "全国区划代码表：新增0个，更名0个，停用0个，未变3348个。" in output
    assert db_snapshot() == before
    assert not new_events().exists()


def test_a_later_list_renames_keeps_the_old_name_and_withdraws_a_code(
    loaded, capsys, tmp_path, new_events, clerk_huocheng
):
    relief = Fund.objects.get(code="xj-2024-relief")
    huocheng = clerk_huocheng.region
    ret = return_open(fund=relief, region=huocheng, actor=clerk_huocheng)
    allocations = Allocation.objects.filter(region=huocheng).count()
    assert allocations
    rows = [row for row in code_list() if row["code"] != "654023"]  # 霍城县 withdrawn
    for row in rows:
        if row["code"] == "654028":
            row["name"] = "尼勒克市"  # 尼勒克县, renamed
    output = load(capsys, write_list(tmp_path / "later.csv", rows))

    assert "全国区划代码表：新增0个，更名1个，停用1个，未变3346个。" in output
    assert "更名 654028：尼勒克县 → 尼勒克市" in output and "停用 654023" in output
    nilka = Region.objects.get(code="654028")
    assert nilka.name == "尼勒克市" and nilka.is_active
    old = RegionAlias.objects.get(region=nilka, name="尼勒克县")
    assert "later.csv" in old.note
    assert RegionNames(Region.objects.get(code="650000")).resolve("尼勒克县") == nilka
    # Withdrawn, not deleted: its money, its return and its account stay.
    huocheng.refresh_from_db()
    assert not huocheng.is_active
    assert Allocation.objects.filter(region=huocheng).count() == allocations
    ret.refresh_from_db()
    assert ret.region == huocheng
    clerk_huocheng.refresh_from_db()
    assert clerk_huocheng.region == huocheng
    # A past year's figures still add up: the withdrawn county still counts where it took part.
    ledger = FundLedger(relief, Region.objects.get(code="654000"))
    assert huocheng in [account.node.region for account in ledger.taking_part()]
    # The regions the list does not manage are left alone.
    assert Region.objects.get(code="652871").is_active  # 库尔勒经济技术开发区, from regions_xj.csv
    assert Region.objects.get(code="654000-01").is_active  # 伊犁州救助站, a budget unit
    # One audit event for the load, with what it did.
    (event,) = new_events().filter(object_type="transfers.region")
    assert event.action == AuditEvent.Action.LOAD
    assert event.changes["更名"] == {"654028": ["尼勒克县", "尼勒克市"]}
    assert event.changes["停用"] == ["654023"] and event.changes["新增"] == 0

    # The same later list again: nothing. The first list again: 霍城县 back, the old name kept.
    assert "更名0个，停用0个，未变3347个" in load(capsys, tmp_path / "later.csv")
    output = load(capsys)
    assert "更名1个" in output and "恢复1个" in output
    assert Region.objects.get(code="654023").is_active
    assert {a.name for a in Region.objects.get(code="654028").aliases.all()} == {"尼勒克县", "尼勒克市"}


def test_a_list_of_one_province_withdraws_nothing_elsewhere(loaded, capsys, tmp_path):
    rows = [row for row in code_list() if row["code"].startswith("62") and row["code"] != "620702"]
    output = load(capsys, write_list(tmp_path / "gansu.csv", rows))
    assert "停用1个" in output
    assert not Region.objects.get(code="620702").is_active
    assert Region.objects.filter(code__startswith="65", is_active=False).count() == 0


def test_new_codes_load_in_bulk(loaded, capsys, tmp_path, django_assert_max_num_queries):
    rows = code_list()
    rows.append(
        dict.fromkeys(COLUMNS, "") | {"code": "710000", "name": "测试省", "level": "1", "kind": "admin"}
    )
    for p in range(1, 4):
        rows.append(dict.fromkeys(COLUMNS, "") | {"code": f"71{p:02}00", "name": f"测试市{p}", "level": "2", "kind": "admin", "parent_code": "710000"})  # fmt: skip
        for c in range(1, 60):
            rows.append(dict.fromkeys(COLUMNS, "") | {"code": f"71{p:02}{c:02}", "name": f"测试县{p}-{c}", "level": "3", "kind": "admin", "parent_code": f"71{p:02}00", "aliases": f"旧县{p}-{c}"})  # fmt: skip
    path = write_list(tmp_path / "more.csv", rows)
    with django_assert_max_num_queries(25):
        call_command("load_regions", "--file", str(path))
    assert "新增181个" in capsys.readouterr().out
    assert Region.objects.get(code="710359").parent.code == "710300"
    assert Region.objects.get(aliases__name="旧县3-59").code == "710359"


def test_a_dry_run_writes_nothing(loaded, capsys, tmp_path):
    rows = [row for row in code_list() if row["code"] != "654023"]
    before = db_snapshot()
    call_command("load_regions", "--file", str(write_list(tmp_path / "later.csv", rows)), "--dry-run")
    assert "（试运行，未写入）" in capsys.readouterr().out
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "654002", "parent_code": "652900"}, "载入代码表不改变已有区划的上级"),
        ({"code": "654002", "parent_code": "650000"}, "层级3与上级不符，应为2"),
        ({"code": "654002", "kind": "rescue"}, "类型应为行政区划（admin）或开发区（zone）"),
        ({"code": "654002", "level": "4"}, "层级“4”应为1、2或3"),
        ({"code": "654002", "parent_code": "659999"}, "上级659999应列在本区划之前"),
    ],
)
def test_a_list_that_breaks_the_tree_is_refused_whole(loaded, tmp_path, change, message):
    rows = code_list()
    for row in rows:
        if row["code"] == change["code"]:
            row.update(change)
        if row["code"] == "654028":
            row["name"] = "尼勒克市"  # a change the refused list would have made
    before = db_snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("load_regions", "--file", str(write_list(tmp_path / "bad.csv", rows)))
    assert db_snapshot() == before


def test_a_file_that_is_not_a_code_list_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("代码,全称\n654002,伊宁市\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头应为 code,name,short_name"):
        call_command("load_regions", "--file", str(path))
    with pytest.raises(CommandError, match="无法读取区划代码表"):
        call_command("load_regions", "--file", str(tmp_path / "missing.csv"))
