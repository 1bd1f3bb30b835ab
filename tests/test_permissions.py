"""Who may do what (indicators.permissions): for each action the people allowed, and everyone
else refused with the reason they are shown. The same answers reach the pages (through the
``may`` template tag) and the services (a refused step changes nothing)."""

import pytest
from django.urls import reverse

from evalportal.models import Role, User
from indicators import permissions
from indicators.models import Return
from indicators.services import WorkflowError, return_reopen
from tests.scenarios import person
from transfers.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clerk_yining, clerk_huocheng, reviewer_yili, admin_xj, auditor_xj, admin_yili, reviewer_xj):
    return {
        "clerk_yining": clerk_yining,
        "clerk_huocheng": clerk_huocheng,
        "reviewer_yili": reviewer_yili,
        "admin_xj": admin_xj,
        "auditor_xj": auditor_xj,
        "admin_yili": admin_yili,  # a prefecture's administrator
        "reviewer_xj": reviewer_xj,  # a province-level reviewer
    }


def allowed(question, people, *args) -> set[str]:
    return {name for name, user in people.items() if question(user, *args) is None}


@pytest.mark.parametrize(
    ("status", "edit", "review", "reopen"),
    [
        ("draft", {"clerk_yining"}, set(), set()),
        ("returned", {"clerk_yining"}, set(), set()),
        ("submitted", set(), {"reviewer_yili", "admin_yili"}, set()),
        ("approved", set(), set(), {"admin_xj"}),
    ],
)
def test_who_may_edit_review_and_reopen_a_county_return(people, yining_return, status, edit, review, reopen):
    Return.objects.filter(pk=yining_return.pk).update(status=status)
    yining_return.refresh_from_db()
    assert allowed(permissions.may_edit_return, people, yining_return) == edit
    assert allowed(permissions.may_submit_return, people, yining_return) == edit
    assert allowed(permissions.may_review_return, people, yining_return) == review
    assert allowed(permissions.may_reopen_return, people, yining_return) == reopen


def test_the_reasons_say_why(people, yining_return):
    assert permissions.may_edit_return(people["auditor_xj"], yining_return) == "查阅账号不能修改数据。"
    assert (
        permissions.may_edit_return(people["clerk_huocheng"], yining_return) == "只能修改本单位自己的填报。"
    )
    assert (
        permissions.may_review_return(people["clerk_yining"], yining_return) == "只有审核员或管理员可以审核。"
    )
    assert "由其上级审核" in permissions.may_review_return(people["admin_xj"], yining_return)
    assert "“填报中”，不能审核" in permissions.may_review_return(people["reviewer_yili"], yining_return)
    Return.objects.filter(pk=yining_return.pk).update(status="approved")
    yining_return.refresh_from_db()
    assert "不能修改" in permissions.may_edit_return(people["clerk_yining"], yining_return)
    for name in ("admin_yili", "reviewer_xj", "auditor_xj"):
        assert permissions.may_reopen_return(people[name], yining_return) is not None, name
    people["admin_xj"].is_active = False
    assert permissions.may_reopen_return(people["admin_xj"], yining_return) == "请先登录。"


def test_an_administrator_of_another_province_may_not_reopen(people, yining_return):
    gansu = Region.objects.get(code="620000")  # from the national tree
    other = person("admin_gs", gansu.code, "admin")
    Return.objects.filter(pk=yining_return.pk).update(status="approved")
    yining_return.refresh_from_db()
    assert permissions.may_reopen_return(other, yining_return) == "只有省级管理员可以重新打开已审核的填报。"
    with pytest.raises(WorkflowError):
        return_reopen(ret=yining_return, actor=other, reason="试图打开")
    yining_return.refresh_from_db()
    assert yining_return.status == "approved"


def test_imports(people):
    yili, yining = Region.objects.get(code="654000"), Region.objects.get(code="654002")
    assert allowed(permissions.may_import_regions, people) == {"admin_xj"}
    assert allowed(permissions.may_import_allocations, people) == {
        "admin_xj",
        "reviewer_yili",
        "admin_yili",
        "reviewer_xj",
    }
    # A table for 伊犁州 is set from above; one for 伊宁市 by 伊犁州 too.
    assert allowed(permissions.may_import_targets, people, yili) == {"admin_xj", "admin_yili", "reviewer_xj"}
    assert allowed(permissions.may_import_targets, people, yining) == {
        "admin_xj",
        "admin_yili",
        "reviewer_xj",
        "reviewer_yili",
    }
    aksu = Region.objects.get(code="652901")
    assert "不在您的管辖范围" in permissions.may_import_targets(people["admin_yili"], aksu)
    # A whole fund: its province's administrator only, and only for a fund of that province.
    xinjiang = Region.objects.get(code="650000")
    assert allowed(permissions.may_import_fund, people) == {"admin_xj"}
    assert allowed(permissions.may_import_fund, people, xinjiang) == {"admin_xj"}
    gansu = Region(pk=-1, code="620000", name="甘肃省", level=1)
    assert (
        permissions.may_import_fund(people["admin_xj"], gansu)
        == "这是甘肃省的资金，您只能导入新疆维吾尔自治区的资金。"
    )
    assert permissions.may_import_fund(people["admin_yili"]) == "只有省级管理员可以导入整个资金的工作簿。"


