"""Region names are matched the way documents write them."""

import pytest

from transfers.models import Region, RegionAlias
from transfers.names import RegionIndex, RegionNameError, RegionNames

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("伊犁州", "654000"),
        ("伊犁哈萨克自治州", "654000"),
        ("博州", "652700"),
        ("巴州", "652800"),
        ("克州", "653000"),
        ("昌吉州", "652300"),
        ("库车县", "652902"),
        ("库车市", "652902"),
        ("高新技术开发区（新市区）", "650104"),
        ("高新技术开发区(新市区)", "650104"),
        ("654002", "654002"),
        (" 伊宁市 ", "654002"),
        ("喀什库尔干塔吉克自治县", "653131"),
    ],
)
def test_resolves_full_short_and_old_names(name, code):
    assert RegionIndex.build().resolve(name).code == code


def test_unknown_name_is_a_chinese_error_naming_it():
    with pytest.raises(RegionNameError, match="找不到地区“伊宁区”"):
        RegionIndex.build().resolve("伊宁区")


def test_resolve_within_a_prefecture():
    index = RegionIndex.build()
    yili = Region.objects.get(code="654000")
    assert index.resolve("霍城县", within=yili).code == "654023"
    with pytest.raises(RegionNameError, match="在伊犁哈萨克自治州范围内"):
        index.resolve("库车县", within=yili)


def test_ambiguous_name_lists_the_candidates():
    RegionAlias.objects.create(region=Region.objects.get(code="654002"), name="示例市")
    RegionAlias.objects.create(region=Region.objects.get(code="652901"), name="示例市")
    with pytest.raises(RegionNameError, match="不唯一") as raised:
        RegionIndex.build().resolve("示例市")
    assert "伊宁市（654002）" in str(raised.value) and "阿克苏市（652901）" in str(raised.value)


def test_a_name_three_regions_share_lists_all_three():
    for code in ("654002", "652901", "654023"):
        RegionAlias.objects.create(region=Region.objects.get(code=code), name="示例市")
    with pytest.raises(RegionNameError, match="不唯一") as raised:
        RegionNames(Region.objects.get(code="650000")).resolve("示 例 市")
    assert all(f"（{code}）" in str(raised.value) for code in ("654002", "652901", "654023"))


def test_an_old_name_written_with_a_space_is_not_ambiguous_with_its_own_region():
    # The alias reads “伊宁市” once its space is taken out: the same region twice, not two.
    RegionAlias.objects.create(region=Region.objects.get(code="654002"), name="伊宁 市")
    assert RegionNames(Region.objects.get(code="650000")).resolve("伊宁市").code == "654002"


# --- a national table's names, read a chunk at a time (RegionNames, issue #14 row 8) ---------


def _every_name_of(regions) -> list[str]:
    names = []
    for region in regions:
        names += [region.code, region.name, region.short_name, *(a.name for a in region.aliases.all())]
    return [name for name in names if name]


def _answer(index, name: str, within=None):
    try:
        return index.resolve(name, within=within).pk
    except RegionNameError as exc:
        return str(exc)


def test_names_read_a_chunk_at_a_time_answer_as_an_index_of_the_whole_province():
    xinjiang = Region.objects.get(code="650000")
    # Names that read differently once normalised, one shared by two regions, one of another province.
    RegionAlias.objects.create(region=Region.objects.get(code="654002"), name="伊宁 (老城)")
    RegionAlias.objects.create(region=Region.objects.get(code="654002"), name="示例市")
    RegionAlias.objects.create(region=Region.objects.get(code="652901"), name="示例市")
    subtree = (
        Region.objects.filter(code__startswith="65").prefetch_related("aliases").select_related("parent")
    )
    whole = RegionIndex.build(subtree)
    asked = [*_every_name_of(subtree), "伊宁（老城）", "示 例 市", "兰州市", "无此地"]
    chunked = RegionNames(xinjiang)
    answers = []
    for start in range(0, len(asked), 7):
        chunked.prime(asked[start : start + 7])
        answers += [_answer(chunked, name) for name in asked[start : start + 7]]
    assert answers == [_answer(whole, name) for name in asked]
    assert answers[-4] == Region.objects.get(code="654002").pk
    assert "不唯一" in answers[-3] and "找不到地区“兰州市”" in answers[-2]
    yili = Region.objects.get(code="654000")
    assert _answer(chunked, "霍城县", within=yili) == Region.objects.get(code="654023").pk  # never primed
    assert "在伊犁哈萨克自治州范围内" in _answer(chunked, "库车县", within=yili)


def test_a_chunk_holds_its_own_regions_only():
    import gc
    import weakref

    names = RegionNames(Region.objects.get(code="650000"))
    names.prime(["伊宁市", "霍城县"])
    first = weakref.ref(names.resolve("伊宁市"))
    names.prime(["阿克苏市"])
    gc.collect()
    assert first() is None  # the last chunk's regions are let go
    assert names.resolve("阿克苏市").code == "652901"
    assert names.resolve("伊宁市").code == "654002"  # and read again when asked


def test_the_name_table_finds_every_region_of_a_name_however_full_its_slots():
    from transfers.names import _Keys

    keys = _Keys((f"名{n % 13}", n) for n in range(1, 41))  # 13 names, most several regions'
    for name in range(13):
        assert set(keys.regions(f"名{name}")) >= {n for n in range(1, 41) if n % 13 == name}
