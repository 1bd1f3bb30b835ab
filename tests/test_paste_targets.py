"""Target tables pasted out of a notice (or its .docx): read as the seeds print them, previewed
with every line that could not be read, saved on confirmation through the target-table import."""

import io
import itertools

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evalportal.models import AuditEvent, Role
from indicators.models import TargetTable
from reports.imports.base import ImportFailed, apply, dry_run
from reports.imports.pasted import read_pasted, read_text
from reports.imports.services import import_apply, import_preview
from reports.imports.targets_pasted import ALL_BELOW, PastedTargetImporter, read_table, split_tables
from reports.models import ImportRecord
from tests.scenarios import gansu, person
from tests.seed_figures import (
    ELDERLY_GOALS,
    ELDERLY_INDICATORS,
    ELDERLY_TABLE_MONEY,
    RELIEF_GOALS,
    RELIEF_PREFECTURE_TABLE,
    RELIEF_PROVINCE_GOALS,
    RELIEF_PROVINCE_TABLE,
    RELIEF_SUBTOTALS,
    RELIEF_TOTAL,
    YINING_RELIEF,
)
from tests.xlsx_factory import db_snapshot
from transfers.models import Region

YILI_TOTAL = RELIEF_SUBTOTALS["伊犁州"][0]  # 伊犁州's 资金情况 in seed 003 is its 附件1 小计
YILI_TEXT = f"{YILI_TOTAL:.2f}"

pytestmark = pytest.mark.django_db

PASTE = settings.BASE_DIR / "fixtures" / "paste"
PROVINCE_003 = "003_650000_lines218-252.txt"
URUMQI_003 = "003_650100_lines254-285.txt"
YILI_003 = "003_654000_lines287-318.txt"
CENTRAL_000 = "000_central_lines10-123.txt"
URUMQI_000 = "000_650100_lines292-382.txt"


def seed_text(name: str) -> str:
    return (PASTE / name).read_text(encoding="utf-8")


def read(text: str):
    """The one table of a pasted text, as read."""
    ((sheet, first, last),) = split_tables([read_text(text)])
    return read_table(sheet, first, last)


def levels_and_values(table) -> list[tuple]:
    return [(i.level1, i.level2, i.name, i.target) for i in table.indicators]


def money(table) -> tuple:
    return tuple(
        None if table.money.get(k) is None else f"{table.money[k]:f}" for k in ("total", "central", "local")
    )


def with_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def importer(user, fund, region):
    return PastedTargetImporter(actor=user, scope=user.region, fund=fund, region=region)


def paste(user, fund, region, text, name="粘贴的目标表.txt"):
    return dry_run(importer(user, fund, region), content=text.encode(), filename=name)


# --- the parser, on the seeds' own text ----------------------------------------------------------


@pytest.mark.parametrize(("name", "region"), [(URUMQI_003, "乌鲁木齐市"), (YILI_003, "伊犁州")])
def test_a_prefecture_table_of_seed_003_reads_as_printed(name, region):
    table = read(seed_text(name))
    assert table.errors == [] and [line for line in table.lines if line.error] == []
    assert levels_and_values(table) == RELIEF_PREFECTURE_TABLE
    count, first_words = RELIEF_GOALS
    assert len(table.goals) == count and table.goals[0].startswith(first_words)
    assert table.goals[6].startswith("7. 积极为走失")
    total = str(RELIEF_SUBTOTALS[region][0])
    assert money(table) == (f"{total}.00", f"{total}.00", None)  # 地方补助 blank
    assert table.region_hint == region and table.year == 2024  # from 地级财政部门: 伊犁州财政局


def test_the_province_table_of_seed_003_reads_as_a_person_reads_it():
    """Lines 244–252 of the seed lost cells to the left and two level cells came late: the
    cells are read by what they say, and the groups as the merged cells span them."""
    table = read(seed_text(PROVINCE_003))
    assert table.errors == [] and [line.error for line in table.lines if line.error] == []
    assert levels_and_values(table) == RELIEF_PROVINCE_TABLE
    assert table.goals == RELIEF_PROVINCE_GOALS
    assert money(table) == (f"{RELIEF_TOTAL[0]}.00", f"{RELIEF_TOTAL[0]}.00", None)
    assert table.region_hint == ALL_BELOW  # 地级财政部门: 各地州市财政局, the whole province's table
    assert table.year == 2024
    # The two lines whose group was read from the slipped cells are said, with the reason.
    moved = {line.row: line.note for line in table.lines if line.note}
    assert sorted(moved) == [31, 34]  # 困难群众生活水平情况, 救助对象对社会救助实施的满意度
    assert "第32行的层级在其组的中间" in moved[31] and "按位置原为“产出指标 / 时效指标”" in moved[31]
    assert "第35行的层级“满意度指标 / 服务对象满意度指标”下方没有指标" in moved[34]
    assert [(w.row, "请核对" in w.message) for w in table.warnings] == [(34, True), (31, True)]


