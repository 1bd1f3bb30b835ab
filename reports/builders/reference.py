"""The reference document: the styles, page setup and footer every generated DOCX starts from.

    .venv/bin/python manage.py reference_docx [-o FILE]

writes ``reports/builders/reference.docx`` (or ``FILE``), the file the project ships. An office
that wants other fonts, sizes or spacing opens a copy in Word, edits the styles (开始 → 样式 →
修改), keeps the style names, and points ``REPORT_REFERENCE_DOCX`` at it (README: 文档样式).
The writer (``docx_base.DocxWriter``) finds the styles by name, takes the page size, margins
and footer from the file, and never writes a font or size of its own into body text.

Style (GB/T 9704 as the offices apply it): A4; margins 3.7 / 3.5 / 2.8 / 2.6 cm (top, bottom,
left, right); title 方正小标宋简体 2号 (22 pt); body 仿宋_GB2312 3号 (16 pt), 28 pt exact line
spacing, two-character first-line indent, widow and orphan control; 一、 headings 黑体, （一）
headings 楷体_GB2312; tables 五号 (10.5 pt) at 13 pt exact line spacing (a 区域绩效目标表 of 40 lines fits one page), their heads 黑体; page numbers “— 1 —” in the
footer. The East Asian font is named in every style (w:rFonts w:eastAsia) and the template's
theme fonts are removed, because Word lets a theme font override an explicit one.
"""

from io import BytesIO
from pathlib import Path

from docx import Document
from docx.shared import Cm
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SHIPPED = Path(__file__).with_name("reference.docx")

LATIN = "Times New Roman"
BODY_SIZE = 32  # half-points: 3号 = 16 pt
TITLE_SIZE = 44  # 2号 = 22 pt
CAPTION_SIZE = 28  # 4号 = 14 pt
TABLE_SIZE = 21  # 5号 = 10.5 pt
LINE_EXACT = 560  # 28 pt in twips

_INDENT = '<w:ind w:firstLineChars="200" w:firstLine="640"/>'
_NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
_BODY_SPACING = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_EXACT}" w:lineRule="exact"/>'
_RED_BOX = "".join(
    f'<w:{edge} w:val="single" w:sz="8" w:space="4" w:color="C00000"/>'
    for edge in ("top", "left", "bottom", "right")
)
# The paragraph styles the writer uses: name (what the writer looks for) → (style id, based on,
# pPr XML, East Asian font, size in half-points, outline level).
STYLES = {
    "Normal": ("Normal", None, f'<w:widowControl/>{_BODY_SPACING}{_INDENT}<w:jc w:val="both"/>', "仿宋_GB2312", BODY_SIZE, None),
    "Title": ("Title", "Normal", f'<w:keepNext/><w:spacing w:before="0" w:after="560" w:line="700" w:lineRule="exact"/>{_NO_INDENT}<w:jc w:val="center"/>', "方正小标宋简体", TITLE_SIZE, None),
    "heading 1": ("Heading1", "Normal", f"<w:keepNext/>{_BODY_SPACING}{_INDENT}", "黑体", BODY_SIZE, 0),
    "heading 2": ("Heading2", "Normal", f"<w:keepNext/>{_BODY_SPACING}{_INDENT}", "楷体_GB2312", BODY_SIZE, 1),
    "heading 3": ("Heading3", "Normal", f"<w:keepNext/>{_BODY_SPACING}{_INDENT}", "仿宋_GB2312", BODY_SIZE, 2),
    "Table Caption": ("TableCaption", "Normal", f'<w:keepNext/><w:spacing w:before="120" w:after="0" w:line="480" w:lineRule="exact"/>{_NO_INDENT}<w:jc w:val="center"/>', "黑体", CAPTION_SIZE, None),
    "Table Subtitle": ("TableSubtitle", "TableCaption", '<w:keepNext/><w:spacing w:before="0" w:after="0" w:line="480" w:lineRule="exact"/>', "楷体_GB2312", CAPTION_SIZE, None),
    "Table Unit": ("TableUnit", "Normal", f'<w:keepNext/><w:spacing w:before="60" w:after="60" w:line="300" w:lineRule="auto"/>{_NO_INDENT}<w:jc w:val="right"/>', "仿宋_GB2312", TABLE_SIZE, None),
    "Table Note": ("TableNote", "Normal", f'<w:spacing w:before="60" w:after="120" w:line="300" w:lineRule="auto"/>{_NO_INDENT}<w:jc w:val="left"/>', "仿宋_GB2312", TABLE_SIZE, None),
    "Table Text": ("TableText", "Normal", f'<w:spacing w:before="0" w:after="0" w:line="260" w:lineRule="exact"/>{_NO_INDENT}<w:jc w:val="left"/>', "仿宋_GB2312", TABLE_SIZE, None),
    "Table Head": ("TableHead", "TableText", '<w:jc w:val="center"/>', "黑体", TABLE_SIZE, None),
    "Review Notice": ("ReviewNotice", "Normal", f'<w:keepNext/><w:pBdr>{_RED_BOX}</w:pBdr><w:spacing w:before="0" w:after="0" w:line="360" w:lineRule="auto"/>{_NO_INDENT}<w:jc w:val="left"/>', "仿宋_GB2312", CAPTION_SIZE, None),
}  # fmt: skip


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _fragment(xml: str) -> list[etree._Element]:
    return list(etree.fromstring(f'<w:x xmlns:w="{W_NS}">{xml}</w:x>'))


