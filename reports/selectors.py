"""Reads about generated files, always scoped to the reader's region."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from reports.models import GeneratedFile, ImportRecord
from transfers.selectors import funds_for_user, subtree_q


def generated_files_for_user(user) -> QuerySet[GeneratedFile]:
    """Files of the user's region and the regions below it, for the funds the user takes part in.

    A county clerk does not see the prefecture's or the province's files: they hold other
    regions' figures.
    """
    if user.region_id is None:
        return GeneratedFile.objects.none()
    return GeneratedFile.objects.filter(subtree_q(user.region, "region__"), fund__in=funds_for_user(user))


def get_generated_file_for_user(user, pk: int) -> GeneratedFile:
    """Fetch a file and check access in one step: 404 for anyone outside its region."""
    return get_object_or_404(
        generated_files_for_user(user).select_related("fund", "region", "requested_by"), pk=pk
    )


def import_records_for_user(user) -> QuerySet[ImportRecord]:
    """Uploads made for the user's region and the regions below it."""
    if user.region_id is None:
        return ImportRecord.objects.none()
    return ImportRecord.objects.filter(subtree_q(user.region, "region__"))


def get_import_record_for_user(user, pk: int) -> ImportRecord:
    """Fetch an upload and check access in one step: 404 outside the user's region."""
    return get_object_or_404(import_records_for_user(user).select_related("fund", "region"), pk=pk)
