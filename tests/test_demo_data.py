"""The demo data equals the seed documents' figures, as tests/seed_figures.py types them (not computed)."""

import shutil
import tomllib
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from openpyxl import load_workbook

from demo.loader import DemoDataError, load_demo
from evalportal.models import AuditEvent, Role, User
from indicators.ledger import return_money
from indicators.models import IndicatorActual, Return, TargetTable
from tests.seed_figures import (
    ELDERLY_EXECUTION,
    ELDERLY_INDICATORS,
    ELDERLY_TOTAL,
    RELIEF_COUNTIES,
    RELIEF_SUBTOTALS_BY_CODE,
    RELIEF_TOTAL,
    YINING_RELIEF,
    YINING_RELIEF_ADVANCE,
    YINING_RELIEF_BATCH,
)
from transfers.models import Allocation, Region
from transfers.selectors import region_budget

pytestmark = pytest.mark.django_db

D = Decimal


def test_region_tree_has_fourteen_prefectures_and_every_seed_003_recipient(relief):
    prefectures = Region.objects.filter(parent__code="650000")
    # The national tree adds 659000 (自治区直辖县级行政区划: 石河子市 …), which no seed fund reaches.
    assert set(prefectures.values_list("code", flat=True)) == set(RELIEF_SUBTOTALS_BY_CODE) | {"659000"}
    # Seed 003 lists 118 counties, districts, zones and budget units under the prefectures.
    recipients = Region.objects.filter(level=Region.Level.COUNTY, allocations__fund=relief).distinct()
    assert recipients.count() == 118
    assert Region.objects.get(code="654002").name == "伊宁市"
    assert Region.objects.get(code="654002").parent.short_name == "伊犁州"
    assert Region.objects.get(short_name="博州").name == "博尔塔拉蒙古自治州"
    # An old name the seed uses, kept for matching.
    assert Region.objects.get(aliases__name="库车县").name == "库车市"
    assert Region.objects.get(name="乌鲁木齐市养老福利院").is_budget_unit


def test_elderly_fund_totals_match_seed_000(elderly, province):
    assert region_budget(elderly, province)["total"] == ELDERLY_TOTAL[0]
    # What the centre sent, and all of it passed on to the prefectures.
    assert sum(a.amount for a in elderly.allocations.filter(from_region=None)) == ELDERLY_TOTAL[0]
    assert sum(a.amount for a in elderly.allocations.filter(from_region=province)) == ELDERLY_TOTAL[0]
    for name, (amount, _, _) in ELDERLY_EXECUTION.items():
        region = Region.objects.get(name=name)
        assert region_budget(elderly, region)["total"] == D(amount), name
    notices = set(elderly.allocations.values_list("notice__number", flat=True))
    assert notices == {"财社〔2024〕179号", "新财社〔2024〕210号"}


def test_relief_fund_totals_match_seed_003(relief, province):
    budget = region_budget(relief, province)
    assert (budget["total"], budget["advance"], budget["batch"]) == RELIEF_TOTAL
    assert sum(a.amount for a in relief.allocations.filter(from_region=province)) == RELIEF_TOTAL[0]
    for code, (total, advance, batch) in RELIEF_SUBTOTALS_BY_CODE.items():
        budget = region_budget(relief, Region.objects.get(code=code))
        assert (budget["total"], budget["advance"], budget["batch"]) == (D(total), D(advance), D(batch)), code
    assert sum(D(t) for t, _, _ in RELIEF_SUBTOTALS_BY_CODE.values()) == RELIEF_TOTAL[0]


def test_relief_keeps_negative_adjustments(relief):
    home = Region.objects.get(name="乌鲁木齐市养老福利院")
    budget = region_budget(relief, home)
    assert (budget["total"], budget["advance"], budget["batch"]) == RELIEF_COUNTIES["乌鲁木齐市养老福利院"]
    # Seed 003 has eight negative batches (-1, -49, -70, -15, -11, -19, -17, -2).
    assert relief.allocations.filter(amount__lt=0).count() == 8
    county = Region.objects.get(code="654002")  # 伊宁市 14005 = 8419 + 5586
    assert region_budget(relief, county) == {
        "total": YINING_RELIEF,
        "advance": YINING_RELIEF_ADVANCE,
        "batch": YINING_RELIEF_BATCH,
    }


