"""The office's own words in report A (and G): what it wrote in the portal's 报告文字 page
(reports.models.ReportText), else a default that reads right for any fund and region.

Seed 000 shows what each text is: the notice that launched the evaluation (财监〔2025〕1号) in
the opening paragraph; the money that arrived in 二(一)1; the preamble and notice of the targets
passed down in 一(二)2 (新财社〔2024〕210号); 年初设定的总体目标 and what was achieved in 二(三);
不足 and 措施 in 三(二), beside the portal's list of each missed indicator's measure; how the
results are used and where they are published in 四; 五's statement on 巡视, 审计 and 财会监督.

A default never invents a fact the office has not given: the 到位 figure has none (the report
then states the budget only, and says so in its warnings), and 二(三) falls back on the
return's own 总体目标完成情况. The defaults are shown on the page as the text a blank field
prints, so the office sees what it would sign.
"""

from common.text import clean_text
from indicators import rules
from reports.data.types import NoticeLine, ReportData, SectionTexts

# The fields of reports.models.ReportText that hold text, in the order of the report.
TEXT_FIELDS = (
    "launch_notice",
    "arrival_note",
    "split_preamble",
    "split_notice",
    "overall_goals",
    "goals_achieved",
    "shortfalls",
    "measures",
    "application",
    "website",
    "publication",
    "other_matters",
)
SPLIT_PREAMBLE = "严格按照下达的资金文件确定绩效目标，结合各地任务特点分解下达"
APPLICATION = (
    "针对自评发现的问题，督促加快预算执行进度，对未完成的绩效指标逐项落实改进措施，"
    "并将自评结果作为以后年度资金分配和绩效目标设定的重要参考。"
)


def project_application(*, underspent: bool, missed: bool) -> str:
    """Report F's （六） when the office wrote no 绩效自评结果应用 of its own: what the project's
    return calls for and nothing it does not (no 未完成的绩效指标 where every one was met)."""
    steps = (["督促加快预算执行进度"] if underspent else []) + (
        ["对未完成的绩效指标逐项落实改进措施"] if missed else []
    )
    use = "将自评结果作为以后年度预算安排和绩效目标设定的重要参考。"
    return f"针对自评发现的问题，{'，'.join(steps)}，并{use}" if steps else use


OTHER_MATTERS = "截至报告日，在中央巡视、各级审计和财会监督中未发现问题。"


def launch_default(year: int) -> str:
    return f"财政部关于开展{year}年度中央对地方转移支付预算执行情况绩效自评工作的要求"


def publication_sentence(website: str) -> str:
    return f"绩效自评结果将在{website}进行公示公开，广泛接受社会监督。"


def cite(notices: list[NoticeLine]) -> str:
    """“《关于下达…的通知》（新财社〔2024〕210号）”: the notices a level passed its targets down by —
    those of this batch, which carry the target tables (seed 003: 新财社〔2024〕35号 附件3), or
    the advance notices when there is no other."""
    batch = [n for n in notices if not n.advance] or notices
    return "、".join(f"《{n.title}》" + (f"（{n.number}）" if n.number else "") for n in batch)


def defaults(data: ReportData) -> dict[str, str]:
    """What each blank text prints for this fund and region."""
    website = f"{data.own_department}门户网站"
    return {
        "launch_notice": launch_default(data.year),
        "arrival_note": "",
        "split_preamble": SPLIT_PREAMBLE,
        "split_notice": cite(data.allocation.notices),
        "overall_goals": "",
        "goals_achieved": data.evaluation.goal_achievement,
        "shortfalls": "",
        "measures": "",
        "application": APPLICATION,
        "website": website,
        "publication": publication_sentence(website),
        "other_matters": OTHER_MATTERS,
    }


def section_texts(row, data: ReportData) -> SectionTexts:
    """The texts report A prints for ``data``: the office's (``row``, a ReportText or None)
    where written, the defaults elsewhere; the 到位率 from the rules engine."""
    base = defaults(data)
    typed = {name: clean_text(getattr(row, name, "") or "").strip() for name in TEXT_FIELDS}
    values = {name: typed[name] or base[name] for name in TEXT_FIELDS}
    if not typed["publication"]:
        values["publication"] = publication_sentence(values["website"])
    del values["website"]  # printed inside the publication sentence
    arrived = row.arrived if row is not None else None
    return SectionTexts(
        **values, arrived=arrived, arrival_rate=rules.arrival_rate(arrived, data.received["total"])
    )