def test_levels_with_no_indicator_below_stay_an_error_when_the_line_above_opens_its_own_group():
    """伊犁州's last line opens 满意度指标 itself: levels pasted after it have nothing to name."""
    text = seed_text(YILI_003).rstrip("\n") + "\n\t效益指标\t社会效益指标\t\t\n"
    table = read(text)
    (problem,) = [line for line in table.lines if line.error]
    assert problem.row == 33 and "其下没有三级指标" in problem.error
    assert "第32行“救助对象对社会救助实施的满意度”" in problem.error
    assert levels_and_values(table) == RELIEF_PREFECTURE_TABLE and not table.warnings


def test_a_row_that_slipped_keeps_its_group_unless_a_level_row_in_place_follows_it():
    """Only a level row that stands in the header's columns takes slipped rows above it."""
    text = with_line(seed_text(YILI_003), 21, "\t\t求助的流浪乞讨人员救助率\t应救尽救\t")  # mid-group
    text = with_line(text, 28, "\t\t受助人员救助情况当日录入全国救助管理信息系统率\t≥ 95%\t")
    text = with_line(text, 29, "效益指标\t社会效益指标\t困难群众生活水平情况\t有所提升\t")  # slipped too
    table = read(text)
    assert levels_and_values(table) == RELIEF_PREFECTURE_TABLE and not table.warnings
    # Line 29 back in place, with two rows below it in its group: it takes one slipped row.
    table = read(with_line(text, 29, "\t效益指标\t社会效益指标\t困难群众生活水平情况\t有所提升"))
    assert levels_and_values(table)[9][:2] == ("效益指标", "社会效益指标")
    assert [w.row for w in table.warnings] == [28]


def test_the_province_table_pasted_on_the_province_is_the_demos_table(admin_xj, relief, province, client):
    """The demo loaded 新疆's table from the same seed: pasted, its indicators and goals are as
    they are; only the 资金情况 it states is new. The preview shows how the two lines were read."""
    plan = paste(admin_xj, relief, province, seed_text(PROVINCE_003))
    assert plan.errors == []
    assert plan.counts == {"create": 0, "update": 1, "delete": 0, "unchanged": 15}
    assert [c.label for c in plan.of("update")] == ["资金情况"]
    assert sum("请核对" in w.message for w in plan.warnings) == 2
    client.force_login(admin_xj)
    response = post_paste(client, relief, province, seed_text(PROVINCE_003))
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page
    assert page.count("按位置原为") == 4  # beside each of the two lines, and in the warnings
    assert "未导入任何数据" not in page


@pytest.mark.parametrize(("name", "key"), [(CENTRAL_000, "central"), (URUMQI_000, "乌鲁木齐市")])
def test_the_tables_of_seed_000_read_in_their_cell_per_line_layout(name, key):
    table = read(seed_text(name))
    assert [line.error for line in table.lines if line.error] == [] and table.errors == []
    assert len(table.indicators) == len(ELDERLY_INDICATORS)
    for indicator, (part, target, *_actuals) in zip(table.indicators, ELDERLY_INDICATORS, strict=True):
        assert part in indicator.name and indicator.target == target
    assert table.indicators[0].level1 == "产出指标" and table.indicators[0].level2 == "数量指标"
    assert (table.indicators[7].level1, table.indicators[7].level2) == (
        "效益指标",
        "社会效益指标",
    )  # "社会效益\n指标"
    assert (table.indicators[8].level1, table.indicators[8].level2) == ("满意度指标", "服务对象满意度指标")
    assert len(table.goals) == ELDERLY_GOALS[0] and table.goals[0].startswith(ELDERLY_GOALS[1])
    total, central, local = ELDERLY_TABLE_MONEY[key]
    assert money(table) == (f"{total}.00", f"{central}.00", f"{local}.00" if local else None)
    assert table.region_hint == (ALL_BELOW if key == "central" else "乌鲁木齐市")


