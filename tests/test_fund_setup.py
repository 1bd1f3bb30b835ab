"""Fund setup in the browser (issue 18): the province administrator records funds and notices
without the Django admin; everybody else is refused, another province sees nothing."""

from datetime import date

import pytest
from django.urls import reverse

from evalportal.models import AuditEvent, Role
from tests.scenarios import gansu, person
from transfers.fund_forms import parse_issued
from transfers.models import Fund, Notice

pytestmark = pytest.mark.django_db

FUND = {
    "code": "xj-2025-elderly",
    "name": "中央财政困难群众救助补助资金",
    "direction": "支持困难失能老年人等群体基本养老服务救助方向",
    "batch": "",
    "year": "2025",
    "central_department": "民政部",
    "finance_department": "新疆维吾尔自治区财政厅",
    "line_department": "新疆维吾尔自治区民政厅",
}
NOTICE = {
    "number": "新财社[2025]12号",
    "title": "关于下达2025年中央财政困难群众救助补助资金预算的通知",
    "issuer": "新疆维吾尔自治区财政厅 新疆维吾尔自治区民政厅",
    "issued": "2025年3月",
    "note": "",
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年12月5日", (date(2024, 12, 5), False)),
        ("2024-12-05", (date(2024, 12, 5), False)),
        ("2024.1.9", (date(2024, 1, 9), False)),
        ("2024年12月", (date(2024, 12, 1), True)),
        ("2024-12", (date(2024, 12, 1), True)),
        (" 2024 年 6 月 ", (date(2024, 6, 1), True)),
        ("", (None, False)),
    ],
)
def test_a_notice_date_may_be_a_month_only(text, expected):
    assert parse_issued(text) == expected


@pytest.mark.parametrize(
    "text, message", [("2024年2月30日", "没有“2024年2月30日”这一天"), ("去年年底", "看不懂日期")]
)
def test_a_wrong_date_says_why(text, message):
    with pytest.raises(ValueError, match=message):
        parse_issued(text)


def test_the_province_administrator_registers_a_fund(client, admin_xj, new_events):
    client.force_login(admin_xj)
    response = client.post(reverse("setup:fund_create"), FUND)
    # Back to the list, at the new fund's year: the list shows one year at a time.
    assert response.status_code == 302 and response.url == reverse("setup:funds") + "?year=2025"
    fund = Fund.objects.get(code="xj-2025-elderly")
    assert fund.region == admin_xj.region and fund.year == 2025
    assert fund.full_name == "中央财政困难群众救助补助资金（支持困难失能老年人等群体基本养老服务救助方向）"
    (event,) = new_events().filter(action=AuditEvent.Action.CREATE)
    assert event.actor == admin_xj and event.changes["资金名称"] == [None, "中央财政困难群众救助补助资金"]
    page = client.get(response.url).content.decode()
    assert "xj-2025-elderly" in page and "xj-2024-relief" not in page
    assert 'aria-current="page" href="?year=2025">2025年资金（1项）' in page
    assert 'href="?year=2024">2024年资金（2项）' in page
    # The latest year first; the other a click away.
    assert "xj-2025-elderly" in client.get(reverse("setup:funds")).content.decode()
    earlier = client.get(reverse("setup:funds"), {"year": "2024"}).content.decode()
    assert "xj-2024-relief" in earlier and "xj-2024-elderly" in earlier and "xj-2025-elderly" not in earlier


def test_editing_a_fund_keeps_its_code_and_audits_the_change(client, admin_xj, new_events):
    client.force_login(admin_xj)
    url = reverse("setup:fund_edit", args=["xj-2024-relief"])
    page = client.get(url).content.decode()
    assert "中央财政困难群众救助补助资金" in page and "disabled" in page
    fund = Fund.objects.get(code="xj-2024-relief")
    data = {name: getattr(fund, name) or "" for name in FUND} | {"code": "changed", "batch": "第二批"}
    data["central"] = fund.central_id  # the form shows the central fund it is 新疆's copy of
    assert client.post(url, data).status_code == 302
    fund.refresh_from_db()
    assert fund.batch == "第二批" and fund.code == "xj-2024-relief"
    (event,) = new_events()
    assert event.changes == {"批次": ["", "第二批"]}


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"code": "XJ 2025"}, "code", "资金代码只能由小写字母、数字和连字符组成"),
        ({"code": "xj-2024-relief"}, "code", "资金代码“xj-2024-relief”已被使用"),
        ({"code": "notices"}, "code", "系统保留的名称"),
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"year": "1999"}, "year", "年度应在2000至2100之间"),
    ],
)
def test_a_wrong_fund_is_refused_and_the_form_keeps_what_was_typed(client, admin_xj, change, field, message):
    client.force_login(admin_xj)
    count = Fund.objects.count()
    response = client.post(reverse("setup:fund_create"), FUND | change)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert FUND["direction"] in response.content.decode()  # what was typed is still there
    assert Fund.objects.count() == count


