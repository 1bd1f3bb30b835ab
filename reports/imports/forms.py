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


def central_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="这是中央下达的目标表",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text="仅本省（区）：财政部随资金通知下达的区域绩效目标表。"
        "不勾选即为本省（区）分解下达全区的目标表，或所选下级地区的目标表。",
    )


def clean_central(form) -> None:
    """The central table belongs to the fund's province, nowhere else."""
    data = form.cleaned_data
    fund, region = data.get("fund"), data.get("region")
    if data.get("central") and fund is not None and region is not None and region.pk != fund.region_id:
        form.add_error(
            "central", f"中央下达的目标表只属于{fund.region.name}：请选择{fund.region.name}，或取消勾选。"
        )


class TargetUploadForm(UploadForm):
    fund = forms.ModelChoiceField(label="资金", queryset=None, widget=forms.Select(attrs=SELECT))
    region = RegionField(label="目标表所属地区/单位", purpose="targets")
    central = central_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        self.fields["region"].queryset = target_regions_for_user(self.user)

    def clean(self):
        data = super().clean()
        clean_central(self)
        return data


PASTE_MAX_CHARS = 200_000  # a notice's whole 附件3 (15 tables) is about 30,000


class TargetPasteForm(forms.Form):
    """A target table pasted as text, or the notice's Word document that holds it."""

    fund = forms.ModelChoiceField(label="资金", queryset=None, widget=forms.Select(attrs=SELECT))
    region = RegionField(
        label="目标表所属地区/单位",
        purpose="targets",
        help_text="选本省（区）即中央下达的目标表或本省（区）分解的全区目标表；也可选下级地区。",
    )
    central = central_field()
    text = forms.CharField(
        label="粘贴目标表",
        required=False,
        strip=False,  # the tabs at the start of a line are cells
        max_length=PASTE_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"class": "form-control font-monospace small", "rows": 16, "wrap": "off"}
        ),
        help_text="从Word或Excel中选中整张目标表（含表头）复制，粘贴到这里。",
    )
    file = forms.FileField(
        label="或上传通知（Word .docx）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".docx"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds_for_user(self.user)
        self.fields["region"].queryset = target_regions_for_user(self.user)
        limit = describe_size(max_bytes())
        self.fields["file"].help_text = f"不超过{limit}；文件中有多张目标表时，取写明属于所选地区的一张。"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > max_bytes():
            raise forms.ValidationError(
                f"文件大小为{describe_size(upload.size)}，超过上限{describe_size(max_bytes())}。"
            )
        return upload

    def clean(self):
        data = super().clean()
        text, upload = data.get("text") or "", data.get("file")
        if not text.strip() and not upload and "text" not in self.errors and "file" not in self.errors:
            raise forms.ValidationError("请粘贴目标表，或上传含目标表的Word文件。")
        if text.strip() and upload:
            raise forms.ValidationError("请只用一种方式：粘贴目标表，或上传Word文件，不要同时提供。")
        clean_central(self)
        return data

    def content(self) -> tuple[bytes, str]:
        """What the import reads and the record keeps: the text as UTF-8, or the file."""
        upload = self.cleaned_data.get("file")
        if upload:
            return upload.read(), upload.name
        region = self.cleaned_data["region"]
        return self.cleaned_data["text"].encode("utf-8"), f"粘贴的目标表_{region.display_name}.txt"
