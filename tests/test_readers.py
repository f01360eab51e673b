"""Readers on real published reports and on synthetic bad or unusual input."""

from __future__ import annotations

import io
import os
import random
import unicodedata
import warnings
import zipfile
from pathlib import Path

import docx
import pytest

from assistant.labels import T3_ROWS
from assistant.readers import (
    PAGE_BREAK,
    Document,
    LimitError,
    Limits,
    UnreadableError,
    read_bytes,
    read_file,
    read_text,
)

from .conftest import inflated_docx


def _rows(doc: Document) -> list[list[str]]:
    return [line.split("\t") for line in doc.text.split("\n") if "\t" in line]


def _label_key(label: str) -> str:
    """PDF text is NFKC-normalised and some reports write "1、" for "1."."""
    return unicodedata.normalize("NFKC", label).replace("、", ".")


def _row_numbers(doc: Document, label: str, width: int = 7) -> list[int]:
    """The numbers after the cell holding `label`, on the one row that has it."""
    key = _label_key(label)
    found = [row for row in _rows(doc) if any(_label_key(cell) == key for cell in row)]
    assert len(found) == 1, f"{label}: {found}"
    cells = found[0]
    at = [_label_key(c) for c in cells].index(key)
    assert len(cells) - at - 1 == width, cells
    return [int(c) for c in cells[at + 1 :]]


def _numbers_row(doc: Document, width: int) -> list[int]:
    rows = [r for r in _rows(doc) if len(r) == width and all(c.isdigit() for c in r)]
    assert len(rows) == 1, rows
    return [int(c) for c in rows[0]]


@pytest.fixture(scope="module")
def huaian(reports) -> Document:
    return read_file(reports / "huaian-shi-2024.pdf")


@pytest.fixture(scope="module")
def pingtan_html(reports) -> Document:
    return read_file(reports / "pingtan-2024.html")


# ── real files ──────────────────────────────────────────────────────────────────────────────────


def test_weishi_txt_keeps_tabs_of_copied_table(reports) -> None:
    doc = read_file(reports / "weishi-kaifaqu-2022.txt")
    assert doc.reader == "text" and doc.pages == 0
    line = next(line for line in doc.text.split("\n") if "予以公开" in line and "\t" in line)
    cells = line.split("\t")
    # returned as is, defects included: this published row has 6 zeros and a trailing tab
    assert cells == ["三、本年度办理结果", "(一) 予以公开", *["0"] * 6, ""]


def test_pingtan_html_table3_rows_match_reference(pingtan_html: Document, expected_tables) -> None:
    assert pingtan_html.reader == "html"
    for label, numbers in expected_tables["pingtan-2024.html"]["table3"].items():
        assert _row_numbers(pingtan_html, label) == numbers
    assert _row_numbers(pingtan_html, "（一）予以公开") == [71, 0, 0, 0, 0, 0, 71]


def test_pingtan_html_all_three_tables_and_no_cms_chrome(pingtan_html: Document, expected_tables) -> None:
    text = pingtan_html.text
    assert text.split("\n")[0] == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert "当前位置" not in text and "登录" not in text
    assert "行政规范性文件\t62\t33\t440" in text  # 表二
    assert _numbers_row(pingtan_html, 15) == expected_tables["pingtan-2024.html"]["table4"]  # 表四
    # header row under a rowspan/colspan: one "" for the 3x3 corner, one for 自然人, one for 总计
    assert "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t" in text.split("\n")
    # a heading <br/> inside a cell leaves no whitespace; &nbsp; runs are gone
    assert "\xa0" not in text and "\u3000" not in text


def test_huaian_pdf_tables_row_per_line(huaian: Document, expected_tables) -> None:
    assert huaian.reader == "pdfplumber" and huaian.pages == 6
    expected = expected_tables["huaian-shi-2024.pdf"]
    for label in (
        "一、本年新收政府信息公开申请数量",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "8.属于行政查询事项",
        "5.要求行政机关确认或重新出具已获取信息",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "（七）总计",
        "四、结转下年度继续办理",
    ):
        assert _row_numbers(huaian, label) == expected["table3"][label]
    assert _numbers_row(huaian, 15) == expected["table4"]


