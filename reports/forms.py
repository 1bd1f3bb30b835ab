from django import forms

from reports.builders import FORMATS, KINDS, KindError, check_kind
from transfers.models import Region
from transfers.selectors import regions_for_user

INDENT = {Region.Level.PROVINCE: "", Region.Level.PREFECTURE: "　", Region.Level.COUNTY: "　　"}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return f"{INDENT.get(region.level, '')}{region.name}"


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="文档类型", choices=[(k.code, k.label) for k in KINDS.values()])
    format = forms.ChoiceField(label="格式", choices=list(FORMATS.items()))
    region = RegionChoiceField(label="地区", queryset=Region.objects.none(), to_field_name="code")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
        # Only the regions the person may see; the list starts from their own.
        self.fields["region"].queryset = regions_for_user(user).order_by("level", "order", "code")
        self.fields["region"].initial = user.region.code if user.region_id else None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("format"):
            try:
                check_kind(cleaned["kind"], cleaned["format"])
            except KindError as exc:
                raise forms.ValidationError(str(exc)) from None
        return cleaned
