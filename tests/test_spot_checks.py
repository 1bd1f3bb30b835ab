"""Spot re-check (抽查复核, #11): the province draws a random share of the approved county returns,
with the seed and lists recorded so an auditor can repeat the draw; each drawn return is
assigned and re-checked, and 需整改 reopens it with the reason; report A's 四 states the result.

People: the province administrator draws, assigns and finds 需整改; a province reviewer records
确认 only; 伊犁州's reviewer, a county clerk and the province's read-only auditor draw nothing
(403); a check of another fund is not found (404).
"""

import random
from decimal import Decimal

import pytest
from django.urls import reverse

from evalportal.models import AuditEvent, Role
from indicators.models import Return, SpotCheck, SpotCheckDraw
from indicators.rules.sampling import sample_size, share_percent, spot_check_sample
from indicators.services import WorkflowError, return_open
from indicators.spot_checks import spot_check_assign, spot_check_draw, spot_check_record
from reports.builders import build
from reports.builders.docx_report import spot_check_sentence
from reports.data import report_data
from reports.data.types import SpotCheckSummary
from tests.readers import docx
from tests.scenarios import fill_submit_approve, person

pytestmark = pytest.mark.django_db
D = Decimal


# --- the rule --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "expected"),
    [(118, 18), (1, 1), (0, 0), (20, 3), (7, 2), (100, 15), (3, 1)],
)
def test_sample_size_is_the_share_rounded_up_and_at_least_one(population, expected):
    assert sample_size(population) == expected


def test_sample_size_of_other_shares():
    assert sample_size(10, D("1")) == 10
    assert sample_size(10, D("0.25")) == 3
    with pytest.raises(ValueError):
        sample_size(10, D("0"))
    with pytest.raises(ValueError):
        sample_size(10, D("1.5"))
    with pytest.raises(TypeError):
        sample_size(10, 0.15)


def test_same_seed_same_draw_whatever_the_order_of_the_ids():
    ids = list(range(1000, 1118))
    first = spot_check_sample(ids, seed="新疆-2024", share=D("0.15"))
    again = spot_check_sample(list(reversed(ids)), seed="新疆-2024", share=D("0.15"))
    assert first == again
    assert len(first) == 18 and set(first) <= set(ids)
    assert spot_check_sample(ids, seed="另一个种子", share=D("0.15")) != first


def test_an_auditor_repeats_the_draw_with_the_standard_library_alone():
    """What the page tells an auditor: sort the recorded ids, random.Random(seed).sample them."""
    ids = [5, 3, 9, 1, 7, 11, 13, 2, 4, 6]
    expected = sorted(random.Random("7f3a").sample(sorted(ids), 2))
    assert spot_check_sample(ids, seed="7f3a", share=D("0.15")) == expected


def test_share_as_written():
    assert share_percent(D("0.15")) == "15%"
    assert share_percent(D("0.125")) == "12.5%"
    assert share_percent(D("1")) == "100%"


# --- the draw --------------------------------------------------------------------------------------


@pytest.fixture
def approved_two(relief, clerk_yining, clerk_huocheng, reviewer_yili):
    """伊宁市 and 霍城县 approved by 伊犁州; returns (yining, huocheng)."""
    rets = []
    for clerk in (clerk_yining, clerk_huocheng):
        ret = return_open(fund=relief, region=clerk.region, actor=clerk)
        fill_submit_approve(
            ret, clerk=clerk, reviewer=reviewer_yili, funding={"central": {"spent": D("9000")}}
        )
        rets.append(ret)
    return tuple(rets)


def test_draw_records_seed_share_population_and_list(relief, admin_xj, approved_two, new_events):
    yining, huocheng = approved_two
    draw = spot_check_draw(fund=relief, actor=admin_xj, share=D("1"), seed="audit-2024")
    draw.refresh_from_db()
    assert draw.seed == "audit-2024"
    assert draw.share == D("1")
    assert draw.population_ids == sorted([yining.pk, huocheng.pk])
    assert draw.drawn_ids == sorted([yining.pk, huocheng.pk])
    assert sorted(draw.checks.values_list("ret_id", flat=True)) == sorted([yining.pk, huocheng.pk])
    event = new_events().get(action=AuditEvent.Action.SPOT_CHECK)
    assert event.actor == admin_xj
    assert event.changes["随机种子"] == ["", "audit-2024"]
    assert event.changes["抽查比例"] == ["", "100%"]
    assert "伊宁市" in event.changes["抽中填报"][1] and "霍城县" in event.changes["抽中填报"][1]


