"""What a document is built from: plain dataclasses, filled by reports.data.report_data and
read by the builders in reports/builders/ (which never touch the database).

Money lines are the ledger's own (``indicators.ledger.Money``: label, budget, spent and the
rules engine's rate), so a document prints exactly what the screens show.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from indicators import rules
from indicators.ledger import Money
from reports.formats import with_money


def unit_report_title(unit: str, year: int, fund_name: str) -> str:
    """“<单位><年>年<资金>支出绩效自评报告”: report G's title and its file's name."""
    return f"{unit}{year}年{with_money(fund_name)}支出绩效自评报告"


@dataclass(frozen=True)
class NoticeLine:
    issuer: str
    number: str
    title: str
    when: str  # “2024年12月”, or blank when unknown
    amount: Decimal
    advance: bool  # a 提前下达 notice
    # In the allocation table (D): who split the money when it was not this level (自治区 for a
    # prefecture whose counties the province paid directly, seed 003); blank when it was.
    allocated_by: str = ""


@dataclass
class AllocationLine:
    label: str
    total: Decimal
    advance: Decimal
    batch: Decimal
    group: str = ""  # the prefecture a county line belongs to, in a grouped table
    kind: str = "line"  # line / subtotal / total
    seq: int = 0


@dataclass
class AllocationTable:
    lines: list[AllocationLine]  # lines and 小计 rows in print order; the 合计 row is `total`
    total: AllocationLine
    has_advance: bool
    grouped: bool
    notices: list[NoticeLine]

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True)
class TargetRow:
    level1: str
    level2: str
    name: str
    target: str


@dataclass
class TargetTableData:
    owner: str  # 伊犁州, or a project's name
    project_name: str
    departments: list[tuple[str, str]]
    total: Decimal
    central: Decimal
    local: Decimal
    goals: str
    indicators: list[TargetRow]
    inherited_from: str = ""  # the table is an ancestor's: the region has none of its own


@dataclass
class ExecutionLine:
    name: str
    budget: Decimal
    spent: Decimal | None
    rate: Decimal | None
    note: str = ""  # why spending is blank, or how it was obtained


@dataclass
class ExecutionTable:
    lines: list[ExecutionLine]
    total: ExecutionLine


@dataclass(frozen=True)
class NarrativeLine:
    label: str  # 分配科学性 (the 自评表 row)
    heading: str  # 资金分配科学性 (the report's paragraph)
    description: str
    problems: str


@dataclass
class EvaluatedIndicator:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    reason: str
    measure: str
    handed_down: bool  # passed down from above (otherwise set by this level itself)
    evaluation: rules.Evaluation
    weight: Decimal | None = None
    band: str = ""
    judged_met: bool | None = None
    score: rules.IndicatorScore | None = None

    @property
    def entered(self) -> bool:
        return bool(self.actual.strip())

    @property
    def missed(self) -> bool:
        # The reviewer's decision on a qualitative line is already in the evaluation.
        return self.entered and self.evaluation.met is False

    @property
    def over_achieved(self) -> bool:
        return self.entered and self.evaluation.over_achieved


@dataclass
class SelfEvaluation:
    """One return's content: the region's own, or a project's."""

    status: str  # 已审核 / 填报中 … / 未填报
    money: list[Money]  # 年度资金总额, 中央财政资金, 地方财政资金, 其他资金 (the ledger's lines)
    sources: list[Money]  # every source separately, and 合计 (report G)
    narratives: list[NarrativeLine]
    goals: str
    goal_achievement: str
    indicators: list[EvaluatedIndicator]
    score: rules.ReturnScore | None = None
    score_note: str = ""

    @property
    def total(self) -> Money:
        return self.money[0]


@dataclass
class ProjectData:
    name: str
    summary: str  # 项目概况, as the office wrote it
    region_name: str
    received: Decimal
    table: TargetTableData | None
    evaluation: SelfEvaluation
    total_estimate: Decimal | None = None  # 资金总概算 (万元), the project's whole estimate


@dataclass(frozen=True)
class Pending:
    """A region or project whose figures the document relies on and that are not approved."""

    name: str
    noun: str  # 本级 (the region itself) / 下级地区 / 项目
    state: str  # 未填报 / 尚未审核


