"""What the web app does, without the widgets: one `Workspace` per server, shared by every browser.

It holds the settings (environment plus what 设置 saved), the corpus (opened once, indexed under a
lock so two uploads at once cannot interleave), the autosaved drafts and the indexing status line.
The UI (webapp.py) and the named API endpoints both call these methods, so they behave the same.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .drafts import DraftStore
from .errors import InputError, UserError, internal_message, log_internal
from .report import Finding, Report
from .resources import bundled_corpus
from .settings import Settings
from .webapp_settings import LlmConfig, write_private

BUNDLED_CORPUS = bundled_corpus()
UNCHECKED = "未通过校验"
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
LOG_FILE = "webapp.log"


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def findings_json(findings: list[Finding]) -> dict:
    """The `check --json` form."""
    return {"ok": not has_errors(findings), "findings": [f.model_dump() for f in findings]}


def findings_markdown(findings: list[Finding]) -> str:
    if not findings:
        return "✅ 校验通过，未发现问题。"
    errors = sum(f.severity == "error" for f in findings)
    head = f"**共 {errors} 个错误，{len(findings) - errors} 个警告/提示。**"
    return "\n".join([head, "", *(f"- **{SEVERITY_ZH[f.severity]}** `{f.rule}` {f.message}" for f in findings)])


def summary_json(summary: Any) -> dict:
    """An IndexSummary as plain data, with its Chinese one-line description."""
    data = dataclasses.asdict(summary) if dataclasses.is_dataclass(summary) else dict(vars(summary))
    return {**data, "message": summary.describe()}


class Workspace:
    """Server-side state and actions shared by all sessions."""

    def __init__(self, settings: Settings) -> None:
        self.env_settings = settings
        self.data_dir = Path(settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.llm = LlmConfig(self.data_dir)
        self.drafts = DraftStore(self.data_dir)
        self.library = self.data_dir / "library"
        self._index_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._corpus: Any = None
        self.status = "语料库：尚未加载。"
        self.indexing = False

    @property
    def settings(self) -> Settings:
        return self.llm.apply(self.env_settings)

    def user_message(self, exc: Exception) -> tuple[str, str]:
        """What the user sees of a failure, as (title, message): a UserError's kind and message; for anything
        else, a bug of ours, its traceback goes to data_dir/logs/webapp.log and the message says where."""
        if isinstance(exc, UserError):
            return exc.kind, str(exc)
        return "内部错误", internal_message(exc, log_internal(exc, self.data_dir, LOG_FILE))

    def browser_secret(self) -> str:
        """The key that encrypts the session id in localStorage; kept on disk so a restart can read it."""
        path = self.data_dir / "browser-secret"
        if not path.is_file():
            write_private(path, secrets.token_hex(16))
        return path.read_text(encoding="utf-8").strip()

    # ── corpus ──

    def corpus(self) -> Any:
        """The corpus, opened on first use (chromadb is slow to import)."""
        with self._open_lock:
            if self._corpus is None:
                from .corpus import Corpus

                self._corpus = Corpus(self.settings)
            return self._corpus

    def index(self, paths: list[Path], progress: Callable[[int, int, str], None] | None = None) -> Any:
        """Index files; one run at a time, whoever asks (a second upload waits for the first)."""
        with self._index_lock:
            self.indexing = True
            try:
                summary = self.corpus().index(paths, progress=progress)
                self._discard_failed_uploads(summary.failed)
                return summary
            finally:
                self.indexing = False
                self.status = self.corpus_status()

    def keep_upload(self, path: str | Path, name: str | None = None) -> Path:
        """Copy an uploaded file into the data folder, so the corpus keeps a stable source to re-index."""
        src = Path(path)
        self.library.mkdir(parents=True, exist_ok=True)
        target = self.library / Path(name or src.name).name
        shutil.copyfile(src, target)
        return target

    def _discard_failed_uploads(self, failed: list[tuple[str, str]]) -> None:
        """An upload that could not be indexed is not kept: the library holds only reports the corpus knows."""
        library = self.library.resolve()
        for source, _ in failed:
            path = Path(source)
            if path.parent == library:
                path.unlink(missing_ok=True)

    def corpus_status(self) -> str:
        reports = self.corpus().list_reports()
        orgs = len({r["org"] for r in reports})
        return f"语料库：已收录 {len(reports)} 份报告（{orgs} 个机关）。"

    def index_bundled(self, folder: Path = BUNDLED_CORPUS) -> threading.Thread:
        """Index the bundled reports in the background; progress goes to the console and the status line."""

        def progress(done: int, total: int, name: str) -> None:
            self.status = f"语料库：正在索引内置报告 {done}/{total}（{name}）……"
            print(self.status, flush=True)

        def run() -> None:
            started = time.perf_counter()
            self.indexing = True
            self.status = "语料库：正在打开……"
            print(self.status, flush=True)
            try:
                summary = self.index([folder], progress)
            except Exception as exc:  # a background thread: whatever fails is shown on the status line
                self.indexing = False
                self.status = f"语料库：索引失败：{self.user_message(exc)[1]}"
                print(self.status, flush=True)
                return
            print(f"{summary.describe()}（用时 {time.perf_counter() - started:.1f} 秒）", flush=True)
            print(self.status, flush=True)

        thread = threading.Thread(target=run, name="index-bundled", daemon=True)
        thread.start()
        return thread

    # ── reports ──

    def parse(self, path: str | Path) -> Report:
        from .parser import parse_file

        return parse_file(path)

    def check(self, report: Report, prior: Report | None = None) -> list[Finding]:
        from .checks import check

        return check(report, prior)

    def draft(
        self,
        notes: str,
        org: str = "",
        year: int | None = None,
        tables: Any = None,
        prior: Report | None = None,
        on_progress: Callable[[str], None] | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Any:
        """A checked first draft (drafting.DraftResult); the corpus gives last year's report if indexed."""
        from .drafting import draft

        return draft(
            notes,
            org=org.strip() or None,
            year=int(year) if year else None,
            tables=tables,
            prior=prior,
            corpus=self.corpus(),
            settings=self.settings,
            on_progress=on_progress,
            on_token=on_token,
        )

    def ask(self, question: str) -> Any:
        from .ask import ask

        if not question.strip():
            raise InputError("请输入问题。")
        return ask(question, self.corpus(), self.settings)

    def export(self, report: Report, findings: list[Finding]) -> tuple[Path, Path]:
        """The draft as .docx and .md in a fresh temp folder (gradio serves files from there)."""
        from .export import to_docx, to_markdown

        status = UNCHECKED if has_errors(findings) else None
        folder = Path(tempfile.mkdtemp(prefix="nianbao-export-"))
        stem = f"{report.org or '年度报告'}{report.year or ''}年政府信息公开工作年度报告"
        stem = "".join(ch for ch in stem if ch not in '\\/:*?"<>|')
        md = folder / f"{stem}.md"
        md.write_text(to_markdown(report, findings, status), encoding="utf-8")
        return to_docx(report, folder / f"{stem}.docx", findings, status), md

    def markdown(self, report: Report | None, findings: list[Finding]) -> str:
        """The draft as shown beside the chat and in the upload tab."""
        if report is None:
            return "*尚无草稿。在“对话起草”中粘贴工作要点，或在“上传要点”中上传要点文件。*"
        from .export import to_markdown

        return to_markdown(report, findings, UNCHECKED if has_errors(findings) else None)

    # ── sessions ──

    def session(self, session_id: str | None) -> tuple[str, dict]:
        """A valid session id (a new one for a new browser) and its saved draft."""
        if not self.drafts.valid(session_id):
            session_id = self.drafts.new_session_id()
        return session_id, self.drafts.load(session_id)

    @staticmethod
    def report_of(draft: dict) -> Report | None:
        data = draft.get("report")
        return Report.model_validate(data) if data else None

    @staticmethod
    def findings_of(draft: dict) -> list[Finding]:
        return [Finding.model_validate(f) for f in draft.get("findings", [])]

    def save_report(self, session_id: str, report: Report, findings: list[Finding], **more: Any) -> dict:
        """Autosave a session's draft (report, findings and anything else such as notes or chat)."""
        if not self.drafts.valid(session_id):
            return {}
        return self.drafts.update(
            session_id,
            report=json.loads(report.model_dump_json()),
            findings=[f.model_dump() for f in findings],
            **more,
        )
