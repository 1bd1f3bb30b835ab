"""The region box: typed as a code or a name, resolved within the form's scope, and its search.

Regions, codes and names are those of fixtures/regions_xj.csv (GB/T 2260 codes; 库车县 is the
old name of 库车市, 伊犁州 and 察县 short names).
"""

import pytest
from django import forms
from django.urls import reverse

from evalportal.models import Role, User
from tests.scenarios import person
from transfers.forms import RegionField, region_label
from transfers.models import Region
from transfers.selectors import regions_matching, regions_within

pytestmark = pytest.mark.django_db

SEARCH = "region_search"


def _field(scope_code: str = "650000") -> RegionField:
    return RegionField(purpose="reports", queryset=regions_within(Region.objects.get(code=scope_code)))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("654002", "654002"),
        ("伊宁市", "654002"),
        ("  伊宁市 ", "654002"),
        ("伊犁州", "654000"),  # short name
        ("伊犁哈萨克自治州", "654000"),
        ("库车县", "652902"),  # old name → 库车市
        ("察县", "654022"),
        ("新疆 › 伊犁州 › 伊宁市（654002）", "654002"),  # the label the box shows
        ("新疆 › 伊犁州 › 伊宁市(654002)", "654002"),
        ("新疆 › 伊犁州 › 霍城县", "654023"),  # a path without its code
        ("654000-01", "654000-01"),  # a budget unit
    ],
)
def test_the_box_takes_a_code_a_name_or_its_label(typed, code):
    assert _field().clean(typed).code == code


def test_a_region_outside_the_scope_is_not_found_and_not_named():
    field = _field("654000")  # 伊犁州's subtree
    with pytest.raises(forms.ValidationError) as error:
        field.clean("652902")
    assert error.value.messages == ["找不到地区“652902”：请使用行政区划代码、全称、简称或已登记的曾用名。"]
    with pytest.raises(forms.ValidationError):
        field.clean("库车县")
    with pytest.raises(forms.ValidationError) as error:
        field.clean("")
    assert error.value.messages == ["请选择地区或单位。"]


def test_an_ambiguous_name_asks_for_the_code():
    # 城关区 of 兰州 (620102) and of 拉萨 (540102) come with the national tree; one more in 新疆.
    xj = Region.objects.get(code="650000")
    Region.objects.create(code="650199", name="城关区", level=3, parent=Region.objects.get(code="650100"))
    field = RegionField(purpose="reports", queryset=Region.objects.all())
    with pytest.raises(forms.ValidationError) as error:
        field.clean("城关区")
    assert "不唯一" in error.value.messages[0] and "620102" in error.value.messages[0]
    assert "650199" in error.value.messages[0]
    # Within one province the same name is unique.
    assert RegionField(purpose="reports", queryset=regions_within(xj)).clean("城关区").code == "650199"


def test_the_label_is_the_path_and_the_code():
    yining = Region.objects.select_related("parent__parent").get(code="654002")
    assert region_label(yining) == "新疆 › 伊犁州 › 伊宁市（654002）"


# --- the search behind the box ----------------------------------------------------------------


def _codes(client, **params) -> list[str]:
    response = client.get(reverse(SEARCH), params)
    assert response.status_code == 200
    return [r["code"] for r in response.json()["results"]]


def test_search_by_short_name_old_name_and_code(client, admin_xj):
    client.force_login(admin_xj)
    assert _codes(client, purpose="reports", q="伊犁州")[0] == "654000"
    assert _codes(client, purpose="reports", q="库车县") == ["652902"]
    assert _codes(client, purpose="reports", q="65400")[:2] == ["654000", "654002"]
    found = client.get(reverse(SEARCH), {"purpose": "reports", "q": "库车县"}).json()["results"][0]
    assert found["path"] == "新疆 › 阿克苏地区 › 库车市"
    assert found["label"] == "新疆 › 阿克苏地区 › 库车市（652902）"
    assert found["aliases"] == ["库车县"]


def test_an_exact_name_comes_before_names_that_contain_it(client, admin_xj):
    client.force_login(admin_xj)
    # 伊宁市 and 伊宁县 both contain 伊宁; the exact 伊宁县 comes first.
    assert _codes(client, purpose="reports", q="伊宁县")[0] == "654021"


def test_search_stays_within_the_persons_regions(client, clerk_yining, reviewer_yili):
    client.force_login(reviewer_yili)
    assert _codes(client, purpose="reports", q="库车") == []
    assert _codes(client, purpose="reports", q="650000") == []
    assert set(_codes(client, purpose="reports", q="伊宁")) == {"654002", "654021"}
    # A prefecture sets the target tables below it, not its own.
    assert "654000" not in _codes(client, purpose="targets", q="伊犁")
    assert "654000" in _codes(client, purpose="reports", q="伊犁")
    # Only administrators have regions to give accounts.
    assert _codes(client, purpose="accounts", q="伊宁") == []
    client.force_login(clerk_yining)
    assert _codes(client, purpose="reports", q="伊") == ["654002"]


