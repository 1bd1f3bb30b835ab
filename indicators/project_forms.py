"""The form of a project's own target table: which indicators of the table above it keeps,
which of its own it drops, new ones of its own, and its 年度总体目标."""

from django import forms

from common.forms import BootstrapFormMixin
from indicators import rules
from indicators.models import LEVEL2_BY_LEVEL1, IndicatorTarget, Level1
from indicators.services import OwnIndicator

NEW_ROWS = 3


class ProjectTableForm(BootstrapFormMixin, forms.Form):
    goals = forms.CharField(
        label="年度总体目标",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每条目标一行，保留原编号，如 1.建成县域养老服务体系。",
    )

    def __init__(
        self, *args, parents: list[IndicatorTarget], current: list[IndicatorTarget], goals: str, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.parents = parents
        kept = {i.parent_indicator_id for i in current if i.parent_indicator_id}
        self.own = [i for i in current if not i.parent_indicator_id]
        self.fields["goals"].initial = goals
        for parent in parents:
            self.fields[f"keep_{parent.pk}"] = forms.BooleanField(
                label=parent.name, required=False, initial=parent.pk in kept or not current
            )
        for indicator in self.own:
            self.fields[f"drop_{indicator.pk}"] = forms.BooleanField(
                label=f"删除“{indicator.name}”", required=False
            )
        level1 = [("", "一级指标")] + [(value, value) for value in LEVEL2_BY_LEVEL1]
        level2 = [("", "二级指标")] + [(name, name) for names in LEVEL2_BY_LEVEL1.values() for name in names]
        for row in range(NEW_ROWS):
            self.fields[f"new_{row}_level1"] = forms.ChoiceField(
                label="一级指标", choices=level1, required=False
            )
            self.fields[f"new_{row}_level2"] = forms.ChoiceField(
                label="二级指标", choices=level2, required=False
            )
            self.fields[f"new_{row}_name"] = forms.CharField(label="三级指标", max_length=300, required=False)
            self.fields[f"new_{row}_target"] = forms.CharField(label="指标值", max_length=100, required=False)
        self._style_widgets()

    def parent_rows(self):
        return [(parent, self[f"keep_{parent.pk}"]) for parent in self.parents]

    def own_rows(self):
        return [(indicator, self[f"drop_{indicator.pk}"]) for indicator in self.own]

    def new_rows(self):
        return [
            [self[f"new_{row}_{part}"] for part in ("level1", "level2", "name", "target")]
            for row in range(NEW_ROWS)
        ]

    def clean(self):
        data = super().clean()
        added = []
        for row in range(NEW_ROWS):
            names = [f"new_{row}_{part}" for part in ("level1", "level2", "name", "target")]
            level1, level2, name, target = (data.get(n, "").strip() for n in names)
            if not any((level1, level2, name, target)):
                continue
            for field, value, what in zip(
                names,
                (level1, level2, name, target),
                ("一级指标", "二级指标", "三级指标名称", "指标值"),
                strict=True,
            ):
                if not value:
                    self.add_error(field, f"请填写{what}。")
            if level1 and level2 and level2 not in LEVEL2_BY_LEVEL1.get(Level1(level1), []):
                self.add_error(f"new_{row}_level2", f"“{level2}”不是{level1}下的二级指标。")
            if target:
                try:
                    rules.parse_target(target)
                except rules.TargetParseError as exc:
                    self.add_error(f"new_{row}_target", str(exc))
            if all((level1, level2, name, target)):
                added.append(OwnIndicator(level1, level2, name, target))
        data["keep"] = {p.pk for p in self.parents if data.get(f"keep_{p.pk}")}
        data["remove_own"] = {i.pk for i in self.own if data.get(f"drop_{i.pk}")}
        data["add"] = added
        if not data["keep"] and len(data["remove_own"]) == len(self.own) and not added:
            raise forms.ValidationError("项目的目标表至少要有一项指标。")
        return data
