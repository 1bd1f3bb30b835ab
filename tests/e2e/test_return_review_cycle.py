"""A county return from first entry to the province's board, as people do it in the browser."""

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The smallest file the portal takes for a PDF: its header and trailer.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def fill_return(page, *, orphan_rate: str):
    """Fill every indicator: qualitative ones with their target wording, rates with 96%."""
    for row in page.locator("[data-indicator-row]").all():
        target = row.get_attribute("data-target")
        actual = "96%" if "%" in target else target
        if "孤儿等符合条件的儿童纳入保障范围率" in row.inner_text():
            actual = orphan_rate
        row.locator(".indicator-actual").fill(actual)


def test_clerk_reviewer_and_province(sign_in, live_server, shots):
    # 1. The 伊宁市 clerk opens the relief fund's return and fills it.
    clerk = sign_in("clerk_yining")
    shots(clerk, "clerk-home")
    relief = clerk.locator("section.card").filter(
        has_text=re.compile(r"2024年 中央财政困难群众救助补助资金\s+本地区资金")
    )
    relief.get_by_role("button", name="开始填报").first.click()
    clerk.wait_for_url(re.compile(r"/returns/\d+/edit/$"))
    clerk.locator("input[name='funding-central-spent']").fill("9000.50")
    fill_return(clerk, orphan_rate="96%")
    clerk.get_by_label("四、总体目标完成情况").fill("全年保障困难群众基本生活，资金执行9000.50万元。")
    # The rates appear as the clerk types (the rules engine via the preview endpoint).
    row = clerk.locator("[data-indicator-row]", has_text="孤儿等符合条件的儿童纳入保障范围率")
    row.locator(".indicator-rate").get_by_text("完成率 106.67%").wait_for()  # 96% of ≥90%
    shots(clerk, "clerk-filled")
    clerk.get_by_role("button", name="提交审核").click()
    clerk.get_by_text("已提交，等待上级审核。").wait_for()
    shots(clerk, "clerk-submitted")

    # 2. The 伊犁州 reviewer returns it with a comment on one line.
    reviewer = sign_in("reviewer_yili")
    reviewer.get_by_text("待我审核（1）").wait_for()
    shots(reviewer, "reviewer-queue")
    # The whole queue from the menu: found by fund, the return opened from there.
    reviewer.locator("a.nav-link", has_text="待我审核").click()
    reviewer.wait_for_url(re.compile(r"/returns/queue/$"))
    reviewer.get_by_label("资金", exact=True).select_option(index=1)  # the one fund in the queue
    reviewer.get_by_role("button", name="查找").click()
    reviewer.get_by_text("找到1份").wait_for()
    shots(reviewer, "reviewer-queue-page")
    reviewer.get_by_role("link", name="审核", exact=True).click()
    comment = "请填写全年实际救助人次，不要只写“应救尽救”。"
    reviewer.get_by_label("对“临时救助人次”的意见").fill(comment)
    # Sent back without a reason: refused, and the line comment is still in its box.
    reviewer.get_by_role("button", name="退回修改").click()
    reviewer.get_by_text("退回必须填写退回原因。").first.wait_for()
    assert reviewer.get_by_label("对“临时救助人次”的意见").input_value() == comment
    shots(reviewer, "reviewer-refused-keeps-comment")
    reviewer.get_by_label("退回原因（退回时必填）").fill("临时救助人次需补充具体数字。")
    shots(reviewer, "reviewer-comment")
    reviewer.get_by_role("button", name="退回修改").click()
    reviewer.get_by_text("已退回伊宁市修改。").wait_for()

    # 3. The clerk is told (通知, one unread), reads it, sees the comment next to the line,
    # fixes it, attaches the evidence and submits again.
    clerk.goto(f"{live_server.url}/")
    nav = clerk.locator("a.nav-link", has_text="通知")
    assert nav.locator(".badge").inner_text() == "1"
    nav.click()
    notice = clerk.get_by_role("link", name=re.compile("退回修改"))
    clerk.get_by_text("临时救助人次需补充具体数字。").first.wait_for()
    shots(clerk, "clerk-notifications")
    notice.first.click()
    clerk.wait_for_url(re.compile(r"/returns/\d+/"))
    assert clerk.locator("a.nav-link", has_text="通知").locator(".badge").count() == 0  # read now
    clerk.goto(f"{live_server.url}/")
    clerk.get_by_role("link", name="填报", exact=True).first.click()
    line = clerk.locator("[data-indicator-row]", has_text="临时救助人次")
    line.get_by_text("请填写全年实际救助人次").wait_for()
    shots(clerk, "clerk-sees-comment")
    # The evidence for that line: a PDF, kept beside the line once uploaded.
    clerk.set_input_files(
        "#id_file", files=[{"name": "临时救助台账.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    clerk.select_option(
        "#id_line", label=clerk.locator("#id_line option", has_text="临时救助人次").inner_text()
    )
    clerk.get_by_role("button", name="上传", exact=True).click()
    clerk.get_by_text("已上传“临时救助台账.pdf”。").wait_for()
    line = clerk.locator("[data-indicator-row]", has_text="临时救助人次")
    line.get_by_role("link", name="临时救助台账.pdf").wait_for()
    shots(clerk, "clerk-attached")
    line.locator(".indicator-actual").fill("应救尽救")
    line.locator("textarea").first.fill("已按要求核实，全年临时救助均做到应救尽救。")
    clerk.get_by_role("button", name="提交审核").click()
    clerk.get_by_text("已提交，等待上级审核。").wait_for()

    # 4. The reviewer finds the evidence beside the line, downloads it and approves.
    reviewer.goto(f"{live_server.url}/")
    reviewer.get_by_role("link", name="审核", exact=True).click()
    pdf_link = reviewer.get_by_role("link", name="临时救助台账.pdf")
    evidence = (
        reviewer.locator("tr", has_text="临时救助人次")
        .filter(has=pdf_link)
        .get_by_role("link", name="临时救助台账.pdf")
    )
    with reviewer.expect_download() as download:
        evidence.click()
    assert download.value.suggested_filename == "临时救助台账.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    reviewer.get_by_role("button", name="审核通过").click()
    reviewer.get_by_text("伊宁市的填报已审核通过。").wait_for()
    shots(reviewer, "reviewer-approved")

    # 5. The province sees 伊犁州's figure rolled up from its approved county return.
    admin = sign_in("admin_xj")
    shots(admin, "province-home")
    board = admin.locator("section.card").filter(
        has_text=re.compile(r"2024年 中央财政困难群众救助补助资金\s+本地区资金")
    )
    yili = board.locator("tr", has_text="伊犁州")
    yili.get_by_text("9,000.50").wait_for()
    assert "下级已审核汇总" in yili.inner_text()
    # 9000.50 of 伊犁州's 65682 (seed 003) → 13.70%.
    assert "13.70%" in yili.inner_text()
    shots(admin, "province-board")
