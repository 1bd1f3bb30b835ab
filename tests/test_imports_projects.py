"""Allocation tables that name projects (issue 18): a row may name one of the fund's projects
instead of a region; the money goes to the project, run in its county, with the same all-or-
nothing rules as any row."""

from decimal import Decimal

import pytest

from indicators.models import Return
from reports.imports.allocations import AllocationImporter, current_table
from reports.imports.base import ImportFailed, apply, dry_run
from tests.scenarios import project_fund
from tests.xlsx_factory import workbook_bytes
from transfers.models import Allocation, Notice

pytestmark = pytest.mark.django_db

YINING = "伊宁市县域养老服务体系创新试点项目"
HUOCHENG = "霍城县县域养老服务体系创新试点项目"


@pytest.fixture
def pf(admin_xj):
    """The pilot fund: 100 to 伊宁市's project and 50 to 霍城县's, under 新财社〔2024〕905号."""
    return project_fund(admin=admin_xj, amounts={"伊宁市": 100, "霍城县": 50})


def flat(*rows):
    total = sum(amount for _, amount in rows)
    body = [[i, name, amount] for i, (name, amount) in enumerate(rows, start=1)]
    return workbook_bytes({"分配表": [["序号", "地区", "金额"], *body, ["合计", None, total]]})


def importer(admin, pf):
    notice = Notice.objects.get(province=admin.region, number="新财社〔2024〕905号")
    return AllocationImporter(actor=admin, scope=admin.region, fund=pf.fund, batch_notice=notice)


def project_money(pf):
    return {
        a.project.name: a.amount
        for a in Allocation.objects.filter(fund=pf.fund, project__isnull=False).select_related("project")
    }


def test_rows_naming_the_projects_change_their_money(admin_xj, pf, new_events):
    plan = apply(importer(admin_xj, pf), content=flat((YINING, 120), (HUOCHENG, 50)), filename="试点.xlsx")
    assert plan.counts == {"create": 0, "update": 1, "delete": 0, "unchanged": 1}
    assert project_money(pf) == {YINING: Decimal("120"), HUOCHENG: Decimal("50")}
    (event,) = [e for e in new_events() if e.object_type == "transfers.allocation"]
    assert event.changes == {"金额（万元）": ["100.00", "120.00"]} and event.region.name == "伊宁市"


def test_a_project_left_out_of_the_table_loses_its_money(admin_xj, pf):
    plan = dry_run(importer(admin_xj, pf), content=flat((YINING, 100)), filename="试点.xlsx")
    (deleted,) = [c for c in plan.changes if c.action == "delete"]
    assert deleted.label == f"{HUOCHENG} · 本次下达（表中已无此行）"


def test_a_project_and_a_region_in_one_table(admin_xj, pf):
    plan = apply(
        importer(admin_xj, pf), content=flat((YINING, 100), (HUOCHENG, 50), ("奎屯市", 30)), filename="x.xlsx"
    )
    assert plan.counts["create"] == 1
    assert Allocation.objects.get(fund=pf.fund, region__name="奎屯市").amount == Decimal("30")


def test_the_template_lists_each_project_after_its_county(admin_xj, pf):
    rows = current_table(fund=pf.fund, scope=admin_xj.region)
    assert [(r["recipient"].name, r["batch"]) for r in rows] == [
        (YINING, Decimal("100")),
        (HUOCHENG, Decimal("50")),
    ]


def test_a_project_in_another_prefecture_is_named_as_such(admin_xj, pf):
    content = workbook_bytes(
        {
            "附件1": [
                ["地州市", "县市区", "全年资金合计", "提前下达", "本次实际下达"],
                ["合计", None, 100, 0, 100],
                ["阿克苏地区", "小计", 100, 0, 100],
                [None, YINING, 100, 0, 100],
            ]
        }
    )
    plan = dry_run(importer(admin_xj, pf), content=content, filename="x.xlsx")
    assert [e.message for e in plan.errors] == [f"项目“{YINING}”在伊宁市，不属于阿克苏地区。"]


def test_a_project_under_review_keeps_its_money(admin_xj, pf):
    Return.objects.create(
        fund=pf.fund,
        region=pf.projects["伊宁市"].region,
        project=pf.projects["伊宁市"],
        status=Return.Status.APPROVED,
    )
    with pytest.raises(ImportFailed) as failed:
        apply(importer(admin_xj, pf), content=flat((YINING, 120), (HUOCHENG, 50)), filename="x.xlsx")
    assert "伊宁市的填报已审核，这一行会改变其预算" in failed.value.errors[0].message
    assert project_money(pf)[YINING] == Decimal("100")
