"""Measure issue #14's table on the national dataset, each figure beside its reference.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evalportal_bench \\
        /work/main/.venv/bin/python bench/bench_national.py [--runs 7] [--only 1,2,…] [--port 8627]

Build the dataset first (bench/national_dataset.py). Reads fund ``nat01-650000`` (新疆) and its
prefecture 伊犁州 (654000); everything a row writes is rolled back, so rows are independent and
the database is left as built. Pages are timed through Django's test Client with
``time.process_time()`` around the request (this process's CPU: Python and templates, not
PostgreSQL's), median of ``--runs`` after one warm-up, with the query count of one request
(each page twice: while its data stands, and cold, the cache emptied before each request);
server-side work (SQL, the roll-up, imports) in wall time. A row that fails prints its error
and the next row runs. Row 9 runs gunicorn on ``--port`` and wrk (``apt-get install -y wrk``).
The process tunes its garbage collector as the web and worker processes do
(``evalportal.gc_tuning``); ``--default-gc`` leaves CPython's defaults, for a comparison.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national_dataset  # noqa: E402

FUND = "nat01-650000"
PROVINCE = national_dataset.XINJIANG
PREFECTURE = national_dataset.DEMO_PREFECTURE
RUNS = 7


@contextmanager
def thrown_away():
    """A block whose writes are rolled back at its end: the national dataset stays as built."""
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def out(text: str = "") -> None:
    print(text, flush=True)


def line(label: str, value: str, reference: str = "", ratio: str = "", goal: str = "") -> None:
    out(f"  {label:<46} {value:>14}  {reference:>14}  {ratio:>8}  {goal}")


def header() -> None:
    line("measure", "figure", "reference", "ratio", "goal")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ratio: float, limit: float, *, at_least: bool = False) -> str:
    met = ratio >= limit if at_least else ratio <= limit
    return f"{'≥' if at_least else '≤'} {limit:g}× {'met' if met else 'NOT met'}"


# --- helpers --------------------------------------------------------------------------------------


def client_for(username: str | None):
    from django.test import Client

    client = Client()
    if username is not None:
        from evalportal.models import User

        client.force_login(User.objects.get(username=username))
    return client


def page_cpu(client, url: str, runs: int, *, cold: bool = False) -> tuple[float, float, int, int]:
    """(median CPU, median wall, queries, bytes) of GET ``url``; asserts 200. ``cold``: the cache
    emptied before each request (untimed), as the first visit after a change of the data finds
    it; else what the page costs while its data stands (boards, home lines and checks kept under
    their data versions, transfers.versions)."""
    from django.core.cache import cache
    from django.db import connection

    if cold:
        cache.clear()
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} gave {response.status_code}")
    queries = []  # counted by a wrapper: the request_started signal clears connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    if cold:
        cache.clear()
    with connection.execute_wrapper(count):
        client.get(url)
    cpu, wall = [], []
    for _ in range(runs):
        if cold:
            cache.clear()
        started, tick = time.process_time(), time.perf_counter()
        client.get(url)
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - tick)
    return statistics.median(cpu), statistics.median(wall), len(queries), len(response.content)


def wall(function, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        tick = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - tick)
    return statistics.median(times), result


def sql(query: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def objects():
    """The fund, province, prefecture and the returns the page rows read."""
    from indicators.models import Return
    from transfers.models import Fund, Region

    fund = Fund.objects.get(code=FUND)
    province = Region.objects.get(code=PROVINCE)
    prefecture = Region.objects.get(code=PREFECTURE)
    counties = Return.objects.filter(fund=fund, region__parent=prefecture, project=None)
    review = counties.filter(status=Return.Status.SUBMITTED).order_by("region__code").first()
    review = (
        review
        or Return.objects.filter(fund=fund, region__level=3, status=Return.Status.SUBMITTED)
        .order_by("region__code")
        .first()
    )
    form = counties.filter(status=Return.Status.DRAFT).order_by("region__code").first()
    form = form or Return.objects.filter(fund=fund, region__level=3, status=Return.Status.DRAFT).first()
    return fund, province, prefecture, review, form


_login_cache: dict[int, float] = {}


def login_reference(runs: int) -> float:
    if runs not in _login_cache:
        cpu, _wall, queries, size = page_cpu(client_for(None), "/accounts/login/", runs)
        _login_cache[runs] = cpu
        line("login page (anonymous)", ms(cpu), "", "", f"{queries} queries, {size / 1024:.0f} KiB")
    return _login_cache[runs]


def page_rows(pages: list[tuple[str, str | None, str]], runs: int, limit: float) -> dict[str, float]:
    reference = login_reference(runs)
    figures = {}
    for label, user, url in pages:
        try:
            cpu, wall_time, queries, size = page_cpu(client_for(user), url, runs)
        except Exception as exc:  # one page failing leaves the others
            line(label, "failed", "", "", f"{type(exc).__name__}: {exc}")
            continue
        ratio = cpu / reference
        figures[label] = cpu
        line(label, ms(cpu), ms(reference), f"{ratio:.1f}×", verdict(ratio, limit))
        line("", f"wall {ms(wall_time)}", "", "", f"{queries} queries, {size / 1024:.0f} KiB")
        cold_line(user, url, runs, reference)
    return figures


def cold_line(user: str | None, url: str, runs: int, reference: float) -> None:
    """The page again with the cache emptied before each request, beside the same reference."""
    cold, _wall, queries, _size = page_cpu(client_for(user), url, runs, cold=True)
    line(
        "  cold (cache emptied first)",
        ms(cold),
        ms(reference),
        f"{cold / reference:.1f}×",
        f"{queries} queries",
    )


# --- the rows -----------------------------------------------------------------------------------


def row_1(args) -> None:
    """province home / board CPU per request vs the login page (≤ 3×)."""
    from datetime import date

    from indicators.models import Deadline, Period
    from transfers.models import Fund

    fund, province, *_ = objects()
    admin = f"admin_{province.code}"
    page_rows(
        [
            # The floor of every signed-in page: the session, the person and the nav, a form.
            ("signed-in floor: 修改密码 (a form and the nav)", admin, "/accounts/password_change/"),
            ("province home (admin, all funds)", admin, "/"),
            ("province board (one fund)", admin, f"/board/{fund.code}/{province.code}/"),
        ],
        args.runs,
        3,
    )
    # With a deadline on each fund of the country: the home page's notices, the deadline page
    # and the day's reminders ask who owes a return and how far each region has got (rolled
    # back after).
    from django.db import connection

    from indicators.reminders import reminders_due

    with thrown_away():
        Deadline.objects.bulk_create(
            Deadline(fund=f, region_id=f.region_id, period=Period.YEAR_END, due_on=date(2025, 1, 31))
            for f in Fund.objects.all()
        )
        page_rows(
            [
                ("province home, a deadline on each fund", admin, "/"),
                ("截止日期, a deadline on each fund", admin, "/deadlines/"),
            ],
            args.runs,
            3,
        )
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            reminders = reminders_due(date(2025, 2, 3))  # overdue: escalations too
        queries_per_run = len(queries)
        seconds, _ = wall(lambda: reminders_due(date(2025, 2, 3)), 3)
        line(
            f"the day's reminders, {Fund.objects.count():,} funds",
            f"{seconds:.2f} s",
            "",
            "",
            f"{len(reminders):,} reminders, {queries_per_run} queries",
        )


def row_2(args) -> None:
    """fund check / review / county form CPU vs login (≤ 3×)."""
    fund, province, prefecture, review, form = objects()
    pages = [("fund check (province admin)", f"admin_{province.code}", f"/returns/checks/{fund.code}/")]
    if review is not None:
        pages.append(
            (f"review of {review.region.name} (prefecture reviewer)", f"reviewer_{review.region.parent.code}",
             f"/returns/{review.pk}/")
        )  # fmt: skip
    if form is not None:
        pages.append(
            (
                f"county form of {form.region.name} (clerk)",
                f"clerk_{form.region.code}",
                f"/returns/{form.pk}/edit/",
            )
        )
    page_rows(pages, args.runs, 3)


def flat_pages(fund, province, prefecture, review) -> list[tuple[str, str | None, str]]:
    pages = [
        ("province board", f"admin_{province.code}", f"/board/{fund.code}/{province.code}/"),
        ("province fund check", f"admin_{province.code}", f"/returns/checks/{fund.code}/"),
        (
            "prefecture board (lists its counties)",
            f"reviewer_{prefecture.code}",
            f"/board/{fund.code}/{prefecture.code}/",
        ),
        (
            "prefecture fund check (lists its counties)",
            f"reviewer_{prefecture.code}",
            f"/returns/checks/{fund.code}/",
        ),
    ]
    if review is not None:
        pages.append(
            ("review of one county return", f"reviewer_{review.region.parent.code}", f"/returns/{review.pk}/")
        )
    return pages


def row_3(args) -> None:
    """board, check and review pages, demo → 100× counties under one prefecture (flat within 2×)."""

    fund, province, prefecture, review, _form = objects()
    if review is not None and review.region.parent_id != prefecture.pk:
        review = None
    pages = flat_pages(fund, province, prefecture, review)
    before_counties = prefecture.children.count()
    out(f"  before: {prefecture.name} with {before_counties} counties")
    before, before_cold = {}, {}
    for label, user, url in pages:
        before[label] = page_cpu(client_for(user), url, args.runs)
        before_cold[label] = page_cpu(client_for(user), url, args.runs, cold=True)
    with thrown_away():
        tick = time.perf_counter()
        added = national_dataset.demo_x100(FUND, PREFECTURE)
        out(
            f"  after: {before_counties + added} counties (demo_x100 {time.perf_counter() - tick:.1f} s, rolled back after)"
        )
        for label, user, url in pages:
            try:
                cpu, wall_time, queries, size = page_cpu(client_for(user), url, args.runs)
            except Exception as exc:
                line(label, "failed", "", "", f"{type(exc).__name__}: {exc}")
                continue
            b_cpu, _b_wall, b_queries, b_size = before[label]
            ratio = cpu / b_cpu
            line(label, ms(cpu), ms(b_cpu), f"{ratio:.1f}×", verdict(ratio, 2))
            line(
                "",
                f"{queries} queries",
                f"{b_queries} queries",
                "",
                f"{size / 1024:.0f} vs {b_size / 1024:.0f} KiB",
            )
            cold = page_cpu(client_for(user), url, args.runs, cold=True)[0]
            b_cold = before_cold[label][0]
            line(
                "  cold (cache emptied first)",
                ms(cold),
                ms(b_cold),
                f"{cold / b_cold:.1f}×",
                verdict(cold / b_cold, 2),
            )


NATIONAL_SPENT = """
WITH own AS (
    SELECT r.fund_id, r.region_id, SUM(rf.spent) AS spent
    FROM indicators_return r JOIN indicators_returnfunding rf ON rf.ret_id = r.id
    JOIN transfers_fund f ON f.id = r.fund_id
    WHERE f.code LIKE %(pattern)s AND r.period = 'year_end' AND r.project_id IS NULL
      AND r.status = 'approved'
    GROUP BY r.fund_id, r.region_id
), county AS (
    SELECT o.fund_id, c.parent_id AS prefecture_id, SUM(o.spent) AS spent
    FROM own o JOIN transfers_region c ON c.id = o.region_id WHERE c.level = 3
    GROUP BY o.fund_id, c.parent_id
), prefecture AS (
    SELECT f.id AS fund_id, COALESCE(o.spent, county.spent) AS spent
    FROM transfers_fund f JOIN transfers_region p ON p.parent_id = f.region_id
    LEFT JOIN own o ON o.fund_id = f.id AND o.region_id = p.id
    LEFT JOIN county ON county.fund_id = f.id AND county.prefecture_id = p.id
    WHERE f.code LIKE %(pattern)s
), province AS (
    SELECT f.id, COALESCE(o.spent, (SELECT SUM(spent) FROM prefecture WHERE prefecture.fund_id = f.id)) AS spent
    FROM transfers_fund f LEFT JOIN own o ON o.fund_id = f.id AND o.region_id = f.region_id
    WHERE f.code LIKE %(pattern)s
)
SELECT COUNT(*), SUM(spent),
       (SELECT SUM(a.amount) FROM transfers_allocation a JOIN transfers_fund f ON f.id = a.fund_id
        WHERE f.code LIKE %(pattern)s AND a.from_region_id IS NULL)