def test_huaian_pdf_text_normalised(huaian: Document) -> None:
    lines = huaian.text.split("\n")
    # the merged label printed one character per line is one cell
    assert any(line.startswith("三、本年度办理结果\t(一)予以公开\t1288\t") for line in lines)
    # rowspan-covered positions stay as "" so the label columns line up with the docx/html readers
    assert "\t\t2.其他法律行政法规禁止公开\t30\t1\t0\t0\t0\t0\t31" in lines
    assert "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t" in lines
    assert "\t" * 5 + "\t".join(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2) in lines
    assert "⾏" not in huaian.text and "行政复议" in huaian.text  # Kangxi radical normalised
    assert "- 3 -" not in lines  # page numbers dropped
    # text sits where it is in the page: the table3 heading precedes the table
    assert huaian.text.index("三、收到和处理政府信息公开申请情况") < huaian.text.index("(七)总计")
    assert huaian.text.index("(七)总计") < huaian.text.index("五、存在的主要问题及改进情况")


def test_huaian_pdf_pages_are_separated_by_form_feed_lines(huaian: Document, reports) -> None:
    import pdfplumber

    lines = huaian.text.split("\n")
    assert lines.count(PAGE_BREAK) == huaian.pages - 1
    assert not any("\f" in line for line in lines if line != PAGE_BREAK)
    ours = ["".join(page.split()) for page in huaian.text.split(f"\n{PAGE_BREAK}\n")]
    with pdfplumber.open(reports / "huaian-shi-2024.pdf") as pdf:
        for n, page in enumerate(pdf.pages):
            # the page's longest line, as pdfplumber reads it alone, is on our page n and nowhere else
            longest = max((line["text"] for line in page.extract_text_lines()), key=len)
            key = "".join(unicodedata.normalize("NFKC", longest).split())
            assert [i for i, text in enumerate(ours) if key in text] == [n]


def test_template_docx_tables_with_official_merges(template_2021) -> None:
    doc = read_file(template_2021)
    assert doc.reader == "docx"
    rows = _rows(doc)
    labels = {cell for row in rows for cell in row}
    assert {row.text for row in T3_ROWS["2021"]} <= labels
    by_label = {
        row[row.index("2.其他法律行政法规禁止公开")]: row for row in rows if "2.其他法律行政法规禁止公开" in row
    }
    # two vMerge continuations ("" each), the label, then 7 blank value cells
    assert by_label["2.其他法律行政法规禁止公开"] == ["", "", "2.其他法律行政法规禁止公开"] + [""] * 7
    assert ["三、本年度办理结果", "（一）予以公开"] + [""] * 7 in rows  # gridSpan=2 emitted once
    assert doc.text.index("二、主动公开政府信息情况") < doc.text.index("行政规范性文件") < doc.text.index("五、")


# ── synthetic: tables with merged cells ─────────────────────────────────────────────────────────


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=4, cols=5)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "一、本年新收"
    table.cell(1, 0).merge(table.cell(3, 0)).text = "三、\n本年度\n办理结果"
    table.cell(1, 1).text = "（一）予以公开"
    table.cell(2, 1).text = "（三）不予\n公开"
    table.cell(3, 1).text = ""
    for r, values in enumerate((["5", "0", "5"], ["3", "0", "3"], ["1", "0", "1"], ["1", "0", "1"])):
        for c, value in enumerate(values, start=2):
            table.cell(r, c).text = value
    document.add_table(rows=2, cols=2)  # an empty table: its rows are dropped
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_built_docx_with_merged_cells() -> None:
    doc = read_bytes(_docx_bytes(), "upload.docx")
    assert doc.reader == "docx"
    assert doc.text.split("\n") == [
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收\t5\t0\t5",
        "三、本年度办理结果\t（一）予以公开\t3\t0\t3",
        "\t（三）不予公开\t1\t0\t1",
        "\t\t1\t0\t1",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]


