"""Sign-in throttling (django-axes) for every login that comes with a request."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, skipped only where there is no request to throttle.

    Every sign-in through a page (the portal's login, the admin's) passes the request and is
    counted and locked out after LOGIN_FAILURE_LIMIT failures. A call without one (the test
    client's ``login()``, a management command) has no address to count; the password is
    still checked by ModelBackend, which follows this backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
