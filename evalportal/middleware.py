"""Middleware of the portal."""

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
