"""Projects set up in the browser (issue 18): the province administrator records a named county
project, the money it receives and its own target table (a subset of the table above it plus
indicators of its own); the county's clerk then reports exactly that table."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evalportal.models import AuditEvent, User
from indicators.models import IndicatorTarget, Return, TargetTable
from indicators.services import project_set_up
from tests.scenarios import gansu
from transfers.models import Allocation, Fund, Notice, Project, Region

pytestmark = pytest.mark.django_db

FUND = "xj-2024-relief"
NAME = "伊宁市社区养老服务设施建设项目"


def project_data(notice, **change):
    return {
        "name": NAME,
        "region": "伊宁市",
        "notice": notice.pk,
        "amount": "300",
        "source": "central",
    } | change


@pytest.fixture
def project(client, admin_xj, notice):
    client.force_login(admin_xj)
    response = client.post(reverse("setup:project_create", args=[FUND]), project_data(notice))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return Project.objects.get(name=NAME)


def yili_table():
    return TargetTable.objects.get(fund__code=FUND, region__code="654000", project__isnull=True)


def table_data(keep, *, goals="1.建成社区养老服务设施2处。", new=()):
    data = {"goals": goals} | {f"keep_{pk}": "on" for pk in keep}
    for row, (level1, level2, name, target) in enumerate(new):
        data |= {
            f"new_{row}_level1": level1,
            f"new_{row}_level2": level2,
            f"new_{row}_name": name,
            f"new_{row}_target": target,
        }
    return data


def test_the_administrator_records_a_project_and_its_money(client, new_events, project, admin_xj):
    assert project.region.code == "654002" and project.fund.code == FUND
    (money,) = Allocation.objects.filter(project=project)
    assert (
        money.amount == Decimal("300") and money.from_region == admin_xj.region and money.source == "central"
    )
    summaries = [e.summary for e in new_events()]
    assert f"登记项目{NAME}" in summaries
    assert f"新疆维吾尔自治区向{NAME}本次下达300.00万元（新财社〔2024〕35号）" in summaries
    page = client.get(reverse("setup:projects", args=[FUND])).content.decode()
    assert NAME in page and "300.00" in page and "未设置" in page  # no table yet


def test_the_project_table_keeps_a_subset_and_adds_its_own(client, project, clerk_yining):
    url = reverse("setup:project_table", args=[FUND, project.pk])
    page = client.get(url).content.decode()
    parents = list(yili_table().indicators.order_by("order"))
    assert all(p.name in page for p in parents)  # the table above is offered, ticked by default
    assert (
        f'name="keep_{parents[0].pk}" class="form-check-input" id="id_keep_{parents[0].pk}" checked' in page
    )
    own = ("产出指标", "数量指标", "新建社区养老服务设施数量", "≥2个")
    response = client.post(url, table_data([parents[0].pk, parents[2].pk], new=[own]))
    assert response.status_code == 302
    table = TargetTable.objects.get(project=project)
    lines = list(table.indicators.order_by("order").values_list("name", "target_text", "parent_indicator"))
    assert lines == [
        (parents[0].name, parents[0].target_text, parents[0].pk),
        (parents[2].name, parents[2].target_text, parents[2].pk),
        ("新建社区养老服务设施数量", "≥2个", None),
    ]
    assert table.overall_goals == "1.建成社区养老服务设施2处。" and table.parent == yili_table()

    # 伊宁市's clerk opens the project's return: exactly that table
    client.force_login(clerk_yining)
    response = client.post(reverse("indicators:start", args=[FUND]), {"project": project.pk})
    ret = Return.objects.get(project=project)
    assert response.url == reverse("indicators:edit", args=[ret.pk])
    assert [a.indicator.name for a in ret.actuals.order_by("indicator__order")] == [
        name for name, _, _ in lines
    ]


def test_a_line_added_later_reaches_the_open_return_and_a_dropped_one_leaves(
    client, project, admin_xj, clerk_yining
):
    url = reverse("setup:project_table", args=[FUND, project.pk])
    first = yili_table().indicators.order_by("order").first()
    client.post(url, table_data([first.pk]))
    client.force_login(clerk_yining)
    client.post(reverse("indicators:start", args=[FUND]), {"project": project.pk})
    ret = Return.objects.get(project=project)
    client.force_login(admin_xj)
    own = ("效益指标", "社会效益指标", "老年人就近享受养老服务", "有效提升")
    assert client.post(url, table_data([first.pk], new=[own])).status_code == 302
    assert sorted(a.indicator.name for a in ret.actuals.all()) == sorted(
        [first.name, "老年人就近享受养老服务"]
    )
    # unticking the kept line drops it from the table and from the open return, audited
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert client.post(url, table_data([])).status_code == 302
    assert [a.indicator.name for a in ret.actuals.all()] == ["老年人就近享受养老服务"]
    removal = AuditEvent.objects.get(pk__gt=start, summary__startswith=f"删除指标{first.name}")
    assert removal.changes == {"指标值": [first.target_text, None]}


@pytest.mark.parametrize(
    "row, field, message",
    [
        (
            ("产出指标", "社会效益指标", "某指标", "≥1个"),
            "new_0_level2",
            "“社会效益指标”不是产出指标下的二级指标",
        ),
        (("产出指标", "数量指标", "某指标", ""), "new_0_target", "请填写指标值"),
        (("产出指标", "", "某指标", "≥1个"), "new_0_level2", "请填写二级指标"),
    ],
)
def test_a_wrong_own_indicator_is_refused_and_nothing_saved(client, project, row, field, message):
    url = reverse("setup:project_table", args=[FUND, project.pk])
    response = client.post(url, table_data([], new=[row]))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "某指标" in response.content.decode()  # kept as typed
    assert not TargetTable.objects.filter(project=project).exists()


def test_an_empty_table_is_refused(client, project):
    response = client.post(reverse("setup:project_table", args=[FUND, project.pk]), table_data([]))
    assert "项目的目标表至少要有一项指标。" in response.content.decode()


def test_a_project_sits_in_a_county(client, admin_xj, notice):
    client.force_login(admin_xj)
    response = client.post(
        reverse("setup:project_create", args=[FUND]), project_data(notice, region="伊犁州")
    )
    assert response.status_code == 200
    assert "找不到" in " ".join(response.context["form"].errors["region"])  # the box offers counties only
    response = client.post(
        reverse("setup:project_create", args=[FUND]), project_data(notice, amount="12.345")
    )
    assert "金额最多两位小数（万元）。" in response.context["form"].errors["amount"]
    assert not Project.objects.filter(name=NAME).exists()


def test_a_project_under_review_keeps_its_money(client, project, admin_xj, clerk_yining):
    first = yili_table().indicators.order_by("order").first()
    client.post(reverse("setup:project_table", args=[FUND, project.pk]), table_data([first.pk]))
    ret = Return.objects.create(
        fund=project.fund, region=project.region, project=project, status=Return.Status.SUBMITTED
    )
    url = reverse("setup:project_edit", args=[FUND, project.pk])
    notice = Notice.objects.get(province=admin_xj.region, number="新财社〔2024〕35号")
    response = client.post(url, project_data(notice, amount="350"))
    assert response.status_code == 200
    assert f"{NAME}的填报已提交，改变项目的地区或金额会改变其预算" in response.content.decode()
    assert Allocation.objects.get(project=project).amount == Decimal("300")
    own = ("产出指标", "数量指标", "新建社区养老服务设施数量", "≥2个")
    table_url = reverse("setup:project_table", args=[FUND, project.pk])
    response = client.post(table_url, table_data([first.pk], new=[own]))
    assert f"{NAME}的填报已提交，改变目标表会改变其指标" in response.content.decode()
    assert IndicatorTarget.objects.filter(table__project=project).count() == 1
    # renaming is fine: it changes no figure
    assert client.post(url, project_data(notice, name="伊宁市社区养老设施项目")).status_code == 302
    assert ret.project.__class__.objects.get(pk=project.pk).name == "伊宁市社区养老设施项目"


@pytest.mark.parametrize("username", ["reviewer_yili", "clerk_yining", "auditor_xj"])
def test_only_the_province_administrator_sets_up_projects(client, project, username, notice):
    client.force_login(User.objects.get(username=username))
    for url in [
        reverse("setup:project_create", args=[FUND]),
        reverse("setup:project_edit", args=[FUND, project.pk]),
        reverse("setup:project_table", args=[FUND, project.pk]),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, project_data(notice, name="x")).status_code == 403
    assert Project.objects.filter(fund__code=FUND).count() == 1
    assert NAME in client.get(reverse("setup:projects", args=[FUND])).content.decode()  # read-only list


def test_another_province_cannot_reach_the_projects(client, project):
    gs = gansu()
    client.force_login(gs.admin)
    for url in [
        reverse("setup:projects", args=[FUND]),
        reverse("setup:project_edit", args=[FUND, project.pk]),
        reverse("setup:project_table", args=[FUND, project.pk]),
    ]:
        assert client.get(url).status_code == 404
    # nor put a project of its own fund in 新疆
    notice = gs.notice
    response = client.post(
        reverse("setup:project_create", args=[gs.fund.code]), project_data(notice, region="伊宁市")
    )
    assert response.status_code == 200 and "找不到" in " ".join(response.context["form"].errors["region"])
    # Only the one project of the fixture (the demo's 甘肃 projects were recorded by the loader).
    assert AuditEvent.objects.filter(summary__contains="登记项目", actor__isnull=False).count() == 1


# --- a project paid from its office's own budget: no allocation --------------------------------------

ZHANGYE = "gs-2024-zhangye"


def zhangye_project():
    """张掖市民政局's first project (seed 004): paid from the city's own budget, no allocation."""
    return Project.objects.filter(fund__code=ZHANGYE).order_by("order").first()


def test_a_bureaus_own_project_is_edited_without_an_allocation(client, new_events):
    admin = User.objects.get(username="admin_gs")
    project = zhangye_project()
    summary, order = project.summary, project.order
    client.force_login(admin)
    url = reverse("setup:project_edit", args=[ZHANGYE, project.pk])
    response = client.get(url)
    assert response.context["form"]["own_budget"].value() is True  # ticked: it has no allocation
    assert project.region.name in response.content.decode()  # 张掖市民政局, where it runs
    data = {"name": project.name + "（调整）", "region": project.region.code, "own_budget": "on"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    project.refresh_from_db()
    assert project.name.endswith("（调整）") and (project.summary, project.order) == (summary, order)
    assert not Allocation.objects.filter(fund__code=ZHANGYE).exists()
    (event,) = new_events()
    assert event.actor == admin and event.changes["项目名称"][1] == project.name
    # Its return still states its budget as the office's own money (seed 004).
    ret = Return.objects.get(project=project)
    assert ret.funding.get(source="local").budget > 0


def test_a_bureaus_project_is_edited_by_its_provinces_administrator_only(client, admin_xj):
    project = zhangye_project()
    url = reverse("setup:project_edit", args=[ZHANGYE, project.pk])
    data = {"name": "改名", "region": project.region.code, "own_budget": "on"}
    for user, status in [(User.objects.get(username="clerk_zhangye"), 403), (admin_xj, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status
        assert client.post(url, data).status_code == status
    project.refresh_from_db()
    assert project.name != "改名"


def test_a_project_that_receives_money_still_needs_its_amount_and_notice(client, project):
    url = reverse("setup:project_edit", args=[FUND, project.pk])
    assert client.get(url).context["form"]["own_budget"].value() is False
    response = client.post(url, {"name": NAME, "region": "伊宁市", "amount": "", "notice": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "请填写下达金额（万元）" in errors["amount"][0] and errors["notice"] == ["请选择下达文件。"]
    assert Allocation.objects.get(project=project).amount == Decimal("300")


def test_the_service_sets_up_a_project_with_money_or_on_its_own_budget(admin_xj, notice, new_events):
    yining = Region.objects.get(code="654002")
    fund = Fund.objects.get(code=FUND)
    own = project_set_up(actor=admin_xj, fund=fund, region=yining, name="本级项目", notice=None, amount=None)
    assert not own.allocations.exists()
    paid = project_set_up(
        actor=admin_xj, fund=fund, region=yining, name=NAME, notice=notice, amount=Decimal("300")
    )
    assert paid.allocations.get().amount == Decimal("300")
    with pytest.raises(ValidationError, match="下达金额和下达文件应同时填写"):
        project_set_up(
            actor=admin_xj, fund=fund, region=yining, name=NAME, notice=None, amount=Decimal("5"),
            project=paid,
        )  # fmt: skip
    # Moved onto its office's own budget: the province's line goes, audited.
    project_set_up(
        actor=admin_xj, fund=fund, region=yining, name=NAME, notice=None, amount=None, project=paid
    )
    assert not paid.allocations.exists()
    assert (
        new_events().filter(action=AuditEvent.Action.EDIT, summary__startswith=f"删除{NAME}的分配").count()
        == 1
    )
    # ... but not while its return is under review: that would change its budget.
    project_set_up(
        actor=admin_xj, fund=fund, region=yining, name=NAME, notice=notice, amount=Decimal("300"), project=paid
    )  # fmt: skip
    Return.objects.create(fund=fund, region=yining, project=paid, status=Return.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="改变项目的地区或金额会改变其预算"):
        project_set_up(
            actor=admin_xj, fund=fund, region=yining, name=NAME, notice=None, amount=None, project=paid
        )  # fmt: skip
    assert paid.allocations.get().amount == Decimal("300")


def test_a_line_the_clerk_filled_keeps_its_indicator(client, project, admin_xj, clerk_yining):
    url = reverse("setup:project_table", args=[FUND, project.pk])
    first, second = yili_table().indicators.order_by("order")[:2]
    client.post(url, table_data([first.pk, second.pk]))
    client.force_login(clerk_yining)
    client.post(reverse("indicators:start", args=[FUND]), {"project": project.pk})
    ret = Return.objects.get(project=project)
    ret.actuals.filter(indicator__name=first.name).update(actual_text="96%")
    client.force_login(admin_xj)
    page = client.post(url, table_data([second.pk])).content.decode()
    assert f"填报已填写指标“{first.name}”，不能删除" in page
    assert sorted(a.indicator.name for a in ret.actuals.all()) == sorted([first.name, second.name])
