"""The home page's two charts as the province's administrator sees them: the bars of 预算执行率
carry the table's own figures, and a fund with nothing approved yet says so on its empty chart."""

import pytest

from tests.seed_figures import ELDERLY_EXECUTION

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_rate_chart_labels_its_bars_or_says_nothing_is_approved_yet(sign_in, shots):
    home = sign_in("admin_xj")
    elderly = home.locator(".progress-chart[data-source='xj-2024-elderly'][data-kind='rate']")
    relief = home.locator(".progress-chart[data-source='xj-2024-relief'][data-kind='rate']")
    # 喀什地区's approved return of seed 000: 24.54 of 2,583.00.
    elderly.get_by_text(f"{ELDERLY_EXECUTION['喀什地区'][2]}%").wait_for()
    assert elderly.get_by_text("尚无已审核的执行数").count() == 0
    # No return of the relief fund is approved: no bar, the chart says why.
    relief.get_by_text("尚无已审核的执行数").wait_for()
    shots(home, "home-charts")
