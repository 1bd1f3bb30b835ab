"""报告文字: the texts an office writes for its own report (A, and G for a county), edited on a page
of the portal, saved by a service that audits, and printed where seed 000 prints them.

The demo's 新疆 holds seed 000's own sentences for xj-2024-elderly (fixtures/demo/); the expected
strings are typed from the seed in tests/seed_figures.py. The relief fund has no texts: its
report prints the defaults. People: the province administrator and a province reviewer edit the
province's texts; a county's clerk edits the county's; the level above reads a region's texts
and changes nothing; anyone outside the region gets 404.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from lxml import html

from indicators import rules
from reports.builders import build
from reports.data import report_data
from reports.data.sections import OTHER_MATTERS, SPLIT_PREAMBLE
from reports.models import ReportText
from reports.services import StaleReportText, data_version, report_text_save
from tests.readers import docx
from tests.seed_figures import (
    ELDERLY_APPLICATION_START,
    ELDERLY_ARRIVAL_RATE,
    ELDERLY_ARRIVED,
    ELDERLY_GOALS_ACHIEVED,
    ELDERLY_LAUNCH_NOTICE,
    ELDERLY_MEASURES,
    ELDERLY_OTHER_MATTERS,
    ELDERLY_PUBLICATION,
    ELDERLY_SHORTFALLS,
    ELDERLY_SPLIT_SENTENCE,
    ELDERLY_TOTAL,
    YINING_RELIEF,
)

pytestmark = pytest.mark.django_db

BUDGET = ELDERLY_TOTAL[0]


def _paragraphs(fund, region, kind="a") -> list[str]:
    doc = docx(build(report_data(fund=fund, region=region), kind=kind, format="docx"))
    return [p.text for p in doc.paragraphs if p.text.strip()]


def _after(texts: list[str], heading: str, n: int = 1) -> list[str]:
    """The ``n`` paragraphs that follow ``heading``."""
    i = texts.index(heading)
    return texts[i + 1 : i + 1 + n]


def _url(fund_code: str, region_code: str) -> str:
    return reverse("reports:texts", args=[fund_code, region_code])


def _form(page) -> dict:
    """What the browser would post back: every field of the page's form as it stands."""
    doc = html.fromstring(page.content.decode())
    # A browser drops the line break Django writes after <textarea>.
    values = {
        field.name: (field.value or "").removeprefix("\n") if field.tag == "textarea" else field.value or ""
        for field in doc.forms[-1].inputs
        if field.name
    }
    return {k: v for k, v in values.items() if k != "csrfmiddlewaretoken"}


# --- report A reads like seed 000 --------------------------------------------------------------


def test_the_offices_texts_stand_where_seed_000_prints_them(elderly, province):
    texts = _paragraphs(elderly, province)
    opening = texts[1]
    assert opening.startswith(f"为贯彻落实党中央全面实施预算绩效管理决策部署，根据{ELDERLY_LAUNCH_NOTICE}，")
    assert "高度重视，严格按规范要求组织开展了2024年度" in opening

    assert _after(texts, "2.自治区分解下达绩效目标情况。") == [ELDERLY_SPLIT_SENTENCE]
    assert _after(texts, "（三）总体绩效目标完成情况分析") == [ELDERLY_GOALS_ACHIEVED]
    assert _after(texts, "a.项目实施过程中存在的不足") == [ELDERLY_SHORTFALLS]
    assert _after(texts, "b.下一步工作实施改进措施") == [ELDERLY_MEASURES]
    assert _after(texts, "四、绩效自评结果拟应用和公开情况", 2)[1] == ELDERLY_PUBLICATION
    assert _after(texts, "四、绩效自评结果拟应用和公开情况")[0].startswith(ELDERLY_APPLICATION_START)
    assert _after(texts, "五、其他需要说明的问题") == [ELDERLY_OTHER_MATTERS]
    assert "无。" not in texts


def test_the_generated_measures_stay_beside_the_offices_own(elderly, province):
    texts = _paragraphs(elderly, province)
    start = texts.index("b.下一步工作实施改进措施")
    assert texts[start + 1 : start + 3] == [ELDERLY_MEASURES, "各项指标的具体改进措施如下："]
    measures = texts[start + 3 : texts.index("四、绩效自评结果拟应用和公开情况")]
    # The seven missed indicators' own measures, numbered apart from the office's a. and b.
    assert len(measures) == 7 and all(re.match(r"（\d）.+指标：", t) for t in measures)
    assert measures[0].startswith("（1）补助标准实际到位率")


def test_arrival_and_its_rate_in_section_two(elderly, province):
    (arrival,) = _after(_paragraphs(elderly, province), "1.项目资金到位情况分析。")
    found = re.search(r"总预算资金为([\d.]+)万元，资金到位([\d.]+)万元，到位率([\d.]+)%。$", arrival)
    assert found, arrival
    assert [Decimal(x) for x in found.groups()] == [BUDGET, ELDERLY_ARRIVED, ELDERLY_ARRIVAL_RATE]


