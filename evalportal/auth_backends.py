"""Sign-in: throttled by django-axes for every login that comes with a request, the password
checked by Django's ModelBackend, and the person of each request read with their region."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from common.compiled import CompiledGet
from indicators.selectors import unread_notifications_of_person

# The person of each request with their region (and the regions above it: the province whose
# funds they see is then no query) and, for the nav, their unread notifications:
# one query, compiled once per process (common.compiled: compiling it was a quarter of the
# least a signed-in page costs).
PERSON = CompiledGet(
    lambda pk: (
        get_user_model()
        ._default_manager.select_related("region__parent__parent")
        .annotate(unread_notifications=unread_notifications_of_person())
        .filter(pk=pk)
    ),
    pk=int,
)


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, skipped only where there is no request to throttle.

    Every sign-in through a page (the portal's login, the admin's) passes the request and is
    counted and locked out after LOGIN_FAILURE_LIMIT failures. A call without one (the test
    client's ``login()``, a management command) has no address to count; the password is
    still checked by AccountBackend, which follows this backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountBackend(ModelBackend):
    """Django's username and password check, which the session names as the sign-in's backend;
    the person of each request is read in one query with their region: every page asks
    ``request.user.region`` (the scope of what it shows, the nav's office name), which would
    otherwise be a second query on every request."""

    def get_user(self, user_id):
        user = PERSON.get(pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
