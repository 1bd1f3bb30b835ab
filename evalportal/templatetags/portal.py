"""The portal's template filters: figures as the screens print them (indicators.formats), and
small helpers for templates."""

from django import template

from indicators import formats

register = template.Library()


register.filter("wan", formats.wan)
register.filter("pct", formats.pct)


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
