"""The reports as DOCX: A (转移支付绩效自评报告), F (项目支出绩效自评报告), G (a county's own).

Everything that follows from the data is written here; staff text (reasons, measures,
narratives, what the goals achieved) is inserted where it belongs. The layout and wording
follow seed 000 (A) and seed 004 (F) section by section. Rates are the rules engine's
(carried in reports.data); nothing here computes one.
"""

from decimal import Decimal

from reports.builders.docx_base import DocxWriter, Properties
from reports.builders.docx_tables import draft_notice, render_table
from reports.builders.layouts import (
    allocation_table,
    child_target_tables,
    evaluation_table,
    execution_table,
    own_target_table,
    sources_table,
)
from reports.data import (
    LEVEL2_BY_LEVEL1,
    Aspect,
    EvaluatedIndicator,
    Level1,
    NoticeLine,
    ReportData,
    SectionTexts,
    SelfEvaluation,
)
from reports.data.sections import (
    APPLICATION,
    OTHER_MATTERS,
    SPLIT_PREAMBLE,
    launch_default,
    project_application,
    publication_sentence,
)
from reports.data.types import SpotCheckSummary
from reports.formats import chinese_number, pct_text, value_text, wan_text, with_money

SECTIONS = (
    "一、绩效目标分解下达情况",
    "二、绩效目标完成情况分析",
    "三、偏离绩效目标的原因和下一步改进措施",
    "四、绩效自评结果拟应用和公开情况",
    "五、其他需要说明的问题",
    "六、附件",
)
ZERO = Decimal("0")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
# The level-1 groups of 二(四), in report order. 成本指标 as a level-1 group appears only when the
# table has one; otherwise the 产出指标/成本指标 line says it is not set.
LEVEL1_ORDER = (Level1.OUTPUT, Level1.BENEFIT, Level1.SATISFACTION, Level1.COST)


def _sentence(text: str) -> str:
    """Staff text ends with a full stop in the report, whatever they typed."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。；！？.;" else f"{text}。"


def _indicator(name: str) -> str:
    """“…率指标”, but “…满意度指标” when the name already says 指标 (never “指标指标”)."""
    return name if name.endswith("指标") else f"{name}指标"


def _letter(i: int) -> str:
    return LETTERS[i] if i < len(LETTERS) else str(i + 1)


# --- sentences from data ------------------------------------------------------------------------


def notice_sentence(notice: NoticeLine, *, recipient: str, fund: str) -> str:
    """“2024年12月，《…的通知》（财社〔2024〕179号），下达新疆…资金8454万元。”

    A notice of table D that a level above issued (the province paying a prefecture's counties
    directly, seed 003) is named as received from it: “…，自治区直接下达伊犁州所辖地区…”, never
    as this level's own (``recipient`` is then the level the report is for)."""
    issuer = notice.issuer.replace(" ", "、")
    first = notice.issuer.split(" ")[0]
    cite = f"《{notice.title}》" if notice.title.startswith(first) else f"{issuer}《{notice.title}》"
    number = f"（{notice.number}）" if notice.number else ""
    when = f"{notice.when}，" if notice.when else ""
    verb = "提前下达" if notice.advance else "下达"
    if notice.allocated_by:
        verb = f"{notice.allocated_by}直接{verb}"
        recipient = f"{recipient}所辖地区"
    return f"{when}{cite}{number}，{verb}{recipient}{fund}项目，资金{wan_text(notice.amount)}万元。"


