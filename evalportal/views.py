import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token

from evalportal.models import Role
from indicators.models import Deadline, Period, Return
from indicators.reminders import deadline_notices_for_user
from indicators.selectors import fund_progress, own_returns, review_queue
from transfers.selectors import funds_for_user, region_budget


@login_required
def home(request):
    """One page per role: my returns; my review queue; the progress of the regions below."""
    user, region = request.user, request.user.region
    if region is None:
        return render(request, "evalportal/home.html", {"region": None})
    mine = {(r.fund_id, r.period): r for r in own_returns(user)}
    deadlines = {(d.fund_id, d.period): d for d in Deadline.objects.filter(fund__in=funds_for_user(user))}
    funds = []
    has_children = region.children.exists()
    for fund in funds_for_user(user):
        budget = region_budget(fund, region)
        progress = fund_progress(fund, region) if has_children else []
        funds.append(
            {
                "fund": fund,
                "budget": budget,
                "returns": [
                    (period, mine.get((fund.pk, period.value)), deadlines.get((fund.pk, period.value)))
                    for period in Period
                ],
                "progress": progress,
                "chart_height": max(240, 26 * len(progress) + 60),
                "chart": _chart_data(progress),
            }
        )
    context = {
        "region": region,
        "funds": funds,
        "queue": list(review_queue(user)),
        "notices": deadline_notices_for_user(user, timezone.localdate()),
        "can_fill": not user.is_read_only,
        "is_reviewer": user.role in (Role.REVIEWER, Role.ADMIN),
        "statuses": Return.Status,
    }
    return render(request, "evalportal/home.html", context)


STATUS_SERIES = [
    ("approved", "已审核"),
    ("submitted", "已提交"),
    ("returned", "已退回"),
    ("draft", "填报中"),
    ("none", "未开始"),
]


def _chart_data(progress) -> dict:
    """The board's two charts: 预算执行率 and submission status, one bar per region below."""
    return {
        "names": [row.region.display_name for row in progress],
        "rates": [float(row.rate) if row.rate is not None else None for row in progress],
        "statuses": [
            {"name": label, "data": [row.status_counts.get(key, 0) for row in progress]}
            for key, label in STATUS_SERIES
        ],
    }


def healthz(request):
    """For the load balancer: the process is up and the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # the healthcheck says "down", it does not raise
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


# --- error pages ------------------------------------------------------------------------------
# Chinese pages for 400, 403, 404 and 500. A reason the portal's own code gave (a Chinese
# message such as 查阅账号不能填报。) is shown; anything else (Django's English texts, which
# name models or URL patterns) is replaced by a general sentence, so no detail leaks.

_CJK = re.compile(r"[\u4e00-\u9fff]")


def portal_reason(exception) -> str:
    """The message of an exception raised with a Chinese reason, or ''."""
    if exception is None:
        return ""
    args = getattr(exception, "args", ())
    message = args[0] if len(args) == 1 and isinstance(args[0], str) else ""
    return message if _CJK.search(message) and len(message) <= 300 else ""


def _error_page(request, status: int, title: str, reason: str, default: str):
    context = {"status": status, "title": title, "reason": reason or default}
    return render(request, "error.html", context, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
        reason = (
            f"提交的内容过大（表单内容上限为{limit:g} MB，上传的文件不计在内），未作任何保存。"
            "请返回上一页，分几次填写或删去过长的文字后再提交。"
        )
    elif isinstance(exception, TooManyFieldsSent):
        reason = "提交的表单项过多，未作任何保存。请返回上一页，分几次提交或联系管理员。"
    else:
        reason = portal_reason(exception)
    return _error_page(
        request, 400, "请求无法处理", reason, "提交的请求格式不正确，未作任何保存。请返回上一页重试。"
    )


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(
        request, 403, "没有权限", portal_reason(exception), "您没有权限进行此操作或查看此页面。"
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(
        request,
        404,
        "页面不存在",
        portal_reason(exception),
        "您要找的页面不存在，或者不在您所在地区的查看范围内。",
    )


def server_error(request):
    # No context processors, no database: the failure may be the database itself.
    return HttpResponseServerError(loader.get_template("500.html").render())


def locked_out(request, original_response=None, credentials=None):
    """django-axes: the sign-in page of an account locked after too many wrong passwords."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "username": username[:150],
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(cooloff.total_seconds() // 60) if cooloff else 0,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def csrf_failure(request, reason=""):
    return _error_page(
        request,
        403,
        "页面已过期",
        "",
        "页面已过期或浏览器没有保存登录信息（Cookie），未作任何保存。请刷新页面后重新提交。",
    )
