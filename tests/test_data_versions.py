"""Data versions (transfers.versions): the database draws a fund's token again on every change of
its data, by any path, and a board is served from the cache only while its token stands.

Each watched table is changed by raw SQL, the path no Python hook sees; the fund (or the region
tree) whose token must change is worked out here from the rows themselves, not from the
triggers' SQL. Then the board: kept after one build, and built again after a change through a
service, an import-like bulk write, a raw update and a rename of a region.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import User
from indicators import versions as indicator_versions
from indicators.models import (
    ApprovalException,
    Attachment,
    Deadline,
    DeadlineUnlock,
    MonitoringPlan,
    Return,
    ReturnComment,
    ReturnFunding,
    SpotCheck,
    SpotCheckDraw,
)
from indicators.services import return_open
from tests.scenarios import fill_submit_approve
from transfers import versions
from transfers.models import Allocation, DataVersion, Fund, Project, Region

pytestmark = pytest.mark.django_db
D = Decimal
WATCHED = versions.WATCHED + indicator_versions.WATCHED
# Tables of the two apps whose changes print nothing a cached page shows.
NOT_WATCHED = {"indicators_notification", "indicators_sentreminder", "transfers_dataversion"}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts from an empty cache: another module may have kept the same board."""
    cache.clear()


def tokens() -> dict[int, str]:
    return dict(DataVersion.objects.values_list("scope", "token"))


def test_every_watched_table_has_its_triggers():
    assert versions.missing(WATCHED) == []


def test_every_table_of_a_fund_is_watched():
    """A model added to either app is watched, or named here as printing nothing cached."""
    tables = {
        model._meta.db_table
        for label in ("transfers", "indicators")
        for model in apps.get_app_config(label).get_models()
    }
    assert tables - NOT_WATCHED == {watch.table for watch in WATCHED}


