from django.urls import path

from reports.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<slug:kind>/", views.upload, name="upload"),
    path("paste/targets/", views.targets_paste, name="targets_paste"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/apply/", views.record_apply, name="apply"),
    path("templates/<slug:kind>.xlsx", views.template_download, name="template"),
    path("returns/<int:pk>/", views.return_import, name="return"),
    path("returns/<int:pk>/workbook.xlsx", views.return_download, name="return_workbook"),
    path("export/<slug:code>.xlsx", views.fund_export_view, name="fund_export"),
]
