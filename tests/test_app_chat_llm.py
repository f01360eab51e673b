"""The chat's LLM path: "把第一部分写得更具体" goes through drafting.revise_section to the loopback OpenAI
server (tests/fake_openai.py), configured in the app's own 设置; tokens stream into the chat and the
draft pane follows, or the draft stays as it was with the reason shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.drafting import draft
from assistant.labels import SECTIONS
from assistant.settings import Settings, load_settings
from assistant.spreadsheet import load_tables
from assistant.webapp import WebApp
from assistant.webapp_workspace import Workspace

from .fake_openai import FakeOpenAI, Reply

DATA = Path(__file__).resolve().parent / "data"
NOTES = (DATA / "notes-pingtan-2024.md").read_text(encoding="utf-8")
OVERVIEW = SECTIONS[5].text  # a section whose rewrite can keep every figure (the guard rejects a rewrite losing one)
ASK = "把第六部分写得更具体"
KEY = "sk-test-chat-7788"
REWRITE = "2024年，平潭综合实验区全年未收取信息处理费，本年度无收取信息处理费情况。"


@pytest.fixture()
def session(tmp_path):
    """An app with an offline first draft autosaved for one session, and no LLM configured yet."""
    webapp = WebApp(Workspace(load_settings(env={"ASSISTANT_DATA_DIR": str(tmp_path)})))
    result = draft(NOTES, tables=load_tables(DATA / "tables-pingtan-2024.json"), settings=Settings())
    sid = webapp.ws.drafts.new_session_id()
    webapp.ws.save_report(sid, result.report, result.findings, notes=NOTES)
    return webapp, sid, result.report


def chat_with(webapp: WebApp, sid: str, server: FakeOpenAI) -> list[tuple[str, str]]:
    """Configure the LLM in 设置 as a user would, then send the chat message; (reply so far, draft pane)
    at every streamed step, read when it is yielded, as gradio sends it to the browser."""
    webapp.save_settings(server.base_url, "fake", KEY)
    assert webapp.ws.settings.llm_enabled
    return [(history[-1]["content"], pane) for _, history, pane, *_ in webapp.chat(ASK, [], sid)]


def test_revision_streams_into_the_chat_and_updates_the_draft(session):
    webapp, sid, before = session
    with FakeOpenAI([Reply(REWRITE)]) as server:
        steps = chat_with(webapp, sid, server)
    assert len(server.requests) == 1 and server.requests[0]["stream"] is True
    prompt = server.requests[0]["messages"][-1]["content"]
    assert ASK in prompt and before.sections[OVERVIEW].splitlines()[0] in prompt

    shown = list(dict.fromkeys(reply for reply, _ in steps))
    streamed = [text for text in shown if REWRITE.startswith(text)]
    assert len(streamed) >= 3 and streamed[-1] == REWRITE  # the reply grew piece by piece in the chat
    assert all(a in b for a, b in zip(streamed, streamed[1:], strict=False))

    message, chat_draft = steps[-1]
    assert message == f"已按要求修改“{OVERVIEW}”。"
    assert REWRITE in chat_draft and before.sections[OVERVIEW] not in chat_draft
    assert all(REWRITE not in pane for reply, pane in steps if reply in streamed)  # updated once done
    saved = webapp.ws.report_of(webapp.ws.drafts.load(sid))
    assert saved.sections[OVERVIEW] == REWRITE
    assert {k: v for k, v in saved.sections.items() if k != OVERVIEW} == {
        k: v for k, v in before.sections.items() if k != OVERVIEW
    }


@pytest.mark.parametrize(
    ("reply", "requests", "reason"),
    [
        (Reply(REWRITE + "另有99999条待公开。"), 2, "99999"),  # invented twice: the reply and its repair
        (Reply(status=401), 1, "401"),
    ],
)
def test_failed_revision_keeps_the_draft_and_says_why(session, reply, requests, reason):
    webapp, sid, before = session
    with FakeOpenAI([reply]) as server:
        steps = chat_with(webapp, sid, server)
    assert len(server.requests) == requests
    message, chat_draft = steps[-1]
    assert message.startswith(f"未修改“{OVERVIEW}”，草稿保持不变。")
    assert reason in message and "已保留原文" in message
    assert chat_draft == steps[0][1] and "99999" not in chat_draft
    assert webapp.ws.report_of(webapp.ws.drafts.load(sid)).sections == before.sections
