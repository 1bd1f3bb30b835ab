"""The home page shows one year's funds at a time: a province keeps every year's funds, and the
year it works on comes first — last year's while its self-evaluation goes on, although this
year's funds have arrived (issue #14: a home of 50 funds drew 50 boards)."""

import pytest
from django.urls import reverse

from indicators.models import Return
from transfers.models import Fund, Region
from transfers.services import fund_save

pytestmark = pytest.mark.django_db


def board_link(code: str, region: str = "650000") -> str:
    """The link each fund's card on the home page gives to its board."""
    return reverse("board", args=[code, region])


@pytest.fixture
def next_year(admin_xj) -> Fund:
    fund, _ = fund_save(
        actor=None, code="xj-2025-test", name="来年测试资金", year=2025, region=admin_xj.region
    )
    return fund


def test_the_year_being_reported_comes_first_and_the_next_is_a_click_away(client, admin_xj, next_year):
    client.force_login(admin_xj)
    page = client.get(reverse("home")).content.decode()
    # 2024 has returns below 新疆, 2025 none yet: 2024's funds, and a link to each year.
    assert board_link("xj-2024-relief") in page and "来年测试资金" not in page
    assert (
        'aria-current="page" href="?year=2024">2024年资金' in page
        and 'href="?year=2025">2025年资金（1项）' in page
    )
    later = client.get(reverse("home"), {"year": "2025"}).content.decode()
    assert "来年测试资金" in later and board_link("xj-2024-relief") not in later
    # A year nobody has: the default again.
    assert board_link("xj-2024-relief") in client.get(reverse("home"), {"year": "1999"}).content.decode()


def test_once_the_new_year_is_reported_on_it_comes_first(client, admin_xj, next_year):
    Return.objects.create(fund=next_year, region=Region.objects.get(code="654000"))
    client.force_login(admin_xj)
    page = client.get(reverse("home")).content.decode()
    assert "来年测试资金" in page and board_link("xj-2024-relief") not in page


def test_a_single_year_has_no_year_links(client, admin_xj):
    client.force_login(admin_xj)
    page = client.get(reverse("home")).content.decode()
    assert "年资金（" not in page and board_link("xj-2024-relief") in page


@pytest.mark.parametrize("page", ["reports:index", "deadlines:list"])
def test_reports_and_deadlines_show_the_same_year_as_the_home_page(client, admin_xj, next_year, page):
    client.force_login(admin_xj)
    first = client.get(reverse(page)).content.decode()
    assert "困难群众救助补助资金" in first and "来年测试资金" not in first
    assert 'aria-current="page" href="?year=2024">2024年资金（2项）' in first
    assert 'href="?year=2025">2025年资金（1项）' in first
    later = client.get(reverse(page), {"year": "2025"}).content.decode()
    assert "来年测试资金" in later and "困难群众救助补助资金" not in later