def indicator_sentence(line: EvaluatedIndicator, data: ReportData, prefix: str = "") -> str:
    """二(四): target, actual, 完成率, 偏差率 and the reason where missed (seed 000's wording)."""
    source = f"{data.target_giver}随文下达" if line.handed_down else f"{data.region_word}自行设定"
    text = f"{prefix}{source}{_indicator(line.name)}，指标值为{value_text(line.target)}，"
    who = data.region_word
    evaluation = line.evaluation
    actual = value_text(line.actual)
    # A final document states only what was written: a reason not given is left out.
    unwritten = "" if data.final else "{}尚未填写。"
    if not line.entered:
        return text + f"{who}尚未填报全年实际完成值。"
    if evaluation.error:
        return text + f"{who}填报的实际完成值为{actual}，无法计算完成率：{_sentence(evaluation.error)}"
    if evaluation.completion_rate is None:
        judged = {True: "经审核认定已完成。", False: "经审核认定未完成。"}.get(
            line.judged_met, "完成情况有待审核认定。"
        )
        text += f"{who}实际完成为{actual}，{judged}"
        if evaluation.met is False:
            text += f"未完成原因为{_sentence(line.reason)}" if line.reason else unwritten.format("未完成原因")
        return text
    done = f"实际完成为{actual}" if evaluation.direction == "qualitative" else f"实际完成{actual}"
    text += f"{who}{done}，完成率{pct_text(evaluation.completion_rate)}，偏差率{pct_text(evaluation.deviation_rate)}。"
    if evaluation.met is False:
        # “偏差原因为资金下达…” as seed 000 writes it; a numbered reason (一是…二是…) takes a colon.
        joint = "：" if line.reason.startswith(("一是", "1.", "1、", "（1）")) else "为"
        text += f"偏差原因{joint}{_sentence(line.reason)}" if line.reason else unwritten.format("偏差原因")
    elif line.over_achieved:
        text += f"超额完成原因为{_sentence(line.reason)}" if line.reason else unwritten.format("超额完成原因")
    return text


def _groups(lines: list[EvaluatedIndicator]) -> list[tuple[str, list[tuple[str, list[EvaluatedIndicator]]]]]:
    """Level-1 groups with their standard level-2 groups (empty ones included), in order."""
    groups = []
    for level1 in LEVEL1_ORDER:
        present = [x for x in lines if x.level1 == level1]
        if level1 == Level1.COST and not present:
            continue
        level2s = list(LEVEL2_BY_LEVEL1[level1])
        level2s += [x.level2 for x in present if x.level2 not in level2s]
        groups.append((level1, [(l2, [x for x in present if x.level2 == l2]) for l2 in level2s]))
    return groups


# --- report A -------------------------------------------------------------------------------------


def build_report_a(data: ReportData, properties: Properties | None = None) -> bytes:
    writer = DocxWriter()
    _report(writer, data, county=False)
    return writer.to_bytes(properties)


def build_report_g(data: ReportData, properties: Properties | None = None) -> bytes:
    """G. A county's (or unit's) own report for one fund, with every money source."""
    writer = DocxWriter()
    _report(writer, data, county=True)
    return writer.to_bytes(properties)


def _report(writer: DocxWriter, data: ReportData, *, county: bool) -> None:
    fund = data.fund_name
    writer.title(data.unit_title if county else data.title)
    draft_notice(writer, data)
    # The notice that launched the evaluation (seed 000: 财监〔2025〕1号), as the office cites it.
    launch = data.sections.launch_notice or launch_default(data.year)
    writer.body(
        f"为贯彻落实党中央全面实施预算绩效管理决策部署，根据{launch}，{data.own_department}高度重视，"
        f"严格按规范要求组织开展了{data.year}年度{fund}绩效自评工作，现将自评情况汇报如下："
    )
    _section_one(writer, data, county=county)
    _section_two(writer, data, county=county)
    _section_three(writer, data.evaluation, data.sections, final=data.final)
    _sections_four_to_six(writer, data, county=county)


def sources_sentence(data: ReportData) -> str:
    """Report G, 一(一)1: the year's budget and every money source with its amount, a source the
    county has none of as 0 (as its sources table prints 0.00): “伊宁市…全年预算14005万元，其中：
    中央财政资金14005万元，省级财政资金0万元，市县财政资金0万元，其他资金0万元。”"""
    *sources, total = data.evaluation.sources
    parts = "，".join(f"{line.label}{wan_text(line.budget or ZERO)}万元" for line in sources)
    return (
        f"{data.region_short}{data.year}年度{data.fund_name}全年预算{wan_text(total.budget or ZERO)}万元，"
        f"其中：{parts}。"
    )


