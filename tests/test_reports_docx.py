"""Report A and tables B–E as DOCX, re-opened with python-docx and checked against the seeds.

Every expected figure is typed from seed 000 (report and 自评表) or seed 003 (分配表), never
taken from the code under test.
"""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from indicators.models import IndicatorActual
from reports.builders import build
from reports.builders.docx_report import SECTIONS
from reports.data import report_data
from tests.seed_figures import (
    ELDERLY_EXECUTION,
    ELDERLY_INDICATORS,
    ELDERLY_SCORED_BUDGET,
    ELDERLY_SCORED_SCORES,
    ELDERLY_SCORED_TOTAL,
    ELDERLY_SCORED_WEIGHTS,
    ELDERLY_TOTAL,
    PREFECTURE_CODES,
    RELIEF_SUBTOTALS,
    RELIEF_TOTAL,
    YINING_RELIEF,
)
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

D = Decimal
BUDGET, SPENT, RATE = ELDERLY_TOTAL  # seed 000: 年度资金总额, 全年执行数, 执行率 %
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _num(text: str) -> Decimal:
    return D(text.strip().rstrip("%"))


def _open(content: bytes):
    return Document(BytesIO(content))


@pytest.fixture
def elderly_doc(elderly, province):
    return _open(build(report_data(fund=elderly, region=province), kind="a", format="docx"))


@pytest.fixture
def relief_doc(relief, province):
    return _open(build(report_data(fund=relief, region=province), kind="a", format="docx"))


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _table_starting(doc, *first_cells: str):
    for table in doc.tables:
        if [c.text for c in table.rows[0].cells[: len(first_cells)]] == list(first_cells):
            return table
    raise AssertionError(f"没有以 {first_cells} 开头的表格")


def _rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


# --- report A: structure -----------------------------------------------------------------------


def test_six_sections_in_order(elderly_doc):
    headings = [p.text for p in elderly_doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、绩效目标分解下达情况",
        "二、绩效目标完成情况分析",
        "三、偏离绩效目标的原因和下一步改进措施",
        "四、绩效自评结果拟应用和公开情况",
        "五、其他需要说明的问题",
        "六、附件",
    ]
    assert tuple(headings) == SECTIONS
    second = [p.text for p in elderly_doc.paragraphs if p.style.name == "Heading 2"]
    assert second[:2] == [
        "（一）中央下达中央财政困难群众救助补助资金（支持困难失能老年人等群体基本养老服务救助方向）转移支付预算和绩效目标情况",
        "（二）自治区资金安排、分解下达预算和绩效目标情况",
    ]
    assert "（四）绩效指标完成情况分析" in second and "（二）下一步改进措施" in second


def test_title_and_notices(elderly_doc):
    texts = _texts(elderly_doc)
    assert texts[0].replace("\n", "") == (
        "新疆维吾尔自治区中央财政困难群众救助补助资金（支持困难失能老年人等群体基本养老服务救助方向）"
        "转移支付2024年度绩效自评报告"
    )
    # Broken into balanced lines (four of 16 at 22 pt), never one character alone on the last.
    lengths = [len(line) for line in texts[0].split("\n")]
    assert len(lengths) == 4 and max(lengths) - min(lengths) <= 2, lengths
    assert elderly_doc.paragraphs[0].style.name == "Title"
    central = next(t for t in texts if "财社〔2024〕179号" in t and t.startswith("2024年12月"))
    assert central.endswith(f"资金{BUDGET}万元。") and "下达新疆" in central
    assert any("新财社〔2024〕210号" in t and t.endswith(f"资金{BUDGET}万元。") for t in texts)


