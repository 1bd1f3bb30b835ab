"""Deadlines per fund and period; the lead mounts it at deadlines/."""

from django.urls import path

from indicators import deadline_views

app_name = "deadlines"
urlpatterns = [
    path("", deadline_views.deadline_list, name="list"),
    path("<slug:fund_code>/<str:period>/", deadline_views.deadline_edit, name="edit"),
]