def test_the_rate_is_computed_from_the_amount_typed(elderly, province, admin_xj):
    row = ReportText.objects.get(fund=elderly, region=province)
    report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"arrived": BUDGET / 4},
        base_version=row.version,
    )
    data = report_data(fund=elderly, region=province)
    assert data.sections.arrival_rate == Decimal("25.00")
    (arrival,) = _after(_paragraphs(elderly, province), "1.项目资金到位情况分析。")
    assert arrival.endswith(f"资金到位{rules.format_number(BUDGET / 4)}万元，到位率25.00%。")


def test_the_arrival_rate_rule():
    assert rules.arrival_rate(BUDGET, BUDGET) == Decimal("100.00")
    assert rules.arrival_rate(Decimal("1"), Decimal("3")) == Decimal("33.33")
    assert rules.arrival_rate(None, BUDGET) is None
    assert rules.arrival_rate(BUDGET, Decimal("0")) is None
    with pytest.raises(TypeError):
        rules.arrival_rate(1.5, BUDGET)


# --- blank texts print the defaults ----------------------------------------------------------------


def test_a_report_without_texts_prints_the_defaults(relief, province):
    assert not ReportText.objects.filter(fund=relief, region=province).exists()
    texts = _paragraphs(relief, province)
    opening = next(t for t in texts if t.startswith("为贯彻落实党中央全面实施预算绩效管理决策部署"))
    assert "根据财政部关于开展2024年度中央对地方转移支付预算执行情况绩效自评工作的要求，" in opening
    preamble = _after(texts, "2.自治区分解下达绩效目标情况。")[0]
    assert preamble == (
        f"{SPLIT_PREAMBLE}，根据《关于下达2024年中央财政困难群众救助补助资金预算的通知》（新财社〔2024〕35号），"
        "绩效目标详见下表："
    )  # the notice of this batch, whose 附件3 holds the tables (seed 003), not the advance one
    assert _after(texts, "五、其他需要说明的问题") == [OTHER_MATTERS]
    assert "（二）绩效自评结果将在新疆维吾尔自治区民政厅门户网站进行公示公开，广泛接受社会监督。" in texts
    (arrival,) = _after(texts, "1.项目资金到位情况分析。")
    assert "资金到位" not in arrival and "到位率" not in arrival  # no figure was given: none is printed
    warnings = report_data(fund=relief, region=province).warnings
    note = "尚未在“报告文字”中填写资金到位数，报告二（一）1只写下达的预算数。"
    assert note in warnings  # told to whoever asks for the document (command line, file page) …
    assert not any("报告文字" in text for text in texts)  # … never printed in it


def test_a_countys_own_report_prints_its_texts(relief, clerk_yining):
    yining = clerk_yining.region
    report_text_save(
        actor=clerk_yining,
        fund=relief,
        region=yining,
        values={"arrived": YINING_RELIEF, "other_matters": "伊宁市在2024年度审计中未发现问题。"},
        base_version=0,
    )
    texts = _paragraphs(relief, yining, kind="g")
    assert _after(texts, "五、其他需要说明的问题") == ["伊宁市在2024年度审计中未发现问题。"]
    (arrival,) = _after(texts, "1.项目资金到位情况分析。")
    assert arrival.endswith(f"资金到位{rules.format_number(YINING_RELIEF)}万元，到位率100.00%。")


def test_text_typed_in_a_browser_box_prints_as_paragraphs(elderly, province, admin_xj):
    row = ReportText.objects.get(fund=elderly, region=province)
    report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"other_matters": "第一段。\r\n第二段。\r\n"},
        base_version=row.version,
    )
    row.refresh_from_db()
    assert row.other_matters == "第一段。\n第二段。"
    assert _after(_paragraphs(elderly, province), "五、其他需要说明的问题", 2) == ["第一段。", "第二段。"]


# --- the service: audited, guarded ----------------------------------------------------------------


def test_a_save_is_audited_with_old_and_new_values(elderly, province, admin_xj, new_events):
    row = ReportText.objects.get(fund=elderly, region=province)
    _, changes = report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"other_matters": "截至报告日，未发现问题。", "arrived": BUDGET - 1},
        base_version=row.version,
    )
    (event,) = new_events()
    assert event.actor == admin_xj and event.fund == elderly and event.region == province
    assert event.object_type == "reports.reporttext" and event.object_id == str(row.pk)
    assert event.changes == {
        "其他需要说明的问题": [ELDERLY_OTHER_MATTERS, "截至报告日，未发现问题。"],
        "资金到位数（万元）": [rules.format_number(ELDERLY_ARRIVED), rules.format_number(BUDGET - 1)],
    }
    assert changes == event.changes
    row.refresh_from_db()
    assert row.version == 2 and row.updated_by == admin_xj
    # The same values again change nothing and write nothing.
    report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"other_matters": "截至报告日，未发现问题。"},
        base_version=row.version,
    )
    assert new_events().count() == 1


