"""The board of lights of mid-year monitoring (运行监控); mounted at monitoring/."""

from django.urls import path

from indicators import monitoring_views

app_name = "monitoring"
urlpatterns = [
    path("<slug:code>/<str:region_code>/", monitoring_views.monitoring_board_view, name="board"),
]
