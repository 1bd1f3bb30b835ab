"""The province's two tables: the one the centre sent (its own return and 自评表 answer to it)
and its own 全区 table, decomposed from it and passed down; and what the centre sent the
province, recorded on the fund's 中央下达 page."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalportal.models import AuditEvent, User
from indicators.models import Return, TargetTable
from indicators.selectors import passed_down_table, return_table, table_comparison
from indicators.services import fund_received_set, return_open, return_submit
from reports.builders import build
from reports.data import report_data
from reports.imports.base import apply, dry_run
from reports.imports.targets import TargetImporter
from tests.readers import docx
from tests.xlsx_factory import workbook_bytes
from transfers.models import Allocation, Fund, Notice
from transfers.services import fund_save, notice_save

pytestmark = pytest.mark.django_db

HEADER = ["一级指标", "二级指标", "三级指标", "指标值"]
CENTRAL_ROWS = [
    ["产出指标", "数量指标", "救助对象覆盖率", "≥95%"],
    [None, "时效指标", "资金下达时间", "≤30日"],
    ["满意度指标", "服务对象满意度指标", "救助对象满意度", "≥90%"],
]


def table_file(rows) -> bytes:
    return workbook_bytes({"绩效目标表": [HEADER, *rows]})


@pytest.fixture
def care_fund(admin_xj):
    fund, _ = fund_save(
        actor=admin_xj, code="xj-2025-care_fund", name="测试资金", year=2025, region=admin_xj.region
    )
    return fund


def load(admin, fund, region, rows, *, central=False):
    importer = TargetImporter(actor=admin, scope=admin.region, fund=fund, region=region, central=central)
    plan = apply(importer, content=table_file(rows), filename="t.xlsx")
    assert plan.errors == []
    return importer


def test_the_province_decomposes_the_central_table_and_passes_its_own_down(
    admin_xj, care_fund, province, yili
):
    load(admin_xj, care_fund, province, CENTRAL_ROWS, central=True)
    own_rows = [row[:] for row in CENTRAL_ROWS]
    own_rows[0][3] = "≥98%"  # the province raises one value
    load(admin_xj, care_fund, province, own_rows)
    central = TargetTable.objects.get(fund=care_fund, is_central=True)
    own = TargetTable.objects.get(fund=care_fund, region=province, is_central=False)
    assert central.region == province and central.parent is None and own.parent == central
    statuses = {line.name: line.status for line in table_comparison(own)}
    assert statuses == {"救助对象覆盖率": "changed", "资金下达时间": "same", "救助对象满意度": "same"}
    # The province answers to the centre; a prefecture starts from the province's own table.
    assert return_table(care_fund, province) == central and passed_down_table(care_fund, province) == own
    ret = return_open(fund=care_fund, region=yili, actor=admin_xj)
    targets = {a.indicator.name: a.indicator.target_text for a in ret.actuals.select_related("indicator")}
    assert targets["救助对象覆盖率"] == "≥98%"
    assert TargetTable.objects.get(fund=care_fund, region=yili).parent == own
    province_return = return_open(fund=care_fund, region=province, actor=admin_xj)
    assert {a.indicator.table_id for a in province_return.actuals.all()} == {central.pk}


def test_a_central_table_entered_after_the_provinces_own_adopts_it(admin_xj, care_fund, province, new_events):
    load(admin_xj, care_fund, province, CENTRAL_ROWS)
    load(admin_xj, care_fund, province, CENTRAL_ROWS, central=True)
    own = TargetTable.objects.get(fund=care_fund, region=province, is_central=False)
    central = TargetTable.objects.get(fund=care_fund, is_central=True)
    assert own.parent == central
    assert all(i.parent_indicator.table == central for i in own.indicators.select_related("parent_indicator"))
    assert new_events().filter(summary=f"{province.name}的绩效目标表", changes__has_key="上级目标表").exists()


def test_a_central_table_after_the_province_began_its_return_is_refused(admin_xj, care_fund, province):
    load(admin_xj, care_fund, province, CENTRAL_ROWS)
    return_open(fund=care_fund, region=province, actor=admin_xj)
    importer = TargetImporter(actor=admin_xj, scope=province, fund=care_fund, region=province, central=True)
    plan = dry_run(importer, content=table_file(CENTRAL_ROWS), filename="t.xlsx")
    assert [e.message for e in plan.errors] == [
        f"{province.name}已开始填报本资金，填报按本省（区）的目标表计算：中央下达的目标表须在本省（区）填报开始前录入。"
    ]
    assert not TargetTable.objects.filter(fund=care_fund, is_central=True).exists()


def test_only_the_province_has_a_central_table(admin_xj, care_fund, yili):
    with pytest.raises(ValueError, match="中央下达的目标表只属于新疆维吾尔自治区"):
        TargetImporter(actor=admin_xj, scope=admin_xj.region, fund=care_fund, region=yili, central=True)


def test_the_upload_page_refuses_the_central_box_for_a_prefecture(client, admin_xj, care_fund, yili):
    client.force_login(admin_xj)
    page = client.post(
        reverse("imports:upload", args=["targets"]),
        {"fund": care_fund.pk, "region": yili.code, "central": "on", "file": _upload()},
    ).content.decode()
    assert "中央下达的目标表只属于新疆维吾尔自治区：请选择新疆维吾尔自治区，或取消勾选。" in page
    assert not TargetTable.objects.filter(fund=care_fund).exists()


def _upload():
    return SimpleUploadedFile("t.xlsx", table_file(CENTRAL_ROWS))


def test_the_province_report_prints_the_central_table_then_its_own_for_the_whole_region(elderly, province):
    """Seed 000: 一(一)2 prints what the centre sent (中央主管部门 民政部), 一(二)2 the 自治区's own
    table (自治区主管部门, 地级财政部门 各地州市财政局) before the 14 prefectures'."""
    data = report_data(fund=elderly, region=province)
    assert data.own_table.departments[0] == ("中央主管部门", "民政部")
    assert data.decomposed_table.departments == [
        ("自治区主管部门", "新疆维吾尔自治区民政厅"),
        ("地级财政部门", "各地州市财政局"),
        ("地级主管部门", "各地州市民政局"),
    ]
    assert len(data.child_tables) == 14
    text = "".join(docx(build(data, kind="a", format="docx")).element.body.itertext())  # in body order
    assert text.index("中央主管部门") < text.index("各地州市财政局") < text.index("伊犁州财政局")