def test_page_setup_and_page_numbers(elderly_doc):
    section = elderly_doc.sections[0]
    cm = [
        round(length.cm, 1)
        for length in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert cm == [21.0, 29.7, 3.7, 3.5, 2.8, 2.6]  # A4; margins top, bottom, left, right
    footer = section.footer._element
    assert [t.text for t in footer.iter(f"{W}instrText")] == [" PAGE "]
    assert [f.get(f"{W}fldCharType") for f in footer.iter(f"{W}fldChar")] == ["begin", "separate", "end"]


def test_east_asian_fonts_set_in_styles_and_runs(elderly_doc):
    def east_asia(style_name):
        rfonts = elderly_doc.styles[style_name].element.find(f"{W}rPr/{W}rFonts")
        assert rfonts.get(f"{W}asciiTheme") is None and rfonts.get(f"{W}eastAsiaTheme") is None
        return rfonts.get(f"{W}eastAsia")

    assert east_asia("Normal") == "仿宋_GB2312"
    assert east_asia("Title") == "方正小标宋简体"
    assert east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体_GB2312"
    sizes = {name: elderly_doc.styles[name].font.size.pt for name in ("Normal", "Title", "Heading 1")}
    assert sizes == {"Normal": 16, "Title": 22, "Heading 1": 16}
    # Two characters of first-line indent (200 hundredths of a character, 640 twips at 16 pt).
    indent = elderly_doc.styles["Normal"].element.find(f"{W}pPr/{W}ind")
    assert (indent.get(f"{W}firstLineChars"), indent.get(f"{W}firstLine")) == ("200", "640")
    defaults = elderly_doc.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}eastAsia") == "仿宋_GB2312"
    # Body text takes its fonts from the styles (of the reference document an office may
    # replace): no run names a font of its own, so that a style edited in Word changes them all.
    runs = [r for r in elderly_doc.element.body.iter(f"{W}r") if r.find(f"{W}t") is not None]
    assert runs
    named = [r for r in runs if r.find(f"{W}rPr/{W}rFonts") is not None]
    assert not named, "正文不应直接指定字体，字体来自参考文档的样式"
    assert east_asia("Table Head") == "黑体" and east_asia("Table Text") == "仿宋_GB2312"


# --- report A: figures from seed 000 --------------------------------------------------------------


def test_allocation_table_matches_seed_000(elderly_doc):
    table = _table_starting(elderly_doc, "序号", "地区", "分配金额（万元）")
    rows = _rows(table)[1:]
    amounts = {row[1]: _num(row[2]) for row in rows[:-1]}
    assert amounts == {name: D(budget) for name, (budget, _, _) in ELDERLY_EXECUTION.items()}
    assert [row[0] for row in rows[:-1]] == [str(i) for i in range(1, 15)]
    assert rows[-1][1] == "合计" and _num(rows[-1][2]) == BUDGET


def test_execution_table_matches_seed_000(elderly_doc):
    table = _table_starting(elderly_doc, "地区", "投入资金（万元）", "执行资金（万元）", "执行率")
    rows = _rows(table)[1:]
    assert rows[0][0] == "合计"
    assert (_num(rows[0][1]), _num(rows[0][2]), rows[0][3]) == (BUDGET, SPENT, f"{RATE}%")
    lines = {row[0]: row[1:4] for row in rows[1:]}
    assert list(lines) == list(ELDERLY_EXECUTION)
    for name, (budget, spent, rate) in ELDERLY_EXECUTION.items():
        got = lines[name]
        assert (_num(got[0]), _num(got[1]), _num(got[2])) == (D(budget), D(spent), D(rate)), name
    assert lines["昌吉回族自治州"][2] == "0.50%"
    assert any(f"资金总计{BUDGET}万元、共计执行{SPENT}万元，执行率{RATE}%" in t for t in _texts(elderly_doc))
    assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None


def test_indicator_sentences_give_target_actual_and_rates(elderly_doc):
    texts = _texts(elderly_doc)
    start = texts.index("（四）绩效指标完成情况分析")
    end = texts.index("三、偏离绩效目标的原因和下一步改进措施")
    section = texts[start:end]
    for name, target, actual, completion, deviation in ELDERLY_INDICATORS:
        sentence = next(t for t in section if name in t and "随文下达" in t)
        assert f"指标值为{target}，" in sentence, name
        assert actual in sentence, name
        rates = re.search(r"完成率([\d.]+)%，偏差率([\d.]+)%", sentence)
        assert (D(rates[1]), D(rates[2])) == (D(completion), D(deviation)), name
    first = next(t for t in section if t.startswith("a.财政部随文下达补助标准实际到位率"))
    assert (
        "指标，指标值为≥95%，自治区实际完成33.93%，完成率35.72%，偏差率64.28%。偏差原因为资金下达时间为2024年12月"
        in first
    )
    met = next(t for t in section if "应纳尽纳，自治区实际完成为应纳尽纳" in t)
    assert "偏差原因" not in met


