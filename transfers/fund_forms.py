"""The forms of the fund setup pages: a fund and the notices of one province.

Each form only reads and checks what was typed; the views hand the cleaned values to
``transfers.services`` (``fund_save``, ``notice_save``, ``notice_edit``), which write and audit.
"""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.db.models import QuerySet

from common.forms import BootstrapFormMixin
from transfers.forms import RegionField
from transfers.models import (
    ALLOCATED_SOURCES,
    Allocation,
    CentralFund,
    Fund,
    MoneySource,
    Notice,
    Project,
    Region,
)

RESERVED_CODES = {"new", "notices"}  # the setup pages' own paths under /funds/

FULL_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
MONTH_ONLY = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")
DATE_HELP = "如 2024年12月5日 或 2024-12-05；文件只写到月时填 2024年12月。"


def parse_issued(text: str) -> tuple[date | None, bool]:
    """(date, month only) of a notice's date as offices write it; ValueError with the reason."""
    text = "".join(text.split())
    if not text:
        return None, False
    if match := FULL_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
        month_only = False
    elif match := MONTH_ONLY.match(text):
        (year, month), day = (int(part) for part in match.groups()), 1
        month_only = True
    else:
        raise ValueError(f"看不懂日期“{text}”。{DATE_HELP}")
    try:
        return date(year, month, day), month_only
    except ValueError:
        raise ValueError(f"没有“{text}”这一天。") from None


