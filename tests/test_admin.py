"""The Django admin: returns change only through the workflow, every other change is audited,
and nothing is imported through it (the portal's imports check what the admin cannot)."""

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from evalportal.models import AuditEvent, User
from indicators.models import Return
from tests.seed_figures import YINING_RELIEF_BATCH
from transfers.models import Allocation

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = User.objects.create_superuser("operator", password="x")
    client.force_login(user)
    return user


def test_a_return_cannot_be_changed_or_deleted_in_the_admin(client, operator, yining_return):
    url = reverse("admin:indicators_return_change", args=[yining_return.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()  # shown, not editable
    response = client.post(
        url, {"status": "approved", "fund": yining_return.fund_id, "region": yining_return.region_id}
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("admin:indicators_return_delete", args=[yining_return.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    yining_return.refresh_from_db()
    assert yining_return.status == Return.Status.DRAFT


def test_an_allocation_changed_in_the_admin_is_audited(client, operator):
    line = Allocation.objects.get(fund__code="xj-2024-relief", region__code="654002", kind="batch")
    url = reverse("admin:transfers_allocation_change", args=[line.pk])
    data = {
        "fund": line.fund_id,
        "notice": line.notice_id,
        "from_region": line.from_region_id,
        "region": line.region_id,
        "project": "",
        "kind": line.kind,
        "source": line.source,
        "amount": "5600",  # seed 003: 5586
        "order": line.order,
    }
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(object_type="transfers.allocation", object_id=str(line.pk)).first()
    assert event.actor == operator and event.comment == "通过管理后台"
    assert event.changes["金额（万元）"] == [f"{YINING_RELIEF_BATCH:.2f}", "5600"]
    line.refresh_from_db()
    assert line.amount == Decimal("5600")


def test_the_admin_exports_but_does_not_import(client, operator):
    assert client.get(reverse("admin:transfers_allocation_export")).status_code == 200
    with pytest.raises(NoReverseMatch):  # there is no import page at all
        reverse("admin:transfers_allocation_import")
