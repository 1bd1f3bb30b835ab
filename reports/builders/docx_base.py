"""A DOCX document in Chinese government style, written as WordprocessingML with lxml.

Every document starts from the reference document (``reference.docx`` beside this module, or
the office's own named by ``REPORT_REFERENCE_DOCX``; ``reports.builders.reference`` writes the
shipped one and describes the style). Its styles set the fonts, sizes and spacing, its section
the page size and margins, its footer the page numbers; the writer finds the styles by name,
keeps the rest of the file, and replaces only the body. Body text carries no font or size of
its own, so that an office that edits a style in Word changes every document.

python-docx opens the reference and saves the package; everything in between (paragraphs,
tables) is written as XML directly. Its proxy objects are slow in loops (a table cell lookup
rebuilds the whole grid), and a report of 120 regions has thousands of cells.
"""

import copy
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import Part
from docx.opc.pkgwriter import PackageWriter
from lxml import etree

from common.text import clean_text
from reports.builders import reference
from reports.builders.reference import STYLES, W_NS, w

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
TABLE_SIZE = reference.TABLE_SIZE
NOTICE_COLOR = "C00000"  # the draft notice: dark red, as offices mark a 征求意见稿

# The styles the writer asks for (their ids in the shipped reference) and the names it finds
# them by in any reference: Word keeps a style's name when an office edits it, and a Chinese
# Word may give a built-in style another id ("1" for heading 1).
STYLE_NAMES = {spec[0]: name for name, spec in STYLES.items()}
# The shipped reference's fonts and sizes, for direct formatting that must not depend on it.
STYLE_FONTS = {spec[0]: spec[3] for spec in STYLES.values()}
STYLE_SIZES = {spec[0]: spec[4] for spec in STYLES.values()}


def sub(parent, tag: str, **attrs) -> etree._Element:
    """A w: child element; attribute names are given without the prefix."""
    element = etree.SubElement(parent, w(tag))
    for name, value in attrs.items():
        element.set(w(name), str(value))
    return element


def lines_of(text: str) -> list[str]:
    """The lines of a text as people typed it: browser text boxes send "\\r\\n", Word pastes
    U+000B, old systems a lone "\\r" (common.text.clean_text makes them all "\\n")."""
    return clean_text(text or "").split("\n")


@lru_cache(maxsize=64)
def run_start(
    *, font: str | None = None, size: int | None = None, bold: bool = False, color: str | None = None
) -> str:
    """``<w:r>`` and the run's direct formatting, only what differs from its paragraph's style."""
    if not (font or size or bold or color):
        return "<w:r>"
    rpr = "<w:r><w:rPr>"
    if font:
        rpr += f"<w:rFonts w:eastAsia={xml_attr(font)}/>"
    if bold:
        rpr += "<w:b/><w:bCs/>"
    if color:
        rpr += f"<w:color w:val={xml_attr(color)}/>"
    if size:
        rpr += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return rpr + "</w:rPr>"


def run_xml(
    text: str,
    *,
    font: str | None = None,
    size: int | None = None,
    bold: bool = False,
    color: str | None = None,
) -> str:
    """One run of text, as WordprocessingML text. A line break inside the text becomes
    ``<w:br/>``: a carriage return or line feed inside ``<w:t>`` is not a break in Word, and
    LibreOffice draws a table that holds one (``&#13;``) as stacked lines without borders.
    Every text of a document passes here or, in a table cell, through ``docx_tables``, which
    splits it by the same ``lines_of``."""
    lines = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines_of(text))
    return f"{run_start(font=font, size=size, bold=bold, color=color)}{lines}</w:r>"


def xml_attr(value) -> str:
    """An attribute's value in double quotes, escaped as lxml writes it."""
    return '"' + escape(str(value), {'"': "&quot;"}) + '"'


# --- balanced lines ------------------------------------------------------------------------------

_NO_LINE_START = set("）》」』】〕，。、；：？！”’%.,;:)")
_NO_LINE_END = set("（《「『【〔“‘(")

