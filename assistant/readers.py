"""Readers: every supported file (or pasted text) becomes one `Document` of plain text.

One function dispatches by content (magic bytes first, then the file name), one reader per format, and
one named exception, `UnreadableError`, carries a Chinese message naming the file and the reason.
Each reader wraps only its library calls (open, parse, lay out a page): what a library raises on a bad file
becomes `UnreadableError` (the original kept as cause), while an error in this module's own code escapes as
the bug it is, not disguised as a damaged file.

The text form every reader produces (the parser depends on it):

* Paragraphs are separated by "\\n"; "\\r\\n" becomes "\\n"; U+3000 and NBSP become a normal space and
  zero-width characters are dropped. Only PDF text is NFKC-normalised (pdfplumber emits Kangxi radicals
  such as ⾏ for 行; NFKC also turns full-width （） into ASCII ()).
* Every table is rendered where it stands in the document, ONE LINE PER TABLE ROW, cells joined by
  "\\t". All whitespace inside a cell is removed, so a label wrapped over lines ("行政\\n机关") or printed
  one character per line ("三\\n、\\n本") becomes one string.
* Merged cells: the content goes in the top-left position only. A position covered by a cell spanning
  from a row above (rowspan, Word's vMerge continuation) is emitted as an empty cell "" once per
  covering cell, so the columns after it stay aligned. A cell spanning several columns (colspan,
  Word's gridSpan) is emitted once, not repeated. Rows whose cells are all empty are dropped.
* PDF pages are separated by a line holding only a form feed, PAGE_BREAK ("\\n\\f\\n" between two pages'
  text), one per page boundary, also around a page without text: position i of the text lies on page
  `text.count("\\f", 0, i) + 1`. The corpus cites pages by it; to the parser a form feed is whitespace.
"""

from __future__ import annotations

import io
import logging
import re
import stat
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import UnreadableError

PASTED = "粘贴文本"
PAGE_BREAK = "\f"  # the line between two PDF pages
MB = 1024 * 1024
MAX_BYTES = 50 * MB  # the largest file accepted: a report is a few MB at most


@dataclass(frozen=True)
class Limits:
    """What one file may cost. A published report is at most a few MB and 50,000 characters; each limit is
    about ten times that, checked before or while reading, so no input takes minutes or gigabytes."""

    file_bytes: int = MAX_BYTES
    zip_member_bytes: int = 20 * MB  # one part of a .docx/.xlsx, uncompressed (a report's document.xml: < 2 MB)
    zip_total_bytes: int = 100 * MB
    zip_members: int = 5000
    markup_chars: int = 10_000_000  # a web page's decoded text, tags included
    markup_depth: int = 200  # nesting of HTML elements (lxml itself stops XML at 256)
    markup_elements: int = 500_000
    pages: int = 200
    cells: int = 50_000
    line_chars: int = 50_000
    text_chars: int = 500_000


LIMITS = Limits()
# what each limit is called in a message, the unit it is shown in and that unit's size
_LIMIT_NAMES: dict[str, tuple[str, str, int]] = {
    "file_bytes": ("文件大小", "MB", MB),
    "zip_member_bytes": ("压缩包内单个部件解压后的大小", "MB", MB),
    "zip_total_bytes": ("解压后的总大小", "MB", MB),
    "zip_members": ("压缩包内的部件数", "个", 1),
    "markup_chars": ("网页内容的字符数", "字", 1),
    "markup_depth": ("网页元素的嵌套层数", "层", 1),
    "markup_elements": ("网页元素的个数", "个", 1),
    "pages": ("PDF 页数", "页", 1),
    "cells": ("表格单元格数", "个", 1),
    "line_chars": ("单行长度", "字", 1),
    "text_chars": ("全文字数", "字", 1),
}
assert set(_LIMIT_NAMES) == {f.name for f in fields(Limits)}


