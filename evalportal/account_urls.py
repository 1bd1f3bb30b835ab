"""Account management for administrators; the lead mounts it at accounts/manage/."""

from django.urls import path

from evalportal import account_views

app_name = "accounts"
urlpatterns = [
    path("", account_views.account_list, name="list"),
    path("new/", account_views.account_create, name="create"),
    path("provinces/", account_views.provinces, name="provinces"),
    path("<int:pk>/", account_views.account_edit, name="edit"),
    path("<int:pk>/active/", account_views.account_set_active, name="set_active"),
    path("<int:pk>/unlock/", account_views.account_unlock, name="unlock"),
]