def _section_one(writer: DocxWriter, data: ReportData, *, county: bool = False) -> None:
    fund = data.fund_name
    writer.heading1(SECTIONS[0])
    giver = data.money_giver
    writer.heading2(f"（一）{giver}下达{fund}转移支付预算和绩效目标情况")
    writer.heading3("1.下达预算情况。")
    if not data.incoming_notices:
        writer.body("本年度尚未登记上级下达本资金的文件。")
    for notice in data.incoming_notices:
        writer.body(notice_sentence(notice, recipient=data.region_short, fund=fund))
    received = data.received
    if len(data.incoming_notices) > 1:
        split = ""
        if received["advance"]:
            split = f"（其中提前下达{wan_text(received['advance'])}万元，本次下达{wan_text(received['batch'])}万元）"
        writer.body(f"以上合计{wan_text(received['total'])}万元{split}。")
    if county:
        writer.body(sources_sentence(data))
    writer.heading3("2.下达绩效目标情况。")
    own = own_target_table(data)
    if own is None:
        writer.body("上级尚未下达本资金的区域绩效目标。")
    else:
        if data.own_table.inherited_from:
            writer.body(
                f"{data.region_short}未单独下达区域绩效目标，沿用{data.own_table.inherited_from}的绩效目标，如下："
            )
        else:
            writer.body(f"{data.target_giver}随文下达{data.region_short}区域绩效目标如下：")
        render_table(writer, own)

    writer.heading2(f"（二）{data.region_word}资金安排、分解下达预算和绩效目标情况")
    writer.heading3(f"1.{data.region_word}分解下达预算情况。")
    allocation = allocation_table(data)
    if allocation is None:
        writer.body("本级未向下分解下达本资金。")
    else:
        notices = data.allocation.notices
        for notice in notices:
            recipient = data.region_short if notice.allocated_by else ""
            writer.body(notice_sentence(notice, recipient=recipient, fund=fund))
        total = wan_text(data.allocation.total.total)
        givers = sorted({n.allocated_by for n in notices if n.allocated_by})
        if notices and len(givers) == 1 and all(n.allocated_by for n in notices):
            writer.body(
                f"以上资金{total}万元由{givers[0]}直接分解下达至{data.region_short}所辖地区，资金分解如下："
            )
        else:
            writer.body(f"共分解下达资金{total}万元，资金分解如下：")
        render_table(writer, allocation)
    writer.heading3(f"2.{data.region_word}分解下达绩效目标情况。")
    children = child_target_tables(data)
    if children:
        # The office's preamble and the notice it passed the targets down by (新财社〔2024〕210号).
        preamble = (data.sections.split_preamble or SPLIT_PREAMBLE).rstrip("。，；：")
        basis = f"，根据{data.sections.split_notice}" if data.sections.split_notice else ""
        writer.body(f"{preamble}{basis}，绩效目标详见下表：")
        for table in children:
            render_table(writer, table)
    elif allocation is not None:
        writer.body("本级未向下分解区域绩效目标表，各地执行本级绩效目标。")
    else:
        writer.body("本级未向下分解绩效目标。")


