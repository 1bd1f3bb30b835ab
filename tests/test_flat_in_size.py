"""Issue #14: the pages that read many funds or many regions do a fixed amount of reading.

The home page of an office lists every fund with its board: the funds' regions, projects,
allocations, returns and money lines are each read once for all of them, so its queries do not
grow with the funds; a ledger builds no model instance for a money line, and the regions of the
office's subtree once per request, whatever the number of funds.
"""

from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import Role
from indicators.ledger import FundLedger
from indicators.models import Return, ReturnFunding
from tests.scenarios import person
from transfers.models import Allocation, Fund, Notice, Region

D = Decimal
COUNTIES = 3


@contextmanager
def instances_built():
    """Counter of model classes → instances built inside the block (Django's post_init)."""
    built: Counter = Counter()

    def count(sender, **kwargs):
        built[sender.__name__] += 1

    post_init.connect(count, weak=False)
    try:
        yield built
    finally:
        post_init.disconnect(count)


def add_fund(province: Region, index: int) -> Fund:
    """A fund of ``province``: 10 to each county, each county's return submitted with 5 spent,
    and the prefecture's return approved with 12 spent (the figure its row shows)."""
    fund = Fund.objects.create(code=f"flat-{index}", name=f"测试资金{index}", year=2024, region=province)
    notice = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2024〕{index}号", title="测试"
    )
    prefecture = province.children.get()
    for county in prefecture.children.all():
        Allocation.objects.create(
            fund=fund, notice=notice, from_region=province, region=county, amount=D("10")
        )
        ret = Return.objects.create(fund=fund, region=county, status=Return.Status.SUBMITTED)
        ret.funding.create(source="central", spent=D("5"))
    ret = Return.objects.create(fund=fund, region=prefecture, status=Return.Status.APPROVED)
    ret.funding.create(source="central", spent=D("12"))
    return fund


@pytest.fixture
def flat_province(db):
    """测试省 (730000) with one prefecture of three counties, and its administrator."""
    province = Region.objects.create(code="730000", name="测试省", level=1)
    prefecture = Region.objects.create(code="730100", name="测试州", level=2, parent=province)
    for index in range(COUNTIES):
        Region.objects.create(code=f"73010{index + 1}", name=f"测试县{index + 1}", level=3, parent=prefecture)
    return province, person("admin_flat", "730000", Role.ADMIN)


def home_of(client, user) -> tuple[str, int, Counter]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries, instances_built() as built:
        page = client.get(reverse("home")).content.decode()
    return page, len(queries), built


def test_the_home_page_reads_one_fund_or_four_in_the_same_queries(client, flat_province):
    province, admin = flat_province
    add_fund(province, 1)
    page, one, built_one = home_of(client, admin)
    assert "测试资金1" in page
    for index in (2, 3):
        add_fund(province, index)
    page, three, built_three = home_of(client, admin)
    assert one == three, (one, three)
    # Every fund's board is there, with the prefecture's approved 12 of 30 allocated: 40.00%.
    for index in (1, 2, 3):
        assert f"测试资金{index}" in page
    assert page.count("40.00%") >= 3
    # The regions of the subtree are built once for all funds, the money lines never, and of
    # the returns only those the boards print: each fund's one row, the prefecture.
    assert built_one["Region"] == built_three["Region"]
    assert built_three["ReturnFunding"] == 0
    assert built_three["Return"] == 3
    # A fourth fund: one line each (tests/test_home_funds.py), read as the boards were, less
    # the boards' share of lines filled (the funds' data versions are read once in either view,
    # for the lines and the deadline notices); nothing printed needs a return built.
    add_fund(province, 4)
    page, four, built_four = home_of(client, admin)
    # 测试省 itself received nothing (its counties' money is allocated from it unrecorded): no
    # 全年预算数, so no rate; its 12 spent is the prefecture's, whose 40.00% is on each board.
    assert "2024年资金一览（4项）" in page and page.count('<td class="num">—</td>') == 8
    assert four == three - 1, (three, four)
    assert built_four["Region"] <= built_one["Region"]
    assert built_four["ReturnFunding"] == built_four["Return"] == 0
    # Again, nothing changed: the page's body kept whole under the funds' data versions. Read:
    # the person, the funds' data versions and the funds; no ledger, no deadline, no return of
    # the review queue or of the year's question, no region of the tree built.
    again, queries, built_again = home_of(client, admin)
    assert again.split("<main")[-1].count('<td class="num">—</td>') == 8
    assert queries == 3, (four, queries)
    assert built_again == {"Fund": 4, "User": 1, "Region": 1}  # the funds, the office and its region