class NoticeDateField(forms.CharField):
    """A date that may be a month only: cleans to (date | None, month_only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_issued(text or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class FundForm(BootstrapFormMixin, forms.Form):
    code = forms.SlugField(
        label="资金代码",
        max_length=40,
        help_text="在文件名和网址中使用，登记后不能修改：小写字母、数字和连字符，如 gs-2025-elderly（省份-年度-资金）。",
        error_messages={"invalid": "资金代码只能由小写字母、数字和连字符组成。"},
    )
    name = forms.CharField(label="资金名称", max_length=200, help_text="如 中央财政困难群众救助补助资金。")
    direction = forms.CharField(
        label="支持方向",
        max_length=200,
        required=False,
        help_text="如 支持困难失能老年人等群体基本养老服务救助方向。",
    )
    batch = forms.CharField(
        label="批次", max_length=50, required=False, help_text="如 第二批；只有一批时留空。"
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={"min_value": "年度应在2000至2100之间。", "max_value": "年度应在2000至2100之间。"},
    )
    central_department = forms.CharField(
        label="中央主管部门", max_length=100, required=False, help_text="如 民政部。"
    )
    finance_department = forms.CharField(
        label="省级财政部门", max_length=100, required=False, help_text="如 甘肃省财政厅。"
    )
    line_department = forms.CharField(
        label="省级主管部门", max_length=100, required=False, help_text="如 甘肃省民政厅。"
    )
    central = forms.ModelChoiceField(
        label="对应的中央资金",
        queryset=CentralFund.objects.all(),  # the latest year first
        required=False,
        empty_label="（不对应）",
        help_text="本省的这项资金是哪一项中央转移支付资金的分配：中央主管部门据此汇总各省的执行情况。",
    )

    def __init__(self, *args, province: Region, fund: Fund | None = None, **kwargs):
        self.fund = fund
        if fund is not None:
            kwargs.setdefault("initial", {name: getattr(fund, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.fields["finance_department"].help_text = f"如 {province.name}财政厅。"
        self.fields["line_department"].help_text = f"如 {province.name}民政厅。"
        if fund is not None:  # the code names the fund's files and addresses
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "资金代码登记后不能修改。"
        self._style_widgets()

    def clean_code(self):
        code = self.cleaned_data["code"]
        if self.fund is None:
            if code in RESERVED_CODES:
                raise forms.ValidationError(f"“{code}”是系统保留的名称，请换一个代码。")
            if Fund.objects.filter(code=code).exists():
                raise forms.ValidationError(f"资金代码“{code}”已被使用，请换一个代码。")
        return code

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class NoticeForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(
        label="文号", max_length=60, required=False, help_text="如 甘财社〔2024〕88号；文件没有文号时留空。"
    )
    title = forms.CharField(label="标题", max_length=300)
    issuer = forms.CharField(label="发文机关", max_length=200, help_text="如 甘肃省财政厅 甘肃省民政厅。")
    issued = NoticeDateField(label="发文日期", required=False)
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, notice: Notice | None = None, **kwargs):
        if notice is not None:
            kwargs.setdefault(
                "initial",
                {
                    "number": notice.number,
                    "title": notice.title,
                    "issuer": notice.issuer,
                    "issued": notice.issued_text,
                    "note": notice.note,
                },
            )
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def clean_number(self):
        # 〔〕 as the documents print them, whatever brackets were typed
        number = self.cleaned_data["number"].strip()
        return re.sub(r"[\[［【(（]\s*(\d{4})\s*[\]］】)）]", r"〔\1〕", number)


class ProjectForm(BootstrapFormMixin, forms.Form):
    """A named project of a fund, where it runs and the money the province sends it; or, for
    an office's own project paid from its own budget (seed 004: 张掖市民政局's five), none: its
    return states the budget."""

    name = forms.CharField(
        label="项目名称", max_length=200, help_text="如 伊宁市县域养老服务体系创新试点项目。"
    )
    region = RegionField(label="实施县（市、区）或单位", purpose="projects")
    own_budget = forms.BooleanField(
        label="本单位预算安排，不由省级下达资金",
        required=False,
        help_text="部门以本级预算安排的项目：不登记下达金额，预算在该项目的填报中写明。",
    )
    amount = forms.DecimalField(
        label="下达金额（万元）",
        required=False,
        help_text="省级下达资金的项目必填。",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        error_messages={
            "max_decimal_places": "金额最多两位小数（万元）。",
            "invalid": "请输入金额（万元），如 300 或 12.5。",
        },
    )
    source = forms.ChoiceField(
        label="资金来源",
        choices=[(value, label) for value, label in MoneySource.choices if value in ALLOCATED_SOURCES],
        initial=MoneySource.CENTRAL,
        required=False,
    )
    notice = forms.ModelChoiceField(
        label="下达文件", queryset=Notice.objects.none(), empty_label="请选择", required=False
    )

    def __init__(
        self, *args, fund: Fund, regions: QuerySet[Region], project: Project | None = None, **kwargs
    ):
        if project is not None:
            money = project.allocations.filter(from_region=fund.region).first()
            kwargs.setdefault(
                "initial",
                {
                    "name": project.name,
                    "region": project.region,
                    "own_budget": not project.allocations.exists(),
                    "amount": money.amount if money else None,
                    "source": money.source if money else MoneySource.CENTRAL,
                    "notice": money.notice_id if money else None,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["notice"].queryset = Notice.objects.filter(province=fund.region).order_by(
            "-issued_on", "number"
        )
        self._style_widgets()

    def clean(self):
        data = super().clean()
        if data.get("own_budget"):  # no money passed down: what was typed there is not kept
            data.update(amount=None, notice=None, source=MoneySource.CENTRAL)
            return data
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "请填写下达金额（万元）；本单位预算安排的项目请勾选“本单位预算安排”。")
        if data.get("notice") is None and "notice" not in self.errors:
            self.add_error("notice", "请选择下达文件。")
        if not data.get("source"):
            data["source"] = MoneySource.CENTRAL
        return data


class FundCopyForm(BootstrapFormMixin, forms.Form):
    """A new year's fund made from an earlier one."""

    code = FundForm.base_fields["code"]
    name = FundForm.base_fields["name"]
    year = FundForm.base_fields["year"]

    def __init__(self, *args, source: Fund, **kwargs):
        year = source.year + 1
        kwargs.setdefault(
            "initial",
            {"year": year, "name": source.name, "code": source.code.replace(str(source.year), str(year))},
        )
        super().__init__(*args, **kwargs)
        self._style_widgets()

    clean_code = FundForm.clean_code
    fund = None  # clean_code's question: a new fund


class ReceivedForm(BootstrapFormMixin, forms.Form):
    """One line of what the centre sent the province for a fund (the province's budget)."""

    notice = forms.ModelChoiceField(
        label="下达文件",
        queryset=Notice.objects.none(),
        empty_label="请选择",
        help_text="财政部下达本资金的文件；先在“下达文件”中登记。",
        error_messages={"required": "请选择下达文件。", "invalid_choice": "请选择本省（区）登记的下达文件。"},
    )
    kind = forms.ChoiceField(label="下达方式", choices=Allocation.Kind.choices, initial=Allocation.Kind.BATCH)
    source = forms.ChoiceField(
        label="资金来源",
        choices=[(value, label) for value, label in MoneySource.choices if value in ALLOCATED_SOURCES],
        initial=MoneySource.CENTRAL,
    )
    amount = forms.DecimalField(
        label="金额（万元）",
        max_digits=16,
        decimal_places=4,
        min_value=0,
        help_text="填 0 删除这一笔。",
        error_messages={
            "required": "请填写金额（万元）。",
            "invalid": "请输入金额（万元），如 8454 或 12.5。",
            "max_decimal_places": "金额最多四位小数（万元）。",
            "min_value": "中央下达金额不能为负数。",
        },
    )

    def __init__(self, *args, notices: QuerySet[Notice], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notice"].queryset = notices
        self._style_widgets()
