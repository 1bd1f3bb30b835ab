"""The forms of the spot re-check page (抽查复核): a draw, an assignment, a finding. The page
holds one assignment and one finding form per drawn return, so each carries a prefix of its
check and the form that failed is shown again with what was typed."""

from decimal import Decimal

from django import forms

from common.forms import BootstrapFormMixin
from common.text import MAX_TEXT
from indicators.models import SpotCheck
from indicators.rules.sampling import DEFAULT_SHARE


class DrawForm(BootstrapFormMixin, forms.Form):
    percent = forms.DecimalField(
        label="抽查比例（%）",
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        initial=DEFAULT_SHARE * 100,
        help_text="按比例向上取整，至少抽取1份。",
    )
    seed = forms.CharField(
        label="随机种子",
        required=False,
        max_length=64,
        help_text="留空时由系统随机生成并记录；填写以往的种子可重现当时的抽取。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()

    @property
    def share(self) -> Decimal:
        return self.cleaned_data["percent"] / 100


class AssignForm(BootstrapFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(label="复核人", queryset=None, required=False, empty_label="（未分派）")

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].label_from_instance = lambda user: user.display_name or user.username
        self._style_widgets()


class FindingForm(BootstrapFormMixin, forms.Form):
    finding = forms.ChoiceField(
        label="复核结论",
        choices=[("", "请选择"), *[(f.value, f.label) for f in SpotCheck.Finding if f.value]],
    )
    text = forms.CharField(
        label="复核意见",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="需整改时必填：写明要整改的问题，填报将按此原因重新打开。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