def _section_two(writer: DocxWriter, data: ReportData, *, county: bool) -> None:
    fund = data.fund_name
    evaluation = data.evaluation
    writer.heading1(SECTIONS[1])
    writer.heading2("（一）资金投入情况分析")
    writer.heading3("1.项目资金到位情况分析。")
    total = data.received["total"]
    giver = data.money_giver
    texts = data.sections
    # 到位: the amount the office typed, the rate the rules engine computed from it.
    arrival = ""
    if texts.arrived is not None:
        arrival = f"，资金到位{wan_text(texts.arrived)}万元"
        arrival += f"，到位率{pct_text(texts.arrival_rate)}" if texts.arrival_rate is not None else ""
    if county:
        # Every source with its amount is in 一(一)1; here the budget and what came from above.
        budget = evaluation.sources[-1].budget or ZERO
        writer.body(
            f"{data.year}年度{fund}全年预算{wan_text(budget)}万元，其中{giver}下达{wan_text(total)}万元{arrival}。"
        )
    else:
        writer.body(
            f"{data.year}年度{giver}下达{data.region_short}{fund}总预算资金为{wan_text(total)}万元{arrival}。"
        )
    if texts.arrival_note:
        writer.body(texts.arrival_note)
    writer.heading3("2.项目资金执行情况分析。")
    table = execution_table(data)
    line = data.execution.total if data.execution else evaluation.total
    if line.spent is not None:
        spent = f"共计执行{wan_text(line.spent)}万元，执行率{pct_text(line.rate)}"
    else:
        spent = "执行数尚待各地填报审核" if data.execution else "全年执行数尚未填报"
    writer.body(
        f"截至{data.year}年12月31日，{data.year}年度{with_money(fund)}总计{wan_text(line.budget)}万元、{spent}"
        + ("，具体情况如下：" if table or county else "。")
    )
    if table:
        render_table(writer, table)
    if county:
        render_table(writer, sources_table(data))

    writer.heading2("（二）项目资金管理情况分析")
    # A draft shows what is not written yet; a final document leaves out what its approved
    # return has nothing for, and numbers the rest.
    written = [
        n for n in evaluation.narratives if not data.final or n.description.strip() or _said(n.problems)
    ]
    for i, narrative in enumerate(written, start=1):
        writer.heading3(f"{i}.{narrative.heading}。")
        if narrative.description.strip() or not data.final:
            writer.body(narrative.description or "（尚未填写）")
        if _said(narrative.problems):
            writer.body(f"存在问题和改进措施：{_sentence(narrative.problems)}")
    if not written:  # a heading alone would read as a page lost; say what the return holds
        writer.body(f"{data.region_short}的自评填报未就资金管理情况作出说明。")

    writer.heading2("（三）总体绩效目标完成情况分析")
    if texts.overall_goals:
        lines = [line.strip() for line in texts.overall_goals.splitlines() if line.strip()]
        if len(lines) == 1:
            writer.body(f"年初设定的总体目标：{_sentence(lines[0])}")
        else:
            writer.body("年初设定的总体目标：")
            writer.body("\n".join(lines))
    achieved = texts.goals_achieved or evaluation.goal_achievement
    if achieved.strip() or not data.final:
        writer.body(achieved or "（尚未填写总体目标完成情况）")
    elif not texts.overall_goals:
        writer.body(f"{data.region_short}的自评填报未就总体绩效目标完成情况作出说明。")

    writer.heading2("（四）绩效指标完成情况分析")
    if not evaluation.indicators:
        writer.body("本资金尚无绩效指标。")
        return
    for i, (level1, level2s) in enumerate(_groups(evaluation.indicators), start=1):
        writer.heading3(f"{i}.{level1}完成情况分析。")
        single = len(level2s) == 1
        for j, (level2, lines) in enumerate(level2s, start=1):
            if not single:
                writer.body(f"（{j}）{level2}。")
            if not lines:
                writer.body(f"{data.target_giver}下达的绩效目标未设定{level2}。")
            for k, line in enumerate(lines):
                prefix = "" if single and len(lines) == 1 else f"{_letter(k)}."
                writer.body(indicator_sentence(line, data, prefix))


def _said(text: str) -> bool:
    """Whether staff wrote something in a field where 无 means nothing to say."""
    return (text or "").strip() not in NOTHING