def test_the_whole_annex_pasted_at_once_gives_the_chosen_regions_table(admin_xj, relief, yili):
    annex = "\n\n".join(seed_text(name) for name in (PROVINCE_003, URUMQI_003, YILI_003))
    plan = paste(admin_xj, relief, yili, annex)
    assert plan.errors == []
    assert "内容中有3张目标表，已选用写明属于伊犁哈萨克自治州的一张" in plan.warnings[0].message
    # The demo loaded 伊犁州's table from the same seed: the indicators and goals are as they are.
    assert plan.counts == {"create": 0, "update": 1, "delete": 0, "unchanged": 15}
    (money_change,) = plan.of("update")
    assert money_change.label == "资金情况" and money_change.fields["年度金额"] == ["", YILI_TEXT]

    aksu = Region.objects.get(code="652900")
    plan = paste(admin_xj, relief, aksu, annex)
    assert "没有一张写明属于阿克苏地区" in plan.errors[0].message and not plan.changes


# --- what is refused, and changes nothing -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (22, "\t\t\t孤儿等符合条件的儿童纳入保障范围率\t≥ 90%左右", "无法识别指标值“≥ 90%左右”"),
        (19, "\t产出指标\t社会效益指标\t低保对象人数\t应保尽保", "二级指标“社会效益指标”不属于“产出指标”"),
        (20, "\t\t\t临时救助人次\t", "“临时救助人次”没有填写指标值"),
        (21, "\t\t\t临时救助人次\t应救尽救", "与第20行重复"),
        (23, "\t\t\t农村留守儿童\t困境儿童\t≥ 85%", "无法分辨哪一段是三级指标"),
        (19, "\t投入指标\t数量指标\t低保对象人数\t应保尽保", "一级指标“投入指标”无法识别"),
        (
            10,
            "\t\t地方补助\t\t100",
            f"资金情况不一致：年度金额{YILI_TEXT}万元 ≠ 中央财政{YILI_TEXT}万元 + 地方资金100.00万元",
        ),
        (8, "资金情况(万元)\t\t年度金额:\t\t六万五", "应为数字"),
    ],
)
def test_a_line_that_cannot_be_read_is_named_and_nothing_is_saved(
    admin_xj, relief, yili, line, text, message
):
    pasted = with_line(seed_text(YILI_003), line, text)
    before = db_snapshot()
    plan = paste(admin_xj, relief, yili, pasted)
    at = 8 if "资金情况不一致" in message else line  # the sum is said where 资金情况 begins
    assert [(e.row, message in e.message) for e in plan.errors] == [(at, True)]
    assert not plan.changes
    with pytest.raises(ImportFailed):
        apply(importer(admin_xj, relief, yili), content=pasted.encode(), filename="t.txt")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("低保对象人数\t应保尽保", "没有找到绩效目标表"),
        ("   \n\n", "没有粘贴任何内容"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word", "旧版Word（.doc）"),
        (b"PK\x03\x04 not really a zip", "不是有效的Word（.docx）文档"),
    ],
)
def test_what_is_no_target_table_is_said_so(admin_xj, relief, yili, content, message):
    content = content.encode() if isinstance(content, str) else content
    plan = dry_run(importer(admin_xj, relief, yili), content=content, filename="通知.docx")
    assert message in plan.errors[0].message and not plan.changes


def test_a_change_to_an_approved_regions_table_is_refused_but_its_stated_money_is_not(admin_xj, elderly):
    """The elderly fund's returns are approved (seed 000): the table's completion rates stay."""
    urumqi = Region.objects.get(code="650100")
    text = seed_text(URUMQI_000)
    plan = paste(admin_xj, elderly, urumqi, text)
    assert plan.errors == [] and [c.label for c in plan.of("update")] == ["资金情况"]
    changed = text.replace("\t≥90%", "\t≥95%")  # 补助对象对集中照护政策实施的满意度
    plan = paste(admin_xj, elderly, urumqi, changed)
    assert "乌鲁木齐市的年度绩效自评填报已审核" in plan.errors[0].message


# --- confirm saves, audited; the same paste again changes nothing ----------------------------------


