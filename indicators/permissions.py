"""Who may do what: one question per action, answered with the reason why not.

``may_<action>(user, …) -> str | None``: None means yes; a reason is the Chinese message the
person is shown (a 403 page, a form error, an import error, the title of a disabled button).
Views, services, imports and templates (``{% may "review_return" ret as review %}``) ask the
same function, so a button is offered exactly when the action would be allowed, and there is
no second way in.

The people (docs/domain.md §1): a return is edited by its own region's office (clerk,
reviewer or administrator, never a read-only account) while it is 填报中 or 已退回; it is
reviewed by a reviewer or administrator of the region directly above it while 已提交; it is
reopened only by an administrator of the province whose fund it is, once 已审核. Regions are
imported by the province's administrator; allocation tables by administrators and reviewers of
the province or a prefecture; target tables by administrators, and by reviewers for the regions
below them; a whole fund's workbook by the province's administrator. A report's own texts
(报告文字) are written by its region's administrator or reviewer (a county's by its clerk).
Accounts are managed by administrators; funds and notices recorded by the province's. A
deadline is set for the returns directly below a region: by the province's administrator, or by
a prefecture's administrator or reviewer for its counties and units. After a deadline set to
lock, a return not yet sent in is neither changed nor submitted until the reviewer above
unlocks it (``ret.lock``, attached by ``indicators.selectors.with_lock``).
The spot re-check (抽查复核) is the province's: its administrator draws and assigns,
the assignee or a province administrator or reviewer records a finding, and only the
administrator finds 需整改, because that reopens the return; the province's read-only accounts
read the draws.

Nothing here runs a query of its own: the facts come with the objects passed in (the callers
fetch them, scoped to the person's region, through the selectors, with their regions' parents).
"""

from __future__ import annotations

from evalportal.models import Role, User
from indicators.models import Return, SpotCheck
from transfers.models import Fund, Region
from transfers.tree import within

EDITABLE = (Return.Status.DRAFT, Return.Status.RETURNED)
REVIEWERS = (Role.REVIEWER, Role.ADMIN)


def _signed_in(user: User) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return "请先登录。"
    if user.region_id is None:
        return "您的账号没有绑定地区，请联系管理员。"
    return None


def _writer(user: User, what: str = "修改数据") -> str | None:
    return _signed_in(user) or (f"查阅账号不能{what}。" if user.is_read_only else None)


def _is_province_admin(user: User) -> bool:
    return user.role == Role.ADMIN and user.region is not None and user.region.level == Region.Level.PROVINCE


def _lock_reason(ret: Return) -> str | None:
    """Why a return past its locking deadline may not change (``ret.lock``, attached by
    ``selectors.with_lock``), or None while no lock holds."""
    return ret.lock.reason if ret.lock is not None and ret.lock.is_locked else None


def may_change_data(user: User) -> str | None:
    """Change anything at all (every POST that writes): not a read-only account."""
    return _writer(user)


# --- returns -----------------------------------------------------------------------------------


def may_open_return(user: User, region: Region) -> str | None:
    """Start (or continue) the return of ``region`` (or of a project run there)."""
    if reason := _writer(user, "填报"):
        return reason
    if region.pk != user.region_id:
        return "只能为本单位填报。"
    return None


def may_edit_return(user: User, ret: Return) -> str | None:
    """Save what was typed, fill it from the roll-up, import an offline workbook into it."""
    if reason := _writer(user):
        return reason
    if ret.region_id != user.region_id:
        return "只能修改本单位自己的填报。"
    if ret.status not in EDITABLE:
        return f"本填报当前状态为“{ret.get_status_display()}”，不能修改。"
    return _lock_reason(ret)


def may_submit_return(user: User, ret: Return) -> str | None:
    """Send it up for review: whoever may edit it (the checks decide whether it is ready)."""
    if reason := may_edit_return(user, ret):
        return reason.replace("不能修改", "不能提交").replace("只能修改", "只能提交")
    return None