class LimitError(UnreadableError):
    """A file beyond one of `Limits`: the message names the limit, its value and what was found."""

    def __init__(self, name: str, limit: str, value: int, limits: Limits) -> None:
        label, unit, scale = _LIMIT_NAMES[limit]
        found = f"（此文件 {value / scale:.1f} {unit}）" if scale > 1 else ""
        super().__init__(
            f"“{name}”的{label}超过上限 {getattr(limits, limit) / scale:g} {unit}{found}，"
            "不像是一份年度报告，已停止读取；请检查文件是否正确，或拆分后再试"
        )
        self.limit = limit


def _within(limits: Limits, limit: str, value: int, name: str) -> None:
    if value > getattr(limits, limit):
        raise LimitError(name, limit, value, limits)


_SPACES = str.maketrans(
    {"\u3000": " ", "\xa0": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": ""}
)
# control characters (Word's cell mark \x07, a stray \x0b) and bidirectional overrides, which could reorder
# what a reader sees, are removed; tab, line feed and the PDF page break stay
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CELL_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_MD_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_MD_RULE = re.compile(r"^[\s|:\-]+$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Binary types people upload by mistake, named so the message says what the file is.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)
_ZIP_KINDS = (
    ("word/document.xml", "docx"),
    ("xl/workbook.xml", "Excel（.xlsx）表格"),
    ("ppt/presentation.xml", "PowerPoint（.pptx）演示文稿"),
)
_HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
_HTML_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)


@dataclass
class Document:
    """A document as text, tables inline (see the module docstring), and which library parsed it."""

    text: str
    source: str
    reader: str  # "text", "docx", "pdfplumber" or "html"
    pages: int = 0  # page count for PDF, 0 otherwise


def read_file(path: str | Path, limits: Limits = LIMITS) -> Document:
    """Read a report file of any supported format, refusing missing, oversized or unreadable files."""
    path = Path(path)
    return read_bytes(load_bytes(path, limits.file_bytes), str(path), limits)


def load_bytes(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, at most `max_bytes` of them. A device (/dev/zero), pipe or socket is refused
    before it is opened (opening a pipe would wait for a writer), and the read stops one byte past the limit
    in case the file grows meanwhile."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableError(f"{path} 是文件夹，不是文件")
        if not stat.S_ISREG(mode):
            raise UnreadableError(f"{path} 不是普通文件（而是设备、管道或套接字），无法作为报告读取")
        _within(Limits(file_bytes=max_bytes), "file_bytes", path.stat().st_size, str(path))
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise UnreadableError(f"找不到文件：{path}") from exc
    except PermissionError as exc:
        raise UnreadableError(f"没有权限读取文件：{path}") from exc
    except OSError as exc:
        raise UnreadableError(f"读取文件 {path} 时出错：{exc.strerror or exc}") from exc
    _within(Limits(file_bytes=max_bytes), "file_bytes", len(data), str(path))
    return data


def read_bytes(data: bytes, name: str, limits: Limits = LIMITS) -> Document:
    """Read an uploaded file's bytes; `name` gives the extension and names the file in messages."""
    _within(limits, "file_bytes", len(data), name)
    document = _pick_reader(data, name, limits)(data, name, limits)
    return _bounded(document, limits)


def read_text(text: str, source: str = PASTED, limits: Limits = LIMITS) -> Document:
    """Wrap text pasted from a web page or editor (tabs of copied tables kept)."""
    _within(limits, "text_chars", len(text), source)
    return _bounded(Document(_non_empty(_plain(text), source), source, "text"), limits)


def _bounded(document: Document, limits: Limits) -> Document:
    """The document when its text is within the text limits (the parser's work grows with them)."""
    _within(limits, "text_chars", len(document.text), document.source)
    _within(limits, "line_chars", max(map(len, document.text.split("\n")), default=0), document.source)
    return document


# ── dispatch ────────────────────────────────────────────────────────────────────────────────────


Reader = Callable[[bytes, str, Limits], Document]


def _pick_reader(data: bytes, name: str, limits: Limits) -> Reader:
    """Choose the reader by content first, so a misnamed file is still read by what it is."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise UnreadableError(f"“{name}”内容为空")
    if data.startswith(_OLE_MAGIC):
        raise UnreadableError(f"“{name}”是旧版 Word（.doc）格式，请在 Word/WPS 中另存为 .docx 后再上传")
    if b"%PDF" in data[:1024]:
        return _read_pdf
    if data.startswith(b"PK\x03\x04"):
        return _zip_reader(data, name, limits)
    _refuse_binary(data, name, suffix)
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableError(f"“{name}”是无法识别的二进制文件（扩展名 {suffix or '无'}），不是报告文档或文本")
    if suffix in _HTML_SUFFIXES or _HTML_START.match(data[:4096]):
        return _read_html
    return _read_plain


def _refuse_binary(data: bytes, name: str, suffix: str) -> None:
    """A known binary type, or a file named .pdf/.docx without their signature, is no report."""
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnreadableError(f"“{name}”是{kind}，不是可读取的报告文件（支持 PDF、Word .docx、网页、文本）")
    if suffix == ".pdf":
        raise UnreadableError(f"“{name}”不是有效的 PDF 文件（缺少 PDF 文件头），文件可能已损坏")
    if suffix == ".docx":
        raise UnreadableError(f"“{name}”不是有效的 Word（.docx）文件，文件可能已损坏")


def _zip_reader(data: bytes, name: str, limits: Limits) -> Reader:
    try:
        members = set(check_zip(zipfile.ZipFile(io.BytesIO(data)), name, limits))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableError(f"“{name}”是损坏的压缩文件（Word .docx 或 ZIP），无法打开") from exc
    for member, kind in _ZIP_KINDS:
        if member in members:
            if kind == "docx":
                return _read_docx
            raise UnreadableError(f"“{name}”是{kind}，不是报告文档；表格数据请用“tables-template”生成的模板")
    raise UnreadableError(f"“{name}”是 ZIP 压缩包而不是 Word 文档，请解压后上传其中的报告文件")


def check_zip(archive: zipfile.ZipFile, name: str, limits: Limits = LIMITS) -> list[str]:
    """The member names of a zip (.docx, .xlsx) whose declared sizes are within the limits. zipfile never
    inflates a member past its declared size (it stops there and reports a bad CRC), so checking the
    declarations bounds the work of every later read."""
    infos = archive.infolist()
    _within(limits, "zip_members", len(infos), name)
    for info in infos:
        _within(limits, "zip_member_bytes", info.file_size, name)
    _within(limits, "zip_total_bytes", sum(info.file_size for info in infos), name)
    return [info.filename for info in infos]


# ── shared text helpers ─────────────────────────────────────────────────────────────────────────


def _clean(text: str) -> str:
    """Normalise line ends and odd spaces and drop control characters, the same for every format."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES))


def _non_empty(text: str, name: str) -> str:
    if not text.strip():
        raise UnreadableError(f"“{name}”内容为空")
    return text


def _cell(text: str | None) -> str:
    return _CELL_SPACE.sub("", text or "")


def _table_lines(rows: Iterable[list[str | None]]) -> list[str]:
    """One line per row, cells joined by tabs, whitespace removed inside cells, empty rows dropped."""
    lines = []
    for row in rows:
        cells = [_cell(c) for c in row]
        if any(cells):
            lines.append("\t".join(cells))
    return lines


def _join_lines(lines: Iterable[str]) -> str:
    """Trim spaces (never tabs: a table row may start or end with an empty cell) and drop blank lines.

    Used for formats whose layout, not the author, made the blanks.
    """
    return "\n".join(s for line in lines if (s := line.strip(" ")) and s.strip())


# ── plain text ──────────────────────────────────────────────────────────────────────────────────


def _decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Decode by BOM, a declared charset, strict UTF-8, strict GB18030, then a best guess; refuse garbage."""
    text = _decode_any(data, declared)
    if _garbage_ratio(text) > 0.1:
        raise UnreadableError(f"“{name}”无法识别为文本（可能是二进制文件或未知编码），请另存为 UTF-8 文本或 Word 文档")
    return text


def _decode_any(data: bytes, declared: str | None) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    for codec in [declared, "utf-8", "gb18030"]:
        if codec:
            try:
                return data.decode(_codec_name(codec))
            except (UnicodeDecodeError, LookupError):
                continue
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    return str(guess) if guess is not None else data.decode("utf-8", errors="replace")


def _codec_name(codec: str) -> str:
    """Web pages declaring GB2312/GBK often use GB18030 characters: decode with the superset."""
    return "gb18030" if codec.lower().replace("-", "").replace("_", "") in {"gb2312", "gbk", "cp936"} else codec


def _garbage_ratio(text: str) -> float:
    bad = sum(
        1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) in {"Cc", "Co", "Cs"} and ch not in "\n\r\t\f")
    )
    return bad / max(len(text), 1)


def _read_plain(data: bytes, name: str, limits: Limits) -> Document:
    return Document(_non_empty(_plain(_decode(data, name)), name), name, "text")


def _plain(text: str) -> str:
    """Plain or Markdown text; pipe tables ("| 规章 | 0 | 0 | 0 |", as our .md export writes them)
    become tab-separated rows like every other table, their "|---|" rule lines dropped."""
    lines = []
    for line in _clean(text).split("\n"):
        if not (row := _MD_ROW.match(line)):
            lines.append(line)
        elif not _MD_RULE.match(line):
            lines.append("\t".join(_cell(c) for c in row.group(1).split("|")))
    return "\n".join(lines)


# ── docx ────────────────────────────────────────────────────────────────────────────────────────


def _read_docx(data: bytes, name: str, limits: Limits) -> Document:
    import docx
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from docx.oxml.exceptions import XmlchemyError
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph
    from lxml.etree import LxmlError

    library_errors = (PythonDocxError, OpcError, XmlchemyError, LxmlError)
    cells = _Counter(limits, "cells", name)
    try:
        # a broken package: a missing part is a KeyError, a bad relationship or content type a ValueError
        document = docx.Document(io.BytesIO(data))
    except (*library_errors, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableError(f"“{name}”是损坏的 Word（.docx）文件，无法读取（{type(exc).__name__}）") from exc

    def blocks(parent: Any) -> Iterator[str]:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                yield Paragraph(child, document).text
            elif child.tag == qn("w:tbl"):
                yield from _table_lines(_docx_rows(child, qn, cells))
            elif child.tag == qn("w:sdt"):  # content controls wrap ordinary paragraphs and tables
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from blocks(content)

    try:
        text = _clean("\n".join(blocks(document.element.body)))
    except library_errors as exc:  # an element python-docx cannot read (an invalid attribute value)
        raise UnreadableError(f"“{name}”是损坏的 Word（.docx）文件，无法读取（{type(exc).__name__}）") from exc
    return Document(_non_empty(_join_lines(text.split("\n")), name), name, "docx")


class _Counter:
    """Counts things read (table cells) against one limit, failing as soon as it is passed."""

    def __init__(self, limits: Limits, limit: str, name: str) -> None:
        self.limits, self.limit, self.name, self.count = limits, limit, name, 0

    def add(self, n: int = 1) -> None:
        self.count += n
        _within(self.limits, self.limit, self.count, self.name)


def _docx_rows(tbl: Any, qn: Callable[[str], str], cells: _Counter) -> Iterator[list[str]]:
    """Rows of a Word table: a gridSpan cell once, a vMerge continuation cell as ""."""
    for tr in tbl.iterchildren(qn("w:tr")):
        row = []
        for tc in tr.iterchildren(qn("w:tc")):
            cells.add()
            continuation = tc.vMerge is not None and tc.vMerge != "restart"
            row.append("" if continuation else "".join(t.text or "" for t in tc.iter(qn("w:t"))))
        yield row


# ── PDF ─────────────────────────────────────────────────────────────────────────────────────────


_PAGE_NUMBER = re.compile(r"^\s*([-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)\s*$")


def _read_pdf(data: bytes, name: str, limits: Limits) -> Document:
    import pdfplumber
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    # pdfplumber wraps whatever pdfminer raises on opening, listing pages and laying a page out
    library_errors = (PdfminerException, MalformedPDFException, PSException)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except library_errors as exc:
        raise UnreadableError(_pdf_open_error(exc, name)) from exc
    with pdf:
        try:
            _within(limits, "pages", len(pdf.pages), name)
            chars = _Counter(limits, "text_chars", name)
            pages = []
            for page in pdf.pages:  # the text limit is checked page by page, before the next is laid out
                pages.append(_pdf_page_text(page))
                chars.add(len(pages[-1]))
        except library_errors as exc:
            raise UnreadableError(_pdf_open_error(exc, name)) from exc
    if not pages:
        raise UnreadableError(f"“{name}”没有任何页面，PDF 文件可能已损坏或不完整")
    if not any(pages):
        raise UnreadableError(f"“{name}”是扫描件（没有文字层），请先做文字识别（OCR）或提供 Word/文本版本")
    lines = [line for n, page in enumerate(pages) for line in ([PAGE_BREAK] if n else []) + ([page] if page else [])]
    return Document("\n".join(lines), name, "pdfplumber", len(pages))


def _pdf_open_error(exc: BaseException, name: str) -> str:
    """Name the reason: a password, or a damaged/incomplete file."""
    chain = [exc, exc.__cause__, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
    kinds = " ".join(type(e).__name__ for e in chain if e is not None)
    if "Password" in kinds or "Encryption" in kinds:
        return f"“{name}”是加密的 PDF（需要密码才能打开），请提供未加密的版本"
    return f"“{name}”不是完整有效的 PDF 文件（文件已损坏或下载不完整），无法读取"


def _pdf_page_text(page: Any) -> str:
    """One page's lines, normalised; "" for a page without text."""
    text = _clean(unicodedata.normalize("NFKC", "\n".join(_pdf_page_lines(page))))
    return _join_lines(text.replace(PAGE_BREAK, " ").split("\n"))


def _pdf_page_lines(page: Any) -> list[str]:
    """Text outside the tables and the tables' rows, merged by vertical position."""
    # A one-column "table" is a framed text box: read it as text, not as cells.
    tables = [t for t in page.find_tables() if len(t.columns) > 1]
    boxes = [t.bbox for t in tables]

    def outside(obj: dict) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    placed: list[tuple[float, int, list[str]]] = [
        (line["top"], 0, [line["text"]])
        for line in page.filter(outside).extract_text_lines()
        if not _PAGE_NUMBER.match(line["text"])
    ]
    placed += [(t.bbox[1], 1, _table_lines(_pdf_rows(t))) for t in tables]
    placed.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, lines in placed for line in lines]


def _pdf_rows(table: Any) -> Iterator[list[str]]:
    """Rows of a pdfplumber table, with merged positions resolved by the covering cell's geometry."""
    tol = 1.0
    grid = table.extract()
    col_x0 = [col.bbox[0] for col in table.columns]
    for r, row in enumerate(table.rows):
        top = row.bbox[1]
        out: list[str] = []
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                out.append(grid[r][c] or "")
                continue
            x = col_x0[c] + tol
            owner = next((b for b in table.cells if b[0] - tol <= x <= b[2] and b[1] - tol <= top + tol <= b[3]), None)
            if owner is None:
                out.append("")  # a hole in the ruling: keep the column
            elif owner[1] < top - tol and abs(owner[0] - col_x0[c]) <= tol:
                out.append("")  # first column of a cell spanning from a row above
        yield out


# ── HTML ────────────────────────────────────────────────────────────────────────────────────────

_DROP_TAGS = ["script", "style", "nav", "header", "footer", "noscript", "iframe", "template", "svg", "form"]
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "aside",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "center",
    "address",
    "figure",
    "figcaption",
    "hr",
    "tr",
    "caption",
}
_TITLE_LINE = re.compile(r"年度?报告")


