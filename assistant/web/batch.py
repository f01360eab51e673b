"""批量审查 and 年度对比: many finished reports (or a .zip of them) checked at once, each against last year's, with
a sortable, filterable summary, one report's findings on demand and the workbook to download; and one report
beside last year's (figures and their change, carry-over, copied sentences, topics no longer mentioned)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..compare import comparison_html
from ..errors import InputError
from ..review_export import SUMMARY_HEAD, summary_rows, write_report
from .common import Tab, clean, download, esc, on, path_of, upload_name, verdict_html
from .review import review_html
from .upload import REPORT_TYPES, refuse_old_format

BATCH_TYPES = [*REPORT_TYPES, ".zip"]


class BatchTab(Tab):
    """The reviewer's tab: a batch of reports, or one report beside last year's."""

    def build(self) -> None:
        with gr.Tab("批量审查", id="batch"):
            gr.Markdown(
                "一次上传多份年度报告（或打包成 .zip），逐份校验，并自动与同批或语料库中同一机关的上一年度报告核对。"
                "点击表头可排序，搜索框可筛选；选择一份报告可查看它的全部问题；可下载 Excel 工作簿。"
            )
            self.files = gr.File(
                label="年度报告（可多选，或 .zip）", file_count="multiple", file_types=BATCH_TYPES, elem_id="bt-files"
            )
            self.go = gr.Button("开始审查", variant="primary", elem_id="bt-go")
            self.summary = gr.Dataframe(
                value=pd.DataFrame(columns=list(SUMMARY_HEAD[:-1])),
                column_widths=["16%", "14%", "6%", "8%", "6%", "6%", "30%", "14%"],
                wrap=True,
                interactive=False,
                show_search="filter",
                label="审查结果",
                elem_id="bt-summary",
                elem_classes="nb-scroll",
            )
            self.pick = gr.Dropdown(label="查看一份报告的全部问题", choices=[], elem_id="bt-pick")
            self.detail = gr.HTML(elem_id="bt-detail")
            self.workbook = gr.File(label="审查结果（Excel）", visible=False, elem_id="bt-xlsx")
            self.results = gr.State([])
            gr.Markdown("### 年度对比")
            with gr.Row():
                self.old = gr.File(label="上一年度报告", file_types=REPORT_TYPES, elem_id="cp-old")
                self.new = gr.File(label="本年度报告", file_types=REPORT_TYPES, elem_id="cp-new")
            self.compare_go = gr.Button("对比", elem_id="cp-go")
            self.comparison = gr.HTML(elem_id="cp-result")

    def wire(self) -> None:
        svc = self.page.svc
        on(svc, [self.go.click], self.review, [self.files], [self.summary, self.pick, self.workbook, self.results])
        on(svc, [self.pick.change], self.open_one, [self.pick, self.results], [self.detail])
        on(svc, [self.compare_go.click], self.compare, [self.old, self.new], [self.comparison])

    def review(self, files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        if not files:
            raise InputError("请先选择要审查的报告文件或 .zip 压缩包。")
        for f in files:
            refuse_old_format(f)
        results = self.page.svc.review_batch(
            [path_of(f) for f in files], lambda done, total, name: progress((done, total), desc=f"正在审查 {name}")
        )
        rows = [row[: len(SUMMARY_HEAD) - 1] for row in summary_rows(results)]
        frame = pd.DataFrame(rows, columns=list(SUMMARY_HEAD[:-1]))
        book = write_report(results, Path(tempfile.mkdtemp(prefix="nianbao-review-")) / "批量审查结果.xlsx")
        names = [Path(r.source.name).name for r in results]
        return frame, gr.Dropdown(choices=names, value=None), download(book), results

    def open_one(self, name: str | None, results: list[Any]) -> str:
        found = next((r for r in results if Path(r.source.name).name == name), None)
        if found is None:
            return ""
        if found.report is None:
            return clean(f"<p><b>{esc(name or '')}</b>：{esc(found.error)}</p>")
        return verdict_html(found.findings) + review_html(found.report, found.findings)

    def compare(self, old: Any, new: Any) -> str:
        if not (old and new):
            raise InputError("请上传两份报告：上一年度的和本年度的。")
        refuse_old_format(old)
        refuse_old_format(new)
        comparison = self.page.svc.compare(path_of(old), path_of(new), (upload_name(old), upload_name(new)))
        return comparison_html(comparison)