def test_a_code_another_province_uses_is_refused_by_the_service_too(admin_xj):
    from django.core.exceptions import ValidationError

    from transfers.services import fund_save

    gs = gansu()
    with pytest.raises(ValidationError, match="已被使用"):
        fund_save(actor=admin_xj, code=gs.fund.code, name="x", year=2024, region=admin_xj.region)
    gs.fund.refresh_from_db()
    assert gs.fund.region.code == "620000" and gs.fund.name == "测试资金（甘肃）"


def test_the_administrator_registers_and_corrects_a_notice(client, admin_xj, new_events):
    client.force_login(admin_xj)
    assert client.post(reverse("setup:notice_create"), NOTICE).status_code == 302
    notice = Notice.objects.get(number="新财社〔2025〕12号")  # brackets as documents print them
    assert notice.province == admin_xj.region
    assert notice.issued_on == date(2025, 3, 1) and notice.issued_month_only
    assert notice.issued_text == "2025年3月"
    page = client.get(reverse("setup:notices")).content.decode()
    assert "新财社〔2025〕12号" in page and "2025年3月" in page
    url = reverse("setup:notice_edit", args=[notice.pk])
    assert 'value="2025年3月"' in client.get(url).content.decode()
    response = client.post(url, NOTICE | {"number": "新财社〔2025〕13号", "issued": "2025年3月18日"})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.number == "新财社〔2025〕13号" and notice.issued_text == "2025年3月18日"
    edit = new_events().filter(action=AuditEvent.Action.EDIT).get()
    assert edit.changes["文号"] == ["新财社〔2025〕12号", "新财社〔2025〕13号"]
    assert edit.changes["只知年月"] == ["True", "False"]


def test_a_notice_already_recorded_is_not_recorded_twice(client, admin_xj):
    client.force_login(admin_xj)
    existing = Notice.objects.filter(province=admin_xj.region).exclude(number="").first()
    count = Notice.objects.count()
    response = client.post(reverse("setup:notice_create"), NOTICE | {"number": existing.number})
    assert response.status_code == 200
    assert f"本省已登记文号为“{existing.number}”的文件。" in response.context["form"].errors["number"]
    other = Notice.objects.filter(province=admin_xj.region).exclude(pk=existing.pk).exclude(number="").first()
    response = client.post(
        reverse("setup:notice_edit", args=[other.pk]), NOTICE | {"number": existing.number}
    )
    assert "本省已登记文号为" in " ".join(response.context["form"].errors["number"])
    assert Notice.objects.count() == count and Notice.objects.get(pk=other.pk).number == other.number


def test_the_same_number_may_be_recorded_by_another_province(client, admin_xj):
    gs = gansu()
    client.force_login(gs.admin)
    number = Notice.objects.filter(province=admin_xj.region).exclude(number="").first().number
    assert client.post(reverse("setup:notice_create"), NOTICE | {"number": number}).status_code == 302
    assert Notice.objects.filter(number=number).count() == 2


