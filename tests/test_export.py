"""Export: GB/T 9704 layout read back with python-docx, official merged cells, Markdown, round trip."""

from collections.abc import Callable
from functools import cache
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.export import ExportError, to_docx, to_markdown
from assistant.labels import SECTIONS, T3_COLUMNS, T3_HEADER_RULE, TABLE2
from assistant.parser import parse_file
from assistant.readers import read_file
from assistant.report import Finding, Report

NARRATIVE = [s.text for s in SECTIONS if s.text[0] in "一五六"]
TABLE_SECTIONS = [s.text for s in SECTIONS if s.text[0] in "二三四"]


@pytest.fixture(scope="session")
def parsed(reports: Path) -> Callable[[str], Report]:
    """parsed(name): each real report is parsed once per test run (the PDF takes seconds)."""
    return cache(lambda name: parse_file(reports / name))


@pytest.fixture
def huaian(parsed) -> Report:
    return parsed("huaian-shi-2024.pdf")


@pytest.fixture
def pingtan_2019(parsed) -> Report:
    return parsed("pingtan-2019.txt")


def drafted(report: Report) -> Report:
    """A report as the drafting step makes it: narrative sections, a one-line intro above each table."""
    sections = {h: report.sections[h] for h in NARRATIVE}
    sections |= {h: f"本年度{h[2:]}如下表。" for h in TABLE_SECTIONS}
    return report.model_copy(update={"sections": sections, "printed_headings": {}})


def spans(table) -> list[list[tuple[str, int, str]]]:
    """Per row: (text, gridSpan, vMerge) of each w:tc, as in the template .docx."""
    out = []
    for tr in table._tbl.tr_lst:
        row = []
        for tc in tr.tc_lst:
            pr = tc.tcPr
            span = pr.find(qn("w:gridSpan")) if pr is not None else None
            vm = pr.find(qn("w:vMerge")) if pr is not None else None
            text = "".join(t.text or "" for t in tc.iter(qn("w:t"))).replace("\u3000", "")
            merge = (vm.get(qn("w:val")) or "continue") if vm is not None else ""
            row.append((text, int(span.get(qn("w:val"))) if span is not None else 1, merge))
        out.append(row)
    return out


def labels_only(grid: list[list[tuple[str, int, str]]]) -> list[list[tuple[str, int, str]]]:
    return [[(t if not t.replace(".", "").isdigit() else "", s, m) for t, s, m in row] for row in grid]


@pytest.fixture(scope="module")
def huaian_docx(tmp_path_factory, parsed) -> Path:
    huaian = parsed("huaian-shi-2024.pdf")
    findings = [Finding(rule="T3-BALANCE", severity="error", message="表三「自然人」列不平衡", where="表三")]
    path = tmp_path_factory.mktemp("docx") / "huaian.docx"
    return to_docx(drafted(huaian), path, findings=findings, status="未通过校验")


def test_page_layout_is_gbt9704(huaian_docx: Path) -> None:
    section = docx.Document(str(huaian_docx)).sections[0]
    measured = (section.page_width, section.page_height, section.top_margin, section.bottom_margin)
    measured += (section.left_margin, section.right_margin)
    expected = (210, 297, 37, 35, 28, 26)
    assert [round(length.mm, 1) for length in measured] == pytest.approx(expected, abs=0.1)  # twips rounding


def _east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_fonts_sizes_and_line_spacing(huaian_docx: Path, huaian: Report) -> None:
    doc = docx.Document(str(huaian_docx))
    paras = {p.text: p for p in doc.paragraphs if p.text}
    title = paras[huaian.title]
    assert title.alignment == 1  # centred
    assert [(_east_asia(r), r.font.size) for r in title.runs] == [("方正小标宋简体", Pt(22))]
    heading = paras["一、总体情况"]
    assert [(_east_asia(r), r.font.size) for r in heading.runs] == [("黑体", Pt(16))]
    first_line = huaian.sections["一、总体情况"].splitlines()[0].strip()
    body = paras[first_line]
    assert {(_east_asia(r), r.font.size, r.font.name) for r in body.runs} == {
        ("仿宋_GB2312", Pt(16), "Times New Roman")
    }
    assert body.paragraph_format.first_line_indent == Pt(32)
    for p in (title, heading, body):
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert p.paragraph_format.line_spacing == Pt(28)


