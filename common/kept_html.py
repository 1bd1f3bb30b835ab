"""HTML printed once and kept (in the cache, or in a process) that holds a form: printed with
``CSRF_MARK`` as its CSRF token and served with the request's (``with_csrf``), so no person is
ever served another's token."""

from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

CSRF_MARK = "csrf-of-the-request"  # the csrf_token a kept fragment is printed with
_FIELD = 'name="csrfmiddlewaretoken" value="{}"'


def with_csrf(html: str, request) -> SafeString:
    """``html`` (printed by the template engine with ``csrf_token=CSRF_MARK``) with the request's
    token in each CSRF field. Only the field's value is replaced: text a person typed is escaped
    where it is printed and cannot spell the field, quotes and all."""
    return mark_safe(html.replace(_FIELD.format(CSRF_MARK), _FIELD.format(get_token(request))))
