"""Two provinces in one deployment: 甘肃's people see nothing of 新疆 and 新疆's nothing of 甘肃,
by any page, list, download, upload or command (issue 17). The right person gets through too,
so a page that refused everyone would fail here as well.

甘肃 is the test's own (tests/scenarios.gansu): a fund, a notice, an upload preview, a return of
甘州区 and a requested document.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from evalportal.models import Role
from indicators.models import Return
from reports.imports.allocations import AllocationImporter
from reports.imports.forms import AllocationUploadForm
from reports.imports.services import import_preview
from reports.services import generated_file_build, generated_file_request
from tests.scenarios import OtherProvince, gansu, person
from tests.xlsx_factory import workbook_bytes
from transfers.models import Fund, Notice, Region

pytestmark = pytest.mark.django_db

XJ_PEOPLE = ["admin_xj", "auditor_xj", "reviewer_yili", "clerk_yining"]


@pytest.fixture
def gs(db) -> OtherProvince:
    return gansu()


@pytest.fixture
def xj(db, admin_xj, clerk_yining):
    """新疆's counterparts of 甘肃's objects: a return of 伊宁市, an upload preview, a document."""
    fund = Fund.objects.get(code="xj-2024-relief")
    ret = Return.objects.filter(fund=fund, region__code="654002").first()
    if ret is None:
        from indicators.services import return_open

        ret = return_open(fund=fund, region=clerk_yining.region, actor=clerk_yining)
    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 100], ["合计", None, 100]]})
    importer = AllocationImporter(actor=admin_xj, scope=admin_xj.region, fund=fund)
    record, _ = import_preview(importer=importer, content=content, filename="新疆分配.xlsx", actor=admin_xj)
    file = generated_file_request(fund=fund, region=admin_xj.region, kind="a", format="docx", actor=admin_xj)
    generated_file_build(file_id=file.pk)
    notice = Notice.objects.filter(province=admin_xj.region).first()
    return OtherProvince(fund, notice, admin_xj, clerk_yining, clerk_yining.region, ret, record, file)


def gs_people(gs: OtherProvince):
    reviewer = person("gs_reviewer_test", "620700", Role.REVIEWER)
    auditor = person("gs_auditor_test", "620000", Role.VIEWER)
    return [gs.admin, auditor, reviewer, gs.clerk]


def urls_of(side: OtherProvince) -> list[tuple[str, str]]:
    """(method, url) of every page and download that belongs to one province's objects."""
    fund, ret, record, file = side.fund.code, side.ret.pk, side.record.pk, side.file.pk
    return [
        ("get", reverse("indicators:detail", args=[ret])),
        ("get", reverse("indicators:edit", args=[ret])),
        ("post", reverse("indicators:send_back", args=[ret])),
        ("post", reverse("indicators:approve", args=[ret])),
        ("post", reverse("indicators:reopen", args=[ret])),
        ("post", reverse("indicators:rollup", args=[ret])),
        ("get", reverse("indicators:fund_checks", args=[fund])),
        ("post", reverse("indicators:start", args=[fund])),
        ("get", reverse("reports:fund_files", args=[fund])),
        ("get", reverse("reports:file_status", args=[file])),
        ("get", reverse("reports:file_progress", args=[file])),
        ("get", reverse("reports:file_download", args=[file])),
        ("post", reverse("reports:file_regenerate", args=[file])),
        ("get", reverse("imports:record", args=[record])),
        ("post", reverse("imports:apply", args=[record])),
        ("get", reverse("imports:return", args=[ret])),
        ("get", reverse("imports:return_workbook", args=[ret])),
        ("get", reverse("imports:fund_export", args=[fund])),
        ("get", reverse("deadlines:edit", args=[fund, "year_end"])),
    ]


def test_gansu_sees_none_of_xinjiang(client, gs, xj):
    for user in gs_people(gs):
        client.force_login(user)
        for method, url in urls_of(xj):
            response = getattr(client, method)(url)
            assert response.status_code == 404, (user.username, method, url, response.status_code)


@pytest.mark.parametrize("username", XJ_PEOPLE)
def test_xinjiang_sees_none_of_gansu(client, gs, xj, username):
    from evalportal.models import User

    client.force_login(User.objects.get(username=username))
    for method, url in urls_of(gs):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (username, method, url, response.status_code)


def test_each_province_gets_its_own_pages(client, gs, xj):
    """The same pages open for the province's own people: the refusals above are not refusals
    of everyone."""
    for side in (gs, xj):
        fund, ret, record, file = side.fund.code, side.ret.pk, side.record.pk, side.file.pk
        client.force_login(side.admin)
        for url in [
            reverse("indicators:detail", args=[ret]),
            reverse("indicators:fund_checks", args=[fund]),
            reverse("reports:fund_files", args=[fund]),
            reverse("reports:file_status", args=[file]),
            reverse("reports:file_progress", args=[file]),
            reverse("reports:file_download", args=[file]),
            reverse("imports:record", args=[record]),
            reverse("imports:fund_export", args=[fund]),
            reverse("deadlines:edit", args=[fund, "year_end"]),
        ]:
            assert client.get(url).status_code == 200, (side.admin.username, url)
        client.force_login(side.clerk)
        for url in [
            reverse("indicators:edit", args=[ret]),
            reverse("imports:return", args=[ret]),
            reverse("imports:return_workbook", args=[ret]),
        ]:
            assert client.get(url).status_code == 200, (side.clerk.username, url)


