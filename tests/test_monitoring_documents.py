"""The monitoring documents of #12: the 绩效运行监控表 (DOCX and XLSX, level columns merged as in
the 自评表, the light as its word) and the short report of red and yellow lines by region.

伊宁市's mid-year return of the relief fund is filled by its clerk through the services: 临时救助人次
and 低保对象人数 are given a count target of ≥500 on 伊宁市's own table, with 260 done by June;
a forecast of 400 is red (80%), one of 520 green. Every expected figure is typed by hand: the
central budget of 伊宁市 is seed 003's (tests/seed_figures.py: YINING_RELIEF), 5000 spent by June is
35.70% of it, a forecast of 13500 is 96.39%.
"""

from decimal import Decimal
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from indicators.models import IndicatorActual, Period
from indicators.services import ReturnInput, return_approve, return_open, return_save, return_submit
from reports.builders import build
from reports.data.monitoring import monitoring_data
from reports.models import GeneratedFile, JobStatus
from reports.services import generated_file_build, generated_file_request
from tests.seed_figures import YINING_RELIEF
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

D = Decimal
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RED_REASON = "上半年临时救助资金到位较晚，部分乡镇尚未开展集中救助。"
RED_MEASURE = "督促各乡镇加快临时救助审批，按月调度进度。"
LAG_REASON = "第二批资金6月下旬才到位。"
HEADS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "1–6月实际完成值",
    "全年预计完成值",
    "偏差原因",
    "完成目标可能性",
    "纠偏措施",
    "预警",
]


def _mid_year_input(ret, *, red_forecast="400人次", complete=False) -> ReturnInput:
    """临时救助人次 260 of ≥500 by June with ``red_forecast`` for the year, 低保对象人数 260 of
    ≥500 forecast 520; with ``complete``, every other line forecast at its target (green)."""
    actuals = {}
    for line in ret.actuals.select_related("indicator"):
        indicator = line.indicator
        if indicator.name == "临时救助人次":
            actuals[indicator.pk] = {
                "actual_text": "260人次",
                "forecast_text": red_forecast,
                "deviation_cause": "funding",
                "reason": RED_REASON,
                "likelihood": "possible",
                "measure": RED_MEASURE,
            }
        elif indicator.name == "低保对象人数":
            actuals[indicator.pk] = {"actual_text": "260人", "forecast_text": "520人"}
        elif complete:
            target = indicator.target_text
            value = target.lstrip("≥≤ ") if any(ch.isdigit() for ch in target) else target
            actuals[indicator.pk] = {"actual_text": value, "forecast_text": value}
    funding = {"central": {"spent": D("5000"), "forecast": D("13500"), "lag_reason": LAG_REASON}}
    return ReturnInput(funding=funding, actuals=actuals, narratives={}, goal_achievement="")


@pytest.fixture
def saved_mid_year(relief, clerk_yining):
    """伊宁市's mid-year return of the relief fund, saved by its clerk (still 填报中)."""
    ret = return_open(fund=relief, region=clerk_yining.region, period=Period.MID_YEAR, actor=clerk_yining)
    for line in ret.actuals.select_related("indicator"):
        if line.indicator.name in ("临时救助人次", "低保对象人数"):
            unit = "人次" if line.indicator.name == "临时救助人次" else "人"
            line.indicator.target_text = f"≥500{unit}"
            line.indicator.save(update_fields=["target_text"])
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=_mid_year_input(ret))
    ret.refresh_from_db()
    return ret


def _docx(content: bytes):
    return Document(BytesIO(content))


def _text(cell) -> str:
    """A cell's text as read: a short label is broken into balanced lines (一级 / 指标)."""
    return cell.text.replace("\n", "")


def _indicator_table(doc):
    return next(t for t in doc.tables if _text(t.rows[0].cells[0]) == "一级指标")


def _row_of(table, name: str) -> list[str]:
    return next([_text(c) for c in row.cells] for row in table.rows if _text(row.cells[2]) == name)


