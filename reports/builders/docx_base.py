"""A DOCX document in Chinese government style, written as WordprocessingML with lxml.

python-docx opens its template and saves the package; everything in between (styles, page
setup, footer, paragraphs, tables) is written as XML directly. Its proxy objects are slow in
loops (a table cell lookup rebuilds the whole grid), and a report of 120 regions has
thousands of cells.

Style (GB/T 9704 as the offices apply it): A4; margins 3.7 / 3.5 / 2.8 / 2.6 cm (top, bottom,
left, right); title 方正小标宋简体 2号 (22 pt); body 仿宋_GB2312 3号 (16 pt), 28 pt exact line
spacing, two-character first-line indent; 一、 headings 黑体, （一） headings 楷体_GB2312; page
numbers “— 1 —” in the footer. The East Asian font is named in the XML of every style and
every run (w:rFonts w:eastAsia), and the theme fonts of the template are removed, because
Word lets a theme font override an explicit one.
"""

from io import BytesIO

from docx import Document
from docx.shared import Cm
from lxml import etree

from common.text import clean_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
TABLE_HEAD_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"

BODY_SIZE = 32  # half-points: 3号 = 16 pt
TITLE_SIZE = 44  # 2号 = 22 pt
CAPTION_SIZE = 28  # 4号 = 14 pt
TABLE_SIZE = 21  # 5号 = 10.5 pt
LINE_EXACT = 560  # 28 pt in twips
NOTICE_COLOR = "C00000"  # the draft notice: dark red, as offices mark a 征求意见稿


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def sub(parent, tag: str, **attrs) -> etree._Element:
    """A w: child element; attribute names are given without the prefix."""
    element = etree.SubElement(parent, w(tag))
    for name, value in attrs.items():
        element.set(w(name), str(value))
    return element


def fonts(parent, east_asia: str) -> etree._Element:
    return sub(parent, "rFonts", ascii=LATIN, hAnsi=LATIN, cs=LATIN, eastAsia=east_asia)


def run_properties(
    parent, *, font: str, size: int, bold: bool = False, color: str | None = None
) -> etree._Element:
    rpr = sub(parent, "rPr")
    fonts(rpr, font)
    if bold:
        sub(rpr, "b")
        sub(rpr, "bCs")
    if color:
        sub(rpr, "color", val=color)
    sub(rpr, "sz", val=size)
    sub(rpr, "szCs", val=size)
    return rpr


def lines_of(text: str) -> list[str]:
    """The lines of a text as people typed it: browser text boxes send "\\r\\n", Word pastes
    U+000B, old systems a lone "\\r" (common.text.clean_text makes them all "\\n")."""
    return clean_text(text or "").split("\n")


def text_run(
    parent, text: str, *, font: str, size: int, bold: bool = False, color: str | None = None
) -> etree._Element:
    """One run of text. A line break inside the text becomes ``<w:br/>``: a carriage return or
    line feed inside ``<w:t>`` is not a break in Word, and LibreOffice draws a table that holds
    one (``&#13;``) as stacked lines without borders. Every text of a document passes here."""
    run = sub(parent, "r")
    run_properties(run, font=font, size=size, bold=bold, color=color)
    for i, line in enumerate(lines_of(text)):
        if i:
            sub(run, "br")
        t = sub(run, "t")
        t.text = line
        t.set(f"{{{XML_NS}}}space", "preserve")
    return run


