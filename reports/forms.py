from django import forms

from reports.builders import FORMATS, KINDS, KindError, check_kind
from transfers.forms import RegionField
from transfers.selectors import regions_for_user


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="文档类型", choices=[(k.code, k.label) for k in KINDS.values()])
    format = forms.ChoiceField(label="格式", choices=list(FORMATS.items()))
    region = RegionField(label="地区", purpose="reports")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kind", "format"):
            self.fields[name].widget.attrs["class"] = "form-select"
        # Only the regions the person may see; the box starts with their own.
        self.fields["region"].queryset = regions_for_user(user)
        self.fields["region"].initial = user.region

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("format"):
            try:
                check_kind(cleaned["kind"], cleaned["format"])
            except KindError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned
