"""A ledger's queries are read by SQL compiled once per shape (common.compiled.CompiledRows):
the same rows as Django's own queryset gives, values converted as Django converts them, read
afresh at every call, compiled again only for a new shape (a list's length, a region's level)."""

from decimal import Decimal

import pytest

from common import compiled
from common.compiled import CompiledRows, Ints
from indicators.ledger import FundLedger
from transfers.budgets import ALLOCATION_COLUMNS, allocation_reach
from transfers.models import Allocation, Region
from transfers.tree import REGION_COLUMNS, REGIONS, subtrees_q

pytestmark = pytest.mark.django_db


class Counted:
    """A query factory that counts how often it is built (once per compile)."""

    def __init__(self, factory):
        self.factory, self.built = factory, 0

    def __call__(self, **values):
        self.built += 1
        return self.factory(**values)


def subtree_rows():
    return Counted(lambda roots: Region.objects.filter(subtrees_q(roots)).values_list(*REGION_COLUMNS))


def orm_subtree(roots):
    return sorted(Region.objects.filter(subtrees_q(roots)).values_list(*REGION_COLUMNS))


def test_the_rows_are_the_orms_for_a_province_a_prefecture_a_county_and_several_roots(
    province, yili, yining, django_assert_num_queries
):
    factory = subtree_rows()
    query = CompiledRows(Region, factory, roots=REGIONS)
    for roots in ([province], [yili], [yining], [yili, yining], [yining, yili]):
        with django_assert_num_queries(1):
            rows, db = query.rows(roots=roots)
        assert sorted(rows) == orm_subtree(roots) and db == "default"
    # 新疆 holds more than 伊犁州, which holds more than 伊宁市 alone: the levels ask differently.
    assert len(query.rows(roots=[province])[0]) > len(query.rows(roots=[yili])[0]) > 1
    assert query.rows(roots=[yining])[0] == [
        tuple(Region.objects.filter(pk=yining.pk).values_list(*REGION_COLUMNS))[0]
    ]
    # Compiled once for each shape: a province, a prefecture, a county, and two lists of two.
    assert factory.built == 5


def test_the_same_shape_is_not_compiled_again_and_a_new_row_is_read(yili, yining, django_assert_num_queries):
    factory = subtree_rows()
    query = CompiledRows(Region, factory, roots=REGIONS)
    before = query.rows(roots=[yili])[0]
    aksu = Region.objects.get(code="652900")  # another prefecture: the same shape
    assert sorted(query.rows(roots=[aksu])[0]) == orm_subtree([aksu])
    Region.objects.create(code="654099", name="新县", level=Region.Level.COUNTY, parent=yili, order=99)
    with django_assert_num_queries(1):
        after = query.rows(roots=[yili])[0]
    assert len(after) == len(before) + 1 and "新县" in {row[REGION_COLUMNS.index("name")] for row in after}
    assert factory.built == 1


def test_money_and_reach_come_as_the_orm_converts_them(relief, province):
    query = CompiledRows(
        Allocation,
        lambda funds, roots: (
            Allocation.objects.filter(subtrees_q(roots, "region__"), fund__in=funds)
            .order_by("order", "pk")
            .annotate(reach=allocation_reach())
            .values_list(*ALLOCATION_COLUMNS, "reach")
        ),
        funds=Ints,
        roots=REGIONS,
    )
    rows, _db = query.rows(funds=[relief.pk], roots=[province])
    expected = list(
        Allocation.objects.filter(subtrees_q([province], "region__"), fund=relief)
        .order_by("order", "pk")
        .annotate(reach=allocation_reach())
        .values_list(*ALLOCATION_COLUMNS, "reach")
    )
    assert rows == expected and len(rows) > 10
    amount = ALLOCATION_COLUMNS.index("amount")
    assert all(type(row[amount]) is Decimal for row in rows)  # SQLite stores them as REAL or text
    assert sum(row[amount] for row in rows) == sum(row[amount] for row in expected)


def test_no_fund_at_all_reads_nothing_without_a_query(province, django_assert_num_queries):
    query = CompiledRows(
        Allocation,
        lambda funds, roots: Allocation.objects.filter(
            subtrees_q(roots, "region__"), fund__in=funds
        ).values_list("pk"),
        funds=Ints,
        roots=REGIONS,
    )
    with django_assert_num_queries(0):
        assert query.rows(funds=[], roots=[province]) == ([], "default")


def test_columns_added_only_to_sort_by_are_left_out(yili):
    def factory(roots):
        return (
            Region.objects.filter(subtrees_q(roots)).distinct().order_by("-order", "code").values_list("name")
        )

    rows, _db = CompiledRows(Region, factory, roots=REGIONS).rows(roots=[yili])
    assert rows == list(factory([yili])) and all(len(row) == 1 for row in rows)


def test_a_query_not_read_as_rows_and_a_value_the_sql_does_not_carry_are_refused(yili):
    as_objects = CompiledRows(Region, lambda roots: Region.objects.filter(subtrees_q(roots)), roots=REGIONS)
    with pytest.raises(TypeError, match="values_list"):
        as_objects.rows(roots=[yili])
    rewritten = CompiledRows(
        Region, lambda name: Region.objects.filter(name__icontains=name).values_list("pk"), name=str
    )
    with pytest.raises(ValueError, match="name"):
        rewritten.rows(name="伊宁")
    with pytest.raises(TypeError, match="roots"):
        CompiledRows(Region, lambda roots: Region.objects.values_list("pk"), roots=REGIONS).rows(
            regions=[yili]
        )


def test_past_the_kept_shapes_a_query_is_compiled_at_each_use(monkeypatch, yili, yining):
    monkeypatch.setattr(compiled, "_SHAPES", 1)
    factory = subtree_rows()
    query = CompiledRows(Region, factory, roots=REGIONS)
    query.rows(roots=[yili])
    query.rows(roots=[yili])
    assert factory.built == 1  # kept
    for _time in range(2):
        assert sorted(query.rows(roots=[yining, yili])[0]) == orm_subtree([yili])
    assert factory.built == 3  # a second shape, not kept


def test_a_ledger_reads_its_five_queries_and_the_same_figures_at_every_level(
    relief, province, yili, yining, yining_return, django_assert_num_queries
):
    # Twice each: the second ledger runs SQL compiled by the first, and must read the same.
    for root in (province, yili, yining, province):
        with django_assert_num_queries(5):
            ledger = FundLedger(relief, root)
        again = FundLedger(relief, root)
        assert ledger.account().total == again.account().total
        assert [a.node.key for a in ledger.taking_part()] == [a.node.key for a in again.taking_part()]
    xinjiang, ili = FundLedger(relief, province), FundLedger(relief, yili)
    assert xinjiang.account(xinjiang.tree.region(yili.pk)).total == ili.account().total