def test_target_tables(elderly, relief, province):
    # seed 000's 16: the central table, the 自治区's own 全区 table and 14 regional ones
    assert elderly.target_tables.count() == 16
    assert relief.target_tables.count() == 15  # seed 003: the province's and 14 regional ones
    central = TargetTable.objects.get(fund=elderly, region=province, is_central=True)
    assert central.indicators.count() == 9
    assert central.indicators.get(order=1).target_text == "≥95%"
    whole = TargetTable.objects.get(fund=elderly, region=province, is_central=False)
    assert whole.parent == central and whole.indicators.count() == 9
    # every prefecture's table hangs under the 全区 table, not the centre's
    assert set(
        elderly.target_tables.filter(region__level=Region.Level.PREFECTURE).values_list("parent", flat=True)
    ) == {whole.pk}
    assert not relief.target_tables.filter(is_central=True).exists()
    assert central.indicators.get(order=5).target_text == "≤30日"
    assert central.overall_goals.startswith("1.开展经济困难失能老年人等群体集中照护工作")
    yili = TargetTable.objects.get(fund=relief, region__code="654000")
    assert yili.parent.region == province
    assert yili.indicators.count() == 14
    # Seed 003, 附件3, 伊犁州's table: 10 产出 (5 数量, 3 质量, 2 时效), 3 效益 and 1 满意度, no 成本.
    levels = Counter(yili.indicators.values_list("level1", flat=True))
    assert levels == {"产出指标": 10, "效益指标": 3, "满意度指标": 1}
    satisfaction = yili.indicators.get(level1="满意度指标")
    assert (satisfaction.name, satisfaction.target_text) == ("救助对象对社会救助实施的满意度", "≥ 88%")
    assert satisfaction.parent_indicator.table == yili.parent
    assert yili.overall_goals.count("\n") == 6  # seven numbered goals


def test_elderly_returns_hold_the_seed_figures(elderly, province):
    ret = Return.objects.get(fund=elderly, region=province, period="year_end")
    # The budget is what the centre allocated (never stored with the return): 27.67 / 8454 → 0.33%.
    assert ret.funding.get(source="central").budget is None
    central = return_money(ret).line("central")
    assert (central.budget, central.spent, central.rate) == ELDERLY_TOTAL
    assert ret.narratives.count() == 7
    actuals = list(
        IndicatorActual.objects.filter(ret=ret)
        .order_by("indicator__order")
        .values_list("actual_text", flat=True)
    )
    assert actuals == [actual for _, _, actual, _, _ in ELDERLY_INDICATORS]
    first = ret.actuals.get(indicator__order=1)
    assert first.reason.startswith("资金下达时间为2024年12月")
    assert first.measure == "督促各地加快项目实施进度，并做好政策宣传。"
    # Seed 000 执行表 2-1: only 伊犁州 1.4, 昌吉州 1.73 and 喀什地区 24.54 spent anything.
    spent = {
        r.region.short_name or r.region.name: r.funding.get(source="central").spent
        for r in Return.objects.filter(fund=elderly, region__level=2, period="year_end").select_related(
            "region"
        )
    }
    assert len(spent) == 14
    assert spent["伊犁州"] == D("1.4") and spent["昌吉州"] == D("1.73") and spent["喀什地区"] == D("24.54")
    assert sum(spent.values()) == D("27.67")


def test_demo_accounts(client):
    expected = {
        "admin_xj": ("650000", Role.ADMIN),
        "reviewer_yili": ("654000", Role.REVIEWER),
        "clerk_yining": ("654002", Role.CLERK),
        "clerk_huocheng": ("654023", Role.CLERK),
        "auditor_xj": ("650000", Role.VIEWER),
        "admin_gs": ("620000", Role.ADMIN),
        "clerk_zhangye": ("620700-01", Role.CLERK),
    }
    for username, (code, role) in expected.items():
        user = User.objects.get(username=username)
        assert (user.region.code, user.role) == (code, role)
        assert client.login(username=username, password="demo2024")


