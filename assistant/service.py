"""What the web app does, without the widgets: sessions, drafts and their versions, locks, settings, status.

One `Service` per server, shared by every browser. Gradio never appears here, so the web package (one
module a tab) only translates between widgets and these methods, and the named API endpoints behave the same.

- Drafts: one JSON file per browser session (`DraftStore`), written atomically; a file that cannot be read
  is moved aside with a message, never treated as empty and overwritten.
- Versions: every generated, rewritten or edited state is kept with its parent, so 撤销 goes back one
  step and any earlier state can be restored; bursts of typing in one place make one version.
- Concurrent tabs: a save names the revision it started from; when another tab saved since, the two are
  merged field by field (a section's text, a table cell) and a field both changed keeps the earlier save.
- Settings: the saved key is bound to the URL it was saved with and only ever sent there; only the
  administrator may change them.
- The drafting engine is reached through `draft_report` and `rewrite_section` only, so it is easy to rewire.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import ipaddress
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bodies import alias_text, parse_aliases, save_aliases
from .errors import ConfigError, InputError, UserError, internal_message, log_internal
from .labels import SECTIONS
from .report import Finding, Report
from .resources import bundled_corpus
from .settings import Settings
from .tables import Location, Tables, grids

BUNDLED_CORPUS = bundled_corpus()
UNCHECKED = "未通过校验"
LOG_FILE = "webapp.log"
CONFIG_FILE, KEY_FILE = "llm-settings.json", "llm-key"
MAX_VERSIONS = 200
COALESCE_SECONDS = 120.0  # edits of one kind closer than this make one version
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def findings_json(findings: list[Finding]) -> dict:
    """The `check --json` form."""
    return {"ok": not has_errors(findings), "findings": [f.model_dump() for f in findings]}


def summary_json(summary: Any) -> dict:
    """An IndexSummary as a response carries it: file names (never the server's folders) and its Chinese line."""
    return {**summary.public(), "message": summary.describe()}


def write_private(path: Path, text: str) -> None:
    """Atomic write of a file only the owner can read (mkstemp creates it 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ── LLM settings ─────────────────────────────────────────────────────────────────────────────


def _url(value: str) -> str:
    return (value or "").strip().rstrip("/")


class LlmConfig:
    """The saved LLM base URL and model of one data folder, and the key with the URL it was saved for.

    The key file holds {"base_url", "key"}: the key goes only to that URL. Changing the URL without
    entering the key again is refused, so a user who can reach 设置 cannot redirect the key elsewhere."""

    def __init__(self, data_dir: Path) -> None:
        self.config_path = Path(data_dir) / CONFIG_FILE
        self.key_path = Path(data_dir) / KEY_FILE

    def saved(self) -> dict[str, str]:
        try:
            data = json.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: str(data[k]) for k in ("base_url", "model") if data.get(k)}

    def _saved_key(self) -> tuple[str, str]:
        """(URL the key belongs to, key); a key file of an earlier version (the bare key) belongs to the
        URL saved beside it."""
        try:
            raw = self.key_path.read_text(encoding="utf-8").strip()
        except OSError:
            return "", ""
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _url(str(data.get("base_url", ""))), str(data.get("key", ""))
        return _url(self.saved().get("base_url", "")), raw

    def has_key(self) -> bool:
        return bool(self._saved_key()[1])

    def key_for(self, base_url: str, env: Settings) -> str:
        """The key that may be sent to `base_url`: the saved key if it was saved for that URL, else the
        environment's key if that URL is the environment's; otherwise none."""
        bound, key = self._saved_key()
        if key and bound == _url(base_url):
            return key
        return env.openai_api_key if _url(base_url) == _url(env.openai_base_url) else ""

    def save(self, base_url: str, model: str, key: str, env: Settings) -> None:
        """Save URL and model; a non-empty key replaces the saved one (an empty box keeps it, for the same
        URL only: a new URL needs its key typed again)."""
        base_url, model, key = _url(base_url), model.strip(), key.strip()
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError("接口地址应以 http:// 或 https:// 开头")
        current = _url(self.saved().get("base_url", env.openai_base_url))
        if not key and base_url != current and self.has_key():
            raise ConfigError("更换接口地址后请重新输入 API 密钥：已保存的密钥只会发往保存它时的地址。")
        write_private(self.config_path, json.dumps({"base_url": base_url, "model": model}, ensure_ascii=False))
        if key:
            write_private(self.key_path, json.dumps({"base_url": base_url, "key": key}, ensure_ascii=False))

    def clear_key(self) -> None:
        self.key_path.unlink(missing_ok=True)

    def apply(self, settings: Settings) -> Settings:
        """The environment's settings with what was saved here on top; the key matches the URL."""
        saved = self.saved()
        base_url = saved.get("base_url", settings.openai_base_url)
        return dataclasses.replace(
            settings,
            openai_base_url=base_url,
            llm_model=saved.get("model", settings.llm_model),
            openai_api_key=self.key_for(base_url, settings),
        )


def check_connection(settings: Settings, timeout: float = 10.0) -> str:
    """Call the endpoint once with a one-token request, waiting at most `timeout` seconds; a Chinese verdict
    either way (llm.describe_error: never the server's own words, which may echo the key)."""
    if not settings.llm_enabled:
        return "未配置大模型：请填写接口地址或密钥后再测试。"
    from .llm import FAILURES, client, describe_error

    trial = dataclasses.replace(settings, llm_timeout=min(timeout, settings.llm_timeout))
    try:
        reply = client(trial).chat.completions.create(
            model=trial.llm_model, messages=[{"role": "user", "content": "你好"}], max_tokens=1
        )
    except FAILURES as exc:
        return f"连接失败：{describe_error(exc, trial)}。"
    return f"连接成功：模型“{reply.model or trial.llm_model}”已响应。"


# ── drafts, versions, merging ────────────────────────────────────────────────────────────────


class DraftStore:
    """Drafts under `<data_dir>/drafts/<session id>.json`, written atomically."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / "drafts"
        self.lock = threading.RLock()  # one read-modify-write at a time

    @staticmethod
    def new_session_id() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def valid(session_id: str | None) -> bool:
        """Only ids we issue are accepted, so a crafted id cannot name a file outside the folder."""
        return bool(session_id) and bool(_SESSION_ID.match(session_id or ""))

    def path(self, session_id: str) -> Path:
        if not self.valid(session_id):
            raise InputError("会话编号无效，请刷新页面。")
        return self.folder / f"{session_id}.json"

    def load(self, session_id: str | None) -> dict:
        """The saved draft of a session ({} when there is none). A file that cannot be read is moved aside
        and replaced by a draft holding only a notice that says where it went."""
        if not self.valid(session_id):
            return {}
        path = self.path(session_id or "")
        with self.lock:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    return data
            except FileNotFoundError:
                return {}
            except (OSError, ValueError):
                pass
            kept = path.with_name(f"{path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}.json")
            shutil.move(path, kept)
            notice = (
                f"自动保存的草稿文件已损坏，无法读取；原文件已另存为数据目录下的 drafts/{kept.name}，现为空白草稿。"
            )
            draft = {"notice": notice}
            self.save(session_id or "", draft)
            return draft

    def save(self, session_id: str, draft: dict) -> None:
        write_private(self.path(session_id), json.dumps({**draft, "saved_at": time.time()}, ensure_ascii=False))

    def update(self, session_id: str, **changes: object) -> dict:
        """Merge changes into the saved draft and save it; returns the merged draft."""
        with self.lock:
            draft = {**self.load(session_id), **changes}
            self.save(session_id, draft)
        return draft


def report_fields(report: Report) -> dict[tuple, Any]:
    """A report as independent fields: its identity, each section's text, each value cell."""
    out: dict[tuple, Any] = {("meta", k): getattr(report, k) for k in ("template", "org", "year", "title")}
    out.update({("section", h): t for h, t in report.sections.items()})
    for grid in grids(report.template):
        for c in grid.value_cells:
            out[("cell", c.ref)] = report.cell(c.ref)  # type: ignore[arg-type]
    return out


def field_name(key: tuple) -> str:
    kind, what = key
    if kind == "cell":
        return what.name()
    if kind == "section":
        return f"「{what}」"
    return {"template": "报告格式", "org": "机关名称", "year": "报告年度", "title": "标题"}[what]


def _apply(report: Report, key: tuple, value: Any) -> None:
    kind, what = key
    if kind == "meta":
        setattr(report, what, value)
    elif kind == "section":
        if value is None:
            report.sections.pop(what, None)
        else:
            report.sections[what] = value
        if what == SECTIONS[0].text:
            report.parts = {}  # a new 总体情况 drops the parts the old one was split into
    elif report.cell(what) != value:
        report.set(what, value)


def merge(base: Report, mine: Report, theirs: Report) -> tuple[Report, list[str]]:
    """`theirs` (saved meanwhile by another tab) with what `mine` changed since `base`, field by field; a
    field both changed differently keeps `theirs` and is named. A change of format takes `mine` whole."""
    if mine.template != base.template or theirs.template != base.template:
        return (mine, []) if theirs.template == base.template else (theirs, ["报告格式"])
    old, new, other = report_fields(base), report_fields(mine), report_fields(theirs)
    merged = theirs.model_copy(deep=True)
    conflicts = []
    for key in new.keys() | old.keys():
        if new.get(key) == old.get(key):
            continue
        if other.get(key) not in (old.get(key), new.get(key)):
            conflicts.append(field_name(key))
            continue
        _apply(merged, key, new.get(key))
    return merged, sorted(conflicts)


@dataclass
class Saved:
    """What a save did: the report now saved, its findings and revision, and the fields another tab had
    changed differently (kept as that tab saved them)."""

    report: Report
    findings: list[Finding]
    rev: int
    conflicts: list[str] = field(default_factory=list)
    merged: bool = False


@dataclass
class Proposal:
    """An LLM rewrite awaiting the user's decision, or the reason it was refused."""

    heading: str
    before: str
    after: str = ""
    refused: str = ""


# the facts a rewrite may not lose: figures and the （一）…（十） parts
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PART = re.compile(r"（[一二三四五六七八九十]+）")


def lost_facts(before: str, after: str) -> list[str]:
    """Figures and numbered parts of `before` that `after` no longer has."""
    lost = [n for n in dict.fromkeys(_NUMBER.findall(before)) if n not in _NUMBER.findall(after)]
    return lost + [p for p in dict.fromkeys(_PART.findall(before)) if p not in after]


def diff_html(before: str, after: str) -> str:
    """The change as escaped HTML: removed text in <del>, added text in <ins>."""
    out = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape(before[a1:a2]))
            continue
        if a2 > a1:
            out.append(f"<del>{html.escape(before[a1:a2])}</del>")
        if b2 > b1:
            out.append(f"<ins>{html.escape(after[b1:b2])}</ins>")
    return "".join(out).replace("\n", "<br>")


