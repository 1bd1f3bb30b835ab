"""Funds the demo does not hold, built for tests through the portal's own services and imports.

Each builder returns what a test needs to find its objects again. Money figures that come
from the seeds or docs/domain.md are imported from tests/seed_figures.py; the rest are test
inputs, chosen so that every rate has a different value.
"""

from dataclasses import dataclass
from decimal import Decimal

from evalportal.models import Role, User
from indicators.ledger import FundLedger
from indicators.models import IndicatorTarget, Return, TargetTable
from indicators.selectors import ProgressRow, missing_below, progress_rows
from indicators.services import (
    ReturnInput,
    approval_exception_record,
    return_approve,
    return_open,
    return_save,
    return_submit,
)
from reports.imports.allocations import AllocationImporter
from reports.imports.base import apply
from reports.imports.services import import_preview
from reports.models import GeneratedFile, ImportRecord
from reports.services import generated_file_build, generated_file_request
from tests.xlsx_factory import workbook_bytes
from transfers.models import Allocation, Fund, MoneySource, Notice, Project, Region
from transfers.services import AuditNote, RegionValues, allocation_save, fund_save, notice_save, regions_save

D = Decimal


def complete_input(ret, *, spent="9000.50", actual="应保尽保", percent="96%", reason="", measure=""):
    """Every indicator met: qualitative ones with their own words, rates above target."""
    actuals = {}
    for line in ret.actuals.select_related("indicator"):
        target = line.indicator.target_text
        if "%" in target:
            text = percent
        elif "日" in target:
            text = "20日"
        else:
            text = target
        actuals[line.indicator_id] = {"actual_text": text, "reason": reason, "measure": measure}
    return ReturnInput(
        funding={"central": {"spent": D(spent)}},
        actuals=actuals,
        narratives={"allocation": {"description": "按因素法分配。", "problems": "无"}},
        goal_achievement="保障了困难群众基本生活。",
    )


def form_data(ret, **overrides):
    """What the browser posts for a complete, valid return."""
    data = {"base_version": ret.version, "goal_achievement": "保障了困难群众基本生活。"}
    data["funding-central-spent"] = "9000.50"
    for line in ret.actuals.select_related("indicator"):
        target = line.indicator.target_text
        data[f"actual-{line.indicator_id}-actual_text"] = "96%" if "%" in target else target
    data.update(overrides)
    return data


def met_input(ret, *, funding: dict) -> ReturnInput:
    """Every indicator met (its own words for a qualitative one, the target for a number)."""
    actuals = {}
    for line in ret.actuals.select_related("indicator"):
        target = line.indicator.target_text
        if any(ch.isdigit() for ch in target):  # ≥ 90% → 90%, ≤30日 → 30日
            text = target.lstrip("≥≤>=<≧≦ ").removeprefix("不低于").removeprefix("不超过").strip()
        else:  # qualitative: the target's own words say it was met
            text = target
        actuals[line.indicator_id] = {"actual_text": text, "reason": "", "measure": ""}
    narratives = {"allocation": {"description": "按因素法分配。", "problems": "无"}}
    return ReturnInput(funding=funding, actuals=actuals, narratives=narratives, goal_achievement="已完成。")


def fill_submit_approve(ret, *, clerk: User, reviewer: User, funding: dict) -> None:
    return_save(ret=ret, actor=clerk, base_version=ret.version, data=met_input(ret, funding=funding))
    return_submit(ret=ret, actor=clerk, acknowledge_warnings=True)
    return_approve(ret=ret, actor=reviewer)


def excuse_missing(ret, *, actor: User, reason: str = "本测试只关心已填报的下级") -> None:
    """Record an exception for every recipient below ``ret`` without an approved return, so a
    test about something else may submit or approve a prefecture's return (approval follows
    the tree: tests/test_approval_order.py)."""
    for missing in missing_below(ret):
        if not missing.excused:
            node = missing.node
            approval_exception_record(
                ret=ret,
                actor=actor,
                reason=reason,
                region=None if node.is_project else node.region,
                project=node.project,
            )


def person(username: str, region_code: str, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, password="x", region=Region.objects.get(code=region_code), role=role
        )
    return user


# --- 伊宁市 with money from three sources ------------------------------------------------------------


