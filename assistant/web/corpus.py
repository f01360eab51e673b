"""语料库: add past reports, list what is indexed, remove one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..errors import InputError
from .common import Tab, clean, esc, on, path_of, plain, upload_name, warn
from .upload import REPORT_TYPES, refuse_old_format


class CorpusTab(Tab):
    def build(self) -> None:
        with gr.Tab("语料库", id="corpus"):
            self.files = gr.File(
                label="上传往年报告（可多选）", file_count="multiple", file_types=REPORT_TYPES, elem_id="co-files"
            )
            self.add = gr.Button("加入语料库", variant="primary", elem_id="co-add")
            self.result = gr.HTML(elem_id="co-result")
            self.table = gr.Dataframe(interactive=False, label="已收录的报告", elem_classes="nb-scroll")
            with gr.Row():
                self.pick = gr.Dropdown(label="选择要移除的文件", choices=[])
                self.remove = gr.Button("移除")
                self.refresh = gr.Button("刷新")

    def wire(self, status: Any = None, charts: Any = None) -> None:
        svc = self.page.svc
        listing = [self.table, self.pick, status]
        added = on(svc, [self.add.click], self.add_files, [self.files], [self.result, *listing])
        if charts is not None:
            added.then(charts.chart_choices, outputs=[charts.org], api_visibility="private")
        on(svc, [self.remove.click], self.remove_file, [self.pick], [self.result, *listing])
        on(svc, [self.refresh.click], self.listing, [], listing)
        self.listing_outputs = listing

    def listing(self) -> tuple[pd.DataFrame, Any, str]:
        svc = self.page.svc
        rows = svc.corpus().list_reports()
        frame = pd.DataFrame(
            [[r["org"], r["year"], Path(r["source"]).name, r["template"], r["findings"]] for r in rows],
            columns=["机关", "年度", "文件", "格式", "解析提示数"],
        )
        choices = [(f"{Path(r['source']).name}（{r['org']} {r['year']}）", r["source"]) for r in rows]
        if not svc.busy:
            svc.status = svc.corpus_status()
        return frame, gr.Dropdown(choices=choices, value=None), svc.status

    def add_files(
        self,
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects the tracker this way
    ) -> tuple:
        if not files:
            raise InputError("请先选择要加入语料库的报告文件。")
        for f in files:
            refuse_old_format(f)
        svc = self.page.svc
        progress(0, desc="等待其他索引任务完成……")
        uploads = [(path_of(f), upload_name(f)) for f in files]
        summary = svc.add_uploads(uploads, lambda done, total, name: progress((done, total), desc=f"正在索引 {name}"))
        failed = "".join(f"<li>{esc(Path(src).name)}：{esc(plain(why))}</li>" for src, why in summary.failed)
        return clean(f"<p>{esc(summary.describe())}</p>" + (f"<ul>{failed}</ul>" if failed else "")), *self.listing()

    def remove_file(self, source: str | None) -> tuple:
        if not source:
            warn("请先选择要移除的文件。")
            return gr.skip(), *self.listing()
        self.page.svc.remove(source)
        return clean(f"<p>已移除：{esc(Path(source).name)}</p>"), *self.listing()