def test_standard_groups_without_indicators_say_so(elderly_doc):
    texts = _texts(elderly_doc)
    for group in ("成本指标", "经济效益指标", "生态效益指标", "可持续影响指标"):
        assert f"财政部下达的绩效目标未设定{group}。" in texts, group
    for group in ("数量指标", "质量指标", "时效指标", "社会效益指标"):
        assert f"财政部下达的绩效目标未设定{group}。" not in texts
    assert "1.产出指标完成情况分析。" in texts and "3.满意度指标完成情况分析。" in texts


def test_section_three_lists_missed_indicators_by_level2(elderly_doc):
    texts = _texts(elderly_doc)
    start = texts.index("（一）偏离的绩效目标和原因")
    end = texts.index("（二）下一步改进措施")
    section = texts[start:end]
    headings = [t for t in section if re.match(r"^\d+\.", t)]
    assert headings == [
        "1.未完成的数量指标。",
        "2.未完成的质量指标。",
        "3.未完成的时效指标。",
        "4.未完成的社会效益指标。",
        "5.未完成的服务对象满意度指标。",
        "6.完成率超出30%及以上指标。",
    ]
    assert "无完成率超出30%及以上的指标。" in section
    missed = [t for t in section if "未完成原因为" in t]
    assert len(missed) == 7  # all but 应纳尽纳 and ≤30日
    assert not any("应纳尽纳" in t or "≤30日" in t for t in missed)
    measures = texts[end : texts.index("四、绩效自评结果拟应用和公开情况")]
    assert any("督促各地加快项目实施进度，并做好政策宣传。" in t for t in measures)


def test_over_achieved_indicator_is_listed_separately(elderly, province):
    # 124% against ≥95% is 130.53%: over-achieved, with its explanation.
    actual = IndicatorActual.objects.get(ret__fund=elderly, ret__region=province, indicator__order=6)
    actual.actual_text, actual.reason = "124%", "新入住人数超出预期。"
    actual.save(update_fields=["actual_text", "reason"])
    texts = _texts(_open(build(report_data(fund=elderly, region=province), kind="a", format="docx")))
    over = texts[texts.index("6.完成率超出30%及以上指标。") - 1 :]
    assert any(
        "补助资金按时发放率指标" in t and "完成率130.53%" in t and "新入住人数超出预期" in t for t in over
    )
    sentence = next(t for t in texts if t.startswith("b.财政部随文下达补助资金按时发放率指标"))
    assert "偏差率30.53%。超额完成原因为新入住人数超出预期。" in sentence


def test_reviewer_judgement_on_a_qualitative_line_is_printed(elderly, province):
    # "基本做到应纳尽纳" does not settle 应纳尽纳 by its wording; the reviewer decides.
    actual = IndicatorActual.objects.get(ret__fund=elderly, ret__region=province, indicator__order=3)
    actual.actual_text, actual.judged_met = "基本做到应纳尽纳", True
    actual.save(update_fields=["actual_text", "judged_met"])
    texts = _texts(_open(build(report_data(fund=elderly, region=province), kind="a", format="docx")))
    sentence = next(
        t
        for t in texts
        if "符合条件且自愿申请入住的老年人等群体当年纳入救助保障范围" in t and "指标值为" in t
    )
    assert "完成率100.00%，偏差率0.00%。" in sentence
    actual.judged_met, actual.reason = False, "部分对象尚在轮候。"
    actual.save(update_fields=["judged_met", "reason"])
    texts = _texts(_open(build(report_data(fund=elderly, region=province), kind="a", format="docx")))
    sentence = next(
        t
        for t in texts
        if "符合条件且自愿申请入住的老年人等群体当年纳入救助保障范围" in t and "指标值为" in t
    )
    assert sentence.endswith("经审核认定未完成。未完成原因为部分对象尚在轮候。")


# --- the 自评表 (B) ------------------------------------------------------------------------------------


def _evaluation_tables(doc):
    head = _table_starting(doc, "转移支付名称")
    body = next(t for t in doc.tables if "一级指标" in [c.text for c in t.rows[0].cells])
    return head, body