def add_provincial_money(*, admin: User, fund: Fund, amount: int, county: str = "伊宁市") -> None:
    """A provincial allocation to one county, through the allocation import (序号/地区/金额)."""
    notice, _ = notice_save(
        actor=admin,
        province=fund.region,
        number="新财社〔2024〕901号",
        issuer="新疆维吾尔自治区财政厅 新疆维吾尔自治区民政厅",
        title="关于下达2024年自治区财政困难群众救助补助资金的通知（测试）",
    )
    content = workbook_bytes(
        {"分配表": [["序号", "地区", "金额"], [1, county, amount], ["合计", None, amount]]}
    )
    importer = AllocationImporter(
        actor=admin, scope=admin.region, fund=fund, batch_notice=notice, source=MoneySource.PROVINCIAL
    )
    apply(importer, content=content, filename="省级资金.xlsx")


# --- domain.md's county of 11894 + 2767 + 208.11 ------------------------------------------------------


def three_source_fund(*, admin: User, county: Region, central: Decimal, provincial: Decimal) -> Fund:
    """A fund whose province passes central and provincial money to one county, no targets."""
    province = admin.region
    fund, _ = fund_save(
        actor=admin, code="xj-2024-sources", name="测试资金（多来源）", year=2024, region=province
    )
    centre, _ = notice_save(
        actor=admin,
        province=province,
        number="财社〔2024〕902号",
        issuer="财政部 民政部",
        title="测试中央文件",
    )
    own, _ = notice_save(
        actor=admin,
        province=province,
        number="新财社〔2024〕903号",
        issuer="自治区财政厅",
        title="测试下达文件",
    )
    allocation_save(
        actor=admin, fund=fund, notice=centre, region=province, kind="batch", source="central",
        amount=central, from_region=None,
    )  # fmt: skip
    for source, amount in (("central", central), ("provincial", provincial)):
        allocation_save(
            actor=admin, fund=fund, notice=own, region=county, kind="batch", source=source,
            amount=amount, from_region=province,
        )  # fmt: skip
    return fund


# --- a fund that goes to named county projects -----------------------------------------------------------


@dataclass
class ProjectFund:
    fund: Fund
    projects: dict[str, Project]  # county name → its project
    province_table: TargetTable


PROJECT_INDICATORS = [
    ("产出指标", "数量指标", "试点项目建设数量", "≥1个"),
    ("产出指标", "质量指标", "服务设施达标率", "≥90%"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥90%"),
]


def project_fund(*, admin: User, amounts: dict[str, int]) -> ProjectFund:
    """The province sends money straight to one 县域养老服务体系创新试点项目 per county."""
    province = admin.region
    fund, _ = fund_save(
        actor=admin, code="xj-2024-pilot", name="县域养老服务体系创新试点资金", year=2024, region=province
    )
    centre, _ = notice_save(
        actor=admin,
        province=province,
        number="财社〔2024〕904号",
        issuer="财政部 民政部",
        title="测试试点资金",
    )
    own, _ = notice_save(
        actor=admin,
        province=province,
        number="新财社〔2024〕905号",
        issuer="自治区财政厅",
        title="测试试点下达",
    )
    allocation_save(
        actor=admin, fund=fund, notice=centre, region=province, kind="batch", source="central",
        amount=D(sum(amounts.values())), from_region=None,
    )  # fmt: skip
    table = TargetTable.objects.create(fund=fund, region=province, overall_goals="1.建成县域养老服务体系。")
    parents = [
        IndicatorTarget.objects.create(table=table, level1=l1, level2=l2, name=n, target_text=t, order=i)
        for i, (l1, l2, n, t) in enumerate(PROJECT_INDICATORS, start=1)
    ]
    projects = {}
    for order, (county_name, amount) in enumerate(amounts.items(), start=1):
        county = Region.objects.get(name=county_name)
        project = Project.objects.create(
            fund=fund, region=county, name=f"{county_name}县域养老服务体系创新试点项目"
        )
        Allocation.objects.create(
            fund=fund, notice=own, from_region=province, project=project, kind="batch",
            source="central", amount=D(amount), order=order,
        )  # fmt: skip
        own_table = TargetTable.objects.create(
            fund=fund, project=project, parent=table, overall_goals="1.建成试点。"
        )
        for i, parent in enumerate(parents, start=1):
            IndicatorTarget.objects.create(
                table=own_table, parent_indicator=parent, level1=parent.level1, level2=parent.level2,
                name=parent.name, target_text=parent.target_text, order=i,
            )  # fmt: skip
        projects[county_name] = project
    return ProjectFund(fund, projects, table)


def synthetic_prefecture(count: int) -> User:
    """A prefecture with ``count`` counties, each allocated 10 and holding a submitted return
    that spent 5; returns the prefecture's reviewer. For query counts at 10 and 150 regions."""
    prefix = "71" if count < 100 else "72"  # a province of its own: its funds are the only ones
    province = Region.objects.create(code=f"{prefix}0000", name=f"测试省{count}", level=1)
    prefecture = Region.objects.create(code=f"{prefix}0100", name=f"测试州{count}", level=2, parent=province)
    fund = Fund.objects.create(code=f"test-{count}", name="测试资金", year=2024, region=province)
    notice = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2024〕{count}号", title="测试"
    )
    reviewer = User.objects.create_user(f"rev{count}", password="x", region=prefecture, role=Role.REVIEWER)
    for index in range(count):
        county = Region.objects.create(
            code=f"{prefix}{2000 + index}", name=f"县{index}", level=3, parent=prefecture
        )
        Allocation.objects.create(
            fund=fund, notice=notice, from_region=province, region=county, amount=D("10")
        )
        ret = Return.objects.create(fund=fund, region=county, status=Return.Status.SUBMITTED)
        ret.funding.create(source="central", spent=D("5"))
    return reviewer