def test_a_new_table_is_created_with_its_goals_money_and_indicators_audited(
    reviewer_yili, relief, new_events
):
    yining = Region.objects.get(code="654002")  # no table of its own yet
    text = seed_text(YILI_003)
    plan = apply(importer(reviewer_yili, relief, yining), content=text.encode(), filename="t.txt")
    assert plan.counts["create"] == 15  # the table and its 14 indicators
    table = TargetTable.objects.get(fund=relief, region=yining)
    assert table.parent.region.code == "654000"
    rows = list(table.indicators.order_by("order").values_list("level1", "level2", "name", "target_text"))
    assert rows == RELIEF_PREFECTURE_TABLE
    assert table.overall_goals.count("\n") == RELIEF_GOALS[0] - 1
    assert (table.stated_total, table.stated_central, table.stated_local) == (YILI_TOTAL, YILI_TOTAL, None)
    assert all(i.parent_indicator.table.region.code == "654000" for i in table.indicators.all())
    created = new_events().get(object_type="indicators.targettable", object_id=str(table.pk))
    assert created.changes["年度金额"] == [None, YILI_TEXT] and created.actor == reviewer_yili
    assert new_events().filter(action=AuditEvent.Action.IMPORT).count() == 1

    # The table names 伊犁州, not 伊宁市, and 伊宁市 received 14005 (seed 003): both said.
    again = paste(reviewer_yili, relief, yining, text)
    warnings = " ".join(w.message for w in again.warnings)
    assert "表中写明属于“伊犁州”，您选择的是伊宁市" in warnings
    assert f"表中年度金额为{YILI_TEXT}万元，系统中伊宁市收到本资金{YINING_RELIEF:.2f}万元" in warnings
    assert not again.has_changes  # pasted again: nothing changes


# --- Word documents ------------------------------------------------------------------------------------


def target_docx(tables: list[str], *, merged: bool = True) -> bytes:
    """A notice with one 区域绩效目标表 per region: seed 003's prefecture table, as Word lays it out:
    the label cells and the level cells merged down over their rows (or, ``merged=False``, the
    level text repeated on every row, as python-docx shows a merge)."""
    document = docx.Document()
    document.add_paragraph("附件3")
    goals = [
        "1. 规范城乡低保政策实施,合理确定保障标准,使低保对象基本生活得到有效保障。",
        "2. 统筹城乡特困人员救助供养工作,合理确定保障标准。",
    ]
    for region in tables:
        total = str(RELIEF_SUBTOTALS[region][0])
        document.add_paragraph("中央对地方转移支付区域绩效目标表")
        document.add_paragraph(f"（2024年度 {region}）")
        rows = [
            ["项目名称", "", "困难群众救助补助资金", "", ""],
            ["地级财政部门", "", f"{region}财政局", "地级主管部门", f"{region}民政局"],
            ["资金情况（万元）", "", "年度金额：", "", total],
            ["", "", "其中：中央财政下达", "", total],
            ["", "", "地方补助", "", ""],
            ["年度总体目标", goals[0], "", "", ""],
            ["", goals[1], "", "", ""],
            ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
        ]
        merges = [((2, 0), (4, 0)), ((5, 0), (6, 0)), ((5, 1), (5, 4)), ((6, 1), (6, 4))]
        first = len(rows)
        previous = ("", "")
        starts = {}
        for level1, level2, name, target in RELIEF_PREFECTURE_TABLE:
            index = len(rows)
            show1 = level1 if (not merged or level1 != previous[0]) else ""
            show2 = level2 if (not merged or (level1, level2) != previous) else ""
            rows.append(["", show1, show2, name, target])
            if level1 != previous[0]:
                starts.setdefault(1, []).append(index)
            if (level1, level2) != previous:
                starts.setdefault(2, []).append(index)
            previous = (level1, level2)
        last = len(rows) - 1
        if merged:
            merges.append(((first - 1, 0), (last, 0)))  # 绩效指标 down the whole block
            for col in (1, 2):
                bounds = [*starts[col], last + 1]
                merges += [((a, col), (b - 1, col)) for a, b in itertools.pairwise(bounds) if b - 1 > a]
        table = document.add_table(rows=len(rows), cols=5)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
        for (r1, c1), (r2, c2) in merges:
            top = table.cell(r1, c1)
            keep = top.text
            top.merge(table.cell(r2, c2)).text = keep
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("merged", [True, False])
def test_a_word_table_reads_like_the_pasted_text(merged):
    sheets = read_pasted(target_docx(["伊犁州"], merged=merged), "通知.docx")
    ((sheet, first, last),) = split_tables(sheets)
    table = read_table(sheet, first, last)
    assert [line.error for line in table.lines if line.error] == [] and table.errors == []
    assert levels_and_values(table) == RELIEF_PREFECTURE_TABLE
    assert money(table) == (YILI_TEXT, YILI_TEXT, None)
    assert len(table.goals) == 2 and table.goals[0].startswith(RELIEF_GOALS[1])
    assert (sheet.title, table.region_hint, table.year) == ("表格1", "伊犁州", 2024)


