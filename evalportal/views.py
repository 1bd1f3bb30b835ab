import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


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