def test_lists_show_only_the_own_province(client, gs, xj):
    pages = ["home", "reports:index", "imports:index", "deadlines:list", "accounts:list"]
    for me, other in ((gs, xj), (xj, gs)):
        client.force_login(me.admin)
        for name in pages:
            page = client.get(reverse(name)).content.decode()
            assert other.fund.name not in page and other.fund.code not in page, (me.admin.username, name)
            assert other.admin.username not in page, (me.admin.username, name)
        home = client.get(reverse("home")).content.decode()
        assert me.fund.name in home


def test_the_accounts_of_the_other_province_are_out_of_reach(client, gs, xj):
    client.force_login(gs.admin)
    assert client.get(reverse("accounts:edit", args=[xj.admin.pk])).status_code == 404
    assert client.post(reverse("accounts:set_active", args=[xj.clerk.pk])).status_code == 404
    response = client.post(
        reverse("accounts:create"),
        {
            "username": "intruder",
            "role": Role.CLERK,
            "region": "654002",
            "password1": "Zx9-long-pass",
            "password2": "Zx9-long-pass",
        },
    )
    assert response.status_code == 200 and "找不到" in response.content.decode()
    from evalportal.models import User

    assert not User.objects.filter(username="intruder").exists()
    client.force_login(xj.admin)
    assert client.get(reverse("accounts:edit", args=[gs.admin.pk])).status_code == 404


def test_the_region_search_stays_in_the_province(client, gs, xj):
    search = reverse("region_search")
    client.force_login(gs.admin)
    assert client.get(search, {"purpose": "reports", "q": "伊宁"}).json()["results"] == []
    assert [r["code"] for r in client.get(search, {"purpose": "reports", "q": "甘州"}).json()["results"]] == [
        "620702"
    ]
    client.force_login(xj.admin)
    assert client.get(search, {"purpose": "reports", "q": "甘州"}).json()["results"] == []
    assert client.get(search, {"purpose": "accounts", "q": "620"}).json()["results"] == []


def test_the_allocation_upload_offers_and_takes_only_the_own_notices(gs, xj):
    form = AllocationUploadForm(user=gs.admin)
    assert list(form.fields["batch_notice"].queryset) == [gs.notice]
    offered = list(form.fields["fund"].queryset)  # 甘肃's funds only: the test's and the demo's
    assert gs.fund in offered and {fund.region for fund in offered} == {gs.fund.region}
    assert gs.notice not in AllocationUploadForm(user=xj.admin).fields["batch_notice"].queryset
    form = AllocationUploadForm(
        {"fund": gs.fund.pk, "batch_notice": xj.notice.pk, "source": "central"}, user=gs.admin
    )
    assert not form.is_valid() and "batch_notice" in form.errors


def test_an_upload_with_the_other_provinces_notice_is_refused(gs, xj):
    from reports.imports.base import dry_run

    content = workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "甘州区", 900], ["合计", None, 900]]})
    importer = AllocationImporter(actor=gs.admin, scope=gs.admin.region, fund=gs.fund, batch_notice=xj.notice)
    plan = dry_run(importer, content=content, filename="x.xlsx")
    assert any("不是甘肃省登记的文件" in e.message for e in plan.errors)


def test_commands_refuse_the_other_province(gs, xj, tmp_path):
    path = tmp_path / "分配.xlsx"
    path.write_bytes(
        workbook_bytes({"分配表": [["序号", "地区", "金额"], [1, "伊宁市", 1], ["合计", None, 1]]})
    )
    with pytest.raises(CommandError, match="看不到资金“xj-2024-relief”"):
        call_command(
            "import_allocations", str(path), fund="xj-2024-relief", user=gs.admin.username, stdout=StringIO()
        )
    with pytest.raises(CommandError, match="看不到资金“gs-2024-test”"):
        call_command("import_allocations", str(path), fund="gs-2024-test", user="admin_xj", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_allocations",
            str(path),
            fund="gs-2024-test",
            batch_notice=xj.notice.number,
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):
        call_command(
            "import_targets",
            str(path),
            fund="gs-2024-test",
            region="654002",
            user=gs.admin.username,
            stdout=StringIO(),
        )
    with pytest.raises(CommandError):  # without --user: the fund's own province only
        call_command("import_targets", str(path), fund="gs-2024-test", region="伊宁市", stdout=StringIO())
    assert not Region.objects.filter(code="620702", allocations__amount=1).exists()
