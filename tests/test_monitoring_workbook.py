"""A mid-year return (绩效运行监控) filled offline: the workbook speaks of 1–N月 and forecasts,
偏差原因 and 完成目标可能性 are drop-downs read back by their labels, the import binds the
monitoring form and warns with the monitoring checks; a year-end workbook is refused, and so is
the wrong person.

伊宁市's mid-year return of the relief fund, indicators as the demo's 伊犁州 table: 4 is
孤儿等符合条件的儿童纳入保障范围率 ≥ 90% (row 5 of 绩效指标), 2 is 临时救助人次 应救尽救 (row 3);
中央财政资金 14005万元 allocated (row 2 of 资金)."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evalportal.models import AuditEvent
from indicators.models import Period, Return
from indicators.services import monitoring_plan_save, return_open
from reports.imports.base import dry_run
from reports.imports.returns import ReturnImporter
from reports.models import ImportRecord
from tests.seed_figures import YINING_RELIEF
from tests.xlsx_factory import db_snapshot, download, fill

pytestmark = pytest.mark.django_db

ORPHANS = "孤儿等符合条件的儿童纳入保障范围率"
INPUT_FILL = "00FFF8DC"


@pytest.fixture
def opened_midyear(relief, clerk_yining):
    return return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining, period=Period.MID_YEAR)


def preview(ret, person, content):
    return dry_run(
        ReturnImporter(actor=person, scope=ret.region, ret=ret), content=content, filename="m.xlsx"
    )


def header_of(ws) -> list:
    return [cell.value for cell in ws[1] if cell.value is not None]


# A red line with all its reasons, money behind time with its reason.
RED_WITH_REASONS = {
    "资金": {"C2": 5000, "D2": YINING_RELIEF, "E2": "部分资金7月才下达。"},
    "绩效指标": {
        "F5": "40%",
        "G5": "80%",
        "H5": "经费保障",
        "I5": "配套资金未到位。",
        "J5": "有可能",
        "K5": "三季度加快认定。",
    },
    "总体目标": {"B2": "上半年按计划推进。"},
}


def test_the_workbook_has_the_monitoring_sheets_and_columns(client, clerk_yining, opened_midyear):
    client.force_login(clerk_yining)
    response = client.get(reverse("imports:return_workbook", args=[opened_midyear.pk]))
    assert quote("运行监控填报_伊宁市_xj-2024-relief_v1.xlsx") in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["填报信息", "资金", "绩效指标", "总体目标"]  # no 资金管理情况

    info = {row[0]: row[1] for row in wb["填报信息"].iter_rows(values_only=True)}
    assert info["填报期"] == "绩效运行监控"
    assert info["数据截至"] == "1–6月"
    assert info["填报编号"] == opened_midyear.pk

    money = wb["资金"]
    assert header_of(money) == [
        "资金来源",
        "全年预算数（万元）",
        "1–6月执行数（万元）",
        "全年预计执行数（万元）",
        "执行进度滞后原因",
    ]
    assert (money["A2"].value, money["B2"].value) == ("中央财政资金", YINING_RELIEF)
    assert money["B2"].fill.fgColor.rgb != INPUT_FILL  # allocated: not the clerk's to type
    assert [money[f"{c}2"].fill.fgColor.rgb for c in "CDE"] == [INPUT_FILL] * 3

    indicators = wb["绩效指标"]
    assert header_of(indicators) == [
        "序号",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "1–6月实际完成值",
        "全年预计完成值",
        "偏差原因",
        "原因说明",
        "完成目标可能性",
        "纠偏措施",
        "分母",
    ]
    assert (indicators["A5"].value, indicators["D5"].value, indicators["E5"].value) == (4, ORPHANS, "≥ 90%")
    assert indicators["E5"].fill.fgColor.rgb != INPUT_FILL
    assert {indicators[f"{c}5"].fill.fgColor.rgb for c in "FGHIJKL"} == {INPUT_FILL}
    assert indicators.max_row == 15  # 14 indicators under the header
    lists = {str(v.sqref): v.formula1 for v in indicators.data_validations.dataValidation}
    assert lists == {
        "H2:H15": '"经费保障,制度保障,人员保障,硬件条件保障,其他"',
        "J2:J15": '"确定能,有可能,完全不可能"',
    }
    assert indicators.column_dimensions["I"].width > indicators.column_dimensions["H"].width

    assert header_of(wb["总体目标"]) == ["年度总体目标", "1–6月总体目标执行情况"]


def test_the_import_page_speaks_of_forecasts(client, clerk_yining, opened_midyear):
    client.force_login(clerk_yining)
    page = client.get(reverse("imports:return", args=[opened_midyear.pk])).content.decode()
    assert "全年预计完成值" in page and "资金管理情况" not in page


def test_fill_upload_preview_and_confirm(client, clerk_yining, opened_midyear):
    client.force_login(clerk_yining)
    content = fill(download(client, opened_midyear), **RED_WITH_REASONS)
    upload = SimpleUploadedFile("伊宁市运行监控.xlsx", content)
    response = client.post(reverse("imports:return", args=[opened_midyear.pk]), {"file": upload})
    record = ImportRecord.objects.get(kind="returns")
    assert record.errors == []
    changes = {c["label"]: c["fields"] for c in record.summary["changes"] if c["fields"]}
    assert changes[f"4. {ORPHANS}"] == {
        "1–6月实际完成值": ["", "40%"],
        "全年预计完成值": ["", "80%"],
        "偏差原因": ["", "经费保障"],
        "原因说明": ["", "配套资金未到位。"],
        "完成目标可能性": ["", "有可能"],
        "纠偏措施": ["", "三季度加快认定。"],
    }
    assert changes["中央财政资金"] == {
        "1–6月执行数": ["", "5000.00"],
        "全年预计执行数": ["", f"{YINING_RELIEF:.2f}"],
        "执行进度滞后原因": ["", "部分资金7月才下达。"],
    }
    assert changes["总体目标执行情况"] == {"1–6月总体目标执行情况": ["", "上半年按计划推进。"]}
    page = client.get(response["Location"]).content.decode()
    assert "经费保障" in page and "1–6月执行数" in page
    assert Return.objects.get(pk=opened_midyear.pk).version == opened_midyear.version  # nothing saved yet

    client.post(reverse("imports:apply", args=[record.pk]))
    saved = Return.objects.get(pk=opened_midyear.pk)
    assert saved.version == opened_midyear.version + 1
    assert saved.goal_achievement == "上半年按计划推进。"
    money = saved.funding.get(source="central")
    assert (money.spent, money.forecast, money.lag_reason) == (
        Decimal("5000"),
        YINING_RELIEF,
        "部分资金7月才下达。",
    )
    line = saved.actuals.get(indicator__order=4)
    assert (line.actual_text, line.forecast_text) == ("40%", "80%")
    assert (line.deviation_cause, line.likelihood) == ("funding", "possible")
    assert (line.reason, line.measure) == ("配套资金未到位。", "三季度加快认定。")

    # Downloaded again, the choices show as their labels and the workbook changes nothing.
    again = download(client, saved)
    ws = load_workbook(io.BytesIO(again))["绩效指标"]
    assert (ws["H5"].value, ws["J5"].value) == ("经费保障", "有可能")
    before = db_snapshot()
    plan = preview(saved, clerk_yining, again)
    assert plan.errors == [] and not plan.has_changes
    assert db_snapshot() == before


def test_warnings_are_the_monitoring_checks(client, clerk_yining, opened_midyear):
    client.force_login(clerk_yining)
    content = fill(
        download(client, opened_midyear),
        资金={"C2": 5000, "D2": YINING_RELIEF},
        绩效指标={"F5": "40%", "G5": "80%"},
    )
    plan = preview(opened_midyear, clerk_yining, content)
    assert plan.errors == []
    warnings = {(w.sheet, w.row, w.column): w.message for w in plan.warnings}
    assert warnings[("绩效指标", 5, "F")] == (
        f"提交前须改正：指标“{ORPHANS}”预计全年难以完成目标（预计完成率88.89%），红灯预警，"
        "请填写偏差原因、原因说明、完成目标可能性、纠偏措施。"
    )
    money = warnings[("资金", 2, "C")]
    assert "低于时序进度50%" in money and "执行进度滞后原因" in money
    # A line left blank is told what the monitoring table asks of it.
    assert "未填写1–6月实际完成值" in warnings[("绩效指标", 3, "F")]


@pytest.mark.parametrize(
    ("cell", "value", "column", "words"),
    [
        ("H5", "天气", "H", ["偏差原因“天气”", "经费保障、制度保障、人员保障、硬件条件保障、其他"]),
        ("J5", "大概能", "J", ["完成目标可能性“大概能”", "确定能、有可能、完全不可能"]),
    ],
)
def test_a_choice_not_in_the_list_is_refused_at_its_cell(
    client, clerk_yining, opened_midyear, cell, value, column, words
):
    client.force_login(clerk_yining)
    content = fill(download(client, opened_midyear), **(RED_WITH_REASONS | {"绩效指标": {cell: value}}))
    before = db_snapshot()
    upload = SimpleUploadedFile("m.xlsx", content)
    client.post(reverse("imports:return", args=[opened_midyear.pk]), {"file": upload})
    record = ImportRecord.objects.get(kind="returns")
    [error] = record.errors
    assert (error["sheet"], error["row"], error["column"]) == ("绩效指标", 5, column)
    for word in words:
        assert word in error["message"]
    client.post(reverse("imports:apply", args=[record.pk]))  # refused: the record has errors
    line = Return.objects.get(pk=opened_midyear.pk).actuals.get(indicator__order=4)
    assert (line.forecast_text, line.deviation_cause, line.likelihood) == ("", "", "")
    after = db_snapshot()
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }
    assert not AuditEvent.objects.filter(
        object_type="indicators.return", object_id=str(opened_midyear.pk), action="edit"
    ).exists()


def test_a_year_end_workbook_is_refused_by_a_midyear_return_and_back(
    client, clerk_yining, opened_midyear, yining_return
):
    client.force_login(clerk_yining)
    plan = preview(opened_midyear, clerk_yining, download(client, yining_return))
    [error] = plan.errors
    assert error.sheet == "填报信息"
    assert error.message.startswith("这是“年度绩效自评”的填报表，不能导入到伊宁市的“绩效运行监控”填报")
    assert "重新下载绩效运行监控填报表" in error.message

    plan = preview(yining_return, clerk_yining, download(client, opened_midyear))
    assert plan.errors[0].message.startswith(
        "这是“绩效运行监控”的填报表，不能导入到伊宁市的“年度绩效自评”填报"
    )


def test_the_header_may_write_the_month_either_way_but_must_be_the_plans(
    client, clerk_yining, relief, opened_midyear
):
    monitoring_plan_save(actor=None, fund=relief, through_month=7, yellow_from=Decimal("90"))
    client.force_login(clerk_yining)
    content = download(client, opened_midyear)
    wb = load_workbook(io.BytesIO(content))
    assert wb["资金"]["C1"].value == "1–7月执行数（万元）"
    assert wb["绩效指标"]["F1"].value == "1–7月实际完成值"
    assert {row[0]: row[1] for row in wb["填报信息"].iter_rows(values_only=True)}["数据截至"] == "1–7月"

    typed = fill(content, 资金={"C1": "1-7月执行数", "C2": 9000, "D2": YINING_RELIEF})  # a hyphen, no unit
    plan = preview(opened_midyear, clerk_yining, typed)
    assert plan.errors == []
    changes = {c.label: c.fields for c in plan.changes if c.fields}
    assert changes["中央财政资金"]["1–7月执行数"] == ["", "9000.00"]

    stale = fill(content, 资金={"C1": "1–6月执行数（万元）"}, 绩效指标={"F1": "1-6月实际完成值"})
    plan = preview(opened_midyear, clerk_yining, stale)
    where = {(e.sheet, e.row, e.column): e.message for e in plan.errors}
    assert set(where) == {("资金", 1, "C"), ("绩效指标", 1, "F")}
    assert where[("资金", 1, "C")] == (
        "表头“1–6月执行数（万元）”与本填报的数据期间不符：本填报的数据截至1–7月。请重新下载填报表，填好后再导入。"
    )


def test_another_county_clerk_gets_404(client, clerk_huocheng, opened_midyear):
    client.force_login(clerk_huocheng)
    assert client.get(reverse("imports:return_workbook", args=[opened_midyear.pk])).status_code == 404
    assert client.get(reverse("imports:return", args=[opened_midyear.pk])).status_code == 404
    upload = SimpleUploadedFile("m.xlsx", b"PK\x03\x04")
    assert (
        client.post(reverse("imports:return", args=[opened_midyear.pk]), {"file": upload}).status_code == 404
    )
    assert not ImportRecord.objects.exists()


def test_the_reviewer_reads_the_workbook_but_cannot_import(client, reviewer_yili, opened_midyear):
    client.force_login(reviewer_yili)
    assert client.get(reverse("imports:return_workbook", args=[opened_midyear.pk])).status_code == 200
    assert client.get(reverse("imports:return", args=[opened_midyear.pk])).status_code == 403