def test_evaluation_table_has_merged_cells_and_seed_figures(elderly_doc):
    head, body = _evaluation_tables(elderly_doc)
    head_xml, body_xml = head._tbl, body._tbl
    assert head_xml.findall(f".//{W}gridSpan"), "表头单元格应横向合并"
    restarts = [v for v in body_xml.iter(f"{W}vMerge") if v.get(f"{W}val") == "restart"]
    continues = [v for v in body_xml.iter(f"{W}vMerge") if v.get(f"{W}val") is None]
    assert restarts and continues
    assert body.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None

    rows = _rows(body)[1:]
    assert len(rows) == 9
    # 一级指标 merged over the 7 output rows: python-docx gives every row the same cell.
    assert body.cell(1, 1)._tc is body.cell(7, 1)._tc and body.cell(1, 1).text == "产出指标"
    assert body.cell(8, 1).text == "效益指标" and body.cell(8, 1)._tc is not body.cell(7, 1)._tc
    # 二级指标 merged within its group: 时效指标 over rows 5–7.
    assert body.cell(5, 2)._tc is body.cell(7, 2)._tc and body.cell(5, 2).text == "时效指标"
    assert body.cell(4, 2)._tc is not body.cell(5, 2)._tc
    for row, (name, target, actual, _, _) in zip(rows, ELDERLY_INDICATORS, strict=True):
        assert name in row[3] and row[4] == target and row[5] == actual
    assert rows[0][6].startswith("未完成原因：资金下达时间为2024年12月")
    assert "改进措施：督促各地加快项目实施进度，并做好政策宣传。" in rows[0][6]
    assert rows[2][6] == ""  # 应纳尽纳 met: nothing to explain

    money = {row[1]: row for row in _rows(head) if row[1] in ("年度资金总额", "其中：中央财政资金")}
    for row in money.values():
        assert (_num(row[4]), _num(row[5]), row[6]) == (BUDGET, SPENT, f"{RATE}%")
    narratives = [row[1] for row in _rows(head) if row[1] in ("分配科学性", "支出责任履行情况")]
    assert narratives == ["分配科学性", "支出责任履行情况"]


def test_scored_variant_adds_points(elderly, province):
    data = report_data(fund=elderly, region=province)
    doc = _open(build(data, kind="b_scored", format="docx"))
    _, body = _evaluation_tables(doc)
    header = [c.text for c in body.rows[0].cells]
    assert header[5:8] == ["全年实际完成值", "分值", "得分"]
    last = _rows(body)[-1]
    points, total, grade = ELDERLY_SCORED_TOTAL
    assert last[0] == "总分" and (_num(last[6]), _num(last[7])) == (D(points), D(total))
    assert last[8] == f"评价等级：{grade}"
    lines = _rows(body)[1:-1]
    assert [_num(row[6]) for row in lines] == [D(w) for w in ELDERLY_SCORED_WEIGHTS]
    assert [_num(row[7]) for row in lines] == [D(v) for v in ELDERLY_SCORED_SCORES]
    # Every printed column adds up to its printed total (10 for 预算执行 sits in the money block).
    head, _ = _evaluation_tables(doc)
    budget_row = next(row for row in _rows(head) if row[1] == "年度资金总额")
    assert (_num(budget_row[6]), _num(budget_row[7])) == tuple(D(v) for v in ELDERLY_SCORED_BUDGET)
    assert sum(_num(row[6]) for row in lines) + _num(budget_row[6]) == D(points)
    assert sum(_num(row[7]) for row in lines) + _num(budget_row[7]) == D(total)


# --- seed 003: the grouped allocation table -----------------------------------------------------------


def test_relief_allocation_table_has_prefecture_subtotals(relief_doc):
    table = _table_starting(relief_doc, "地州市", "县市区", "全年资金合计", "其中")
    assert [c.text for c in table.rows[1].cells][3:] == ["提前下达", "本次实际下达"]
    assert all(r._tr.trPr.find(f"{W}tblHeader") is not None for r in table.rows[:2])
    rows = _rows(table)[2:]
    assert rows[0][0] == "合计"
    assert [_num(x) for x in rows[0][2:]] == list(RELIEF_TOTAL)
    subtotals = {row[0]: tuple(_num(x) for x in row[2:]) for row in rows if row[1] == "小计"}
    assert subtotals == {name: tuple(D(v) for v in values) for name, values in RELIEF_SUBTOTALS.items()}
    # Every county row adds up to its prefecture's subtotal, in each column.
    current, sums = None, {}
    for row in rows[1:]:
        if row[1] == "小计":
            current = row[0]
            sums[current] = [D(0)] * 3
            continue
        assert row[0] == current  # the merged prefecture cell
        sums[current] = [a + _num(b) for a, b in zip(sums[current], row[2:], strict=True)]
    assert {k: tuple(v) for k, v in sums.items()} == subtotals
    home = next(row for row in rows if row[1] == "乌鲁木齐市养老福利院")
    assert [_num(x) for x in home[2:]] == [D("152"), D("201"), D("-49")]


