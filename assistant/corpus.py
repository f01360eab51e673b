"""The corpus of past reports: ingestion, chunking by section, Chroma persistence and hybrid retrieval.

Two stores live in the data folder: a SQLite file (which files were indexed with which content hash, each
parsed report with its tables, every chunk's text and jieba tokens) and a Chroma collection (the chunk
vectors, with org/year/section/page metadata for filtering). Figures are looked up in the parsed tables,
never retrieved as text. Retrieval fuses vector search with BM25 over jieba tokens (a persistent SQLite FTS5
index in the same database, lexicon.py) by reciprocal rank fusion.
A PDF chunk carries the page its text starts on, found through the reader's page breaks.

With `settings.chroma_url` a Chroma server holds everything another machine needs: the chunk vectors (their
documents are the indexed text, so chunk texts and tokens can be rebuilt) and a second collection,
"nianbao_reports", of parsed Report JSON (id = the file's sha256, metadata org/year/template/source/findings/
embedder). The local SQLite file is then a cache: before each lookup (at most every SYNC_SECONDS) it takes in
reports the server gained and drops those it lost, so a fresh data folder answers from the shared corpus, and a
file whose content the server already holds is not indexed again.

Nothing is lost or mixed: uploads are kept in a file store under their content hash (two bodies' files of one
name are two reports; no upload replaces a stored file), and indexing one file is one transaction. Its new
vectors are written first with their ids in a journal table, then one SQLite commit stores tables, chunks and
hash and journals the replaced version's vectors, which are dropped last; opening replays the journal, so a
crash at any point leaves the file's old version or its new one, never a mix or orphan vectors. Opening also
checks the SQLite file (damage: a message pointing to `index --rebuild`) and the Chroma collection against the
SQLite records (a lost or stale Chroma folder is re-embedded from the stored chunk texts); a read-only data
folder opens for queries only.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import sqlite3
import tempfile
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

import httpx
import numpy as np

from . import words
from .bodies import Names, figures, load_aliases, same_statistics
from .embeddings import ConfigError, HashEmbeddings, make_embeddings, tokens
from .errors import CorpusError, UserError
from .labels import SECTIONS
from .lexicon import Lexicon
from .readers import PAGE_BREAK, Document, load_bytes
from .report import Report
from .resources import bundled_corpus
from .sandbox import ReadReport, read_report
from .settings import Settings
from .textnums import sentences

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_chroma import Chroma  # heavy: imported when the corpus opens

SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".shtml", ".txt", ".md"})
CHUNK_CHARS = 500
RRF_K = 60
ADD_BATCH = 2000
# up to this many chunks pass a search's filters: their vectors are scored exactly (see _vector_top)
EXACT_LIMIT = 300
REPORTS_COLLECTION = "nianbao_reports"
DB_NAME = "corpus.sqlite3"
LIBRARY = "library"  # the file store of uploads, one folder per content hash
# a long-lived corpus (the web app) looks for other machines' changes on the server at most this often
SYNC_SECONDS = 5.0
SYNC_BATCH = 50
# the first characters of a chunk, without whitespace, that locate it in its document
PAGE_KEY_CHARS = 24
Progress = Callable[[int, int, str], None]
Method = Literal["hybrid", "bm25", "vector"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, embedder TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    source TEXT PRIMARY KEY, org TEXT NOT NULL, year INTEGER, template TEXT NOT NULL,
    findings INTEGER NOT NULL, report TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, org TEXT NOT NULL, year INTEGER, template TEXT NOT NULL,
    section TEXT NOT NULL, part TEXT NOT NULL, page INTEGER, text TEXT NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks(source);
CREATE TABLE IF NOT EXISTS shared (sha256 TEXT PRIMARY KEY, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS twins (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, same_as TEXT NOT NULL);
"""


@dataclass
class Chunk:
    """A retrieved passage and where it comes from; `score` is the fused rank score (higher is better)."""

    text: str
    org: str
    year: int | None
    template: str
    section: str
    part: str
    source: str
    page: int | None = None
    score: float = 0.0


def public_name(source: str) -> str:
    """What a user is shown of a stored file: its name, never the server's folders."""
    return Path(source).name


@dataclass
class IndexSummary:
    """What one `index` run did, file by file (sources are resolved paths)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # (file, the indexed file holding the same report, or a newer version of it): not indexed again
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    # (indexed file, the file of the same report that replaced it, why)
    replaced: list[tuple[str, str, str]] = field(default_factory=list)
    # what a user should check although nothing failed (two different reports of one body and year)
    notes: list[str] = field(default_factory=list)
    chunks: int = 0

    _LISTS = ("added", "updated", "skipped", "removed", "failed", "duplicates", "replaced", "notes")

    def public(self) -> dict:
        """The summary as a response may carry it: file names, never the server's folders."""
        names = {k: [public_name(s) for s in getattr(self, k)] for k in ("added", "updated", "skipped", "removed")}
        failed = [{"file": public_name(s), "reason": r.replace(s, public_name(s))} for s, r in self.failed]
        twins = [{"file": public_name(s), "same_as": public_name(t)} for s, t in self.duplicates]
        replaced = [{"file": public_name(s), "by": public_name(t), "why": why} for s, t, why in self.replaced]
        return {
            **names,
            "failed": failed,
            "duplicates": twins,
            "replaced": replaced,
            "notes": self.notes,
            "chunks": self.chunks,
            "summary": self.describe(),
        }

    def __add__(self, other: IndexSummary) -> IndexSummary:
        """Two runs' summaries as one (several uploads indexed one after another)."""
        lists = {k: getattr(self, k) + getattr(other, k) for k in self._LISTS}
        return IndexSummary(**lists, chunks=self.chunks + other.chunks)

    def describe(self) -> str:
        twins = f"与已收录报告重复未收录 {len(self.duplicates)} 份，" if self.duplicates else ""
        replaced = f"替换同一报告的旧文件 {len(self.replaced)} 份，" if self.replaced else ""
        return (
            f"新增 {len(self.added)} 份，更新 {len(self.updated)} 份，未变跳过 {len(self.skipped)} 份，"
            f"移除 {len(self.removed)} 份，{replaced}{twins}无法读取 {len(self.failed)} 份；写入 {self.chunks} 个段落。"
        )

    def details(self, name: Callable[[str], str] = public_name) -> list[str]:
        """One line per duplicate or replaced file and per note (the unreadable files are listed with their
        reasons); files are shown by `name` (the command line shows whole paths)."""
        twins = [f"{name(s)}：与已收录的“{name(t)}”是同一份报告（或其旧版本），未重复收录" for s, t in self.duplicates]
        replaced = [f"{name(s)}：已由同一份报告的“{name(t)}”替换（{why}）" for s, t, why in self.replaced]
        return twins + replaced + self.notes


