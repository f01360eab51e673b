"""校验报告: a finished report (edited in WPS or Word, or published) checked in the browser, with last year's
report given or found in the corpus; each section's text beside its findings, the sentences a finding
quotes or counts highlighted, and the tables in their official layout with the failing cells marked."""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from ..errors import InputError
from ..labels import SECTIONS
from ..report import Finding, Report
from ..service import section_findings
from .common import (
    Tab,
    clean,
    esc,
    findings_html,
    on,
    path_of,
    plain,
    render_html,
    severity_class,
    upload_name,
    verdict_html,
)
from .upload import REPORT_TYPES, refuse_old_format

_TABLE_OF = dict(zip(SECTIONS[1:4], ("table2", "table3", "table4"), strict=True))  # the section each table closes
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_QUOTED = re.compile(r"[“「]([^”」]{2,40})[”」]")


def _about(sentence: str, f: Finding) -> bool:
    """Whether a finding speaks of a sentence: it quotes part of it, or names a figure the sentence states."""
    if any(q in sentence for q in _QUOTED.findall(f.message)):
        return True
    stated = set(_NUMBER.findall(sentence))
    return bool(stated & set(_NUMBER.findall(f.message)) - {"2019", "2020", "2021", "2022", "2023", "2024", "2025"})


def marked_text(text: str, findings: list[Finding]) -> str:
    """A section's text as escaped paragraphs, each sentence a finding speaks of in <mark> with its message."""
    paragraphs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = []
        for sentence in _SENTENCE.findall(line):
            hit = [f for f in findings if _about(sentence, f)]
            if hit:
                tip = esc("；".join(f.message for f in hit))
                parts.append(f'<mark class="{severity_class(hit)}" title="{tip}">{esc(sentence)}</mark>')
            else:
                parts.append(esc(sentence))
        paragraphs.append(f"<p>{''.join(parts)}</p>")
    return "".join(paragraphs)


def review_html(report: Report, findings: list[Finding]) -> str:
    """Each section's text with its findings beside it, then the tables with theirs."""
    rows = []
    for label in SECTIONS:
        mine = section_findings(findings, label.text)
        text = report.sections.get(label.text)
        table = _TABLE_OF.get(label)
        if text:
            body = marked_text(text, mine)
        elif table and report.tables_json()[table]:
            body = "<p><i>（本部分只有统计表，见下方）</i></p>"
        else:
            body = "<p><i>（报告中没有这一部分的文字）</i></p>"
        rows.append(
            f'<div class="nb-review-row" data-section="{esc(label.text)}"><div class="nb-text">'
            f"<h3>{esc(label.text)}</h3>{body}</div><div>{findings_html(mine)}</div></div>"
        )
    other = [f for f in findings if f.where.section is None and f.where.table is None]
    head = findings_html(other)
    return clean(f'<div class="nb-doc">{head}{"".join(rows)}</div>') + render_html(report, findings)


class ReviewTab(Tab):
    def build(self) -> None:
        with gr.Tab("校验报告", id="review"):
            gr.Markdown(
                "上传已完成的年度报告（.docx、.pdf、.html 或 .txt），检查统计表勾稽关系、正文数字和格式。"
                "可同时上传上一年度报告核对结转数；不上传时，如语料库中有该机关上一年的报告，会自动使用。"
            )
            with gr.Row():
                self.report = gr.File(label="要校验的报告", file_types=REPORT_TYPES, elem_id="rv-report")
                self.prior = gr.File(label="上一年度报告（可选）", file_types=REPORT_TYPES, elem_id="rv-prior")
            self.go = gr.Button("开始校验", variant="primary", elem_id="rv-go")
            self.summary = gr.HTML(elem_id="rv-summary")
            self.result = gr.HTML(elem_id="rv-result")

    def wire(self) -> None:
        outputs = [self.summary, self.result]
        on(self.page.svc, [self.go.click], self.review, [self.report, self.prior], outputs)
        # another file chosen (or none): the results shown are no longer about it, and go before they mislead
        on(self.page.svc, [self.report.change, self.prior.change], self.cleared, [], outputs, show_progress="hidden")

    @staticmethod
    def cleared() -> tuple[str, str]:
        return "", ""

    def review(self, file: Any, prior: Any) -> tuple[str, str]:
        if not file:
            raise InputError("请先选择要校验的报告文件。")
        refuse_old_format(file)
        refuse_old_format(prior)
        report, findings, source = self.page.svc.review(path_of(file), path_of(prior) if prior else None)
        name = upload_name(file) or path_of(file).name  # type: ignore[union-attr]
        title = f"{report.org}{report.year or ''}年报告" if report.org else name
        against = f"已与{source}核对。" if source else "未与上一年度报告核对（未上传，语料库中也没有）。"
        summary = clean(f"<p><b>{esc(title)}</b>（{esc(plain(name))}）：{esc(against)}</p>") + verdict_html(findings)
        return summary, review_html(report, findings)
