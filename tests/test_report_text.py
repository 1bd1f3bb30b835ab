"""No sentence the portal writes is false or internal: documents A–G read back with python-docx.

A document built while returns it relies on are missing or not approved is a draft and says so
on its first page (数据未全部审核, with how many), as the command line and the file page do; a
document whose returns are all approved is final and shows no placeholder. Text the office typed
keeps its line breaks as paragraphs or breaks, never as a raw carriage return.
"""

import re
import zipfile
from io import BytesIO

import pytest
from django.core.management import call_command
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from indicators.models import IndicatorActual, Return, ReturnNarrative, TargetTable
from indicators.services import return_approve, return_open, return_save, return_submit
from reports.builders import KINDS, MONITORING_KINDS, build
from reports.data import report_data
from reports.services import document_data
from tests import readers
from tests.scenarios import met_input
from transfers.models import Fund, Region

pytestmark = pytest.mark.django_db

# Each level of the demo's regions, by province: the province, a prefecture, a county (新疆) or
# the budget unit that runs 张掖's projects (甘肃).
LEVELS = {
    "650000": ["650000", "654000", "654002"],
    "620000": ["620000", "620700", "620700-01"],
}
DOCX_KINDS = [kind for kind, spec in KINDS.items() if "docx" in spec.formats]
# Words the builders used to double where a name already ends with them (资金资金来源).
DOUBLED = re.compile(r"(资金|项目|指标|下达|情况|年度)\1")
NOTICE = "数据未全部审核"


def _doc(fund, code: str, kind: str = "a"):
    data = report_data(fund=fund, region=Region.objects.get(code=code))
    return data, readers.docx(build(data, kind=kind, format="docx"))


def _all_paragraphs(doc) -> list[str]:
    """Every paragraph of the body, those inside table cells included, in document order."""
    return [Paragraph(p, doc).text for p in doc.element.body.iter(qn("w:p"))]


def _section(texts: list[str], start: str, end: str) -> list[str]:
    return texts[texts.index(start) : texts.index(end)]


# --- every document of the demo ------------------------------------------------------------------


def test_no_document_of_the_demo_holds_internal_or_false_text(elderly, province):
    # Text as the browser and the rules engine spell it: "\r\n" from a text box, "=" for exactly.
    actual = IndicatorActual.objects.filter(ret__fund=elderly, ret__region=province).order_by("pk").first()
    actual.actual_text = f"={actual.actual_text}"
    actual.reason = "一是资金下达较晚。\r\n二是宣传不够。"
    actual.save(update_fields=["actual_text", "reason"])
    table = TargetTable.objects.get(fund=elderly, region=province, is_central=True)
    table.overall_goals = table.overall_goals.replace("\n", "\r\n")
    table.save(update_fields=["overall_goals"])
    assert "\r\n" in table.overall_goals
    narrative = ReturnNarrative.objects.filter(ret__fund=elderly, ret__region=province).first()
    narrative.description = f"{narrative.description}\r\n第二段。"
    narrative.save(update_fields=["description"])

    funds = list(Fund.objects.select_related("region"))
    assert {fund.region.code for fund in funds} <= set(LEVELS), "a demo province without its levels here"
    built = 0
    for fund in funds:
        for code in LEVELS[fund.region.code]:
            region = Region.objects.get(code=code)
            year_end = report_data(fund=fund, region=region)
            for kind in DOCX_KINDS:
                data = (
                    document_data(fund=fund, region=region, kind=kind)
                    if kind in MONITORING_KINDS
                    else year_end
                )
                content = build(data, kind=kind, format="docx")
                doc = readers.docx(content)
                where = f"{fund.code} {code} {kind}"
                texts = _all_paragraphs(doc)
                for text in texts:
                    assert "=" not in text and "＝" not in text, (where, text)
                    assert "\r" not in text, (where, text)
                    assert "截止到" not in text, (where, text)
                    assert not DOUBLED.search(text), (where, text)
                    assert "执行数取自" not in text, (where, text)  # a note to staff, not to the reader
                    if data.final:
                        assert "（尚未" not in text, (where, text)
                xml = zipfile.ZipFile(BytesIO(content)).read("word/document.xml").decode()
                assert "&#13;" not in xml and "\r" not in xml, where
                first_page = [p.text for p in doc.paragraphs[:2]]
                if data.final:
                    assert not any(NOTICE in t for t in first_page), where
                else:
                    assert any(t.startswith(data.review_notice) for t in first_page), where
                built += 1
    assert built == len(funds) * 3 * len(DOCX_KINDS)