def _table_docx(fund, region):
    return _docx(build(monitoring_data(fund=fund, region=region), kind="monitor", format="docx"))


# --- the 绩效运行监控表 in DOCX ----------------------------------------------------------------------


def test_table_heads_and_the_lights_of_a_red_and_a_green_line(saved_mid_year, relief, yining):
    body = _indicator_table(_table_docx(relief, yining))
    assert [_text(c) for c in body.rows[0].cells] == HEADS
    assert body.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None  # repeated on every page

    red = _row_of(body, "临时救助人次")
    assert red[3:] == [
        "≥500人次",
        "260人次",
        "400人次",
        f"经费保障：{RED_REASON}",
        "有可能",
        RED_MEASURE,
        "红",
    ]
    green = _row_of(body, "低保对象人数")
    assert green[3:6] == ["≥500人", "260人", "520人"] and green[9] == "绿"
    assert green[6:9] == ["", "", ""]
    # A line without a forecast has no light yet (求助的流浪乞讨人员救助率 was left blank).
    assert _row_of(body, "求助的流浪乞讨人员救助率")[9] == ""


def test_the_light_cell_is_shaded_and_still_says_its_word(saved_mid_year, relief, yining):
    body = _indicator_table(_table_docx(relief, yining))
    cells = {_text(row.cells[2]): row.cells[9] for row in body.rows[1:]}
    red, green = cells["临时救助人次"], cells["低保对象人数"]
    assert (red.text, red._tc.tcPr.find(f"{W}shd").get(f"{W}fill")) == ("红", "FFC7CE")
    assert (green.text, green._tc.tcPr.find(f"{W}shd").get(f"{W}fill")) == ("绿", "C6EFCE")


def test_level_columns_merge_over_their_runs_as_in_the_evaluation_table(saved_mid_year, relief, yining):
    body = _indicator_table(_table_docx(relief, yining))
    restarts = [v for v in body._tbl.iter(f"{W}vMerge") if v.get(f"{W}val") == "restart"]
    continues = [v for v in body._tbl.iter(f"{W}vMerge") if v.get(f"{W}val") is None]
    assert restarts and continues
    # The relief table: 10 产出指标 (数量 5, 质量 3, 时效 2), 3 效益指标, 1 满意度指标.
    assert body.cell(1, 0)._tc is body.cell(10, 0)._tc and _text(body.cell(1, 0)) == "产出指标"
    assert _text(body.cell(11, 0)) == "效益指标" and body.cell(11, 0)._tc is not body.cell(10, 0)._tc
    assert body.cell(1, 1)._tc is body.cell(5, 1)._tc and _text(body.cell(1, 1)) == "数量指标"
    assert _text(body.cell(6, 1)) == "质量指标" and body.cell(6, 1)._tc is not body.cell(5, 1)._tc
    assert _text(body.cell(14, 0)) == "满意度指标" and len(body.rows) == 15


def test_head_names_the_fund_offices_period_and_money_by_source(saved_mid_year, relief, yining):
    doc = _table_docx(relief, yining)
    head = next(t for t in doc.tables if _text(t.rows[0].cells[0]) == "项目名称")
    rows = [[_text(c) for c in row.cells] for row in head.rows]
    assert rows[0][2] == "中央财政困难群众救助补助资金"
    assert rows[1][:3] == ["主管部门", "主管部门", "伊宁市民政局"]
    assert "2024年1–6月（时序进度50.00%）" in rows[2] and "填报中" in rows[2]
    assert head.cell(2, 0)._tc.xpath(".//w:gridSpan") and head.cell(1, 0)._tc is head.cell(1, 1)._tc
    money = {row[1]: row[3:] for row in rows if row[0] == "资金情况（万元）"}
    budget = f"{YINING_RELIEF:.2f}"
    assert money["年度资金总额"][:5] == [budget, "5000.00", "35.70%", "13500.00", "96.39%"]
    central = money["其中：中央财政资金"]
    assert central[:5] == [budget, "5000.00", "35.70%", "13500.00", "96.39%"]
    assert central[5] == LAG_REASON  # 35.70% is behind 50.00% of the year: the reason is printed
    assert money["年度资金总额"][5] == ""
    # A wide table: the page is turned.
    section = doc.sections[0]
    assert section.orientation == 1 and section.page_width > section.page_height
    # The return is not approved: the draft says so on page 1.
    assert "尚未审核通过（填报中）" in doc.paragraphs[0].text


