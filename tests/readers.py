"""Reading figures back from what the portal renders: pages, DOCX and XLSX.

Tests compare what a person sees, so money is read from the rendered page or file, never
from the objects that produced it. Every reader returns Decimal (or None for a blank cell).
"""

from decimal import Decimal
from io import BytesIO

from docx import Document
from lxml import html
from openpyxl import load_workbook

D = Decimal


def number(text) -> Decimal | None:
    """'14,713.11' / '92.98%' / 0.9298 (an XLSX percentage cell) → Decimal; blank → None."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return D(str(text))
    cleaned = str(text).strip().replace(",", "").removesuffix("%")
    return D(cleaned) if cleaned else None


def page(response) -> html.HtmlElement:
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def cell_text(element) -> str:
    """A cell's own figure: its first line of text (notes below it are left out)."""
    texts = [t.strip() for t in element.itertext() if t.strip()]
    return texts[0] if texts else ""


def table_rows(response) -> list[dict[str, str]]:
    """The rows of a page's one table as printed, each {heading: the cell's text}; a cell that
    spans columns stands under each of them."""
    (table,) = page(response).iter("table")
    headings = [" ".join(th.text_content().split()) for th in table.find("thead").iter("th")]
    rows = []
    for tr in table.find("tbody").iter("tr"):
        cells = []
        for td in tr.findall("td"):
            cells += [" ".join(td.text_content().split())] * int(td.get("colspan", 1))
        rows.append(dict(zip(headings, cells, strict=False)))
    return rows


def money_rows(doc: html.HtmlElement, *, table_heading: str) -> dict[str, tuple]:
    """{label: (budget, spent, rate)} of the money table that follows ``table_heading``."""
    (heading,) = [h for h in doc.iter("h2") if table_heading in h.text_content()]
    table = heading.getnext()
    while table is not None and table.tag != "table":
        table = table.getnext()
    rows = {}
    for tr in table.iter("tr"):
        cells = tr.findall("td")
        head = tr.find("th")
        if head is not None and len(cells) >= 3:
            label, values = cell_text(head), cells[:3]
        elif len(cells) >= 4:
            label, values = cell_text(cells[0]), cells[1:4]
        else:
            continue
        figures = []
        for cell in values:
            field = cell.find(".//input")
            figures.append(number(field.get("value")) if field is not None else number(cell_text(cell)))
        rows[label] = tuple(figures)
    return rows


def board_rows(doc: html.HtmlElement, fund_name: str) -> dict[str, tuple]:
    """{region: (budget, spent, rate)} of one fund's progress board on a home page."""
    (card,) = [
        section
        for section in doc.iter("section")
        if (title := section.find(".//h2")) is not None and title.text_content().strip().endswith(fund_name)
    ]
    rows = {}
    for table in card.iter("table"):
        heads = [cell_text(th) for th in table.iter("th")]
        if heads[:4] != ["地区/单位", "全年预算数", "全年执行数", "预算执行率"]:
            continue
        for tr in table.find("tbody").iter("tr"):
            cells = tr.findall("td")
            rows[cell_text(cells[0])] = tuple(number(cell_text(c)) for c in cells[1:4])
    return rows


def docx(content: bytes):
    return Document(BytesIO(content))


def docx_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def docx_table(doc, *first_cells: str):
    for table in doc.tables:
        if [c.text for c in table.rows[0].cells[: len(first_cells)]] == list(first_cells):
            return table
    raise AssertionError(f"没有以 {first_cells} 开头的表格")


def docx_money_block(doc) -> dict[str, tuple]:
    """The 自评表's 资金投入情况: {年度资金总额 / 中央财政资金 / 地方财政资金 / 其他资金: (budget, spent, rate)}."""
    rows = docx_rows(docx_table(doc, "转移支付名称"))
    labels = {"年度资金总额", "其中：中央财政资金", "地方财政资金", "其他资金"}
    return {
        row[1].removeprefix("其中："): (number(row[4]), number(row[5]), number(row[6]))
        for row in rows
        if row[1] in labels
    }


def docx_lines(table) -> dict[str, tuple]:
    """{first cell: (second, third, fourth)} of a money table (执行情况表, 资金来源表)."""
    return {row[0]: tuple(number(x) for x in row[1:4]) for row in docx_rows(table)[1:]}


def workbook(content: bytes):
    return load_workbook(BytesIO(content))


def xlsx_find(ws, value):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"工作表“{ws.title}”中没有“{value}”")


def xlsx_money_block(ws) -> dict[str, tuple]:
    """The XLSX 自评表's money rows: budget, spent in columns E and F, the rate (a fraction) in G."""
    result = {}
    for label in ("年度资金总额", "其中：中央财政资金", "地方财政资金", "其他资金"):
        cell = xlsx_find(ws, label)
        budget, spent, rate = (ws.cell(row=cell.row, column=c).value for c in (5, 6, 7))
        rate = number(rate) * 100 if rate is not None else None
        result[label.removeprefix("其中：")] = (number(budget), number(spent), rate)
    return result