def test_draw_without_a_seed_makes_one_and_records_it(relief, admin_xj, approved_two):
    draw = spot_check_draw(fund=relief, actor=admin_xj)
    assert len(draw.seed) == 16
    assert draw.share == D("0.15")
    assert len(draw.drawn_ids) == 1  # 15% of 2, rounded up
    assert draw.drawn_ids == spot_check_sample(draw.population_ids, seed=draw.seed, share=D("0.15"))


def test_only_approved_county_returns_are_drawn(relief, admin_xj, approved_two, clerk_aksu, reviewer_yili):
    yining, huocheng = approved_two
    return_open(fund=relief, region=clerk_aksu.region, actor=clerk_aksu)  # a county's draft
    # 伊犁州's own return, not a county's
    return_open(fund=relief, region=reviewer_yili.region, actor=reviewer_yili)
    draw = spot_check_draw(fund=relief, actor=admin_xj, share=D("1"), seed="x")
    assert draw.population_ids == sorted([yining.pk, huocheng.pk])


def test_approved_prefecture_returns_are_no_population(elderly, admin_xj):
    """The elderly fund's demo returns are approved, but the province's and prefectures' only."""
    assert Return.objects.filter(fund=elderly, status=Return.Status.APPROVED).exists()
    with pytest.raises(WorkflowError, match="还没有已审核的县级填报"):
        spot_check_draw(fund=elderly, actor=admin_xj, share=D("1"), seed="x")
    assert not SpotCheckDraw.objects.filter(fund=elderly).exists()


def test_share_out_of_range_is_refused(relief, admin_xj, approved_two):
    with pytest.raises(WorkflowError, match="抽查比例"):
        spot_check_draw(fund=relief, actor=admin_xj, share=D("0"), seed="x")


# --- findings --------------------------------------------------------------------------------------


@pytest.fixture
def checks(relief, admin_xj, approved_two):
    """Both returns drawn: {region name: check}."""
    spot_check_draw(fund=relief, actor=admin_xj, share=D("1"), seed="audit-2024")
    return {c.ret.region.name: c for c in SpotCheck.objects.select_related("draw__fund", "ret__region")}


def test_rectify_reopens_the_return_with_the_reason_and_audits(checks, admin_xj, new_events):
    check = checks["伊宁市"]
    spot_check_record(check=check, actor=admin_xj, finding="需整改", text="低保台账与发放记录不一致")
    ret = Return.objects.get(pk=check.ret_id)
    assert ret.status == Return.Status.RETURNED
    assert ret.comments.last().text == "重新打开：抽查复核需整改：低保台账与发放记录不一致"
    reopen = new_events().get(action=AuditEvent.Action.REOPEN)
    assert reopen.comment == "抽查复核需整改：低保台账与发放记录不一致"
    finding = new_events().filter(action=AuditEvent.Action.SPOT_CHECK, object_id=str(ret.pk)).get()
    assert finding.changes == {"复核结论": ["", "需整改"]}
    check.refresh_from_db()
    assert (check.finding, check.recorded_by) == ("需整改", admin_xj)


def test_rectify_needs_its_text(checks, admin_xj):
    with pytest.raises(WorkflowError, match="需整改必须写明"):
        spot_check_record(check=checks["伊宁市"], actor=admin_xj, finding="需整改", text="  ")
    assert Return.objects.get(pk=checks["伊宁市"].ret_id).status == Return.Status.APPROVED


def test_confirm_keeps_the_return_approved(checks, reviewer_xj):
    spot_check_record(check=checks["霍城县"], actor=reviewer_xj, finding="确认", text="")
    assert Return.objects.get(pk=checks["霍城县"].ret_id).status == Return.Status.APPROVED
    assert SpotCheck.objects.get(pk=checks["霍城县"].pk).finding == "确认"


