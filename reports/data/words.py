"""How the documents name things: levels, departments, who gave the money and the targets,
the paragraphs of 资金管理情况. Wording only; no figures are computed here."""

from indicators.models import Aspect, TargetTable
from transfers.budgets import Received
from transfers.models import Fund, Region

# How the report names each 资金管理情况 row (seed 000: “1.资金分配科学性。”).
NARRATIVE_HEADINGS = {
    Aspect.ALLOCATION: "资金分配科学性",
    Aspect.TIMELINESS: "资金下达及时性",
    Aspect.DISBURSEMENT: "资金拨付合规性",
    Aspect.USE: "资金使用规范性",
    Aspect.EXECUTION: "资金执行准确性",
    Aspect.PERFORMANCE: "预算绩效管理情况",
    Aspect.RESPONSIBILITY: "支出责任履行情况",
}


class Words:
    """How the documents name this level, the level above and the departments."""

    def __init__(self, fund: Fund, region: Region):
        self.fund = fund
        self.own = level_word(region)
        self.upper = level_word(region.parent) if region.parent else "财政部"
        self.line_suffix = "民政局" if "民政" in fund.line_department else "主管部门"
        self.department = fund.line_department if region.parent_id is None else self.office(region)

    def office(self, region: Region, suffix: str | None = None) -> str:
        if region.is_budget_unit:
            return region.name
        return f"{region.display_name}{suffix or self.line_suffix}"


def money_giver(received: Received, region: Region, ancestors: list[Region]) -> str:
    """中央 when the centre sent the money, else the level that did (the province for a county
    it pays directly, as in seed 003)."""
    givers = {a.from_region_id for a in received.allocations}
    if givers == {None}:
        return "中央"
    known = {r.pk: r for r in ancestors}
    if len(givers) == 1 and next(iter(givers)) in known:
        return level_word(known[next(iter(givers))])
    return level_word(region.parent) if region.parent else "中央"


def target_giver(
    table: TargetTable | None, inherited: bool, tables: list[TargetTable], words: "Words"
) -> str:
    """Who set the targets the region works to: the owner of the table above its own (财政部
    for the top table); for a region without a table, the owner of the one it uses."""
    if table is None:
        return words.upper
    if inherited:
        return level_word(table.region)
    if table.parent_id is None:
        return "财政部"
    parent = next((t for t in tables if t.pk == table.parent_id), None)
    return level_word(parent.region) if parent is not None and parent.region_id else words.upper


def level_word(region: Region) -> str:
    if region.parent_id is None:
        return "自治区" if region.name.endswith("自治区") else ("省" if region.name.endswith("省") else "市")
    return region.display_name


def strip_code(department: str) -> str:
    """‘[118]民政部’ → ‘民政部’ (the code is for the ministry's systems, not for the reader)."""
    return department.split("]", 1)[-1] if department.startswith("[") else department


def departments(
    region: Region,
    parent: Region | None,
    fund: Fund,
    words: Words,
    *,
    decomposed_over: list[str] | None = None,
) -> list[tuple[str, str]]:
    """The department rows of a 区域绩效目标表, as seed 000 prints them for each level (the
    province's own 全区 table, decomposed over the prefectures named ``decomposed_over``,
    names the province above and all of them below: 各地州市财政局)."""
    if decomposed_over is not None:
        province_word = "自治区" if region.name.endswith("自治区") else "省级"
        every = f"各{prefectures_word(decomposed_over)}"
        return [
            (f"{province_word}主管部门", fund.line_department),
            ("地级财政部门", f"{every}财政局"),
            ("地级主管部门", f"{every}{words.line_suffix}"),
        ]
    if parent is None:
        return [
            ("中央主管部门", strip_code(fund.central_department)),
            ("省级财政部门", fund.finance_department),
            ("省级主管部门", fund.line_department),
        ]
    if region.is_budget_unit:
        return [("主管部门", words.office(parent)), ("资金使用单位", region.name)]
    parent_is_province = parent.parent_id is None
    # Seed 000 (新疆) prints 自治区主管部门; a province's table says 省级主管部门.
    province_word = "自治区" if parent.name.endswith("自治区") else "省级"
    upper = f"{province_word}主管部门" if parent_is_province else "地级主管部门"
    upper_department = fund.line_department if parent_is_province else words.office(parent)
    tier = "地级" if region.level == Region.Level.PREFECTURE else "县级"
    return [
        (upper, upper_department),
        (f"{tier}财政部门", words.office(region, "财政局")),
        (f"{tier}主管部门", words.office(region)),
    ]


# --- execution table (E) -----------------------------------------------------------------------


def prefectures_word(names: list[str]) -> str:
    """How a province calls its prefectures together, from their names: 地州市 (新疆: 地区, 州
    and 市), 市州 (甘肃), 盟市 (内蒙古), 地市, or 市."""
    has = {kind for kind in ("地区", "州", "盟") if any(name.endswith(kind) for name in names)}
    if "地区" in has:
        return "地" + ("州" if "州" in has else "") + ("盟" if "盟" in has else "") + "市"
    if "盟" in has:
        return "盟市"
    return "市州" if "州" in has else "市"
