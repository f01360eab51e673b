"""编辑正文: each section edited in place with its findings beside it, re-checked as the user types, and the
draft's versions: 撤销 goes back one step, any earlier version can be restored, nothing is ever deleted."""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

from ..labels import SECTIONS
from ..service import blank_report, section_findings, with_section
from .common import Tab, findings_html, findings_in, on, report_in, saved_state, shown_findings

NO_FINDINGS = "本部分未发现问题。"


def version_choices(versions: list[dict]) -> list[tuple[str, int]]:
    """Versions newest first as (shown label, id)."""
    return [
        (
            f"{v['id']}. {v['label']}（{time.strftime('%m-%d %H:%M:%S', time.localtime(v['at']))}）"
            + ("· 当前" if v["current"] else ""),
            v["id"],
        )
        for v in versions
    ]


class EditTab(Tab):
    def build(self) -> None:
        self.boxes: list[gr.Textbox] = []
        self.findings: list[gr.HTML] = []
        with gr.Tab("编辑正文", id="edit"):
            gr.Markdown("直接修改各部分文字，右侧即时显示该部分的校验结果；每次修改都保存为一个版本，可撤销或恢复。")
            with gr.Row():
                self.undo = gr.Button("撤销上一步", elem_id="undo")
                self.versions = gr.Dropdown(label="历史版本", choices=[], elem_id="versions", scale=3)
                self.restore = gr.Button("恢复所选版本", elem_id="restore")
            for i, label in enumerate(SECTIONS):
                with gr.Row(equal_height=False):
                    self.boxes.append(
                        gr.Textbox(label=label.text, lines=6, max_lines=30, elem_id=f"sec-{i}", scale=3, min_width=280)
                    )
                    self.findings.append(gr.HTML(elem_id=f"sec-{i}-findings", min_width=200))
        self.views = [*self.boxes, *self.findings, self.versions]

    def wire(self) -> None:
        page = self.page
        for i, box in enumerate(self.boxes):
            on(
                page.svc,
                [box.change],  # gradio 6 sends no .input from these boxes; a redraw is told apart below
                self._editor(i),
                [box, page.session, page.doc],
                [page.doc],
                trigger_mode="always_last",
                show_progress="hidden",
            )
        on(page.svc, [self.undo.click], self.step_back, [page.session], [page.doc])
        on(page.svc, [self.restore.click], self.restore_version, [self.versions, page.session], [page.doc])

    def show(self, doc: dict) -> tuple:
        report = report_in(doc)
        findings = shown_findings(report, findings_in(doc))
        typed = doc.get("origin") == "section"
        texts = [gr.skip() if typed else (report.sections.get(s.text, "") if report else "") for s in SECTIONS]
        panes = [
            findings_html(section_findings(findings, s.text), empty=NO_FINDINGS if report else "") for s in SECTIONS
        ]
        sid = doc.get("sid", "")
        versions = self.page.svc.versions(sid) if self.page.svc.drafts.valid(sid) else []
        current = next((v["id"] for v in versions if v["current"]), None)
        return *texts, *panes, gr.update(choices=version_choices(versions), value=current)

    def _editor(self, index: int) -> Any:
        heading = SECTIONS[index].text

        def edited(text: str, session_id: str, doc: dict) -> dict:
            """One section's text saved (merged with another tab's save) and the draft re-checked."""
            base = report_in(doc) or blank_report()
            if (text or "") == base.sections.get(heading, ""):  # the box was redrawn, not typed in
                return gr.skip()
            report = with_section(base, heading, text or "")
            svc = self.page.svc
            saved = svc.save(session_id, report, "编辑正文", base=base, base_rev=int(doc.get("rev", 0)))
            return saved_state(svc, session_id, saved, origin="section")

        edited.__name__ = f"edit_section_{index}"
        return edited

    def step_back(self, session_id: str) -> dict:
        svc = self.page.svc
        return saved_state(svc, session_id, svc.restore(session_id))

    def restore_version(self, version: int | None, session_id: str) -> dict:
        svc = self.page.svc
        if version is None:
            from ..errors import InputError

            raise InputError("请先在“历史版本”中选择一个版本。")
        return saved_state(svc, session_id, svc.restore(session_id, int(version)))