def test_the_triggers_come_back_after_a_migrate_drops_them():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER dv_indicators_returnfunding_update")
        else:
            cursor.execute("DROP TRIGGER dv_indicators_returnfunding_update ON indicators_returnfunding")
    assert versions.missing(WATCHED) == ["dv_indicators_returnfunding_update"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    assert versions.missing(WATCHED) == []


# --- each table ------------------------------------------------------------------------------------


@pytest.fixture
def a_row_of_every_table(relief, province, yining, clerk_yining, reviewer_yili, admin_xj):
    """{table: the pk of one of its rows that belongs to the relief fund}; the tables the demo
    leaves empty get a row here."""
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)
    draw = SpotCheckDraw.objects.create(fund=relief, drawn_by=admin_xj, seed="1", share=D("0.1"))
    made = {
        "indicators_returncomment": ReturnComment.objects.create(
            ret=ret, author=reviewer_yili, text="请核实"
        ),
        "indicators_attachment": Attachment.objects.create(
            ret=ret,
            file="evidence/x.pdf",
            original_name="x.pdf",
            size=1,
            content_type="application/pdf",
            sha256="0" * 64,
            uploaded_by=clerk_yining,
        ),
        "indicators_approvalexception": ApprovalException.objects.create(
            ret=ret, region=Region.objects.get(code="654003"), reason="测试", author=reviewer_yili
        ),
        "indicators_deadline": Deadline.objects.create(fund=relief, region=province, due_on=date(2025, 3, 1)),
        "indicators_deadlineunlock": DeadlineUnlock.objects.create(
            ret=ret, author=reviewer_yili, reason="测试"
        ),
        "indicators_spotcheckdraw": draw,
        "indicators_spotcheck": SpotCheck.objects.create(draw=draw, ret=ret),
        "transfers_project": Project.objects.create(fund=relief, region=yining, name="测试项目"),
        "indicators_monitoringplan": MonitoringPlan.objects.create(
            fund=relief, through_month=6, yellow_from=D("10")
        ),
    }
    rows = {table: obj.pk for table, obj in made.items()}
    for watch in WATCHED:
        if watch.table in rows:
            continue
        if watch.column is None:
            sql = f"SELECT min(id) FROM {watch.table}"
        elif watch.table == "transfers_fund":
            sql = f"SELECT {relief.pk}"
        elif watch.table == "transfers_centralfund":
            sql = f"SELECT {relief.central_id}"
        elif watch.table == "transfers_notice":
            sql = f"SELECT min(notice_id) FROM transfers_allocation WHERE fund_id = {relief.pk}"
        elif watch.through is None:
            sql = f"SELECT min(id) FROM {watch.table} WHERE fund_id = {relief.pk}"
        else:
            table, fund, match = watch.through
            sql = (
                f"SELECT min(n.id) FROM {watch.table} n JOIN {table} p ON p.{match} = n.{watch.column} "
                f"WHERE p.{fund} = {relief.pk}"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows[watch.table] = cursor.fetchone()[0]
    assert [table for table, pk in rows.items() if pk is None] == []
    return rows


def funds_of(table: str, pk: int, relief: Fund) -> set[int]:
    """The scopes a change of row ``pk`` of ``table`` must draw again, read from the data."""
    if table in {"transfers_region", "transfers_regionalias"}:
        return {DataVersion.REGIONS}
    if table == "transfers_notice":
        return set(Allocation.objects.filter(notice_id=pk).values_list("fund_id", flat=True))
    if table == "transfers_centralfund":
        return set(Fund.objects.filter(central_id=pk).values_list("pk", flat=True))
    return {relief.pk}


@pytest.mark.parametrize("watch", WATCHED, ids=lambda watch: watch.table)
def test_a_raw_update_of_a_row_draws_its_funds_tokens_again_and_no_others(
    watch, relief, a_row_of_every_table
):
    pk = a_row_of_every_table[watch.table]
    before = tokens()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {watch.table} SET id = id WHERE id = %s", [pk])
    after = tokens()
    changed = {scope for scope in after if after[scope] != before.get(scope)}
    assert changed == funds_of(watch.table, pk, relief)


def test_a_delete_and_a_bulk_insert_draw_the_fund_s_token_again(relief, elderly, yining, clerk_yining):
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)
    before = tokens()
    lines = list(ReturnFunding.objects.filter(ret=ret))
    ReturnFunding.objects.filter(ret=ret).delete()
    deleted = tokens()
    assert deleted[relief.pk] != before[relief.pk] and deleted[elderly.pk] == before[elderly.pk]
    for line in lines:
        line.pk = None
    ReturnFunding.objects.bulk_create(lines)
    assert tokens()[relief.pk] not in {before[relief.pk], deleted[relief.pk]}


def test_a_rolled_back_change_never_lends_its_token_to_a_later_one(relief, yining, clerk_yining):
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)
    before = tokens()[relief.pk]
    with transaction.atomic():
        Return.objects.filter(pk=ret.pk).update(version=ret.version + 1)
        inside = tokens()[relief.pk]
        transaction.set_rollback(True)
    assert tokens()[relief.pk] == before
    Return.objects.filter(pk=ret.pk).update(version=ret.version + 1)
    assert tokens()[relief.pk] not in {before, inside}


def test_a_scope_without_a_token_has_no_key(relief):
    assert versions.key("board", [relief], 1) is not None
    DataVersion.objects.filter(scope=relief.pk).delete()
    assert versions.key("board", [relief], 1) is None


def test_the_tokens_of_funds_and_of_the_region_tree_in_one_query(relief, elderly, django_assert_num_queries):
    stored = tokens()
    with django_assert_num_queries(1):
        read = versions.tokens([relief.pk, elderly.pk, relief.pk])  # each scope once
    assert read == {0: stored[0], relief.pk: stored[relief.pk], elderly.pk: stored[elderly.pk]}
    assert versions.tokens([10**9]) == {0: stored[0]}  # a scope without a row has no token
    asked = Fund.objects.filter(pk=relief.pk)
    assert versions.tokens(asked) == {0: stored[0], relief.pk: stored[relief.pk]}


# --- the board from the cache ----------------------------------------------------------------------