def _snapshot():
    """Every row of every model of the project's apps, as values."""
    rows = {}
    for label in ("evalportal", "transfers", "indicators"):
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return rows


def test_load_demo_is_idempotent():
    before = _snapshot()
    summary = load_demo()
    assert not summary.changed
    assert summary.describe() == "演示数据已是最新，未作任何修改。"
    assert _snapshot() == before


def test_load_demo_repairs_a_changed_figure_through_the_allocation_import(relief):
    line = Allocation.objects.get(fund=relief, region__code="654002", kind="batch")
    line.amount = D("1")
    line.save(update_fields=["amount"])
    summary = load_demo()
    assert summary.updated == {"资金分配": 1} and not summary.created
    line.refresh_from_db()
    assert line.amount == YINING_RELIEF_BATCH
    event = AuditEvent.objects.filter(object_type="transfers.allocation", object_id=str(line.pk)).first()
    assert event.action == AuditEvent.Action.EDIT
    assert event.changes == {"金额（万元）": ["1.00", f"{YINING_RELIEF_BATCH:.2f}"]}
    assert event.comment.startswith("系统导入“allocations.xlsx”第") and event.actor is None
    load = AuditEvent.objects.filter(action=AuditEvent.Action.LOAD).first()
    assert load.comment == "更新资金分配1条。"
    assert load.region is None  # the demo spans 新疆 and 甘肃: the load is of no one province


def _demo_copy(tmp_path):
    """fixtures/ copied, to break one file of it; its relief fund under a code not loaded yet
    (and of no central fund: 新疆's copy of that one is loaded)."""
    shutil.copytree(settings.BASE_DIR / "fixtures", tmp_path / "fixtures")
    manifest = tmp_path / "fixtures" / "demo" / "demo.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace('code = "xj-2024-relief"', 'code = "xj-2024-relief-2"')
    manifest.write_text(text.replace('central = "mca-2024-relief"\n', ""), encoding="utf-8")
    return manifest


def test_a_missing_fixture_is_named_and_nothing_is_loaded(tmp_path):
    manifest = _demo_copy(tmp_path)
    (manifest.parent / "xj-2024-relief" / "allocations.xlsx").unlink()
    before = _snapshot()
    with pytest.raises(DemoDataError, match=r"找不到演示数据文件 .*xj-2024-relief/allocations\.xlsx"):
        load_demo(manifest)
    assert _snapshot() == before


def test_a_fixture_with_an_error_is_refused_whole(tmp_path):
    manifest = _demo_copy(tmp_path)
    path = manifest.parent / "xj-2024-relief" / "allocations.xlsx"
    workbook = load_workbook(path)
    workbook.active["E7"] = 9999  # 伊宁市 本次实际下达: no longer adds up to its 小计
    workbook.save(path)
    before = _snapshot()
    with pytest.raises(DemoDataError, match="allocations.xlsx 有.*处错误"):
        load_demo(manifest)
    assert _snapshot() == before


def test_the_demo_reads_nothing_outside_the_repository():
    """Every file the manifest names lies inside fixtures/ (the quick start needs nothing else)."""
    manifest = settings.BASE_DIR / "fixtures" / "demo" / "demo.toml"
    spec = tomllib.loads(manifest.read_text(encoding="utf-8"))
    regions = spec["regions"]
    named = [regions] if isinstance(regions, str) else list(regions)
    for fund in spec["funds"]:
        named += [t["file"] for t in fund.get("allocation_tables", [])]
        named += [fund[key] for key in ("target_tables", "projects") if key in fund]
        returns = fund.get("returns", [])
        named += [returns] if isinstance(returns, str) else returns
        if "projects" in fund:  # each project's workbook, beside the file that names it
            projects = manifest.parent / fund["projects"]
            for project in tomllib.loads(projects.read_text(encoding="utf-8"))["projects"]:
                named.append(str(projects.parent.relative_to(manifest.parent) / project["targets"]))
    fixtures = (settings.BASE_DIR / "fixtures").resolve()
    for name in named:
        path = (manifest.parent / name).resolve()
        assert path.is_relative_to(fixtures) and path.exists(), name
