"""Upload forms. Choices come from the person's own region (no second way in)."""

from django import forms

from reports.imports.base import describe_size, max_bytes
from transfers.models import MoneySource, Notice, Region
from transfers.selectors import funds_for_user, regions_for_user

SELECT = {"class": "form-select"}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"Excel（.xlsx）文件，不超过{describe_size(max_bytes())}。"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading: a file over the limit is never loaded or stored.
        if upload.size > max_bytes():
            raise forms.ValidationError(
                f"文件大小为{describe_size(upload.size)}，超过上限{describe_size(max_bytes())}，请拆分后导入。"
            )
        return upload


class RegionUploadForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += "也可上传UTF-8或GBK编码的CSV文件。"


class AllocationUploadForm(UploadForm):
    fund = forms.ModelChoiceField(label="资金", queryset=None, widget=forms.Select(attrs=SELECT))
    batch_notice = forms.ModelChoiceField(
        label="本次下达文件",
        queryset=Notice.objects.order_by("-issued_on", "number"),
        required=False,
        empty_label="沿用本资金已有的本级本次下达文件",
        widget=forms.Select(attrs=SELECT),
    )
    advance_notice = forms.ModelChoiceField(
        label="提前下达文件",
        queryset=Notice.objects.order_by("-issued_on", "number"),
        required=False,
        empty_label="沿用本资金已有的本级提前下达文件",
        widget=forms.Select(attrs=SELECT),
    )
    source = forms.ChoiceField(
        label="资金来源",
        choices=MoneySource.choices,
        initial=MoneySource.CENTRAL,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        self.fields["file"].help_text += "也可上传UTF-8或GBK编码的CSV文件。"


class TargetUploadForm(UploadForm):
    fund = forms.ModelChoiceField(label="资金", queryset=None, widget=forms.Select(attrs=SELECT))
    region = forms.ModelChoiceField(
        label="目标表所属地区/单位", queryset=None, widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        regions = regions_for_user(self.user).order_by("level", "order", "code")
        if self.user.region_id and self.user.region.level != Region.Level.PROVINCE:
            regions = regions.exclude(pk=self.user.region_id)  # a reviewer sets the tables below
        self.fields["region"].queryset = regions