def _section_three(
    writer: DocxWriter, evaluation: SelfEvaluation, texts: SectionTexts, *, final: bool
) -> None:
    """三: the indicators missed, those at 130% or more (the rules engine's `over_achieved`), and
    the measures: the office's 不足 and 措施, then each indicator's own. Only what the return
    says is claimed: lines not filled or still to be judged are counted apart, never as
    completed."""
    writer.heading1(SECTIONS[2])
    writer.heading2("（一）偏离的绩效目标和原因")
    missed = [x for x in evaluation.indicators if x.missed]
    by_level2: dict[tuple[str, str], list[EvaluatedIndicator]] = {}
    for line in missed:
        by_level2.setdefault((line.level1, line.level2), []).append(line)
    number = 0
    for (_level1, level2), lines in by_level2.items():
        number += 1
        writer.heading3(f"{number}.未完成的{level2}。")
        for k, line in enumerate(lines):
            prefix = f"{_letter(k)}." if len(lines) > 1 else ""
            rate = pct_text(line.evaluation.completion_rate)
            text = f"{prefix}{_indicator(line.name)}" + (f"，完成率{rate}" if rate else "")
            if line.reason:
                text += f"，未完成原因为：{_sentence(line.reason)}"
            else:
                text += "。" if final else "，未完成原因尚未填写。"
            writer.body(text)
    lines = evaluation.indicators
    entered = [x for x in lines if x.entered]
    blank = len(lines) - len(entered)
    # Entered but neither met nor missed: a qualitative line a reviewer has not judged, or an
    # actual the rules engine could not read.
    open_ = [x for x in entered if x.evaluation.met is None]
    if not missed:
        if not lines:
            writer.body("本资金尚无绩效指标。")
        elif not entered:
            writer.body("各项绩效指标尚未填报全年实际完成值，暂无法分析偏离绩效目标的情况。")
        elif not blank and not open_:
            writer.body("各项绩效指标均已完成，无偏离绩效目标的情况。")
        elif len(open_) < len(entered):
            writer.body(
                f"已填报并认定的{len(entered) - len(open_)}项绩效指标均已完成，无偏离绩效目标的情况。"
            )
        else:
            writer.body("已填报的绩效指标完成情况尚待审核认定，暂无法分析偏离绩效目标的情况。")
    over = [x for x in lines if x.over_achieved]
    number += 1
    writer.heading3(f"{number}.完成率超出30%及以上指标。")
    if not over:
        writer.body("无完成率超出30%及以上的指标。" if entered else "尚无可分析的全年实际完成值。")
    for k, line in enumerate(over):
        prefix = f"{_letter(k)}." if len(over) > 1 else ""
        text = (
            f"{prefix}{_indicator(line.name)}，指标值为{value_text(line.target)}，实际完成{value_text(line.actual)}，"
            f"完成率{pct_text(line.evaluation.completion_rate)}"
        )
        if line.reason:
            text += f"，超额完成原因为：{_sentence(line.reason)}"
        else:
            text += "。" if final else "，超额完成原因尚未说明。"
        writer.body(text)
    if blank and entered:
        writer.body(f"另有{blank}项指标尚未填报全年实际完成值，未纳入以上分析。")
    if open_:
        writer.body(f"另有{len(open_)}项指标的完成情况有待审核认定，未纳入以上分析。")

    writer.heading2("（二）下一步改进措施")
    # The office's 不足 and 措施 (seed 000's a. and b.), then each indicator's own measure.
    measures = [x for x in lines if (x.missed or x.over_achieved) and x.measure]
    if texts.shortfalls:
        writer.heading3("a.项目实施过程中存在的不足")
        writer.body(texts.shortfalls)
        if texts.measures or measures:
            writer.heading3("b.下一步工作实施改进措施")
    if texts.measures:
        writer.body(texts.measures)
        if measures:
            writer.body("各项指标的具体改进措施如下：")
    if not measures and not texts.shortfalls and not texts.measures:
        # 无 only when the lines entered call for none; nothing entered calls for nothing yet.
        if missed and not final:
            writer.body("（尚未填写改进措施）")
        elif not missed and entered:
            writer.body("无。")
    for k, line in enumerate(measures):
        if texts.shortfalls:  # under b., numbered apart from the a./b. of the office's text
            prefix = f"（{k + 1}）" if len(measures) > 1 else ""
        else:
            prefix = f"{_letter(k)}." if len(measures) > 1 else ""
        writer.body(f"{prefix}{_indicator(line.name)}：{_sentence(line.measure)}")


