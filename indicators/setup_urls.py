"""Fund setup: the province's funds and notices; the project mounts it at funds/."""

from django.urls import path

from indicators import setup_views, spot_check_views

app_name = "setup"
urlpatterns = [
    path("", setup_views.fund_list, name="funds"),
    path("new/", setup_views.fund_create, name="fund_create"),
    path("notices/", setup_views.notice_list, name="notices"),
    path("notices/new/", setup_views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", setup_views.notice_edit_view, name="notice_edit"),
    path("<slug:code>/", setup_views.fund_edit, name="fund_edit"),
    path("<slug:code>/copy/", setup_views.fund_copy_view, name="fund_copy"),
    path("<slug:code>/received/", setup_views.fund_received, name="received"),
    path("<slug:code>/monitoring/", setup_views.monitoring_plan_view, name="monitoring"),
    path("<slug:code>/tables/", setup_views.table_list, name="tables"),
    path("<slug:code>/tables/<int:pk>/", setup_views.table_detail, name="table"),
    path("<slug:code>/projects/", setup_views.project_list, name="projects"),
    path("<slug:code>/projects/new/", setup_views.project_create, name="project_create"),
    path("<slug:code>/projects/<int:pk>/", setup_views.project_edit, name="project_edit"),
    path("<slug:code>/projects/<int:pk>/table/", setup_views.project_table, name="project_table"),
    path("<slug:code>/spot-checks/", spot_check_views.spot_check_list, name="spot_checks"),
    path("<slug:code>/spot-checks/draw/", spot_check_views.spot_check_draw_view, name="spot_check_draw"),
    path(
        "<slug:code>/spot-checks/<int:pk>/assign/",
        spot_check_views.spot_check_assign_view,
        name="spot_check_assign",
    ),
    path(
        "<slug:code>/spot-checks/<int:pk>/record/",
        spot_check_views.spot_check_record_view,
        name="spot_check_record",
    ),
]
