"""往年报告问答: answers with their sources, the cited passage in full, and a figure charted across years.

Answers and passages come from the corpus, which any user can add to, so they are rendered as text: an
answer through `md_html` (raw HTML stays text, no images or links), a passage escaped with its quote marked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..labels import T3_CARRIED, T3_CARRY_NEXT, T3_NEW, T3_TOTAL, T3_TOTAL_COLUMN, T4_GROUP_TOTALS
from ..tables import Location, t3_cell, t4_cell
from .chat import answer_markdown
from .common import Tab, clean, esc, md_html, on

_T4_TOTALS = dict(zip(("行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"), T4_GROUP_TOTALS, strict=True))
METRICS: dict[str, Location] = {
    "本年新收申请数（总计）": t3_cell(T3_NEW, T3_TOTAL_COLUMN),
    "上年结转申请数（总计）": t3_cell(T3_CARRIED, T3_TOTAL_COLUMN),
    "予以公开（总计）": t3_cell("（一）予以公开", T3_TOTAL_COLUMN),
    "办理结果总计": t3_cell(T3_TOTAL, T3_TOTAL_COLUMN),
    "结转下年度继续办理（总计）": t3_cell(T3_CARRY_NEXT, T3_TOTAL_COLUMN),
    **{f"{name}（总计）": t4_cell(col) for name, col in _T4_TOTALS.items()},
}
MAX_TICKS = 8  # on the chart's count axis
YEAR_WIDTH = 56  # pixels per year on the chart: seven years fit a phone
# the source's own Markdown: bold/underline pairs and heading marks (a .md report, a draft read back)
_SOURCE_MARKS = re.compile(r"\*\*|__|^[ \t]{0,3}#{1,6}[ \t]*", re.MULTILINE)


def passage_html(text: str, quote: str) -> str:
    """A source passage as escaped text without its Markdown marks, the quote highlighted."""
    plain, wanted = esc(_SOURCE_MARKS.sub("", text)), esc(_SOURCE_MARKS.sub("", quote))
    marked = plain.replace(wanted, f"<mark>{wanted}</mark>", 1) if wanted.strip() else plain
    return clean("".join(f"<p>{line}</p>" for line in marked.splitlines() if line.strip()))


def cite_label(i: int, cite: dict) -> str:
    page = f" 第{cite['page']}页" if cite.get("page") else ""
    return f"{i}. {cite['org']} {cite['year']}年 · {cite['section']}{page}"


def year_bars(frame: pd.DataFrame) -> Any:
    """Counts by year as bars with their value on top, on an axis of whole numbers from 0.

    Altair through gr.Plot rather than gr.BarPlot: a single year must be a visible mark (a line of one
    point is nothing), and gr.BarPlot can set no tick count (changing its y_lim along with its data draws
    the new data on the old axis). Vega's tickMinStep alone still ticks 0, 0.5, 1… under a count of 2;
    a suggested tick count no larger than the top count keeps the step at 1 or more."""
    import altair as alt

    ticks = min(max(int(frame["数量"].max()), 1), MAX_TICKS)
    axis = alt.Axis(format="d", tickMinStep=1, tickCount=ticks)
    base = alt.Chart(frame).encode(
        x=alt.X("年度:N", sort="ascending", title="年度", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("数量:Q", title="数量", axis=axis, scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("年度:N"), alt.Tooltip("数量:Q", format="d")],
    )
    bars = base.mark_bar(size=40)
    labels = base.mark_text(baseline="bottom", dy=-4).encode(text=alt.Text("数量:Q", format="d"))
    # a width per year, not "container": the chart is drawn while its tab may be hidden, and a container width
    # measured then stays 0 (the chart showed as a 13-pixel square)
    return (bars + labels).properties(width=alt.Step(YEAR_WIDTH), height=260)


class AskTab(Tab):
    def build(self) -> None:
        with gr.Tab("往年报告问答", id="ask"):
            self.question = gr.Textbox(
                label="问题", placeholder="例如：平潭综合实验区2023年收到多少件政府信息公开申请？", elem_id="ask-q"
            )
            self.go = gr.Button("提问", variant="primary", elem_id="ask-go")
            self.answer = gr.HTML(elem_id="ask-answer")
            self.table = gr.Dataframe(visible=False, interactive=False, label="数据", elem_classes="nb-scroll")
            self.cite = gr.Dropdown(label="引用（选择后查看原文）", choices=[], elem_id="ask-cite")
            self.cites = gr.State([])
            with gr.Accordion("引文原文", open=True):
                self.passage = gr.HTML(elem_id="ask-passage")
            gr.Markdown("#### 历年数据")
            with gr.Row():
                self.org = gr.Dropdown(label="机关", choices=[], elem_id="chart-org")
                self.metric = gr.Dropdown(label="指标", choices=list(METRICS), value=next(iter(METRICS)))
            self.chart = gr.Plot(label="历年变化", elem_id="chart")

    def wire(self) -> None:
        svc = self.page.svc
        outputs = [self.answer, self.table, self.cite, self.cites, self.passage, self.org]
        on(svc, [self.go.click, self.question.submit], self.ask, [self.question], outputs)
        on(svc, [self.cite.change], self.show_citation, [self.cite, self.cites], [self.passage])
        on(svc, [self.org.change, self.metric.change], self.draw, [self.org, self.metric], [self.chart])

    def ask(self, question: str) -> tuple:
        """The answer, its table, its citations with the first one's passage, and the chart's org box set
        to the org the answer cites when it cites only one (otherwise left as it is)."""
        svc = self.page.svc
        answer = svc.ask(question or "")
        cites = [vars(c) for c in answer.citations]
        labels = [cite_label(i, c) for i, c in enumerate(cites, 1)]
        table = pd.DataFrame(answer.table[1:], columns=answer.table[0]) if answer.table else None
        first = labels[0] if labels else None
        orgs = {c.org for c in answer.citations}
        chart_org = gr.Dropdown(choices=svc.corpus().orgs(), value=orgs.pop()) if len(orgs) == 1 else gr.skip()
        return (
            md_html(answer_markdown(answer)),
            gr.Dataframe(value=table, visible=table is not None),
            gr.Dropdown(choices=labels, value=first),
            cites,
            self.show_citation(first, cites),
            chart_org,
        )

    def show_citation(self, label: str | None, cites: list[dict]) -> str:
        """The cited passage in full: the indexed chunk that holds the quote, else the quote itself."""
        if not label or not cites:
            return ""
        cite = cites[int(label.split(".", 1)[0]) - 1]
        passage = passage_html(cite["quote"], cite["quote"])
        for chunk in self.page.svc.corpus().search(cite["quote"], k=3, org=cite["org"], year=cite["year"]):
            if cite["quote"][:30] in chunk.text:
                passage = passage_html(chunk.text, cite["quote"])
                break
        where = f"{cite['org']} {cite['year']}年 · {cite['section']}"
        head = f"<p><b>{esc(where)}</b>（{esc(Path(cite['source']).name)}）</p>"
        return clean(head) + passage

    def draw(self, org: str | None, metric: str | None) -> Any:
        """The figure across years as an Altair bar chart (None when there is nothing to draw)."""
        frame = self.chart_frame(org, metric)
        return year_bars(frame) if len(frame) else None

    def chart_frame(self, org: str | None, metric: str | None) -> pd.DataFrame:
        """One table figure of an org across the indexed years: years as labels, counts as integers."""
        empty = pd.DataFrame({"年度": pd.Series(dtype=str), "数量": pd.Series(dtype=int)})
        if not org or metric not in METRICS:
            return empty
        corpus = self.page.svc.corpus()
        points = []
        for year in corpus.years(org):
            report = corpus.get_report(org, year)
            if report is None:
                continue
            value = report.cell(METRICS[metric])
            if value is not None:
                points.append({"年度": str(year), "数量": int(value) if float(value).is_integer() else value})
        return pd.DataFrame(points) if points else empty

    def chart_choices(self) -> Any:
        """Orgs to chart; the one with the most indexed years is shown first."""
        corpus = self.page.svc.corpus()
        orgs = corpus.orgs()
        best = max(orgs, key=lambda org: len(corpus.years(org)), default=None)
        return gr.Dropdown(choices=orgs, value=best)
