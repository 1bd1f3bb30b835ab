"""Hostile text, typed in a form or carried in a workbook, never breaks a document or runs.

- a control character (Word's manual line break U+000B, other C0 codes, U+FFFE) is normalised
  at the door and, for text stored before, by every writer: the whole-fund export, the offline
  workbook and reports A/B/G build;
- text a spreadsheet would run as a formula is text in every workbook the portal writes, and
  the portal's own download imports again unchanged;
- text longer than a spreadsheet cell is refused at entry with the limit stated.
"""

import io
import re
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from common.text import MAX_TEXT, clean_text
from evalportal.export_formats import SafeCSV, SafeXLSX
from indicators.models import IndicatorActual, Return, ReturnNarrative
from reports.builders import KINDS, build
from reports.data import report_data
from reports.exports import fund_export
from reports.imports.base import dry_run
from reports.imports.returns import ReturnImporter
from reports.imports.templates_xlsx import (
    allocations_template,
    regions_template,
    return_workbook,
    targets_template,
)
from tests.scenarios import form_data
from transfers.models import Notice, Region
from transfers.resources import NoticeResource

pytestmark = pytest.mark.django_db

HOSTILE = "第一行\x0b第二行\x0c第三页\x01\x1f\ufffe\uffff结束"
CLEANED = "第一行\n第二行\n第三页结束"
FORMULAS = [
    '=HYPERLINK("http://example.invalid","点击查看")',
    "+1 原因",
    "-措施",
    "@SUM(1)",
    "\t制表",
    "\r回车",
]


def every_document(relief, county: Region):
    """Each document an office prints with this county's text: (name, bytes)."""
    province = Region.objects.get(code="650000")
    data = report_data(fund=relief, region=county)
    ret = Return.objects.get(fund=relief, region=county, period="year_end")
    yield "whole-fund export", fund_export(fund=relief, region=province)
    yield "offline workbook", return_workbook(ret)
    for kind in ("a", "b", "b_scored", "g"):
        for format in KINDS[kind].formats:
            yield f"{kind}.{format}", build(data, kind=kind, format=format)


# --- control characters -----------------------------------------------------------------------


def test_clean_text_normalises_breaks_and_drops_what_xml_cannot_hold():
    assert clean_text(HOSTILE) == CLEANED
    assert clean_text("制表\t与换行\r\n保留") == "制表\t与换行\n保留"


def test_a_control_character_typed_in_the_form_is_normalised_and_every_document_builds(
    client, clerk_yining, yining_return, relief
):
    client.force_login(clerk_yining)
    narrative = yining_return.narratives.order_by("pk").first()
    data = form_data(yining_return, save="1", goal_achievement=HOSTILE)
    data[f"narrative-{narrative.aspect}-description"] = HOSTILE
    response = client.post(reverse("indicators:edit", args=[yining_return.pk]), data)
    assert response.status_code == 302
    yining_return.refresh_from_db()
    assert yining_return.goal_achievement == CLEANED
    assert ReturnNarrative.objects.get(pk=narrative.pk).description == CLEANED
    for name, content in every_document(relief, clerk_yining.region):
        assert content[:2] == b"PK", name


def test_text_stored_before_the_door_existed_still_builds_every_document(yining_return, relief, clerk_yining):
    """Rows written before this check (or by a script) are cleaned by the writers."""
    Return.objects.filter(pk=yining_return.pk).update(goal_achievement=HOSTILE)
    ReturnNarrative.objects.filter(ret=yining_return).update(description=HOSTILE, problems=HOSTILE)
    IndicatorActual.objects.filter(ret=yining_return).update(reason=HOSTILE, measure=HOSTILE)
    for name, content in every_document(relief, clerk_yining.region):
        assert content[:2] == b"PK", name
        if name.endswith("xlsx") or "workbook" in name or "export" in name:
            texts = [
                c.value
                for ws in load_workbook(io.BytesIO(content)).worksheets
                for row in ws.iter_rows()
                for c in row
                if isinstance(c.value, str)
            ]
            assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", t) for t in texts), name