def test_a_saved_text_makes_earlier_documents_stale(elderly, province, admin_xj):
    before = data_version(elderly, province)
    row = ReportText.objects.get(fund=elderly, region=province)
    report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"website": "新的网站"},
        base_version=row.version,
    )
    # The demo's 四(二) is typed whole: the website alone is not printed, and nothing is stale.
    assert data_version(elderly, province) == before
    report_text_save(
        actor=admin_xj,
        fund=elderly,
        region=province,
        values={"publication": ""},
        base_version=row.version + 1,
    )
    assert data_version(elderly, province) != before
    texts = _paragraphs(elderly, province)
    assert "（二）绩效自评结果将在新的网站进行公示公开，广泛接受社会监督。" in texts


def test_a_save_over_a_newer_one_is_refused(elderly, province, admin_xj, reviewer_xj, new_events):
    row = ReportText.objects.get(fund=elderly, region=province)
    opened = row.version
    report_text_save(
        actor=reviewer_xj, fund=elderly, region=province, values={"website": "甲"}, base_version=opened
    )
    with pytest.raises(StaleReportText):
        report_text_save(
            actor=admin_xj, fund=elderly, region=province, values={"website": "乙"}, base_version=opened
        )
    row.refresh_from_db()
    assert row.website == "甲" and new_events().count() == 1


def test_arrival_above_the_budget_is_refused(elderly, province, admin_xj, new_events):
    from django.core.exceptions import ValidationError

    row = ReportText.objects.get(fund=elderly, region=province)
    with pytest.raises(ValidationError) as refused:
        report_text_save(
            actor=admin_xj,
            fund=elderly,
            region=province,
            values={"arrived": BUDGET + 1},
            base_version=row.version,
        )
    assert refused.value.message_dict == {
        "arrived": [f"资金到位数不能大于下达新疆维吾尔自治区的预算资金{rules.format_number(BUDGET)}万元。"]
    }
    assert not new_events().exists()


# --- the page: the right person and the wrong one ------------------------------------------------------


def test_the_fund_page_links_to_the_offices_texts(client, admin_xj, elderly):
    client.force_login(admin_xj)
    page = client.get(reverse("reports:fund_files", args=[elderly.code]))
    assert _url(elderly.code, "650000") in page.content.decode()


def test_the_province_admin_edits_the_provinces_texts(client, admin_xj, elderly, province, new_events):
    client.force_login(admin_xj)
    page = client.get(_url(elderly.code, "650000"))
    assert page.status_code == 200
    posted = _form(page)
    assert posted["launch_notice"] == ELDERLY_LAUNCH_NOTICE and Decimal(posted["arrived"]) == ELDERLY_ARRIVED
    body = page.content.decode()
    assert "到位率：100.00%" in body and ">保存</button>" in body
    posted["other_matters"] = "截至报告日，在各级审计中未发现问题。"
    response = client.post(_url(elderly.code, "650000"), posted)
    assert response.status_code == 302
    row = ReportText.objects.get(fund=elderly, region=province)
    assert row.other_matters == "截至报告日，在各级审计中未发现问题。"
    (event,) = new_events()
    assert event.actor == admin_xj and list(event.changes) == ["其他需要说明的问题"]


def test_a_blank_box_shows_the_default_it_prints(client, admin_xj, relief):
    client.force_login(admin_xj)
    doc = html.fromstring(client.get(_url(relief.code, "650000")).content.decode())
    (box,) = doc.xpath('//textarea[@name="other_matters"]')
    assert box.text in (None, "", "\n") and box.get("placeholder") == OTHER_MATTERS
    (box,) = doc.xpath('//input[@name="split_notice"]')
    assert (
        box.get("placeholder")
        == "《关于下达2024年中央财政困难群众救助补助资金预算的通知》（新财社〔2024〕35号）"
    )


def test_a_province_reviewer_edits_them_too(client, reviewer_xj, elderly):
    client.force_login(reviewer_xj)
    posted = _form(client.get(_url(elderly.code, "650000")))
    posted["website"] = "自治区民政厅门户网站"
    assert client.post(_url(elderly.code, "650000"), posted).status_code == 302


def test_a_countys_clerk_edits_the_countys_texts(client, clerk_yining, relief):
    client.force_login(clerk_yining)
    posted = _form(client.get(_url(relief.code, "654002")))
    posted["arrived"] = str(YINING_RELIEF)
    assert client.post(_url(relief.code, "654002"), posted).status_code == 302
    assert ReportText.objects.get(fund=relief, region__code="654002").arrived == YINING_RELIEF


