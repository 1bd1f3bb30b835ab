"""Choosing a region in a form: one text box that takes a code or a name, and shows the path.

At 3,000 counties a ``<select>`` is a 700 KB page in which 天山区 seems to sit under 和田地区.
``RegionField`` is a text box instead: the person types a code (654002), a full, short or old
name (伊宁市, 伊犁州, 库车县) and the field resolves it within the form's queryset, with a
Chinese error when it matches nothing or more than one region. The value shown is the region's
path with its code (新疆 › 伊犁州 › 伊宁市（654002）), which the field reads back.

``static/js/region-picker.js`` adds suggestions as one types (the search of
``evalportal.views.region_search``, within the same scope); without script the box still works.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from transfers.models import Region
from transfers.names import RegionIndex, RegionNameError

PATH_SEPARATOR = " › "
TRAILING_CODE = re.compile(r"[（(]\s*(\d{6}(?:-\d{2})?)\s*[）)]\s*$")


def region_path(region: Region) -> str:
    """新疆 › 伊犁州 › 伊宁市: the short names from the province down (needs parent__parent)."""
    names = []
    node = region
    while node is not None:
        names.append(node.display_name)
        node = node.parent
    return PATH_SEPARATOR.join(reversed(names))


def region_label(region: Region) -> str:
    """What the box shows for a chosen region, and reads back: the path and the code."""
    return f"{region_path(region)}（{region.code}）"


class RegionPicker(forms.TextInput):
    """The text box, marked for region-picker.js; ``purpose`` names the scope of the search."""

    template_name = "transfers/widgets/region_picker.html"

    def __init__(self, *, purpose: str, attrs=None):
        self.purpose = purpose
        super().__init__(attrs={"class": "form-control", "autocomplete": "off", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"].update(
            {
                "data-region-picker": reverse("region_search"),
                "data-purpose": self.purpose,
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": f"{widget['attrs'].get('id', name)}_options",
                "placeholder": "输入代码或名称，如 654002、伊宁市、伊犁州",
            }
        )
        widget["listbox_id"] = f"{widget['attrs'].get('id', name)}_options"
        return context


class RegionField(forms.Field):
    """A region of ``queryset``, typed as a code, a name or the label the box shows."""

    default_error_messages = {
        "required": "请选择地区或单位。",
    }

    def __init__(self, *, purpose: str, queryset: QuerySet[Region] | None = None, **kwargs):
        kwargs.setdefault("widget", RegionPicker(purpose=purpose))
        super().__init__(**kwargs)
        self.queryset = queryset if queryset is not None else Region.objects.none()

    def prepare_value(self, value):
        if isinstance(value, Region):
            return region_label(value)
        if isinstance(value, int):
            region = self._scope().filter(pk=value).first()
            return region_label(region) if region else ""
        if isinstance(value, str) and value.strip():
            # What was typed, shown again after an error elsewhere in the form: as its label
            # when it names a region of the scope, else exactly as typed.
            try:
                return region_label(self.to_python(value))
            except forms.ValidationError:
                return value
        return value

    def to_python(self, value):
        if isinstance(value, Region):
            return value
        if isinstance(value, int):  # an initial value given as a key (a disabled field)
            return self._scope().filter(pk=value).first()
        text = (value or "").strip()
        if not text:
            return None
        if match := TRAILING_CODE.search(text):
            text = match.group(1)
        region = self._scope().filter(code=text).first()
        if region is not None:
            return region
        if PATH_SEPARATOR.strip() in text:  # a path typed or pasted without its code
            text = text.rsplit(PATH_SEPARATOR.strip(), 1)[1].strip()
        try:
            return RegionIndex.build(self._scope().prefetch_related("aliases")).resolve(text)
        except RegionNameError as exc:
            raise forms.ValidationError(str(exc)) from None

    def _scope(self) -> QuerySet[Region]:
        return self.queryset.select_related("parent__parent")
