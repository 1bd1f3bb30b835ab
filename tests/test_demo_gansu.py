"""The demo's second province: 甘肃省 › 张掖市, and seed 004's five projects of 张掖市民政局.

Two provinces in one deployment that cannot see each other: 甘肃's administrator sees 甘肃's
fund and nothing of 新疆's, and the other way round. The figures are typed from seed 004 in
tests/seed_figures.py, never computed by the code under test.
"""

import pytest

from transfers.models import Region

pytestmark = pytest.mark.django_db


def test_gansu_has_zhangye_its_six_counties_and_the_civil_affairs_bureau():
    gansu = Region.objects.get(code="620000")
    assert (gansu.name, gansu.short_name, gansu.level, gansu.parent) == ("甘肃省", "甘肃", 1, None)
    zhangye = Region.objects.get(code="620700")
    assert (zhangye.name, zhangye.parent, zhangye.level) == ("张掖市", gansu, Region.Level.PREFECTURE)
    # GB/T 2260: 张掖市's one district and five counties.
    counties = Region.objects.filter(parent=zhangye, kind=Region.Kind.ADMINISTRATIVE)
    assert dict(counties.values_list("code", "name")) == {
        "620702": "甘州区",
        "620721": "肃南裕固族自治县",
        "620722": "民乐县",
        "620723": "临泽县",
        "620724": "高台县",
        "620725": "山丹县",
    }
    bureau = Region.objects.get(code="620700-01")
    assert (bureau.name, bureau.parent, bureau.kind) == ("张掖市民政局", zhangye, Region.Kind.BUREAU)
    assert bureau.is_budget_unit and bureau.level == Region.Level.COUNTY