# --- a draft says so ----------------------------------------------------------------------------------


def _notice(doc) -> str:
    (notice,) = [p.text for p in doc.paragraphs[:2] if p.text.startswith(NOTICE)]
    return notice.split("\n")[0]


def test_a_draft_names_on_its_first_page_how_many_regions_are_missing_or_unapproved(
    relief, yili, clerk_yining, reviewer_yili
):
    _data, doc = _doc(relief, yili.code)
    execution = readers.docx_rows(readers.docx_table(doc, "地区", "投入资金（万元）"))
    missing = [row for row in execution[2:] if row[-1] == "未填报"]
    assert len(missing) == len(execution) - 2 > 1  # every line below 合计
    assert _notice(doc) == (
        f"数据未全部审核：本级及{len(missing)}个下级地区未填报自评。本文件为草稿，其中的数据和文字可能变化。"
    )

    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    return_save(
        ret=ret,
        actor=clerk_yining,
        base_version=ret.version,
        data=met_input(ret, funding={"central": {"spent": "9000"}}),
    )
    return_submit(ret=ret, actor=clerk_yining, acknowledge_warnings=True)
    assert _notice(_doc(relief, yili.code)[1]).startswith(
        f"数据未全部审核：本级及{len(missing) - 1}个下级地区未填报自评，1个下级地区的自评填报尚未审核通过。"
    )
    return_approve(ret=ret, actor=reviewer_yili)
    assert _notice(_doc(relief, yili.code)[1]).startswith(
        f"数据未全部审核：本级及{len(missing) - 1}个下级地区未填报自评。"
    )


def test_the_command_line_gives_the_notice_the_document_prints(relief, yili, tmp_path, capsys):
    out = tmp_path / "a.docx"
    call_command("render_report", relief.code, "--region", yili.code, "-o", str(out))
    printed = capsys.readouterr().err.splitlines()
    assert printed[0] == f"提示：{_notice(readers.docx(out.read_bytes()))}"


def test_a_final_document_has_no_notice_and_leaves_out_what_was_not_written(elderly, yili):
    # 伊犁州's elderly return is approved and states no 资金管理情况 and no 总体目标完成情况.
    ret = Return.objects.get(fund=elderly, region=yili, period="year_end")
    assert ret.status == Return.Status.APPROVED and not ret.goal_achievement
    ReturnNarrative.objects.filter(ret=ret).delete()
    ReturnNarrative.objects.create(ret=ret, aspect="use", description="专款专用。", problems="无")
    data, doc = _doc(elderly, yili.code)
    texts = [p.text for p in doc.paragraphs]
    assert data.final and not any(NOTICE in t for t in texts)
    assert not any("（尚未" in t for t in _all_paragraphs(doc))
    management = _section(texts, "（二）项目资金管理情况分析", "（三）总体绩效目标完成情况分析")
    assert management[1:] == ["1.资金使用规范性。", "专款专用。"]
    goals = _section(texts, "（三）总体绩效目标完成情况分析", "（四）绩效指标完成情况分析")
    # no heading stands alone: the document says the return is silent on it
    assert goals == ["（三）总体绩效目标完成情况分析", "伊犁州的自评填报未就总体绩效目标完成情况作出说明。"]
    ReturnNarrative.objects.filter(ret=ret).delete()
    texts = [p.text for p in _doc(elderly, yili.code)[1].paragraphs]
    management = _section(texts, "（二）项目资金管理情况分析", "（三）总体绩效目标完成情况分析")
    assert management == ["（二）项目资金管理情况分析", "伊犁州的自评填报未就资金管理情况作出说明。"]


# --- 三: what deviated, what went 30% over ----------------------------------------------------------


