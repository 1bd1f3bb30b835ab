"""A province administrator sets up a new fund in the browser, as issue 18 asks: the fund and its
notices, the central table pasted out of the ministry's notice, the province's own table with one
changed value, what the centre sent, two regional allocations, one county project with an
indicator of its own; then the county's clerk sees exactly that project's table in its return."""

import re

import pytest
from django.conf import settings

from indicators.models import Return, TargetTable
from tests.xlsx_factory import workbook_bytes
from transfers.models import Allocation, Fund, Project

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CENTRAL_TEXT = settings.BASE_DIR / "fixtures" / "paste" / "000_central_lines10-123.txt"
PROJECT = "伊宁市失能老年人集中照护试点项目"
OWN_INDICATOR = ("产出指标", "数量指标", "试点机构建成数", "≥2个")


def confirm_import(page):
    page.get_by_role("button", name="确认导入").click()
    page.get_by_text(re.compile("已导入")).first.wait_for()


def paste_table(page, url, text, *, central: bool):
    page.goto(url)
    checkbox = page.get_by_label("这是中央下达的目标表")
    assert checkbox.is_checked() == central  # the setup page's link says which table it is
    page.get_by_label("粘贴目标表").fill(text)
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_url(re.compile(r"/imports/records/\d+/$"))