def may_review(user: User) -> str | None:
    """Review at all (the review queue, bulk approval)."""
    if reason := _writer(user, "审核"):
        return reason
    if user.role not in REVIEWERS:
        return "只有审核员或管理员可以审核。"
    return None


def may_review_return(user: User, ret: Return) -> str | None:
    """Send back, approve, judge its qualitative lines, comment on its lines."""
    if reason := may_review(user):
        return reason
    if ret.region.parent_id != user.region_id:
        return f"{ret.region.name}的填报由其上级审核，您不能审核。"
    if ret.status != Return.Status.SUBMITTED:
        return f"{ret.region.name}的填报当前状态为“{ret.get_status_display()}”，不能审核。"
    return None


def may_unlock_return(user: User, ret: Return) -> str | None:
    """Let a return locked after its deadline be changed and submitted late, with a reason: the
    reviewer (or administrator) of the region directly above, who would review it."""
    if reason := _writer(user, "解锁"):
        return reason
    if user.role not in REVIEWERS:
        return "只有上级审核员或管理员可以解锁。"
    if ret.region.parent_id != user.region_id:
        return f"{ret.region.name}的填报由其上级审核员解锁，您不能解锁。"
    if _lock_reason(ret) is None:
        return f"{ret.region.name}的填报没有被锁定，无需解锁。"
    return None


def may_reopen_return(user: User, ret: Return) -> str | None:
    """Reopen an approved return, with a reason."""
    if reason := _writer(user):
        return reason
    if not _is_province_admin(user) or ret.fund.region_id != user.region_id:
        return "只有省级管理员可以重新打开已审核的填报。"
    if ret.status != Return.Status.APPROVED:
        return "只有已审核的填报才能重新打开。"
    return None


# --- spot re-check (抽查复核) ---------------------------------------------------------------------


def may_view_spot_checks(user: User, fund: Fund) -> str | None:
    """Read the draws of ``fund``: the accounts of the province that receives it, read-only too."""
    if reason := _signed_in(user):
        return reason
    if user.region_id != fund.region_id:
        return "抽查复核由省级开展，只有省级账号可以查看。"
    return None


def may_draw_spot_check(user: User, fund: Fund) -> str | None:
    """Draw a sample of the approved county returns, and assign who re-checks each."""
    if reason := _writer(user, "抽取复核样本"):
        return reason
    if not _is_province_admin(user) or fund.region_id != user.region_id:
        return "只有省级管理员可以抽取和分派抽查复核。"
    return None


def may_assign_spot_check(user: User, check: SpotCheck) -> str | None:
    if reason := may_draw_spot_check(user, check.draw.fund):
        return reason
    if check.finding:
        return f"{check.ret.region.name}的复核结论已记录，不能再分派。"
    return None


def may_record_spot_check(user: User, check: SpotCheck, finding: str = "") -> str | None:
    """Record a re-check's finding: its assignee, or a province administrator or reviewer; a
    finding stands once recorded (需整改 has reopened the return by then). 需整改 reopens the
    return, so it is the province administrator's alone, and only while the return is approved."""
    if reason := _writer(user, "记录复核结论"):
        return reason
    fund = check.draw.fund
    at_province = user.region_id == fund.region_id
    if not at_province or (user.role not in REVIEWERS and user.pk != check.assignee_id):
        return "只有复核人或省级管理员、审核员可以记录复核结论。"
    if check.finding:
        return f"{check.ret.region.name}的复核结论已记录为“{check.finding}”，不能修改。"
    if finding == SpotCheck.Finding.RECTIFY:
        if not _is_province_admin(user):
            return "需整改会重新打开填报，只有省级管理员可以记录。"
        if check.ret.status != Return.Status.APPROVED:
            return f"{check.ret.region.name}的填报当前状态为“{check.ret.get_status_display()}”，不能按需整改重新打开。"
    return None