def test_no_indicator_is_said_completed_while_indicators_are_unfilled(relief, yili, clerk_yining):
    texts = [p.text for p in _doc(relief, yili.code)[1].paragraphs]
    section = _section(texts, "（一）偏离的绩效目标和原因", "（二）下一步改进措施")
    assert "各项绩效指标尚未填报全年实际完成值，暂无法分析偏离绩效目标的情况。" in section
    assert not any("均已完成" in t or "无完成率超出" in t for t in section)

    # 伊宁市 fills every indicator but one, all met.
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    values = met_input(ret, funding={"central": {"spent": "9000"}})
    blank = next(iter(values.actuals))
    values.actuals[blank]["actual_text"] = ""
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=values)
    texts = [p.text for p in _doc(relief, "654002")[1].paragraphs]
    section = _section(texts, "（一）偏离的绩效目标和原因", "（二）下一步改进措施")
    filled = len(values.actuals) - 1
    assert f"已填报并认定的{filled}项绩效指标均已完成，无偏离绩效目标的情况。" in section
    assert "另有1项指标尚未填报全年实际完成值，未纳入以上分析。" in section
    assert not any(t.startswith("各项绩效指标均已完成") for t in section)


@pytest.mark.parametrize(("actual", "listed"), [("123%", False), ("124%", True)])
def test_only_indicators_at_130_percent_or_more_are_listed_as_over(elderly, province, actual, listed):
    # Against ≥95%: 123% is 129.47% (not over), 124% is 130.53% (over), by the rules engine.
    line = IndicatorActual.objects.get(ret__fund=elderly, ret__region=province, indicator__order=6)
    line.actual_text, line.reason = actual, "新入住人数超出预期。"
    line.save(update_fields=["actual_text", "reason"])
    texts = [p.text for p in _doc(elderly, province.code)[1].paragraphs]
    heading = next(t for t in texts if t.endswith(".完成率超出30%及以上指标。"))
    over = _section(texts, heading, "（二）下一步改进措施")[1:]
    if listed:
        assert over == [
            "补助资金按时发放率指标，指标值为≥95%，实际完成124%，完成率130.53%，超额完成原因为：新入住人数超出预期。"
        ]
    else:
        assert over == ["无完成率超出30%及以上的指标。"]


# --- what the office typed -----------------------------------------------------------------------------


def test_an_exact_value_prints_without_its_equals_sign(elderly, province):
    line = IndicatorActual.objects.get(ret__fund=elderly, ret__region=province, indicator__order=1)
    line.actual_text = f"= {line.actual_text}"
    line.save(update_fields=["actual_text"])
    target = line.indicator
    target.target_text = "=100%"
    target.save(update_fields=["target_text"])
    data, doc = _doc(elderly, province.code)
    original = line.actual_text.removeprefix("= ")
    sentence = next(t for t in (p.text for p in doc.paragraphs) if t.startswith("a.财政部随文下达补助标准"))
    assert f"指标值为100%，自治区实际完成{original}，" in sentence
    rows = readers.docx_rows(readers.docx_table(readers.docx(build(data, kind="b", format="docx")), ""))
    (row,) = [r for r in rows if r[3] == target.name]
    assert row[4:6] == ["100%", original]