def test_a_region_without_its_own_return_says_not_reported(saved_mid_year, relief, yili):
    """伊犁州 has no mid-year return: its lines print 未填报, never 伊宁市's figures."""
    doc = _table_docx(relief, yili)
    body = _indicator_table(doc)
    line = _row_of(body, "临时救助人次")
    assert line[3:6] == ["应救尽救", "未填报", "未填报"] and line[9] == ""
    assert all("260" not in cell.text for row in body.rows for cell in row.cells)
    head = next(t for t in doc.tables if _text(t.rows[0].cells[0]) == "项目名称")
    status = next([_text(c) for c in row.cells] for row in head.rows if _text(row.cells[0]) == "监控期间")
    assert status[-1] == "未填报"


def test_the_money_of_a_region_without_its_return_is_the_ledgers_roll_up(
    saved_mid_year, relief, yili, clerk_yining, reviewer_yili
):
    """Once 伊宁市's return is approved, 伊犁州's table counts its 5000 spent and its forecast."""
    return_save(
        ret=saved_mid_year,
        actor=clerk_yining,
        base_version=saved_mid_year.version,
        data=_mid_year_input(saved_mid_year, complete=True),
    )
    return_submit(ret=saved_mid_year, actor=clerk_yining, acknowledge_warnings=True)
    return_approve(ret=saved_mid_year, actor=reviewer_yili)
    data = monitoring_data(fund=relief, region=yili)
    total = data.money[0]
    assert (total.label, total.spent, total.forecast) == ("年度资金总额", D("5000"), D("13500"))
    assert data.status == "未填报" and all(line.actual == "未填报" for line in data.lines)
    doc = _table_docx(relief, yili)
    assert any("资金为下级已审核填报汇总数" in p.text for p in doc.paragraphs)


# --- the 绩效运行监控表 in XLSX -----------------------------------------------------------------------