def _sections_four_to_six(writer: DocxWriter, data: ReportData, *, county: bool) -> None:
    # 四 and 五 as the office wrote them on its 报告文字 page, else the defaults (reports.data.sections).
    texts = data.sections
    writer.heading1(SECTIONS[3])
    writer.body(f"（一）绩效自评结果应用：{texts.application or APPLICATION}")
    writer.body(f"（二）{texts.publication or publication_sentence(f'{data.own_department}门户网站')}")
    if data.spot_checks is not None:
        writer.body(f"（三）抽查复核：{spot_check_sentence(data.spot_checks, data.own_department)}")
    writer.heading1(SECTIONS[4])
    writer.body(texts.other_matters or OTHER_MATTERS)
    # 六 heads the attachment's page, as 附件 does in an official document: never a page of
    # its own with two lines on it.
    writer.page_break()
    writer.heading1(SECTIONS[5])
    writer.body("转移支付区域（项目）绩效自评表。")
    render_table(writer, evaluation_table(data))


def spot_check_sentence(summary: SpotCheckSummary, department: str) -> str:
    """四(三): the province's latest draw, with its seed so a reader can have it repeated, and
    each 需整改 with what is to be put right."""
    if summary.rectify:
        found = f"确认{summary.confirmed}份，需整改{len(summary.rectify)}份" + (
            "（" + "；".join(f"{f.region}：{f.text.strip().rstrip('。；;')}" for f in summary.rectify) + "）"
        )
    elif summary.confirmed:
        found = "复核结果均予确认" if not summary.pending else f"已确认{summary.confirmed}份"
    else:
        found = "复核尚未开始" if summary.pending else ""
    if summary.pending and (summary.rectify or summary.confirmed):
        found += f"，尚未完成复核{summary.pending}份"
    return (
        f"{department}按{summary.share}比例从{summary.population}份已审核县级填报中随机抽取"
        f"{summary.drawn}份复核（随机种子 {summary.seed}），{found}。"
    )


# --- report F ---------------------------------------------------------------------------------------

# Staff write 无 where there is nothing to say; such a line says nothing in 五.
NOTHING = {"", "无", "无。", "无."}
# 二's paragraphs of money and management, and the narratives each one prints (seed 004's 二1–3).
ARRIVAL, EXECUTION = Aspect.TIMELINESS, Aspect.EXECUTION


def build_report_f(data: ReportData, properties: Properties | None = None) -> bytes:
    """F. 项目支出绩效自评报告 (seed 004): one chapter per project of the fund in the region, in
    the office's order.

    A fund without named projects is reported as one project: the fund itself, with the
    region's own target table and return. Each chapter follows seed 004: 项目概况; （一）目标;
    （二）1 资金到位 (the budget by source, then what the return says of 下达及时性), 2 资金执行
    (spending and rate, then 执行准确性), 3 资金管理 (the other narratives), 4 总体目标完成情况;
    （三）产出 and （四）效益 by the 二级 groups the table has, numbered as they come, then 满意度;
    （五）the indicators missed, spending below budget and the problems the return states. A
    paragraph an approved return has nothing for is left out, as the seed leaves it out; a
    return still being written shows it as not written yet.
    """
    writer = DocxWriter()
    _title_f(writer, data.region_name, f"{data.year}年度项目支出绩效自评报告")
    draft_notice(writer, data)
    chapters = [
        (p.name, p.summary, p.region_name, p.received, p.table, p.evaluation, p.total_estimate)
        for p in data.projects
    ]
    if not chapters:
        chapters = [
            (
                data.fund_name,
                "",
                data.region_name,
                data.received["total"],
                data.own_table,
                data.evaluation,
                None,
            )
        ]
    for i, (name, summary, region_name, received, table, evaluation, estimate) in enumerate(
        chapters, start=1
    ):
        title = name if name.endswith("项目") else f"{name}项目"
        writer.heading1(f"{chinese_number(i)}、{title}")
        if summary:
            writer.body(f"项目概况：{summary}")
        else:
            sent = f"，{data.year}年下达资金{wan_text(received)}万元" if received else ""
            writer.body(f"项目概况：{region_name}实施，资金来源为{data.fund_name}{sent}。")
        writer.heading2("（一）项目绩效目标")
        goals = "".join(line.strip() for line in (table.goals if table else "").splitlines() if line.strip())
        writer.body(f"目标：{goals}" if goals else ("目标：未设定。" if data.final else "目标：（尚未设定）"))
        writer.heading2("（二）绩效目标完成情况")
        _project_money(writer, data, evaluation, estimate)
        _project_indicators(writer, evaluation)
        writer.heading2("（五）偏离绩效目标的原因和下一步改进措施")
        for text in _project_deviations(evaluation, final=data.final) or ["无。"]:
            writer.body(text)
        # （六） and （七）: the office's own texts for the fund (its 报告文字 page), else what the
        # project's return calls for and the default statement of 其他 (reports.data.sections).
        writer.heading2("（六）绩效自评结果拟应用和公开情况")
        writer.body(_project_application(data.sections, evaluation))
        writer.body(data.sections.publication)
        writer.heading2("（七）其他需要说明的问题")
        writer.body(data.sections.other_matters or OTHER_MATTERS)
    # 落款: the office that signs, and the date it signs on, written in by hand.
    writer.paragraph()
    writer.paragraph(data.own_department or data.region_name, align="right")
    writer.paragraph("年    月    日", align="right")
    return writer.to_bytes(properties)