def _read_html(data: bytes, name: str, limits: Limits) -> Document:
    from bs4 import BeautifulSoup

    match = _META_CHARSET.search(data[:4096])
    markup = _decode(data, name, match.group(1).decode("ascii", "ignore") if match else None)
    _within(limits, "markup_chars", len(markup), name)
    _html_shape(markup, name, limits)
    with warnings.catch_warnings():  # bs4 warns in English on stderr about markup it reads anyway
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(markup, "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = _html_article(soup) or soup.body or soup
    parts: list[str] = []
    _html_walk(root, parts)
    text = _clean("".join(parts))
    return Document(_non_empty(_join_lines(text.split("\n")), name), name, "html")


class _Shape:
    """An lxml parser target that only measures: element count and nesting depth, failing at a limit
    before BeautifulSoup builds a tree (and before a recursive walk could overflow on it)."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.depth, self.elements = _Counter(limits, "markup_depth", name), _Counter(limits, "markup_elements", name)

    def start(self, tag: str, attrib: dict) -> None:
        self.depth.add()
        self.elements.add()

    def end(self, tag: str) -> None:
        self.depth.count -= 1

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


def _html_shape(markup: str, name: str, limits: Limits) -> None:
    """Refuse a page nested deeper or holding more elements than the limits, parsing it once with no tree."""
    from lxml import etree

    parser = etree.HTMLParser(target=_Shape(name, limits), huge_tree=True)
    try:
        parser.feed(markup)
        parser.close()
    except etree.LxmlError:  # a page lxml cannot parse at all is left to bs4 (the target's LimitError passes)
        return


def _html_article(soup: Any) -> Any:
    """The element holding the report, without the CMS chrome around it.

    Start from the innermost element holding every table (or, without tables, the element with the
    most paragraph text) and widen to the first ancestor whose first line is the report's title.
    """
    tables = [t for t in soup.find_all("table") if t.find_parent("table") is None]
    if tables:
        common = [tables[0], *tables[0].parents]
        for table in tables[1:]:
            ancestors = {id(p) for p in table.parents}
            common = [p for p in common if id(p) in ancestors]
        start = common[0] if len(tables) > 1 else tables[0].parent
    else:
        start = max(soup.find_all(_BLOCK_TAGS), default=None, key=_paragraph_text_len)
    if start is None:
        return None
    for node in [start, *start.parents]:
        if node.name in {"body", "html", "[document]"}:
            break
        first = next((s.strip() for s in node.stripped_strings), "")
        if len(first) <= 80 and _TITLE_LINE.search(first):
            return node
    return start


def _paragraph_text_len(tag: Any) -> int:
    return sum(len(p.get_text(strip=True)) for p in tag.find_all("p", recursive=False))


def _html_walk(node: Any, out: list[str]) -> None:
    """Append text, newlines at <br> and block boundaries, and tables as tab-separated lines."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    for child in node.children:
        if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
            continue
        if isinstance(child, NavigableString):
            out.append(re.sub(r"[ \t\r\n\f]+", " ", str(child)))
        elif isinstance(child, Tag):
            if child.name == "br":
                out.append("\n")
            elif child.name == "table":
                out.append("\n" + "\n".join(_table_lines(_html_rows(child))) + "\n")
            elif child.name in _BLOCK_TAGS:
                out.append("\n")
                _html_walk(child, out)
                out.append("\n")
            else:
                _html_walk(child, out)


def _span(tag: Any, attr: str) -> int:
    value = re.match(r"\s*(\d+)", str(tag.get(attr, "1")))
    return min(max(int(value.group(1)), 1), 1000) if value else 1


def _html_rows(table: Any) -> Iterator[list[str]]:
    """Rows of an HTML table: a colspan cell once, a "" for each cell spanning down from above."""
    pending: dict[int, list[int]] = {}  # start column -> [rows still covered, colspan]
    for tr in (tr for tr in table.find_all("tr") if tr.find_parent("table") is table):
        out: list[str] = []
        col = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while col in pending:
                col = _cover(pending, col, out)
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            out.append(cell.get_text())
            if rowspan > 1:
                pending[col] = [rowspan - 1, colspan]
            col += colspan
        for start in sorted(c for c in pending if c >= col):
            _cover(pending, start, out)
        yield out


def _cover(pending: dict[int, list[int]], col: int, out: list[str]) -> int:
    """Emit "" for the cell spanning down into `col`; return the column after it."""
    left, width = pending[col]
    out.append("")
    if left <= 1:
        del pending[col]
    else:
        pending[col][0] = left - 1
    return col + width