def board_rows(fund: Fund, region: Region) -> list[ProgressRow]:
    """Every row of the board of ``fund`` below ``region``, on one page."""
    ledger = FundLedger(fund, region)
    return progress_rows(ledger, ledger.taking_part())


def project_return(pf: ProjectFund, county: str, *, clerk: User):
    return return_open(fund=pf.fund, region=clerk.region, actor=clerk, project=pf.projects[county])


__all__ = [
    "board_rows",
    "Role",
    "add_provincial_money",
    "fill_submit_approve",
    "form_data",
    "met_input",
    "person",
    "project_fund",
    "project_return",
    "synthetic_prefecture",
    "three_source_fund",
]


# --- a second province in the same deployment ------------------------------------------------------------


@dataclass
class OtherProvince:
    """甘肃 beside the demo's 新疆: a fund, its notice, an upload, a return and a document."""

    fund: Fund
    notice: Notice
    admin: User
    clerk: User
    county: Region
    ret: Return
    record: ImportRecord  # a preview, not applied
    file: GeneratedFile


GANSU_REGIONS = [  # GB/T 2260
    ("620000", "甘肃省", "甘肃", None, 1),
    ("620700", "张掖市", "", "620000", 2),
    ("620702", "甘州区", "", "620700", 3),
]


def gansu() -> OtherProvince:
    """A test fund of 甘肃 (not the demo's): 1000 from the centre, 800 to 甘州区 by upload."""
    missing = [row for row in GANSU_REGIONS if not Region.objects.filter(code=row[0]).exists()]
    regions_save(
        actor=None,
        rows=[
            (RegionValues(code, name, short, parent, level, "admin", None), AuditNote(f"测试：{name}"))
            for code, name, short, parent, level in missing
        ],
    )
    province, county = Region.objects.get(code="620000"), Region.objects.get(code="620702")
    admin = person("gs_admin_test", "620000", Role.ADMIN)
    clerk = person("gs_clerk_test", "620702", Role.CLERK)
    fund, _ = fund_save(actor=admin, code="gs-2024-test", name="测试资金（甘肃）", year=2024, region=province)
    notice, _ = notice_save(
        actor=admin,
        province=province,
        number="甘财社〔2024〕901号",
        issuer="甘肃省财政厅",
        title="测试下达文件",
    )
    allocation_save(
        actor=admin, fund=fund, notice=notice, region=province, kind="batch", source="central",
        amount=D(1000), from_region=None,
    )  # fmt: skip
    allocation_save(
        actor=admin, fund=fund, notice=notice, region=county, kind="batch", source="central",
        amount=D(800), from_region=province,
    )  # fmt: skip
    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "甘州区", 900], ["合计", None, 900]]})
    importer = AllocationImporter(actor=admin, scope=province, fund=fund, batch_notice=notice)
    record, _ = import_preview(importer=importer, content=content, filename="甘肃分配.xlsx", actor=admin)
    ret = return_open(fund=fund, region=county, actor=clerk)
    file = generated_file_request(fund=fund, region=province, kind="a", format="docx", actor=admin)
    generated_file_build(file_id=file.pk)  # as the worker would
    file.refresh_from_db()
    return OtherProvince(fund, notice, admin, clerk, county, ret, record, file)
