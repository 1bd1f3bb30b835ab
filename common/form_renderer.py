"""The form renderer: Django's own widget templates, with the two every form is made of (an
``<input>`` and a ``<textarea>``) written out in Python.

A return's form has some 120 boxes (five per indicator, two per aspect, the money lines), and
Django renders each through three templates (text.html → input.html → attrs.html): a third of
the page's time went there, and as much again in printing each box's empty error list through
two more. ``PortalFormRenderer`` writes the same markup for the templates that are only
``input.html`` or ``textarea.html``, prints nothing for an empty error list, and hands every
other template (a select, a radio list, a project's own widget template, a list of errors) to
the template engine. tests/test_form_renderer.py holds
each of them to what Django's templates print, for the values and attributes forms pass.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

# Django's widget templates that are exactly {% include "django/forms/widgets/input.html" %}.
_INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "text",
        "number",
        "hidden",
        "email",
        "password",
        "url",
        "tel",
        "search",
        "date",
        "datetime",
        "time",
        "color",
        "checkbox",
    )
)
_TEXTAREA = "django/forms/widgets/textarea.html"
# A field's error list, which every box prints (``{{ field.errors }}``) and which is almost
# always empty: Django's templates print nothing for an empty list, through two of them.
_ERROR_LISTS = frozenset(
    f"django/forms/errors/{kind}/{name}"
    for kind in ("list", "dict")
    for name in ("default.html", "ul.html", "text.txt")
)


def _as_s(value) -> str:
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless it is marked safe."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict) -> str:
    """attrs.html: `` name="value"`` each, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{_as_s(value)}"'
        )
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_as_s(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    )


class PortalFormRenderer(DjangoTemplates):
    """Django's template renderer, but an input or a text area is written without a template."""

    def render(self, template_name, context, request=None):
        if template_name in _ERROR_LISTS and not context.get("errors"):
            return ""
        if template_name in _INPUTS:
            return _input(context["widget"])
        if template_name == _TEXTAREA:
            return _textarea(context["widget"])
        return super().render(template_name, context, request=request)
