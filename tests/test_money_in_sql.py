"""The two money rules said once in SQL (issue #14): where an allocation counts
(``transfers.budgets.allocation_reach``) and where an approved return's figures count
(``indicators.ledger.return_reach``).

A ledger reads them with its rows and builds every node of its tree from them; the list of
central funds sums them in the database at each province (``ledger.at_roots``) without reading
a tree. The figures below are worked out by hand from the rules of docs/domain.md §4–5, not by
the code: a small province with money passed down two levels, a project, an approved
prefecture above approved counties, and a county funded straight from the centre.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evalportal.models import User
from indicators.ledger import FundLedger, at_roots
from indicators.models import Period, Return
from indicators.nation import national_totals
from transfers.models import Allocation, CentralFund, Fund, Notice, Project, Region

pytestmark = pytest.mark.django_db
D = Decimal
APPROVED, DRAFT = Return.Status.APPROVED, Return.Status.DRAFT


def region(code, name, parent=None):
    level = 1 if parent is None else parent.level + 1
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


def give(fund, notice, to, amount, *, giver=None, source="central", kind="batch"):
    target = {"project": to} if isinstance(to, Project) else {"region": to}
    Allocation.objects.create(
        fund=fund, notice=notice, from_region=giver, source=source, kind=kind, amount=D(amount), **target
    )


def report(fund, where, status, lines, *, period=Period.YEAR_END):
    """A return of ``where`` (a region or a project) with money lines {source: (budget, spent)}."""
    if isinstance(where, Project):
        ret = Return.objects.create(
            fund=fund, region=where.region, project=where, status=status, period=period
        )
    else:
        ret = Return.objects.create(fund=fund, region=where, status=status, period=period)
    for source, (budget, spent) in lines.items():
        ret.funding.create(source=source, budget=budget, spent=spent)
    return ret


@pytest.fixture
def small_province():
    """测试省: 州甲 (县甲一 with a project, 县甲二) and 州乙 (县乙一).

    Allocations: the centre sends the province 100 (本次) and 10 (提前), and 县乙一 7 directly;
    the province passes 60 to 州甲 and 30 to 州乙, and 5 of its own money to the project; 州甲
    passes 40 to 县甲一 and 20 to 县甲二, and 县甲一 2 of its 40 to its project.

    Returns: 县甲一 approved (spent 30), its project approved (spent 4 of the province's
    money), 县甲二 approved (spent 15, and 6 of a stated 8 of its own money), 州甲 none; 州乙
    approved (spent 25) above 县乙一 approved (spent 7); the province a draft."""
    p = region("730000", "测试省")
    a, b = region("730100", "州甲", p), region("730200", "州乙", p)
    a1, a2, b1 = region("730101", "县甲一", a), region("730102", "县甲二", a), region("730201", "县乙一", b)
    fund = Fund.objects.create(code="sql-2024", name="测试资金", year=2024, region=p)
    notice = Notice.objects.create(province=p, issuer="测试", number="测〔2024〕1号", title="测试")
    project = Project.objects.create(fund=fund, region=a1, name="县甲一试点项目")
    give(fund, notice, p, 100)
    give(fund, notice, p, 10, kind="advance")
    give(fund, notice, b1, 7)
    give(fund, notice, a, 60, giver=p)
    give(fund, notice, b, 30, giver=p)
    give(fund, notice, project, 5, giver=p, source="provincial")
    give(fund, notice, a1, 40, giver=a)
    give(fund, notice, a2, 20, giver=a)
    give(fund, notice, project, 2, giver=a1)  # of 县甲一's 40: counted at the project only
    report(fund, a1, APPROVED, {"central": (None, D(30))})
    report(fund, project, APPROVED, {"provincial": (None, D(4))})
    report(fund, a2, APPROVED, {"central": (None, D(15)), "local": (D(8), D(6))})
    report(fund, b, APPROVED, {"central": (None, D(25))})
    report(fund, b1, APPROVED, {"central": (None, D(7))})
    own = report(fund, p, DRAFT, {"central": (None, D(99))})
    return fund, {"p": p, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "x": project, "own": own}


def money(figures):
    """{source: (budget, spent)} of the lines that have either."""
    return {m.source: (m.budget, m.spent) for m in figures if m.budget is not None or m.spent is not None}


def test_each_node_receives_what_enters_its_subtree_from_outside(small_province):
    fund, r = small_province
    ledger = FundLedger(fund, r["p"])
    received = {
        name: ledger.budgets.of(ledger.tree.recipient(**key(r[name]))).amounts for name in r if name != "own"
    }
    assert received == {
        # 100 + 10 from the centre, and the centre's 7 to 县乙一; what it passes on stays out
        "p": {("central", "batch"): D(107), ("central", "advance"): D(10)},
        "a": {("central", "batch"): D(60), ("provincial", "batch"): D(5)},  # the project's 5 too
        "b": {("central", "batch"): D(37)},
        "a1": {("central", "batch"): D(40), ("provincial", "batch"): D(5)},
        "a2": {("central", "batch"): D(20)},
        "b1": {("central", "batch"): D(7)},
        "x": {("provincial", "batch"): D(5), ("central", "batch"): D(2)},
    }


def key(where):
    return {"project_id": where.pk} if isinstance(where, Project) else {"region_id": where.pk}


def test_each_node_counts_its_own_approved_return_else_those_below(small_province):
    fund, r = small_province
    ledger = FundLedger(fund, r["p"])

    def account(name):
        return ledger.account(ledger.tree.recipient(**key(r[name])))

    assert account("x").basis == "own"
    assert money(account("x").figures) == {"central": (D(2), None), "provincial": (D(5), D(4))}
    # 县甲一's own return, not it and its project together
    assert money(account("a1").figures) == {"central": (D(40), D(30)), "provincial": (D(5), None)}
    assert [n.name for n in account("a1").below.nodes] == ["县甲一试点项目"]
    # 州甲 has none: its two counties, in print order, the project left out (县甲一 counts it)
    assert account("a").basis == "rolled_up"
    assert [n.name for n in account("a").below.nodes] == ["县甲一", "县甲二"]
    assert money(account("a").figures) == {
        "central": (D(60), D(45)),
        "provincial": (D(5), None),
        "local": (D(8), D(6)),
    }
    # 州乙's own 25, not 25 + 县乙一's 7
    assert account("b").basis == "own" and money(account("b").figures) == {"central": (D(37), D(25))}
    assert [n.name for n in account("b").below.nodes] == ["县乙一"]
    # The province's draft counts nowhere: 州甲's two counties and 州乙
    root = ledger.account()
    assert root.basis == "rolled_up"
    assert [n.name for n in root.below.nodes] == ["县甲一", "县甲二", "州乙"]
    assert money(root.figures) == {"central": (D(117), D(70)), "local": (D(8), D(6))}
    assert (root.total.budget, root.total.spent) == (D(125), D(76))


def test_the_root_summed_in_the_database_is_the_ledger_s_root(small_province):
    fund, r = small_province
    with CaptureQueriesContext(connection) as queries:
        found = at_roots([fund])[fund.pk]
    assert len(queries) == 2  # the allocations, and the returns' lines: no tree, no rows
    assert found.basis == "rolled_up"
    assert money(found.figures) == {"central": (D(117), D(70)), "local": (D(8), D(6))}
    # The province approves its own return: its 99 is the figure, whatever lies below.
    Return.objects.filter(pk=r["own"].pk).update(status=APPROVED)
    found = at_roots([fund])[fund.pk]
    assert found.basis == "own" and money(found.figures) == {"central": (D(117), D(99))}
    assert FundLedger(fund, r["p"]).account().basis == "own"
    # 州乙 reopened: 县乙一's 7 counts at 州乙, and the province still counts its own.
    Return.objects.filter(pk=r["own"].pk).update(status=DRAFT)
    Return.objects.filter(region=r["b"]).update(status=Return.Status.SUBMITTED)
    found = at_roots([fund])[fund.pk]
    assert money(found.figures) == {"central": (D(117), D(52)), "local": (D(8), D(6))}  # 45 + 7
    assert money(FundLedger(fund, r["p"]).account().figures) == money(found.figures)


def test_a_fund_with_nothing_approved_has_no_figures_and_keeps_its_budget(small_province):
    fund, _r = small_province
    Return.objects.filter(fund=fund).update(status=DRAFT)
    found = at_roots([fund])[fund.pk]
    assert found.basis == "none"
    assert money(found.figures) == {"central": (D(117), None)}
    assert at_roots([fund], Period.MID_YEAR)[fund.pk].basis == "none"  # no mid-year return at all


def test_the_list_of_central_funds_adds_the_provinces_up(client, small_province):
    fund, r = small_province
    central = CentralFund.objects.create(code="sql-central", name="测试中央资金", year=2024)
    q = region("740000", "测试二省")
    other = Fund.objects.create(code="sql-2024-b", name="测试资金", year=2024, region=q, central=central)
    notice = Notice.objects.create(province=q, issuer="测试", number="测〔2024〕2号", title="测试")
    give(other, notice, q, 50)
    report(other, q, APPROVED, {"central": (None, D(20))})
    Fund.objects.filter(pk=fund.pk).update(central=central)
    total = national_totals([central])[central.pk]
    assert (total.provinces, total.approved) == (2, 1)
    assert (total.central_money.budget, total.central_money.spent) == (D(167), D(90))  # 117 + 50, 70 + 20
    assert total.central_money.rate == D("53.89")  # 90 / 167, half-up
    client.force_login(User.objects.get(username="ministry_mca"))
    page = client.get(reverse("nation:funds")).content.decode()
    row = page.split('data-fund="sql-central"')[1].split("</tr>")[0]
    assert ">167.00<" in row and ">90.00<" in row and ">53.89%<" in row and ">1/2<" in row
    # The demo's relief fund: nothing approved anywhere, its 执行数 and rate a dash, not blank.
    relief = page.split('data-fund="mca-2024-relief"')[1].split("</tr>")[0]
    assert '<td class="num">—</td><td class="num">—</td>' in relief