def _title_f(writer: DocxWriter, unit: str, what: str) -> None:
    """The title on two lines, the unit above what the report is (a long name wraps badly)."""
    writer.title_lines([unit, what])


def _project_application(texts: SectionTexts, evaluation: SelfEvaluation) -> str:
    """The office's 绩效自评结果应用 where it wrote one, else the project's own (no 未完成 claimed
    of a project that missed nothing)."""
    if texts.application and texts.application != APPLICATION:
        return texts.application
    rate = evaluation.total.rate
    return project_application(
        underspent=rate is not None and rate < 100,
        missed=any(line.missed for line in evaluation.indicators),
    )


def _project_money(
    writer: DocxWriter, data: ReportData, evaluation: SelfEvaluation, estimate: Decimal | None
) -> None:
    """二 1–4: the figures are the ledger's; each paragraph goes on with what the return says."""
    money = evaluation.total
    narratives = {n.label: n.description.strip() for n in evaluation.narratives}
    final = data.final or evaluation.status == "已审核"
    number = 0

    def paragraph(heading: str, texts: list[str], *, optional: bool) -> None:
        nonlocal number
        texts = [t for t in texts if t]
        if not texts and optional and final:
            return
        number += 1
        writer.heading3(f"{number}.{heading}")
        writer.body("\n".join(texts) if texts else "（尚未填写）")

    if money.budget is None:
        arrival = "全年预算数尚未填报。"
    else:
        sources = [m for m in evaluation.sources[:-1] if m.budget]
        if len(sources) == 1:
            split = f"，全部为{sources[0].label}"
        elif sources:
            split = "，其中" + "、".join(f"{m.label}{wan_text(m.budget)}万元" for m in sources)
        else:
            split = ""
        whole = f"资金总概算{wan_text(estimate)}万元，" if estimate is not None else ""
        arrival = f"该项目{whole}{data.year}年全年预算数{wan_text(money.budget)}万元{split}。"
    paragraph("项目资金到位情况分析。", [arrival, narratives[ARRIVAL.label]], optional=False)
    if money.spent is None:
        spent = "全年执行数尚未填报。"
    elif money.rate is None:
        spent = f"全年执行{wan_text(money.spent)}万元。"
    else:
        spent = f"全年执行{wan_text(money.spent)}万元，预算执行率{pct_text(money.rate)}。"
    paragraph("项目资金执行情况分析。", [spent, narratives[EXECUTION.label]], optional=False)
    others = [text for label, text in narratives.items() if label not in (ARRIVAL.label, EXECUTION.label)]
    paragraph("项目资金管理情况分析。", others, optional=True)
    paragraph("总体绩效目标完成情况分析。", [evaluation.goal_achievement.strip()], optional=True)


