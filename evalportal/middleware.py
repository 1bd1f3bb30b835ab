"""Middleware of the portal."""

from common.text import clean_text, has_illegal
from evalportal import views


class HealthCheckMiddleware:
    """Answer /healthz before the host check and the HTTPS redirect.

    The container's healthcheck (docker-compose.yml) asks ``http://127.0.0.1:8000/healthz``
    from inside the container: with ALLOWED_HOSTS set to the portal's name and the HTTPS
    redirect on, the regular path would answer 400 or 301 and the container would look sick.
    The answer says only whether the process and the database are up.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return views.healthz(request)
        return self.get_response(request)


class CleanTextMiddleware:
    """Normalise control characters in every posted form value, at the door.

    Word's manual line break (U+000B) becomes a line break; characters no XML document can
    hold (other C0 codes, U+FFFE, U+FFFF) are dropped (common.text.clean_text). Every form
    of the portal and of the admin then sees clean text, so nothing stored can make a DOCX or
    XLSX fail. Password fields are left as typed: they are never printed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            posted = request.POST
            if any(has_illegal(v) for key, values in posted.lists() for v in values if "password" not in key):
                cleaned = posted.copy()
                for key, values in posted.lists():
                    if "password" not in key:
                        cleaned.setlist(key, [clean_text(v) for v in values])
                cleaned._mutable = False
                request.POST = cleaned
        return self.get_response(request)