@pytest.mark.parametrize("code", ["xj-2024-elderly", "xj-2024-relief"])
def test_report_data_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries, code, province):
    fund = Fund.objects.get(code=code)
    prefecture = Region.objects.get(code="654000")
    for region in (province, prefecture):
        # 11 for the figures (the notices of the allocations it prints read apart from the
        # allocations, which the boards add up without them), 1 for the office's 报告文字, 1 for
        # the exceptions on its own return, 1 for the province's spot re-check (四)
        with django_assert_max_num_queries(14):
            report_data(fund=fund, region=region)


# --- other levels, other kinds ---------------------------------------------------------------------


def test_prefecture_report_cites_the_province(relief):
    data = report_data(fund=relief, region=Region.objects.get(code="654000"))
    texts = _texts(_open(build(data, kind="a", format="docx")))
    assert texts[0].replace("\n", "").startswith("伊犁哈萨克自治州中央财政困难群众救助补助资金")
    assert "（一）自治区下达中央财政困难群众救助补助资金转移支付预算和绩效目标情况" in texts
    assert any("新财社〔2024〕35号" in t and f"资金{RELIEF_SUBTOTALS['伊犁州'][2]}万元" in t for t in texts)
    assert "自治区随文下达伊犁州区域绩效目标如下：" in texts
    assert any(
        t.startswith("a.自治区随文下达低保对象人数指标") and "尚未填报全年实际完成值" in t for t in texts
    )


def test_county_report_g_shows_every_money_source(relief):
    data = report_data(fund=relief, region=Region.objects.get(code="654002"))
    doc = _open(build(data, kind="g", format="docx"))
    texts = _texts(doc)
    assert texts[0].replace("\n", "") == "伊宁市民政局2024年中央财政困难群众救助补助资金支出绩效自评报告"
    table = _table_starting(doc, "资金来源", "全年预算数", "全年执行数", "预算执行率")
    labels = [row[0] for row in _rows(table)[1:]]
    assert labels == ["中央财政资金", "省级财政资金", "市县财政资金", "其他资金", "合计"]
    assert _num(_rows(table)[1][1]) == YINING_RELIEF
    assert any("沿用伊犁州" in t for t in texts)  # a county works to its prefecture's targets


def test_report_f_follows_seed_004(elderly, province):
    doc = _open(build(report_data(fund=elderly, region=province), kind="f", format="docx"))
    texts = _texts(doc)
    # The title on two lines: the office, then what the report is (seed 004's own title).
    assert texts[0].split("\n") == ["新疆维吾尔自治区", "2024年度项目支出绩效自评报告"]
    second = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert second == [
        "（一）项目绩效目标",
        "（二）绩效目标完成情况",
        "（三）产出指标完成情况分析",
        "（四）效益指标完成情况分析",
        "（五）偏离绩效目标的原因和下一步改进措施",
        "（六）绩效自评结果拟应用和公开情况",
        "（七）其他需要说明的问题",
    ]
    assert f"全年执行{SPENT}万元，预算执行率{RATE}%。" in texts


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        ("b", "转移支付名称"),
        ("c", "项目名称"),
        ("d", "序号"),
        ("e", "地区"),
    ],
)
def test_single_table_documents(elderly, province, kind, first):
    doc = _open(build(report_data(fund=elderly, region=province), kind=kind, format="docx"))
    assert doc.tables and doc.tables[0].rows[0].cells[0].text == first
    if kind == "c":
        assert len(doc.tables) == 16  # seed 000: the central table, the 全区 one, the 14 passed down
        captions = [p.text for p in doc.paragraphs if p.text.startswith("（2024年度")]
        assert captions[0] == "（2024年度）" and "（2024年度 伊犁州）" in captions
        yili = doc.tables[captions.index("（2024年度 伊犁州）")]
        labels = {row.cells[0].text: row.cells[-1].text for row in yili.rows}
        money = {row.cells[-2].text: row.cells[-1].text for row in yili.rows}
        assert labels["地级财政部门"] == "伊犁州财政局" and _num(money["下达资金总额"]) == D("966")


