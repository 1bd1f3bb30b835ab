"""What every form of the portal shares."""

from django import forms
from django.core.exceptions import ValidationError


class BootstrapFormMixin:
    """Give widgets Bootstrap's classes, and mark the fields that have errors."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else {}
            if "class" in attrs and "is-invalid" not in attrs["class"]:
                attrs["class"] += " is-invalid"

    def _style_widgets(self):
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = css


def errors_into(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form it came from: a reason about one field beside it,
    any other above the form."""
    if not hasattr(exc, "error_dict"):  # a reason about the whole form
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)
