"""A target table beside the table above it (issue 18): what a region kept, changed, added and
left out, for the people of that region and above only."""

import pytest
from django.urls import reverse

from indicators.models import IndicatorTarget, TargetTable
from indicators.selectors import table_comparison
from indicators.services import target_table_copy
from tests.scenarios import gansu
from transfers.models import Region

pytestmark = pytest.mark.django_db

FUND = "xj-2024-relief"


@pytest.fixture
def yining_table(admin_xj):
    """伊宁市's table passed down from 伊犁州's, then one value raised, one line dropped, one added."""
    yili = TargetTable.objects.get(fund__code=FUND, region__code="654000", project__isnull=True)
    table = target_table_copy(source=yili, region=Region.objects.get(code="654002"), actor=admin_xj)
    lines = list(table.indicators.order_by("order"))
    changed, dropped = lines[3], lines[4]  # 孤儿…纳入保障范围率 ≥ 90%, 农村留守儿童…监测范围率 ≥ 85%
    changed.passed_down = changed.target_text
    changed.target_text = "≥95%"
    changed.save()
    dropped.delete()
    IndicatorTarget.objects.create(
        table=table,
        level1="产出指标",
        level2="数量指标",
        name="社区救助服务站覆盖率",
        target_text="≥60%",
        order=99,
    )
    return table, yili, changed, dropped


def test_each_line_says_whether_it_was_kept_changed_added_or_left_out(yining_table):
    table, yili, changed, dropped = yining_table
    lines = table_comparison(table)
    by_name = {line.name: line for line in lines}
    assert len(lines) == yili.indicators.count() + 1
    line = by_name[changed.name]
    assert (line.status, line.parent_value, line.value) == ("changed", changed.passed_down, "≥95%")
    assert (by_name[dropped.name].status, by_name[dropped.name].value) == ("removed", "")
    assert (by_name["社区救助服务站覆盖率"].status, by_name["社区救助服务站覆盖率"].parent_value) == (
        "added",
        "",
    )
    assert [line.status for line in lines].count("same") == yili.indicators.count() - 2
    assert lines[-1].name == "社区救助服务站覆盖率"  # additions after the parent's order


def test_the_page_highlights_the_differences(client, yining_table, clerk_yining):
    table, _, changed, _ = yining_table
    client.force_login(clerk_yining)
    page = client.get(reverse("setup:table", args=[FUND, table.pk])).content.decode()
    assert "修改 1 项，新增 1 项，未沿用 1 项" in page
    assert "<strong>≥95%</strong>" in page and "table-warning" in page
    listed = client.get(reverse("setup:tables", args=[FUND])).content.decode()
    # only her own region's table (伊犁州's appears as the table above it, not as a row)
    assert listed.count(">查看</a>") == 1 and reverse("setup:table", args=[FUND, table.pk]) in listed


def test_tables_outside_the_region_are_not_found(client, yining_table, clerk_huocheng):
    table, yili, _, _ = yining_table
    client.force_login(clerk_huocheng)
    assert client.get(reverse("setup:table", args=[FUND, table.pk])).status_code == 404
    assert client.get(reverse("setup:table", args=[FUND, yili.pk])).status_code == 404
    client.force_login(gansu().admin)
    assert client.get(reverse("setup:tables", args=[FUND])).status_code == 404