def may_record_approval_exception(user: User, ret: Return) -> str | None:
    """Record (or withdraw) why a recipient below ``ret`` goes without an approved return: the
    return's own office while it may edit it, or its reviewer while it is submitted — the two
    who would otherwise wait for the recipient."""
    if reason := _writer(user, "登记例外"):
        return reason
    if ret.region_id == user.region_id:
        if ret.status in EDITABLE:
            return _lock_reason(ret)
        return f"本填报当前状态为“{ret.get_status_display()}”，不能登记例外。"
    if may_review_return(user, ret) is None:
        return None
    return "只有本单位或其上级审核人可以登记例外。"


# --- evidence (佐证材料) -------------------------------------------------------------------------


def may_attach(user: User, ret: Return) -> str | None:
    """Attach a file to the return or one of its lines, or remove one: whoever may edit it,
    while they may (an approved return's evidence is what was approved)."""
    if reason := _writer(user, "上传或删除佐证材料"):
        return reason
    if ret.region_id != user.region_id:
        return "只能为本单位自己的填报上传或删除佐证材料。"
    if ret.status not in EDITABLE:
        return f"本填报当前状态为“{ret.get_status_display()}”，不能上传或删除佐证材料。"
    return _lock_reason(ret)


def may_read_attachment(user: User, attachment) -> str | None:
    """Download it: anyone who may read the return — its own office and the regions above it,
    read-only accounts too."""
    if reason := _signed_in(user):
        return reason
    if not within(attachment.ret.region, user.region_id):
        return "只能查看本地区及下级地区的佐证材料。"
    return None


# --- imports -----------------------------------------------------------------------------------


def may_import(user: User) -> str | None:
    """Upload a workbook at all."""
    return _writer(user, "导入数据")


def may_import_regions(user: User) -> str | None:
    if reason := may_import(user):
        return reason
    if not _is_province_admin(user):
        return "只有省级管理员可以导入行政区划。"
    return None


def may_import_allocations(user: User) -> str | None:
    if reason := may_import(user):
        return reason
    if user.role not in REVIEWERS or user.region.level >= Region.Level.COUNTY:
        return "只有省级或地市级的管理员、审核员可以导入资金分配表。"
    return None


def may_import_targets(user: User, region: Region) -> str | None:
    """An administrator sets tables for their region and below; a reviewer for those below."""
    if reason := may_import(user):
        return reason
    if not within(region, user.region_id):
        return f"{region.name}不在您的管辖范围内。"
    if user.role == Role.ADMIN or (user.role == Role.REVIEWER and region.pk != user.region_id):
        return None
    return "只有管理员或上级审核员可以导入绩效目标表。"


def may_import_fund(user: User, province: Region | None = None) -> str | None:
    """Import a whole-fund workbook (docs/fund-workbook.md): it sets up the fund, its notices,
    allocations, projects and target tables, and records returns the portal does not hold with
    their status — so only an administrator of the province, for a fund of that province."""
    if reason := may_import(user):
        return reason
    if not _is_province_admin(user):
        return "只有省级管理员可以导入整个资金的工作簿。"
    if province is not None and province.pk != user.region_id:
        return f"这是{province.name}的资金，您只能导入{user.region.name}的资金。"
    return None


def may_open_target_import(user: User) -> str | None:
    """Open a target-table import at all (the region is chosen on the page): an administrator,
    or a reviewer for the regions below."""
    if reason := may_import(user):
        return reason
    if user.role in REVIEWERS:
        return None
    return "只有管理员或上级审核员可以导入绩效目标表。"


def may_import_return(user: User, ret: Return) -> str | None:
    if reason := may_import(user):
        return reason
    if ret.region_id != user.region_id:
        return "只能导入本单位自己的填报。"
    return may_edit_return(user, ret)


# --- documents, deadlines, accounts ------------------------------------------------------------------