def test_the_search_refuses_an_unknown_purpose_and_strangers(client, clerk_yining):
    assert client.get(reverse(SEARCH), {"purpose": "reports", "q": "伊"}).status_code == 302  # sign in
    client.force_login(clerk_yining)
    response = client.get(reverse(SEARCH), {"purpose": "everything", "q": "伊"})
    assert response.status_code == 400 and response.json()["error"] == "未知的用途。"


def test_search_says_when_there_are_more(client, admin_xj):
    client.force_login(admin_xj)
    data = client.get(reverse(SEARCH), {"purpose": "reports", "q": "65"}).json()
    assert len(data["results"]) == 20 and data["more"] is True


def test_a_region_typed_on_the_reports_page_is_resolved(client, reviewer_yili):
    client.force_login(reviewer_yili)
    page = reverse("reports:fund_files", args=["xj-2024-relief"])
    response = client.post(page, {"kind": "a", "format": "docx", "region": "霍城县"})
    assert response.status_code == 302
    response = client.post(page, {"kind": "a", "format": "docx", "region": "库车县"})
    assert response.status_code == 200
    assert "找不到地区“库车县”" in response.content.decode()


def test_the_account_form_shows_the_chosen_region_as_its_path(client, admin_xj):
    clerk = person("clerk_gongliu", "654024", Role.CLERK)
    client.force_login(admin_xj)
    page = client.get(reverse("accounts:edit", args=[clerk.pk])).content.decode()
    assert 'value="新疆 › 伊犁州 › 巩留县（654024）"' in page
    assert 'data-purpose="accounts"' in page and 'role="combobox"' in page


# --- the ranking itself (transfers.selectors.regions_matching), on regions of a test province ----


@pytest.fixture
def test_province(db):
    """测试省 with the prefecture 甲乙州 (short name 甲乙), another 甲乙丁州, and counties named so
    that "甲乙" is exact for the first, the beginning of 甲乙县 and inside 丙甲乙县; created out of
    code order, so code order is not creation order; and one budget unit."""
    province = Region.objects.create(code="810000", name="测试省", level=1)
    prefecture = Region.objects.create(
        code="819900", name="甲乙州", short_name="甲乙", level=2, parent=province
    )
    Region.objects.create(code="819800", name="甲乙丁州", level=2, parent=province)
    for code, name in [
        ("810105", "丁县"),
        ("810104", "甲乙丙县"),
        ("810102", "丙甲乙县"),
        ("810103", "甲乙县"),
    ]:
        Region.objects.create(code=code, name=name, level=3, parent=prefecture)
    Region.objects.create(code="819900-01", name="甲乙州救助站", level=3, parent=prefecture, kind="rescue")
    return Region.objects.filter(code__startswith="81")


def _ranked(regions, text, **kwargs):
    found, more = regions_matching(regions, text, **kwargs)
    return [r.code for r in found], more


def test_exact_then_beginning_then_within_each_in_level_and_code_order(test_province):
    # exact (甲乙州's short name); begins (the prefecture first, then by code); within
    expected = ["819900", "819800", "810103", "810104", "819900-01", "810102"]
    assert _ranked(test_province, "甲乙") == (expected, False)


def test_spaces_typed_inside_a_name_are_ignored(test_province):
    assert _ranked(test_province, " 甲 乙 县 ")[0][0] == "810103"


def test_nothing_typed_finds_nothing_and_says_there_is_no_more(test_province):
    assert regions_matching(test_province, "   ") == ([], False)


def test_more_is_said_only_when_something_was_left_out(test_province):
    assert _ranked(test_province, "甲乙", limit=6)[1] is False  # six matches, six shown
    assert _ranked(test_province, "甲乙", limit=4) == (["819900", "819800", "810103", "810104"], True)


def test_projects_run_in_counties_not_in_budget_units(test_province):
    from transfers.selectors import project_regions_for_user

    admin = User.objects.create_user(
        "test_admin_81", password="x", region=test_province.get(code="810000"), role="admin"
    )
    assert set(project_regions_for_user(admin).values_list("code", flat=True)) == {
        "810102",
        "810103",
        "810104",
        "810105",
    }


def test_the_search_reads_parents_and_old_names_in_a_fixed_number_of_queries(
    test_province, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the regions with their parents; their old names
        found, _ = regions_matching(test_province, "甲乙")
        labels = [region_label(region) for region in found]
        aliases = [alias.name for region in found for alias in region.aliases.all()]
    assert labels[0] == "测试省 › 甲乙（819900）" and aliases == []
