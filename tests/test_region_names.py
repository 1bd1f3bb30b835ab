"""Region names are matched the way documents write them."""

import pytest

from transfers.models import Region, RegionAlias
from transfers.names import RegionIndex, RegionNameError

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
        RegionIndex.within(Region.objects.get(code="650000")).resolve("示 例 市")
    assert all(f"（{code}）" in str(raised.value) for code in ("654002", "652901", "654023"))


def test_an_old_name_written_with_a_space_is_not_ambiguous_with_its_own_region():
    # The alias reads “伊宁市” once its space is taken out: the same region twice, not two.
    RegionAlias.objects.create(region=Region.objects.get(code="654002"), name="伊宁 市")
    assert RegionIndex.within(Region.objects.get(code="650000")).resolve("伊宁市").code == "654002"
