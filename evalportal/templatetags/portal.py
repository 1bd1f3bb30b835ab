"""The portal's template filters: figures as the screens print them (indicators.formats), and
small helpers for templates."""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import format_html

from common.kept_html import CSRF_MARK, with_csrf
from indicators import formats, permissions, rules

register = template.Library()


register.filter("wan", formats.wan)
register.filter("pct", formats.pct)
register.filter("figure", rules.format_number)
register.filter(
    "time_share", rules.time_share
)  # 6 → 50.00: the share of the year by month N  # 250, 33.93: a value as people write it


class Decision:
    """A permission question's answer: true when allowed; ``reason`` says why not."""

    def __init__(self, reason: str | None):
        self.reason = reason or ""

    def __bool__(self) -> bool:
        return not self.reason

    def __str__(self) -> str:
        return self.reason


@register.simple_tag(takes_context=True)
def may(context, action: str, *args):
    """{% may "review_return" ret as review %}: ``indicators.permissions.may_<action>`` for the
    person viewing the page, so the page offers exactly what the action would allow."""
    question = getattr(permissions, f"may_{action}")
    request = context.get("request")
    user = request.user if request is not None else context.get("user")
    if user is None:  # a page rendered without a request (an error page): nothing is offered
        return Decision("请先登录。")
    return Decision(question(user, *args))


# The questions the nav asks of the person: each a link it shows or leaves out.
NAV_ASKS = ("review", "set_up_funds", "view_nation", "manage_accounts")
_UNREAD_MARK = "nav-unread-of-the-request"  # the badge of the request's unread count
_navs: dict[tuple, str] = {}  # this process's printed navs, by what they print


@register.simple_tag(takes_context=True)
def nav(context):
    """The signed-in nav (templates/_nav.html), printed once per process for each person as the
    nav would print them: their account, region, role, name and the permission questions' answers
    are the key, so a new role or region shows at the next request. What changes between requests
    of the same person, the unread count and the CSRF token of the 退出 form, is put in as it is
    served. Thirteen links and four questions were a third of the least a signed-in page costs."""
    request = context["request"]
    user = request.user
    may = {action: not getattr(permissions, f"may_{action}")(user) for action in NAV_ASKS}
    region = str(user.region) if user.region_id else ""
    key = (
        get_script_prefix(),
        user.pk,
        user.role,
        user.region_id,
        region,
        user.is_staff,
        str(user),
        *may.values(),
    )
    printed = _navs.get(key)
    if printed is None:
        printed = render_to_string(
            "_nav.html",
            {
                "user": user,
                "may": may,
                "unread_badge": _UNREAD_MARK,
                "csrf_token": CSRF_MARK,
            },
        )
        if len(_navs) >= 4096:  # people come and go; a process keeps the latest few thousand
            _navs.clear()
        _navs[key] = printed
    unread = context.get("unread_notifications")
    count = unread() if callable(unread) else unread
    badge = (
        format_html(
            ' <span class="badge rounded-pill text-bg-warning" aria-label="{}条未读">{}</span>', count, count
        )
        if count
        else ""
    )
    # Only where the link prints it: a name a person typed is escaped and cannot spell 通知…</a>.
    return with_csrf(printed.replace(f">通知{_UNREAD_MARK}</a>", f">通知{badge}</a>"), request)


@register.filter
def light_count(monitoring, light):
    """How many lines of a monitoring return (indicators.monitoring) show ``light`` (None: no forecast yet)."""
    return monitoring.count(light)


@register.filter
def dictget(mapping, key):
    """{{ mapping|dictget:key }}: a dict lookup with a variable key; missing → empty list."""
    if not mapping:
        return []
    return mapping.get(key, [])


@register.filter
def add_class(html, css: str):
    """Add CSS classes to a rendered widget (keeps forms free of presentation)."""
    from django.utils.safestring import mark_safe

    text = str(html)
    if 'class="' in text:
        return mark_safe(text.replace('class="', f'class="{css} ', 1))
    return mark_safe(
        text.replace("<input", f'<input class="{css}"', 1).replace("<textarea", f'<textarea class="{css}"', 1)
    )


@register.filter
def money_line(figures, source):
    """{{ figures|money_line:"central" }}: one source's line of the ledger's figures."""
    return figures.line(source) if figures is not None else None
