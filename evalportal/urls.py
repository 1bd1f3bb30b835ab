from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from evalportal import account_views, views
from evalportal.region_views import region_search
from indicators.home_views import board, home

admin.site.site_header = "绩效自评系统管理后台"
admin.site.site_title = "绩效自评系统"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", home, name="home"),
    path("board/<slug:code>/<str:region_code>/", board, name="board"),
    path("healthz", views.healthz, name="healthz"),
    path("regions/search/", region_search, name="region_search"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/me/", account_views.own_account, name="own_account"),
    path("accounts/password_change/", account_views.own_password, name="password_change"),
    path("accounts/manage/", include("evalportal.account_urls")),
    path("deadlines/", include("indicators.deadline_urls")),
    path("notifications/", include("indicators.notification_urls")),
    path("funds/", include("indicators.setup_urls")),
    path("monitoring/", include("indicators.monitoring_urls")),
    path("nation/", include("indicators.nation_urls")),
    path("returns/", include("indicators.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("reports.imports.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "evalportal.views.bad_request"
handler403 = "evalportal.views.permission_denied"
handler404 = "evalportal.views.page_not_found"
handler500 = "evalportal.views.server_error"