def test_documents_deadlines_and_accounts(people, relief):
    yili = Region.objects.get(code="654000")
    everyone = set(people)
    assert allowed(permissions.may_generate_file, people, relief, yili) == everyone - {
        "clerk_yining",
        "clerk_huocheng",
    }
    assert allowed(
        permissions.may_generate_file, people, relief, Region.objects.get(code="654002")
    ) == everyone - {"clerk_huocheng"}
    xj = Region.objects.get(code="650000")
    assert allowed(permissions.may_set_deadlines, people, relief, xj) == {"admin_xj"}
    assert allowed(permissions.may_set_deadlines, people, relief, yili) == {"reviewer_yili", "admin_yili"}
    assert allowed(permissions.may_manage_accounts, people) == {"admin_xj", "admin_yili"}


def test_pages_offer_exactly_what_is_allowed(client, people, yining_return):
    """The detail page's buttons come from the same questions as the services."""
    Return.objects.filter(pk=yining_return.pk).update(status="submitted")
    url = reverse("indicators:detail", args=[yining_return.pk])
    for name, offered in (("reviewer_yili", True), ("admin_xj", False), ("clerk_yining", False)):
        client.force_login(people[name])
        page = client.get(url).content.decode()
        assert ('name="reason"' in page) is offered, name  # the send-back form
    client.force_login(people["auditor_xj"])
    assert "账号管理" not in client.get(reverse("home")).content.decode()
    client.force_login(people["admin_xj"])
    assert "账号管理" in client.get(reverse("home")).content.decode()


def test_every_refusal_names_its_reason(people, yining_return, relief):
    """The exact sentence each person is shown when refused: the 403 page, the form error,
    the disabled button's title all read it from here."""
    clerk, other_clerk, auditor = people["clerk_yining"], people["clerk_huocheng"], people["auditor_xj"]
    yili_admin, yili, county = people["admin_yili"], Region.objects.get(code="654000"), yining_return.region
    assert permissions.may_open_return(other_clerk, county) == "只能为本单位填报。"
    assert permissions.may_open_return(auditor, county) == "查阅账号不能填报。"
    assert permissions.may_submit_return(other_clerk, yining_return) == "只能提交本单位自己的填报。"
    assert permissions.may_review(auditor) == "查阅账号不能审核。"
    assert (
        permissions.may_review_return(people["admin_xj"], yining_return)
        == "伊宁市的填报由其上级审核，您不能审核。"
    )
    assert (
        permissions.may_review_return(people["reviewer_yili"], yining_return)
        == "伊宁市的填报当前状态为“填报中”，不能审核。"
    )
    assert (
        permissions.may_reopen_return(people["admin_xj"], yining_return) == "只有已审核的填报才能重新打开。"
    )
    assert permissions.may_import(auditor) == "查阅账号不能导入数据。"
    assert permissions.may_import_regions(yili_admin) == "只有省级管理员可以导入行政区划。"
    assert permissions.may_import_allocations(clerk) == "只有省级或地市级的管理员、审核员可以导入资金分配表。"
    assert permissions.may_import_targets(clerk, county) == "只有管理员或上级审核员可以导入绩效目标表。"
    assert (
        permissions.may_import_targets(people["reviewer_yili"], yili)
        == "只有管理员或上级审核员可以导入绩效目标表。"
    )
    assert permissions.may_import_return(other_clerk, yining_return) == "只能导入本单位自己的填报。"
    assert permissions.may_generate_file(other_clerk, relief, county) == "只能为本地区及下级地区生成文件。"
    assert (
        permissions.may_set_deadlines(yili_admin, relief, relief.region)
        == "只能设置本级（伊犁哈萨克自治州）的截止日期。"
    )
    assert permissions.may_manage_accounts(clerk) == "只有管理员可以管理账号。"
    nowhere = User.objects.create_superuser("root_nowhere", password="x", role=Role.ADMIN)  # no region
    assert permissions.may_change_data(nowhere) == "您的账号没有绑定地区，请联系管理员。"
    Return.objects.filter(pk=yining_return.pk).update(status="approved")
    yining_return.refresh_from_db()
    assert permissions.may_submit_return(clerk, yining_return) == "本填报当前状态为“已审核”，不能提交。"
    assert permissions.may_edit_return(clerk, yining_return) == "本填报当前状态为“已审核”，不能修改。"


def test_a_county_office_does_not_import_allocation_tables(people):
    """Allocation tables come from the province or a prefecture: a county's administrator or
    reviewer is refused too (their office receives money, it does not allocate it)."""
    for role in ("admin", "reviewer"):
        county_office = person(f"{role}_yining", "654002", role)
        assert (
            permissions.may_import_allocations(county_office)
            == "只有省级或地市级的管理员、审核员可以导入资金分配表。"
        ), role