# The words of a fund's name, a region and a report's title that a line should not split
# (困难群 / 众, 补助资 / 金, 老 / 年人): a word processor breaks Chinese anywhere, and a title
# broken inside a word reads as a misprint. Longer words first, so 新疆维吾尔自治区 is one.
_WORDS = sorted(
    {
        *("新疆维吾尔自治区", "广西壮族自治区", "宁夏回族自治区", "内蒙古自治区", "西藏自治区"),
        *("自治区", "自治州", "民政部", "民政厅", "民政局", "财政部", "财政厅", "财政局"),
        *("中央财政", "省级财政", "转移支付", "救助补助资金", "补助资金", "资金", "困难群众", "救助", "补助"),
        *("支持", "困难", "失能", "半失能", "老年人", "等群体", "群体", "基本养老服务", "基本", "养老服务"),
        *("服务", "方向", "年度", "绩效", "自评", "报告", "运行", "监控", "汇总表", "情况"),
        *("最低生活保障", "特困人员", "救助供养", "临时救助", "流浪乞讨", "孤儿", "儿童"),
        *("残疾人", "社会救助", "基本生活", "保障", "指标", "完成", "执行", "满意度", "各省"),
    },
    key=len,
    reverse=True,
)


# Runs of wide (CJK, U+2E80 and above) and of narrow characters.
_RUNS = re.compile("[\u2e80-\U0010ffff]+|[^\u2e80-\U0010ffff]+")


def text_width(text: str) -> float:
    """Width in Chinese characters (one em): digits and Latin letters take half of one, and a
    word processor puts a quarter of one between them and Chinese (2024 年)."""
    if text.isascii():
        return len(text) / 2
    runs = _RUNS.findall(text)
    wide = sum(len(run) for run in runs if run[0] >= "\u2e80")
    return wide + (len(text) - wide) / 2 + (len(runs) - 1) / 4


def balanced_lines(text: str, per_line: float) -> list[str]:
    """``text`` broken into as few lines as fit ``per_line`` characters, all about as long, so
    that no line holds one character alone: a title of 63 characters at 20 a line reads as four
    lines of 16, not three of 20 and one of 3. Never breaks inside a number or a Latin word,
    before a closing mark or after an opening one; prefers a break before “（”, after “）” and
    before a closing “指标” (社会效益 / 指标). Text that fits, or holds a line break, is kept."""
    total = text_width(text)
    if total <= per_line or "\n" in text or per_line < 1:
        return [text]
    count = math.ceil(total / per_line)
    starts = [0.0] + [text_width(text[:i]) for i in range(1, len(text) + 1)]

    def allowed(i: int) -> bool:
        before, after = text[i - 1], text[i]
        if after in _NO_LINE_START or before in _NO_LINE_END:
            return False
        return not (before.isascii() and after.isascii() and before.isalnum() and after.isalnum())

    inside = _inside_words(text)

    def bonus(i: int) -> float:
        if i in inside:
            return -40.0  # only where every way of fitting the lines splits a word
        return 10.0 if text[i] == "（" or text[i - 1] == "）" or text[i:] == "指标" else 0.0

    cuts = [i for i in range(1, len(text)) if allowed(i)]
    # Dynamic programme over the allowed cuts: fewest lines first, then the most even.
    for lines in range(count, count + 3):
        target = total / lines
        best: dict[int, tuple[float, list[int]]] = {0: (0.0, [])}
        for _ in range(lines - 1):
            step: dict[int, tuple[float, list[int]]] = {}
            for start, (cost, path) in best.items():
                for cut in cuts:
                    width = starts[cut] - starts[start]
                    if cut <= start or width > per_line:
                        continue
                    value = cost + (width - target) ** 2 - bonus(cut)
                    if cut not in step or value < step[cut][0]:
                        step[cut] = (value, [*path, cut])
            best = step
        finished = [
            (cost + (total - starts[start] - target) ** 2, path)
            for start, (cost, path) in best.items()
            if total - starts[start] <= per_line
        ]
        if finished:
            path = min(finished)[1]
            bounds = [0, *path, len(text)]
            return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return [text]