def may_generate_file(user: User, fund: Fund, region: Region) -> str | None:
    """Ask for a document: anyone who may read the region, read-only accounts too (a document
    changes no data; it prints what they may already read)."""
    if reason := _signed_in(user):
        return reason
    if not within(region, user.region_id) or fund.region_id != _province_id(user.region):
        return "只能为本地区及下级地区生成文件。"
    return None


def may_edit_report_texts(user: User, fund: Fund, region: Region) -> str | None:
    """Write the texts of ``region``'s own report of ``fund`` (报告文字: the notice that launched the
    evaluation, 到位, 不足 and 措施, 公开, 其他): its own office, at the level that signs the
    report — an administrator or reviewer; a county or budget unit, whose accounts are clerks,
    by its clerk. A level above reads them and changes nothing: the words are the region's."""
    if reason := _writer(user, "修改报告文字"):
        return reason
    if not within(region, user.region_id) or fund.region_id != _province_id(user.region):
        return "只能查看本地区及下级地区的报告文字。"
    if region.pk != user.region_id:
        return f"{region.name}的报告文字由其本级填写，您只能查看。"
    if user.role not in REVIEWERS and region.level < Region.Level.COUNTY:
        return f"{region.name}的报告文字由本级管理员或审核员填写。"
    return None


def may_set_deadlines(user: User, fund: Fund, region: Region) -> str | None:
    """Set ``region``'s deadline of ``fund``, which binds the returns directly below it: at the
    province its administrator (who approves the prefectures); at a prefecture its administrator
    or reviewer (who reviews the counties). A county or a budget unit has nobody below to bind."""
    if reason := _writer(user):
        return reason
    if region.pk != user.region_id:
        return f"只能设置本级（{user.region.name}）的截止日期。"
    if fund.region_id != _province_id(region):
        return f"这是其他省份的资金，{region.name}不能设置截止日期。"
    if region.level == Region.Level.PROVINCE:
        return None if user.role == Role.ADMIN else "只有省级管理员可以设置全省的截止日期。"
    if region.level > Region.Level.PREFECTURE or region.is_budget_unit:
        return f"{region.name}没有下级填报单位，不能设置截止日期。"
    if user.role not in REVIEWERS:
        return "只有管理员或审核员可以设置截止日期。"
    return None


def may_set_up_funds(user: User, fund: Fund | None = None) -> str | None:
    """Record the province's funds and notices: only its administrator (a prefecture passes money
    on through the allocation import, it does not register funds)."""
    if reason := _writer(user):
        return reason
    if not _is_province_admin(user) or (fund is not None and fund.region_id != user.region_id):
        return "只有省级管理员可以登记资金和文件。"
    return None


def may_set_monitoring_plan(user: User, fund: Fund) -> str | None:
    """Set a fund's mid-year monitoring: the cut-off month (1–N月) and where yellow begins. The
    province that receives the fund decides, through its administrator."""
    if reason := _writer(user):
        return reason
    if not _is_province_admin(user) or fund.region_id != user.region_id:
        return "只有省级管理员可以设置绩效运行监控。"
    return None


def may_view_nation(user: User) -> str | None:
    """Read one central fund across the provinces that received it: the central department's
    accounts (民政部), which belong to no region and change nothing."""
    if not user.is_authenticated or not user.is_active:
        return "请先登录。"
    if user.role != Role.MINISTRY:
        return "只有中央部委账号可以查看各省汇总。"
    return None


def is_national_admin(user: User) -> bool:
    """The deployment's own administrator (a superuser): makes each province's first accounts."""
    return user.is_authenticated and user.is_active and user.is_superuser


def may_manage_accounts(user: User) -> str | None:
    if is_national_admin(user):
        return None
    if reason := _signed_in(user):
        return reason
    if user.role != Role.ADMIN:
        return "只有管理员可以管理账号。"
    return None


def _province_id(region: Region) -> int:
    if region.parent_id is None:
        return region.pk
    return region.parent_id if region.parent.parent_id is None else region.parent.parent_id
