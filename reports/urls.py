from django.urls import path

from reports import nation_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("funds/<slug:fund_code>/", views.fund_files, name="fund_files"),
    path("funds/<slug:fund_code>/texts/<str:region_code>/", views.report_texts, name="texts"),
    path("files/<int:pk>/", views.file_status, name="file_status"),
    path("files/<int:pk>/progress/", views.file_progress, name="file_progress"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("files/<int:pk>/pdf/", views.file_download, {"part": "pdf"}, name="file_pdf"),
    path("files/<int:pk>/page-1.png", views.file_download, {"part": "preview"}, name="file_preview"),
    path("files/<int:pk>/regenerate/", views.file_regenerate, name="file_regenerate"),
    path("nation/<slug:code>.docx", nation_views.national_summary, {"format": "docx"}, name="national_docx"),
    path("nation/<slug:code>.xlsx", nation_views.national_summary, {"format": "xlsx"}, name="national_xlsx"),
]