def test_html_spans_breaks_and_nbsp() -> None:
    html = (
        "<html><head><meta charset='gb2312'><title>t</title></head><body><nav>首页 导航</nav>"
        "<div><h1>某局2023年政府信息公开工作年度报告</h1><p>第一段<br>第二行</p>"
        "<table><tr><td rowspan='2' colspan='2'>表<br/>头</td>"
        "<td colspan='2'>申请人&nbsp;&nbsp;情况</td></tr>"
        "<tr><td>自然人</td><td>总计</td></tr>"
        "<tr><td>一、本年新收</td><td>　</td><td><p>1</p><p>2</p></td><td rowspan='2'>12</td></tr>"
        "<tr><td>二、上年结转</td><td></td><td>0</td></tr>"
        "<tr><td>&nbsp;</td><td> </td></tr></table><p>结尾</p></div><footer>版权所有</footer></body></html>"
    )
    doc = read_bytes(html.encode("gb18030"), "page.bin")
    assert doc.reader == "html"
    assert doc.text.split("\n") == [
        "某局2023年政府信息公开工作年度报告",
        "第一段",
        "第二行",
        "表头\t申请人情况",
        "\t自然人\t总计",
        "一、本年新收\t\t12\t12",
        "二、上年结转\t\t0\t",
        "结尾",
    ]


# ── synthetic: encodings ────────────────────────────────────────────────────────────────────────

SAMPLE = "某县2023年政府信息公开工作年度报告\n三、本年度办理结果\t（一）予以公开\t5\t0\t5\n吉𠮷\n"


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        ("gbk", SAMPLE.replace("吉𠮷\n", "")),
        ("gb18030", SAMPLE),
        ("utf-8-sig", SAMPLE),
        ("utf-16", SAMPLE),
        ("utf-8", SAMPLE.replace("\n", "\r\n")),
    ],
)
def test_text_encodings(tmp_path: Path, codec: str, text: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(codec))
    doc = read_file(path)
    assert doc.reader == "text"
    assert doc.text == text.replace("\r\n", "\n")


def test_read_text_normalises_spaces() -> None:
    doc = read_text("一、总体情况\r\n\u3000\u3000本年\xa0度\u200b共\t5件")
    assert doc == Document("一、总体情况\n  本年 度共\t5件", "粘贴文本", "text", 0)


# ── synthetic: unreadable input ─────────────────────────────────────────────────────────────────


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A minimal PDF with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(entries: bytes, content: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(content), content)


IMAGE_PAGE = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 5 0 R >> >>"
    b" /Contents 4 0 R >>",
    _stream(b"", b"q 100 0 0 100 50 50 cm /Im1 Do Q"),
    _stream(
        b"/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
        b"\x80",
    ),
]