def test_a_finding_stands_once_recorded(checks, admin_xj):
    spot_check_record(check=checks["霍城县"], actor=admin_xj, finding="确认")
    with pytest.raises(WorkflowError, match="已记录"):
        spot_check_record(check=checks["霍城县"], actor=admin_xj, finding="需整改", text="再查")
    assert Return.objects.get(pk=checks["霍城县"].ret_id).status == Return.Status.APPROVED


def test_a_province_reviewer_confirms_but_may_not_reopen(checks, reviewer_xj):
    with pytest.raises(WorkflowError, match="只有省级管理员"):
        spot_check_record(check=checks["伊宁市"], actor=reviewer_xj, finding="需整改", text="台账不全")
    assert Return.objects.get(pk=checks["伊宁市"].ret_id).status == Return.Status.APPROVED


def test_assign_to_a_province_reviewer_and_not_to_a_clerk(
    checks, admin_xj, reviewer_xj, clerk_yining, new_events
):
    check = checks["伊宁市"]
    spot_check_assign(check=check, actor=admin_xj, assignee=reviewer_xj)
    assert SpotCheck.objects.get(pk=check.pk).assignee == reviewer_xj
    assert new_events().get(action=AuditEvent.Action.SPOT_CHECK, summary="抽查复核分派").changes == {
        "复核人": ["", "自治区民政厅审核员"]
    }
    with pytest.raises(WorkflowError, match="复核人应为本省"):
        spot_check_assign(check=check, actor=admin_xj, assignee=clerk_yining)
    with pytest.raises(WorkflowError, match="只有省级管理员"):
        spot_check_assign(check=check, actor=reviewer_xj, assignee=None)


# --- the pages -------------------------------------------------------------------------------------


def _url(name, fund, *args):
    return reverse(f"setup:{name}", args=[fund.code, *args])


def test_the_administrator_draws_on_the_page(client, relief, admin_xj, approved_two):
    client.force_login(admin_xj)
    response = client.post(_url("spot_check_draw", relief), {"percent": "100", "seed": "页面种子"})
    assert response.status_code == 302
    draw = SpotCheckDraw.objects.get(fund=relief)
    assert (draw.seed, draw.share, len(draw.drawn_ids)) == ("页面种子", D("1"), 2)
    page = client.get(_url("spot_checks", relief)).content.decode()
    assert "页面种子" in page and "伊宁市" in page and "霍城县" in page and "参与抽取 2 份" in page
    funds = client.get(reverse("setup:funds")).content.decode()
    assert _url("spot_checks", relief) in funds


def test_a_bad_share_keeps_what_was_typed(client, relief, admin_xj, approved_two):
    client.force_login(admin_xj)
    response = client.post(_url("spot_check_draw", relief), {"percent": "150", "seed": "我的种子"})
    assert response.status_code == 200
    assert "我的种子" in response.content.decode()
    assert not SpotCheckDraw.objects.exists()


