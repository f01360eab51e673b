"""A report beside last year's: every table figure with its change, the carry-over between the two, the sentences
copied from last year (and each section's share of copied text), and the topics last year's report covered that this
year's no longer mentions. The drafting gate's "照搬往年表述" check uses the same sentence comparison.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from .cells import Number, format_number
from .export import write_as
from .labels import SECTIONS, T3_CARRIED, T3_CARRY_NEXT, T3_COLUMNS
from .report import Report
from .tables import Location, grids, t3_cell
from .textnums import sentences, unwrap

COPY_THRESHOLD = 0.6  # share of a sentence's character 3-grams found in one of last year's sentences
COPY_MIN_CHARS = 20  # shorter sentences ("一是……") are formulaic and may repeat freely

# Areas a report's narrative commonly covers (重点领域 and working mechanisms); one that last year's report names
# and this year's does not is worth a look: was the work dropped, or only left out of the report?
TOPICS: tuple[str, ...] = (
    "政策解读", "新闻发布会", "在线访谈", "图解", "政策问答", "回应关切", "舆情",
    "财政预决算", "政府采购", "重大建设项目", "公共资源交易", "公共资源配置", "社会公益事业", "乡村振兴",
    "双随机", "行政执法", "权责清单", "规划", "规范性文件", "重大行政决策", "预公开", "意见征集", "听证",
    "政府网站", "政务新媒体", "政府公报", "政府信息公开专栏", "政务服务", "12345", "政府开放日",
    "培训", "考核", "社会评议", "责任追究", "第三方评估", "保密审查", "信息处理费", "基层政务公开", "标准化",
)  # fmt: skip


def _grams(text: str) -> set[str]:
    chars = "".join(text.split())
    return {chars[i : i + 3] for i in range(len(chars) - 2)}


def similarity(new: str, old: str) -> float:
    """Share of `new`'s character 3-grams that `old` contains, 0..1 (a sentence copied from part of a longer
    old one scores high, unlike with Jaccard)."""
    grams = _grams(new)
    return len(grams & _grams(old)) / len(grams) if grams else 0.0


@dataclass(frozen=True)
class Copied:
    sentence: str
    score: float
    old: str  # the most similar sentence of last year's report


def copied_sentences(text: str, old_text: str) -> list[Copied]:
    """The sentences of `text` (of at least COPY_MIN_CHARS) that last year's text already says, nearly word for word.

    Texts are compared sentence by sentence because crawled reports are one long paragraph."""
    before = [s for s in sentences(unwrap(old_text)) if len(s) >= COPY_MIN_CHARS]
    found = []
    for sentence in sentences(unwrap(text)):
        if len(sentence) < COPY_MIN_CHARS or not before:
            continue
        score, old = max((similarity(sentence, b), b) for b in before)
        if score >= COPY_THRESHOLD:
            found.append(Copied(sentence, round(score, 2), old))
    return found


@dataclass(frozen=True)
class FigureChange:
    where: Location
    old: Number | None
    new: Number | None

    @property
    def change(self) -> Number | None:
        """new − old; amounts (decimals) rounded to the cent, so float noise never shows."""
        if self.old is None or self.new is None:
            return None
        change = self.new - self.old
        return round(change, 2) if isinstance(change, float) else change

    @property
    def percent(self) -> float | None:
        return None if self.change is None or not self.old else round(self.change / self.old * 100, 1)


@dataclass(frozen=True)
class CarryOver:
    column: str
    last_year_carry_next: Number | None
    this_year_carried: Number | None

    @property
    def agrees(self) -> bool | None:
        known = None not in (self.last_year_carry_next, self.this_year_carried)
        return self.last_year_carry_next == self.this_year_carried if known else None


@dataclass(frozen=True)
class SectionCopy:
    heading: str
    copied: list[Copied]
    share: float  # of the section's characters, in copied sentences


@dataclass
class Comparison:
    old: str
    new: str
    figures: list[FigureChange] = field(default_factory=list)
    carryover: list[CarryOver] = field(default_factory=list)
    sections: list[SectionCopy] = field(default_factory=list)
    missing_topics: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[FigureChange]:
        return [f for f in self.figures if f.change]

    def to_json(self) -> dict:
        return {
            "old": self.old,
            "new": self.new,
            "figures": [
                {"where": f.where.model_dump(), "old": f.old, "new": f.new, "change": f.change, "percent": f.percent}
                for f in self.figures
            ],
            "carryover": [{**asdict(c), "agrees": c.agrees} for c in self.carryover],
            "sections": [
                {"heading": s.heading, "share": s.share, "copied": [asdict(c) for c in s.copied]} for s in self.sections
            ],
            "missing_topics": self.missing_topics,
        }


def compare(old: Report, new: Report) -> Comparison:
    """`new` beside `old` (last year's report of the same body)."""
    cells = [c.ref for grid in grids(new.template) for c in grid.value_cells if c.ref is not None]
    figures = [FigureChange(cell, old.cell(cell), new.cell(cell)) for cell in cells]
    carry = [
        CarryOver(column, old.cell(t3_cell(T3_CARRY_NEXT, i)), new.cell(t3_cell(T3_CARRIED, i)))
        for i, column in enumerate(T3_COLUMNS)
    ]
    sections = []
    for section in SECTIONS:
        text = new.sections.get(section.text, "")
        copied = copied_sentences(text, old.text)
        share = sum(len(c.sentence) for c in copied) / max(1, len("".join(text.split())))
        sections.append(SectionCopy(section.text, copied, round(min(share, 1.0), 2)))
    return Comparison(
        old=Path(old.source).name if old.source else old.title,
        new=Path(new.source).name if new.source else new.title,
        figures=[f for f in figures if f.old is not None or f.new is not None],
        carryover=carry,
        sections=sections,
        missing_topics=[t for t in TOPICS if t in old.text and t not in new.text],
    )


# ── output ──────────────────────────────────────────────────────────────────────────────────


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def _shown(comparison: Comparison) -> list[FigureChange]:
    """The figures a reader needs to see: those that changed or that one year left blank (JSON keeps all)."""
    return [f for f in comparison.figures if f.change != 0]


def _figure_rows(comparison: Comparison) -> list[list[str]]:
    return [
        [f.where.name(), format_number(f.old), format_number(f.new), format_number(f.change), _pct(f.percent)]
        for f in _shown(comparison)
    ]


FIGURE_HEAD = ("位置", "上年", "本年", "增减", "增减幅度")


def write_comparison(comparison: Comparison, path: str | Path) -> Path:
    """The comparison as a self-contained .html page or a .docx, by the file's suffix."""
    writers = {".html": _write_html, ".docx": _write_docx}
    return write_as(path, {s: partial(w, comparison) for s, w in writers.items()}, "对比结果 .html 或 .docx")


def update_hints(comparison: Comparison) -> list[str]:
    """What to update from last year's report: carry-overs that do not agree, topics no longer mentioned."""
    lines = [
        f"结转不一致：上年「结转下年度继续办理」{c.column} {format_number(c.last_year_carry_next)}，"
        f"本年「上年结转」为 {format_number(c.this_year_carried)}。"
        for c in comparison.carryover
        if c.agrees is False
    ]
    if comparison.missing_topics:
        lines.append(f"上年提到、本年未提到的工作：{'、'.join(comparison.missing_topics)}。")
    return lines


def summary_lines(comparison: Comparison) -> list[str]:
    """What an officer should look at first, in words (the CLI prints these)."""
    lines = [f"与上年相比有变化的数字 {len(comparison.changed)} 项（共比对 {len(comparison.figures)} 项）。"]
    lines += [
        f"{s.heading}：{len(s.copied)} 句与上年几乎相同（约占本部分 {s.share:.0%}）。"
        for s in comparison.sections
        if s.copied
    ]
    return lines + update_hints(comparison)


def comparison_html(comparison: Comparison) -> str:
    """The comparison as an HTML fragment (every text escaped): the points, the figures (changed ones shaded),
    the copied sentences (marked) beside last year's. The web app shows it; the .html page wraps it."""
    esc = html.escape
    rows = "".join(
        ("<tr class=changed>" if f.change else "<tr>") + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
        for f, row in zip(_shown(comparison), _figure_rows(comparison), strict=True)
    )
    head = "".join(f"<th>{h}</th>" for h in FIGURE_HEAD)
    sections = "".join(
        f"<h3>{esc(s.heading)}（照搬约 {s.share:.0%}）</h3><ul>"
        + "".join(f"<li><mark>{esc(c.sentence)}</mark><br><small>上年：{esc(c.old)}</small></li>" for c in s.copied)
        + "</ul>"
        for s in comparison.sections
        if s.copied
    )
    summary = "".join(f"<li>{esc(line)}</li>" for line in summary_lines(comparison))
    return (
        f'<div class="nb-compare"><p>上年：{esc(comparison.old)}<br>本年：{esc(comparison.new)}</p>'
        f"<h2>要点</h2><ul>{summary}</ul><h2>与上年几乎相同的句子</h2>{sections or '<p>无。</p>'}"
        f'<h2>有变化的统计表数字</h2><table class="nb-t"><tr>{head}</tr>{rows}</table></div>'
    )


def _write_html(comparison: Comparison, path: Path) -> None:
    page = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>与上年报告对比</title><style>'
        "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #bbb;padding:2px 6px}tr.changed td{background:#fff6d6}mark{background:#fde2e1}"
        f"</style></head><body><h1>与上年报告对比</h1>{comparison_html(comparison)}</body></html>"
    )
    path.write_text(page, encoding="utf-8")


def _write_docx(comparison: Comparison, path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading("与上年报告对比", level=1)
    doc.add_paragraph(f"上年：{comparison.old}\n本年：{comparison.new}")
    doc.add_heading("要点", level=2)
    for line in summary_lines(comparison):
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("有变化的统计表数字", level=2)
    table = doc.add_table(rows=1, cols=len(FIGURE_HEAD))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, FIGURE_HEAD, strict=True):
        cell.text = text
    for row in _figure_rows(comparison):
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    doc.add_heading("与上年几乎相同的句子", level=2)
    for s in comparison.sections:
        for c in s.copied:
            doc.add_paragraph(f"{s.heading}：{c.sentence}（相似度 {c.score:.0%}）", style="List Bullet")
    doc.save(str(path))