# Paragraph styles: id → (name, based on, pPr XML, font, size, outline level).
_INDENT = '<w:ind w:firstLineChars="200" w:firstLine="640"/>'
_BODY_SPACING = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_EXACT}" w:lineRule="exact"/>'
_STYLES = {
    "Normal": (
        "Normal",
        None,
        f'<w:widowControl/>{_BODY_SPACING}{_INDENT}<w:jc w:val="both"/>',
        BODY_FONT,
        BODY_SIZE,
        None,
    ),
    "Title": (
        "Title",
        "Normal",
        '<w:keepNext/><w:spacing w:before="0" w:after="560" w:line="700" w:lineRule="exact"/>'
        '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/>',
        TITLE_FONT,
        TITLE_SIZE,
        None,
    ),
    "Heading1": (
        "heading 1",
        "Normal",
        f"<w:keepNext/>{_BODY_SPACING}{_INDENT}",
        HEADING1_FONT,
        BODY_SIZE,
        0,
    ),
    "Heading2": (
        "heading 2",
        "Normal",
        f"<w:keepNext/>{_BODY_SPACING}{_INDENT}",
        HEADING2_FONT,
        BODY_SIZE,
        1,
    ),
    "Heading3": ("heading 3", "Normal", f"<w:keepNext/>{_BODY_SPACING}{_INDENT}", BODY_FONT, BODY_SIZE, 2),
    "TableCaption": (
        "Table Caption",
        "Normal",
        '<w:keepNext/><w:spacing w:before="240" w:after="0" w:line="360" w:lineRule="auto"/>'
        '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/>',
        TABLE_HEAD_FONT,
        CAPTION_SIZE,
        None,
    ),
    "TableNote": (
        "Table Note",
        "Normal",
        '<w:spacing w:before="60" w:after="120" w:line="300" w:lineRule="auto"/>'
        '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/>',
        BODY_FONT,
        TABLE_SIZE,
        None,
    ),
    "ReviewNotice": (
        "Review Notice",
        "Normal",
        '<w:keepNext/><w:pBdr><w:top w:val="single" w:sz="8" w:space="4" w:color="C00000"/>'
        '<w:left w:val="single" w:sz="8" w:space="4" w:color="C00000"/>'
        '<w:bottom w:val="single" w:sz="8" w:space="4" w:color="C00000"/>'
        '<w:right w:val="single" w:sz="8" w:space="4" w:color="C00000"/></w:pBdr>'
        '<w:spacing w:before="0" w:after="0" w:line="360" w:lineRule="auto"/>'
        '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/>',
        BODY_FONT,
        CAPTION_SIZE,
        None,
    ),
    "TableText": (
        "Table Text",
        "Normal",
        '<w:spacing w:before="0" w:after="0" w:line="260" w:lineRule="auto"/>'
        '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="left"/>',
        BODY_FONT,
        TABLE_SIZE,
        None,
    ),
}
STYLE_FONTS = {style_id: spec[3] for style_id, spec in _STYLES.items()}
STYLE_SIZES = {style_id: spec[4] for style_id, spec in _STYLES.items()}


def _fragment(xml: str) -> list[etree._Element]:
    wrapper = etree.fromstring(f'<w:x xmlns:w="{W_NS}">{xml}</w:x>')
    return list(wrapper)


