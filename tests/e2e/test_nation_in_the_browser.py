"""The ministry in the browser (#14): 民政部's account lands on its central funds, opens one across
the provinces, reads 新疆's figures and the national total, sees the lines 新疆 missed, and
downloads the summary in Excel, then opens 新疆's own board and goes back up."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.seed_figures import ELDERLY_EXECUTION, ELDERLY_INDICATORS, ELDERLY_TOTAL

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_ministry_reads_a_central_fund_across_the_provinces(sign_in, live_server, shots):
    ministry = sign_in("ministry_mca", landing="/nation/")
    ministry.get_by_role("heading", name="中央转移支付资金 · 各省汇总").wait_for()
    ministry.locator("tr", has_text="支持困难失能老年人").get_by_role("link", name="各省执行情况").click()
    ministry.get_by_role("heading", name="各省执行情况").wait_for()
    budget, spent, rate = ELDERLY_TOTAL
    xinjiang = ministry.locator("tr[data-region='650000']")
    total = ministry.locator("tr[data-region='total']")
    for row in (xinjiang, total):
        row.get_by_text(f"{budget:,.2f}").first.wait_for()
        row.get_by_text(f"{spent:,.2f}").first.wait_for()
        row.get_by_text(f"{rate}%").first.wait_for()
    name, target, actual, *_ = ELDERLY_INDICATORS[0]
    missed = ministry.locator("tr", has_text=name)
    missed.get_by_text("0/1省").wait_for()
    # The provinces that missed it are folded under their count: a click opens them.
    missed.get_by_text("1省", exact=True).click()
    missed.get_by_text(f"新疆：指标值{target}，实际{actual}").wait_for()
    shots(ministry, "national-board")

    with ministry.expect_download() as download:
        ministry.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename.endswith("各省绩效自评汇总表.xlsx")
    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = list(book["各省资金执行"].iter_rows(values_only=True))
    (total_row,) = [row for row in rows if row[0] == "全国合计"]
    assert Decimal(str(total_row[1])) == budget
    # No province page is open to it: its nav has none of a province's menus.
    assert ministry.get_by_role("link", name="资金设置").count() == 0

    # 新疆's own board, read only: 伊犁州's row as the seed prints it, no return to open.
    xinjiang.get_by_role("link", name="新疆").click()
    ministry.get_by_role("heading", name="新疆 · 下级填报进度").wait_for()
    ili_budget, ili_spent, ili_rate = ELDERLY_EXECUTION["伊犁哈萨克自治州"]
    ili = ministry.locator("tr[data-region='654000']")
    ili.get_by_text(f"{Decimal(ili_budget):,.2f}").wait_for()
    ili.get_by_text(f"{ili_rate}%").wait_for()
    assert ministry.get_by_role("link", name="查看填报").count() == 0
    shots(ministry, "national-province-board")
    ministry.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="中央财政困难群众救助补助资金"
    ).click()
    ministry.get_by_role("heading", name="各省执行情况").wait_for()
