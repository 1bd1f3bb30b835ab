"""The notifications page: a person's own notices, opened one by one or marked read together."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from indicators.notifications import notification_mark_read, notifications_mark_all_read
from indicators.selectors import get_notification_for_user, notifications_for_user

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    page = Paginator(notifications_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "indicators/notifications.html", {"page": page})


@login_required
@require_GET
def notification_open(request, pk: int):
    notification = get_notification_for_user(request.user, pk)
    notification_mark_read(notification=notification, actor=request.user)
    # Links are written by the portal itself; this only keeps a stored one from leaving it.
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request):
    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, f"已将{count}条通知标为已读。" if count else "没有未读通知。")
    return redirect("notifications:list")