def test_second_level_heading_is_kaiti(tmp_path: Path) -> None:
    text = "（一）主动公开。本年度主动公开信息1200条。\n（二）依申请公开\n1.办理情况。共受理3件。"
    report = Report(org="某县人民政府", year=2023, sections={"一、总体情况": text})
    doc = docx.Document(str(to_docx(report, tmp_path / "a.docx")))
    runs = {r.text: _east_asia(r) for p in doc.paragraphs for r in p.runs if r.text}
    assert runs["（一）主动公开。"] == "楷体_GB2312"
    assert runs["本年度主动公开信息1200条。"] == "仿宋_GB2312"
    assert runs["（二）依申请公开"] == "楷体_GB2312"
    assert runs["1.办理情况。共受理3件。"] == "仿宋_GB2312"
    assert doc.paragraphs[0].text == "某县人民政府2023年政府信息公开工作年度报告"


def test_font_fallbacks_and_page_number_field(huaian_docx: Path) -> None:
    doc = docx.Document(str(huaian_docx))
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    fonts = doc.part.part_related_by(RT.FONT_TABLE).blob.decode("utf-8")
    for name, alt in (("仿宋_GB2312", "FangSong"), ("黑体", "SimHei"), ("楷体_GB2312", "KaiTi")):
        assert f'w:name="{name}"><w:altName w:val="{alt}"/>' in fonts
    section = doc.sections[0]
    for footer in (section.footer, section.even_page_footer):
        xml = footer.paragraphs[0]._p.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml and 'fldCharType="begin"' in xml
    assert doc.settings.odd_and_even_pages_header_footer


def test_status_notice_red_on_top_and_findings_at_end(huaian_docx: Path) -> None:
    doc = docx.Document(str(huaian_docx))
    first = doc.paragraphs[0]
    assert first.text.startswith("【未通过校验】")
    assert str(first.runs[0].font.color.rgb) == "C00000"
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[-2] == "附：校验发现的问题"
    assert texts[-1] == "1. 错误 表三勾稽关系不成立：表三「自然人」列不平衡"  # the rule in words, not its code


def test_tables_mirror_official_template_2021(huaian_docx: Path, template_2021: Path) -> None:
    ours = docx.Document(str(huaian_docx)).tables
    official = docx.Document(str(template_2021)).tables
    assert len(ours) == 3
    for mine, theirs in zip(ours, official, strict=True):
        assert labels_only(spans(mine)) == labels_only(spans(theirs))


def test_table3_values_and_blank_cells(huaian_docx: Path, huaian: Report, tmp_path: Path) -> None:
    grid = spans(docx.Document(str(huaian_docx)).tables[1])
    new_row = grid[3]
    assert new_row[0][:2] == ("一、本年新收政府信息公开申请数量", 3)
    assert [int(t) for t, _, _ in new_row[1:]] == huaian.table3["一、本年新收政府信息公开申请数量"]
    blank = Report(template="2021")
    blank_grid = spans(docx.Document(str(to_docx(blank, tmp_path / "b.docx"))).tables[1])
    assert all(t == "" for row in blank_grid[3:] for t, _, _ in row[-7:])


def test_2019_template_tables(pingtan_2019: Report, tmp_path: Path) -> None:
    tables = docx.Document(str(to_docx(pingtan_2019, tmp_path / "p.docx"))).tables
    t2 = spans(tables[0])
    assert t2[1] == [
        ("信息内容", 1, ""),
        ("本年新制作数量", 1, ""),
        ("本年新公开数量", 1, ""),
        ("对外公开总数量", 1, ""),
    ]
    assert t2[-2] == [("信息内容", 1, ""), ("采购项目数量", 1, ""), ("采购总金额", 2, "")]
    t3 = spans(tables[1])
    assert len(t3) == 3 + 23
    assert t3[5][0] == ("三、本年度办理结果", 1, "restart")
    assert sum(1 for row in t3 if row[0] == ("", 1, "continue")) == 20 - 1  # rowspan 20 in 2019
    other = next(row for row in t3 if row[1][0] == "（六）其他处理")
    assert other[1][1] == 2 and other[1][2] == ""  # one row spanning the two label columns


