"""Report G, a county's own report of one fund with every money source, read back from the DOCX:
伊宁市 in xj-2024-relief (seed 003's 14005万元). Report F is tested with the demo it was made
for, seed 004's 张掖市民政局, in tests/test_demo_gansu.py.
"""

from decimal import Decimal

import pytest

from indicators.services import ReturnInput, return_save
from reports.builders import build, title_for
from reports.data import report_data
from tests.readers import docx, docx_lines, docx_rows, docx_table, workbook, xlsx_find
from tests.seed_figures import YINING_RELIEF, ZHANGYE_PROJECTS

pytestmark = pytest.mark.django_db

D = Decimal
# A county's own money, stated to the 元 as seed 004 states a budget (2.472万元 = 24,720 元).
OWN_BUDGET = ZHANGYE_PROJECTS[1][1]
SOURCES = ["中央财政资金", "省级财政资金", "市县财政资金", "其他资金"]


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _report_g(fund, region):
    return docx(build(report_data(fund=fund, region=region), kind="g", format="docx"))


# --- G: the title a county's report has, every money source in 一 -----------------------------------


def test_report_g_is_titled_after_the_unit_the_year_and_the_fund(relief, yining):
    texts = _texts(_report_g(relief, yining))
    # the title is broken into balanced lines; its words are the unit's, the year's and the fund's
    assert texts[0].replace("\n", "") == "伊宁市民政局2024年中央财政困难群众救助补助资金支出绩效自评报告"
    name = title_for(
        region_name="伊宁市", fund_name=relief.full_name, year=2024, kind="g", unit="伊宁市民政局"
    )
    assert name == texts[0].replace("\n", "")  # the file is named as it is titled


def test_report_g_lists_every_source_in_one_with_zero_printed_as_0(relief, yining):
    texts = _texts(_report_g(relief, yining))
    one = texts[texts.index("1.下达预算情况。") : texts.index("2.下达绩效目标情况。")]
    # Decision: every source is named, the ones the county has none of with 0 (never left out).
    expected = (
        f"伊宁市2024年度中央财政困难群众救助补助资金全年预算{YINING_RELIEF}万元，其中：中央财政资金"
        f"{YINING_RELIEF}万元，省级财政资金0万元，市县财政资金0万元，其他资金0万元。"
    )
    assert expected in one
    # 二(一)1 then says what of it came from above (every source is in 一 already).
    (arrival,) = texts[texts.index("1.项目资金到位情况分析。") + 1 : texts.index("2.项目资金执行情况分析。")]
    assert (
        arrival
        == f"2024年度中央财政困难群众救助补助资金全年预算{YINING_RELIEF}万元，其中自治区下达{YINING_RELIEF}万元。"
    )


def test_report_g_sources_table_prints_zero_sources_as_0_00(relief, yining):
    table = docx_table(_report_g(relief, yining), "资金来源", "全年预算数", "全年执行数", "预算执行率")
    rows = docx_rows(table)[1:]
    assert [row[0] for row in rows] == [*SOURCES, "合计"]
    assert rows[0][1:3] == [f"{YINING_RELIEF}.00", ""]  # central: budget, spending not entered
    for row in rows[1:4]:
        assert row[1:4] == ["0.00", "0.00", ""], row[0]  # nothing to spend, no rate


def test_report_g_states_a_countys_own_money_to_the_yuan(relief, yining, yining_return, clerk_yining):
    data = ReturnInput(
        funding={"central": {"spent": D("100")}, "local": {"budget": OWN_BUDGET, "spent": OWN_BUDGET}},
        actuals={},
        narratives={},
        goal_achievement="",
    )
    return_save(ret=yining_return, actor=clerk_yining, base_version=yining_return.version, data=data)
    doc = _report_g(relief, yining)
    total = YINING_RELIEF + OWN_BUDGET
    assert (
        f"伊宁市2024年度中央财政困难群众救助补助资金全年预算{total}万元，其中：中央财政资金{YINING_RELIEF}万元，"
        f"省级财政资金0万元，市县财政资金{OWN_BUDGET}万元，其他资金0万元。"
    ) in _texts(doc)
    lines = docx_lines(docx_table(doc, "资金来源"))
    assert lines["市县财政资金"] == (OWN_BUDGET, OWN_BUDGET, D("100.00"))
    rows = {row[0]: row for row in docx_rows(docx_table(doc, "资金来源"))}
    assert rows["市县财政资金"][1] == "2.472"  # not rounded to 2.47
    assert rows["合计"][1] == f"{total:f}"
    # The 自评表 as a workbook keeps the 元 too: the cell's format shows three places.
    ws = workbook(build(report_data(fund=relief, region=yining), kind="b", format="xlsx")).active
    label = xlsx_find(ws, "地方财政资金")
    budget = ws.cell(row=label.row, column=5)
    assert (D(str(budget.value)), budget.number_format) == (OWN_BUDGET, "0.000")
