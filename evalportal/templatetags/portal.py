"""Number formats for the screens: 万元 with two decimals and grouped thousands; rates in %."""

from django import template

from indicators.rules import quantize_rate

register = template.Library()


def _decimal(value):
    """Two places, half-up, by the rules engine's one rounding; floats are refused there."""
    try:
        return quantize_rate(value)
    except ValueError:
        return None


@register.filter
def wan(value):
    """12345.6 → '12,345.60'; blank stays blank (a figure not entered is not zero)."""
    number = _decimal(value)
    return "" if number is None else f"{number:,.2f}"


@register.filter
def pct(value):
    """A computed rate (already a percentage) → '35.72%'."""
    number = _decimal(value)
    return "" if number is None else f"{number:.2f}%"


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