def _inside_words(text: str) -> set[int]:
    """The cuts of ``text`` (a cut i falls between text[i - 1] and text[i]) inside one of
    ``_WORDS``, read left to right, the longest word first at each place."""
    inside: set[int] = set()
    i = 0
    while i < len(text):
        word = next((word for word in _WORDS if text.startswith(word, i)), None)
        if word is None:
            i += 1
            continue
        inside.update(range(i + 1, i + len(word)))
        i += len(word)
    return inside


# --- the reference document ------------------------------------------------------------------------


class ReferenceError(ValueError):
    """The reference document cannot be used: the message says why, in Chinese."""


def reference_path() -> Path:
    """The office's reference document (setting REPORT_REFERENCE_DOCX) or the shipped one."""
    from django.conf import settings

    configured = getattr(settings, "REPORT_REFERENCE_DOCX", "") if settings.configured else ""
    return Path(configured) if configured else reference.SHIPPED


class Reference:
    """What the writer needs of a reference document, read once per file version."""

    def __init__(self, content: bytes, path: Path):
        self.content = content
        doc = Document(BytesIO(content))
        styles = doc.styles.element
        by_name = {}
        for style in styles.findall(w("style")):
            name = style.find(w("name"))
            if style.get(w("type")) == "paragraph" and name is not None:
                by_name.setdefault(name.get(w("val"), "").lower(), style)
        missing = [name for name in STYLE_NAMES.values() if name.lower() not in by_name]
        if missing:
            raise ReferenceError(
                f"参考文档 {path.name} 缺少样式：{'、'.join(missing)}。"
                "请在 Word 中保留这些样式名称（可修改字体、字号和间距），或改用系统自带的参考文档。"
            )
        found = {key: by_name[name.lower()] for key, name in STYLE_NAMES.items()}
        self.style_ids = {key: style.get(w("styleId")) for key, style in found.items()}
        ids = {style.get(w("styleId")): style for style in styles.findall(w("style"))}
        default_size = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('sz')}")
        fallback = int(default_size.get(w("val"))) if default_size is not None else 21
        self.sizes = {key: _style_size(style, ids, fallback) for key, style in found.items()}
        section = doc.sections[0]
        self.text_width = int((section.page_width - section.left_margin - section.right_margin) / 635)
        self.text_height = int((section.page_height - section.top_margin - section.bottom_margin) / 635)
        # Line heights in twips, for estimates of what fits a page.
        self.table_line = _line_height(found["TableText"], ids, self.sizes["TableText"])
        self.caption_line = _line_height(found["TableCaption"], ids, self.sizes["TableCaption"])
        # What every document starts from: the reference without its own text.
        body = doc.element.body
        for element in list(body):
            if element.tag != w("sectPr"):
                body.remove(element)
        self._blank = doc

    def blank(self):
        """A document of its own made from the reference, without the reference's text: a deep
        copy of the package parsed once (a third of the time of parsing it again)."""
        return copy.deepcopy(self._blank)


def _line_height(style, ids: dict, size: int) -> int:
    """A style's line height in twips: its exact spacing, or its font's (a CJK font's line is
    about 1.45 of its size) times the spacing it asks for."""
    seen = set()
    while style is not None and id(style) not in seen:
        seen.add(id(style))
        spacing = style.find(f"{w('pPr')}/{w('spacing')}")
        if spacing is not None and spacing.get(w("line")):
            line, rule = int(spacing.get(w("line"))), spacing.get(w("lineRule"), "auto")
            return line if rule in ("exact", "atLeast") else round(size * 10 * 1.45 * line / 240)
        based = style.find(w("basedOn"))
        style = ids.get(based.get(w("val"))) if based is not None else None
    return round(size * 10 * 1.45)


def _style_size(style, ids: dict, fallback: int) -> int:
    """A style's font size in half-points, following its basedOn chain."""
    seen = set()
    while style is not None and id(style) not in seen:
        seen.add(id(style))
        size = style.find(f"{w('rPr')}/{w('sz')}")
        if size is not None:
            return int(size.get(w("val")))
        based = style.find(w("basedOn"))
        style = ids.get(based.get(w("val"))) if based is not None else None
    return fallback