def board(client, code="650000", fund="xj-2024-relief", **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("board", args=[fund, code]), query)
    assert response.status_code == 200
    ledger_read = any("transfers_allocation" in q["sql"] for q in queries)
    return response.content.decode(), ledger_read


def section(page: str) -> str:
    """The board's body, the cached part (the page around it carries the form's CSRF token)."""
    return page[page.index('<section class="card') : page.index("</section>")]


def row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-region="{re.escape(code)}".*?</tr>', page, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def test_the_board_is_built_once_and_then_read_from_the_cache(client, admin_xj):
    client.force_login(admin_xj)
    first, read = board(client, status="draft")
    assert read
    again, read = board(client, status="draft")
    assert not read and section(again) == section(first)
    # A search is built every time; another page or filter is a board of its own.
    assert board(client, q="伊")[1] and board(client, q="伊")[1]
    assert board(client, status="approved")[1]


def test_a_return_opened_through_the_service_shows_at_once(client, admin_xj, relief, yining, clerk_yining):
    client.force_login(admin_xj)
    page, _ = board(client, "654000")
    assert 'data-status="none"' in row(page, "654002")
    return_open(fund=relief, region=yining, actor=clerk_yining)
    page, read = board(client, "654000")
    assert read and 'data-status="draft"' in row(page, "654002")


def test_a_raw_update_of_approved_spending_shows_at_once(
    client, admin_xj, relief, yining, clerk_yining, reviewer_yili
):
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)
    fill_submit_approve(
        ret, clerk=clerk_yining, reviewer=reviewer_yili, funding={"central": {"spent": D("9000.50")}}
    )
    client.force_login(admin_xj)
    assert "9,000.50" in row(board(client, "654000")[0], "654002")
    ReturnFunding.objects.filter(ret=ret, source="central").update(spent=D("8000.25"))
    page, read = board(client, "654000")
    assert read and "8,000.25" in row(page, "654002") and "9,000.50" not in row(page, "654002")


def test_a_renamed_region_shows_at_once(client, admin_xj):
    client.force_login(admin_xj)
    assert "伊宁市" in row(board(client, "654000")[0], "654002")
    Region.objects.filter(code="654002").update(name="伊宁市（测试改名）")
    assert "伊宁市（测试改名）" in row(board(client, "654000")[0], "654002")


def test_the_ministry_s_read_only_board_is_not_the_province_s(client, admin_xj, relief, yining, clerk_yining):
    ret = return_open(fund=relief, region=yining, actor=clerk_yining)
    client.force_login(admin_xj)
    assert reverse("indicators:detail", args=[ret.pk]) in row(board(client, "654000")[0], "654002")
    client.force_login(User.objects.get(username="ministry_mca"))
    page = client.get(reverse("nation:region_board", args=["mca-2024-relief", "654000"])).content.decode()
    assert 'data-status="draft"' in row(page, "654002") and "/returns/" not in page.split("<main")[-1]


def test_a_region_without_a_board_stays_404_after_a_board_was_kept(client, admin_xj):
    client.force_login(admin_xj)
    board(client, "654000")
    assert client.get(reverse("board", args=["xj-2024-relief", "654002"])).status_code == 404
    assert client.get(reverse("board", args=["xj-2024-relief", "654002"])).status_code == 404


# --- the fund check from the cache -----------------------------------------------------------------


def checks(client, fund="xj-2024-relief"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("indicators:fund_checks", args=[fund]))
    assert response.status_code == 200
    return response.content.decode(), any("transfers_allocation" in q["sql"] for q in queries)


def test_the_fund_check_is_kept_until_a_return_below_changes(client, reviewer_yili, relief, yili):
    client.force_login(reviewer_yili)
    first, read = checks(client)
    assert read and "未获分配中央财政资金" not in first
    assert checks(client)[1] is False
    unit = Region.objects.create(
        code="654000-09", name="伊犁州测试福利院", level=3, parent=yili, kind="elderly"
    )
    ret = Return.objects.create(fund=relief, region=unit)
    ret.funding.create(source="central", spent=D("3"))
    page, read = checks(client)
    assert read and "伊犁州测试福利院：未获分配中央财政资金，却填报了中央财政资金执行数3万元。" in page


