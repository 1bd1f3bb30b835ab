"""Who sees which region and fund (transfers.selectors): the right person gets through, the wrong
one is refused.

domain.md §1: everyone sees their own region and the regions below it, nothing else. Region
counts are typed from seed 003 (fixtures/README.md): 新疆, its 14 prefectures and the 118
counties, districts and units that receive money; 伊犁州 has 11 counties and 2 budget units.
"""

from decimal import Decimal

import pytest
from django.http import Http404

from evalportal.models import Role, User
from tests.seed_figures import RELIEF_TOTAL
from transfers.models import Fund, Region
from transfers.selectors import (
    funds_for_user,
    get_fund_for_user,
    get_region_for_user,
    regions_for_user,
    regions_within,
)

pytestmark = pytest.mark.django_db

PROVINCE, YILI, YINING, HUOCHENG, YILI_RESCUE = "650000", "654000", "654002", "654023", "654000-01"
AKSU, AKSU_CITY = "652900", "652901"
FUNDS = {"xj-2024-elderly", "xj-2024-relief"}


@pytest.fixture
def nobody(db):
    """An account bound to no region (only a superuser may be: user_has_region_unless_superuser)."""
    return User.objects.create_superuser("nobody", password="x", role=Role.ADMIN)


def codes(regions):
    return set(regions.values_list("code", flat=True))


# --- regions_for_user -------------------------------------------------------------------------


def test_a_county_clerk_sees_only_her_county(clerk_yining):
    assert codes(regions_for_user(clerk_yining)) == {YINING}


def test_a_prefecture_reviewer_sees_the_prefecture_and_everything_in_it(reviewer_yili):
    seen = codes(regions_for_user(reviewer_yili))
    assert len(seen) == 14  # 伊犁州, 11 counties, 2 budget units
    assert {YILI, YINING, HUOCHENG, YILI_RESCUE} <= seen
    assert not seen & {PROVINCE, AKSU, AKSU_CITY}


def test_the_province_sees_all_three_levels(admin_xj, auditor_xj):
    for person in (admin_xj, auditor_xj):
        seen = codes(regions_for_user(person))
        # The seeds' 14 prefectures and 118 recipients; the national tree's 659000 and its 12 cities.
        assert len(seen) == 1 + 14 + 118 + 1 + 12
        assert all(code.startswith("65") for code in seen)
        assert {PROVINCE, YILI, YINING, AKSU, AKSU_CITY, YILI_RESCUE} <= seen


def test_regions_within_a_county_is_the_county(db):
    assert codes(regions_within(Region.objects.get(code=HUOCHENG))) == {HUOCHENG}


def test_an_account_without_a_region_sees_nothing(nobody):
    assert not regions_for_user(nobody).exists()
    assert not funds_for_user(nobody).exists()


# --- get_region_for_user ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "code"),
    [
        ("clerk_yining", YINING),  # her own
        ("reviewer_yili", YILI),  # his own
        ("reviewer_yili", YINING),  # a county below
        ("reviewer_yili", YILI_RESCUE),  # a budget unit below
        ("admin_xj", PROVINCE),
        ("admin_xj", YILI),  # a prefecture below
        ("admin_xj", YINING),  # a county two levels below
        ("auditor_xj", AKSU_CITY),
    ],
)
def test_the_right_person_gets_the_region(request, person, code):
    user = request.getfixturevalue(person)
    region = get_region_for_user(user, code)
    assert region == Region.objects.get(code=code)


@pytest.mark.parametrize(
    ("person", "code"),
    [
        ("clerk_yining", YILI),  # the prefecture above
        ("clerk_yining", HUOCHENG),  # a sibling county
        ("clerk_yining", PROVINCE),
        ("clerk_huocheng", YINING),
        ("reviewer_yili", PROVINCE),  # the province above
        ("reviewer_yili", AKSU),  # another prefecture
        ("reviewer_yili", AKSU_CITY),  # a county of another prefecture
        ("admin_xj", "999999"),  # no such region
        ("nobody", YINING),
    ],
)
def test_the_wrong_person_gets_404(request, person, code):
    user = request.getfixturevalue(person)
    with pytest.raises(Http404):
        get_region_for_user(user, code)


# --- funds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["clerk_yining", "reviewer_yili", "admin_xj", "auditor_xj"])
def test_everyone_in_the_province_takes_part_in_its_funds(request, person):
    user = request.getfixturevalue(person)
    assert set(funds_for_user(user).values_list("code", flat=True)) == FUNDS
    assert get_fund_for_user(user, "xj-2024-relief") == Fund.objects.get(code="xj-2024-relief")


def test_a_fund_elsewhere_or_unknown_is_404(clerk_yining, nobody):
    gansu = Region.objects.get(code="620000")  # from the national tree, with the demo's 张掖 fund
    Fund.objects.create(code="gs-2024-relief", name="困难群众救助补助资金", year=2024, region=gansu)
    assert set(funds_for_user(clerk_yining).values_list("code", flat=True)) == FUNDS
    with pytest.raises(Http404):
        get_fund_for_user(clerk_yining, "gs-2024-relief")
    with pytest.raises(Http404):
        get_fund_for_user(clerk_yining, "no-such-fund")
    with pytest.raises(Http404):
        get_fund_for_user(nobody, "xj-2024-relief")
    gansu_clerk = User.objects.create_user("clerk_gs", password="x", region=gansu, role=Role.CLERK)
    gansu_funds = set(funds_for_user(gansu_clerk).values_list("code", flat=True))
    assert gansu_funds == {"gs-2024-relief", "gs-2024-zhangye"} and not gansu_funds & FUNDS
    with pytest.raises(Http404):
        get_region_for_user(gansu_clerk, YINING)


# --- money passed down ------------------------------------------------------------------------


def test_what_each_level_passed_down():
    relief = Fund.objects.get(code="xj-2024-relief")

    def passed_down(giver):
        return sum((a.amount for a in relief.allocations.filter(from_region=giver)), Decimal("0"))

    # Seed 003: the centre sent 792267 to 新疆, which passed all of it straight to the
    # counties and units (预算直达县市); 伊犁州 itself passed nothing down.
    assert passed_down(None) == RELIEF_TOTAL[0]
    assert passed_down(Region.objects.get(code=PROVINCE)) == RELIEF_TOTAL[0]
    assert passed_down(Region.objects.get(code=YILI)) == Decimal("0")
