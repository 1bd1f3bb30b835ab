"""The return pages for the right person and for every wrong one."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import AuditEvent
from indicators.models import Return
from indicators.services import return_open, return_save, return_submit
from tests.scenarios import complete_input, form_data, synthetic_prefecture
from tests.seed_figures import ELDERLY_TOTAL, RELIEF_GOALS, YINING_RELIEF, ZHANGYE_PROJECTS
from transfers.models import Fund

pytestmark = pytest.mark.django_db


def test_clerk_starts_and_sees_the_form(client, relief, clerk_yining):
    client.force_login(clerk_yining)
    response = client.post(reverse("indicators:start", args=[relief.code]), {"period": "year_end"})
    ret = Return.objects.get(fund=relief, region=clerk_yining.region)
    assert response["Location"] == reverse("indicators:edit", args=[ret.pk])
    page = client.get(response["Location"]).content.decode()
    assert "低保对象人数" in page and "应保尽保" in page
    # The central budget from the allocations, read only: printed as the 合计 below prints
    # money (14,005.00), not a greyed box holding 14005.00 beside it.
    assert re.search(rf'class="money-fixed"[^>]*>{YINING_RELIEF:,.2f}</span>', page)
    box = re.search(r'<input[^>]*name="funding-central-budget"[^>]*>', page).group(0)
    assert 'type="hidden"' in box and "disabled" in box
    assert 'type="number"' in re.search(r'<input[^>]*name="funding-local-budget"[^>]*>', page).group(0)


def test_clerk_saves_a_draft_and_submits(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    response = client.post(url, form_data(yining_return, save="1"))
    assert response.status_code == 302
    yining_return.refresh_from_db()
    assert yining_return.funding.get(source="central").spent == Decimal("9000.50")
    response = client.post(url, form_data(yining_return, submit="1"))
    assert response["Location"] == reverse("indicators:detail", args=[yining_return.pk])
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.SUBMITTED


def test_own_money_is_kept_to_the_yuan(client, yining_return, clerk_yining):
    """A department states its budget to the 元 (seed 004: 2.472万元, 24720元): kept whole, shown
    whole in the form and in the history, never rounded to 2.47."""
    _name, budget, spent = ZHANGYE_PROJECTS[1]
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    typed = {"funding-local-budget": str(budget), "funding-local-spent": str(spent)}
    assert client.post(url, form_data(yining_return, save="1", **typed)).status_code == 302
    line = yining_return.funding.get(source="local")
    assert (line.budget, line.spent) == (budget, spent)
    page = client.get(url).content.decode()
    assert 'value="2.472"' in page and 'value="9000.50"' in page  # as typed, not 9000.5000
    event = AuditEvent.objects.filter(
        object_type="indicators.return", object_id=str(yining_return.pk)
    ).first()
    assert ["", "2.472"] in event.changes.values()
    # A fifth decimal is below the 元: refused, nothing saved.
    yining_return.refresh_from_db()
    response = client.post(url, form_data(yining_return, save="1", **{"funding-local-budget": "2.47201"}))
    assert response.status_code == 200 and "4 位" in response.content.decode()
    assert yining_return.funding.get(source="local").budget == budget


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    response = client.post(
        url, form_data(yining_return, **{"funding-central-spent": "一万", "goal_achievement": "我写的总结"})
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "输入一个数字" in page
    assert "我写的总结" in page and 'value="一万"' in page
    yining_return.refresh_from_db()
    assert yining_return.version == 1 and yining_return.goal_achievement == ""


def test_missing_reason_blocks_submit_with_the_message_next_to_the_line(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    line = yining_return.actuals.get(indicator__name="孤儿等符合条件的儿童纳入保障范围率")
    response = client.post(
        reverse("indicators:edit", args=[yining_return.pk]),
        form_data(yining_return, submit="1", **{f"actual-{line.indicator_id}-actual_text": "80%"}),
    )
    page = response.content.decode()
    assert "尚未提交" in page
    assert "指标“孤儿等符合条件的儿童纳入保障范围率”未完成（完成率88.89%），请填写未完成原因。" in page
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.DRAFT


def test_second_person_with_an_old_version_keeps_their_input(client, yining_return, clerk_yining):
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    stale = form_data(yining_return, goal_achievement="第二个人写的")
    client.post(url, form_data(yining_return, save="1"))
    response = client.post(url, stale | {"save": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "保存冲突：伊宁市民政局填报员于" in page and "第二个人写的" in page
    yining_return.refresh_from_db()
    assert yining_return.goal_achievement == "保障了困难群众基本生活。"


def test_reviewer_returns_with_a_line_comment_and_the_clerk_sees_it(
    client, yining_return, clerk_yining, reviewer_yili
):
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=complete_input(yining_return))
    return_submit(ret=yining_return, actor=clerk_yining)
    line = yining_return.actuals.get(indicator__name="临时救助人次")
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:send_back", args=[yining_return.pk]),
        {"reason": "请补充临时救助人次。", f"comment-{line.pk}": "请填写具体人次"},
    )
    assert response.status_code == 302
    client.force_login(clerk_yining)
    page = client.get(reverse("indicators:edit", args=[yining_return.pk])).content.decode()
    assert "请补充临时救助人次。" in page and "请填写具体人次" in page


def test_send_back_without_reason_changes_nothing(client, yining_return, clerk_yining, reviewer_yili):
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=complete_input(yining_return))
    return_submit(ret=yining_return, actor=clerk_yining)
    client.force_login(reviewer_yili)
    client.post(reverse("indicators:send_back", args=[yining_return.pk]), {"reason": ""})
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.SUBMITTED


@pytest.mark.parametrize("name", ["detail", "edit"])
def test_other_regions_get_404(client, yining_return, clerk_huocheng, reviewer_aksu, name):
    for person in (clerk_huocheng, reviewer_aksu):
        client.force_login(person)
        assert client.get(reverse(f"indicators:{name}", args=[yining_return.pk])).status_code == 404


@pytest.mark.parametrize("name", ["send_back", "approve", "reopen", "rollup"])
def test_actions_by_the_wrong_person_change_nothing(
    client, yining_return, clerk_huocheng, reviewer_aksu, auditor_xj, name
):
    url = reverse(f"indicators:{name}", args=[yining_return.pk])
    client.force_login(clerk_huocheng)
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(reviewer_aksu)
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(auditor_xj)
    assert client.post(url, {"reason": "x"}).status_code == 403
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.DRAFT and yining_return.version == 1


def test_anonymous_is_sent_to_login(client, yining_return):
    for name in ("detail", "edit"):
        url = reverse(f"indicators:{name}", args=[yining_return.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    for name in ("send_back", "approve", "reopen", "rollup"):
        url = reverse(f"indicators:{name}", args=[yining_return.pk])
        response = client.post(url, {"reason": "x"})
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.DRAFT and yining_return.version == 1


def test_read_only_sees_but_cannot_start(client, relief, auditor_xj, yining_return):
    client.force_login(auditor_xj)
    assert client.get(reverse("indicators:detail", args=[yining_return.pk])).status_code == 200
    assert client.post(reverse("indicators:start", args=[relief.code])).status_code == 403
    edit = client.get(reverse("indicators:edit", args=[yining_return.pk]))
    assert edit["Location"] == reverse("indicators:detail", args=[yining_return.pk])


def test_bulk_approve_from_the_queue(client, relief, clerk_yining, clerk_huocheng, reviewer_yili):
    ids = []
    for clerk in (clerk_yining, clerk_huocheng):
        ret = return_open(fund=relief, region=clerk.region, actor=clerk)
        return_save(ret=ret, actor=clerk, base_version=1, data=complete_input(ret))
        return_submit(ret=ret, actor=clerk)
        ids.append(ret.pk)
    client.force_login(reviewer_yili)
    home = client.get(reverse("home")).content.decode()
    assert "待我审核（2）" in home
    # complete_input writes one narrative of seven: both are open, so both need 仍然通过
    # (tests/test_bulk_approval.py); the ids alone approve nothing.
    page = client.get(reverse("indicators:bulk_confirm"), {"ids": ids}).content.decode()
    assert page.count("<li>6项资金管理情况未填写</li>") == 2
    client.post(reverse("indicators:bulk_approve"), {"ids": ids})
    assert set(Return.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"submitted"}
    client.post(reverse("indicators:bulk_approve"), {"confirm": ids})
    assert set(Return.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"approved"}


def test_bulk_approve_ignores_returns_outside_the_region(client, relief, clerk_yining, reviewer_aksu):
    ret = return_open(fund=relief, region=clerk_yining.region, actor=clerk_yining)
    return_save(ret=ret, actor=clerk_yining, base_version=1, data=complete_input(ret))
    return_submit(ret=ret, actor=clerk_yining)
    client.force_login(reviewer_aksu)
    client.post(reverse("indicators:bulk_approve"), {"ids": [ret.pk], "confirm": [ret.pk]})
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED


def test_rate_preview_uses_the_rules_engine(client, clerk_yining):
    client.force_login(clerk_yining)
    html = client.get(
        reverse("indicators:rate_preview"), {"target": "≥95%", "actual": "33.93%"}
    ).content.decode()
    assert "完成率 35.72%" in html and "偏差率 64.28%" in html and 'data-explain="1"' in html  # seed 000
    html = client.get(
        reverse("indicators:execution_preview"), {"spent": ELDERLY_TOTAL[1], "budget": ELDERLY_TOTAL[0]}
    ).content.decode()
    assert f"{ELDERLY_TOTAL[2]}%" in html


def test_home_page_queries_do_not_grow_with_regions(client):
    counts = []
    for count in (10, 150):
        reviewer = synthetic_prefecture(count)
        client.force_login(reviewer)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("home")).content.decode()
        assert f"待我审核（{count}）" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 30


def test_reviewer_judges_a_qualitative_actual_and_approves(
    client, yining_return, clerk_yining, reviewer_yili
):
    data = complete_input(yining_return)
    line = yining_return.actuals.get(indicator__name="帮助查明身份滞留流浪乞讨人员返乡情况")
    data.actuals[line.indicator_id]["actual_text"] = "基本做到及时送返"
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=data)
    return_submit(ret=yining_return, actor=clerk_yining)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:detail", args=[yining_return.pk])).content.decode()
    assert f'name="judge-{line.pk}"' in page
    client.post(reverse("indicators:approve", args=[yining_return.pk]), {f"judge-{line.pk}": "1"})
    line.refresh_from_db()
    yining_return.refresh_from_db()
    assert line.judged_met is True and yining_return.status == Return.Status.APPROVED
    page = client.get(reverse("indicators:detail", args=[yining_return.pk])).content.decode()
    assert "审核认定完成" in page


def test_judged_not_met_without_reason_blocks_approval(client, yining_return, clerk_yining, reviewer_yili):
    data = complete_input(yining_return)
    line = yining_return.actuals.get(indicator__name="帮助查明身份滞留流浪乞讨人员返乡情况")
    data.actuals[line.indicator_id]["actual_text"] = "基本做到及时送返"
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=data)
    return_submit(ret=yining_return, actor=clerk_yining)
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:approve", args=[yining_return.pk]), {f"judge-{line.pk}": "0"}, follow=True
    )
    assert "存在错误，不能审核通过" in response.content.decode()
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.SUBMITTED


def test_clerk_cannot_judge(client, yining_return, clerk_yining):
    return_save(ret=yining_return, actor=clerk_yining, base_version=1, data=complete_input(yining_return))
    return_submit(ret=yining_return, actor=clerk_yining)
    line = yining_return.actuals.first()
    client.force_login(clerk_yining)
    client.post(reverse("indicators:approve", args=[yining_return.pk]), {f"judge-{line.pk}": "1"})
    line.refresh_from_db()
    assert line.judged_met is None


def test_bulk_approve_never_redirects_off_site(client, reviewer_yili):
    client.force_login(reviewer_yili)
    response = client.post(
        reverse("indicators:bulk_approve"), {"ids": [], "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")


def test_prefecture_return_with_its_roll_up_queries_do_not_grow_with_counties(client):
    counts = []
    for count in (10, 150):
        reviewer = synthetic_prefecture(count)
        Return.objects.filter(region__parent=reviewer.region).update(status=Return.Status.APPROVED)
        ret = return_open(fund=Fund.objects.get(code=f"test-{count}"), region=reviewer.region, actor=reviewer)
        # The money rolls up from the approved counties: 5万元 each.
        assert ret.funding.get(source="central").spent == Decimal("5") * count
        client.force_login(reviewer)
        for name in ("edit", "detail"):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse(f"indicators:{name}", args=[ret.pk]))
            assert page.status_code == 200
            counts.append((name, len(queries)))
    assert counts[:2] == counts[2:], counts


def _tables_read(queries) -> list[str]:
    """The table each query reads from (its first FROM), in order."""
    return [re.search(r'FROM "(\w+)"', q["sql"]).group(1) for q in queries if 'FROM "' in q["sql"]]


def test_the_form_reads_each_part_of_the_return_once(client, yining_return, clerk_yining):
    """The form shows its table's 年度总体目标 from the lines it reads (not from two more reads of
    the first line, its indicator and its table), and the return's money lines as read once for
    the form and once more by the ledger for the whole subtree."""
    count, first_words = RELIEF_GOALS
    client.force_login(clerk_yining)
    url = reverse("indicators:edit", args=[yining_return.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    goals = page.split('<pre class="small text-muted goals">')[1].split("</pre>")[0]
    assert goals.startswith(first_words) and goals.count("\n") == count - 1
    tables = _tables_read(queries)
    assert "indicators_targettable" not in tables  # the goals came with the lines
    assert "indicators_indicatortarget" not in tables
    # The form's lines, which the evidence form's choice of line lists too; the ledger's money
    # lines of the subtree, which hold the return's own.
    assert tables.count("indicators_indicatoractual") == 1
    assert tables.count("indicators_returnfunding") == 1
    choice = page.split('<select name="line"')[1].split("</select>")[0]
    lines = list(yining_return.actuals.select_related("indicator").order_by("indicator__order"))
    assert len(lines) > 1
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', choice)
    assert options == [("", "（整份填报）")] + [
        (str(line.pk), f"{line.indicator.order}. {line.indicator.name}") for line in lines
    ]


def test_the_review_page_reads_the_returns_money_once_for_the_page(
    client, yining_return, clerk_yining, reviewer_yili
):
    client.force_login(clerk_yining)
    client.post(reverse("indicators:edit", args=[yining_return.pk]), form_data(yining_return, submit="1"))
    client.force_login(reviewer_yili)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("indicators:detail", args=[yining_return.pk]))
    assert response.status_code == 200
    assert f'<td>中央财政资金</td><td class="num">{YINING_RELIEF:,.2f}</td>' in response.content.decode()
    # The ledger's lines of the subtree, which hold the return's own for the page and the
    # checks, with their 执行进度滞后原因 (tests/test_monitoring_returns.py: the review page).
    assert _tables_read(queries).count("indicators_returnfunding") == 1