@lru_cache(maxsize=4)
def _reference(path: str, mtime_ns: int) -> Reference:
    try:
        content = Path(path).read_bytes()
    except OSError:
        raise ReferenceError(f"无法读取参考文档 {path}，请检查设置 REPORT_REFERENCE_DOCX。") from None
    try:
        return Reference(content, Path(path))
    except ReferenceError:
        raise
    except Exception:
        raise ReferenceError(f"参考文档 {Path(path).name} 不是有效的 Word（.docx）文件。") from None


def load_reference(path: Path | None = None) -> Reference:
    path = path or reference_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise ReferenceError(f"找不到参考文档 {path}，请检查设置 REPORT_REFERENCE_DOCX。") from None
    return _reference(str(path), mtime)


# --- the writer -------------------------------------------------------------------------------------


class DocxWriter:
    """Appends paragraphs and tables to a fresh document made from the reference; `to_bytes()`
    saves it."""

    def __init__(self, reference_file: Path | None = None):
        self.reference = load_reference(reference_file)
        self.doc = self.reference.blank()
        self.text_width = self.reference.text_width
        self._body = self.doc.element.body
        self._end = self._body[-1]  # sectPr: everything goes before it
        self._fragments: list[list[bytes]] = []  # XML put in as text (append_xml), in order
        self._open = False  # the last thing put in is text: more text joins its fragment

    def landscape(self) -> None:
        """Turn the page for a wide table (the 绩效运行监控表): A4 across, the side margins kept,
        top and bottom 2.5 cm with the page number 1.5 cm from the edge. Call before writing."""
        section = self._end
        size = section.find(w("pgSz"))
        width, height = int(size.get(w("w"))), int(size.get(w("h")))
        if width < height:
            size.set(w("w"), str(height))
            size.set(w("h"), str(width))
        size.set(w("orient"), "landscape")
        width, height = max(width, height), min(width, height)
        margins = section.find(w("pgMar"))
        for edge, value in (("top", 1417), ("bottom", 1417), ("header", 850), ("footer", 850)):
            margins.set(w(edge), str(value))
        left, right = int(margins.get(w("left"))), int(margins.get(w("right")))
        self.text_width = width - left - right

    def style_id(self, key: str) -> str:
        return self.reference.style_ids.get(key, key)

    def size_of(self, key: str) -> int:
        return self.reference.sizes.get(key, TABLE_SIZE)

    # --- content --------------------------------------------------------------------------

    def append(self, element) -> None:
        self._end.addprevious(element)
        self._open = False

    def append_xml(self, xml: bytes) -> None:
        """Append WordprocessingML given as UTF-8 text, exactly as lxml would write it in the body
        (the w: prefix undeclared, empty elements as ``<w:x/>``): it goes into document.xml as
        it is when the document is saved, never parsed. A placeholder comment holds the place
        of each run of text between elements."""
        if self._open:
            self._fragments[-1].append(xml)
            return
        self.append(etree.Comment(f"{_FRAGMENT}{len(self._fragments)}"))
        self._fragments.append([xml])
        self._open = True

    def paragraph(
        self,
        text: str = "",
        style: str = "Normal",
        *,
        align: str | None = None,
        bold: bool = False,
        font: str | None = None,
        size: int | None = None,
        keep_next: bool = False,
    ) -> None:
        """One paragraph of ``style``, its text in one run (``run_xml``), written as text."""
        ppr = f"<w:pStyle w:val={xml_attr(self.style_id(style))}/>"
        if keep_next:
            ppr += "<w:keepNext/>"
        if align:
            ppr += f"<w:jc w:val={xml_attr(align)}/>"
        run = run_xml(text, font=font, size=size, bold=bold) if text else ""
        self.append_xml(f"<w:p><w:pPr>{ppr}</w:pPr>{run}</w:p>".encode())

    def title(self, text: str) -> None:
        self.title_lines([text])

    def title_lines(self, lines: list[str], style: str = "Title") -> None:
        """The title (or a table's caption, ``style``), each of its lines broken into balanced
        lines of the page's width: between words, never 基 / 本 as a word processor would."""
        per_line = self.text_width / (self.size_of(style) * 10)
        broken = [part for line in lines for part in balanced_lines(line, math.floor(per_line))]
        self.paragraph("\n".join(broken), style)

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
        runs = [run_xml(lines[0], font=HEADING1_FONT, color=NOTICE_COLOR)]
        runs += [
            f"<w:r><w:br/></w:r>{run_xml(line, size=TABLE_SIZE, color=NOTICE_COLOR)}" for line in lines[1:]
        ]
        style = xml_attr(self.style_id("ReviewNotice"))
        self.append_xml(f"<w:p><w:pPr><w:pStyle w:val={style}/></w:pPr>{''.join(runs)}</w:p>".encode())

    def page_break(self) -> None:
        p = etree.Element(w("p"))
        ppr = sub(p, "pPr")
        sub(ppr, "pStyle", val=self.style_id("TableText"))
        sub(sub(p, "r"), "br", type="page")
        self.append(p)

    def to_bytes(self, properties: "Properties | None" = None) -> bytes:
        """The package; with ``properties``, its core properties part says them (``core_xml``),
        written in the same save rather than by a second pass over the zipped package."""
        if properties is not None:
            package = self.doc.part.package
            core = package._core_properties_part
            for rel in package.rels.values():
                if rel.reltype == RT.CORE_PROPERTIES:
                    rel._target = Part(core.partname, core.content_type, core_xml(properties), package)
        buffer = BytesIO()
        if not self._fragments:
            self.doc.save(buffer)
            return buffer.getvalue()
        # python-docx's Package.save, the document part's XML with the fragments put in.
        package = self.doc.part.package
        parts = list(package.parts)
        for part in parts:
            part.before_marshal()
        document = self.doc.part
        pieces = _FRAGMENT_AT.split(serialize_part_xml(document._element))
        for i in range(1, len(pieces), 2):
            pieces[i] = b"".join(self._fragments[int(pieces[i])])
        spliced = _Blob(document, b"".join(pieces))
        PackageWriter.write(buffer, package.rels, [spliced if part is document else part for part in parts])
        return buffer.getvalue()


