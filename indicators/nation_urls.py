"""The central department's pages (全国汇总): one central fund across provinces; mounted at nation/."""

from django.urls import path

from indicators import nation_views

app_name = "nation"
urlpatterns = [
    path("", nation_views.central_funds, name="funds"),
    path("<slug:code>/", nation_views.national_board_view, name="board"),
    path("<slug:code>/<str:region_code>/", nation_views.region_board_view, name="region_board"),
]
