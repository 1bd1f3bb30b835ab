"""A region sits exactly one level below its parent: province → prefecture → county, no deeper.

Said twice: by ``Region.clean`` in Chinese to the admin, the forms and the services, and by the
database (a trigger, ``transfers.level_guard``, and the check ``region_level_known``) to every
other write. These run on SQLite here; CI runs them on PostgreSQL as well.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from evalportal.models import User
from transfers import level_guard
from transfers.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def xinjiang():
    return Region.objects.get(code="650000")


def refused_by_the_database(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


# --- the model's rule, in words ----------------------------------------------------------------


def test_a_region_under_a_county_is_refused_in_chinese(yining):
    region = Region(code="654002-01", name="伊宁市某街道", level=3, parent=yining, kind="rescue")
    with pytest.raises(ValidationError, match="“伊宁市”是县级区划，其下不能再设区划"):
        region.full_clean()


def test_a_region_skipping_a_level_is_refused(xinjiang):
    region = Region(code="650199", name="跨级县", level=3, parent=xinjiang)
    with pytest.raises(
        ValidationError, match="上级“新疆维吾尔自治区”是省级，本区划应为地州市（2），不能跨级"
    ):
        region.full_clean()


def test_a_region_at_its_parents_level_is_refused(yili):
    region = Region(code="654099", name="同级州", level=2, parent=yili)
    with pytest.raises(ValidationError, match="本区划应为县市区（3）"):
        region.full_clean()


def test_a_region_with_children_keeps_its_level(yili):
    yili.level = Region.Level.COUNTY
    yili.parent = Region.objects.get(code="650100")
    with pytest.raises(ValidationError, match="“伊犁哈萨克自治州”有下级区划"):
        yili.full_clean()


def test_a_county_and_a_budget_unit_under_a_prefecture_are_accepted(yili):
    Region(code="654099", name="示范新区", level=3, parent=yili, kind="zone").full_clean()
    Region(code="654000-09", name="伊犁州测试福利院", level=3, parent=yili, kind="elderly").full_clean()


def test_the_admin_shows_the_rule_and_saves_nothing(client, yining):
    client.force_login(User.objects.create_superuser("operator", password="x"))
    data = {
        "code": "654002-01",
        "name": "伊宁市第四级",
        "short_name": "",
        "level": "3",
        "kind": "rescue",
        "parent": yining.pk,
        "order": "0",
        "is_active": "on",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
    }
    page = client.post(reverse("admin:transfers_region_add"), data)
    assert page.status_code == 200
    assert "“伊宁市”是县级区划，其下不能再设区划" in page.content.decode()
    assert not Region.objects.filter(code="654002-01").exists()


# --- the database's rule, for every other write ---------------------------------------------


def test_the_database_has_the_trigger():
    """A later migration that remakes transfers_region on SQLite drops it: call
    transfers.level_guard.install at its end."""
    assert level_guard.is_installed(connection)


def test_the_database_refuses_a_fourth_level(yining):
    refused_by_the_database(
        lambda: Region.objects.bulk_create([Region(code="654002-01", name="第四级", level=4, parent=yining)])
    )
    refused_by_the_database(
        lambda: Region.objects.bulk_create([Region(code="654002-01", name="第四级", level=3, parent=yining)])
    )


def test_the_database_refuses_a_skipped_level(xinjiang):
    refused_by_the_database(
        lambda: Region.objects.bulk_create([Region(code="650199", name="跨级县", level=3, parent=xinjiang)])
    )


def test_the_database_refuses_a_move_or_a_level_change_that_breaks_the_rule(yili, yining):
    # A county moved under another county, or a prefecture turned into a county under its counties.
    refused_by_the_database(lambda: Region.objects.filter(code="654003").update(parent=yining))
    refused_by_the_database(
        lambda: Region.objects.filter(pk=yili.pk).update(level=3, parent=Region.objects.get(code="650100"))
    )
    refused_by_the_database(lambda: Region.objects.filter(pk=yining.pk).update(level=2))


def test_the_database_accepts_what_the_rule_allows(yili):
    Region.objects.bulk_create([Region(code="654099", name="示范新区", level=3, parent=yili, kind="zone")])
    Region.objects.filter(code="654099").update(parent=Region.objects.get(code="654200"), name="示范区")
    assert Region.objects.get(code="654099").parent.code == "654200"
