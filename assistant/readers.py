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
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UnreadableError

PASTED = "粘贴文本"
PAGE_BREAK = "\f"  # the line between two PDF pages
MB = 1024 * 1024
MAX_BYTES = 50 * MB  # the largest file accepted: a report is a few MB at most

_SPACES = str.maketrans(
    {"\u3000": " ", "\xa0": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": ""}
)
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


def read_file(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read a report file of any supported format, refusing missing, oversized or unreadable files."""
    path = Path(path)
    try:
        if not path.exists():
            raise UnreadableError(f"找不到文件：{path}")
        if path.is_dir():
            raise UnreadableError(f"{path} 是文件夹，不是文件")
        size = path.stat().st_size
        _check_size(size, max_bytes, str(path))
        data = path.read_bytes()
    except PermissionError as exc:
        raise UnreadableError(f"没有权限读取文件：{path}") from exc
    except OSError as exc:
        raise UnreadableError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    return read_bytes(data, str(path), max_bytes=max_bytes)


def read_bytes(data: bytes, name: str, max_bytes: int = MAX_BYTES) -> Document:
    """Read an uploaded file's bytes; `name` gives the extension and names the file in messages."""
    _check_size(len(data), max_bytes, name)
    return _pick_reader(data, name)(data, name)


def read_text(text: str, source: str = PASTED) -> Document:
    """Wrap text pasted from a web page or editor (tabs of copied tables kept)."""
    return Document(_non_empty(_plain(text), source), source, "text")


# ── dispatch ────────────────────────────────────────────────────────────────────────────────────


Reader = Callable[[bytes, str], Document]


def _check_size(size: int, max_bytes: int, name: str) -> None:
    if size > max_bytes:
        raise UnreadableError(
            f"文件“{name}”太大（{size / MB:.1f} MB），超过上限 {max_bytes / MB:.1f} MB，请拆分或压缩后再试"
        )


def _pick_reader(data: bytes, name: str) -> Reader:
    """Choose the reader by content first, so a misnamed file is still read by what it is."""
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise UnreadableError(f"“{name}”内容为空")
    if data.startswith(_OLE_MAGIC):
        raise UnreadableError(f"“{name}”是旧版 Word（.doc）格式，请在 Word/WPS 中另存为 .docx 后再上传")
    if b"%PDF" in data[:1024]:
        return _read_pdf
    if data.startswith(b"PK\x03\x04"):
        return _zip_reader(data, name)
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            raise UnreadableError(f"“{name}”是{kind}，不是可读取的报告文件（支持 PDF、Word .docx、网页、文本）")
    if suffix == ".pdf":
        raise UnreadableError(f"“{name}”不是有效的 PDF 文件（缺少 PDF 文件头），文件可能已损坏")
    if suffix == ".docx":
        raise UnreadableError(f"“{name}”不是有效的 Word（.docx）文件，文件可能已损坏")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableError(f"“{name}”是无法识别的二进制文件（扩展名 {suffix or '无'}），不是报告文档或文本")
    if suffix in _HTML_SUFFIXES or _HTML_START.match(data[:4096]):
        return _read_html
    return _read_plain


def _zip_reader(data: bytes, name: str) -> Reader:
    try:
        members = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableError(f"“{name}”是损坏的压缩文件（Word .docx 或 ZIP），无法打开") from exc
    for member, kind in _ZIP_KINDS:
        if member in members:
            if kind == "docx":
                return _read_docx
            raise UnreadableError(f"“{name}”是{kind}，不是报告文档；表格数据请用“tables-template”生成的模板")
    raise UnreadableError(f"“{name}”是 ZIP 压缩包而不是 Word 文档，请解压后上传其中的报告文件")


# ── shared text helpers ─────────────────────────────────────────────────────────────────────────


def _clean(text: str) -> str:
    """Normalise line ends and odd spaces, the same for every format."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)


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


def _read_plain(data: bytes, name: str) -> Document:
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


def _read_docx(data: bytes, name: str) -> Document:
    import docx
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from docx.oxml.exceptions import XmlchemyError
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph
    from lxml.etree import LxmlError

    library_errors = (PythonDocxError, OpcError, XmlchemyError, LxmlError)
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
                yield from _table_lines(_docx_rows(child, qn))
            elif child.tag == qn("w:sdt"):  # content controls wrap ordinary paragraphs and tables
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from blocks(content)

    try:
        text = _clean("\n".join(blocks(document.element.body)))
    except library_errors as exc:  # an element python-docx cannot read (an invalid attribute value)
        raise UnreadableError(f"“{name}”是损坏的 Word（.docx）文件，无法读取（{type(exc).__name__}）") from exc
    return Document(_non_empty(_join_lines(text.split("\n")), name), name, "docx")


def _docx_rows(tbl: Any, qn: Callable[[str], str]) -> Iterator[list[str]]:
    """Rows of a Word table: a gridSpan cell once, a vMerge continuation cell as ""."""
    for tr in tbl.iterchildren(qn("w:tr")):
        row = []
        for tc in tr.iterchildren(qn("w:tc")):
            continuation = tc.vMerge is not None and tc.vMerge != "restart"
            row.append("" if continuation else "".join(t.text or "" for t in tc.iter(qn("w:t"))))
        yield row


# ── PDF ─────────────────────────────────────────────────────────────────────────────────────────


_PAGE_NUMBER = re.compile(r"^\s*([-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d{1,4}\s*页)?)\s*$")


def _read_pdf(data: bytes, name: str) -> Document:
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
            pages = [_pdf_page_text(page) for page in pdf.pages]
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


def _read_html(data: bytes, name: str) -> Document:
    from bs4 import BeautifulSoup

    match = _META_CHARSET.search(data[:4096])
    markup = _decode(data, name, match.group(1).decode("ascii", "ignore") if match else None)
    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    root = _html_article(soup) or soup.body or soup
    parts: list[str] = []
    _html_walk(root, parts)
    text = _clean("".join(parts))
    return Document(_non_empty(_join_lines(text.split("\n")), name), name, "html")


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