@dataclass
class SectionTexts:
    """The office's own words in report A (and G), as printed: each the text the office wrote in
    the portal (reports.models.ReportText) or, where it wrote none, the default of
    reports.data.sections. The 到位率 is the rules engine's, from ``arrived`` and the budget."""

    launch_notice: str = ""  # what “根据……” cites in the opening paragraph
    arrived: Decimal | None = None  # 资金到位数 (万元), as the office typed it
    arrival_rate: Decimal | None = None
    arrival_note: str = ""
    split_preamble: str = ""  # 一(二)2 before “绩效目标详见下表”
    split_notice: str = ""
    overall_goals: str = ""  # 二(三) 年初设定的总体目标
    goals_achieved: str = ""  # 二(三) what was achieved
    shortfalls: str = ""  # 三(二) a
    measures: str = ""  # 三(二) b
    application: str = ""  # 四(一)
    publication: str = ""  # 四(二), naming the website
    other_matters: str = ""  # 五


@dataclass(frozen=True)
class SpotCheckFinding:
    region: str
    text: str


@dataclass
class SpotCheckSummary:
    """The province's latest spot re-check (抽查复核) of the fund, for report A's 四."""

    share: str  # 15%
    seed: str
    population: int  # approved county returns the draw considered
    confirmed: int
    rectify: list[SpotCheckFinding]
    pending: int  # drawn, no finding recorded yet

    @property
    def drawn(self) -> int:
        return self.confirmed + len(self.rectify) + self.pending


@dataclass
class ReportData:
    fund_code: str
    fund_name: str
    year: int
    region_code: str
    region_name: str
    region_short: str
    region_level: int
    region_word: str  # how sentences name this level: 自治区, 伊犁州, 伊宁市
    money_giver: str  # who sent the money: 中央, 自治区 (seed 003 pays counties directly), 伊犁州
    target_giver: str  # whose targets these are: 财政部, 自治区, 伊犁州
    upper_is_centre: bool
    central_department: str
    own_department: str  # 自治区民政厅, 伊犁州民政局 …
    received: dict[str, Decimal]  # total / advance / batch / central / local
    incoming_notices: list[NoticeLine]
    own_table: TargetTableData | None  # the table received from above (the province: the central one)
    allocation: AllocationTable
    child_tables: list[TargetTableData]
    execution: ExecutionTable | None
    evaluation: SelfEvaluation
    fund_users: list[str] = field(default_factory=list)  # 资金使用单位: the offices that used the money
    projects: list[ProjectData] = field(default_factory=list)
    # the province's own 全区 table, decomposed from the central one and passed down
    decomposed_table: TargetTableData | None = None
    pending: list[Pending] = field(default_factory=list)
    # What the person who asks for the document is told (command line, file page); when returns
    # are pending the first is `review_notice`, which the document prints on its first page.
    warnings: list[str] = field(default_factory=list)
    # the warnings addressed to the office's staff (what to do in the portal): told on the
    # command line and the file page, never printed in the document
    staff_notes: list[str] = field(default_factory=list)
    sections: SectionTexts = field(default_factory=SectionTexts)
    # the province's latest spot re-check; None below the province and before any draw
    spot_checks: SpotCheckSummary | None = None
    # 例外: the recipients below that the region's return went ahead without, each with who
    # recorded it and why (indicators.ApprovalException), printed with the review notice
    exception_notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.region_name}{self.fund_name}转移支付{self.year}年度绩效自评报告"

    @property
    def unit_title(self) -> str:
        """Report G's title, as a county's own report is titled: the unit that reports, the year,
        the fund (伊宁市民政局2024年中央财政困难群众救助补助资金支出绩效自评报告)."""
        return unit_report_title(self.own_department, self.year, self.fund_name)

    @property
    def final(self) -> bool:
        """A document is final when every return it relies on is approved; until then it is a
        draft that says so on its first page, and may show what is not written yet."""
        return not self.pending

    @property
    def review_notice(self) -> str:
        """数据未全部审核：… — how many regions (projects) are missing or not approved; blank when final."""
        if self.final:
            return ""
        parts = []
        for state, words in (("未填报", "未填报自评"), ("尚未审核", "的自评填报尚未审核通过")):
            some = [p for p in self.pending if p.state == state]
            who = ["本级"] if any(p.noun == "本级" for p in some) else []
            for noun in ("下级地区", "项目"):
                if count := sum(p.noun == noun for p in some):
                    who.append(f"{count}个{noun}")
            if who:
                parts.append("及".join(who) + words)
        notice = f"数据未全部审核：{'，'.join(parts)}。本文件为草稿，其中的数据和文字可能变化。"
        # Each exception on a line of its own: a reason, not more of the sentence above it.
        return "\n".join([notice, *self.exception_notes])