def test_a_notice_with_several_tables_gives_the_chosen_regions(admin_xj, relief, yili):
    content = target_docx(["乌鲁木齐市", "伊犁州"])
    plan = dry_run(importer(admin_xj, relief, yili), content=content, filename="新财社〔2024〕35号.docx")
    assert plan.errors == [] and "已选用写明属于伊犁哈萨克自治州的一张（表格2" in plan.warnings[0].message
    # The indicators are the demo's (the same seed); the goals here are only two of the seven.
    assert [c.label for c in plan.of("update")] == ["年度总体目标", "资金情况"]
    assert plan.counts["unchanged"] == 14


def test_a_word_line_that_cannot_be_read_names_its_table_and_row(admin_xj, relief, yili):
    document = docx.Document(io.BytesIO(target_docx(["伊犁州"])))
    document.tables[0].cell(9, 4).text = "≥90%左右"  # row 10: 临时救助人次
    buffer = io.BytesIO()
    document.save(buffer)
    plan = dry_run(importer(admin_xj, relief, yili), content=buffer.getvalue(), filename="通知.docx")
    assert [(e.sheet, e.row) for e in plan.errors] == [("表格1", 10)]


# --- the pages -----------------------------------------------------------------------------------------


def post_paste(client, fund, region, text="", file=None):
    data = {"fund": fund.pk, "region": region.code, "text": text}
    if file is not None:
        data["file"] = file
    return client.post(reverse("imports:targets_paste"), data)


def test_paste_preview_confirm_saves_the_table_with_an_audit_event(
    client, admin_xj, relief, yili, new_events
):
    client.force_login(admin_xj)
    assert "粘贴目标表或上传Word通知" in client.get(reverse("imports:index")).content.decode()
    assert client.get(reverse("imports:targets_paste")).status_code == 200
    response = post_paste(client, relief, yili, seed_text(YILI_003))
    record = ImportRecord.objects.get()
    assert response["Location"] == reverse("imports:record", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "读取到的目标表：伊犁哈萨克自治州" in page
    assert "1. 规范城乡低保政策实施" in page and YILI_TEXT in page
    assert "孤儿等符合条件的儿童纳入保障范围率" in page and "≥ 90%" in page
    assert "确认导入" in page
    before = TargetTable.objects.get(fund=relief, region=yili)
    assert before.stated_total is None

    response = client.post(reverse("imports:apply", args=[record.pk]), follow=True)
    assert "已导入。新增0条，修改1条" in response.content.decode()
    table = TargetTable.objects.get(fund=relief, region=yili)
    assert (table.stated_total, table.stated_central) == (YILI_TOTAL, YILI_TOTAL)
    (event,) = new_events().filter(object_type="indicators.targettable", object_id=str(table.pk))
    assert event.changes == {"年度金额": ["", YILI_TEXT], "其中：中央财政": ["", YILI_TEXT]}
    assert event.actor == admin_xj and "第8行" in event.comment

    # Pasted again: the preview says nothing changes, and confirming changes nothing.
    post_paste(client, relief, yili, seed_text(YILI_003))
    second = ImportRecord.objects.latest("pk")
    page = client.get(reverse("imports:record", args=[second.pk])).content.decode()
    assert "完全一致" in page
    before = {k: v for k, v in db_snapshot().items() if k != "AuditEvent"}
    client.post(reverse("imports:apply", args=[second.pk]))
    assert {k: v for k, v in db_snapshot().items() if k != "AuditEvent"} == before


def test_a_pasted_line_that_cannot_be_read_is_shown_and_the_text_kept(client, admin_xj, relief, yili):
    client.force_login(admin_xj)
    bad = with_line(seed_text(YILI_003), 22, "\t\t\t孤儿等符合条件的儿童纳入保障范围率\t≥ 90%左右")
    before = db_snapshot()
    response = post_paste(client, relief, yili, bad)
    record = ImportRecord.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "发现1处错误，未导入任何数据" in page and "无法识别指标值“≥ 90%左右”" in page
    assert "确认导入" not in page
    assert f"?again={record.pk}" in page
    form = client.get(reverse("imports:targets_paste") + f"?again={record.pk}").content.decode()
    assert "≥ 90%左右" in form and "伊犁州（654000）" in form
    assert client.post(reverse("imports:apply", args=[record.pk])).status_code == 302
    assert {k: v for k, v in db_snapshot().items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "请粘贴目标表，或上传含目标表的Word文件"),
        ({"text": "x", "file": True}, "请只用一种方式"),
        ({"region": "不存在的地方", "text": "产出指标\t数量指标"}, "找不到地区“不存在的地方”"),
    ],
)
def test_the_form_says_what_is_missing_and_keeps_the_text(client, admin_xj, relief, yili, data, message):
    client.force_login(admin_xj)
    posted = {"fund": relief.pk, "region": yili.code, **data}
    if posted.pop("file", None):
        posted["file"] = SimpleUploadedFile("通知.docx", target_docx(["伊犁州"]))
    before = db_snapshot()
    response = client.post(reverse("imports:targets_paste"), posted)
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    if data.get("text"):
        assert data["text"] in page
    assert db_snapshot() == before and not ImportRecord.objects.exists()


