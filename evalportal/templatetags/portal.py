"""The portal's template filters: figures as the screens print them (indicators.formats), and
small helpers for templates."""

from django import template

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
