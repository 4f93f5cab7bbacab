"""Chinese policy PDFs built with reportlab at test time, in layouts unlike the corpus PDFs.

STSong-Light (a CID font every PDF reader knows, no font file embedded) round-trips through
pypdf's text extraction, so what is drawn is what the ingest pipeline reads back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
PAGE_BREAK = "\f"  # a paragraph of its own: start a new page
INDENT = "　　"  # a paragraph starting with this is body text, drawn indented by two ems
CENTER = "<c>"  # a paragraph starting with this is centred (titles)
RIGHT = "<r>"  # a paragraph starting with this is right-aligned (signatures, dates)


def register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class PdfLayout:
    page_size: tuple[float, float] = A4
    font_size: float = 12.0
    margin: float = 72.0
    leading: float = 1.5  # line height in ems
    lines_per_page: int | None = None  # fewer lines than fit, to get several pages from a little text
    header: str | None = None  # running header at the top of every page
    footer: Callable[[int, int], str] | None = None  # (page, total) -> page number text
    indent_with_spaces: bool = False  # keep INDENT as text instead of an x offset

    @property
    def text_width(self) -> float:
        return self.page_size[0] - 2 * self.margin


def wrap(text: str, width: float, font_size: float) -> list[str]:
    """Greedy character wrap, as Chinese typesetting does (no hyphens, no word boundaries)."""
    lines, line = [], ""
    for ch in text:
        if line and pdfmetrics.stringWidth(line + ch, FONT, font_size) > width:
            lines.append(line)
            line = ch
        else:
            line += ch
    return lines + [line] if line else lines


def paragraph_lines(para: str, layout: PdfLayout) -> list[tuple[float, str]]:
    """(x offset from the margin, text) of the printed lines of one paragraph."""
    register_font()
    size, width = layout.font_size, layout.text_width
    for mark, share in ((CENTER, 0.5), (RIGHT, 1.0)):
        if para.startswith(mark):
            lines = wrap(para[len(mark) :], width, size)
            return [(share * (width - pdfmetrics.stringWidth(ln, FONT, size)), ln) for ln in lines]
    if para.startswith(INDENT) and not layout.indent_with_spaces:
        text, indent = para[len(INDENT) :], 2 * size
        first = wrap(text, width - indent, size)[0]
        return [(indent, first)] + [(0.0, ln) for ln in wrap(text[len(first) :], width, size)]
    return [(0.0, ln) for ln in wrap(para, width, size)]


def paginate(paragraphs: Sequence[str], layout: PdfLayout) -> list[list[tuple[float, str]]]:
    """Pages of (x indent, line text)."""
    usable = layout.page_size[1] - 2 * layout.margin
    per_page = int(usable // (layout.font_size * layout.leading))
    per_page = min(per_page, layout.lines_per_page or per_page)
    pages: list[list[tuple[float, str]]] = [[]]
    for para in paragraphs:
        if para == PAGE_BREAK:
            pages.append([])
            continue
        for item in paragraph_lines(para, layout):
            if len(pages[-1]) >= per_page:
                pages.append([])
            pages[-1].append(item)
    return [p for p in pages if p]


def write_pdf(
    path: Path,
    paragraphs: Sequence[str],
    layout: PdfLayout,
    title: str | None = None,
    encrypt: pdfencrypt.StandardEncryption | None = None,
) -> Path:
    pages = paginate(paragraphs, layout)
    width, height = layout.page_size
    pdf = canvas.Canvas(str(path), pagesize=layout.page_size, encrypt=encrypt)
    if title:
        pdf.setTitle(title)
    step = layout.font_size * layout.leading
    for number, lines in enumerate(pages, 1):
        if layout.header:
            pdf.setFont(FONT, layout.font_size * 0.8)
            pdf.drawCentredString(width / 2, height - layout.margin / 2, layout.header)
        pdf.setFont(FONT, layout.font_size)
        y = height - layout.margin - layout.font_size
        for x, line in lines:
            pdf.drawString(layout.margin + x, y, line)
            y -= step
        if layout.footer:
            pdf.setFont(FONT, layout.font_size * 0.8)
            pdf.drawCentredString(width / 2, layout.margin / 2, layout.footer(number, len(pages)))
        pdf.showPage()
    pdf.save()
    return path


# ---------------------------------------------------------------- documents

REGULATION_TITLE = "江苏省中试平台管理办法"
CROSS_REF = (
    INDENT
    + "第四条　符合本办法第三条规定条件的中试平台，经省工业和信息化厅组织评审认定后，按照本办法第五条的规定给予支持。"
)
REGULATION = [
    CENTER + "江苏省工业和信息化厅文件",
    CENTER + "苏工信规〔2024〕3号",
    CENTER + "江苏省工业和信息化厅关于印发",
    CENTER + "《江苏省中试平台管理办法》的通知",
    "各设区市工业和信息化局：",
    INDENT + "现将《江苏省中试平台管理办法》印发给你们，请认真贯彻执行。",
    RIGHT + "江苏省工业和信息化厅",
    RIGHT + "2024年3月8日",
    PAGE_BREAK,
    CENTER + REGULATION_TITLE,
    "第一章　总则",
    INDENT + "第一条　为规范本省中试平台的认定和管理，促进科技成果转化和产业化，制定本办法。",
    INDENT + "第二条　本办法所称中试平台，是指为科技成果进行二次开发、小批量试生产和工艺验证提供服务的平台。",
    "第二章　认定条件",
    INDENT + "第三条　申请认定的中试平台应当具备下列条件：",
    INDENT + "（一）在本省注册，具有独立法人资格；",
    INDENT + "（二）具有开展中试服务所需的场地、仪器设备和专业人员；",
    INDENT + "（三）近三年内未发生重大安全、环保事故。",
    CROSS_REF,
    "第三章　支持措施",
    INDENT + "第五条　对认定的中试平台，按照中试线设备投资给予补贴，支持金额最高可达1亿元。",
    INDENT + "第六条　本办法自2024年4月1日起施行，有效期五年。",
]


def page_of_total(n: int, total: int) -> str:
    return f"第 {n} 页 共 {total} 页"


def dashed(n: int, total: int) -> str:
    return f"- {n} -"


def regulation_layout(
    font_size: float = 10.5, footer=page_of_total, page_size=A5, lines_per_page: int = 9
) -> PdfLayout:
    """The title as a running header; the margins are nudged until the cross-reference "第五条"
    in 第四条 opens a printed line."""
    for half_points in range(40, 240):
        layout = PdfLayout(
            page_size=page_size,
            font_size=font_size,
            margin=half_points / 2,
            lines_per_page=lines_per_page,
            header=REGULATION_TITLE,
            footer=footer,
            indent_with_spaces=True,
        )
        if any(line.startswith("第五条") for _, line in paragraph_lines(CROSS_REF, layout)[1:]):
            return layout
    raise AssertionError("no margin puts the cross-reference at a line start")


PLAN_TITLE = "北京市中试基地建设实施方案"
PLAN = [
    CENTER + "北京市科学技术委员会",
    CENTER + "北京市经济和信息化局",
    CENTER + "关于印发《北京市中试基地建设实施方案》的通知",
    CENTER + "京科发〔2024〕15号",
    "各区人民政府，市政府各委、办、局：",
    INDENT + "现将《北京市中试基地建设实施方案》印发给你们，请结合实际认真抓好落实。",
    RIGHT + "北京市科学技术委员会　北京市经济和信息化局",
    RIGHT + "2024年6月12日",
    PAGE_BREAK,
    CENTER + PLAN_TITLE,
    INDENT + "为贯彻落实《制造业中试创新发展实施意见》（工信部联科〔2024〕11号），制定本方案。",
    "一、总体要求",
    INDENT + "到2026年，在本市重点产业领域建成10家左右市级中试基地。",
    "二、重点任务",
    "（一）建设中试基地",
    INDENT + "1.建设产业中试基地。支持龙头企业围绕产业链建设中试基地。",
    INDENT + "（1）集成电路领域。开展工艺验证和小批量试生产。",
    INDENT + "（2）生物医药领域。开展工艺放大和质量研究。",
    INDENT + "2.建设公共中试基地。鼓励第三方机构牵头建设公共中试基地。",
    "（二）完善服务体系",
    INDENT + "支持中试基地开放共享，对外提供服务的，按服务收入的20%给予奖励。",
    "三、保障措施",
    INDENT + "加强组织领导，建立市区两级协调机制。加大资金支持，统筹用好各类专项资金；"
    "强化人才保障，引进培养中试工程师。完善考核评价，定期开展绩效评估。",
]


def regulation_pdf(path: Path, layout: PdfLayout | None = None) -> Path:
    """Default: A5, 10.5 pt, literal full-width indents, "第 N 页 共 M 页" footers."""
    return write_pdf(path, REGULATION, layout or regulation_layout(), title=REGULATION_TITLE)


def plan_layout(
    font_size: float = 15, margin: float = 90, footer=dashed, page_size=A4, lines_per_page: int = 10
) -> PdfLayout:
    return PdfLayout(
        page_size=page_size,
        font_size=font_size,
        margin=margin,
        lines_per_page=lines_per_page,
        header=PLAN_TITLE,
        footer=footer,
    )


def plan_pdf(path: Path, layout: PdfLayout | None = None) -> Path:
    """Default: A4, 15 pt, wide margins, x-offset indents, "- N -" footers, no PDF title."""
    return write_pdf(path, PLAN, layout or plan_layout())


def plain_pdf(path: Path, paragraphs: Sequence[str], password: str | None = None) -> Path:
    encrypt = pdfencrypt.StandardEncryption(password, ownerPassword="owner-secret") if password else None
    return write_pdf(path, paragraphs, PdfLayout(), encrypt=encrypt)


def textless_pdf(path: Path) -> Path:
    """One page with a filled rectangle and no text layer, like a scan without OCR."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(100, 300, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    return path


def garbage_pdf(path: Path, text: str) -> Path:
    """A text layer that extracts as mojibake: the UTF-8 bytes of Chinese text drawn as cp1252 glyphs."""
    mojibake = text.encode("utf-8").decode("cp1252", errors="ignore")
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 11)
    for i in range(0, len(mojibake), 60):
        pdf.drawString(72, 760 - 16 * (i // 60), mojibake[i : i + 60])
    pdf.showPage()
    pdf.save()
    return path


def aes_pdf(path: Path, paragraphs: Sequence[str], algorithm: str, user_password: str = "") -> Path:
    """A PDF encrypted with AES (`AES-128` or `AES-256`) as official documents are: with an owner password
    only (anyone may read it) unless `user_password` is given."""
    import pypdf

    plain = path.with_suffix(".plain.pdf")
    plain_pdf(plain, paragraphs)
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with open(path, "wb") as out:
        writer.write(out)
    plain.unlink()
    return path