@pytest.mark.parametrize(
    "username, reason",
    [
        ("reviewer_yili", "只有省级管理员可以登记资金和文件。"),
        ("clerk_yining", "只有省级管理员可以登记资金和文件。"),
        ("auditor_xj", "查阅账号不能修改数据。"),
    ],
)
def test_only_the_province_administrator_sets_up(client, username, reason, admin_xj):
    from evalportal.models import User

    client.force_login(User.objects.get(username=username))
    notice = Notice.objects.filter(province=admin_xj.region).first()
    for url in [
        reverse("setup:fund_create"),
        reverse("setup:fund_edit", args=["xj-2024-relief"]),
        reverse("setup:notice_create"),
        reverse("setup:notice_edit", args=[notice.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 403 and reason in response.content.decode()
        assert client.post(url, FUND | NOTICE).status_code == 403
    # the lists are read-only for them: no buttons
    page = client.get(reverse("setup:funds")).content.decode()
    assert "xj-2024-relief" in page and reverse("setup:fund_create") not in page
    assert "资金设置" not in client.get(reverse("home")).content.decode()


def test_a_prefecture_administrator_is_refused(client):
    admin_yili = person("admin_yili_test", "654000", Role.ADMIN)
    client.force_login(admin_yili)
    assert client.get(reverse("setup:fund_create")).status_code == 403


def test_another_province_sees_nothing_of_the_funds_and_notices(client, admin_xj):
    gs = gansu()
    client.force_login(gs.admin)
    assert client.get(reverse("setup:fund_edit", args=["xj-2024-relief"])).status_code == 404
    xj_notice = Notice.objects.filter(province=admin_xj.region).first()
    assert client.get(reverse("setup:notice_edit", args=[xj_notice.pk])).status_code == 404
    assert client.post(reverse("setup:notice_edit", args=[xj_notice.pk]), NOTICE).status_code == 404
    funds, notices = (client.get(reverse(name)).content.decode() for name in ("setup:funds", "setup:notices"))
    assert "gs-2024-test" in funds and "xj-2024-relief" not in funds
    assert "甘财社〔2024〕901号" in notices and xj_notice.title not in notices
    assert "资金设置" in client.get(reverse("home")).content.decode()


# --- a fund copied from last year --------------------------------------------------------------------


def test_a_fund_is_copied_for_the_next_year_with_its_tables_and_projects(client, admin_xj, new_events):
    from indicators.models import IndicatorTarget, Return, TargetTable
    from transfers.models import Allocation

    source = Fund.objects.get(code="xj-2024-elderly")
    client.force_login(admin_xj)
    page = client.get(reverse("setup:fund_copy", args=[source.code])).content.decode()
    assert 'value="xj-2025-elderly"' in page and 'value="2025"' in page
    response = client.post(
        reverse("setup:fund_copy", args=[source.code]),
        {"code": "xj-2025-elderly", "year": "2025", "name": source.name},
    )
    assert response.status_code == 302
    fund = Fund.objects.get(code="xj-2025-elderly")
    assert fund.previous == source and fund.year == 2025 and fund.direction == source.direction
    old_tables = TargetTable.objects.filter(fund=source)
    new_tables = TargetTable.objects.filter(fund=fund)
    # seed 000: the central table, the 全区 table and the 14 regional tables
    assert new_tables.count() == old_tables.count() == 16
    yili_old = old_tables.get(region__code="654000")
    yili_new = new_tables.get(region__code="654000")
    whole = new_tables.get(region__code="650000", is_central=False)
    central = new_tables.get(region__code="650000", is_central=True)
    assert yili_new.parent == whole and whole.parent == central and central.parent is None
    assert yili_new.overall_goals == yili_old.overall_goals
    pairs = list(
        zip(yili_old.indicators.order_by("order"), yili_new.indicators.order_by("order"), strict=True)
    )
    assert pairs and all(
        (o.name, o.target_text, o.level2) == (n.name, n.target_text, n.level2) for o, n in pairs
    )
    # the links down the tree point into the new year, never back into last year's tables
    linked = IndicatorTarget.objects.filter(table__fund=fund, parent_indicator__isnull=False)
    assert linked.exists() and not linked.exclude(parent_indicator__table__fund=fund).exists()
    assert not Allocation.objects.filter(fund=fund).exists() and not Return.objects.filter(fund=fund).exists()
    (event,) = new_events().filter(summary__startswith="按2024年资金")
    assert event.fund == fund


def test_a_copy_needs_a_later_year_and_a_new_code(client, admin_xj):
    client.force_login(admin_xj)
    url = reverse("setup:fund_copy", args=["xj-2024-elderly"])
    response = client.post(url, {"code": "xj-2023-elderly", "year": "2024", "name": "x"})
    assert "新资金的年度应晚于2024年。" in response.context["form"].errors["year"]
    response = client.post(url, {"code": "xj-2024-relief", "year": "2025", "name": "x"})
    assert "资金代码“xj-2024-relief”已被使用" in " ".join(response.context["form"].errors["code"])
    assert not Fund.objects.filter(year=2025).exists()


def test_only_the_province_administrator_copies_a_fund(client, reviewer_yili):
    client.force_login(reviewer_yili)
    assert client.get(reverse("setup:fund_copy", args=["xj-2024-elderly"])).status_code == 403
    gs = gansu()
    client.force_login(gs.admin)
    assert client.get(reverse("setup:fund_copy", args=["xj-2024-elderly"])).status_code == 404


def test_a_copied_project_keeps_its_own_table_under_the_new_years_table(admin_xj):
    from indicators.models import TargetTable
    from indicators.services import fund_copy
    from tests.scenarios import project_fund

    pf = project_fund(admin=admin_xj, amounts={"伊宁市": 100, "霍城县": 50})
    fund = fund_copy(actor=admin_xj, source=pf.fund, code="xj-2025-pilot", year=2025)
    tables = {t.project.name: t for t in TargetTable.objects.filter(fund=fund, project__isnull=False)}
    assert set(tables) == {p.name for p in pf.projects.values()}
    province_table = TargetTable.objects.get(fund=fund, region=admin_xj.region)
    for table in tables.values():
        assert table.parent == province_table and table.project.fund == fund
        assert {i.parent_indicator.table for i in table.indicators.all()} == {province_table}


def test_a_copied_fund_judges_not_lower_than_last_year_against_last_years_actual(
    client, admin_xj, clerk_yining, reviewer_yili
):
    from decimal import Decimal

    from indicators.checks import return_findings
    from indicators.models import Return
    from indicators.services import fund_copy, return_approve, return_open, return_save, return_submit
    from tests.scenarios import met_input

    name = "孤儿等符合条件的儿童认定准确率"  # 不低于上年 in 伊犁州's table of the relief fund
    relief = Fund.objects.get(code="xj-2024-relief")
    last = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    data = met_input(last, funding={"central": {"spent": Decimal("9000")}})
    line = last.actuals.get(indicator__name=name)
    assert line.indicator.target_text == "不低于上年"
    data.actuals[line.indicator_id]["actual_text"] = "98%"
    return_save(ret=last, actor=clerk_yining, base_version=last.version, data=data)
    return_submit(ret=last, actor=clerk_yining, acknowledge_warnings=True)
    return_approve(ret=last, actor=reviewer_yili)

    fund = fund_copy(actor=admin_xj, source=relief, code="xj-2025-relief", year=2025)
    ret = return_open(fund=fund, region=clerk_yining.region, actor=clerk_yining)
    data = met_input(ret, funding={})
    line = ret.actuals.get(indicator__name=name)
    data.actuals[line.indicator_id]["actual_text"] = "97%"
    return_save(ret=ret, actor=clerk_yining, base_version=ret.version, data=data)
    ret = Return.objects.get(pk=ret.pk)
    messages = [f.message for f in return_findings(ret)]
    # 97 / 98 = 98.979… → 98.98
    assert f"指标“{name}”未完成（完成率98.98%），请填写未完成原因。" in messages
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:detail", args=[ret.pk])).content.decode()
    assert "上年：98%" in page and "98.98" in page
    form = client.get(reverse("indicators:edit", args=[ret.pk])).content.decode()
    assert 'data-previous="98%"' in form and "上年：98%" in form
    preview = client.get(
        reverse("indicators:rate_preview"), {"target": "不低于上年", "actual": "97%", "previous": "98%"}
    ).content.decode()
    assert "98.98" in preview


# --- lists that grow every year -------------------------------------------------------------------


def test_notices_list_fifty_a_page_latest_first_and_are_found_by_number_or_title(client, admin_xj):
    province = admin_xj.region
    before = Notice.objects.filter(province=province).count()
    Notice.objects.bulk_create(
        Notice(
            province=province,
            issuer="新疆维吾尔自治区财政厅",
            number=f"新财社〔2030〕{index}号",
            title=f"关于下达测试资金{index}的通知",
            issued_on=date(2030, 1, 1 + index % 28),
        )
        for index in range(1, 61)
    )
    client.force_login(admin_xj)
    url = reverse("setup:notices")
    first = client.get(url).content.decode()
    assert first.count('btn-outline-primary" href="/funds/notices/') == 50
    assert f"第1–50份文件，共{before + 60}份" in first
    # Latest first: 27 and 55 were issued on 28 January, then by number.
    assert "新财社〔2030〕27号" in first.split("<tbody>")[1].split("</tr>")[0]
    found = client.get(url, {"q": "〔2030〕1"}).content.decode()  # 1, 10–19
    assert "含“〔2030〕1”的11份" in found and found.count("新财社〔2030〕1") == 11
    assert client.get(url, {"q": "测试资金60"}).content.decode().count("关于下达测试资金60的通知") == 1
    nothing = client.get(url, {"q": "不存在的文号"}).content.decode()
    assert "没有含“不存在的文号”的文件" in nothing
    last = client.get(url, {"page": 2}).content.decode()
    assert f"第51–{before + 60}份文件，共{before + 60}份" in last
