"""Forms of the account pages. They only read and check input; the services in
evalportal.accounts decide and write."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from common.forms import BootstrapFormMixin
from evalportal.accounts import account_regions_for_user, check_region_and_role, chinese_password_errors
from evalportal.models import Role, User
from transfers.forms import RegionField

# The roles of a region's accounts: what an administrator may give (中央部委 has no region).
REGION_ROLES = [(value, label) for value, label in Role.choices if value != Role.MINISTRY]


class _AccountFields(BootstrapFormMixin, forms.Form):
    display_name = forms.CharField(label="姓名", max_length=50)
    region = RegionField(label="所属地区/单位", purpose="accounts")
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色"), *REGION_ROLES])
    phone = forms.CharField(label="电话", max_length=30, required=False)
    email = forms.EmailField(
        label="电子邮箱", required=False, help_text="截止日期提醒发往此邮箱；不填则收不到提醒。"
    )

    password_help = "至少8个字符，不能全为数字，不能与用户名相似，不能是常见密码。"

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["region"].queryset = account_regions_for_user(actor)
        self._style_widgets()

    def clean(self):
        data = super().clean()
        # The service checks again; checking here too shows every problem in one go.
        if data.get("region") and data.get("role"):
            try:
                check_region_and_role(actor=self.actor, region=data["region"], role=data["role"])
            except ValidationError as exc:
                for name, errors in exc.error_dict.items():
                    self.add_error(name, errors)
        return data

    def _check_passwords(self, first: str, second: str, user: User) -> None:
        if first != second:
            self.add_error("password2", "两次输入的密码不一致。")
            return
        try:
            validate_password(first, user)
        except ValidationError as exc:
            self.add_error("password1", chinese_password_errors(exc))


class AccountCreateForm(_AccountFields):
    username = forms.RegexField(
        label="用户名",
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": "用户名只能包含字母、数字和 @ . + - _ 字符。"},
        help_text="登录用，创建后不能修改，例如 clerk_yining。",
    )
    password1 = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_AccountFields.password_help,
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "display_name", "region", "role", "phone", "email", "password1", "password2"]

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2"):
            candidate = User(
                username=data.get("username", ""),
                display_name=data.get("display_name", ""),
                email=data.get("email", ""),
            )
            self._check_passwords(data["password1"], data["password2"], candidate)
        return data


class AccountEditForm(_AccountFields):
    password1 = forms.CharField(
        label="新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="不重置请留空。" + _AccountFields.password_help,
    )
    password2 = forms.CharField(
        label="再次输入新密码",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, account: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        if account.pk == self.actor.pk:
            # One's own role and region are changed by the administrator above.
            for name in ("region", "role"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "不能修改自己的角色或所属地区。"

    def clean(self):
        data = super().clean()
        first, second = data.get("password1", ""), data.get("password2", "")
        if first or second:
            candidate = User(
                username=self.account.username,
                display_name=data.get("display_name", ""),
                email=data.get("email", ""),
            )
            self._check_passwords(first, second, candidate)
        return data


class AccountSearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *REGION_ROLES])
    active = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), ("1", "启用"), ("0", "停用")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()
        self.fields["q"].widget.attrs["placeholder"] = "用户名、姓名或地区"


class OwnDetailsForm(BootstrapFormMixin, forms.Form):
    display_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="电话", max_length=30, required=False)
    email = forms.EmailField(
        label="电子邮箱", required=False, help_text="截止日期提醒发往此邮箱；不填则收不到提醒。"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


class OwnPasswordForm(BootstrapFormMixin, forms.Form):
    old_password = forms.CharField(
        label="当前密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_AccountFields.password_help,
    )
    password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._style_widgets()

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", "两次输入的密码不一致。")
        elif first:
            try:
                validate_password(first, self.user)
            except ValidationError as exc:
                self.add_error("password1", chinese_password_errors(exc))
        return data