def test_the_fund_check_is_built_again_when_last_year_s_fund_changes(client, reviewer_yili, relief, elderly):
    """不低于上年 and 有所提升 read the previous year's actuals: its changes count too."""
    Fund.objects.filter(pk=relief.pk).update(previous=elderly)
    client.force_login(reviewer_yili)
    checks(client)
    assert checks(client)[1] is False
    Return.objects.filter(fund=elderly).update(version=99)
    assert checks(client)[1] is True


def test_a_kept_check_reads_the_page_it_shows_and_builds_a_lost_page_again(client):
    """The check is kept a page of regions to a key (indicators.kept): page 2 of 60 counties is
    read from its own key, and a page the cache has let go is built again."""
    from indicators.kept import CHECK_PAGE_REGIONS
    from tests.scenarios import synthetic_prefecture

    reviewer = synthetic_prefecture(60)  # 县0…县59: each allocated 10, a submitted return spending 5
    fund = Fund.objects.get(code="test-60")
    ReturnFunding.objects.filter(ret__fund=fund).update(spent=D("20"))  # over its 10: an error each
    client.force_login(reviewer)
    url = reverse("indicators:fund_checks", args=[fund.code])

    def page_two():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"page": 2}).content.decode()
        return re.findall(r'<tbody data-region="([^"]+)"', page), any(
            "transfers_allocation" in q["sql"] for q in queries
        )

    built, read = page_two()
    assert (
        read and built == [f"县{n}" for n in range(50, 60)] and "60个地区" in client.get(url).content.decode()
    )
    assert page_two() == (built, False)
    key = versions.key("findings", [fund], reviewer.region_id, "year_end")
    assert cache.get(f"{key}:{CHECK_PAGE_REGIONS}") is not None
    cache.delete(f"{key}:{CHECK_PAGE_REGIONS}")
    assert page_two() == (built, True)
    assert page_two() == (built, False)


def test_the_national_board_is_kept_until_a_province_s_fund_changes(client):
    """The ministry's board of one central fund rolls up every province's ledger: kept under all
    their data versions (nation_views), built again when one province's return moves."""
    client.force_login(User.objects.get(username="ministry_mca"))
    url = reverse("nation:board", args=["mca-2024-relief"])

    def visit():
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return page, any("transfers_allocation" in q["sql"] for q in queries)

    def xinjiang(page: str) -> str:
        return page[page.index('<tr data-region="650000"') :].split("</tr>")[0]

    first, read = visit()
    assert read and 'data-status="none"' in xinjiang(first)
    assert visit()[1] is False
    fund = Fund.objects.get(central__code="mca-2024-relief", region__code="650000")
    Return.objects.create(fund=fund, region=fund.region, status=Return.Status.DRAFT)
    page, read = visit()
    assert read and 'data-status="draft"' in xinjiang(page)


def test_a_board_asked_with_other_parameters_is_built_for_that_request_alone(client, admin_xj):
    """The page links carry the request's parameters: a kept body must not carry one visitor's
    to the next (nor an unknown status, which shows everything)."""
    client.force_login(admin_xj)
    assert board(client, "654000", x="1")[1] and board(client, "654000", x="1")[1]
    assert board(client, "654000", status="nonsense")[1] and board(client, "654000", status="nonsense")[1]
    page, read = board(client, "654000")
    assert read and "x=1" not in section(page) and "nonsense" not in section(page)


def test_a_renamed_central_fund_shows_on_its_board_at_once(client):
    """Even one no province has taken up: no fund's data version would change."""
    from transfers.models import CentralFund

    client.force_login(User.objects.get(username="ministry_mca"))
    central = CentralFund.objects.create(code="mca-2025-test", name="测试中央资金", year=2025)
    url = reverse("nation:board", args=[central.code])
    assert central.department in client.get(url).content.decode()
    CentralFund.objects.filter(pk=central.pk).update(department="民政部社会救助司（测试）")
    assert "民政部社会救助司（测试）" in client.get(url).content.decode()