def add_counties(fund: Fund, count: int) -> None:
    """``count`` more counties under 测试州, each allocated 10 with a submitted return spending 5."""
    prefecture = Region.objects.get(code="730100")
    notice = Notice.objects.get(province=fund.region, number__endswith="1号")
    start = prefecture.children.count() + 1
    for index in range(start, start + count):
        county = Region.objects.create(
            code=f"7301{index:02d}", name=f"测试县{index}", level=3, parent=prefecture
        )
        Allocation.objects.create(
            fund=fund, notice=notice, from_region=fund.region, region=county, amount=D("10")
        )
        ret = Return.objects.create(fund=fund, region=county, status=Return.Status.SUBMITTED)
        ret.funding.create(source="central", spent=D("5"))


def test_the_province_board_builds_the_same_models_for_3_or_30_counties(client, flat_province):
    """The board of the province lists one row, the prefecture: the counties below it are
    counted (units, their states, the money rolled up) without building a model for any."""
    province, admin = flat_province
    fund = add_fund(province, 1)
    Return.objects.filter(fund=fund, region__code="730100").update(status=Return.Status.SUBMITTED)
    client.force_login(admin)
    url = reverse("board", args=[fund.code, province.code])

    def board():
        with CaptureQueriesContext(connection) as queries, instances_built() as built:
            page = client.get(url).content.decode()
        return page, len(queries), built

    page, queries_3, built_3 = board()
    assert "已提交 3" in page
    add_counties(fund, 27)
    page, queries_30, built_30 = board()
    assert "已提交 30" in page
    # 30 counties × 10 allocated; nothing approved yet, so nothing spent is shown.
    assert "300.00" in page
    assert queries_3 == queries_30
    assert built_3 == built_30, (built_3, built_30)


def test_ledgers_for_many_funds_are_the_ledgers_of_each(flat_province):
    province, _admin = flat_province
    funds = [add_fund(province, index) for index in (1, 2)]
    # The second fund's prefecture return is sent back: its figures roll up from the counties.
    Return.objects.filter(fund=funds[1], region__code="730100").update(status=Return.Status.RETURNED)
    together = FundLedger.for_funds(funds, province)
    for fund in funds:
        alone = FundLedger(fund, province)
        for node in alone.tree.root.walk():
            mine, theirs = (
                alone.account(node),
                together[fund.pk].account(together[fund.pk].tree.nodes[node.key]),
            )
            assert (mine.basis, mine.total, mine.received.total) == (
                theirs.basis,
                theirs.total,
                theirs.received.total,
            )
    prefecture = together[funds[1].pk].tree.region(Region.objects.get(code="730100").pk)
    # Nothing approved below it: the counties are only submitted.
    assert together[funds[1].pk].account(prefecture).basis == "none"
    assert together[funds[0].pk].account(prefecture).total.spent == D("12")
    # The province passed its money on inside its own subtree: the prefecture holds the 30.
    assert together[funds[0].pk].account(prefecture).total.budget == D("30")
    assert together[funds[0].pk].account().total.budget is None


def test_a_ledger_builds_no_money_line_models(flat_province):
    province, _admin = flat_province
    fund = add_fund(province, 1)
    with instances_built() as built:
        ledger = FundLedger(fund, province)
        spent = ledger.account().total.spent
    assert spent == D("12")
    assert built["ReturnFunding"] == 0
    assert ReturnFunding.objects.filter(ret__fund=fund).count() == COUNTIES + 1
