from django.urls import path

from indicators import home_views, views

app_name = "indicators"
urlpatterns = [
    path("start/<slug:code>/", views.return_start, name="start"),
    path("<int:pk>/", views.return_detail, name="detail"),
    path("<int:pk>/edit/", views.return_edit, name="edit"),
    path("<int:pk>/send-back/", views.return_send_back_view, name="send_back"),
    path("<int:pk>/approve/", views.return_approve_view, name="approve"),
    path("<int:pk>/reopen/", views.return_reopen_view, name="reopen"),
    path("<int:pk>/unlock/", views.return_unlock_view, name="unlock"),
    path("<int:pk>/exception/", views.approval_exception_view, name="exception"),
    path(
        "<int:pk>/exception/<int:eid>/remove/", views.approval_exception_remove_view, name="exception_remove"
    ),
    path("<int:pk>/rollup/", views.return_rollup_view, name="rollup"),
    path("<int:pk>/attachments/add/", views.attachment_upload, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/delete/", views.attachment_delete, name="attachment_delete"
    ),
    path("queue/", home_views.review_queue_view, name="queue"),
    path("approve/", views.returns_bulk_approve, name="bulk_approve"),
    path("approve/confirm/", views.returns_bulk_confirm, name="bulk_confirm"),
    path("checks/<slug:code>/", views.fund_checks, name="fund_checks"),
    path("preview/rate/", views.rate_preview, name="rate_preview"),
    path("preview/execution/", views.execution_rate_preview, name="execution_preview"),
    path("preview/light/", views.light_preview, name="light_preview"),
]