_FRAGMENT = "evalportal-fragment:"
_FRAGMENT_AT = re.compile(rb"<!--evalportal-fragment:(\d+)-->")


class _Blob:
    """A part as PackageWriter writes it, with the XML given (what ``Part.blob`` would say)."""

    def __init__(self, part, blob: bytes):
        self.partname, self.content_type, self.rels, self.blob = (
            part.partname,
            part.content_type,
            part.rels,
            blob,
        )


# --- the package's properties -------------------------------------------------------------------

_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
    "</cp:coreProperties>"
)


@dataclass(frozen=True)
class Properties:
    """What a document says of itself (Word: 文件 → 信息): its title, the unit that issues it
    and the time it was made (python-docx's template says “python-docx”, 2013)."""

    title: str
    author: str
    made: datetime


def core_xml(properties: Properties) -> bytes:
    when = properties.made.astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
    when = f"{when[:-2]}:{when[-2:]}"  # W3CDTF: +08:00
    title, author = escape(clean_text(properties.title)), escape(clean_text(properties.author))
    return _CORE.format(title=title, author=author, when=when).encode()


def with_properties(content: bytes, *, title: str, author: str, made: datetime) -> bytes:
    """The package again with core properties that name the document, the unit that issues it
    and the time it was made (a package made elsewhere; DocxWriter.to_bytes writes them itself)."""
    core = core_xml(Properties(title, author, made))
    source = zipfile.ZipFile(BytesIO(content))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = core if info.filename == "docProps/core.xml" else source.read(info)
            target.writestr(info, data)
    return buffer.getvalue()


__all__ = [
    "W_NS",
    "DocxWriter",
    "Properties",
    "ReferenceError",
    "balanced_lines",
    "lines_of",
    "sub",
    "run_start",
    "run_xml",
    "w",
    "with_properties",
    "xml_attr",
]