def with_xml_escape(content: bytes, marker: str, escape: str) -> bytes:
    """The workbook with ``marker`` replaced in its XML: by an escape such as _x000B_ (what
    Excel writes for a control character pasted into a cell), or by text openpyxl would cut."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith(".xml"):
                data = data.replace(marker.encode(), escape.encode())
            target.writestr(item, data)
    return out.getvalue()


def test_a_control_character_in_an_offline_workbook_is_normalised(yining_return, clerk_yining):
    wb = load_workbook(io.BytesIO(return_workbook(yining_return)))
    wb["资金管理情况"]["B2"] = "按因素法分配。XXVTXX资金及时下达。"
    buffer = io.BytesIO()
    wb.save(buffer)
    content = with_xml_escape(buffer.getvalue(), "XXVTXX", "_x000B_")
    # What Excel writes for Word's line break, and openpyxl reads as it is:
    assert "_x000B_" in load_workbook(io.BytesIO(content))["资金管理情况"]["B2"].value
    importer = ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return)
    plan = dry_run(importer, content=content, filename="r.xlsx")
    assert plan.errors == []
    typed = next(iter(importer.input.narratives.values()))["description"]
    assert typed == "按因素法分配。\n资金及时下达。"


# --- formulas ---------------------------------------------------------------------------------


def assert_no_live_formula(name: str, content: bytes, expected: list[str] | None = None) -> None:
    archive = zipfile.ZipFile(io.BytesIO(content))
    for part in archive.namelist():
        if part.startswith("xl/worksheets/sheet"):
            assert b"<f>" not in archive.read(part) and b"<f " not in archive.read(part), f"{name}: {part}"
    seen = []
    for ws in load_workbook(io.BytesIO(content)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{name}: {ws.title}!{cell.coordinate}"
                    seen.append(value)
    for text in expected or []:
        assert any(text.strip() in value for value in seen), f"{name} does not show {text!r}"


@pytest.fixture
def formula_texts(yining_return):
    goal, reason, measure, narrative, *_ = FORMULAS
    Return.objects.filter(pk=yining_return.pk).update(goal_achievement=goal)
    IndicatorActual.objects.filter(ret=yining_return).update(reason=reason, measure=measure)
    ReturnNarrative.objects.filter(ret=yining_return).update(description=narrative, problems=FORMULAS[4])
    indicator = yining_return.actuals.order_by("indicator__order").first().indicator
    indicator.target_text = "=100%"
    indicator.save(update_fields=["target_text"])
    yining_return.refresh_from_db()
    return yining_return


def test_formula_text_stays_text_in_every_workbook_the_portal_writes(formula_texts, relief, clerk_yining):
    county = clerk_yining.region
    data = report_data(fund=relief, region=county)
    # The 自评表 of the issue: =HYPERLINK typed as 总体目标完成情况 must not become a link.
    assert_no_live_formula("b.xlsx", build(data, kind="b", format="xlsx"), [FORMULAS[0]])
    for kind in ("a", "b_scored", "c", "d", "e"):
        assert_no_live_formula(f"{kind}.xlsx", build(data, kind=kind, format="xlsx"))
    province = Region.objects.get(code="650000")
    assert_no_live_formula("whole-fund export", fund_export(fund=relief, region=province), FORMULAS[:3])
    assert_no_live_formula("offline workbook", return_workbook(formula_texts), FORMULAS[:5])
    assert_no_live_formula("targets template", targets_template(relief, county), ["=100%"])
    assert_no_live_formula("allocations template", allocations_template(province, relief))
    assert_no_live_formula("regions template", regions_template(province))


def test_the_admin_export_keeps_formula_text_as_text():
    notice = Notice.objects.first()
    Notice.objects.filter(pk=notice.pk).update(title=FORMULAS[0] + "\x0b附件")
    dataset = NoticeResource().export(Notice.objects.filter(pk=notice.pk))
    content = SafeXLSX().export_data(dataset)
    assert_no_live_formula("admin export", content, [FORMULAS[0]])
    csv_text = SafeCSV().export_data(NoticeResource().export(Notice.objects.filter(pk=notice.pk)))
    assert "'=HYPERLINK" in csv_text and "\x0b" not in csv_text


def test_the_portals_own_download_with_formula_text_imports_unchanged(formula_texts, clerk_yining):
    actual = formula_texts.actuals.order_by("indicator__order")[1]
    actual.actual_text = "=5"  # typed like that by the clerk in the portal
    actual.save(update_fields=["actual_text"])
    importer = ReturnImporter(actor=clerk_yining, scope=formula_texts.region, ret=formula_texts)
    plan = dry_run(importer, content=return_workbook(formula_texts), filename="r.xlsx")
    assert plan.errors == [] and not plan.has_changes
    assert importer.input.actuals[actual.indicator_id]["actual_text"] == "=5"


def test_a_real_formula_in_an_offline_workbook_is_still_refused(yining_return, clerk_yining):
    wb = load_workbook(io.BytesIO(return_workbook(yining_return)))
    wb["总体目标"]["B2"] = "=1+1"  # typed into Excel: a formula cell
    buffer = io.BytesIO()
    wb.save(buffer)
    importer = ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return)
    plan = dry_run(importer, content=buffer.getvalue(), filename="r.xlsx")
    assert any("公式" in e.message for e in plan.errors)


# --- text longer than a spreadsheet cell ------------------------------------------------------


def test_text_longer_than_a_cell_is_refused_in_the_form_with_the_limit(client, clerk_yining, yining_return):
    client.force_login(clerk_yining)
    long_text = "长" * (MAX_TEXT + 1)
    response = client.post(
        reverse("indicators:edit", args=[yining_return.pk]),
        form_data(yining_return, save="1", goal_achievement=long_text),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"最多{MAX_TEXT}字" in page and f"现在有{MAX_TEXT + 1}字" in page
    assert long_text in page  # what was typed is kept
    yining_return.refresh_from_db()
    assert yining_return.goal_achievement == ""


def test_text_longer_than_a_cell_is_refused_by_the_import(yining_return, clerk_yining):
    wb = load_workbook(io.BytesIO(return_workbook(yining_return)))
    wb["资金管理情况"]["B2"] = "LONGTEXT"
    buffer = io.BytesIO()
    wb.save(buffer)  # openpyxl itself cuts text at 32,767 characters: write the XML
    content = with_xml_escape(buffer.getvalue(), "LONGTEXT", "长" * (MAX_TEXT + 1))
    importer = ReturnImporter(actor=clerk_yining, scope=yining_return.region, ret=yining_return)
    plan = dry_run(importer, content=content, filename="r.xlsx")
    assert any(f"最多{MAX_TEXT}字" in e.message for e in plan.errors)


def test_every_admin_export_uses_the_safe_formats():
    from django.contrib import admin

    from evalportal.export_formats import SafeCSV, SafeXLSX

    exporting = [a for a in admin.site._registry.values() if hasattr(a, "get_export_formats")]
    assert exporting
    for model_admin in exporting:
        formats = model_admin.get_export_formats()
        assert formats and all(issubclass(f, SafeXLSX | SafeCSV) for f in formats), type(model_admin)


def test_a_review_comment_longer_than_a_cell_is_refused(client, yining_return, clerk_yining, reviewer_yili):
    from indicators.services import return_submit

    client.force_login(clerk_yining)
    client.post(reverse("indicators:edit", args=[yining_return.pk]), form_data(yining_return, save="1"))
    yining_return.refresh_from_db()
    return_submit(ret=yining_return, actor=clerk_yining, acknowledge_warnings=True)
    client.force_login(reviewer_yili)
    actual = yining_return.actuals.first()
    for data in (
        {"comment": "长" * (MAX_TEXT + 1)},
        {"reason": "请补充", f"comment-{actual.pk}": "长" * (MAX_TEXT + 1)},
    ):
        url = "indicators:approve" if "reason" not in data else "indicators:send_back"
        response = client.post(reverse(url, args=[yining_return.pk]), data, follow=True)
        assert f"最多{MAX_TEXT}字" in response.content.decode()
        yining_return.refresh_from_db()
        assert yining_return.status == Return.Status.SUBMITTED
