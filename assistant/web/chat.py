"""对话起草: what a chat message asks for (decided by rules, so the offline app answers predictably), the
tab, and its handlers.

Order matters: an explicit section replacement or display wins, then 校验, then edits that need an LLM,
then questions about past reports; a long multi-line message is taken as notes for a first draft. An LLM
rewrite is never applied at once: it is shown as a before/after comparison to accept or reject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import gradio as gr

from ..labels import SECTION_NUMERALS, SECTIONS
from ..report import Report
from ..service import Proposal, diff_html, with_section
from .common import (
    Tab,
    clean,
    doc_state,
    draft_html,
    esc,
    findings_in,
    md_html,
    on,
    plain,
    report_in,
    saved_state,
    stream_in_thread,
    verdict_html,
)

Kind = Literal["replace", "show", "check", "revise", "ask", "notes", "help"]

_NUMERAL = f"[{SECTION_NUMERALS}1-6]"
# a section named by its number ("第五部分", "五、", "第5节") or by words of its heading
_SECTION_NAMES = {
    "总体情况": 0,
    "主动公开政府信息情况": 1,
    "申请情况": 2,
    "行政复议": 3,
    "行政诉讼": 3,
    "存在的主要问题": 4,
    "问题及改进": 4,
    "改进情况": 4,
    "主要问题": 4,
    "其他需要报告": 5,
    "其他事项": 5,
}
_SECTION_REF = f"(?:第?({_NUMERAL})(?:部分|节|、)|({'|'.join(map(re.escape, _SECTION_NAMES))}))"
_REPLACE = re.compile(
    rf"^\s*(?:请)?(?:把|将)?{_SECTION_REF}(?:的内容|部分)?(?:替换|改|修改|换)(?:为|成)\s*[:：]?\s*(.+)$", re.S
)
_SHOW = re.compile(rf"^\s*(?:请)?(?:显示|查看|看看|看一下|给我看|展示)(?:一下)?\s*{_SECTION_REF}")
_CHECK = re.compile(r"校验|检查|核对|勾稽")
_REVISE = re.compile(r"具体|润色|改写|重写|扩写|精简|缩写|优化|丰富|充实|调整|语气|更正式|生动|展开")
_QUESTION = re.compile(r"[？?]\s*$|多少|哪些|几件|几次|是否|有没有|如何|怎么|什么|去年|往年|上年|历年|同比|变化|趋势")
NOTES_MIN_CHARS = 40


@dataclass(frozen=True)
class Intent:
    kind: Kind
    section: int | None = None  # index into labels.SECTIONS
    text: str = ""


def section_index(numeral: str | None, name: str | None) -> int:
    if name:
        return _SECTION_NAMES[name]
    return int(numeral) - 1 if numeral.isdigit() else SECTION_NUMERALS.index(numeral)


def route(message: str) -> Intent:
    """The request a chat message makes."""
    text = message.strip()
    if m := _REPLACE.match(text):
        return Intent("replace", section_index(m.group(1), m.group(2)), m.group(3).strip())
    if m := _SHOW.match(text):
        return Intent("show", section_index(m.group(1), m.group(2)))
    short = "\n" not in text and len(text) < NOTES_MIN_CHARS
    if short and _CHECK.search(text):
        return Intent("check")
    if short and _REVISE.search(text):
        m = re.search(_SECTION_REF, text)
        return Intent("revise", section_index(m.group(1), m.group(2)) if m else None, text)
    if "\n" not in text and len(text) < 200 and _QUESTION.search(text):
        return Intent("ask", text=text)
    if not short:
        return Intent("notes", text=text)
    return Intent("help", text=text)


HELP = (
    "我可以：\n"
    "1. **起草初稿**：把本年度工作要点粘贴进来（第一行写“机关：××”“年度：2024”，每行一条要点）；\n"
    "2. **校验**：输入“校验”，检查统计表勾稽关系和正文数字；\n"
    "3. **查询往年报告**：例如“平潭综合实验区2023年收到多少件申请？”；\n"
    "4. **显示或替换某部分**：例如“显示第五部分”“把第五部分替换为：……”；\n"
    "5. **润色改写**（需要配置大模型）：例如“把第一部分写得更具体”。"
)
NEEDS_LLM = "这项修改需要配置大模型（见“设置”）。离线时可以用“把第五部分替换为：……”直接替换内容。"
NO_DRAFT = "还没有草稿：请先粘贴本年度工作要点（第一行写“机关：××”“年度：××××”），我来起草初稿。"
EMPTY = "尚无草稿。在这里粘贴工作要点，或在“上传要点”中上传要点文件。"
TABLE_SECTIONS = (1, 2, 3)


def answer_markdown(answer: Any) -> str:
    """An answer with its sources listed; a table in the text is left out (it is shown as a grid)."""
    lines = answer.answer.splitlines()
    text = "\n".join(line for line in lines if not (answer.table and line.lstrip().startswith("|")))
    cites = "".join(f"\n{i}. {c.where()}" for i, c in enumerate(answer.citations, 1))
    return text + (f"\n\n**出处：**{cites}" if cites else "")


def proposal_view(proposal: Proposal | None) -> tuple[str, Any]:
    """The pending rewrite as a before/after comparison, and whether its panel shows."""
    if proposal is None:
        return "", gr.update(visible=False)
    body = (
        f"<p><b>“{esc(proposal.heading)}”的改写稿</b>（删去的文字划线标红，新增的文字标绿）：</p>"
        f'<div class="nb-diff">{diff_html(proposal.before, proposal.after)}</div>'
    )
    return clean(body), gr.update(visible=True)


class ChatTab(Tab):
    """The chat and the draft beside it, with the pending rewrite to accept or reject."""

    def build(self) -> None:
        with gr.Tab("对话起草", id="chat"), gr.Row():
            with gr.Column(scale=5, min_width=300):
                self.chatbot = gr.Chatbot(
                    label="对话", height=520, elem_id="chatbot", allow_tags=False, sanitize_html=True
                )
                self.input = gr.Textbox(
                    label="输入",
                    lines=3,
                    placeholder="粘贴本年度工作要点起草初稿；或输入“校验”“显示第五部分”“把第五部分替换为：……”、关于往年报告的问题",
                    elem_id="chat-input",
                )
                self.send = gr.Button("发送", variant="primary", elem_id="chat-send")
            with gr.Column(scale=4, min_width=300):
                with gr.Column(visible=False, elem_id="proposal") as self.proposal_box:
                    self.proposal = gr.HTML(elem_id="proposal-diff")
                    with gr.Row():
                        self.accept = gr.Button("采用改写稿", variant="primary", elem_id="proposal-accept")
                        self.reject = gr.Button("放弃", elem_id="proposal-reject")
                self.view = gr.HTML(elem_id="draft-view")
        self.views = [self.view]

    def wire(self) -> None:
        page, svc = self.page, self.page.svc
        outputs = [self.input, self.chatbot, page.doc, self.proposal, self.proposal_box]
        on(
            svc,
            [self.send.click, self.input.submit],
            self.chat,
            [self.input, self.chatbot, page.session, page.doc],
            outputs,
        )
        decided = [page.doc, self.chatbot, self.proposal, self.proposal_box]
        on(svc, [self.accept.click], self.accept_rewrite, [self.chatbot, page.session, page.doc], decided)
        on(svc, [self.reject.click], self.reject_rewrite, [self.chatbot, page.session, page.doc], decided)

    def show(self, doc: dict) -> str:
        return draft_html(report_in(doc), findings_in(doc), EMPTY)

    # ── handlers ──

    def chat(self, message: str, history: list[dict], session_id: str, doc: dict) -> Iterator[tuple]:
        """Answer one chat message, streaming; the message stays in the box until it has been handled."""
        message = (message or "").strip()
        if not message:
            return
        svc = self.page.svc
        history = [*history, {"role": "user", "content": md_html(message)}, {"role": "assistant", "content": "……"}]
        yield message, history, gr.skip(), gr.skip(), gr.skip()
        intent = route(message)
        state: dict | Any = gr.skip()
        proposal: tuple = (gr.skip(), gr.skip())
        if intent.kind == "notes":
            for partial, result in self._draft_stream(message, report_in(doc)):
                history[-1]["content"] = partial
                if result is not None:
                    state = saved_state(svc, session_id, svc.save(session_id, result.report, "生成初稿", notes=message))
                yield message, history, state, *proposal
        elif intent.kind == "revise" and report_in(doc) is not None:
            for partial, done in self._revise_stream(report_in(doc), intent, session_id):
                history[-1]["content"] = partial
                if done is not None:
                    proposal = proposal_view(done)
                yield message, history, gr.skip(), *proposal
        else:
            history[-1]["content"], state = self._answer(intent, session_id, doc)
        svc.save_chat(session_id, history)
        yield "", history, state, *proposal

    def _answer(self, intent: Intent, session_id: str, doc: dict) -> tuple[str, Any]:
        """A reply that needs no streaming, and the new draft state when the draft changed."""
        svc, report = self.page.svc, report_in(doc)
        if intent.kind == "help":
            return md_html(HELP), gr.skip()
        if intent.kind == "ask":
            return md_html(answer_markdown(svc.ask(intent.text))), gr.skip()
        if report is None:
            return esc(NO_DRAFT), gr.skip()
        heading = SECTIONS[intent.section or 0].text
        if intent.kind == "check":
            return verdict_html(svc.check(report)), gr.skip()
        if intent.kind == "show":
            return clean(
                f"<p><b>{esc(heading)}</b></p><p>{esc(report.sections.get(heading) or '（该部分为空）')}</p>"
            ), gr.skip()
        if intent.section in TABLE_SECTIONS:
            return esc(f"“{heading}”是统计表部分，请在“表格填报”中修改数字。"), gr.skip()
        saved = svc.save(
            session_id, with_section(report, heading, intent.text), "对话替换", base=report, base_rev=doc.get("rev")
        )
        return clean(f"<p>已替换“{esc(heading)}”。</p>") + verdict_html(saved.findings), saved_state(
            svc, session_id, saved
        )

    def _draft_stream(self, notes: str, current: Report | None) -> Iterator[tuple[str, Any]]:
        """First draft from notes pasted in the chat; tables already filled in 表格填报 are used."""
        tables = current if current is not None and current.table3 else None
        lines: list[str] = []
        text = ""
        events = stream_in_thread(
            lambda progress, token: self.page.svc.draft_report(
                notes, tables=tables, on_progress=progress, on_token=token
            )
        )
        for kind, value in events:
            if kind == "progress":
                lines.append(f"- {value}")
            elif kind == "token":
                text += value
            elif kind == "error":
                raise value
            else:
                yield self._drafted(value), value
                return
            yield md_html("\n".join(lines)) + (f"<p>{esc(text)}</p>" if text else ""), None

    @staticmethod
    def _drafted(result: Any) -> str:
        verdict = "✅ 初稿已生成，校验通过。" if result.ok else "⚠️ 初稿已生成，但校验发现问题（见右侧文末清单）。"
        notices = "".join(f"<li>{esc(plain(n))}</li>" for n in result.notices)
        return clean(f"<p>{verdict}</p>" + (f"<p><b>提示：</b></p><ul>{notices}</ul>" if notices else ""))

    def _revise_stream(self, report: Report, intent: Intent, session_id: str) -> Iterator[tuple[str, Any]]:
        """The rewrite streamed into the chat, then offered as a proposal (or refused, with the reason)."""
        svc = self.page.svc
        if not svc.settings.llm_enabled:
            yield esc(NEEDS_LLM), None
            return
        section = intent.section or 0
        if section in TABLE_SECTIONS:
            yield esc(f"“{SECTIONS[section].text}”是统计表部分，请在“表格填报”中修改数字。"), None
            return
        heading = SECTIONS[section].text
        notes = svc.drafts.load(session_id).get("notes", "")
        text = ""
        events = stream_in_thread(
            lambda _progress, token: svc.rewrite_section(report, heading, intent.text, notes, token)
        )
        for kind, value in events:
            if kind == "token":
                text += value
                yield esc(text), None
            elif kind == "error":
                raise value
            elif value.refused:
                yield esc(f"未修改“{heading}”，草稿保持不变。{plain(value.refused)}"), None
            else:
                svc.propose(session_id, value)
                yield esc("改写稿已列在右侧，请核对后选择“采用改写稿”或“放弃”。原文在采用前保持不变。"), value

    def accept_rewrite(self, history: list[dict], session_id: str, doc: dict) -> tuple:
        svc = self.page.svc
        saved = svc.decide(session_id, accept=True)
        if saved is None:
            return gr.skip(), history, *proposal_view(None)
        history = [
            *history,
            {"role": "assistant", "content": esc("已采用改写稿。可在“编辑正文”中撤销或恢复以前的版本。")},
        ]
        svc.save_chat(session_id, history)
        return saved_state(svc, session_id, saved), history, *proposal_view(None)

    def reject_rewrite(self, history: list[dict], session_id: str, doc: dict) -> tuple:
        svc = self.page.svc
        svc.decide(session_id, accept=False)
        history = [*history, {"role": "assistant", "content": esc("已放弃改写稿，草稿保持不变。")}]
        svc.save_chat(session_id, history)
        return gr.skip(), history, *proposal_view(None)


__all__ = ["HELP", "NEEDS_LLM", "ChatTab", "Intent", "answer_markdown", "doc_state", "route"]