def test_markdown(huaian: Report) -> None:
    findings = [
        Finding(rule="X-CHANGE", severity="warning", message="某处有疑问"),
        Finding(rule="S-PLACEHOLDER", severity="error", message=f"「{SECTIONS[5].text}」仍有待补充的占位语句：（略）"),
    ]
    md = to_markdown(huaian, findings=findings)
    lines = md.splitlines()
    assert lines[0] == f"# {huaian.title}"
    positions = [lines.index(f"## {s.text}") for s in SECTIONS]
    assert positions == sorted(positions)
    header = "| " + " | ".join([T3_HEADER_RULE, "", "", *T3_COLUMNS]) + " |"
    assert header in lines
    row = next(line for line in lines if line.startswith("| 一、本年新收"))
    assert row.split(" | ")[3:] == [*map(str, huaian.table3["一、本年新收政府信息公开申请数量"][:-1]), "3119 |"]
    for item in TABLE2["2021"]:
        assert f"**{item.heading}**" in lines
    assert "| 行政事业性收费 | 96171.6 |" in lines
    # each rule in words, said once
    assert md.rstrip().splitlines()[-2:] == [
        "- 警告 正文同比变化与上年报告不一致：某处有疑问",
        "- 错误 「六、其他需要报告的事项」仍有待补充的占位语句：（略）",
    ]
    assert "未通过校验" not in md


def test_markdown_blank_is_empty_and_status(tmp_path: Path) -> None:
    report = Report(org="某局", year=2022, table3={"二、上年结转政府信息公开申请数量": [0, None, 0, 0, 0, 0, 0]})
    md = to_markdown(report, status="未通过校验")
    assert "| 二、上年结转政府信息公开申请数量 |  |  | 0 |  | 0 | 0 | 0 | 0 | 0 |" in md
    assert "| 一、本年新收政府信息公开申请数量 |  |  |  |  |  |  |  |  |  |" in md
    assert md.splitlines()[2].startswith("> **【未通过校验】")


def test_unwritable_path_raises_export_error(huaian: Report, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="无法写入文件"):
        to_docx(huaian, tmp_path / "missing-dir" / "x.docx")


@pytest.mark.parametrize("name", ["huaian-shi-2024.pdf", "pingtan-2019.txt", "pingtan-2022.txt"])
def test_round_trip_docx(name: str, tmp_path: Path, parsed) -> None:
    original = drafted(parsed(name))
    path = to_docx(original, tmp_path / "out.docx")
    assert read_file(path).reader == "docx"
    back = parse_file(path)
    assert (back.org, back.year, back.template) == (original.org, original.year, original.template)
    assert back.table2 == original.table2
    assert back.table3 == original.table3
    assert back.table4 == original.table4
    for heading in NARRATIVE:
        assert back.sections[heading] == original.sections[heading]
    for heading in TABLE_SECTIONS:  # the parser keeps the table's text in its section, after our intro
        assert back.sections[heading].startswith(original.sections[heading])


def test_table_grid_carries_the_column_widths(tmp_path, reports):
    # LibreOffice and WPS lay columns out by the table grid, Word by the cells: both must be set
    import docx
    from docx.oxml.ns import qn

    from assistant.export import to_docx
    from assistant.parser import parse_file
    from assistant.tables import grids

    path = to_docx(parse_file(reports / "pingtan-2024.txt"), tmp_path / "r.docx")
    tables = docx.Document(str(path)).tables
    for table, official in zip(tables, grids("2021"), strict=True):
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert grid == [pytest.approx(mm * 1440 / 25.4, abs=1) for mm in official.widths_mm]
