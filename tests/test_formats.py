from decimal import Decimal

import pytest

from indicators.formats import pct, wan
from reports.formats import chinese_number, money_number_format, wan_cell, wan_text
from tests.seed_figures import RELIEF_TOTAL, ZHANGYE_PROJECTS


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (RELIEF_TOTAL[0], "792,267.00"),
        (Decimal("-49"), "-49.00"),
        (Decimal("27.675"), "27.68"),
        (Decimal("0.005"), "0.01"),
        (None, ""),
        ("", ""),
    ],
)
def test_wan(value, shown):
    assert wan(value) == shown


def test_pct_and_no_floats():
    assert pct(Decimal("35.72")) == "35.72%"
    with pytest.raises(TypeError):
        wan(0.1)


# --- documents: money to the 元 (reports.formats.money_places, the one rule) ------------------------


@pytest.mark.parametrize(
    ("value", "cell", "number_format"),
    [
        (ZHANGYE_PROJECTS[1][1], "2.472", "0.000"),  # seed 004: 2.472万元, 24,720 元
        (ZHANGYE_PROJECTS[2][1], "2.40", "0.00"),
        (ZHANGYE_PROJECTS[0][1], "32.00", "0.00"),
        (Decimal("0.0001"), "0.0001", "0.0000"),  # one 元
        (Decimal("-49"), "-49.00", "0.00"),
        (Decimal("0"), "0.00", "0.00"),
        (Decimal("29.9700"), "29.97", "0.00"),  # trailing zeros are not places the amount needs
    ],
)
def test_a_document_cell_keeps_two_places_unless_the_yuan_need_more(value, cell, number_format):
    assert wan_cell(value) == cell
    assert money_number_format(value) == number_format
    assert Decimal(wan_cell(value)) == value  # nothing of the amount rounded away


def test_a_sentence_writes_money_as_people_do():
    assert [wan_text(budget) for _name, budget, _spent in ZHANGYE_PROJECTS] == [
        "32",
        "2.472",
        "2.4",
        "2",
        "30",
    ]
    assert wan_text(None) == "" and wan_cell(None) == ""


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (23, "二十三"), (118, "118")],
)
def test_parts_are_numbered_as_documents_write_them(n, text):
    assert chinese_number(n) == text
