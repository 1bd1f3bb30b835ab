"""A person's notifications; mounted at notifications/."""

from django.urls import path

from indicators import notification_views

app_name = "notifications"
urlpatterns = [
    path("", notification_views.notification_list, name="list"),
    path("<int:pk>/", notification_views.notification_open, name="open"),
    path("read-all/", notification_views.notifications_read_all, name="read_all"),
]
