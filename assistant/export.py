"""Export a report as Markdown or as a .docx laid out as a 公文 (GB/T 9704-2012).

The tables are drawn from `tables.grids`, the official layout (merged cells and column widths of the 2021
template .docx) that the spreadsheet and the web app draw as well.

Fonts: each run names the official Chinese font in `w:rFonts w:eastAsia` and Times New Roman (present on
every system, the usual choice for digits and Latin text in 公文) in ascii/hAnsi. Machines without the
official fonts (仿宋_GB2312 and 楷体_GB2312 are missing from current Windows, 方正小标宋简体 is a commercial
font) fall back through the document's font table: each official font declares a GB2312 charset and an
`w:altName`, the English name of the font that ships with Windows and macOS (仿宋 → FangSong,
楷体 → KaiTi, 黑体 → SimHei, 宋体 → SimSun for the title).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .cells import format_number
from .checks.names import described
from .errors import ExportError
from .labels import FINDINGS_HEADING, SECTIONS, T3_COLUMNS, T3_HEADER_RULE, T4_COLUMNS, TABLE2
from .report import SEVERITY_ZH, Finding, Report
from .tables import Grid, grids, t2_cell, t4_cell

# ── shared text pieces ──────────────────────────────────────────────────────────────────────


def report_title(report: Report) -> str:
    if report.title:
        return report.title
    year = f"{report.year}年" if report.year else ""
    return f"{report.org}{year}政府信息公开工作年度报告"


def _status_notice(status: str) -> str:
    return f"【{status}】本稿为草稿，存在未解决的问题（见文末清单），修改并通过校验前不得作为正式文本发布。"


def _finding_line(f: Finding) -> str:
    """A finding for readers of the document, in words (the code is for programs): its message names the place."""
    return f"{SEVERITY_ZH[f.severity]} {described(f.rule, f.message)}"


def _sections(report: Report) -> list[tuple[int, str, list[str]]]:
    """The six sections in order under their official headings (printed variants are not carried over)."""
    return [
        (i, label.text, [p.strip() for p in report.sections.get(label.text, "").splitlines() if p.strip()])
        for i, label in enumerate(SECTIONS)
    ]


TABLE_AFTER_SECTION = {1: 0, 2: 1, 3: 2}  # section index -> index into grids()

# ── Markdown ────────────────────────────────────────────────────────────────────────────────


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _md_table(header: list[str], body: list[list[str]]) -> list[str]:
    return [_md_row(header), _md_row(["---"] * len(header)), *(_md_row(r) for r in body), ""]


def _md_grid_rows(grid: Grid, report: Report, first_row: int) -> list[list[str]]:
    """Grid rows from `first_row` on, each merged cell printed once in its top-left position."""
    rows = [[""] * grid.cols for _ in range(grid.rows)]
    for c in grid.cells:
        rows[c.row][c.col] = format_number(report.cell(c.ref)) if c.ref else c.text
    return rows[first_row:]


def _md_table2(report: Report) -> list[str]:
    out: list[str] = []
    for item in TABLE2[report.template]:
        body = [
            [row.text, *(format_number(report.cell(t2_cell(row.text, name))) for name in item.columns)]
            for row in item.rows
        ]
        out += [f"**{item.heading}**", "", *_md_table(["信息内容", *item.columns], body)]
    return out


def _md_tables(report: Report) -> list[list[str]]:
    t3 = grids(report.template)[1]
    t4_values = [format_number(report.cell(t4_cell(i))) for i in range(len(T4_COLUMNS))]
    return [
        _md_table2(report),
        _md_table([T3_HEADER_RULE, "", "", *T3_COLUMNS], _md_grid_rows(t3, report, first_row=3)),
        _md_table(list(T4_COLUMNS), [t4_values]),
    ]


def to_markdown(report: Report, findings: list[Finding] | None = None, status: str | None = None) -> str:
    """The report as Markdown: title, the six sections with 表二/表三/表四 in place, then the findings."""
    lines = [f"# {report_title(report)}", ""]
    if status:
        lines += [f"> **{_status_notice(status)}**", ""]
    tables = _md_tables(report)
    for i, heading, paragraphs in _sections(report):
        lines += [f"## {heading}", ""]
        for p in paragraphs:
            lines += [p, ""]
        if i in TABLE_AFTER_SECTION:
            lines += tables[TABLE_AFTER_SECTION[i]]
    if findings:
        lines += [f"## {FINDINGS_HEADING}", "", *(f"- {_finding_line(f)}" for f in findings), ""]
    return "\n".join(lines)


# ── .docx (GB/T 9704) ───────────────────────────────────────────────────────────────────────

FONT_TITLE, FONT_BODY, FONT_H1, FONT_H2, FONT_PAGE = (
    "方正小标宋简体",
    "仿宋_GB2312",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
LATIN_FONT = "Times New Roman"
# official font -> the name of the installed font a viewer should use when it is missing
FONT_FALLBACKS = {
    FONT_TITLE: "SimSun",
    FONT_BODY: "FangSong",
    FONT_H1: "SimHei",
    FONT_H2: "KaiTi",
    FONT_PAGE: "SimSun",
}
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22.0, 16.0, 14.0, 10.5  # 号 -> pt
LINE_PITCH = 28.0  # fixed line spacing, pt
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TABLE_FONT_SIZE = {"table2": SIZE_4, "table3": SIZE_5, "table4": SIZE_5}
RED = "C00000"
BLACK = "000000"
HEADING_STYLES = ("Heading 1", "Heading 2")  # 一、… and （一）… in the navigation pane of Word and WPS

_H2 = re.compile(r"^（[一二三四五六七八九十]+）")


def write_as(path: str | Path, writers: dict[str, Callable[[Path], None]], kinds: str) -> Path:
    """Write a file with the writer its suffix picks; a wrong suffix or an unwritable path is an ExportError."""
    path = Path(path)
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise ExportError(f"只能写成 {kinds}：{path.name}")
    try:
        writer(path)
    except OSError as exc:
        raise ExportError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
    return path


class _DocxWriter:
    """Builds one 公文 document; python-docx is imported here so Markdown export stays light."""

    def __init__(self) -> None:
        import docx
        from docx.shared import Mm

        self.doc = docx.Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        self._register_fallbacks()
        self._page_numbers()

    # fonts ──────────────────────────────────────────────────────────────────────────────
    def _register_fallbacks(self) -> None:
        """Declare each official font in word/fontTable.xml with an installed alternative (module doc)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml.ns import qn
        from lxml import etree

        part = self.doc.part.part_related_by(RT.FONT_TABLE)
        root = etree.fromstring(part.blob)
        for name, alt in FONT_FALLBACKS.items():
            font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
            etree.SubElement(font, qn("w:altName"), {qn("w:val"): alt})
            etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
            etree.SubElement(font, qn("w:family"), {qn("w:val"): "modern" if name == FONT_H1 else "roman"})
        # a plain Part keeps its bytes in _blob; python-docx offers no XML view of the font table
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    @staticmethod
    def style_run(run, east_asia: str, size: float, bold: bool = False, color: str | None = None) -> None:
        from docx.oxml.ns import qn
        from docx.shared import Pt, RGBColor

        run.font.name = LATIN_FONT if east_asia != FONT_PAGE else FONT_PAGE
        run.font.size = Pt(size)
        run.font.bold = bold
        if color:
            run.font.color.rgb = RGBColor.from_string(color)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)

    # paragraphs ─────────────────────────────────────────────────────────────────────────
    def paragraph(
        self,
        pieces: list[tuple[str, str]],
        size: float = SIZE_3,
        center: bool = False,
        indent: bool = True,
        color: str | None = None,
        container=None,
        style: str | None = None,
        right_indent: float | None = None,
    ):
        """A paragraph of (text, east-Asian font) pieces at fixed 28 pt line spacing; `style` names a Word
        style (a heading's, so Word and WPS list it in the navigation pane)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        p = (container or self.doc).add_paragraph(style=style)
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PITCH)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.first_line_indent = Pt(2 * size) if indent else Pt(0)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if right_indent is not None:  # right-aligned, ending `right_indent` points in from the margin
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = Pt(right_indent)
        for text, font in pieces:
            # a heading style brings its own colour and bold: the 公文 look is set on the run
            self.style_run(p.add_run(text), font, size, color=color or (BLACK if style else None))
        return p

    def body_paragraph(self, text: str) -> None:
        """Body text; a （一）… second-level heading is 楷体, whole or run-in up to its first 。."""
        m = _H2.match(text)
        if not m:
            self.paragraph([(text, FONT_BODY)])
            return
        end = text.find("。")
        if end == -1:
            self.paragraph([(text, FONT_H2)], style=HEADING_STYLES[1])
        else:
            rest = text[end + 1 :]
            self.paragraph([(text[: end + 1], FONT_H2), *([(rest, FONT_BODY)] if rest else [])])

    def _page_numbers(self) -> None:
        """ "— 1 —" in 4号 宋体: odd pages right, even pages left, one character in (GB/T 9704 7.5)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            p = footer.paragraphs[0]
            p.alignment = align
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = Pt(SIZE_4)
            else:
                p.paragraph_format.left_indent = Pt(SIZE_4)
            self.style_run(p.add_run("— "), FONT_PAGE, SIZE_4)
            for kind, text in (
                ("begin", None),
                (None, " PAGE "),
                ("separate", None),
                (None, "1"),
                ("end", None),
            ):
                run = p.add_run()
                self.style_run(run, FONT_PAGE, SIZE_4)
                if kind:
                    fld = OxmlElement("w:fldChar")
                    fld.set(qn("w:fldCharType"), kind)
                    run._element.append(fld)
                elif text == " PAGE ":
                    instr = OxmlElement("w:instrText")
                    instr.set(qn("xml:space"), "preserve")
                    instr.text = text
                    run._element.append(instr)
                else:
                    run.text = text
            self.style_run(p.add_run(" —"), FONT_PAGE, SIZE_4)

    # tables ─────────────────────────────────────────────────────────────────────────────
    def table(self, grid: Grid, report: Report) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Mm, Pt

        table = self.doc.add_table(rows=grid.rows, cols=grid.cols)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for col, width in zip(table.columns, grid.widths_mm, strict=True):
            col.width = Mm(width)  # the table grid: LibreOffice and WPS lay columns out by it
            for cell in col.cells:
                cell.width = Mm(width)  # each cell's own width: Word lays columns out by these
        size = TABLE_FONT_SIZE[grid.name]
        # looked up once before merging (table.cell() rescans the whole table on every call); merged
        # regions are disjoint, so each region's corner cells stay valid while the others are merged
        unmerged = [row.cells for row in table.rows]
        for c in grid.cells:
            cell = unmerged[c.row][c.col]
            if c.rowspan > 1 or c.colspan > 1:
                cell = cell.merge(unmerged[c.row + c.rowspan - 1][c.col + c.colspan - 1])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
            text = format_number(report.cell(c.ref)) if c.ref else c.text
            if text:
                self.style_run(p.add_run(text), FONT_BODY, size, bold=c.header)

    def save(self, path: Path) -> Path:
        try:
            self.doc.save(str(path))
        except OSError as exc:
            raise ExportError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc
        return path