def test_the_level_above_reads_and_changes_nothing(client, admin_xj, elderly, yili, new_events):
    client.force_login(admin_xj)
    page = client.get(_url(elderly.code, "654000"))
    body = page.content.decode()
    assert page.status_code == 200 and ">保存</button>" not in body
    assert "伊犁哈萨克自治州的报告文字由其本级填写，您只能查看。" in body
    doc = html.fromstring(body)
    assert all(box.get("disabled") is not None for box in doc.xpath("//textarea"))
    response = client.post(_url(elderly.code, "654000"), {"base_version": "0", "other_matters": "改"})
    assert response.status_code == 403
    assert not ReportText.objects.filter(fund=elderly, region=yili).exists() and not new_events().exists()


def test_a_read_only_account_reads_and_changes_nothing(client, auditor_xj, elderly, province):
    client.force_login(auditor_xj)
    page = client.get(_url(elderly.code, "650000"))
    assert page.status_code == 200 and ">保存</button>" not in page.content.decode()
    posted = _form(page) | {"other_matters": "改"}
    assert client.post(_url(elderly.code, "650000"), posted).status_code == 403
    assert ReportText.objects.get(fund=elderly, region=province).other_matters == ELDERLY_OTHER_MATTERS


@pytest.mark.parametrize(
    ("person", "region_code"),
    [
        ("reviewer_yili", "650000"),  # the province is above 伊犁州
        ("clerk_huocheng", "654002"),  # another county's clerk
        ("clerk_aksu", "654000"),  # another prefecture's clerk
        ("reviewer_aksu", "654000"),  # another prefecture's reviewer
    ],
)
def test_anyone_outside_the_region_gets_404(client, request, elderly, person, region_code, new_events):
    client.force_login(request.getfixturevalue(person))
    assert client.get(_url(elderly.code, region_code)).status_code == 404
    assert client.post(_url(elderly.code, region_code), {"base_version": "0"}).status_code == 404
    assert not new_events().exists()


def test_a_fund_of_another_province_is_404(client, admin_xj):
    client.force_login(admin_xj)
    assert client.get(_url("gs-2024-zhangye", "650000")).status_code == 404
    assert client.get(_url("xj-2024-elderly", "620000")).status_code == 404


def test_anonymous_is_sent_to_login(client, elderly):
    response = client.get(_url(elderly.code, "650000"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("arrived", "error"),
    [
        (f"{ELDERLY_ARRIVED}万元", "资金到位数请填写数字（万元），如 27.67，不要带“万元”或逗号。"),
        ("-1", "资金到位数不能为负数。"),
        ("1.23456", "资金到位数最多保留4位小数（万元的4位小数即到元）。"),
    ],
)
def test_bad_input_keeps_what_was_typed(client, admin_xj, elderly, province, new_events, arrived, error):
    client.force_login(admin_xj)
    posted = _form(client.get(_url(elderly.code, "650000")))
    posted |= {"arrived": arrived, "shortfalls": "新写的不足。"}
    page = client.post(_url(elderly.code, "650000"), posted)
    assert page.status_code == 200
    body = page.content.decode()
    assert error in body
    kept = _form(page)
    assert kept["arrived"] == arrived and kept["shortfalls"] == "新写的不足。"
    assert ReportText.objects.get(fund=elderly, region=province).shortfalls == ELDERLY_SHORTFALLS
    assert not new_events().exists()


def test_arrival_above_the_budget_is_a_field_error_on_the_page(client, admin_xj, elderly, new_events):
    client.force_login(admin_xj)
    posted = _form(client.get(_url(elderly.code, "650000")))
    posted["arrived"] = str(BUDGET + 1)
    page = client.post(_url(elderly.code, "650000"), posted)
    assert page.status_code == 200
    assert (
        f"资金到位数不能大于下达新疆维吾尔自治区的预算资金{rules.format_number(BUDGET)}万元。"
        in page.content.decode()
    )
    assert _form(page)["arrived"] == str(BUDGET + 1) and not new_events().exists()


def test_a_stale_page_is_refused_and_keeps_the_typing(client, admin_xj, reviewer_xj, elderly, province):
    client.force_login(admin_xj)
    posted = _form(client.get(_url(elderly.code, "650000")))
    row = ReportText.objects.get(fund=elderly, region=province)
    report_text_save(
        actor=reviewer_xj, fund=elderly, region=province, values={"website": "甲"}, base_version=row.version
    )
    posted["measures"] = "我的改进措施。"
    page = client.post(_url(elderly.code, "650000"), posted)
    assert page.status_code == 200
    assert "报告文字已被他人修改并保存" in page.content.decode()
    assert _form(page)["measures"] == "我的改进措施。"
    assert ReportText.objects.get(pk=row.pk).measures == ELDERLY_MEASURES