def test_workbook_has_the_same_merges_and_lights(saved_mid_year, relief, yining):
    content = build(monitoring_data(fund=relief, region=yining), kind="monitor", format="xlsx")
    ws = load_workbook(BytesIO(content))["绩效运行监控表"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    red_row, green_row = cells["临时救助人次"].row, cells["低保对象人数"].row
    red = [ws.cell(row=red_row, column=c).value for c in range(4, 11)]
    assert red == ["≥500人次", "260人次", "400人次", f"经费保障：{RED_REASON}", "有可能", RED_MEASURE, "红"]
    assert ws.cell(row=red_row, column=10).fill.start_color.rgb.endswith("FFC7CE")
    assert ws.cell(row=green_row, column=10).value == "绿"
    # 产出指标 over its ten rows, 数量指标 over five (the first indicator row is 低保对象人数).
    first = cells["低保对象人数"].row
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A{first}:A{first + 9}" in merged and f"B{first}:B{first + 4}" in merged
    # The central money: the rate as the fraction Excel formats with %.
    central = cells["其中：中央财政资金"].row
    budget, spent, rate = (ws.cell(row=central, column=c).value for c in (4, 5, 6))
    assert (D(str(budget)), D(str(spent)), D(str(rate))) == (YINING_RELIEF, D("5000"), D("0.357"))
    assert ws.page_setup.orientation == "landscape"


# --- the short report -------------------------------------------------------------------------------


def test_report_lists_the_red_line_with_its_reason_and_not_the_green_one(saved_mid_year, relief, province):
    data = monitoring_data(fund=relief, region=province, subtree=True)
    doc = _docx(build(data, kind="monitor_report", format="docx"))
    texts = [p.text for p in doc.paragraphs]
    assert "中央财政困难群众救助补助资金" in texts[0] and "1–6月绩效运行监控情况报告" in texts[0]
    summary = next(t for t in texts if t.startswith("截至2024年6月底"))
    assert "共有1份" in summary and "其中已审核0份" in summary
    assert "14项绩效指标中绿灯1项、黄灯0项、红灯1项，12项尚未填写全年预计完成值" in summary
    assert "（一）伊宁市" in texts
    rows = [[_text(c) for c in row.cells] for table in doc.tables for row in table.rows]
    assert rows[0][:5] == ["指标", "年度指标值", "1–6月实际完成值", "全年预计完成值", "预警"]
    assert rows[1] == [
        "临时救助人次",
        "≥500人次",
        "260人次",
        "400人次",
        "红",
        f"经费保障：{RED_REASON}",
        "有可能",
        RED_MEASURE,
    ]
    assert not any(row[0] == "低保对象人数" for row in rows)
    assert len(rows) == 2


def test_a_forecast_of_520_is_green_and_leaves_nothing_to_report(
    saved_mid_year, relief, yining, clerk_yining
):
    return_save(
        ret=saved_mid_year,
        actor=clerk_yining,
        base_version=saved_mid_year.version,
        data=_mid_year_input(saved_mid_year, red_forecast="520人次"),
    )
    body = _indicator_table(_table_docx(relief, yining))
    assert _row_of(body, "临时救助人次")[9] == "绿"
    data = monitoring_data(fund=relief, region=yining, subtree=True)
    doc = _docx(build(data, kind="monitor_report", format="docx"))
    assert not doc.tables
    assert any("暂无需要纠偏的指标" in p.text for p in doc.paragraphs)


def test_the_report_of_another_prefecture_holds_nothing_of_yining(saved_mid_year, relief):
    aksu = Region.objects.get(code="652900")
    data = monitoring_data(fund=relief, region=aksu, subtree=True)
    assert data.returns == []
    doc = _docx(build(data, kind="monitor_report", format="docx"))
    assert not doc.tables and all("伊宁市" not in p.text for p in doc.paragraphs)


# --- generated, downloaded, scoped -----------------------------------------------------------------


def _page(fund):
    return reverse("reports:fund_files", args=[fund.code])


def test_clerk_generates_both_from_the_report_page_and_downloads_them(
    client, saved_mid_year, relief, clerk_yining, django_capture_on_commit_callbacks
):
    client.force_login(clerk_yining)
    page = client.get(_page(relief)).content.decode()
    assert "绩效运行监控表（年中）" in page and "绩效运行监控情况报告" in page
    for kind, format in (("monitor", "docx"), ("monitor", "xlsx"), ("monitor_report", "docx")):
        with django_capture_on_commit_callbacks(execute=False):
            response = client.post(_page(relief), {"kind": kind, "format": format, "region": "654002"})
        assert response.status_code == 302, response.content.decode()
    for generated in GeneratedFile.objects.filter(status=JobStatus.PENDING):
        generated_file_build(file_id=generated.pk)
    files = {(f.kind, f.format): f for f in GeneratedFile.objects.all()}
    assert all(f.status == JobStatus.DONE for f in files.values()), [f.error for f in files.values()]
    table = files[("monitor", "docx")]
    assert table.warnings == ["伊宁市的绩效运行监控填报尚未审核通过（填报中），数据可能变化。"]
    download = client.get(reverse("reports:file_download", args=[table.pk]))
    assert download.status_code == 200
    assert "伊宁市中央财政困难群众救助补助资金2024年绩效运行监控表.docx" in unquote(
        download["Content-Disposition"]
    )
    body = _indicator_table(_docx(b"".join(download.streaming_content)))
    assert _row_of(body, "临时救助人次")[9] == "红"
    report = client.get(reverse("reports:file_download", args=[files[("monitor_report", "docx")].pk]))
    assert "绩效运行监控情况报告.docx" in unquote(report["Content-Disposition"])
    assert "与当前数据一致" in client.get(_page(relief)).content.decode()


def test_a_monitoring_file_goes_stale_with_the_mid_year_return_only(
    client, saved_mid_year, relief, yining, clerk_yining, yining_return, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        generated = generated_file_request(
            fund=relief, region=yining, kind="monitor", format="docx", actor=clerk_yining
        )
    generated_file_build(file_id=generated.pk)
    client.force_login(clerk_yining)
    # The year-end return changes: the monitoring table would print the same.
    IndicatorActual.objects.filter(ret=yining_return).update(actual_text="96%")
    assert "与当前数据一致" in client.get(_page(relief)).content.decode()
    IndicatorActual.objects.filter(ret=saved_mid_year, indicator__name="临时救助人次").update(
        forecast_text="450人次"
    )
    assert "数据已更新，文件可能过期" in client.get(_page(relief)).content.decode()


def test_a_clerk_of_another_county_can_neither_generate_nor_download(
    client, saved_mid_year, relief, clerk_yining, clerk_huocheng, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        generated = generated_file_request(
            fund=relief, region=saved_mid_year.region, kind="monitor", format="docx", actor=clerk_yining
        )
    generated_file_build(file_id=generated.pk)
    client.force_login(clerk_huocheng)
    for name in ("file_status", "file_download"):
        assert client.get(reverse(f"reports:{name}", args=[generated.pk])).status_code == 404, name
    response = client.post(_page(relief), {"kind": "monitor_report", "format": "docx", "region": "654002"})
    assert response.status_code == 200 and "找不到地区“654002”" in response.content.decode()
    assert GeneratedFile.objects.count() == 1
    with pytest.raises(Exception, match="只能为本地区及下级地区生成文件"):
        generated_file_request(
            fund=relief,
            region=Region.objects.get(code="654000"),
            kind="monitor",
            format="xlsx",
            actor=clerk_huocheng,
        )


def test_the_short_report_is_offered_in_docx_only(client, relief, admin_xj):
    client.force_login(admin_xj)
    response = client.post(_page(relief), {"kind": "monitor_report", "format": "xlsx", "region": "650000"})
    assert response.status_code == 200 and "只提供 DOCX 格式" in response.content.decode()


def test_a_measure_typed_like_a_formula_stays_text_in_the_workbook(saved_mid_year, relief, yining):
    IndicatorActual.objects.filter(ret=saved_mid_year, indicator__name="临时救助人次").update(
        measure='=HYPERLINK("http://example.invalid","点击")'
    )
    content = build(monitoring_data(fund=relief, region=yining), kind="monitor", format="xlsx")
    ws = load_workbook(BytesIO(content))["绩效运行监控表"]
    row = next(c.row for r in ws.iter_rows() for c in r if c.value == "临时救助人次")
    measure = ws.cell(row=row, column=9)
    assert measure.data_type == "s" and measure.value == '=HYPERLINK("http://example.invalid","点击")'


def test_the_reports_read_does_not_grow_with_the_returns(
    saved_mid_year, relief, province, clerk_huocheng, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as one:
        monitoring_data(fund=Fund.objects.get(pk=relief.pk), region=province, subtree=True)
    return_open(fund=relief, region=clerk_huocheng.region, period=Period.MID_YEAR, actor=clerk_huocheng)
    with django_assert_num_queries(len(one)):
        data = monitoring_data(fund=Fund.objects.get(pk=relief.pk), region=province, subtree=True)
    assert [r.owner for r in data.returns] == ["伊宁市", "霍城县"]