def signature(report: Report, day: date | None = None) -> list[str]:
    """The 落款 under the text: the issuing body and the date (成文日期, today unless given), as GB/T 9704 7.3.5
    places them; none without a body."""
    day = day or date.today()
    return [report.org, f"{day.year}年{day.month}月{day.day}日"] if report.org else []


def to_docx(
    report: Report,
    path: str | Path,
    findings: list[Finding] | None = None,
    status: str | None = None,
    day: date | None = None,
) -> Path:
    """Write the report as a GB/T 9704 .docx, signed (落款) with the body and `day`; a `status` such as "未通过校验"
    adds a red notice on top."""
    w = _DocxWriter()
    if status:
        w.paragraph([(_status_notice(status), FONT_H1)], indent=False, color=RED)
    w.paragraph([(report_title(report), FONT_TITLE)], size=SIZE_2, center=True, indent=False)
    w.paragraph([("", FONT_BODY)])  # one blank line between title and body
    tables = grids(report.template)
    for i, heading, paragraphs in _sections(report):
        w.paragraph([(heading, FONT_H1)], style=HEADING_STYLES[0])
        for text in paragraphs:
            w.body_paragraph(text)
        if i in TABLE_AFTER_SECTION:
            w.table(tables[TABLE_AFTER_SECTION[i]], report)
    if lines := signature(report, day):
        w.paragraph([("", FONT_BODY)])
        for line in lines:  # right-aligned, four characters in from the margin
            w.paragraph([(line, FONT_BODY)], indent=False, right_indent=4 * SIZE_3)
    if findings:
        w.paragraph([(FINDINGS_HEADING, FONT_H1)])
        for n, f in enumerate(findings, 1):
            w.paragraph([(f"{n}. {_finding_line(f)}", FONT_BODY)], color=RED if f.severity == "error" else None)
    return w.save(Path(path))
