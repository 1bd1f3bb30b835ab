"""Parallel submits and parallel first opens of a return answer 409 or a redirect, never 500.

These need a database that takes writes from several connections at once and row locks:
PostgreSQL (CI's first run). SQLite serialises every write and ignores SELECT … FOR UPDATE,
so there the race cannot happen and the tests are skipped.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from evalportal.models import User
from indicators.models import Return
from indicators.services import return_open
from tests.scenarios import form_data
from transfers.models import Fund

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="需要PostgreSQL（CI第一轮）：SQLite不能并发写入"
)

PARALLEL = 20


def in_parallel(request_fn, count=PARALLEL) -> list[int]:
    """Run ``request_fn(client)`` in ``count`` threads released together; their status codes."""
    barrier = threading.Barrier(count)
    codes, errors = [], []

    def run():
        from django.db import connections

        client = Client(raise_request_exception=False)
        try:
            barrier.wait(timeout=30)
            codes.append(request_fn(client).status_code)
        except Exception as exc:  # a thread's failure is reported, not lost
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return codes


def test_parallel_first_opens_all_land_on_one_return(committed_demo):
    clerk = User.objects.get(username="clerk_yining")
    fund = Fund.objects.get(code="xj-2024-relief")
    Return.objects.filter(fund=fund, region=clerk.region).delete()

    def open_it(client):
        client.force_login(clerk)
        return client.post(reverse("indicators:start", args=[fund.code]), {"period": "year_end"})

    codes = in_parallel(open_it)
    assert 500 not in codes and set(codes) == {302}
    assert Return.objects.filter(fund=fund, region=clerk.region, period="year_end").count() == 1


def test_parallel_submits_answer_409_or_redirect(committed_demo):
    clerk = User.objects.get(username="clerk_yining")
    fund = Fund.objects.get(code="xj-2024-relief")
    Return.objects.filter(fund=fund, region=clerk.region).delete()
    ret = return_open(fund=fund, region=clerk.region, actor=clerk)
    url = reverse("indicators:edit", args=[ret.pk])
    # The draft is saved first: then every parallel submit saves nothing new and goes on to
    # the submit step together (the double click of the issue).
    first = Client()
    first.force_login(clerk)
    assert first.post(url, form_data(ret, save="1")).status_code == 302
    ret.refresh_from_db()
    data = form_data(ret, submit="1", acknowledge="on")

    def submit(client):
        client.force_login(clerk)
        return client.post(url, data)

    codes = in_parallel(submit)
    assert 500 not in codes
    assert set(codes) <= {302, 409}
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED
