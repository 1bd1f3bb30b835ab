"""Upload forms. Choices come from the person's own region (no second way in)."""

from django import forms
from django.db.models import QuerySet

from reports.imports.base import describe_size, max_bytes
from transfers.forms import RegionField
from transfers.models import ALLOCATED_SOURCES, MoneySource, Notice, Region
from transfers.selectors import funds_for_user, notices_for_user, regions_for_user

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
        queryset=Notice.objects.none(),
        required=False,
        empty_label="沿用本资金已有的本级本次下达文件",
        widget=forms.Select(attrs=SELECT),
    )
    advance_notice = forms.ModelChoiceField(
        label="提前下达文件",
        queryset=Notice.objects.none(),
        required=False,
        empty_label="沿用本资金已有的本级提前下达文件",
        widget=forms.Select(attrs=SELECT),
    )
    source = forms.ChoiceField(
        label="资金来源",
        # Only money that comes down by allocation (市县配套 and 其他 are stated in the returns).
        choices=[(value, label) for value, label in MoneySource.choices if value in ALLOCATED_SOURCES],
        initial=MoneySource.CENTRAL,
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        # The notices of the person's own province only (each province keeps its own).
        notices = notices_for_user(self.user).order_by("-issued_on", "number")
        self.fields["batch_notice"].queryset = notices
        self.fields["advance_notice"].queryset = notices
        self.fields["file"].help_text += "也可上传UTF-8或GBK编码的CSV文件。"


def target_regions_for_user(user) -> QuerySet[Region]:
    """The regions whose target tables a person may upload: a province sets any table of its
    tree, a prefecture those below it (its own comes from the province)."""
    regions = regions_for_user(user)
    if user.region_id and user.region.level != Region.Level.PROVINCE:
        regions = regions.exclude(pk=user.region_id)
    return regions


class TargetUploadForm(UploadForm):
    fund = forms.ModelChoiceField(label="资金", queryset=None, widget=forms.Select(attrs=SELECT))
    region = RegionField(label="目标表所属地区/单位", purpose="targets")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        self.fields["region"].queryset = target_regions_for_user(self.user)
