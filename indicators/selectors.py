"""Reads about target tables and returns, always scoped to the reader's region."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from indicators.models import Return
from transfers.selectors import subtree_q


def returns_for_user(user) -> QuerySet[Return]:
    """Returns of the user's region and every region below it."""
    if user.region_id is None:
        return Return.objects.none()
    return Return.objects.filter(subtree_q(user.region, "region__"))


def get_return_for_user(user, pk: int, *, for_edit: bool = False) -> Return:
    """Fetch a return and check access in one step: 404 outside the region, 403 for read-only."""
    report = get_object_or_404(returns_for_user(user).select_related("fund", "region", "project"), pk=pk)
    if for_edit and user.is_read_only:
        raise PermissionDenied("查阅账号不能修改数据。")
    return report
