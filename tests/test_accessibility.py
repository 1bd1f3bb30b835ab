"""Accessibility: every input of the return form is labelled, the navbar is readable, and the
figures that change while typing (rates) or waiting (job progress) are announced."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import html

from indicators.services import return_open
from transfers.models import Fund

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def unlabelled_inputs(page: str) -> list[str]:
    tree = html.fromstring(page)
    form = tree.get_element_by_id("return-form")
    labels = {label.get("for") for label in form.iter("label") if label.get("for")}
    missing = []
    for element in form.iter("input", "select", "textarea"):
        if element.get("type") in ("hidden", "submit", "button"):
            continue
        named = (
            element.get("id") in labels
            or element.get("aria-label")
            or element.get("aria-labelledby")
            or any(parent.tag == "label" for parent in element.iterancestors())
        )
        if not named:
            missing.append(element.get("name"))
    return missing


@pytest.mark.parametrize("period", ["year_end", "mid_year"])  # the 自评 form; the 运行监控 form
@pytest.mark.parametrize(
    "username", ["clerk_yining", "reviewer_yili"]
)  # a county; a prefecture with its roll-up
def test_every_input_of_the_return_form_has_a_label(client, username, period, django_user_model):
    user = django_user_model.objects.get(username=username)
    fund = Fund.objects.get(code="xj-2024-relief")
    ret = return_open(fund=fund, region=user.region, actor=user, period=period)
    client.force_login(user)
    page = client.get(reverse("indicators:edit", args=[ret.pk])).content.decode()
    assert "return-form" in page
    assert unlabelled_inputs(page) == []


def test_rates_typed_into_the_form_are_announced(client, clerk_yining):
    ret = return_open(
        fund=Fund.objects.get(code="xj-2024-relief"), region=clerk_yining.region, actor=clerk_yining
    )
    client.force_login(clerk_yining)
    tree = html.fromstring(client.get(reverse("indicators:edit", args=[ret.pk])).content.decode())
    cells = tree.find_class("execution-rate") + tree.find_class("indicator-rate")
    assert cells and all(cell.get("aria-live") == "polite" for cell in cells)


def test_lights_typed_into_the_monitoring_form_are_announced(client, clerk_yining):
    fund = Fund.objects.get(code="xj-2024-relief")
    ret = return_open(fund=fund, region=clerk_yining.region, actor=clerk_yining, period="mid_year")
    client.force_login(clerk_yining)
    tree = html.fromstring(client.get(reverse("indicators:edit", args=[ret.pk])).content.decode())
    cells = (
        tree.find_class("execution-rate")
        + tree.find_class("forecast-rate")
        + tree.find_class("monitoring-light")
    )
    assert len(tree.find_class("monitoring-light")) == 14  # one per indicator of 伊宁市's table
    assert all(cell.get("aria-live") == "polite" for cell in cells)


def _luminance(rgb):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b):
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_navbar_links_meet_wcag_aa_contrast():
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    background = re.search(r"\.bg-portal \{ background: #([0-9a-f]{6})", css).group(1)
    bg = tuple(int(background[i : i + 2], 16) for i in (0, 2, 4))
    alpha = float(re.search(r"--bs-navbar-color: rgba\(255, 255, 255, ([0-9.]+)\)", css).group(1))
    link = tuple(round(255 * alpha + c * (1 - alpha)) for c in bg)  # white at alpha over the red
    assert _contrast(link, bg) >= 4.5