def _project_deviations(evaluation: SelfEvaluation, *, final: bool) -> list[str]:
    """五: each indicator missed with its reason and measure, spending below budget, and the
    problems and measures the return states (seed 004 writes them here). A final document
    leaves out a reason or measure not written."""
    unwritten = "" if final else "尚未填写。"
    texts = []
    for line in evaluation.indicators:
        if line.missed:
            text = f"{_indicator(line.name)}未完成"
            text += f"，原因：{_sentence(line.reason) or unwritten}" if line.reason or not final else "。"
            if line.measure or not final:
                text += f"改进措施：{_sentence(line.measure) or unwritten}"
            texts.append(text)
    rate = evaluation.total.rate
    if rate is not None and rate < 100:
        texts.append(f"全年预算执行率{pct_text(rate)}，资金未全部支出。")
    texts += [_sentence(n.problems) for n in evaluation.narratives if n.problems.strip() not in NOTHING]
    return texts


def _quoted(text: str) -> str:
    """“…” around words, the quotes inside them turned to ‘…’ as Chinese nests them."""
    inner = text.strip().replace("“", "‘").replace("”", "’")
    return f"“{inner}”"


def _project_indicator(line: EvaluatedIndicator) -> str:
    """One indicator of a project's 三/四. A number: target, actual and 完成率. Words (seed 004
    writes most of its indicators so): what the target says and whether it was reached — the
    actual only where it says more than the target, no 完成率 (a rate of words reads as
    arithmetic it is not)."""
    e = line.evaluation
    if e.target is None or not e.target.is_qualitative:
        text = f"{line.name}，指标值为{value_text(line.target)}"
        if not line.entered:
            return text + "，尚未填报实际完成值"
        actual = value_text(line.actual)
        if e.completion_rate is None:  # unreadable: printed as written
            return text + f"，实际完成{actual}"
        return text + f"，实际完成{actual}，完成率{pct_text(e.completion_rate)}"
    # Words are quoted: they may hold commas (按合同约定按时完成，验收后及时支付) or start with 为.
    text = f"{line.name}，指标值为{_quoted(line.target)}"
    if not line.entered:
        return text + "，尚未填报实际完成值"
    repeats = e.actual is not None and e.target is not None and e.actual.same_as(e.target)
    if e.met and (repeats or line.judged_met is None):
        return text + "，已完成"  # the actual repeats the target or says it was met (已完成)
    said = f"，实际完成为{_quoted(line.actual)}"
    if e.met:
        return text + said + "，经审核认定已完成"
    if e.met is False:
        return text + said + "，未完成"
    return text + said + "，完成情况有待审核认定"


def _project_indicators(writer: DocxWriter, evaluation: SelfEvaluation) -> None:
    """三 and 四: one numbered line per 二级 group the table has (seed 004 numbers only those),
    then 满意度."""

    def describe(lines: list[EvaluatedIndicator]) -> str:
        if not lines:
            return "未设定。"
        return "；".join(_project_indicator(line) for line in lines) + "。"

    def groups(level1s) -> list[tuple[str, list[EvaluatedIndicator]]]:
        found = []
        for level1 in level1s:
            present = [x for x in evaluation.indicators if x.level1 == level1]
            level2s = list(LEVEL2_BY_LEVEL1[level1]) + sorted(
                {x.level2 for x in present} - set(LEVEL2_BY_LEVEL1[level1])
            )
            found += [(l2, [x for x in present if x.level2 == l2]) for l2 in level2s]
        return [(level2, lines) for level2, lines in found if lines]

    writer.heading2("（三）产出指标完成情况分析")
    output = groups([Level1.OUTPUT, Level1.COST])  # 成本 as a level-1 group reads as 产出's 成本
    for j, (level2, lines) in enumerate(output, start=1):
        writer.body(f"{j}.{level2}：{describe(lines)}")
    if not output:
        writer.body("未设定产出指标。")
    writer.heading2("（四）效益指标完成情况分析")
    benefit = groups([Level1.BENEFIT])
    for j, (level2, lines) in enumerate(benefit, start=1):
        writer.body(f"{j}.{level2}：{describe(lines)}")
    satisfaction = [x for x in evaluation.indicators if x.level1 == Level1.SATISFACTION]
    writer.body(f"{len(benefit) + 1}.满意度指标完成情况分析：" + describe(satisfaction))