class DocxWriter:
    """Appends paragraphs and tables to a fresh A4 document; `to_bytes()` saves it."""

    def __init__(self):
        self.doc = Document()
        self._page_setup()
        self._styles()
        self._page_numbers()
        self._body = self.doc.element.body
        for element in list(self._body):  # the template's empty paragraph
            if element.tag == w("p"):
                self._body.remove(element)
        self._end = self._body[-1]  # sectPr: everything goes before it

    # --- set-up ---------------------------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)

    def _styles(self) -> None:
        styles = self.doc.styles.element
        defaults = styles.find(w("docDefaults"))
        rpr = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
        for child in list(rpr):
            rpr.remove(child)
        for element in _fragment(
            f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="{BODY_FONT}"/>'
            f'<w:kern w:val="2"/><w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        ):
            rpr.append(element)
        ppr = defaults.find(f"{w('pPrDefault')}/{w('pPr')}")
        for child in list(ppr):
            ppr.remove(child)
        ppr.append(_fragment('<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>')[0])

        existing = {s.get(w("styleId")): s for s in styles.findall(w("style"))}
        for style_id, (name, based_on, ppr_xml, font, size, outline) in _STYLES.items():
            if style_id in existing:
                styles.remove(existing[style_id])
            outline_xml = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
            based_xml = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
            default = ' w:default="1"' if style_id == "Normal" else ""
            style = etree.fromstring(
                f'<w:style xmlns:w="{W_NS}" w:type="paragraph"{default} w:styleId="{style_id}">'
                f'<w:name w:val="{name}"/>{based_xml}<w:qFormat/>'
                f"<w:pPr>{ppr_xml}{outline_xml}</w:pPr>"
                f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="{font}"/>'
                f'<w:b w:val="0"/><w:color w:val="000000"/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
                "</w:style>"
            )
            styles.append(style)

    def _page_numbers(self) -> None:
        """“— 1 —” centred in the footer: a PAGE field between two dashes."""
        footer = self.doc.sections[0].footer
        paragraph = footer.paragraphs[0]._p
        ppr = sub(paragraph, "pPr")
        sub(ppr, "jc", val="center")
        size = CAPTION_SIZE
        text_run(paragraph, "— ", font=PAGE_NUMBER_FONT, size=size)
        for kind, instruction in (
            ("begin", None),
            (None, " PAGE "),
            ("separate", None),
            (None, "1"),
            ("end", None),
        ):
            run = sub(paragraph, "r")
            run_properties(run, font=PAGE_NUMBER_FONT, size=size)
            if kind:
                sub(run, "fldChar", fldCharType=kind)
            elif instruction == " PAGE ":
                t = sub(run, "instrText")
                t.text = instruction
                t.set(f"{{{XML_NS}}}space", "preserve")
            else:
                sub(run, "t").text = instruction
        text_run(paragraph, " —", font=PAGE_NUMBER_FONT, size=size)

    # --- content --------------------------------------------------------------------------

    def append(self, element) -> None:
        self._end.addprevious(element)

    def paragraph(
        self,
        text: str = "",
        style: str = "Normal",
        *,
        align: str | None = None,
        bold: bool = False,
        font: str | None = None,
        size: int | None = None,
    ) -> etree._Element:
        p = etree.Element(w("p"))
        ppr = sub(p, "pPr")
        sub(ppr, "pStyle", val=style)
        if align:
            sub(ppr, "jc", val=align)
        if text:
            text_run(
                p,
                text,
                font=font or STYLE_FONTS.get(style, BODY_FONT),
                size=size or STYLE_SIZES.get(style, BODY_SIZE),
                bold=bold,
            )
        self.append(p)
        return p

    def title(self, text: str) -> None:
        self.paragraph(text, "Title")

    def heading1(self, text: str) -> None:
        self.paragraph(text, "Heading1")

    def heading2(self, text: str) -> None:
        self.paragraph(text, "Heading2")

    def heading3(self, text: str) -> None:
        self.paragraph(text, "Heading3")

    def body(self, text: str) -> None:
        """One paragraph per line of `text` (staff write several paragraphs in one field)."""
        for line in lines_of(text):
            if line.strip():
                self.paragraph(line.strip())

    def review_notice(self, lines: list[str]) -> None:
        """The draft's notice on the first page (数据未全部审核…, then the details), in a red box:
        one paragraph, so that the box is drawn once around all of it."""
        if not lines:
            return
        p = etree.Element(w("p"))
        sub(sub(p, "pPr"), "pStyle", val="ReviewNotice")
        size = STYLE_SIZES["ReviewNotice"]
        text_run(p, lines[0], font=HEADING1_FONT, size=size, color=NOTICE_COLOR)
        for line in lines[1:]:
            sub(sub(p, "r"), "br")
            text_run(p, line, font=BODY_FONT, size=TABLE_SIZE, color=NOTICE_COLOR)
        self.append(p)

    def page_break(self) -> None:
        p = etree.Element(w("p"))
        ppr = sub(p, "pPr")
        sub(ppr, "pStyle", val="TableText")
        sub(sub(p, "r"), "br", type="page")
        self.append(p)

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