def _styles(doc) -> None:
    styles = doc.styles.element
    defaults = styles.find(w("docDefaults"))
    rpr = defaults.find(f"{w('rPrDefault')}/{w('rPr')}")
    for child in list(rpr):
        rpr.remove(child)
    for element in _fragment(
        f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="仿宋_GB2312"/>'
        f'<w:kern w:val="2"/><w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
    ):
        rpr.append(element)
    ppr = defaults.find(f"{w('pPrDefault')}/{w('pPr')}")
    for child in list(ppr):
        ppr.remove(child)
    ppr.append(_fragment('<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>')[0])
    # Theme fonts anywhere in the styles would override the named ones in Word.
    for rfonts in styles.iter(w("rFonts")):
        for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            rfonts.attrib.pop(w(attr), None)

    existing = {s.get(w("styleId")): s for s in styles.findall(w("style"))}
    for name, (style_id, based_on, ppr_xml, font, size, outline) in STYLES.items():
        if style_id in existing:
            styles.remove(existing[style_id])
        outline_xml = f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else ""
        based_xml = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
        default = ' w:default="1"' if style_id == "Normal" else ""
        styles.append(
            etree.fromstring(
                f'<w:style xmlns:w="{W_NS}" w:type="paragraph"{default} w:styleId="{style_id}">'
                f'<w:name w:val="{name}"/>{based_xml}<w:qFormat/>'
                f"<w:pPr>{ppr_xml}{outline_xml}</w:pPr>"
                f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="{font}"/>'
                f'<w:b w:val="0"/><w:color w:val="000000"/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
                "</w:style>"
            )
        )


def _slim(doc) -> None:
    """Only the styles a generated document uses (those above, each type's default, the footer's
    and what they are based on or linked to), no stylesWithEffects part (Word 2010's copy of the
    styles, which later Words ignore), no numbering part (the template's list definitions,
    which name list styles no document uses) and no thumbnail: python-docx's template holds
    some 160 styles in 350 KB, and a second copy of 440 KB, which every generated document
    parsed, wrote and compressed again (an eighth of a national report's build) for styles it
    never shows."""
    styles = doc.styles.element
    by_id = {style.get(w("styleId")): style for style in styles.findall(w("style"))}
    wanted = [style_id for style_id, *_ in STYLES.values()] + ["Footer", "Header"]
    wanted += [sid for sid, style in by_id.items() if style.get(w("default")) == "1"]
    kept: set[str] = set()
    while wanted:
        style_id = wanted.pop()
        if style_id in kept or style_id not in by_id:
            continue
        kept.add(style_id)
        for tag in ("basedOn", "next", "link"):
            ref = by_id[style_id].find(w(tag))
            if ref is not None:
                wanted.append(ref.get(w("val")))
    for style_id, style in by_id.items():
        if style_id not in kept:
            styles.remove(style)
    part = doc.part
    for r_id, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/numbering")):
            part.rels.pop(r_id)
    # python-docx's template's picture of its own first page, which a file browser would show
    # for every report
    package_rels = part.package.rels
    for r_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(r_id)


def _footer(doc) -> None:
    """“— 1 —” centred in the footer: a PAGE field between two dashes, in 宋体 四号."""
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]._p
    ppr = paragraph.find(w("pPr"))  # the template's (pStyle Footer): one pPr, never two
    if ppr is None:
        ppr = etree.SubElement(paragraph, w("pPr"))
        paragraph.insert(0, ppr)
    etree.SubElement(ppr, w("jc")).set(w("val"), "center")
    rpr_xml = (
        f'<w:rPr><w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:cs="{LATIN}" w:eastAsia="宋体"/>'
        f'<w:sz w:val="{CAPTION_SIZE}"/><w:szCs w:val="{CAPTION_SIZE}"/></w:rPr>'
    )
    runs = (
        '<w:t xml:space="preserve">— </w:t>',
        '<w:fldChar w:fldCharType="begin"/>',
        '<w:instrText xml:space="preserve"> PAGE </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        "<w:t>1</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
        '<w:t xml:space="preserve"> —</w:t>',
    )
    for run in _fragment("".join(f"<w:r>{rpr_xml}{inner}</w:r>" for inner in runs)):
        paragraph.append(run)


def build_reference() -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)
    _styles(doc)
    _slim(doc)
    _footer(doc)
    body = doc.element.body
    for element in list(body):
        if element.tag == w("p"):
            body.remove(element)
    p = etree.SubElement(body, w("p"))
    body.insert(0, p)
    etree.SubElement(
        etree.SubElement(p, w("r")), w("t")
    ).text = "参考文档：生成的报告使用本文件的样式、页面设置和页脚，正文内容不会出现在报告中。"
    core = doc.core_properties
    core.title, core.author, core.last_modified_by = "绩效自评报告参考样式", "绩效自评系统", "绩效自评系统"
    core.comments = core.keywords = core.subject = core.category = ""
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
