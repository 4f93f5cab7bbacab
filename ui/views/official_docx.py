"""A reply draft as a .docx laid out after GB/T 9704-2012 (党政机关公文格式), no gradio import.

A4 paper; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the title centred in a 小标宋-style
font at 22 pt (二号); the body in a 仿宋-style font at 16 pt (三号), first lines indented two characters,
28 pt fixed line spacing; quoted clauses in a 楷体-style font; the signature and the date (Arabic
numerals) right-aligned, four characters from the margin; page numbers "— n —" in 宋体 14 pt, odd pages
right, even pages left. Each font is named with its fallbacks in the file's font table (w:altName) and
in the document's comments, for a machine without the 方正/GB2312 fonts.
"""

from __future__ import annotations

import re
from pathlib import Path

TITLE_FONTS = ("方正小标宋简体", "华文中宋", "宋体", "Noto Serif CJK SC")
BODY_FONTS = ("仿宋_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC")
QUOTE_FONTS = ("楷体_GB2312", "楷体", "KaiTi", "STKaiti", "Noto Serif CJK SC")
PAGE_NUMBER_FONTS = ("宋体", "SimSun", "Noto Serif CJK SC")
LATIN_FONT = "Times New Roman"
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TITLE_PT, BODY_PT, PAGE_NUMBER_PT, LINE_PT = 22, 16, 14, 28
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _fonts(run_or_style, fonts: tuple[str, ...], size_pt: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run_or_style.font.size = Pt(size_pt)
    run_or_style.font.name = LATIN_FONT
    r_fonts = run_or_style.element.get_or_add_rPr().get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), fonts[0])
    r_fonts.set(qn("w:hint"), "eastAsia")


def _declare_fallbacks(document) -> None:
    """Every font with its first fallback in word/fontTable.xml (w:altName), all of them in the comments."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from lxml import etree

    part = document.part.part_related_by(RT.FONT_TABLE)  # a plain part: its XML is edited as bytes
    table = etree.fromstring(part.blob)
    declared = {f.get(qn("w:name")) for f in table}
    for fonts in (TITLE_FONTS, BODY_FONTS, QUOTE_FONTS, PAGE_NUMBER_FONTS):
        for name, fallback in zip(fonts, fonts[1:]):
            if name in declared:
                continue
            declared.add(name)
            table.append(
                parse_xml(
                    f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{fallback}"/>'
                    '<w:charset w:val="86"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
                )
            )
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    document.core_properties.comments = (
        "版式：GB/T 9704-2012。字体（依次备选）：标题 "
        + "、".join(TITLE_FONTS)
        + "；正文 "
        + "、".join(BODY_FONTS)
        + "；引文 "
        + "、".join(QUOTE_FONTS)
        + "；页码 "
        + "、".join(PAGE_NUMBER_FONTS)
        + "。"
    )


def _page_setup(document) -> None:
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(28)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], right=True)
    _page_number(section.even_page_footer.paragraphs[0], right=False)


def _page_number(paragraph, right: bool) -> None:
    """ "— n —" with a PAGE field, one character in from the outer edge."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    indent = Pt(PAGE_NUMBER_PT)
    if right:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    for text in ("— ", None, " —"):
        run = paragraph.add_run(text or "")
        _fonts(run, PAGE_NUMBER_FONTS, PAGE_NUMBER_PT)
        if text is None:
            for xml in (
                f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>',
                f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>',
                f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>',
            ):
                run._r.append(parse_xml(xml))


def _paragraph(document, text: str, fonts=BODY_FONTS, indent_chars: float = 2, align=None, size=BODY_PT):
    from docx.shared import Pt

    para = document.add_paragraph()
    fmt = para.paragraph_format
    fmt.line_spacing, fmt.space_before, fmt.space_after = Pt(LINE_PT), Pt(0), Pt(0)
    fmt.first_line_indent = Pt(size * indent_chars) if indent_chars else None
    if align is not None:
        para.alignment = align
    pos = 0
    for match in _BOLD.finditer(text):
        _fonts(para.add_run(text[pos : match.start()]), fonts, size)
        bold = para.add_run(match.group(1))
        bold.bold = True
        _fonts(bold, fonts, size)
        pos = match.end()
    _fonts(para.add_run(text[pos:]), fonts, size)
    return para


def _closing_lines(lines: list[str]) -> set[int]:
    """Indexes of the signature and the date at the end: right-aligned."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if filled and DATE.match(lines[filled[-1]].strip()):
        return set(filled[-2:]) if len(filled) > 1 else {filled[-1]}
    return set()


def markdown_to_docx(text: str, path: Path) -> None:
    """The draft's light Markdown (# title, > quotes, - bullets, **bold**) as an official-style .docx."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    _fonts(document.styles["Normal"], BODY_FONTS, BODY_PT)
    _page_setup(document)
    _declare_fallbacks(document)
    lines = text.splitlines()
    closing = _closing_lines(lines)
    salutation_done = False
    for i, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("#"):
            title = _paragraph(document, line.lstrip("#").strip(), TITLE_FONTS, 0, WD_ALIGN_PARAGRAPH.CENTER, TITLE_PT)
            title.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
            title.paragraph_format.space_after = Pt(LINE_PT)
        elif line.startswith(">"):
            _paragraph(document, line[1:].strip(), QUOTE_FONTS)
        elif i in closing:
            para = _paragraph(document, line.strip(), indent_chars=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
            para.paragraph_format.right_indent = Pt(BODY_PT * 4)
        elif line.startswith(("- ", "* ")):
            _paragraph(document, "· " + line[2:])
        elif not salutation_done and line.endswith("："):
            _paragraph(document, line, indent_chars=0)  # the salutation starts at the margin
            salutation_done = True
        else:
            _paragraph(document, line)
    document.save(str(path))
