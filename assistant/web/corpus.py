"""语料库: add past reports, list what is indexed, remove one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..errors import InputError
from .common import Tab, clean, esc, on, path_of, plain, upload_name, warn
from .upload import REPORT_TYPES, refuse_old_format


def merged_html(merged: list[tuple[str, str]], clashes: list[str]) -> str:
    """Which printed names are shown under another name, and where that puts two different reports together."""
    items = "".join(f"<li>{esc(name)} → {esc(shown)}</li>" for name, shown in merged)
    out = f"<p>以下名称按右边的名称显示和查询：</p><ul>{items}</ul>" if merged else "<p>目前没有合并的机关名称。</p>"
    if clashes:
        listed = "".join(f"<li>{esc(c)}</li>" for c in clashes)
        warning = "注意：以下合并使同一年度有两份统计表不同的报告，可能不是同一机关，请在对照表中分开："
        out += f"<p>{warning}</p><ul>{listed}</ul>"
    return clean(out)


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
            with gr.Accordion("机关名称对照表", open=False, elem_id="co-names"):
                gr.Markdown(
                    "同一机关在不同年度的报告里名称可能不同（如“洪泽区人民政府”和“淮安市洪泽区人民政府”）。"
                    "名称只差前面的上级地名时自动按较长的名称合并；其他情况在下表中每行写一个“别名 = 规范名称”，"
                    "两边相同表示该名称不自动合并。保存后查询和列表立即按新名称显示，无需重新收录。"
                )
                self.merged = gr.HTML(elem_id="co-merged")
                self.aliases = gr.Textbox(lines=6, max_lines=30, label="对照表", elem_id="co-aliases")
                self.save_aliases = gr.Button("保存对照表", elem_id="co-aliases-save")

    def wire(self, status: Any = None, charts: Any = None) -> None:
        svc = self.page.svc
        listing = [self.table, self.pick, self.merged, status]
        added = on(svc, [self.add.click], self.add_files, [self.files], [self.result, *listing])
        if charts is not None:
            added.then(charts.chart_choices, outputs=[charts.org], api_visibility="private")
        on(svc, [self.remove.click], self.remove_file, [self.pick], [self.result, *listing])
        on(svc, [self.refresh.click], self.listing, [], listing)
        on(svc, [self.save_aliases.click], self.save_alias_table, [self.aliases], [self.result, *listing])
        self.listing_outputs = listing

    def listing(self) -> tuple[pd.DataFrame, Any, str, str]:
        svc = self.page.svc
        corpus = svc.corpus()
        rows = corpus.list_reports()
        frame = pd.DataFrame(
            [
                [r["org"], r["printed"], r["year"], Path(r["source"]).name, f"{r['template']}版", r["findings"]]
                for r in rows
            ],
            columns=["机关", "报告所写名称", "年度", "文件", "格式", "解析提示数"],
        )
        choices = [(f"{Path(r['source']).name}（{r['org']} {r['year']}）", r["source"]) for r in rows]
        if not svc.busy:
            svc.status = svc.corpus_status()
        names = corpus.names()
        shown = merged_html(names.merged(), corpus.clashes(names))
        return frame, gr.Dropdown(choices=choices, value=None), shown, svc.status

    def alias_table(self) -> str:
        return self.page.svc.alias_table()

    def save_alias_table(self, text: str) -> tuple:
        merged = self.page.svc.save_alias_table(text or "")
        shown = f"现有 {len(merged)} 个名称按合并后的名称显示。" if merged else "目前没有合并的机关名称。"
        return clean(f"<p>机关名称对照表已保存。{shown}</p>"), *self.listing()

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
        lines = [f"{Path(src).name}：{plain(why)}" for src, why in summary.failed] + summary.details()
        items = "".join(f"<li>{esc(line)}</li>" for line in lines)
        return clean(f"<p>{esc(summary.describe())}</p>" + (f"<ul>{items}</ul>" if items else "")), *self.listing()

    def remove_file(self, source: str | None) -> tuple:
        if not source:
            warn("请先选择要移除的文件。")
            return gr.skip(), *self.listing()
        back = self.page.svc.remove(source)
        restored = "".join(f"；同一份报告的另一文件“{esc(Path(p).name)}”已重新收录" for p in back.added)
        return clean(f"<p>已移除：{esc(Path(source).name)}{restored}</p>"), *self.listing()