@pytest.mark.parametrize("who", ["reviewer_yili", "clerk_yining", "auditor_xj", "reviewer_xj"])
def test_others_may_not_draw(client, request, relief, approved_two, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(_url("spot_check_draw", relief), {"percent": "15", "seed": ""})
    assert response.status_code == 403
    assert not SpotCheckDraw.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("reviewer_yili", 403), ("clerk_yining", 403), ("auditor_xj", 200)]
)
def test_who_reads_the_page(client, request, relief, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(_url("spot_checks", relief)).status_code == status


def test_the_auditor_reads_and_records_nothing(client, relief, checks, auditor_xj, reviewer_xj):
    client.force_login(auditor_xj)
    page = client.get(_url("spot_checks", relief)).content.decode()
    assert "audit-2024" in page and "记录</button>" not in page and "抽取</button>" not in page
    check = checks["伊宁市"]
    data = {f"find-{check.pk}-finding": "确认", f"find-{check.pk}-text": ""}
    assert client.post(_url("spot_check_record", relief, check.pk), data).status_code == 403
    assign = {f"assign-{check.pk}-assignee": reviewer_xj.pk}
    assert client.post(_url("spot_check_assign", relief, check.pk), assign).status_code == 403
    assert SpotCheck.objects.get(pk=check.pk).finding == ""


def test_rectify_on_the_page(client, relief, checks, admin_xj, reviewer_xj):
    check = checks["伊宁市"]
    data = {f"find-{check.pk}-finding": "需整改", f"find-{check.pk}-text": "台账不全"}
    client.force_login(reviewer_xj)
    assert client.post(_url("spot_check_record", relief, check.pk), data).status_code == 403
    client.force_login(admin_xj)
    blank = {f"find-{check.pk}-finding": "需整改", f"find-{check.pk}-text": ""}
    response = client.post(_url("spot_check_record", relief, check.pk), blank)
    assert response.status_code == 200 and "需整改必须写明" in response.content.decode()
    assert client.post(_url("spot_check_record", relief, check.pk), data).status_code == 302
    assert Return.objects.get(pk=check.ret_id).status == Return.Status.RETURNED


def test_the_assignee_is_offered_on_the_page(client, relief, checks, admin_xj, reviewer_xj):
    check = checks["霍城县"]
    client.force_login(admin_xj)
    assign = {f"assign-{check.pk}-assignee": reviewer_xj.pk}
    assert client.post(_url("spot_check_assign", relief, check.pk), assign).status_code == 302
    assert SpotCheck.objects.get(pk=check.pk).assignee == reviewer_xj


def test_another_provinces_administrator_finds_no_page(client, relief, approved_two):
    client.force_login(person("gs_admin_spot", "620000", Role.ADMIN))
    assert client.get(_url("spot_checks", relief)).status_code == 404
    assert client.post(_url("spot_check_draw", relief), {"percent": "15", "seed": ""}).status_code == 404
    assert not SpotCheckDraw.objects.exists()


def test_a_province_reviewer_is_offered_confirm_only(client, relief, checks, reviewer_xj):
    client.force_login(reviewer_xj)
    page = client.get(_url("spot_checks", relief)).content.decode()
    assert '<option value="确认">确认</option>' in page
    assert "需整改（重新打开填报）" not in page


def test_a_check_of_another_fund_is_not_found(client, relief, elderly, checks, admin_xj):
    check = checks["伊宁市"]
    client.force_login(admin_xj)
    data = {f"find-{check.pk}-finding": "确认", f"find-{check.pk}-text": ""}
    assert client.post(_url("spot_check_record", elderly, check.pk), data).status_code == 404


# --- report A, 四 -----------------------------------------------------------------------------------


def _paragraphs(fund, region) -> list[str]:
    doc = docx(build(report_data(fund=fund, region=region), kind="a", format="docx"))
    return [p.text for p in doc.paragraphs if p.text.strip()]


def test_report_a_states_the_re_check_in_four(relief, province, checks, admin_xj):
    spot_check_record(check=checks["霍城县"], actor=admin_xj, finding="确认")
    spot_check_record(
        check=checks["伊宁市"], actor=admin_xj, finding="需整改", text="低保台账与发放记录不一致。"
    )
    texts = _paragraphs(relief, province)
    four = texts.index("四、绩效自评结果拟应用和公开情况")
    five = texts.index("五、其他需要说明的问题")
    assert (
        "（三）抽查复核：新疆维吾尔自治区民政厅按100%比例从2份已审核县级填报中随机抽取2份复核（随机种子 audit-2024），"
        "确认1份，需整改1份（伊宁市：低保台账与发放记录不一致）。"
    ) in texts[four:five]


def test_report_a_says_nothing_of_a_re_check_before_a_draw(relief, province, yili):
    assert not any("抽查复核" in text for text in _paragraphs(relief, province))
    assert report_data(fund=relief, region=yili).spot_checks is None


@pytest.mark.parametrize(
    "confirmed, pending, ending",
    [
        (2, 0, "复核结果均予确认。"),
        (1, 1, "已确认1份，尚未完成复核1份。"),
        (0, 2, "复核尚未开始。"),
    ],
)
def test_the_sentence_says_plainly_how_far_the_re_check_is(confirmed, pending, ending):
    summary = SpotCheckSummary(
        share="15%", seed="s1", population=12, confirmed=confirmed, rectify=[], pending=pending
    )
    sentence = spot_check_sentence(summary, "新疆维吾尔自治区民政厅")
    assert sentence == (
        "新疆维吾尔自治区民政厅按15%比例从12份已审核县级填报中随机抽取2份复核（随机种子 s1），" + ending
    )
    assert "需整改0份" not in sentence
