"""A mid-year monitoring return in the browser (#12): the province sets 1–7月, the 伊宁市 clerk
fills the 绩效运行监控表 and sees each light as they type, a forecast that will miss asks for its
reasons before it can be submitted, and the 伊犁州 reviewer sees the lights and the reasons."""

import re

import pytest

from tests.seed_figures import YINING_RELIEF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ORPHANS = "孤儿等符合条件的儿童纳入保障范围率"  # ≥ 90%


def test_monitoring_from_settings_to_review(sign_in, live_server, shots):
    # 1. The province administrator moves the cut-off to 1–7月.
    admin = sign_in("admin_xj")
    admin.goto(f"{live_server.url}/funds/xj-2024-relief/monitoring/")
    admin.get_by_label("数据截止月份").select_option("7")
    admin.get_by_role("button", name="保存").click()
    admin.get_by_text("1–7月（时序进度 58.33%）").wait_for()
    shots(admin, "settings")

    # 2. The clerk opens the monitoring return: the form speaks of 1–7月.
    clerk = sign_in("clerk_yining")
    relief = clerk.locator("section.card").filter(
        has_text=re.compile(r"2024年 中央财政困难群众救助补助资金\s+本地区资金")
    )
    relief.locator("tr", has_text="绩效运行监控").get_by_role("button", name="开始填报").click()
    clerk.wait_for_url(re.compile(r"/returns/\d+/edit/$"))
    clerk.get_by_text("绩效运行监控：数据截至1–7月").wait_for()
    clerk.locator("input[name='funding-central-spent']").fill("9000")  # 64.26% of 14005: on time
    clerk.locator("input[name='funding-central-forecast']").fill(str(YINING_RELIEF))
    for row in clerk.locator("[data-monitoring-row]").all():
        target = row.get_attribute("data-target")
        value = "96%" if "%" in target else target
        row.locator(".monitoring-actual").fill(value)
        row.locator(".monitoring-forecast").fill(value)
    orphans = clerk.locator("[data-monitoring-row]", has_text=ORPHANS)
    orphans.locator(".monitoring-light").get_by_text("绿").wait_for()  # 96% of ≥90%
    # A forecast of 80%: 88.89% of the target, below the 90% band — red while typing.
    orphans.locator(".monitoring-forecast").fill("80%")
    orphans.locator(".monitoring-light").get_by_text("红").wait_for()
    orphans.locator(".monitoring-light").get_by_text("预计完成率 88.89%").wait_for()
    shots(clerk, "red-while-typing")
    clerk.get_by_role("button", name="提交审核").click()
    clerk.get_by_text(f"指标“{ORPHANS}”预计全年难以完成目标（预计完成率88.89%），红灯预警").first.wait_for()
    shots(clerk, "refused-without-reasons")

    # 3. The reasons, then the return goes up.
    orphans = clerk.locator("[data-monitoring-row]", has_text=ORPHANS)
    orphans.get_by_label("偏差原因").select_option(label="人员保障")
    orphans.get_by_label("完成目标可能性").select_option(label="有可能")
    orphans.get_by_label("原因说明").fill("基层儿童督导员配备不足，摸排未全覆盖。")
    orphans.get_by_label("纠偏措施").fill("三季度集中排查，9月底前配齐督导员。")
    clerk.get_by_role("button", name="提交审核").click()
    clerk.get_by_text("已提交，等待上级审核。").wait_for()

    # 4. The reviewer sees the return's light, the line's light and its reasons.
    reviewer = sign_in("reviewer_yili")
    reviewer.get_by_role("link", name="审核", exact=True).first.click()
    reviewer.get_by_text("运行监控预警（数据截至1–7月，时序进度 58.33%）").wait_for()
    line = reviewer.locator("tr", has_text=ORPHANS)
    line.get_by_text("红", exact=True).wait_for()
    line.get_by_text("偏差原因：人员保障").wait_for()
    line.get_by_text("纠偏措施：三季度集中排查，9月底前配齐督导员。").wait_for()
    assert "红灯 1 项" in reviewer.locator("#monitoring-summary").inner_text()
    shots(reviewer, "review")
    reviewer.get_by_role("button", name="审核通过").click()
    reviewer.get_by_text("已审核通过").first.wait_for()
