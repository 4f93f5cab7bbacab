"""DOCX files made at test time, sound and broken in the ways real ones break."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

BODY = "word/document.xml"
PARAGRAPHS = (
    "上海市中试平台管理补充办法",
    "第一条 为规范上海市中试平台建设，对新建中试平台给予补贴，最高不超过3000万元。",
)


def sound_docx(paragraphs: tuple[str, ...] = PARAGRAPHS) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rebuilt(data: bytes, body: bytes | None = None, stored: bool = False) -> bytes:
    """The archive with its document part replaced by `body` (if given), that part stored uncompressed if
    `stored`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            mine = info.filename == BODY
            content = body if mine and body is not None else source.read(info)
            archive.writestr(info.filename, content, zipfile.ZIP_STORED if mine and stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def non_xml_part(path: Path) -> None:
    path.write_bytes(_rebuilt(sound_docx(), b"this is not XML <<<"))


def crc_error(path: Path) -> None:
    """One byte of the (stored) document part changed after its CRC was written."""
    data = bytearray(_rebuilt(sound_docx(), stored=True))
    at = data.index(b"<w:body>") + 2
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def corrupt_deflate(path: Path) -> None:
    """Bytes of the compressed document part overwritten: zlib cannot inflate it."""
    data = _rebuilt(sound_docx())
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(BODY)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(data)
    for i in range(start + 10, start + 40):
        broken[i] ^= 0xFF
    path.write_bytes(bytes(broken))


def text_node_too_long(path: Path) -> None:
    """One run of 11 million characters: over libxml2's limit for a text node (10 MB) without XML_PARSE_HUGE."""
    data = sound_docx()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(BODY).decode("utf-8")
    path.write_bytes(_rebuilt(data, xml.replace("万元。", "万元。" + "a" * 11_000_000).encode("utf-8")))


def bomb(path: Path, megabytes: int = 60) -> None:
    """A small file whose document part inflates to `megabytes` MB of XML."""
    data = sound_docx()
    xml = zipfile.ZipFile(io.BytesIO(data)).read(BODY).decode("utf-8")
    head, tail = xml.split("<w:body>")
    paragraph = "<w:p><w:r><w:t>中试平台中试平台中试平台中试平台</w:t></w:r></w:p>".encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != BODY:
                archive.writestr(info.filename, source.read(info))
                continue
            with archive.open(BODY, "w", force_zip64=True) as part:
                part.write((head + "<w:body>").encode())
                block = paragraph * (1 << 14)
                for _ in range(megabytes * (1 << 20) // len(block) + 1):
                    part.write(block)
                part.write(tail.encode())


def truncated(path: Path) -> None:
    data = sound_docx()
    path.write_bytes(data[: len(data) // 2])


BROKEN_DOCX = {
    "non-XML part": (non_xml_part, r"^DOCX 文件损坏：文档内容不是有效的 XML"),
    "CRC error": (crc_error, r"^DOCX 文件损坏：压缩数据无法解压或校验失败$"),
    "corrupt deflate stream": (corrupt_deflate, r"^DOCX 文件损坏：压缩数据无法解压或校验失败$"),
    "text node too long": (text_node_too_long, r"^DOCX 文件损坏：文档内容不是有效的 XML（或其中一段文字过长）$"),
    "bomb": (bomb, r"^DOCX 解压后 6\d\.\d MB，超过 50 MB 的上限$"),
    "truncated": (truncated, r"^DOCX 文件损坏或不是 Word 文档（不是有效的 zip 压缩包）$"),
}