def _text_pdf(pages: list[bytes]) -> bytes:
    """A PDF of one Helvetica line per page; b"" makes a page without text."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, line in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 3 0 R >> >>"
            b" /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(_stream(b"", b"BT /F1 12 Tf 20 100 Td (%s) Tj ET" % line if line else b""))
    return _pdf(objects)


def test_pdf_page_breaks_count_pages_without_text() -> None:
    doc = read_bytes(_text_pdf([b"Page one", b"", b"Page three"]), "three.pdf")
    assert doc.pages == 3 and doc.text == "Page one\n\f\n\f\nPage three"
    first_blank = read_bytes(_text_pdf([b"", b"Page two"]), "two.pdf")
    assert first_blank.text == "\f\nPage two"
    position = first_blank.text.index("two")
    assert first_blank.text.count(PAGE_BREAK, 0, position) + 1 == 2


def _unreadable(data: bytes, name: str, **kwargs: int) -> str:
    with pytest.raises(UnreadableError) as info:
        read_bytes(data, name, **kwargs)
    message = str(info.value)
    assert name in message
    return message


def test_scanned_pdf() -> None:
    message = _unreadable(_pdf(IMAGE_PAGE), "scan.pdf")
    assert "扫描件（没有文字层）" in message and "OCR" in message


def test_encrypted_pdf() -> None:
    handler = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (b"ab" * 32, b"cd" * 32)
    trailer = b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (b"01" * 16, b"01" * 16)
    assert "加密" in _unreadable(_pdf([*IMAGE_PAGE, handler], trailer), "secret.pdf")


@pytest.mark.parametrize("fraction", [0.05, 0.6])
def test_truncated_pdf(fraction: float, reports) -> None:
    data = (reports / "huaian-shi-2024.pdf").read_bytes()
    assert "损坏" in _unreadable(data[: int(len(data) * fraction)], "cut.pdf")


def test_pdf_name_without_pdf_content() -> None:
    assert "不是有效的 PDF" in _unreadable("一些文字".encode(), "fake.pdf")


def test_legacy_doc() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    message = _unreadable(data, "old.doc")
    assert "旧版 Word（.doc）" in message and "另存为 .docx" in message


@pytest.mark.parametrize("data", [b"", b"  \r\n\t \n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(data)
    with pytest.raises(UnreadableError, match="内容为空"):
        read_file(path)


def test_empty_paste_and_empty_docx() -> None:
    with pytest.raises(UnreadableError, match="粘贴文本”内容为空"):
        read_text(" \u3000\n")
    out = io.BytesIO()
    docx.Document().save(out)
    assert "内容为空" in _unreadable(out.getvalue(), "blank.docx")


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes("年报".encode() * 400_000)
    with pytest.raises(UnreadableError, match=r"文件大小超过上限 1 MB（此文件 2\.3 MB）"):
        read_file(path, Limits(file_bytes=1024 * 1024))


def test_random_binary_and_image() -> None:
    noise = random.Random(7).randbytes(4096)
    assert "二进制" in _unreadable(noise, "blob.bin")
    assert "无法识别为文本" in _unreadable(bytes(range(1, 32)) * 50, "ctl.txt")
    assert "PNG 图片" in _unreadable(b"\x89PNG\r\n\x1a\n" + noise, "scan.png")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(UnreadableError, match="找不到文件"):
        read_file(tmp_path / "nope.pdf")
    with pytest.raises(UnreadableError, match="是文件夹"):
        read_file(tmp_path)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_that_is_not_docx() -> None:
    assert "ZIP 压缩包" in _unreadable(_zip({"a.txt": b"x"}), "reports.zip")
    assert "Excel" in _unreadable(_zip({"xl/workbook.xml": b"<x/>"}), "tables.docx")


def test_corrupt_docx() -> None:
    broken = _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"})
    assert "损坏" in _unreadable(broken, "broken.docx")
    assert "损坏" in _unreadable(_docx_bytes()[:2000], "cut.docx")
    assert "不是有效的 Word" in _unreadable("纯文本".encode(), "text.docx")


def test_markdown_pipe_tables_become_tab_rows(tmp_path):
    path = tmp_path / "draft.md"
    table = "| 信息内容 | 本年制发件数 |\n|---|:---:|\n| 规章 | 3 |\n| 行政规范性文件 |  |\n"
    path.write_text(f"# 标题\n\n{table}", encoding="utf-8")
    lines = read_file(path).text.split("\n")
    assert "信息内容\t本年制发件数" in lines
    assert "规章\t3" in lines and "行政规范性文件\t" in lines
    assert not any(set(line) <= set("|-: ") and line for line in lines)


def _broken_helper(*_args: object) -> list[str]:
    raise TypeError("a bug in our own code")


@pytest.mark.parametrize(
    ("helper", "path"),
    [("_pdf_rows", "huaian-shi-2024.pdf"), ("_table_lines", "pingtan-2024.html")],
)
def test_a_bug_in_our_reading_code_is_not_called_a_damaged_file(monkeypatch, helper: str, path: str, reports) -> None:
    monkeypatch.setattr(f"assistant.readers.{helper}", _broken_helper)
    with pytest.raises(TypeError, match="a bug in our own code"):
        read_file(reports / path)


def test_a_bug_while_reading_a_docx_is_not_called_a_damaged_file(monkeypatch) -> None:
    monkeypatch.setattr("assistant.readers._docx_rows", _broken_helper)
    with pytest.raises(TypeError, match="a bug in our own code"):
        read_bytes(_docx_bytes(), "tables.docx")


# ── limits: what a file may expand to ───────────────────────────────────────────────────────────


def _limit(data: bytes, name: str, limits: Limits) -> LimitError:
    with pytest.raises(LimitError) as info:
        read_bytes(data, name, limits)
    assert name in str(info.value) and "超过上限" in str(info.value)
    return info.value


def test_zip_bomb_docx_is_refused_by_its_declared_size_before_inflating() -> None:
    bomb = inflated_docx(25_000, chars=1000)  # 25 MB of document.xml in about 100 KB
    assert len(bomb) < 1024 * 1024
    error = _limit(bomb, "bomb.docx", Limits())
    assert error.limit == "zip_member_bytes" and "压缩包内单个部件解压后的大小超过上限 20 MB" in str(error)


def test_zip_total_and_member_count_limits(template_2021: Path) -> None:
    data = template_2021.read_bytes()
    assert _limit(data, "t.docx", Limits(zip_total_bytes=10_000)).limit == "zip_total_bytes"
    assert _limit(data, "t.docx", Limits(zip_members=3)).limit == "zip_members"
    assert read_bytes(data, "t.docx").reader == "docx"  # the real template is well within the defaults


def test_docx_cells_limit(template_2021: Path) -> None:
    error = _limit(template_2021.read_bytes(), "t.docx", Limits(cells=100))
    assert "表格单元格数超过上限 100 个" in str(error)


def test_deeply_nested_html_is_refused_before_the_tree_is_built() -> None:
    nested = b"<html><body>" + b"<div>" * 300 + "平潭".encode() + b"</div>" * 300 + b"</body></html>"
    assert "网页元素的嵌套层数超过上限 200 层" in str(_limit(nested, "deep.html", Limits()))
    shallow = b"<html><body>" + b"<div>" * 150 + "平潭".encode() + b"</div>" * 150 + b"</body></html>"
    assert read_bytes(shallow, "ok.html").text == "平潭"


def test_html_size_and_element_limits(reports) -> None:
    page = (reports / "pingtan-2024.html").read_bytes()
    assert _limit(page, "p.html", Limits(markup_chars=50_000)).limit == "markup_chars"
    assert _limit(page, "p.html", Limits(markup_elements=100)).limit == "markup_elements"


def test_pdf_pages_limit(reports) -> None:
    error = _limit((reports / "huaian-shi-2024.pdf").read_bytes(), "h.pdf", Limits(pages=2))
    assert "PDF 页数超过上限 2 页" in str(error)


def test_text_and_line_limits(reports) -> None:
    text = (reports / "pingtan-2022.txt").read_text(encoding="utf-8")
    assert _limit(text.encode(), "p.txt", Limits(text_chars=2000)).limit == "text_chars"
    long_line = text + "\n" + "很长的一行" * 20_000
    assert _limit(long_line.encode(), "long.txt", Limits()).limit == "line_chars"
    with pytest.raises(LimitError, match="全文字数超过上限 2000 字"):
        read_text(text, limits=Limits(text_chars=2000))
    assert read_text(text).text.startswith(text[:20])


def test_special_files_are_refused_without_opening_them(tmp_path: Path) -> None:
    with pytest.raises(UnreadableError, match="不是普通文件"):
        read_file("/dev/zero")
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableError, match="不是普通文件"):  # opening it would wait for a writer forever
        read_file(fifo)


def test_control_and_bidirectional_characters_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    body = "政府信息公开工作年度报告" * 5
    path.write_text(f"平潭\x07综合\u202e实验区\x0b2024\u2066年\x1b度\n表\t0\x1f\n{body}", encoding="utf-8")
    assert read_file(path).text == f"平潭综合实验区2024年度\n表\t0\n{body}"
    assert read_text("一、\u200f总体\x7f情况\x85").text == "一、总体情况"


def test_html_reading_keeps_library_warnings_quiet() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?><html><body><p>平潭综合实验区</p></body></html>'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_bytes(page.encode(), "x.html").text == "平潭综合实验区"
    assert not caught