FROM province
"""


def row_4(args) -> None:
    """national total of one fund (31 provinces) vs a raw SQL GROUP BY of the same sums (≤ 2×)."""
    from evalportal.models import Role, User
    from indicators.ledger import FundLedger, at_roots, together
    from indicators.nation import national_board
    from transfers.models import CentralFund, Fund

    pattern = FUND.split("-")[0] + "-%"
    with thrown_away():  # the provinces' nat01 funds become copies of one central fund
        central = CentralFund.objects.create(code="bench-nat01", name="全国测试资金", year=2024)
        Fund.objects.filter(code__startswith=pattern[:-1]).update(central=central)
        User.objects.create_user("bench_ministry", password="x", role=Role.MINISTRY)

        def portal():
            # The national total as the list of central funds adds it up: each province's root
            # summed in the database by the ledger's two rules (``ledger.at_roots``), together.
            funds = list(central.funds.all())
            total = together(at_roots(funds).values()).total
            return len(funds), total.budget, total.spent

        def ledgers_together():
            # The same total as the board adds it up: each province's ledger, together.
            funds = list(central.funds.select_related("region"))
            ledgers = FundLedger.for_funds(funds)
            total = together(ledgers[fund.pk].account() for fund in funds).total
            return len(funds), total.budget, total.spent

        portal()
        sql(NATIONAL_SPENT, {"pattern": pattern})
        p_time, (count, budget, spent) = wall(portal, max(3, args.runs // 2))
        s_time, rows = wall(lambda: sql(NATIONAL_SPENT, {"pattern": pattern}), args.runs)
        s_count, s_spent, s_budget = rows[0]
        same = budget == s_budget and spent == s_spent
        ratio = p_time / s_time
        line(
            f"national total of {pattern[:-2]} ({count} provinces, at_roots together)",
            ms(p_time),
            ms(s_time),
            f"{ratio:.1f}×",
            verdict(ratio, 2),
        )
        line("", f"budget {budget:,.2f}", f"{s_budget:,.2f}", "", "same" if same else "DIFFERENT")
        line("", f"spent {spent:,.2f}", f"{s_spent:,.2f}", "", f"{s_count} provinces in SQL")
        ledgers_together()
        l_time, (_count, l_budget, l_spent) = wall(ledgers_together, max(3, args.runs // 2))
        line(
            "the same total from the 31 ledgers (the board's)",
            ms(l_time),
            ms(s_time),
            f"{l_time / s_time:.1f}×",
            "same" if (l_budget, l_spent) == (budget, spent) else "DIFFERENT",
        )
        national_board(central)
        b_time, board = wall(lambda: national_board(central), max(3, args.runs // 2))
        rolled = sum(1 for board_line in board.lines if board_line.indicators_rolled_up)
        line(
            "national_board: the total and each indicator",
            ms(b_time),
            ms(s_time),
            f"{b_time / s_time:.1f}×",
            f"{rolled} provinces' indicators rolled up from below",
        )
        reference = login_reference(args.runs)
        cpu, wall_time, queries, size = page_cpu(
            client_for("bench_ministry"), f"/nation/{central.code}/", args.runs
        )
        line(
            "ministry board of one fund (31 provinces)",
            ms(cpu),
            ms(reference),
            f"{cpu / reference:.1f}×",
            "CPU vs login",
        )
        line("", f"wall {ms(wall_time)}", "", "", f"{queries} queries, {size / 1024:.0f} KiB")
        cold_line("bench_ministry", f"/nation/{central.code}/", args.runs, reference)


PROVINCE_ROLLUP_SQL = """
WITH own AS (
    SELECT r.id, r.region_id FROM indicators_return r
    WHERE r.fund_id = %(fund)s AND r.period = 'year_end' AND r.project_id IS NULL AND r.status = 'approved'
), counted AS (  -- the province's direct children: a prefecture's own approved return, else its counties'
    SELECT o.id FROM own o JOIN transfers_region p ON p.id = o.region_id WHERE p.parent_id = %(province)s
    UNION ALL
    SELECT o.id FROM own o JOIN transfers_region c ON c.id = o.region_id JOIN transfers_region p ON p.id = c.parent_id
    WHERE p.parent_id = %(province)s AND NOT EXISTS (SELECT 1 FROM own x WHERE x.region_id = p.id)
)
SELECT 'money:' || rf.source, SUM(rf.spent) FROM indicators_returnfunding rf JOIN counted ON counted.id = rf.ret_id
GROUP BY rf.source
UNION ALL
SELECT 'indicator:' || i.name, SUM(NULLIF(regexp_replace(a.actual_text, '[^0-9.]', '', 'g'), '')::numeric)
FROM indicators_indicatoractual a JOIN counted ON counted.id = a.ret_id
JOIN indicators_indicatortarget i ON i.id = a.indicator_id
GROUP BY i.name
"""


def row_5(args) -> None:
    """one province refreshed from its counties vs SQL (≤ 2×)."""

    from evalportal.models import User
    from indicators.models import Return
    from indicators.rollups import return_rollup
    from indicators.services import return_fill_from_rollup

    fund, province, *_ = objects()
    ret = Return.objects.get(fund=fund, region=province, period="year_end", project=None)
    admin = User.objects.get(username=f"admin_{province.code}")
    params = {"fund": fund.pk, "province": province.pk}

    def refresh():
        with thrown_away():
            return return_fill_from_rollup(ret=Return.objects.get(pk=ret.pk), actor=admin)

    refresh()
    sql(PROVINCE_ROLLUP_SQL, params)
    r_time, rolled = wall(lambda: return_rollup(Return.objects.get(pk=ret.pk)), args.runs)
    f_time, changes = wall(refresh, args.runs)
    s_time, rows = wall(lambda: sql(PROVINCE_ROLLUP_SQL, params), args.runs)
    line(
        "province roll-up read (return_rollup)",
        ms(r_time),
        ms(s_time),
        f"{r_time / s_time:.1f}×",
        verdict(r_time / s_time, 2),
    )
    line(
        "province 按下级数据填入 (return_fill_from_rollup)", ms(f_time), ms(s_time), f"{f_time / s_time:.1f}×",
        verdict(f_time / s_time, 2),
    )  # fmt: skip
    money = dict(rows)
    line(
        "",
        f"central {rolled.money.line('central').spent}",
        f"{money.get('money:central')}",
        "",
        f"{len(changes)} values changed",
    )


def raw_docx(tables) -> bytes:
    """The same grids as WordprocessingML strings, zipped: the floor of any DOCX writer."""
    from reports.builders.layouts import cell_text

    body = []
    for table in tables:
        body.append(f"<w:p><w:r><w:t>{escape(table.title)}</w:t></w:r></w:p>")
        for grid in table.grids:
            grid_cols = "".join(f'<w:gridCol w:w="{int(w * 567)}"/>' for w in grid.widths)
            rows = []
            for placed in grid.placed():
                cells = []
                for _col, cell, continued in placed:
                    props = f'<w:gridSpan w:val="{cell.span}"/>' if cell.span > 1 else ""
                    if cell.rows > 1 or continued:
                        props += '<w:vMerge w:val="restart"/>' if not continued else "<w:vMerge/>"
                    text = "" if continued else escape(cell_text(cell))
                    cells.append(
                        f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"
                    )
                rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
            body.append(f"<w:tbl><w:tblGrid>{grid_cols}</w:tblGrid>{''.join(rows)}</w:tbl><w:p/>")
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {ns}><w:body>{"".join(body)}</w:body></w:document>'
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def forget_tables() -> None:
    """Empty every remembered text, line count and cell of the DOCX table writer."""
    from reports.builders import docx_tables

    for value in vars(docx_tables).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


def report_inputs():
    from reports.data import report_data

    fund, province, *_ = objects()
    data = report_data(fund=fund, region=province)
    return fund, province, data


def row_6(args) -> None:
    """report A with 120 regional tables vs raw WordprocessingML strings zipped (≤ 3×)."""
    from reports.builders import build
    from reports.builders.layouts import tables_for
    from reports.data import report_data

    fund, province, data = report_inputs()
    tables = tables_for(data, "a")
    grids = sum(len(t.grids) for t in tables)
    out(
        f"  report A of {province.name} · {fund.code}: {len(data.allocation.lines)} allocation lines, "
        f"{len(data.child_tables)} regional tables passed down, {len(tables)} tables, {grids} grids"
    )
    build(data, kind="a", format="docx")
    raw_docx(tables)
    read_time, _ = wall(lambda: report_data(fund=fund, region=province), max(3, args.runs // 2))

    def first_build():
        # what the table writers remember of texts and cells, emptied: each run is a worker's
        # first build of this report, not the same report again (the reference stays read)
        forget_tables()
        return build(data, kind="a", format="docx")

    write_time, content = wall(first_build, args.runs)
    again_time, _ = wall(lambda: build(data, kind="a", format="docx"), args.runs)
    raw_time, raw = wall(lambda: raw_docx(tables_for(data, "a")), args.runs)
    ratio = write_time / raw_time
    line(
        "report A DOCX (write, first build)", ms(write_time), ms(raw_time), f"{ratio:.1f}×", verdict(ratio, 3)
    )
    line(
        "report A DOCX (write, the same again)", ms(again_time), ms(raw_time), f"{again_time / raw_time:.1f}×"
    )
    line("", f"{len(content) / 1024:.0f} KiB", f"{len(raw) / 1024:.0f} KiB")
    whole = read_time + write_time
    line(
        "report A DOCX (read + write)",
        ms(whole),
        ms(raw_time),
        f"{whole / raw_time:.1f}×",
        f"report_data {ms(read_time)}",
    )


def row_7(args) -> None:
    """workbook of tables B–E vs the DOCX of the same tables (≤ 1×)."""
    from reports.builders import build

    fund, province, data = report_inputs()
    kinds = ["b", "c", "d", "e"]

    def docx_tables():
        return sum(len(build(data, kind=kind, format="docx")) for kind in kinds)

    build(data, kind="a", format="xlsx")
    docx_tables()
    x_time, book = wall(lambda: build(data, kind="a", format="xlsx"), args.runs)
    d_time, size = wall(docx_tables, args.runs)
    ratio = x_time / d_time
    line("workbook B–E XLSX (write)", ms(x_time), ms(d_time), f"{ratio:.2f}×", verdict(ratio, 1))
    line("", f"{len(book) / 1024:.0f} KiB", f"{size / 1024:.0f} KiB", "", "reference: DOCX of B, C, D, E")


def allocation_fixture(counties_per_prefecture: int, prefectures: int, tag: int):
    """A synthetic province (9Txxxx codes) with its fund, notices and administrator; the
    附件1 workbook of its counties."""
    from allocation_table import allocation_rows, allocation_workbook

    from evalportal.models import Role, User
    from transfers.models import Fund, Notice, Region

    codes = iter(f"{n:06d}" for n in range(900000 + (tag - 1) * 20000, 960000))  # unused codes
    province = Region.objects.create(code=next(codes), name=f"测试省{tag}", level=1)
    prefs = Region.objects.bulk_create(
        Region(code=next(codes), name=f"第{p}州", level=2, parent=province, order=p)
        for p in range(1, prefectures + 1)
    )
    counties = [
        Region(code=next(codes), name=f"第{p}州第{c}县", level=3, parent=pref, order=c)
        for p, pref in enumerate(prefs, start=1)
        for c in range(1, counties_per_prefecture + 1)
    ]
    Region.objects.bulk_create(counties)
    admin = User.objects.create(username=f"bench_import_{tag}", region=province, role=Role.ADMIN)
    fund = Fund.objects.create(code=f"bench-import-{tag}", name="测试资金", year=2024, region=province)
    batch = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2024〕{tag}号", title="本次下达"
    )
    advance = Notice.objects.create(
        province=province, issuer="测试", number=f"测〔2023〕{tag}号", title="提前下达"
    )

    content = allocation_workbook(allocation_rows(range(1, prefectures + 1), counties_per_prefecture))
    return admin, province, fund, batch, advance, content


def row_8(args) -> None:
    """allocation import of 30,000 rows: preview / apply vs openpyxl read-only over the same file
    (≤ 3× / ≤ 5×, memory flat)."""
    from openpyxl import load_workbook

    from reports.imports import reading
    from reports.imports.allocations import AllocationImporter
    from reports.imports.plan import apply, dry_run

    sizes = [(30, 100, 1), (300, 100, 2)] if not args.small_import else [(3, 10, 1), (30, 10, 2)]
    limit = reading.MAX_ROWS
    if sizes[-1][0] * (sizes[-1][1] + 1) > limit:
        # The product refuses a sheet of more than MAX_ROWS rows; raised here to measure 30,000.
        line(
            "sheet of 30,305 rows as the product stands",
            "refused",
            "",
            "",
            f"MAX_ROWS = {limit:,} (reading.py)",
        )
        reading.MAX_ROWS = 40_000
        out(f"  reports.imports.reading.MAX_ROWS raised {limit:,} → 40,000 for this row only")
    memory = {}
    for prefectures, per, tag in sizes:
        rows = prefectures * per
        with thrown_away():
            admin, province, fund, batch, advance, content = allocation_fixture(per, prefectures, tag)

            def importer(fund=fund, admin=admin, province=province, batch=batch, advance=advance):
                return AllocationImporter(
                    actor=admin, scope=province, fund=fund, batch_notice=batch, advance_notice=advance
                )

            def read_only(content=content):
                book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
                count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
                book.close()
                return count

            r_time, count = wall(read_only, 3)
            out(f"  {rows:,} county rows ({count:,} sheet rows, {len(content) / 1024:.0f} KiB)")
            p_time, plan = wall(
                lambda importer=importer, content=content: dry_run(
                    importer(), content=content, filename="a.xlsx"
                ),
                1,
            )
            if plan.errors:
                raise AssertionError(f"preview found errors: {plan.errors[:3]}")
            line(
                f"preview {rows:,} rows",
                f"{p_time:.2f} s",
                f"{r_time:.2f} s",
                f"{p_time / r_time:.1f}×",
                verdict(p_time / r_time, 3),
            )
            tracemalloc.start()
            dry_run(importer(), content=content, filename="a.xlsx")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            tracemalloc.start()
            read_only()
            read_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            memory[rows] = peak
            line(
                "",
                f"peak {peak / 2**20:.0f} MiB",
                f"{read_peak / 2**20:.0f} MiB",
                f"{peak / read_peak:.1f}×",
                "(tracemalloc)",
            )
            a_time, _ = wall(
                lambda importer=importer, content=content: apply(
                    importer(), content=content, filename="a.xlsx"
                ),
                1,
            )
            line(
                f"apply {rows:,} rows",
                f"{a_time:.2f} s",
                f"{r_time:.2f} s",
                f"{a_time / r_time:.1f}×",
                verdict(a_time / r_time, 5),
            )
    reading.MAX_ROWS = limit
    if len(memory) == 2:
        small, large = sorted(memory)
        growth = memory[large] / memory[small]
        line(
            f"preview memory {small:,} → {large:,} rows",
            f"{growth:.1f}×",
            f"{large / small:.0f}× rows",
            "",
            "flat would be ~1×",
        )


def row_9(args) -> None:
    """province board under 50 concurrent users (gunicorn, PostgreSQL) vs the login page (≥ 30%)."""
    wrk = shutil.which("wrk")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if wrk is None or not gunicorn.exists():
        line("province board, 50 concurrent users", "skipped", "", "", "wrk or gunicorn missing")
        return
    from django.conf import settings

    fund, province, *_ = objects()
    client = client_for(f"admin_{province.code}")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    static = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = dict(os.environ, DEBUG="false", SECRET_KEY=settings.SECRET_KEY, SECURE_COOKIES="false",
               STATIC_ROOT=str(static), LOG_LEVEL="WARNING", DB_CONN_MAX_AGE="600")  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    workers = (os.cpu_count() or 2) * 2 + 1
    server = subprocess.Popen(
        [str(gunicorn), "evalportal.wsgi", "-b", f"127.0.0.1:{args.port}", "-w", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(4)
        results = {}
        for label, url, cookie in (
            ("login page", "/accounts/login/", None),
            ("province board", f"/board/{fund.code}/{province.code}/", session),
            # The floor of every signed-in page (the session, the person, the nav): what the
            # board could reach if its own work cost nothing.
            ("signed-in floor: 修改密码", "/accounts/password_change/", session),
        ):
            command = [wrk, "-t2", "-c50", f"-d{args.seconds}s", "--timeout", "30s", "--latency"]
            if cookie:
                command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}"]
            command.append(f"http://127.0.0.1:{args.port}{url}")
            probe = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", *(["-H", command[-2]] if cookie else []),
                 command[-1]], capture_output=True, text=True, check=False,
            ).stdout  # fmt: skip
            if not probe.startswith("200"):
                raise AssertionError(f"GET {url} through gunicorn gave {probe}")
            subprocess.run(command[:-1] + ["-d2s", command[-1]], capture_output=True, check=False)  # warm
            result = subprocess.run(command, capture_output=True, text=True, check=False).stdout
            rps = next(float(x.split()[1]) for x in result.splitlines() if x.startswith("Requests/sec"))
            bad = [x.strip() for x in result.splitlines() if "Non-2xx" in x or "Socket errors" in x]
            p50 = next((x.split()[1] for x in result.splitlines() if x.strip().startswith("50%")), "?")
            p99 = next((x.split()[1] for x in result.splitlines() if x.strip().startswith("99%")), "?")
            results[label] = rps
            line(
                f"{label}: req/s, 50 users",
                f"{rps:.1f}",
                "",
                "",
                f"{probe} B; p50 {p50}, p99 {p99} {' '.join(bad)}",
            )
        share = results["province board"] / results["login page"]
        line(
            "province board vs login page",
            f"{share:.0%}",
            "100%",
            f"{share:.2f}×",
            verdict(share, 0.3, at_least=True),
        )
        floor = results["signed-in floor: 修改密码"] / results["login page"]
        line(
            "signed-in floor vs login page",
            f"{floor:.0%}",
            "100%",
            f"{floor:.2f}×",
            "the most the board can reach",
        )
        out(
            f"  gunicorn {workers} sync workers, DEBUG off, wrk -t2 -c50 -d{args.seconds}s, client and server on the same 2 cores"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static, ignore_errors=True)


ROWS = [row_1, row_2, row_3, row_4, row_5, row_6, row_7, row_8, row_9]


def main() -> None:
    parser = argparse.ArgumentParser(description="Issue #14's table on the national dataset.")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--only", default="", help="rows to run, e.g. 1,2,6")
    parser.add_argument("--port", type=int, default=8627)
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per page (row 9)")
    parser.add_argument("--small-import", action="store_true", help="row 8 at 30 / 300 rows (debugging)")
    parser.add_argument(
        "--default-gc", action="store_true", help="leave the collector at CPython's defaults (not as served)"
    )
    args = parser.parse_args()
    national_dataset.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import get_resolver

    from evalportal import gc_tuning

    settings.DEBUG = False
    national_dataset._assert_bench_connection()
    if not args.default_gc:
        # As the web and worker processes run (evalportal.wsgi, evalportal.celery): every view
        # loaded, then the garbage collector tuned with all of it frozen.
        get_resolver().url_patterns  # noqa: B018
        gc_tuning.tune()
    counts = dict(
        sql(
            "SELECT 'funds', COUNT(*) FROM transfers_fund UNION ALL SELECT 'returns', COUNT(*) FROM indicators_return "
            "UNION ALL SELECT 'actuals', COUNT(*) FROM indicators_indicatoractual UNION ALL "
            "SELECT 'provinces', COUNT(DISTINCT region_id) FROM transfers_fund"
        )
    )
    out(
        f"database {connection.settings_dict['NAME']}: {counts['provinces']} provinces, {counts['funds']} funds, "
        f"{counts['returns']:,} returns, {counts['actuals']:,} indicator actuals; {os.cpu_count()} cores; "
        f"{time.strftime('%Y-%m-%d %H:%M')}; collector "
        f"{'at the defaults' if args.default_gc else 'tuned as served (evalportal.gc_tuning)'}"
    )
    wanted = {int(x) for x in args.only.split(",") if x.strip()}
    for number, row in enumerate(ROWS, start=1):
        if wanted and number not in wanted:
            continue
        out(f"\n{number}. {row.__doc__.splitlines()[0]}")
        header()
        tick = time.perf_counter()
        try:
            row(args)
        except Exception as exc:
            out(f"  row failed: {type(exc).__name__}: {exc}")
            traceback.print_exc(limit=3)
        out(f"  ({time.perf_counter() - tick:.0f} s)")


if __name__ == "__main__":
    main()