def test_a_prefecture_report_names_the_province_as_the_giver_of_its_targets(elderly, yili):
    assert report_data(fund=elderly, region=yili).target_giver == "自治区"


# --- what the centre sent the province ----------------------------------------------------------


@pytest.fixture
def central_notice(admin_xj):
    notice, _ = notice_save(
        actor=admin_xj,
        province=admin_xj.region,
        number="财社〔2025〕1号",
        issuer="财政部 民政部",
        title="测试下达",
    )
    return notice


def post_received(client, fund, notice, amount, kind="batch"):
    url = reverse("setup:received", args=[fund.code])
    return client.post(url, {"notice": notice.pk, "kind": kind, "source": "central", "amount": amount})


def test_the_province_records_what_the_centre_sent(client, admin_xj, care_fund, central_notice, new_events):
    client.force_login(admin_xj)
    assert (
        "尚未登记中央下达的资金"
        in client.get(reverse("setup:received", args=[care_fund.code])).content.decode()
    )
    assert post_received(client, care_fund, central_notice, "600").status_code == 302
    post_received(client, care_fund, central_notice, "120.5", kind="advance")
    line = Allocation.objects.get(fund=care_fund, from_region=None, kind="batch")
    assert line.region == admin_xj.region and line.amount == D("600")
    page = client.get(reverse("setup:received", args=[care_fund.code])).content.decode()
    assert "720.50" in page  # 600 + 120.5
    assert new_events().filter(summary__startswith="中央向新疆维吾尔自治区本次下达").count() == 1
    # 0 removes the line, audited
    post_received(client, care_fund, central_notice, "0", kind="advance")
    assert not Allocation.objects.filter(fund=care_fund, kind="advance").exists()
    assert new_events().filter(summary__startswith="删除中央向新疆维吾尔自治区的提前下达").exists()


def test_bad_amounts_are_refused_and_kept_in_the_form(client, admin_xj, care_fund, central_notice):
    client.force_login(admin_xj)
    for amount, message in (
        ("-5", "中央下达金额不能为负数。"),
        ("600万元", "请输入金额（万元）"),
        ("1.23456", "最多四位小数"),
    ):
        page = post_received(client, care_fund, central_notice, amount).content.decode()
        assert message in page and f'value="{amount}"' in page
    assert not Allocation.objects.filter(fund=care_fund).exists()


def test_the_amount_stays_while_the_provinces_return_is_under_review(
    client, admin_xj, elderly, central_notice_of_elderly
):
    ret = Return.objects.get(fund=elderly, region=admin_xj.region, project=None, period="year_end")
    assert ret.status == Return.Status.APPROVED
    client.force_login(admin_xj)
    page = post_received(client, elderly, central_notice_of_elderly, "9000").content.decode()
    assert "新疆维吾尔自治区的年度绩效自评填报已审核，改变中央下达金额会改变其预算数" in page
    assert Allocation.objects.get(fund=elderly, from_region=None).amount != D("9000")


@pytest.fixture
def central_notice_of_elderly(elderly):
    return Allocation.objects.get(fund=elderly, from_region=None).notice


def test_only_the_province_administrator_records_it(client, reviewer_yili, care_fund, central_notice):
    client.force_login(reviewer_yili)
    assert client.get(reverse("setup:received", args=[care_fund.code])).status_code == 403
    assert post_received(client, care_fund, central_notice, "1").status_code == 403
    client.force_login(User.objects.get(username="admin_gs"))
    assert client.get(reverse("setup:received", args=[care_fund.code])).status_code == 404
    assert not Allocation.objects.filter(fund=care_fund).exists()


def test_a_submitted_province_return_keeps_its_budget_too(admin_xj, care_fund, central_notice):
    fund_received_set(
        actor=admin_xj, fund=care_fund, notice=central_notice, kind="batch", source="central", amount=D("10")
    )
    ret = return_open(fund=care_fund, region=admin_xj.region, actor=admin_xj)
    ret.funding.filter(source="central").update(spent=D("5"))
    return_submit(ret=ret, actor=admin_xj)
    with pytest.raises(ValidationError, match="已提交"):
        fund_received_set(
            actor=admin_xj,
            fund=care_fund,
            notice=central_notice,
            kind="batch",
            source="central",
            amount=D("11"),
        )
    assert Fund.objects.get(pk=care_fund.pk).allocations.get().amount == D("10")
    assert Notice.objects.filter(pk=central_notice.pk).exists()
    assert AuditEvent.objects.filter(summary__contains="11.00万元").count() == 0
