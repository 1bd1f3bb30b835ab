"""Reads about generated files and the texts of reports, always scoped to the reader's region."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from reports.models import GeneratedFile, ImportRecord, ReportText
from transfers.models import Fund, Region
from transfers.selectors import funds_for_user, get_fund_for_user, province_of, regions_for_user, subtree_q


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


def get_report_text_for_user(
    user, fund_code: str, region_code: str
) -> tuple[Fund, Region, ReportText | None]:
    """The fund, the region and the region's 报告文字 for that fund (None when nothing was written
    yet), fetched and checked in one step: 404 for a fund or region outside the user's scope,
    and for a region outside the fund's province."""
    fund = get_fund_for_user(user, fund_code)
    region = get_object_or_404(regions_for_user(user).select_related("parent__parent"), code=region_code)
    if province_of(region).pk != fund.region_id:
        raise Http404("该地区不在接收该资金的省份内。")
    return fund, region, ReportText.objects.filter(fund=fund, region=region).first()
