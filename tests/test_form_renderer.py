"""The portal's form renderer prints what Django's widget templates print: every box of every
form goes through it, so a difference of one attribute would reach every page."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from common.form_renderer import PortalFormRenderer

DJANGO = DjangoTemplates()
PORTAL = PortalFormRenderer()

VALUES = [
    None,
    "",
    "0",
    "1234.50",
    Decimal("2.4720"),
    0,
    7,
    "a <b> & \"c\" 'd'",
    "第1行\n第2行\n",
    "  两端空格  ",
]
ATTRS = [
    {},
    {"class": "form-control form-control-sm text-end money-spent", "min": "0", "step": "0.0001"},
    {"required": True, "disabled": True, "readonly": False, "aria-describedby": "denominator-help"},
    {"title": 'say "不" & <go>', "data-x": mark_safe("<safe>"), "rows": 3},
]
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.HiddenInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.URLInput,
    forms.Textarea,
    forms.CheckboxInput,
    forms.DateInput,
]


@pytest.mark.parametrize("widget_class", WIDGETS, ids=lambda w: w.__name__)
def test_each_widget_prints_as_django_s_own_template_prints_it(widget_class):
    for attrs in ATTRS:
        for value in [*VALUES, date(2025, 3, 31)] if widget_class is forms.DateInput else VALUES:
            widget = widget_class(attrs=dict(attrs))
            ours = widget.render(
                "actual-12-reason", value, attrs={"id": "id_actual-12-reason"}, renderer=PORTAL
            )
            theirs = widget.render(
                "actual-12-reason", value, attrs={"id": "id_actual-12-reason"}, renderer=DJANGO
            )
            assert ours == theirs, (widget_class.__name__, attrs, value)


def test_a_checked_box_and_a_select_print_as_django_prints_them():
    box = forms.CheckboxInput()
    assert box.render("acknowledge", True, renderer=PORTAL) == box.render(
        "acknowledge", True, renderer=DJANGO
    )
    assert "checked" in box.render("acknowledge", True, renderer=PORTAL)
    select = forms.Select(choices=[("", "（全部）"), ("draft", "填报中"), ("a&b", "<甲>")])
    # A select is not written by the portal: Django's template prints it, the same either way.
    assert select.render("status", "draft", renderer=PORTAL) == select.render(
        "status", "draft", renderer=DJANGO
    )


def test_an_error_list_prints_as_django_prints_it_empty_or_not():
    from django.forms.utils import ErrorDict, ErrorList

    for errors in (
        ErrorList(),
        ErrorList(["金额应为数字。", "<b>不能</b>为负数。"]),
        ErrorList([], field_id="id_x"),
    ):
        for method in ("render", "as_ul", "as_text"):
            if method == "render":
                ours, theirs = errors.render(renderer=PORTAL), errors.render(renderer=DJANGO)
            else:
                errors.renderer = PORTAL
                ours = getattr(errors, method)()
                errors.renderer = DJANGO
                theirs = getattr(errors, method)()
            assert ours == theirs, (list(errors), method)
    assert (
        ErrorList(["金额应为数字。"]).render(renderer=PORTAL)
        == '<ul class="errorlist"><li>金额应为数字。</li></ul>'
    )
    for errors in (ErrorDict(), ErrorDict({"due_on": ErrorList(["请填写日期。"])})):
        assert errors.render(renderer=PORTAL) == errors.render(renderer=DJANGO)


def test_the_portal_s_forms_use_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "common.form_renderer.PortalFormRenderer"
    assert isinstance(get_default_renderer(), PortalFormRenderer)
