"""上传要点: a first draft from a notes file, optional tables and last year's report, with its downloads."""

from __future__ import annotations

import re
from typing import Any

import gradio as gr

from ..errors import InputError
from .common import Tab, download, draft_html, esc, findings_in, on, path_of, plain, report_in, saved_state, upload_name

NOTE_TYPES = [".txt", ".md", ".docx", ".doc"]
TABLE_TYPES = [".xlsx", ".json", ".xls"]
REPORT_TYPES = [".pdf", ".docx", ".html", ".htm", ".txt", ".md", ".doc"]
_YEAR_BOX = re.compile(r"(?:19|20)\d{2}")
EMPTY = "上传要点文件并点“生成初稿”后，初稿显示在这里。"
OLD_FORMATS = {".doc": ".docx", ".xls": ".xlsx"}


def refuse_old_format(path: Any) -> None:
    """Old Word/Excel files are accepted by the upload box only to be told how to convert them."""
    suffix = path_of(path).suffix.lower() if path else ""
    if suffix in OLD_FORMATS:
        raise InputError(f"不支持旧版 {suffix} 文件：请在 WPS 或 Word 中“另存为” {OLD_FORMATS[suffix]} 后再上传。")


def engine_line(result: Any) -> str:
    """Which engine wrote the draft, honestly, unit by unit (`DraftResult.engine_label`): a fallback to the
    offline engine is said as such, with its reason among the notices below."""
    return f"已生成初稿，由{result.engine_label}起草。"


class UploadTab(Tab):
    def build(self) -> None:
        with gr.Tab("上传要点", id="upload"):
            with gr.Row():
                self.notes = gr.File(label="工作要点（.txt/.md/.docx）", file_types=NOTE_TYPES, elem_id="up-notes")
                self.tables = gr.File(label="统计表（可选，.xlsx/.json）", file_types=TABLE_TYPES, elem_id="up-tables")
                self.prior = gr.File(label="上一年度报告（可选）", file_types=REPORT_TYPES, elem_id="up-prior")
            with gr.Row():
                self.org = gr.Textbox(label="机关名称（可选，要点中已写明可不填）", elem_id="up-org")
                # a Textbox, not a Number: gradio's Number shows 0 for an empty value
                self.year = gr.Textbox("", label="报告年度（可选）", placeholder="如 2024；不填则取要点中写明的年度")
            self.go = gr.Button("生成初稿", variant="primary", elem_id="up-go")
            self.notice = gr.HTML(elem_id="up-notice")
            with gr.Row():
                self.docx = gr.File(label="下载 .docx", interactive=False, visible=False, elem_id="up-docx")
                self.md = gr.File(label="下载 .md", interactive=False, visible=False, elem_id="up-md")
            self.view = gr.HTML(elem_id="up-draft")
        self.views = [self.view]

    def wire(self) -> None:
        page = self.page
        on(
            page.svc,
            [self.go.click],
            self.upload_draft,
            [self.notes, self.tables, self.prior, self.org, self.year, page.session],
            [self.notice, self.docx, self.md, page.doc],
        )

    def show(self, doc: dict) -> str:
        return draft_html(report_in(doc), findings_in(doc), EMPTY)

    def upload_draft(
        self,
        notes_file: Any,
        tables_file: Any,
        prior_file: Any,
        org: str,
        year: str | None,
        session_id: str,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - gradio injects the tracker this way
    ) -> tuple:
        """First draft from an uploaded notes file, optional tables and last year's report; an empty year box
        leaves the year to the notes."""
        from ..readers import read_file
        from ..spreadsheet import load_tables

        if not notes_file:
            raise InputError("请先选择要点文件（.txt、.md 或 .docx）。")
        for f in (notes_file, tables_file, prior_file):
            refuse_old_format(f)
        year_given = (year or "").strip()
        if year_given and not _YEAR_BOX.fullmatch(year_given):
            raise InputError(f"报告年度“{year_given}”应为四位数字的年份，例如 2024；不填则取要点中写明的年度。")
        svc = self.page.svc
        progress(0.05, desc="正在读取要点……")
        notes = read_file(path_of(notes_file)).text
        tables = load_tables(path_of(tables_file)) if tables_file else None
        prior = svc.parse(path_of(prior_file), upload_name(prior_file)) if prior_file else None
        result = svc.draft_report(
            notes, org or "", int(year_given) if year_given else None, tables, prior, lambda m: progress(0.5, desc=m)
        )
        progress(0.9, desc="正在生成 .docx 和 .md……")
        docx, md = svc.export(result.report, result.findings)
        saved = svc.save(session_id, result.report, "生成初稿", notes=notes)
        notices = "".join(f"<li>{esc(plain(n))}</li>" for n in result.notices)
        head = f"<p><b>{engine_line(result)}</b></p>" + (f"<ul>{notices}</ul>" if notices else "")
        return head, download(docx), download(md), saved_state(svc, session_id, saved)