# ── the service ──────────────────────────────────────────────────────────────────────────────


class Service:
    """Server-side state and actions shared by all sessions."""

    def __init__(self, settings: Settings, *, admin: str | None = None, auth: bool = False) -> None:
        self.env_settings = settings
        self.data_dir = Path(settings.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.llm = LlmConfig(self.data_dir)
        self.drafts = DraftStore(self.data_dir)
        self.admin, self.auth = admin, auth
        self.index_lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._corpus: Any = None
        self.status = "语料库：尚未加载。"
        self.busy = False  # indexing in progress: the status line keeps polling

    @property
    def settings(self) -> Settings:
        return self.llm.apply(self.env_settings)

    def is_admin(self, username: str | None, host: str | None) -> bool:
        """Who may change the model settings: the named --auth user, or, without a password, the local machine."""
        if self.auth:
            return bool(username) and username == self.admin
        try:
            return ipaddress.ip_address((host or "").split("%")[0]).is_loopback
        except ValueError:
            return host == "localhost"

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

    # ── settings ──

    def save_settings(self, base_url: str, model: str, key: str) -> None:
        self.llm.save(base_url, model, key, self.env_settings)

    def trial_settings(self, base_url: str, model: str, key: str) -> Settings:
        """What 测试连接 uses: the boxes' URL and model; the typed key, else only a key saved for that URL."""
        current = self.settings
        base_url = _url(base_url)
        return dataclasses.replace(
            current,
            openai_base_url=base_url,
            llm_model=model.strip() or current.llm_model,
            openai_api_key=key.strip() or self.llm.key_for(base_url, self.env_settings),
        )

    # ── corpus ──

    def corpus(self) -> Any:
        """The corpus, opened on first use (chromadb is slow to import)."""
        with self._open_lock:
            if self._corpus is None:
                from .corpus import Corpus

                self._corpus = Corpus(self.settings)
            return self._corpus

    def index(self, paths: list[Path], progress: Callable[[int, int, str], None] | None = None) -> Any:
        """Index files or folders on the server (the bundled reports); one run at a time, whoever asks."""
        return self._indexing(lambda corpus: corpus.index(paths, progress=progress))

    def add_uploads(
        self, uploads: list[tuple[Path, str]], progress: Callable[[int, int, str], None] | None = None
    ) -> Any:
        """Uploaded (temporary file, its name) pairs kept in the file store by content and indexed, each read in a
        worker process with memory and time caps (so one bad upload cannot take the server down); an upload that
        cannot be indexed is not kept. Returns one summary of them all."""
        from .sandbox import read_in_worker

        def run(corpus: Any) -> Any:
            summaries = [
                corpus.add_upload(path, name, progress, read=lambda p, name=name: read_in_worker(p, name=name))
                for path, name in uploads
            ]
            return sum(summaries[1:], summaries[0])

        return self._indexing(run)

    def _indexing(self, run: Callable[[Any], Any]) -> Any:
        with self.index_lock:
            self.busy = True
            try:
                return run(self.corpus())
            finally:
                self.busy = False
                self.status = self.corpus_status()

    def remove(self, source: str) -> Any:
        """Remove an indexed file; another file of the same report set aside as its duplicate comes back."""
        from .sandbox import read_in_worker

        with self.index_lock:
            summary = self.corpus().remove(source, read=read_in_worker)
        self.status = self.corpus_status()
        return summary

    def alias_table(self) -> str:
        """The alias table of body names as its file holds it (bodies.py), for the 语料库 tab to edit."""
        return alias_text(self.settings.data_dir)

    def save_alias_table(self, text: str) -> list[tuple[str, str]]:
        """Check and save the alias table; returns the names now shown under another name. A table that would
        put two different reports of one year under one body is refused (the names are two bodies)."""
        with self.index_lock:
            corpus = self.corpus()
            if corpus.read_only:
                raise InputError(f"数据文件夹 {self.settings.data_dir} 只读，不能保存机关名称对照表。")
            before = set(corpus.clashes(corpus.names()))
            if new := [c for c in corpus.clashes(corpus.names(aliases=parse_aliases(text))) if c not in before]:
                raise InputError(
                    f"按此对照表合并后，{'；'.join(new[:3])}，说明这些名称不是同一机关：对照表未保存，请检查。"
                )
            save_aliases(self.settings.data_dir, text)
        self.status = self.corpus_status()
        return corpus.names().merged()

    def corpus_status(self) -> str:
        reports = self.corpus().list_reports()
        orgs = len({r["org"] for r in reports})
        return f"语料库：已收录 {len(reports)} 份报告（{orgs} 个机关）。"

    def index_bundled(self, folder: Path = BUNDLED_CORPUS) -> threading.Thread:
        """Index the bundled reports in the background; progress goes to the console and the status line."""

        def progress(done: int, total: int, name: str) -> None:
            self.status = f"语料库：正在索引内置报告 {done}/{total}" + (f"（{name}）……" if name else "……")
            print(self.status, flush=True)

        def run() -> None:
            started = time.perf_counter()
            self.busy = True
            self.status = "语料库：正在打开……"
            print(self.status, flush=True)
            try:
                summary = self.index([folder], progress)
            except Exception as exc:  # a background thread: whatever fails is shown on the status line
                self.busy = False
                self.status = f"语料库：索引失败：{self.user_message(exc)[1]}"
                print(self.status, flush=True)
                return
            print(f"{summary.describe()}（用时 {time.perf_counter() - started:.1f} 秒）", flush=True)
            print(self.status, flush=True)

        thread = threading.Thread(target=run, name="index-bundled", daemon=True)
        thread.start()
        return thread

    # ── reports ──

    def parse(self, path: str | Path, name: str | None = None) -> Report:
        """An uploaded report, read in a worker process with memory and time caps; `name` (the upload's own
        name) is how messages name it, never the server's temporary path."""
        from .sandbox import read_in_worker

        return read_in_worker(path, name=name)[1]

    def check(self, report: Report, prior: Report | None = None) -> list[Finding]:
        from .checks import check

        return check(report, prior)

    def review(self, path: str | Path, prior_path: str | Path | None = None) -> tuple[Report, list[Finding], str]:
        """A finished report checked, against last year's: the one given, else the corpus's if it has it.
        Returns the report, the findings and where last year's report came from ("" when none)."""
        report = self.parse(path)
        prior, source = None, ""
        if prior_path:
            prior, source = self.parse(prior_path), Path(prior_path).name
        elif report.org and report.year:
            try:
                prior = self.corpus().get_report(report.org, report.year - 1)
            except UserError:
                prior = None
            source = f"语料库中的{report.org}{report.year - 1}年报告" if prior is not None else ""
        return report, self.check(report, prior), source

    def review_batch(self, paths: list[Path], progress: Callable[[int, int, str], None] | None = None) -> list[Any]:
        """Many reports (files or .zip archives) checked, each against last year's report of the same body from
        the batch or the corpus; one unreadable file never stops the rest."""
        from .review import review

        try:
            corpus = self.corpus()
        except UserError:
            corpus = None  # without a corpus, reports are paired within the batch only
        return review(paths, corpus=corpus, progress=progress)

    def compare(self, old: str | Path, new: str | Path, names: tuple[str | None, str | None] = (None, None)) -> Any:
        """Two reports of one body side by side: last year's and this year's."""
        from .compare import compare

        return compare(self.parse(old, names[0]), self.parse(new, names[1]))

    def draft_report(
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

    def rewrite_section(
        self, report: Report, heading: str, instruction: str, notes: str, on_token: Callable[[str], None] | None
    ) -> Proposal:
        """An LLM rewrite of one section as a proposal; refused (with the reason) when the engine fell back
        or the rewrite loses a figure or a numbered part of the original."""
        from .drafting import revise_section

        before = report.sections.get(heading, "")
        revision = revise_section(report, heading, instruction, notes=notes, settings=self.settings, on_token=on_token)
        if revision.notices:
            return Proposal(heading, before, refused="；".join(revision.notices))
        if lost := lost_facts(before, revision.text):
            return Proposal(heading, before, revision.text, refused=f"改写稿遗漏了原文中的{'、'.join(lost)}，未采用")
        return Proposal(heading, before, revision.text)

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
        """The draft as the .md export has it ("" when there is none)."""
        if report is None:
            return ""
        from .export import to_markdown

        return to_markdown(report, findings, UNCHECKED if has_errors(findings) else None)

    # ── sessions ──

    def session(self, session_id: str | None) -> tuple[str, dict]:
        """A valid session id (a new one for a new browser) and its saved draft."""
        if not self.drafts.valid(session_id):
            session_id = self.drafts.new_session_id()
        return session_id or "", self.drafts.load(session_id)

    @staticmethod
    def report_of(draft: dict) -> Report | None:
        data = draft.get("report")
        return Report.model_validate(data) if data else None

    @staticmethod
    def findings_of(draft: dict) -> list[Finding]:
        return [Finding.model_validate(f) for f in draft.get("findings", [])]

    def take_notice(self, session_id: str) -> str:
        """A message left for the session (a damaged autosave), shown once."""
        with self.drafts.lock:
            draft = self.drafts.load(session_id)
            notice = draft.pop("notice", "")
            if notice:
                self.drafts.save(session_id, draft)
        return notice

    def save(
        self,
        session_id: str,
        report: Report,
        label: str,
        *,
        base: Report | None = None,
        base_rev: int | None = None,
        writer: str = "",
        **more: Any,
    ) -> Saved:
        """Save an edited report as a new version. When `base_rev` is not the saved revision (another tab
        saved meanwhile), what this save changed since `base` is merged into what is saved."""
        with self.drafts.lock:
            draft = self.drafts.load(session_id) if self.drafts.valid(session_id) else {}
            rev = int(draft.get("rev", 0))
            theirs = self.report_of(draft)
            conflicts: list[str] = []
            merged = base_rev is not None and base_rev != rev and theirs is not None and base is not None
            if merged:
                mine = report
                report, conflicts = merge(base, mine, theirs)  # type: ignore[arg-type]
                merged = report_fields(report) != report_fields(mine)  # another save brought something in
            findings = self.check(report)
            if not self.drafts.valid(session_id):
                return Saved(report, findings, rev, conflicts, merged)
            self._add_version(draft, report, label)
            draft["writers"] = {**draft.get("writers", {}), writer: rev + 1}  # which browser tab saved last when
            self.drafts.save(
                session_id,
                {
                    **draft,
                    **more,
                    "report": _dump(report),
                    "findings": [f.model_dump() for f in findings],
                    "rev": rev + 1,
                },
            )
            return Saved(report, findings, rev + 1, conflicts, merged)

    def latest(self, session_id: str) -> Report | None:
        return self.report_of(self.drafts.load(session_id)) if self.drafts.valid(session_id) else None

    def set_cell(
        self,
        session_id: str,
        cell: Location,
        value: Any,
        previous: Any,
        template: str,
        base_rev: int = 0,
        tab: str = "",
    ) -> Saved:
        """One typed cell saved onto the latest draft. When the cell no longer holds what the user saw
        (`previous`: another tab changed it meanwhile), the saved value stays and the cell is named; when
        anything else was saved since `base_rev`, the result says so (the tab must redraw)."""
        with self.drafts.lock:
            report = self.latest(session_id) or blank_report(template)
            current = report.cell(cell) if report.template == template else None
            if report.template != template or (previous != current and value != current):
                name = "报告格式" if report.template != template else cell.name()
                draft = self.drafts.load(session_id)
                return Saved(report, self.findings_of(draft), int(draft.get("rev", 0)), [name], merged=True)
            updated = report.model_copy(deep=True)
            updated.set(cell, value)
            writers = self.drafts.load(session_id).get("writers", {}) if self.drafts.valid(session_id) else {}
            saved = self.save(session_id, updated, "修改表格", writer=tab)
            # only another tab's save makes this one redraw: its own saves still in flight do not
            saved.merged = any(rev > base_rev for who, rev in writers.items() if who != tab)
            return saved

    def save_chat(self, session_id: str, chat: list) -> None:
        if self.drafts.valid(session_id):
            self.drafts.update(session_id, chat=chat)

    @staticmethod
    def _add_version(draft: dict, report: Report, label: str) -> None:
        """Append a version (or, for a burst of the same kind of edit on the newest version, update it)."""
        versions: list[dict] = draft.setdefault("versions", [])
        current = draft.get("current")
        now = time.time()
        last = versions[-1] if versions else None
        if (
            last
            and last["id"] == current
            and last["label"] == label
            and label in COALESCING
            and now - last["at"] < COALESCE_SECONDS
        ):
            last.update(at=now, report=_dump(report))
            return
        new_id = (last["id"] + 1) if last else 1
        versions.append({"id": new_id, "parent": current, "at": now, "label": label, "report": _dump(report)})
        del versions[:-MAX_VERSIONS]
        draft["current"] = new_id

    def versions(self, session_id: str) -> list[dict]:
        """The session's versions, newest first: id, label, time and whether it is the current one."""
        draft = self.drafts.load(session_id)
        current = draft.get("current")
        return [
            {"id": v["id"], "label": v["label"], "at": v["at"], "current": v["id"] == current}
            for v in reversed(draft.get("versions", []))
        ]

    def restore(self, session_id: str, version_id: int | None = None) -> Saved:
        """Make a version the current draft; without an id, the one before the current (撤销). Nothing is
        deleted: the version left stays in the list."""
        with self.drafts.lock:
            draft = self.drafts.load(session_id)
            versions = {v["id"]: v for v in draft.get("versions", [])}
            current = versions.get(draft.get("current"))
            target_id = version_id if version_id is not None else (current or {}).get("parent")
            if target_id not in versions:
                raise InputError("没有可以撤销的修改了。" if version_id is None else "找不到这个版本，请刷新后重试。")
            report = Report.model_validate(versions[target_id]["report"])
            findings = self.check(report)
            rev = int(draft.get("rev", 0)) + 1
            draft.update(report=_dump(report), findings=[f.model_dump() for f in findings], rev=rev, current=target_id)
            self.drafts.save(session_id, draft)
        return Saved(report, findings, rev)

    def propose(self, session_id: str, proposal: Proposal) -> None:
        self.drafts.update(session_id, pending=dataclasses.asdict(proposal) if not proposal.refused else None)

    def pending(self, session_id: str) -> Proposal | None:
        data = self.drafts.load(session_id).get("pending")
        return Proposal(**data) if data else None

    def decide(self, session_id: str, accept: bool) -> Saved | None:
        """Apply (accept) or drop the pending rewrite; the saved draft when it was applied."""
        proposal = self.pending(session_id)
        self.drafts.update(session_id, pending=None)
        if proposal is None or not accept:
            return None
        report = self.report_of(self.drafts.load(session_id))
        if report is None:
            raise InputError("草稿已不存在，无法采用改写稿。")
        if report.sections.get(proposal.heading, "") != proposal.before:
            raise InputError(f"“{proposal.heading}”在改写期间已被修改，改写稿未采用；请重新提出改写要求。")
        updated = with_section(report, proposal.heading, proposal.after)
        return self.save(session_id, updated, "大模型改写")


COALESCING = ("编辑正文", "修改表格")


def _dump(report: Report) -> dict:
    return json.loads(report.model_dump_json())


def with_section(report: Report, heading: str, text: str) -> Report:
    """The report with one section's text replaced; a new 总体情况 drops the old parts it was split into."""
    parts = {} if heading == SECTIONS[0].text else report.parts
    return report.model_copy(update={"sections": {**report.sections, heading: text}, "parts": parts}, deep=True)


def blank_report(template: str = "2021") -> Report:
    return Report(**Tables.blank(template).model_dump())  # type: ignore[arg-type]


def section_findings(findings: list[Finding], heading: str) -> list[Finding]:
    return [f for f in findings if f.where.section == heading]
