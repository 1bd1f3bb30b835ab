from django import forms

from common.forms import BootstrapFormMixin
from common.text import MAX_TEXT, MAX_TEXT_MESSAGE
from reports.builders import FORMATS, KINDS, KindError, check_kind
from reports.data.sections import TEXT_FIELDS
from reports.models import ReportText
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


TEXT_BOX = {"rows": 3}
# Help shown under each text: where it is printed in report A (and G).
WHERE = {
    "launch_notice": "印在开篇“为贯彻落实……根据”之后，如《财政部关于开展2024年度中央对地方转移支付"
    "预算执行情况绩效自评工作的通知》（财监〔2025〕1号）。",
    "arrived": "二（一）1：实际到位的资金（万元，可精确到元即4位小数）。到位率由系统按下达的预算资金计算，无需填写。",
    "arrival_note": "二（一）1：到位情况需要说明时填写，印在到位数之后。",
    "split_preamble": "一（二）2：印在向下分解的区域绩效目标表之前，后接“根据《文件》，绩效目标详见下表：”。",
    "split_notice": "一（二）2：分解下达绩效目标所依据的文件，含书名号和文号。",
    "overall_goals": "二（三）：需要在分析前列出年初设定的总体目标时填写。",
    "goals_achieved": "二（三）：总体目标的完成情况；留空时使用本级自评填报中的“总体目标完成情况”。",
    "shortfalls": "三（二）a：项目实施过程中存在的不足。各项未完成指标的改进措施由系统从自评填报中列出，无需重复。",
    "measures": "三（二）b：下一步工作实施改进措施（总体）。",
    "application": "四（一）：绩效自评结果的应用。",
    "website": "四（二）：自评结果公开的网站，如 自治区民政厅、自治区财政厅门户网站。",
    "publication": "四（二）：整句公开情况；留空时按上面的网站生成。",
    "other_matters": "五：其他需要说明的问题。",
}
ONE_LINE = {"launch_notice", "split_notice", "website"}


class ReportTextForm(BootstrapFormMixin, forms.Form):
    """The 报告文字 page: every text of reports.models.ReportText and the 到位 amount.

    A blank text prints the default, which the box shows greyed (its placeholder); what was
    typed stays in the boxes when the form is shown again with an error.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    arrived = forms.DecimalField(
        label="资金到位数（万元）",
        required=False,
        max_digits=16,
        decimal_places=4,
        min_value=0,
        error_messages={
            "invalid": "资金到位数请填写数字（万元），如 27.67，不要带“万元”或逗号。",
            "min_value": "资金到位数不能为负数。",
            "max_decimal_places": "资金到位数最多保留4位小数（万元的4位小数即到元）。",
            "max_digits": "资金到位数过大，请检查单位是否为万元。",
            "max_whole_digits": "资金到位数过大，请检查单位是否为万元。",
        },
    )

    def __init__(self, *args, row: ReportText | None, defaults: dict[str, str], read_only: bool, **kwargs):
        initial = {"base_version": row.version if row else 0}
        if row is not None:
            initial |= {name: getattr(row, name) for name in (*TEXT_FIELDS, "arrived")}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for name in TEXT_FIELDS:
            model_field = ReportText._meta.get_field(name)
            one_line = name in ONE_LINE
            self.fields[name] = forms.CharField(
                label=str(model_field.verbose_name),
                required=False,
                max_length=model_field.max_length if one_line else MAX_TEXT,
                widget=forms.TextInput if one_line else forms.Textarea(attrs=TEXT_BOX),
                error_messages={
                    "max_length": MAX_TEXT_MESSAGE
                    if not one_line
                    else f"{model_field.verbose_name}最多%(limit_value)d字，现在有%(show_value)d字。"
                },
            )
            if defaults.get(name):
                self.fields[name].widget.attrs["placeholder"] = defaults[name]
        for name, field in self.fields.items():
            field.help_text = WHERE.get(name, "")
            field.disabled = read_only or field.disabled
        self._style_widgets()

    def values(self) -> dict:
        """What report_text_save takes: the texts and the 到位 amount."""
        return {name: self.cleaned_data[name] for name in (*TEXT_FIELDS, "arrived")}

    def sections(self):
        """The fields in report order, grouped by the section they are printed in."""
        groups = [
            ("开篇", ["launch_notice"]),
            ("一（二）本级分解下达绩效目标", ["split_preamble", "split_notice"]),
            ("二（一）1 项目资金到位情况", ["arrived", "arrival_note"]),
            ("二（三）总体绩效目标完成情况", ["overall_goals", "goals_achieved"]),
            ("三（二）下一步改进措施", ["shortfalls", "measures"]),
            ("四、绩效自评结果拟应用和公开情况", ["application", "website", "publication"]),
            ("五、其他需要说明的问题", ["other_matters"]),
        ]
        return [(title, [self[name] for name in names]) for title, names in groups]