def test_the_province_sets_up_a_fund_and_the_county_sees_its_projects_table(sign_in, live_server, shots):
    admin = sign_in("admin_xj")
    base = live_server.url

    # 1. The fund and its two notices.
    admin.goto(f"{base}/funds/new/")
    admin.get_by_label("资金代码").fill("xj-2025-care")
    admin.get_by_label("资金名称").fill("中央财政困难群众救助补助资金")
    admin.get_by_label("支持方向").fill("支持困难失能老年人等群体基本养老服务救助方向")
    admin.get_by_label("年度").fill("2025")
    admin.get_by_label("中央主管部门").fill("[118]民政部")
    admin.get_by_label("省级财政部门").fill("新疆维吾尔自治区财政厅")
    admin.get_by_label("省级主管部门").fill("新疆维吾尔自治区民政厅")
    admin.get_by_role("button", name="保存").click()
    admin.get_by_text("xj-2025-care").wait_for()
    fund = Fund.objects.get(code="xj-2025-care")
    for number, issuer, title in (
        (
            "财社〔2025〕50号",
            "财政部 民政部",
            "财政部 民政部关于下达2025年中央财政困难群众救助补助资金预算的通知",
        ),
        (
            "新财社〔2025〕60号",
            "自治区财政厅 自治区民政厅",
            "关于下达2025年中央财政困难群众救助补助资金预算的通知",
        ),
    ):
        admin.goto(f"{base}/funds/notices/new/")
        admin.get_by_label("文号").fill(number)
        admin.get_by_label("标题").fill(title)
        admin.get_by_label("发文机关").fill(issuer)
        admin.get_by_label("发文日期").fill("2025年1月")
        admin.get_by_role("button", name="保存").click()
        admin.get_by_text("已登记文件").wait_for()

    # 2. What the centre sent the province.
    admin.goto(f"{base}/funds/")
    admin.locator("tr", has_text="xj-2025-care").get_by_role("link", name="中央下达").click()
    admin.get_by_label("下达文件").select_option(label="财社〔2025〕50号")
    admin.get_by_label("金额（万元）").fill("500")
    admin.get_by_role("button", name="保存").click()
    admin.get_by_text("已保存。").wait_for()
    shots(admin, "received")
    assert Allocation.objects.get(fund=fund, from_region=None).amount == 500

    # 3. The central table, pasted exactly as the notice prints it; then the province's own,
    #    the same table with one value raised.
    central_text = CENTRAL_TEXT.read_text(encoding="utf-8")
    admin.goto(f"{base}/funds/xj-2025-care/tables/")
    central_url = base + admin.get_by_role("link", name="粘贴中央下达的目标表").get_attribute("href")
    own_url = base + admin.get_by_role("link", name="粘贴本省（区）全区目标表").get_attribute("href")
    paste_table(admin, central_url, central_text, central=True)
    shots(admin, "central-preview")
    admin.get_by_text("新疆维吾尔自治区（中央下达）").first.wait_for()
    confirm_import(admin)
    own_text = central_text.replace("中央主管部门", "自治区主管部门").replace("≥95%", "≥98%", 1)
    paste_table(admin, own_url, own_text, central=False)
    confirm_import(admin)
    central = TargetTable.objects.get(fund=fund, is_central=True)
    own = TargetTable.objects.get(fund=fund, region__code="650000", is_central=False)
    assert own.parent == central and central.indicators.count() == own.indicators.count() == 9

    admin.goto(f"{base}/funds/xj-2025-care/tables/")
    own_row = admin.locator("tbody tr").filter(
        has=admin.locator("td", has_text=re.compile(r"^新疆维吾尔自治区$"))
    )
    own_row.get_by_role("link", name="查看").click()
    changed = admin.locator("tr", has_text="补助标准实际到位率")
    assert "≥95%" in changed.inner_text() and "≥98%" in changed.inner_text()
    admin.get_by_text("修改 1 项").wait_for()
    shots(admin, "province-table-beside-central")

    # 4. Two regional allocations through the allocation import.
    admin.goto(f"{base}/imports/new/allocations/?fund={fund.pk}")
    admin.get_by_label("本次下达文件").select_option(label="新财社〔2025〕60号")
    workbook = workbook_bytes(
        {"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 200], [2, "霍城县", 150], ["合计", None, 350]]}
    )
    admin.locator("input[type=file]").set_input_files(
        files=[{"name": "分配表.xlsx", "mimeType": "application/octet-stream", "buffer": workbook}]
    )
    admin.get_by_role("button", name="上传并预览").click()
    admin.wait_for_url(re.compile(r"/imports/records/\d+/$"))
    confirm_import(admin)
    assert {
        a.region.name: a.amount for a in Allocation.objects.filter(fund=fund, from_region__code="650000")
    } == {
        "伊宁市": 200,
        "霍城县": 150,
    }

    # 5. One county project with money of its own and an indicator of its own.
    admin.goto(f"{base}/funds/xj-2025-care/projects/new/")
    admin.get_by_label("项目名称").fill(PROJECT)
    admin.get_by_label("实施县（市、区）或单位").fill("654002")
    admin.get_by_label("本单位预算安排，不由省级下达资金").uncheck()
    admin.get_by_label("下达金额（万元）").fill("100")
    admin.get_by_label("下达文件").select_option(label="新财社〔2025〕60号")
    admin.get_by_role("button", name="保存，下一步设置目标表").click()
    admin.wait_for_url(re.compile(r"/projects/\d+/table/$"))
    # keep four of the province's nine, add one of its own
    kept = [
        "补助标准实际到位率",
        "补助资金按时发放率",
        "经济困难老年人等群体基本养老服务救助政策在当地的知晓率",
        "补助对象对集中照护政策实施的满意度",
    ]
    for box in admin.locator("input[type=checkbox][name^=keep_]").all():
        name = admin.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
        if not any(name.startswith(k) for k in kept):
            box.uncheck()
    admin.locator("select[name=new_0_level1]").select_option(OWN_INDICATOR[0])
    admin.locator("select[name=new_0_level2]").select_option(OWN_INDICATOR[1])
    admin.locator("input[name=new_0_name]").fill(OWN_INDICATOR[2])
    admin.locator("input[name=new_0_target]").fill(OWN_INDICATOR[3])
    admin.get_by_label("年度总体目标").fill("1.建成失能老年人集中照护试点机构。")
    shots(admin, "project-table")
    admin.get_by_role("button", name="保存目标表").click()
    admin.get_by_text(f"已保存{PROJECT}的绩效目标表。").wait_for()
    project = Project.objects.get(fund=fund, name=PROJECT)
    assert project.allocations.get().amount == 100

    # 6. The 伊宁市 clerk opens the project's return and sees exactly its table.
    clerk = sign_in("clerk_yining")
    card = clerk.locator("section.card").filter(has_text="2025年")
    shots(clerk, "clerk-home")
    card.locator("tr", has_text=f"{PROJECT} · 年度绩效自评").get_by_role("button", name="开始填报").click()
    clerk.wait_for_url(re.compile(r"/returns/\d+/edit/$"))
    shots(clerk, "clerk-project-return")
    rows = clerk.locator("[data-indicator-row]")
    names = [row.get_attribute("data-name") or row.inner_text() for row in rows.all()]
    assert len(names) == 5
    for expected in [*kept, OWN_INDICATOR[2]]:
        assert sum(expected in name for name in names) == 1
    targets = {row.get_attribute("data-target") for row in rows.all()}
    assert "≥98%" in targets and OWN_INDICATOR[3] in targets  # the province's raised value, its own
    ret = Return.objects.get(fund=fund, project=project)
    assert {a.indicator.name for a in ret.actuals.select_related("indicator")} == {
        *(i.name for i in own.indicators.all() if any(i.name.startswith(k) for k in kept)),
        OWN_INDICATOR[2],
    }
