"""The page: eight Chinese tabs over one `Service`, and the named API endpoints for gradio_client.

Each browser keeps a session id in localStorage (gr.BrowserState, encrypted with a key kept in the data
folder); its draft is autosaved under that id by the service, so a refresh or a server restart brings the
draft back and two users never share one. Each browser tab holds the revision of the draft it shows
(`common.doc_state`); a handler that changes the draft returns the new state, and every tab redraws from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import FileData

from ..errors import InputError
from ..ratelimit import throttled_auth
from ..readers import MAX_BYTES
from ..service import BUNDLED_CORPUS, Service, findings_json, summary_json
from ..settings import Settings
from .ask import AskTab
from .batch import BatchTab
from .chat import ChatTab, proposal_view
from .common import CSS, THEME, TOAST_JS, Page, doc_state, guard, path_of, upload_name, warn
from .corpus import CorpusTab
from .edit import EditTab
from .review import ReviewTab
from .settings import SettingsTab
from .tables import TablesTab
from .upload import UploadTab

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


class Api:
    """The named endpoints: the same service calls the page makes, with plain data in and out."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc

    def draft(self, notes: str, org: str = "", year: int | None = None, session_id: str = "") -> tuple[str, dict]:
        """Draft a report from notes; returns the Markdown draft and the findings (`check --json` form).
        With a session id the draft is autosaved for that session, as in the browser."""
        result = self.svc.draft_report(notes, org, year)
        if self.svc.drafts.valid(session_id):
            self.svc.save(session_id, result.report, "生成初稿", notes=notes)
        return self.svc.markdown(result.report, result.findings), findings_json(result.findings)

    def check(self, report: FileData, prior: FileData | None = None) -> dict:
        """Check a report file (PDF/DOCX/HTML/TXT), optionally against last year's; findings as JSON."""
        prior_report = self.svc.parse(path_of(prior), upload_name(prior)) if prior else None
        return findings_json(self.svc.check(self.svc.parse(path_of(report), upload_name(report)), prior_report))

    def ask(self, question: str) -> dict:
        """Ask about past reports; the answer with citations as JSON."""
        return self.svc.ask(question).to_json()

    def index(self, file: FileData) -> dict:
        """Add a report file to the corpus; what indexing did, as JSON."""
        if not file:
            raise InputError("请提供报告文件。")
        return summary_json(self.svc.add_uploads([(path_of(file), upload_name(file))]))

    def saved_draft(self, session_id: str) -> str:
        """The autosaved draft of a session as Markdown ("" when there is none)."""
        draft = self.svc.drafts.load(session_id)
        return self.svc.markdown(self.svc.report_of(draft), self.svc.findings_of(draft))


def api_error(svc: Service, fn: Callable) -> Callable:
    """An endpoint's failure as gradio's error with the Chinese message (no traceback in the console)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # every failure, mapped in one place
            title, message = svc.user_message(exc)
            raise gr.Error(message, title=title, print_exception=False) from exc

    return wrapper


def load(svc: Service) -> Callable:
    def on_load(session_id: str | None) -> tuple:
        """The browser's session (a new one for a new browser), its draft, chat and pending rewrite."""
        session_id, draft = svc.session(session_id)
        if notice := svc.take_notice(session_id):
            warn(notice)
            draft = svc.drafts.load(session_id)
        doc = doc_state(session_id, svc.report_of(draft), svc.findings_of(draft), int(draft.get("rev", 0)))
        tab = secrets.token_hex(8)
        return session_id, doc, tab, draft.get("chat", []), *proposal_view(svc.pending(session_id))

    return on_load


def status_tick(svc: Service) -> Callable[[], tuple]:
    """The status line; the timer stops polling once indexing is over."""

    def tick() -> tuple[str, gr.Timer]:
        return svc.status, gr.Timer(active=svc.busy)

    return tick


def build_app(svc: Service) -> gr.Blocks:
    """The Blocks UI; call `.launch()` on it (see `serve`)."""
    api = Api(svc)
    with gr.Blocks(title="年报助手") as demo:
        for name in ("draft", "check", "ask", "index", "saved_draft"):
            gr.api(api_error(svc, getattr(api, name)), api_name=name)
        session = gr.BrowserState("", storage_key="nianbao-session", secret=svc.browser_secret())
        page = Page(svc, session, gr.State({}), gr.State(""))
        gr.Markdown("## 年报助手 · 政府信息公开工作年度报告")
        status = gr.Markdown(svc.status, elem_classes="nb-status", elem_id="index-status")
        timer = gr.Timer(1.0)
        timer.tick(status_tick(svc), outputs=[status, timer], show_progress="hidden", **PRIVATE)
        chat, upload, edit, tables = ChatTab(page), UploadTab(page), EditTab(page), TablesTab(page)
        review, ask, corpus, settings = ReviewTab(page), AskTab(page), CorpusTab(page), SettingsTab(page)
        batch = BatchTab(page)
        with gr.Tabs():
            for tab in (chat, upload, edit, tables, review, batch, ask, corpus, settings):
                tab.build()
        for tab in (chat, upload, edit, tables, review, batch, ask, settings):
            tab.wire()
        corpus.wire(status, ask)
        for tab in (chat, upload, edit, tables):
            page.doc.change(guard(svc, tab.show, len(tab.views)), inputs=[page.doc], outputs=tab.views, **PRIVATE)

        loaded = [page.session, page.doc, page.tab, chat.chatbot, chat.proposal, chat.proposal_box]
        demo.load(guard(svc, load(svc), len(loaded)), inputs=[page.session], outputs=loaded, **PRIVATE)
        demo.load(guard(svc, settings.view, 5), outputs=settings.view_outputs, **PRIVATE)
        demo.load(guard(svc, corpus.listing, 4), outputs=corpus.listing_outputs, **PRIVATE)
        demo.load(guard(svc, corpus.alias_table, 1), outputs=[corpus.aliases], **PRIVATE)
        demo.load(guard(svc, ask.chart_choices, 1), outputs=[ask.org], **PRIVATE)
    return demo


def serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    auth: list[tuple[str, str]] | tuple[str, str] | None = None,
    admin: str | None = None,
    corpus_dir: Path | None = BUNDLED_CORPUS,
    block: bool = True,
    quiet: bool = False,
) -> tuple[gr.Blocks, str, Service]:
    """Build and launch the app; the bundled corpus is indexed in the background meanwhile. With a
    password, `admin` (default: the first user) may change the model settings; without one, the local
    machine may. With `block=False` it returns at once (tests, benchmarks); `demo.close()` stops it."""
    users = [auth] if isinstance(auth, tuple) else list(auth or [])
    svc = Service(settings, admin=admin or (users[0][0] if users else None), auth=bool(users))
    demo = build_app(svc)
    if corpus_dir is not None and corpus_dir.is_dir():
        svc.index_bundled(corpus_dir)
    demo.queue(default_concurrency_limit=2)
    _, url, _ = demo.launch(
        server_name=host or settings.server_name,
        server_port=port or settings.server_port,
        auth=throttled_auth(users) if users else None,
        auth_message="年报助手：请输入用户名和密码（连续输错 5 次需等待 5 分钟）",
        prevent_thread_lock=not block,
        quiet=quiet,
        theme=THEME,
        css=CSS,
        js=TOAST_JS,
        footer_links=[],  # the footer is in English; the named endpoints are documented in the README
        max_file_size=MAX_BYTES,  # gradio refuses a giant upload before it is read into memory
    )
    return demo, url, svc
