"""The import pages: upload → preview → confirm, for the right person only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import ImportRecord
from tests.seed_figures import YINING_RELIEF_BATCH
from tests.xlsx_factory import allocation_workbook, db_snapshot, seed_003_rows, with_amount
from transfers.models import Allocation, Region

pytestmark = pytest.mark.django_db


def post_allocations(client, fund, content, name="附件1.xlsx"):
    return client.post(
        reverse("imports:upload", args=["allocations"]),
        {"fund": fund.pk, "source": "central", "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("imports:index"),
        reverse("imports:upload", args=["allocations"]),
        reverse("imports:record", args=[1]),
        reverse("imports:template", args=["regions"]),
        reverse("imports:fund_export", args=["xj-2024-relief"]),
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_read_only_and_clerks_cannot_open_upload_pages(client, auditor_xj, clerk_yining, reviewer_yili):
    client.force_login(auditor_xj)
    for kind in ("regions", "allocations", "targets", "fund"):
        assert client.get(reverse("imports:upload", args=[kind])).status_code == 403
    assert "您的账号不能导入" in client.get(reverse("imports:index")).content.decode()
    client.force_login(clerk_yining)
    assert client.get(reverse("imports:upload", args=["allocations"])).status_code == 403
    client.force_login(reviewer_yili)
    assert client.get(reverse("imports:upload", args=["allocations"])).status_code == 200
    assert client.get(reverse("imports:upload", args=["regions"])).status_code == 403


def test_upload_preview_confirm_applies_exactly_the_difference(client, admin_xj, relief):
    client.force_login(admin_xj)
    rows = with_amount(seed_003_rows(), "伊宁市", batch=5600)
    response = post_allocations(client, relief, allocation_workbook(rows))
    record = ImportRecord.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "新增0条，修改1条，删除0条，无变化235条" in page
    assert "伊犁州 · 伊宁市 · 本次下达" in page and f"{YINING_RELIEF_BATCH:.2f}" in page and "5600.00" in page
    assert "确认导入" in page

    response = client.post(reverse("imports:apply", args=[record.pk]), follow=True)
    assert "已导入。新增0条，修改1条" in response.content.decode()
    record.refresh_from_db()
    assert record.applied and record.status == "done" and record.applied_at
    assert (
        Allocation.objects.get(
            fund=relief, region__code="654002", kind="batch", from_region=admin_xj.region
        ).amount
        == 5600
    )

    before = db_snapshot()
    response = client.post(reverse("imports:apply", args=[record.pk]), follow=True)
    assert "该文件已经导入过了" in response.content.decode()
    assert db_snapshot() == before


def test_seed_table_preview_says_nothing_will_change(client, admin_xj, relief):
    client.force_login(admin_xj)
    response = post_allocations(client, relief, allocation_workbook(seed_003_rows()))
    page = client.get(response["Location"]).content.decode()
    assert "文件与系统中的数据完全一致：236条均无变化" in page
    assert "确认（不会修改任何数据）" in page


def test_data_changed_after_the_preview_is_not_applied(client, admin_xj, relief):
    client.force_login(admin_xj)
    response = post_allocations(
        client, relief, allocation_workbook(with_amount(seed_003_rows(), "伊宁市", batch=5600))
    )
    record = ImportRecord.objects.get()
    line = Allocation.objects.get(
        fund=relief, region__code="654003", kind="batch", from_region=admin_xj.region
    )
    line.amount = 1  # someone changed 奎屯市 in the admin meanwhile
    line.save()
    before = db_snapshot()
    response = client.post(reverse("imports:apply", args=[record.pk]), follow=True)
    assert "预览之后系统中的数据已有变化" in response.content.decode()
    assert db_snapshot() == before
    assert "修改2条" in ImportRecord.objects.get().summary["description"]


def test_records_outside_the_region_are_404_and_only_the_uploader_confirms(
    client, admin_xj, reviewer_yili, relief
):
    client.force_login(admin_xj)
    post_allocations(client, relief, allocation_workbook(seed_003_rows()))
    record = ImportRecord.objects.get()
    client.force_login(reviewer_yili)
    assert client.get(reverse("imports:record", args=[record.pk])).status_code == 404
    assert client.post(reverse("imports:apply", args=[record.pk])).status_code == 404


def test_reviewer_upload_with_rows_of_another_prefecture_saves_nothing(client, reviewer_yili, relief):
    client.force_login(reviewer_yili)
    before = db_snapshot()
    response = post_allocations(client, relief, allocation_workbook(seed_003_rows()))
    page = client.get(response["Location"]).content.decode()
    assert "“阿克苏地区”不在您的管辖范围（伊犁哈萨克自治州）内" in page
    assert "“库车县”属于阿克苏地区" in page
    record = ImportRecord.objects.get()
    assert record.region == reviewer_yili.region and record.errors
    client.post(reverse("imports:apply", args=[record.pk]))
    assert db_snapshot() == before


def test_templates_download_for_the_own_region_only(client, reviewer_yili, relief):
    client.force_login(reviewer_yili)
    response = client.get(reverse("imports:template", args=["allocations"]) + f"?fund={relief.code}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    aksu = Region.objects.get(code="652900")
    url = reverse("imports:template", args=["targets"]) + f"?fund={relief.code}&region={aksu.code}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("imports:template", args=["nothing"])).status_code == 404


def test_index_lists_recent_imports_in_few_queries(client, admin_xj, relief, django_assert_max_num_queries):
    client.force_login(admin_xj)
    for _ in range(3):
        post_allocations(client, relief, allocation_workbook(seed_003_rows()))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("imports:index")).content.decode()
    assert page.count("附件1.xlsx") == 3 and "xj-2024-relief" in page
