"""待我审核 at scale: the home page lists the earliest submissions and links to the whole queue,
which pages, is narrowed by fund and by name, and shows nobody another region's returns."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Return
from tests.scenarios import project_fund, project_return, synthetic_prefecture
from transfers.models import Allocation, Fund, Notice, Region

pytestmark = pytest.mark.django_db
D = Decimal


def listed(page: str) -> list[str]:
    """The regions of the queue's rows, in the order listed."""
    return re.findall(r'aria-label="选择([^"]+)"', page)


def test_the_home_page_lists_the_ten_earliest_and_links_to_all(client):
    reviewer = synthetic_prefecture(150)  # 县0 … 县149 submitted in that order
    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert "待我审核（150）" in page
    assert listed(page) == [f"县{i}" for i in range(10)]
    assert "这里列出最早提交的10份" in page
    assert f'href="{reverse("indicators:queue")}">查看全部150份</a>' in page


def test_a_short_queue_is_listed_whole_on_the_home_page(client):
    reviewer = synthetic_prefecture(3)
    client.force_login(reviewer)
    page = client.get(reverse("home")).content.decode()
    assert "待我审核（3）" in page and listed(page) == ["县0", "县1", "县2"]
    assert "查看全部" not in page
    # The menu leads to the queue from every page.
    assert f'<a class="nav-link" href="{reverse("indicators:queue")}">待我审核</a>' in page


def test_the_queue_pages_fifty_at_a_time_earliest_first(client):
    reviewer = synthetic_prefecture(150)
    client.force_login(reviewer)
    url = reverse("indicators:queue")
    first = client.get(url).content.decode()
    assert "待我审核（150）" in first
    assert listed(first) == [f"县{i}" for i in range(50)]
    assert "第1–50份填报，共150份" in first
    last = client.get(url, {"page": 3}).content.decode()
    assert listed(last) == [f"县{i}" for i in range(100, 150)]
    assert "第101–150份填报，共150份" in last
    # Each row can be ticked for the bulk approval, which lists what is open before approving.
    ids = re.findall(r'name="ids" value="(\d+)"', last)
    assert len(ids) == 50
    assert f'action="{reverse("indicators:bulk_confirm")}"' in last
    confirm = client.get(reverse("indicators:bulk_confirm"), {"ids": ids}).content.decode()
    assert confirm.count("县1") >= 50  # 县100 … 县149, each named on the confirmation page


def test_the_queue_finds_by_name_and_keeps_the_filter_across_pages(client):
    reviewer = synthetic_prefecture(150)
    client.force_login(reviewer)
    page = client.get(reverse("indicators:queue"), {"q": "县14"}).content.decode()
    assert listed(page) == ["县14"] + [f"县{i}" for i in range(140, 150)]
    assert "找到11份" in page and "待我审核（150）" in page
    page = client.get(reverse("indicators:queue"), {"q": "县1"}).content.decode()  # 县1, 县10–19, 县100–149
    assert "找到61份" in page and "q=%E5%8E%BF1&amp;page=2" in page
    page = client.get(reverse("indicators:queue"), {"q": "县1", "page": 2}).content.decode()
    assert len(listed(page)) == 11
    page = client.get(reverse("indicators:queue"), {"q": "乌鲁木齐"}).content.decode()
    assert "没有符合条件的待审核填报" in page and listed(page) == []