def test_line_breaks_typed_in_a_text_box_become_paragraphs(elderly, province):
    table = TargetTable.objects.get(fund=elderly, region=province, is_central=True)
    table.overall_goals = "1.第一项目标。\r\n2.第二项目标。"
    table.save(update_fields=["overall_goals"])
    narrative = ReturnNarrative.objects.get(ret__fund=elderly, ret__region=province, aspect="allocation")
    narrative.description, narrative.problems = (
        "按因素法分配。\r\n及早下发通知。",
        "下达较晚。\r\n将提前测算。",
    )
    narrative.save(update_fields=["description", "problems"])
    line = IndicatorActual.objects.get(ret__fund=elderly, ret__region=province, indicator__order=1)
    line.reason, line.measure = "资金下达较晚。\r\n宣传不够。", "加快进度。"
    line.save(update_fields=["reason", "measure"])
    data = report_data(fund=elderly, region=province)

    report = build(data, kind="a", format="docx")
    texts = [p.text for p in readers.docx(report).paragraphs]
    start = texts.index("1.资金分配科学性。")
    assert texts[start + 1 : start + 5] == [
        "按因素法分配。",
        "及早下发通知。",
        "存在问题和改进措施：下达较晚。",
        "将提前测算。",
    ]
    i = next(i for i, t in enumerate(texts) if t.startswith("a.财政部随文下达补助标准"))
    assert texts[i].endswith("偏差原因为资金下达较晚。") and texts[i + 1] == "宣传不够。"

    targets = readers.docx(build(data, kind="c", format="docx"))
    (goals,) = [row.cells[-1] for row in targets.tables[0].rows if row.cells[0].text == "年度总体目标"]
    assert [p.text for p in goals.paragraphs] == ["1.第一项目标。", "2.第二项目标。"]

    evaluation = readers.docx(build(data, kind="b", format="docx"))
    head = readers.docx_table(evaluation, "转移支付名称")
    (allocation,) = [row for row in head.rows if row.cells[1].text == "分配科学性"]
    assert [p.text for p in allocation.cells[3].paragraphs] == ["按因素法分配。", "及早下发通知。"]
    (goal_row,) = [row for row in head.rows if row.cells[1].text.startswith("1.第一项目标")]
    assert [p.text for p in goal_row.cells[1].paragraphs] == ["1.第一项目标。", "2.第二项目标。"]
    for content in (report, build(data, kind="b", format="docx"), build(data, kind="c", format="docx")):
        xml = zipfile.ZipFile(BytesIO(content)).read("word/document.xml").decode()
        assert "&#13;" not in xml and "\r" not in xml
        assert not re.search(r"<w:t[^>]*>[^<]*\n", xml)  # a break is <w:br/> or a new paragraph


# --- the 自评表's head ------------------------------------------------------------------------------------


def _head_row(doc, label: str) -> list[str]:
    rows = readers.docx_rows(readers.docx_table(doc, "转移支付名称"))
    return next(row for row in rows if label in row)


def test_fund_users_are_the_offices_that_used_the_money(elderly, province, relief):
    _data, allocation_doc = _doc(elderly, province.code, "d")
    prefectures = [row[1] for row in readers.docx_rows(allocation_doc.tables[0])[1:-1]]
    _data, doc = _doc(elderly, province.code, "b")
    users = _head_row(doc, "资金使用单位")[-1].split("、")
    assert len(users) == len(prefectures) > 1
    assert "伊犁州民政局" in users and "乌鲁木齐市民政局" in users
    assert _head_row(doc, "地方主管部门")[-1] == "新疆维吾尔自治区民政厅"

    row = _head_row(_doc(relief, "654002", "b")[1], "资金使用单位")
    assert row[-1] == "伊宁市民政局"  # a county spends its money itself
    zhangye = Fund.objects.get(code="gs-2024-zhangye")
    row = _head_row(_doc(zhangye, "620000", "b")[1], "资金使用单位")
    assert row[-1] == "张掖市民政局"  # the office that runs the projects


def test_local_and_other_money_print_zero_when_there_is_none(elderly, province):
    block = readers.docx_money_block(_doc(elderly, province.code, "b")[1])
    # Seed 000's 自评表: 地方财政资金 0 / 0, 其他资金 0 / 0, no rate.
    assert block["地方财政资金"] == (0, 0, None)
    assert block["其他资金"] == (0, 0, None)


# --- whose notices -----------------------------------------------------------------------------------------


def test_a_prefecture_names_the_province_s_notices_as_received_from_it(relief, yili, province):
    texts = [p.text for p in _doc(relief, yili.code)[1].paragraphs]
    split = _section(texts, "1.伊犁州分解下达预算情况。", "2.伊犁州分解下达绩效目标情况。")[1:]
    notices = [t for t in split if "《" in t]
    assert notices and all("，自治区直接" in t and "下达伊犁州所辖地区" in t for t in notices)
    assert any(t.startswith("以上资金") and "由自治区直接分解下达至伊犁州所辖地区" in t for t in split)
    assert not any(t.startswith("共分解下达资金") for t in split)

    # The province's own split stays its own.
    texts = [p.text for p in _doc(relief, province.code)[1].paragraphs]
    split = _section(texts, "1.自治区分解下达预算情况。", "2.自治区分解下达绩效目标情况。")[1:]
    assert not any("直接" in t for t in split)
    assert any(t.startswith("共分解下达资金") for t in split)
