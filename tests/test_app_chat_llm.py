"""The chat's LLM path: "把第一部分写得更具体" goes through drafting.revise_section to the loopback OpenAI
server (tests/fake_openai.py), configured in the app's own 设置; tokens stream into the chat, and the rewrite
is offered as a before/after comparison: accepted it becomes a version of the draft (and can be undone),
rejected or refused (a figure or a numbered part lost, the model failed) the draft stays as it was."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from assistant.drafting import draft
from assistant.labels import SECTIONS
from assistant.service import Service
from assistant.settings import Settings, load_settings
from assistant.spreadsheet import load_tables
from assistant.web.chat import ChatTab
from assistant.web.common import Page, doc_state
from assistant.web.settings import SettingsTab

from .fake_openai import FakeOpenAI, Reply

DATA = Path(__file__).resolve().parent / "data"
NOTES = (DATA / "notes-pingtan-2024.md").read_text(encoding="utf-8")
OVERVIEW = SECTIONS[0].text
ASK = "把第一部分写得更具体"
KEY = "sk-test-chat-7788"
REWRITE = (
    "平潭综合实验区坚持以公开为常态、不公开为例外，逐项细化主动公开目录，依申请公开答复规范及时，政务公开平台运行平稳。"
)


@pytest.fixture()
def session(tmp_path):
    """An app with an offline first draft autosaved for one session, and no LLM configured yet."""
    page = Page(Service(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)})), None, None)
    result = draft(NOTES, tables=load_tables(DATA / "tables-pingtan-2024.json"), settings=Settings())
    sid = page.svc.drafts.new_session_id()
    saved = page.svc.save(sid, result.report, "生成初稿", notes=NOTES)
    return ChatTab(page), sid, result.report, doc_state(sid, saved.report, saved.findings, saved.rev)


def chat_with(chat: ChatTab, sid: str, doc: dict, server: FakeOpenAI, ask: str = ASK) -> list[tuple]:
    """Configure the LLM in 设置 as the administrator would, then send the chat message; (reply so far,
    proposal pane, proposal panel update) at every streamed step, as gradio sends them to the browser."""
    SettingsTab(chat.page).save_settings(server.base_url, "fake", KEY, None)
    assert chat.page.svc.settings.llm_enabled
    return [(history[-1]["content"], diff, box) for _, history, _, diff, box in chat.chat(ask, [], sid, doc)]


PROBLEMS = SECTIONS[4].text
ASK_PROBLEMS = "把第五部分写得更具体"


def better(text: str) -> str:
    """A rewrite that keeps every figure and numbered part: its first sentence made more specific.
    (总体情况 cannot be rewritten this way: the drafting engine drops the （一）… heading lines a model
    returns, so such a rewrite always loses its parts and is refused, see the test below.)"""
    return text.replace("。", "，群众获得感进一步增强。", 1)


def test_a_rewrite_streams_then_waits_for_the_user_and_can_be_undone(session):
    chat, sid, before, doc = session
    svc, before_text = chat.page.svc, before.sections[PROBLEMS]
    with FakeOpenAI([Reply(better(before_text))]) as server:
        steps = chat_with(chat, sid, doc, server, ASK_PROBLEMS)
    assert len(server.requests) == 1 and server.requests[0]["stream"] is True
    prompt = server.requests[0]["messages"][-1]["content"]
    assert ASK_PROBLEMS in prompt and before_text.splitlines()[0] in prompt
    streamed = list(dict.fromkeys(reply for reply, *_ in steps))[1:-1]
    assert len(streamed) >= 3 and all(a in b for a, b in zip(streamed, streamed[1:], strict=False))

    reply, diff, box = steps[-1]
    assert reply.startswith("改写稿已列在右侧") and box["visible"] is True
    assert "<ins>，群众获得感进一步增强</ins>" in diff and "<del>" not in diff
    # nothing applied yet: the draft is what it was until the user accepts
    assert svc.report_of(svc.drafts.load(sid)).sections[PROBLEMS] == before_text

    state, history, diff, box = chat.accept_rewrite([], sid, doc)
    assert box["visible"] is False and "已采用改写稿" in history[-1]["content"]
    after = svc.report_of(svc.drafts.load(sid))
    assert after.sections[PROBLEMS] == better(before_text) and state["rev"] == doc["rev"] + 1
    assert {k: v for k, v in after.sections.items() if k != PROBLEMS} == {
        k: v for k, v in before.sections.items() if k != PROBLEMS
    }
    assert [v["label"] for v in svc.versions(sid)] == ["大模型改写", "生成初稿"]
    assert svc.restore(sid).report.sections[PROBLEMS] == before_text  # 撤销


def test_a_rejected_rewrite_leaves_the_draft(session):
    chat, sid, before, doc = session
    with FakeOpenAI([Reply(better(before.sections[PROBLEMS]))]) as server:
        chat_with(chat, sid, doc, server, ASK_PROBLEMS)
    state, history, _, box = chat.reject_rewrite([], sid, doc)
    assert state == gr.skip() and chat.page.svc.pending(sid) is None
    assert box["visible"] is False and "草稿保持不变" in history[-1]["content"]
    assert chat.page.svc.report_of(chat.page.svc.drafts.load(sid)).sections == before.sections
    assert chat.accept_rewrite([], sid, doc)[0] == gr.skip()  # nothing pending any more: nothing applied
    assert chat.page.svc.report_of(chat.page.svc.drafts.load(sid)).sections == before.sections


def test_a_rewrite_that_drops_parts_and_figures_is_refused(session):
    """The observed loss: a rewrite dropped （一）–（五） and facts. It is never offered, the reason is said."""
    chat, sid, before, doc = session
    with FakeOpenAI([Reply(REWRITE)]) as server:
        reply, _, box = chat_with(chat, sid, doc, server)[-1]
    # the drafting guard refuses it first (a figure of the original is gone), naming what was lost
    assert reply.startswith(f"未修改“{OVERVIEW}”，草稿保持不变。") and "遗漏" in reply and "10407" in reply
    assert box == gr.skip()
    assert chat.page.svc.pending(sid) is None
    assert chat.page.svc.report_of(chat.page.svc.drafts.load(sid)).sections == before.sections


@pytest.mark.parametrize(
    ("reply", "requests", "reason"),
    [
        (Reply(REWRITE + "另有99999条待公开。"), 2, "99999"),  # invented twice: the reply and its repair
        (Reply(status=401), 1, "401"),
    ],
)
def test_failed_revision_keeps_the_draft_and_says_why(session, reply, requests, reason):
    chat, sid, before, doc = session
    with FakeOpenAI([reply]) as server:
        steps = chat_with(chat, sid, doc, server)
    assert len(server.requests) == requests
    message, diff, box = steps[-1]
    assert message.startswith(f"未修改“{OVERVIEW}”，草稿保持不变。")
    assert reason in message and "已保留原文" in message
    assert chat.page.svc.pending(sid) is None
    assert chat.page.svc.report_of(chat.page.svc.drafts.load(sid)).sections == before.sections