def test_the_queue_narrows_by_fund(client):
    reviewer = synthetic_prefecture(10)
    prefecture = reviewer.region
    province = prefecture.parent
    other = Fund.objects.create(code="test-10-b", name="第二项资金", year=2025, region=province)
    notice = Notice.objects.create(province=province, issuer="测试", number="测〔2025〕1号", title="测试")
    for county in Region.objects.filter(parent=prefecture).order_by("code")[:3]:
        Allocation.objects.create(
            fund=other, notice=notice, from_region=province, region=county, amount=D("8")
        )
        Return.objects.create(fund=other, region=county, status=Return.Status.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("indicators:queue")
    whole = client.get(url).content.decode()
    assert "待我审核（13）" in whole and len(listed(whole)) == 13
    # The filter offers the queue's two funds, the later year first.
    assert re.findall(r'<option value="([^"]*)"', whole) == ["", "test-10-b", "test-10"]
    narrowed = client.get(url, {"fund": "test-10-b"}).content.decode()
    assert listed(narrowed) == ["县0", "县1", "县2"] and "找到3份" in narrowed
    assert '<option value="test-10-b" selected>' in narrowed
    assert "2025年 第二项资金" in narrowed and "测试资金" not in narrowed.split("<tbody>")[1]
    both = client.get(url, {"fund": "test-10-b", "q": "县2"}).content.decode()
    assert listed(both) == ["县2"]
    unknown = client.get(url, {"fund": "no-such-fund"}).content.decode()
    assert listed(unknown) == [] and "没有符合条件的待审核填报" in unknown


def test_nobody_sees_another_regions_queue(client, reviewer_yili, clerk_yining):
    synthetic_prefecture(10)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:queue")).content.decode()
    assert "待我审核（0）" in page and listed(page) == [] and "暂无待审核的填报" in page
    # Nor the funds of another province's queue, by its code.
    page = client.get(reverse("indicators:queue"), {"fund": "test-10"}).content.decode()
    offered = re.search(r'<select[^>]*id="queue-fund".*?</select>', page, re.S).group(0)
    assert listed(page) == [] and re.findall(r'<option value="([^"]*)"', offered) == [""]


def test_a_clerk_has_no_review_queue(client, clerk_yining):
    client.force_login(clerk_yining)
    assert reverse("indicators:queue") not in client.get(reverse("home")).content.decode()
    response = client.get(reverse("indicators:queue"))
    assert response.status_code == 403
    assert "只有审核员或管理员可以审核" in response.content.decode()


def test_the_queue_costs_the_same_queries_for_10_or_150_returns(client):
    counts = []
    for count in (10, 150):
        client.force_login(synthetic_prefecture(count))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("indicators:queue")).content.decode()
        assert f"待我审核（{count}）" in page
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_bulk_approval_from_the_queue_comes_back_to_the_same_page(client):
    reviewer = synthetic_prefecture(60)
    client.force_login(reviewer)
    page_2 = reverse("indicators:queue") + "?page=2"
    page = client.get(page_2).content.decode()
    assert f'name="back" value="{page_2}"' in page
    ids = re.findall(r'name="ids" value="(\d+)"', page)  # 县50 … 县59
    confirm = client.get(reverse("indicators:bulk_confirm"), {"ids": ids, "back": page_2}).content.decode()
    assert f'name="next" value="{page_2}"' in confirm and f'href="{page_2}">返回</a>' in confirm
    # Nothing ticked: back to the queue's page, with the reason.
    response = client.get(reverse("indicators:bulk_confirm"), {"back": page_2})
    assert response.status_code == 302 and response.url == page_2
    # Another site is never a way back.
    response = client.get(reverse("indicators:bulk_confirm"), {"back": "https://example.com/"})
    assert response.url == reverse("home")
    confirm = client.get(
        reverse("indicators:bulk_confirm"), {"ids": ids, "back": "https://example.com/"}
    ).content.decode()
    assert "example.com" not in confirm


def test_a_project_s_return_is_named_with_its_project_and_found_by_it(
    client, admin_xj, clerk_yining, reviewer_yili
):
    pf = project_fund(admin=admin_xj, amounts={"伊宁市": 100})
    ret = project_return(pf, "伊宁市", clerk=clerk_yining)
    Return.objects.filter(pk=ret.pk).update(status=Return.Status.SUBMITTED)
    client.force_login(reviewer_yili)
    page = client.get(reverse("indicators:queue")).content.decode()
    assert listed(page) == ["伊宁市 · 伊宁市县域养老服务体系创新试点项目"]
    assert listed(client.get(reverse("indicators:queue"), {"q": "试点"}).content.decode()) == listed(page)
    assert "伊宁市 · 伊宁市县域养老服务体系创新试点项目" in client.get(reverse("home")).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="只在PostgreSQL上（CI第一轮）：查询计划")
def test_the_queue_reads_the_waiting_returns_by_their_own_index_not_every_return():
    """Every reviewer's and administrator's home page asks for the queue twice (its rows, its
    count): with the national dataset's 167,000 returns, a scan of them all took 15 ms each.
    The partial index return_waiting_review holds the submitted returns only; the plan must
    reach them through it, never by reading the table."""
    from indicators.selectors import review_queue

    reviewer = synthetic_prefecture(3)
    queue = review_queue(reviewer)
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test's tables are too small to choose it
        for query in (queue, queue[:10]):
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        sql, params = queue.query.get_compiler(using=queue.db).as_sql()
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) q", params)
        plans.append("\n".join(row[0] for row in cursor.fetchall()))
    for plan in plans:
        assert "return_waiting_review" in plan, plan
        assert "Seq Scan on indicators_return" not in plan, plan
    assert queue.count() == 3
