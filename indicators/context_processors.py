"""The unread count of the nav's 通知 link (templates/base.html)."""

from functools import cache

from indicators.selectors import unread_notification_count


def notifications(request):
    # Lazy and cached: a page that never shows the nav (a fragment, an error page) runs no
    # query, one that shows it runs one, and an anonymous visitor none.
    @cache
    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_notification_count(user)

    return {"unread_notifications": unread}