# ── chunking ────────────────────────────────────────────────────────────────────────────────


def split_text(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Pieces of about `size` characters cut at sentence ends; an over-long sentence is cut by length."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences(text):
        for part in (sentence[i : i + size] for i in range(0, len(sentence), size)):
            if current and len(current) + len(part) > size:
                pieces.append(current)
                current = ""
            current += part
    if current:
        pieces.append(current)
    return pieces


def chunk_report(report: Report, size: int = CHUNK_CHARS) -> list[tuple[str, str, str]]:
    """(section, part, text) pieces: 总体情况 by its five parts (and the lead-in), other sections whole."""
    out: list[tuple[str, str, str]] = []
    for section, text in report.sections.items():
        if section == SECTIONS[0].text and report.parts:
            first = min((text.find(p) for p in report.parts.values() if p in text), default=-1)
            lead = text[:first] if first > 0 else ""
            spans = [("", lead), *report.parts.items()]
        else:
            spans = [("", text)]
        out += [(section, part, piece) for part, body in spans for piece in split_text(body, size)]
    return out


def chunk_pages(text: str, pieces: Sequence[str]) -> list[int | None]:
    """The 1-based page each piece starts on, from where its first characters sit in the document text
    (pages separated by the readers' PAGE_BREAK); None when they are not found. Whitespace is ignored, since
    the parser and the chunker re-join lines; pieces come in reading order, so each is looked for after the
    one before it first (a repeated sentence such as "无。" then lands on its own page)."""
    compact = ["".join(page.split()) for page in text.split(PAGE_BREAK)]
    starts = [0]
    for page in compact[:-1]:
        starts.append(starts[-1] + len(page))
    flat, cursor, pages = "".join(compact), 0, []
    for piece in pieces:
        key = "".join(piece.split())[:PAGE_KEY_CHARS]
        at = flat.find(key, cursor)
        at = flat.find(key) if at < 0 else at
        if key and at >= 0:
            pages.append(bisect_right(starts, at))
            cursor = at + 1
        else:
            pages.append(None)
    return pages


def _index_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed: a header naming the report and headings ("问题及改进"), then the
    text, so a question naming an org, a year or a section finds the chunk without filters too. The header
    is one line (org, section and part have no line breaks), so `_chunk_text` gets the text back."""
    return f"{chunk.org}{chunk.year}年报告 {chunk.section} {chunk.part}\n{chunk.text}"


def _chunk_text(indexed: str) -> str:
    return indexed.split("\n", 1)[-1]


# ── the corpus ───────────────────────────────────────────────────────────────────────────────


def _sha256(path: Path) -> str:
    return hashlib.sha256(load_bytes(path)).hexdigest()


def _chunk_id(source: str, seq: int, digest: str = "") -> str:
    """A chunk's id names its file and that file's content, so a new version of a file never overwrites the
    vectors of the version still indexed (they are dropped once the new one is committed)."""
    return f"{hashlib.blake2b((source + chr(10) + digest).encode(), digest_size=8).hexdigest()}-{seq}"


def _where(orgs: list[str], years: list[int] | None, section: str | None) -> dict | None:
    """The Chroma metadata filter of a search (`orgs`: the names one body is known by)."""
    conditions: list[dict] = []
    if orgs:
        conditions.append({"org": orgs[0]} if len(orgs) == 1 else {"org": {"$in": orgs}})
    if years:
        conditions.append({"year": {"$in": years}})
    if section:
        conditions.append({"section": section})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else None


def _words(text: str) -> str:
    return "".join(text.split())


def _marks(values: Sequence[object]) -> str:
    """SQL placeholders for an IN list."""
    return ",".join("?" * len(values))


def _llm_failures() -> tuple[type[BaseException], ...]:
    """The embedding endpoint's failures (llm.FAILURES), imported when needed."""
    from .llm import FAILURES

    return FAILURES


def _search_failures() -> tuple[type[BaseException], ...]:
    """What a vector search may raise that is the store's or the endpoint's fault, imported when needed."""
    from chromadb.errors import ChromaError

    return (ChromaError, sqlite3.Error, *_llm_failures())


def _collection_name(embedder: str) -> str:
    """Chroma accepts [a-zA-Z0-9._-]; one collection per embedder, since vector spaces do not mix."""
    return "reports-" + re.sub(r"[^a-zA-Z0-9._-]", "-", embedder)


def _damaged(db: Path, detail: object) -> CorpusError:
    detail = " ".join(str(detail).replace("*", "").split())[:160]
    return CorpusError(
        f"语料库文件 {db} 已损坏（{detail}）。请运行“python -m assistant index --rebuild”从保存的报告文件重建"
        "（网页版：语料库页的“重建语料库”按钮）；已保存的报告原文件不受影响"
    )


def _writable(folder: Path) -> bool:
    """Whether files can be created in the folder (asked of the file system, not of the permission bits,
    which do not stop root or a read-only mount)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def stored_name(name: str, fallback_suffix: str = "") -> str:
    """An upload's name made safe to store: its last component, without control characters; "", "." and ".."
    (or a hidden name) become "上传文件" with the upload's suffix."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "", Path(name.replace("\\", "/")).name).strip()
    return name if name and not name.startswith(".") else f"上传文件{fallback_suffix}"


def _recorded_sources(db: Path) -> set[str] | None:
    """The files an old SQLite file names, from every table that can still be read; None when none can."""
    if not db.is_file():
        return set()
    found: set[str] = set()
    readable = False
    for query in ("SELECT path FROM files", "SELECT source FROM reports", "SELECT DISTINCT source FROM chunks"):
        try:
            with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as old:
                found |= {source for (source,) in old.execute(query)}
                readable = True
        except sqlite3.Error:
            continue
    return found if readable else None


class Corpus:
    """Past reports in the data folder (or a Chroma server): `index` them, then `search` or look up tables.

    Opening checks the store (SQLite integrity, Chroma against the SQLite records, vectors left by an
    interrupted run) and repairs what it can; `notices` says what it did or why the corpus is query-only."""

    def __init__(self, settings: Settings, *, lazy: bool = False) -> None:
        """`lazy`: open the local vector store (1 s: chromadb and its checks) only when a search needs it, for
        one question that the tables may answer alone; its repairs are then noticed at that point."""
        self.settings = settings
        self.notices: list[str] = []
        try:
            self.embeddings, self.embedder = make_embeddings(settings)
        except ConfigError as exc:
            raise CorpusError(str(exc)) from exc
        self.read_only = not _writable(settings.data_dir)
        self.db = self._open_db()
        self._lexicon = self._open_lexicon()
        words.use(settings.data_dir)
        self._synced_at = -math.inf
        self._chroma: Chroma | None = None
        self._shared: Collection | None = None
        if not lazy or settings.chroma_url:
            self._open_store()

    @property
    def _vectors(self) -> Chroma:
        return self._chroma or self._open_store()

    def _open_store(self) -> Chroma:
        """Open the vector store (and, with a server, the shared reports), then bring it in step with SQLite."""
        try:
            client = self._client()
            self._chroma = self._open_vectors(client)
            # the parsed reports, shared with the other machines using the server; no embedder (see _share)
            if self.settings.chroma_url:
                self._shared = client.get_or_create_collection(REPORTS_COLLECTION, embedding_function=None)
        except Exception as exc:  # only chromadb runs here, and what it raises depends on the
            # backend (ValueError for a refused connection, its own errors, sqlite3 or Rust panics for a damaged
            # store): every failure to open is the store's, and the user gets one clear message
            raise CorpusError(
                f"无法打开向量库（{self._where_stored}）：{exc}。本机向量库损坏时，"
                "请运行“python -m assistant index --rebuild”重建"
            ) from exc
        if not self.read_only:
            self._replay_journal()
            if self._shared is None:
                self._check_vectors()
        return self._chroma

    def _open_lexicon(self) -> Lexicon:
        """The persistent lexical index, rebuilt from the stored chunks when it is not in step with them (a data
        folder indexed before it existed, or a rebuilt one)."""
        try:
            # a read-only database cannot hold a new index: the words are indexed in memory instead
            lexicon = Lexicon(sqlite3.connect(":memory:", check_same_thread=False) if self.read_only else self.db)
            (count,) = self.db.execute("SELECT count(*) FROM chunks").fetchone()
            if lexicon.size() != count:
                lexicon.rebuild(self.db.execute("SELECT id, org, year, section, tokens FROM chunks"))
                lexicon.db.commit()
        except sqlite3.Error as exc:
            raise CorpusError(f"无法使用数据文件夹 {self.settings.data_dir}：{exc}") from exc
        return lexicon

    @property
    def _where_stored(self) -> str:
        return self.settings.chroma_url or str(self.settings.data_dir / "chroma")

    @property
    def library(self) -> Path:
        """The file store: every uploaded file under a folder named by its content's sha256."""
        return self.settings.data_dir / LIBRARY

    def _open_db(self) -> sqlite3.Connection:
        """The SQLite file, checked (quick_check) before use; opened read-only when the folder is."""
        path = self.settings.data_dir / DB_NAME
        try:
            if self.read_only:
                if not path.is_file():
                    raise CorpusError(
                        f"无法使用数据文件夹 {self.settings.data_dir}：无法在其中写入，其中也没有可查询的语料库；"
                        "请检查文件夹路径和权限"
                    )
                db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
                self.notices.append(f"数据文件夹 {self.settings.data_dir} 只读：可以查询往年报告，不能收录或移除报告。")
            else:
                db = sqlite3.connect(path, check_same_thread=False)
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise _damaged(path, exc) from exc
        except OSError as exc:
            raise CorpusError(f"无法使用数据文件夹 {self.settings.data_dir}：{exc.strerror or exc}") from exc
        if verdict != "ok":
            db.close()
            raise _damaged(path, verdict)
        if not self.read_only:
            db.executescript(_SCHEMA)
        return db

    def _client(self) -> ClientAPI:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if not self.settings.chroma_url:
            return chromadb.PersistentClient(path=self._local_chroma(), settings=chroma_settings)
        url = urlparse(self.settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )

    def _local_chroma(self) -> str:
        """The Chroma folder; for a read-only data folder a private copy, since Chroma writes even to read."""
        folder = self.settings.data_dir / "chroma"
        if not self.read_only:
            return str(folder)
        self._copy = tempfile.TemporaryDirectory(prefix="nianbao-chroma-")
        if folder.is_dir():
            shutil.copytree(folder, self._copy.name, dirs_exist_ok=True)
        return self._copy.name

    def _open_vectors(self, client: ClientAPI) -> Chroma:
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=_collection_name(self.embedder),
            embedding_function=self.embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )

    # ── repair ──

    def _replay_journal(self) -> None:
        """Drop the vectors an interrupted run left: those written before its SQLite commit, or those it
        replaced after. Either way the SQLite records are the truth and these ids are not in them."""
        if ids := [cid for (cid,) in self.db.execute("SELECT id FROM journal")]:
            for start in range(0, len(ids), ADD_BATCH):
                self._vectors.delete(ids=ids[start : start + ADD_BATCH])
            with self.db:
                self.db.execute("DELETE FROM journal")

    def _check_vectors(self) -> None:
        """Make the Chroma collection hold exactly the chunks SQLite records: orphans are deleted, missing
        vectors (a deleted or older Chroma folder) are embedded again from the stored chunk texts."""
        recorded = self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if self._vectors._collection.count() == recorded:
            return
        held = set(self._vectors.get(include=[])["ids"])
        rows = self.db.execute("SELECT id, text, org, year, template, section, part, source, page FROM chunks")
        missing = {cid: Chunk(*row) for cid, *row in rows if cid not in held}
        orphans = sorted(held - {cid for (cid,) in self.db.execute("SELECT id FROM chunks")})
        for start in range(0, len(orphans), ADD_BATCH):
            self._vectors.delete(ids=orphans[start : start + ADD_BATCH])
        self._add_vectors(list(missing), list(missing.values()))
        self.notices.append(
            f"向量库与语料库记录不一致，已修复：补建 {len(missing)} 个段落的向量，删除 {len(orphans)} 个多余向量。"
        )

    def _require_writable(self) -> None:
        if self.read_only:
            raise CorpusError(
                f"数据文件夹 {self.settings.data_dir} 只读，不能收录或移除报告；请检查文件夹权限或换一个数据文件夹"
            )

    # ── ingestion ──

    def index(
        self, paths: Iterable[str | Path], progress: Progress | None = None, read: ReadReport | None = None
    ) -> IndexSummary:
        """Add files and folders: unchanged files skipped, changed ones re-indexed, vanished ones pruned.
        `read` turns a file into its document and report (default: in this process; the web app passes
        `sandbox.read_in_worker`). A file that cannot be read is listed and never stops the run."""
        self._require_writable()
        words.build(self.settings.data_dir)
        words.use(self.settings.data_dir)
        summary = IndexSummary()
        files: list[Path] = []
        for raw in paths:
            path = Path(raw).resolve()
            if path.is_dir():
                found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
                files += found
                summary.removed += self._prune(path, {str(p) for p in found})
            elif path.is_file():
                files.append(path)
            else:
                reason = "不是普通文件（设备、管道或套接字）" if path.exists() else "找不到该文件或文件夹"
                summary.failed.append((str(path), reason))
        if progress:
            progress(0, len(files), "")
        for done, path in enumerate(files, 1):
            self._index_file(path, summary, read or read_report)
            if progress:
                progress(done, len(files), path.name)
        return summary

    def _index_file(self, path: Path, summary: IndexSummary, read: ReadReport) -> None:
        source = str(path)
        try:
            digest = _sha256(path)
            known = self.db.execute("SELECT sha256, embedder FROM files WHERE path = ?", (source,)).fetchone()
            if self._unchanged(source, digest, known):
                summary.skipped.append(source)
                return
            if same := self._known_twin(source, digest):
                summary.duplicates.append((source, same))
                return
            document, report = read(path)
        except UserError as exc:  # unreadable, beyond a limit, a bad cell: this file only
            summary.failed.append((source, str(exc)))
            return
        if not report.org or report.year is None or not report.sections:
            summary.failed.append((source, "未识别出机关、年度或章节，不像是政府信息公开工作年度报告"))
            return
        skip, replaces, why = self._duplicate(report, source, digest, bool(known), summary)
        if skip:
            return
        summary.chunks += self._store(report, document, digest)
        if replaces:
            (held,) = self.db.execute("SELECT sha256 FROM files WHERE path = ?", (replaces,)).fetchone() or ("",)
            self._set_aside(replaces, held, source, withdraw=True)
            summary.replaced.append((replaces, source, why))
        (summary.updated if known else summary.added).append(source)

    def _duplicate(
        self, report: Report, source: str, digest: str, known: bool, summary: IndexSummary
    ) -> tuple[bool, str, str]:
        """Whether this file holds a report indexed from another file (same body and year, `same_statistics`):
        the file that reads fewer figures is the duplicate, set aside and listed; of two that read as many, a
        new text replaces the old one (a corrected narrative uploaded again), the same text is the duplicate.
        Returns (skip this file, the indexed file it replaces once stored, why). Another report of the same
        body and year whose tables differ is indexed too, with a note to check which one is official."""
        twins = self._same_body_year(report, source)
        same = next(((other, held) for other, held in twins if same_statistics(report, held)), None)
        if same is None:
            if twins:
                name = self.names().canonical(report.org)
                summary.notes.append(
                    f"{public_name(source)}：{name}{report.year}年已收录另一份报告（{public_name(twins[0][0])}），"
                    "两份的统计表不同，两份都已收录；查询数字时用解析提示少的一份，请核对哪一份是正式发布的。"
                )
            return False, "", ""
        other, held = same
        mine, theirs = len(figures(report)), len(figures(held))
        if mine < theirs or (mine == theirs and _words(report.text) == _words(held.text)):
            self._set_aside(source, digest, other, withdraw=known)
            summary.duplicates.append((source, other))
            return True, "", ""
        # a web page beside its flattened text, or a corrected narrative
        return False, other, "统计表相同，新文件读出的数字更多" if mine > theirs else "统计表相同，正文有改动"

    def _known_twin(self, source: str, digest: str) -> str:
        """The indexed file these bytes were found to duplicate before, under this name or another ("" when none is
        recorded or it is gone): an old version uploaded again does not replace its correction."""
        row = self.db.execute(
            "SELECT same_as FROM twins JOIN files ON files.path = twins.same_as "
            "WHERE twins.sha256 = ? ORDER BY twins.path = ? DESC",
            (digest, source),
        ).fetchone()
        return row[0] if row else ""

    def _set_aside(self, source: str, digest: str, same_as: str, withdraw: bool) -> None:
        """Record that `source` holds the report indexed from `same_as` (withdrawing what it had indexed)."""
        if withdraw:
            self._withdraw(source)
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO twins VALUES (?, ?, ?)", (source, digest, same_as))

    def _same_body_year(self, report: Report, source: str) -> list[tuple[str, Report]]:
        """The other indexed files of this report's body (by merged name) and year, with their reports."""
        variants = self.names(report.org).variants(report.org)
        rows = self.db.execute(
            f"SELECT source, report FROM reports WHERE year = ? AND source != ? AND org IN ({_marks(variants)})",
            (report.year, source, *variants),
        )
        return [(other, Report.model_validate_json(data)) for other, data in rows]

    def _unchanged(self, source: str, digest: str, known: tuple[str, str] | None) -> bool:
        """Locally: these bytes were indexed with this embedder. With a server: the server holds these bytes
        with this embedder, indexed here or on another machine (then an older version indexed from here
        under this path is withdrawn)."""
        if self._shared is None:
            return known == (digest, self.embedder)
        held = self._shared.get(ids=[digest], include=["metadatas"])["metadatas"]
        if not held or held[0].get("embedder") != self.embedder:
            return False
        if known and held[0]["source"] != source:
            self._withdraw(source)
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (source, digest, self.embedder))
        self.db.commit()
        return True

    def _store(self, report: Report, document: Document, digest: str) -> int:
        """Write one parsed report as one transaction: its chunks' vectors first (their ids journaled, so a
        crash before the commit leaves none behind), then its tables, chunks and hash in one SQLite commit
        that also journals the replaced version's vectors, which are dropped last."""
        from .checks import check

        source = document.source
        meta = {"org": report.org, "year": report.year, "template": report.template, "source": source}
        pieces = chunk_report(report)
        pages = chunk_pages(document.text, [body for _, _, body in pieces]) if document.pages else []
        chunks = [
            Chunk(body, section=s, part=p, page=pages[i] if pages else None, **meta)
            for i, (s, p, body) in enumerate(pieces)
        ]
        ids = [_chunk_id(source, i, digest) for i in range(len(chunks))]
        stale = self._stale_ids(source, set(ids))
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO journal VALUES (?)", [(cid,) for cid in ids])
        cut = [tokens(_index_text(c)) for c in chunks]  # once, for the vectors and the lexical index
        self._add_vectors(ids, chunks, cut)
        findings = len(check(report))  # check() counts the parse findings already
        if self._shared is not None:
            self._share(self._shared, report, source, digest, findings)
        with self.db:
            self._drop_local(source)
            self._save_report(report, source, findings)
            self._insert_chunks(ids, chunks, cut)
            self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (source, digest, self.embedder))
            if self._shared is not None:
                self.db.execute("INSERT OR REPLACE INTO shared VALUES (?, ?)", (digest, source))
            self.db.executemany("DELETE FROM journal WHERE id = ?", [(cid,) for cid in ids])
            self.db.executemany("INSERT OR IGNORE INTO journal VALUES (?)", [(cid,) for cid in stale])
        self._replay_journal()
        return len(chunks)

    def _stale_ids(self, source: str, keep: set[str]) -> list[str]:
        """The vectors of what is indexed under `source` now (on a server: by any machine), except `keep`."""
        if self._shared is not None:
            held = self._vectors.get(where={"source": source}, include=[])["ids"]
        else:
            held = [cid for (cid,) in self.db.execute("SELECT id FROM chunks WHERE source = ?", (source,))]
        return [cid for cid in held if cid not in keep]

    def _save_report(self, report: Report, source: str, findings: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            (source, report.org, report.year, report.template, findings, report.model_dump_json()),
        )

    def _share(self, shared: Collection, report: Report, source: str, digest: str, findings: int) -> None:
        """Put the parsed report on the server (replacing what was there under this path). The collection is
        never searched by vector, so each entry gets the same one-dimensional placeholder instead of an
        embedding (and no embedder downloads one)."""
        meta = {"org": report.org, "year": report.year, "template": report.template, "source": source}
        shared.upsert(
            ids=[digest],
            documents=[report.model_dump_json()],
            embeddings=[[1.0]],
            metadatas=[{**meta, "findings": findings, "embedder": self.embedder}],
        )
        if older := [d for d in shared.get(where={"source": source}, include=[])["ids"] if d != digest]:
            shared.delete(ids=older)

    def add_chunks(self, chunks: list[Chunk]) -> None:
        """Store chunks of sources not indexed otherwise (bulk loads such as the benchmark's): vectors, then
        texts and tokens in one SQLite commit."""
        ids = [_chunk_id(c.source, seq) for seq, c in enumerate(chunks)]
        with self.db:
            self.db.executemany("INSERT OR IGNORE INTO journal VALUES (?)", [(cid,) for cid in ids])
        cut = [tokens(_index_text(c)) for c in chunks]
        self._add_vectors(ids, chunks, cut)
        with self.db:
            self._insert_chunks(ids, chunks, cut)
            self.db.executemany("DELETE FROM journal WHERE id = ?", [(cid,) for cid in ids])

    def _add_vectors(self, ids: list[str], chunks: list[Chunk], cut: list[list[str]] | None = None) -> None:
        """Embed and store chunks in Chroma, in batches (Chroma limits one request). `cut`: the chunks' words,
        when already cut for the lexical index (the offline embedder uses them instead of cutting again)."""
        fields = ("org", "year", "template", "section", "part", "source", "page")
        for start in range(0, len(chunks), ADD_BATCH):
            batch = chunks[start : start + ADD_BATCH]
            # Chroma metadata has no null: a chunk without a page has no "page" key
            metadatas = [{f: v for f in fields if (v := getattr(c, f)) is not None} for c in batch]
            texts = [_index_text(c) for c in batch]
            if cut is not None and isinstance(self.embeddings, HashEmbeddings):
                words = cut[start : start + ADD_BATCH]
                vectors = [self.embeddings.embed_one(t, w).tolist() for t, w in zip(texts, words, strict=True)]
            else:
                vectors = self.embeddings.embed_documents(texts)
            # what langchain's add_texts does after embedding, without its second cut of every text
            self._vectors._collection.upsert(
                ids=ids[start : start + ADD_BATCH],
                embeddings=vectors,  # type: ignore[arg-type]
                metadatas=metadatas,  # type: ignore[arg-type]
                documents=texts,
            )

    def _insert_chunks(self, ids: list[str], chunks: list[Chunk], cut: list[list[str]]) -> None:
        """The chunks' texts and words, and their lexical index entries, in the caller's transaction."""
        spaced = [" ".join(words) for words in cut]
        self.db.executemany(
            "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (cid, c.source, c.org, c.year, c.template, c.section, c.part, c.page, c.text, w)
                for cid, c, w in zip(ids, chunks, spaced, strict=True)
            ],
        )
        self._lexicon.add((cid, c.org, c.year, c.section, w) for cid, c, w in zip(ids, chunks, spaced, strict=True))

    def _prune(self, folder: Path, present: set[str]) -> list[str]:
        prefix = str(folder).rstrip("/") + "/"
        rows = self.db.execute("SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        gone = [path for (path,) in rows.fetchall() if path not in present]
        for source in gone:
            self.remove(source)
        return gone

    def _drop_local(self, source: str) -> None:
        self._lexicon.remove(cid for (cid,) in self.db.execute("SELECT id FROM chunks WHERE source = ?", (source,)))
        for table in ("chunks", "reports", "shared"):
            self.db.execute(f"DELETE FROM {table} WHERE source = ?", (source,))

    def remove(self, source: str, read: ReadReport | None = None) -> IndexSummary:
        """Forget one indexed file: its chunks, vectors, tables and hash, and its copy in the file store. Files
        set aside as duplicates of it are indexed again (with `read`), so the report stays in the corpus."""
        self._require_writable()
        self._withdraw(source)
        folder = Path(source).parent
        if folder.parent == self.library.resolve():
            shutil.rmtree(folder, ignore_errors=True)
        twins = [path for (path,) in self.db.execute("SELECT path FROM twins WHERE same_as = ?", (source,))]
        with self.db:
            self.db.execute("DELETE FROM twins WHERE same_as = ? OR path = ?", (source, source))
        return self.index([p for p in twins if Path(p).is_file()], read=read)

    def _withdraw(self, source: str) -> None:
        """Drop what is indexed under `source` in one commit, its vectors journaled and then deleted."""
        stale = self._stale_ids(source, set())
        with self.db:
            self._drop_local(source)
            self.db.execute("DELETE FROM files WHERE path = ?", (source,))
            self.db.executemany("INSERT OR IGNORE INTO journal VALUES (?)", [(cid,) for cid in stale])
        if self._shared is not None:
            held = self._shared.get(where={"source": source}, include=[])["ids"]
            if held:
                self._shared.delete(ids=held)
        self._replay_journal()

    # ── the file store ──

    def keep(self, path: str | Path, name: str | None = None) -> Path:
        """Copy an uploaded file into the file store, under a folder named by its content's sha256: the
        same name from two bodies gives two files, and no upload ever replaces a stored file. The copy is
        written to a temporary name and renamed, so a failed copy leaves nothing."""
        src = Path(path)
        self._require_writable()
        data = load_bytes(src)
        folder = self.library.resolve() / hashlib.sha256(data).hexdigest()
        if folder.is_dir() and (held := [p for p in folder.iterdir() if p.is_file() and p.name[0] != "."]):
            return held[0]  # these bytes are stored already, under the name they came with first
        target = folder / stored_name(name or src.name, src.suffix)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{target.name}.partial"
        partial.write_bytes(data)
        partial.replace(target)
        return target

    def add_upload(
        self,
        path: str | Path,
        name: str | None = None,
        progress: Progress | None = None,
        read: ReadReport | None = None,
    ) -> IndexSummary:
        """Keep an upload in the file store and index it; an upload that cannot be indexed is not kept
        (and, being stored by its content, never touched another file)."""
        kept = self.keep(path, name)
        summary = self.index([kept], progress, read)
        indexed = self.db.execute("SELECT 1 FROM files WHERE path = ?", (str(kept),)).fetchone()
        if (summary.failed or summary.duplicates) and not indexed:
            shutil.rmtree(kept.parent, ignore_errors=True)
        return summary

    @classmethod
    def rebuild(
        cls, settings: Settings, paths: Iterable[str | Path] = (), progress: Progress | None = None
    ) -> tuple[Corpus, IndexSummary]:
        """Rebuild the corpus from the stored files: the SQLite file is set aside (as corpus.sqlite3.bak) and
        the local Chroma folder removed, then every file the old records name (as far as they can be read;
        when they cannot, the bundled reports, with a notice), every file in the file store and `paths` are
        indexed again. Works on a damaged data folder. Another Corpus open on the same folder in this process
        must be dropped: the new one replaces it."""
        data = settings.data_dir
        recorded = _recorded_sources(data / DB_NAME)
        sources = set(recorded or ()) | ({str(bundled_corpus())} if recorded is None else set())
        if (data / LIBRARY).is_dir():
            sources |= {str(p.resolve()) for p in (data / LIBRARY).rglob("*") if p.is_file() and p.name[0] != "."}
        if not _writable(data):
            raise CorpusError(f"数据文件夹 {data} 只读，无法重建语料库；请检查文件夹权限")
        for suffix in ("", "-journal", "-wal"):
            old = data / f"{DB_NAME}{suffix}"
            if old.exists():
                old.replace(data / f"{DB_NAME}{suffix}.bak")
        if not settings.chroma_url:
            from chromadb.api.client import SharedSystemClient

            shutil.rmtree(data / "chroma", ignore_errors=True)
            SharedSystemClient.clear_system_cache()  # the process's clients of the removed folder
        corpus = cls(settings)
        if recorded is None:
            corpus.notices.append(
                "原语料库记录已无法读取：已重新收录随附的往年报告和上传保存的报告；"
                "其他位置的报告请用 index 命令重新收录。"
            )
        targets = [*paths, *sorted(s for s in sources if Path(s).exists())]
        summary = corpus.index(targets or [bundled_corpus()], progress)
        summary.failed += [(s, "文件已不存在，无法重建") for s in sorted(sources) if not Path(s).exists()]
        return corpus, summary

    # ── the server's reports, copied into the local cache ──

    def _sync(self) -> None:
        """Take in the reports the server gained (from any machine) and drop those it lost."""
        shared = self._shared
        if shared is None or time.monotonic() - self._synced_at < SYNC_SECONDS:
            return
        from chromadb.errors import ChromaError

        try:
            held = shared.get(include=["metadatas"])
            server = {digest: meta["source"] for digest, meta in zip(held["ids"], held["metadatas"], strict=True)}
            local = dict(self.db.execute("SELECT sha256, source FROM shared").fetchall())
            for digest in local.keys() - server.keys():
                self._drop_local(local[digest])
                # so that indexing the file again puts it back on the server
                self.db.execute("DELETE FROM files WHERE path = ? AND sha256 = ?", (local[digest], digest))
            new = sorted(server.keys() - local.keys())
            for start in range(0, len(new), SYNC_BATCH):
                self._fetch(shared, new[start : start + SYNC_BATCH])
        # the server went away (httpx, or chromadb's ValueError and own errors) or answered nonsense (KeyError)
        except (ChromaError, httpx.HTTPError, sqlite3.Error, ValueError, KeyError) as exc:
            self.db.rollback()
            raise CorpusError(f"无法从向量库（{self._where_stored}）同步报告：{exc}") from exc
        self.db.commit()
        self._synced_at = time.monotonic()

    def _fetch(self, shared: Collection, digests: list[str]) -> None:
        """Copy reports and their chunks (texts re-tokenised, pages kept) from the server."""
        got = shared.get(ids=digests, include=["documents", "metadatas"])
        for digest, report, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            source = meta["source"]
            self._drop_local(source)
            self._save_report(Report.model_validate_json(report), source, meta["findings"])
            chunks = self._vectors.get(where={"source": source}, include=["documents", "metadatas"])
            rows = [
                (cid, source, m["org"], m["year"], m["template"], m["section"], m["part"], m.get("page"))
                + (_chunk_text(text), " ".join(tokens(text)))
                for cid, text, m in zip(chunks["ids"], chunks["documents"], chunks["metadatas"], strict=True)
            ]
            self.db.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self._lexicon.add((r[0], r[2], r[3], r[5], r[9]) for r in rows)  # the server's chunks, searchable here
            self.db.execute("INSERT OR REPLACE INTO shared VALUES (?, ?)", (digest, source))

    # ── lookup ──

    def _raw_orgs(self) -> list[str]:
        return [org for (org,) in self.db.execute("SELECT DISTINCT org FROM reports")]

    def names(self, *asked: str, aliases: dict[str, str] | None = None) -> Names:
        """Every indexed body's merged name (bodies.py), from the names the reports print, the alias table (or
        `aliases`) and the names `asked` for (a batch's "洪泽区人民政府" finds the corpus's "淮安市洪泽区人民政府")."""
        self._sync()
        table = load_aliases(self.settings.data_dir) if aliases is None else aliases
        return Names([*self._raw_orgs(), *asked], table)

    def clashes(self, names: Names) -> list[str]:
        """Where merged names put two reports of one year whose tables differ under one body: bodies that are
        not one (an alias joining two of them), named with the year."""
        groups: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for source, org, year in self.db.execute("SELECT source, org, year FROM reports"):
            groups.setdefault((names.canonical(org), year), []).append((source, org))
        out = []
        for (name, year), files in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or 0)):
            printed = sorted({org for _, org in files})
            if len(printed) < 2:
                continue
            sql = "SELECT report FROM reports WHERE source = ?"
            reports = [Report.model_validate_json(self.db.execute(sql, (s,)).fetchone()[0]) for s, _ in files]
            if not all(same_statistics(reports[0], other) for other in reports[1:]):
                out.append(f"{name}{year}年（{'、'.join(printed)}的报告统计表不同）")
        return out

    def list_reports(self) -> list[dict]:
        """Every indexed file: its body's merged name ("org") and the name the report prints ("printed")."""
        names = self.names()
        rows = self.db.execute("SELECT org, year, source, template, findings FROM reports")
        keys = ("printed", "year", "source", "template", "findings")
        listed = [{"org": names.canonical(row[0]), **dict(zip(keys, row, strict=True))} for row in rows]
        return sorted(listed, key=lambda r: (r["org"], r["year"] or 0, r["source"]))

    def years(self, org: str | None = None) -> list[int]:
        """Years indexed (for one org, or for all), ascending."""
        sql, args = "SELECT DISTINCT year FROM reports", ()
        if org:
            variants = self.names(org).variants(org)
            sql, args = sql + f" WHERE org IN ({_marks(variants)})", tuple(variants)
        else:
            self._sync()
        return sorted(y for (y,) in self.db.execute(sql, args) if y is not None)

    def orgs(self) -> list[str]:
        """The indexed bodies, each once under its merged name."""
        return self.names().names()

    def get_report(self, org: str, year: int) -> Report | None:
        """An org's report of a year, under the org's merged name; of two files of one report, the one parsed
        with fewer doubts."""
        names = self.names(org)
        variants = names.variants(org)
        row = self.db.execute(
            f"SELECT report FROM reports WHERE org IN ({_marks(variants)}) AND year = ? "
            "ORDER BY findings, source LIMIT 1",
            (*variants, year),
        ).fetchone()
        if not row:
            return None
        report = Report.model_validate_json(row[0])
        return report.model_copy(update={"org": names.canonical(report.org)})

    # ── retrieval ──

    def search(
        self,
        query: str,
        k: int = 5,
        org: str | None = None,
        year: int | Sequence[int] | None = None,
        section: str | None = None,
        method: Method = "hybrid",
    ) -> list[Chunk]:
        """The k best chunks; `method` picks BM25 or vectors alone (for benchmarks) instead of fusion."""
        names = self.names(*filter(None, [org]))
        orgs = names.variants(org) if org else []
        years = [year] if isinstance(year, int) else list(year) if year else None
        pool = max(4 * k, 20)
        rankings = []
        try:
            if method in ("hybrid", "bm25"):
                rankings.append(self._lexicon.top(query, pool, orgs, years, section))
            if method in ("hybrid", "vector"):
                rankings.append(self._vector_top(query, pool, orgs, years, section))
        except sqlite3.Error as exc:
            raise CorpusError(f"无法检索数据文件夹 {self.settings.data_dir} 中的索引：{exc}") from exc
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1 / (RRF_K + rank + 1)
        chunks: list[Chunk] = []
        seen: set[tuple] = set()
        for cid in sorted(fused, key=lambda cid: -fused[cid]):
            chunk = self._chunk(cid, fused[cid])
            chunk.org = names.canonical(chunk.org)
            # one report saved as two files (a web page and its text) gives the same passage twice
            key = (chunk.org, chunk.year, chunk.section, chunk.part, "".join(chunk.text.split())[:60])
            if key not in seen:
                seen.add(key)
                chunks.append(chunk)
            if len(chunks) == k:
                break
        return chunks

    def rarity(self, words: Sequence[str]) -> dict[str, float]:
        """How much each word tells chunks apart (its idf in the lexical index), for judging an answer's fit."""
        try:
            return self._lexicon.rarity(words)
        except sqlite3.Error as exc:
            raise CorpusError(f"无法检索数据文件夹 {self.settings.data_dir} 中的索引：{exc}") from exc

    def _vector_top(
        self, query: str, n: int, orgs: list[str], years: list[int] | None, section: str | None
    ) -> list[str]:
        """Nearest chunks by cosine among those passing the filters; a failing vector store or embedding
        endpoint is a CorpusError."""
        try:
            return self._nearest(query, n, orgs, years, section)
        # not its text: an endpoint may echo the key; the tuple is built only when something was raised, so
        # chromadb (1 s) and openai (2 s to import) load only then
        except _search_failures() as exc:
            raise CorpusError(f"无法检索向量库（{self._where_stored}）：{type(exc).__name__}") from exc

    def _nearest(self, query: str, n: int, orgs: list[str], years: list[int] | None, section: str | None) -> list[str]:
        """A narrow filter (one org's year or years, up to EXACT_LIMIT chunks) is scored exactly over its few
        vectors, since Chroma's filtered search scans the metadata and grows slow at 100k chunks; a wider one,
        or none, goes to Chroma's index with the filter as its `where`."""
        filtered = bool(orgs or years or section)
        candidates = self._lexicon.matching(orgs, years, section, EXACT_LIMIT + 1) if filtered else []
        if filtered and len(candidates) <= EXACT_LIMIT:
            if not candidates:
                return []
            ids, vectors = self._candidate_vectors(candidates)
            if not ids:  # the vector store lacks them (another embedder's collection)
                return []
            query_vector = np.asarray(self.embeddings.embed_query(query))
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query_vector) or 1.0)
            scores = vectors @ query_vector / np.where(norms == 0, 1.0, norms)
            return [ids[i] for i in np.argsort(-scores, kind="stable")[:n]]
        docs = self._vectors.similarity_search_with_score(query, k=n, filter=_where(orgs, years, section))
        return [doc.id for doc, _ in docs if doc.id]

    def _candidate_vectors(self, ids: list[str]) -> tuple[list[str], np.ndarray]:
        """The vectors of a few chunks. The offline embedder's are a function of the stored text and words, so
        they are computed again (as they were stored) rather than loading the whole vector index for them."""
        if isinstance(self.embeddings, HashEmbeddings):
            rows = self.db.execute(
                "SELECT id, text, org, year, template, section, part, source, page, tokens FROM chunks "
                f"WHERE id IN ({_marks(ids)})",
                ids,
            ).fetchall()
            vectors = [self.embeddings.embed_one(_index_text(Chunk(*row[1:9])), row[9].split()) for row in rows]
            return [row[0] for row in rows], np.asarray(vectors, dtype=float).reshape(len(rows), -1)
        stored = self._vectors.get(ids=ids, include=["embeddings"])
        return stored["ids"], np.asarray(stored["embeddings"], dtype=float)

    def _chunk(self, cid: str, score: float) -> Chunk:
        row = self.db.execute(
            "SELECT text, org, year, template, section, part, source, page FROM chunks WHERE id = ?", (cid,)
        ).fetchone()
        return Chunk(*row, score=score)