def test_the_notice_docx_uploaded_on_the_page(client, admin_xj, relief, yili):
    client.force_login(admin_xj)
    upload = SimpleUploadedFile("新财社〔2024〕35号.docx", target_docx(["乌鲁木齐市", "伊犁州"]))
    response = post_paste(client, relief, yili, file=upload)
    page = client.get(response["Location"]).content.decode()
    assert "已选用写明属于伊犁哈萨克自治州的一张" in page and "Word 表格2" in page
    assert "修改粘贴的内容" not in page  # a document is corrected in Word, not here


def test_clerks_and_read_only_accounts_may_not_paste(client, clerk_yining, auditor_xj):
    for user in (clerk_yining, auditor_xj):
        client.force_login(user)
        assert client.get(reverse("imports:targets_paste")).status_code == 403
        assert "粘贴目标表或上传Word通知" not in client.get(reverse("imports:index")).content.decode()


def test_a_reviewer_pastes_for_the_regions_below_only(client, reviewer_yili, relief, yili):
    client.force_login(reviewer_yili)
    yining = Region.objects.get(code="654002")
    response = post_paste(client, relief, yining, seed_text(YILI_003))
    assert response.status_code == 302  # 伊宁市 is below 伊犁州
    for region in (yili, Region.objects.get(code="652900")):  # its own table; 阿克苏地区
        response = post_paste(client, relief, region, seed_text(YILI_003))
        assert response.status_code == 200 and "找不到地区" in response.content.decode()


def test_another_prefectures_reviewer_and_another_provinces_admin_get_nowhere(client, admin_xj, relief, yili):
    client.force_login(admin_xj)
    post_paste(client, relief, yili, seed_text(YILI_003))
    record = ImportRecord.objects.get()
    aksu_reviewer = person("reviewer_aksu_test", "652900", Role.REVIEWER)
    other = gansu()
    for user in (aksu_reviewer, other.admin):
        client.force_login(user)
        before = db_snapshot()
        response = post_paste(client, relief, yili, seed_text(YILI_003))
        assert response.status_code == 200 and "找不到地区" in response.content.decode()
        assert client.get(reverse("imports:record", args=[record.pk])).status_code == 404
        assert client.post(reverse("imports:apply", args=[record.pk])).status_code == 404
        assert client.get(reverse("imports:targets_paste") + f"?again={record.pk}").status_code == 404
        assert db_snapshot() == before
    # 甘肃's administrator does not see 新疆's fund either.
    client.force_login(other.admin)
    page = client.get(reverse("imports:targets_paste")).content.decode()
    assert "xj-2024-relief" not in page and relief.name not in page


def test_only_the_person_who_pasted_confirms(admin_xj, relief, yili):
    text = seed_text(YILI_003).encode()
    record, _ = import_preview(
        importer=importer(admin_xj, relief, yili), content=text, filename="t.txt", actor=admin_xj
    )
    second_admin = person("admin_xj_second", "650000", Role.ADMIN)
    with pytest.raises(Exception, match="只能由上传文件的人确认导入"):
        import_apply(record=record, actor=second_admin)