# --- the command line -------------------------------------------------------------------------------


def test_render_report_command_writes_report_a(tmp_path):
    out = tmp_path / "a.docx"
    call_command("render_report", "xj-2024-elderly", "--region", "650000", "--format", "docx", "-o", str(out))
    assert _open(out.read_bytes()).paragraphs[0].text.endswith("转移支付2024年度绩效自评报告")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "找不到资金“nope”"),
        (["xj-2024-elderly", "--region", "999999"], "找不到地区代码“999999”"),
        (["xj-2024-elderly", "--kind", "z"], "未知的文档类型“z”"),
        (["xj-2024-elderly", "--kind", "f", "--format", "xlsx"], "只提供 DOCX 格式"),
        (["xj-2024-elderly", "--format", "pdf"], "未知的格式“pdf”"),
    ],
)
def test_render_report_command_refuses_bad_input_in_chinese(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("render_report", *args, "-o", str(tmp_path / "x"))


def test_named_county_project_gets_its_own_chapter_and_allocation_line(elderly, province):
    from indicators.models import IndicatorTarget, Return, ReturnFunding, TargetTable
    from transfers.models import Allocation, Notice, Project

    yining = Region.objects.get(code="654002")
    project = Project.objects.create(fund=elderly, region=yining, name="伊宁市县域养老服务体系创新试点项目")
    Allocation.objects.create(
        fund=elderly,
        notice=Notice.objects.get(number="新财社〔2024〕210号"),
        from_region=province,
        project=project,
        amount=D("100"),
        order=99,
    )
    table = TargetTable.objects.create(
        fund=elderly,
        project=project,
        parent=TargetTable.objects.get(fund=elderly, region=province, is_central=False),
        overall_goals="1.建成县域养老服务网络。",
    )
    indicator = IndicatorTarget.objects.create(
        table=table, level1="产出指标", level2="时效指标", name="项目按期完工率", target_text="≥90%", order=1
    )
    ret = Return.objects.create(fund=elderly, region=yining, project=project, status=Return.Status.APPROVED)
    ReturnFunding.objects.create(ret=ret, source="central", budget=D("100"), spent=D("80"))
    IndicatorActual.objects.create(ret=ret, indicator=indicator, actual_text="45%", reason="工期延误。")

    data = report_data(fund=elderly, region=Region.objects.get(code="654000"))
    assert [p.name for p in data.projects] == ["伊宁市县域养老服务体系创新试点项目"]
    line = next(x for x in data.execution.lines if x.name == "伊宁市")
    assert (line.budget, line.spent, line.rate) == (D("100"), D("80"), D("80.00"))  # 80 / 100
    texts = _texts(_open(build(data, kind="f", format="docx")))
    assert "一、伊宁市县域养老服务体系创新试点项目" in texts
    assert "目标：1.建成县域养老服务网络。" in texts
    assert "全年执行80万元，预算执行率80.00%。" in texts
    # Seed 004 numbers only the groups the table has: the one 时效 indicator is 1.
    assert any(
        t.startswith("1.时效指标：项目按期完工率，指标值为≥90%，实际完成45%，完成率50.00%") for t in texts
    )
    assert any(t.startswith("项目按期完工率指标未完成，原因：工期延误。") for t in texts)


def test_the_relief_execution_table_lists_each_prefecture_with_its_seed_003_budget(relief, province):
    data = report_data(fund=relief, region=province)
    names = {Region.objects.get(code=code).name: short for short, code in PREFECTURE_CODES.items()}
    budgets = {names[line.name]: line.budget for line in data.execution.lines}
    assert budgets == {short: D(total) for short, (total, _, _) in RELIEF_SUBTOTALS.items()}
    assert data.execution.total.budget == RELIEF_TOTAL[0]
    yili = next(t for t in data.child_tables if t.owner == "伊犁州")
    assert (
        yili.total == RELIEF_SUBTOTALS["伊犁州"][0]
        and len(yili.indicators) == 14
        and len(data.child_tables) == 14
    )
