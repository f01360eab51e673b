"""The corpus of past reports: ingestion, chunking by section, Chroma persistence and hybrid retrieval.

Two stores live in the data folder: a SQLite file (which files were indexed with which content hash, each
parsed report with its tables, every chunk's text and jieba tokens) and a Chroma collection (the chunk
vectors, with org/year/section metadata for filtering). Figures are looked up in the parsed tables, never
retrieved as text. Retrieval fuses vector search with BM25 over jieba tokens by reciprocal rank fusion.
With `settings.chroma_url` the vectors go to a Chroma server instead; the SQLite store stays local.
"""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

import numpy as np

from .embeddings import EmbeddingError, make_embeddings, tokens
from .labels import SECTIONS
from .report import Report
from .settings import Settings
from .textnums import sentences

if TYPE_CHECKING:
    from langchain_chroma import Chroma  # heavy: imported when the corpus opens

SUFFIXES = frozenset({".pdf", ".docx", ".html", ".htm", ".shtml", ".txt", ".md"})
CHUNK_CHARS = 500
RRF_K = 60
ADD_BATCH = 2000
# up to this many chunks pass a search's filters: their vectors are scored exactly (see _vector_top)
EXACT_LIMIT = 300
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
"""


class CorpusError(Exception):
    """The corpus cannot be used (e.g. the Chroma server is unreachable); message in Chinese."""


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


@dataclass
class IndexSummary:
    """What one `index` run did, file by file (sources are resolved paths)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0

    def describe(self) -> str:
        return (
            f"新增 {len(self.added)} 份，更新 {len(self.updated)} 份，未变跳过 {len(self.skipped)} 份，"
            f"移除 {len(self.removed)} 份，无法读取 {len(self.failed)} 份；写入 {self.chunks} 个段落。"
        )


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


def _index_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed: a header naming the report and headings ("问题及改进"), then the
    text, so a question naming an org, a year or a section finds the chunk without filters too."""
    return f"{chunk.org}{chunk.year}年报告 {chunk.section} {chunk.part}\n{chunk.text}"


# ── BM25 over jieba tokens ───────────────────────────────────────────────────────────────────


class BM25:
    """Okapi BM25 over an inverted index of numpy postings: scoring touches only the query terms' postings."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.size = len(docs)
        self.lengths = np.fromiter((len(d) for d in docs), dtype=float, count=len(docs))
        self.average = float(self.lengths.mean()) if len(docs) else 0.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self.postings = {t: (np.array(ids), np.array(tfs, dtype=float)) for t, (ids, tfs) in postings.items()}

    def scores(self, query: Iterable[str]) -> np.ndarray:
        scores = np.zeros(self.size)
        for term in set(query):
            if term not in self.postings:
                continue
            ids, tf = self.postings[term]
            idf = math.log((self.size - len(ids) + 0.5) / (len(ids) + 0.5) + 1)
            norm = self.k1 * (1 - self.b + self.b * self.lengths[ids] / self.average)
            scores[ids] += idf * tf * (self.k1 + 1) / (tf + norm)
        return scores


@dataclass
class _Lexicon:
    """The BM25 index with each row's chunk id and filter fields, kept in memory until the corpus changes."""

    bm25: BM25
    ids: list[str]
    org: np.ndarray
    year: np.ndarray
    section: np.ndarray

    def matching(self, org: str | None, years: list[int] | None, section: str | None) -> np.ndarray:
        """Rows that pass the filters (a boolean mask)."""
        mask = np.ones(len(self.ids), dtype=bool)
        if org:
            mask &= self.org == org
        if years:
            mask &= np.isin(self.year, years)
        if section:
            mask &= self.section == section
        return mask

    def top(self, query: str, n: int, mask: np.ndarray) -> list[str]:
        scores = self.bm25.scores(tokens(query))
        hits = np.flatnonzero(mask & (scores > 0))
        best = hits[np.argsort(-scores[hits], kind="stable")[:n]]
        return [self.ids[i] for i in best]


# ── the corpus ───────────────────────────────────────────────────────────────────────────────


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _chunk_id(source: str, seq: int) -> str:
    return f"{hashlib.blake2b(source.encode(), digest_size=8).hexdigest()}-{seq}"


def _where(org: str | None, years: list[int] | None, section: str | None) -> dict | None:
    """The Chroma metadata filter of a search."""
    conditions: list[dict] = []
    if org:
        conditions.append({"org": org})
    if years:
        conditions.append({"year": {"$in": years}})
    if section:
        conditions.append({"section": section})
    return conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else None


def _collection_name(embedder: str) -> str:
    """Chroma accepts [a-zA-Z0-9._-]; one collection per embedder, since vector spaces do not mix."""
    return "reports-" + re.sub(r"[^a-zA-Z0-9._-]", "-", embedder)


class Corpus:
    """Past reports in the data folder (or a Chroma server): `index` them, then `search` or look up tables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        try:
            self.embeddings, self.embedder = make_embeddings(settings)
        except EmbeddingError as exc:
            raise CorpusError(str(exc)) from exc
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(settings.data_dir / "corpus.sqlite3", check_same_thread=False)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CorpusError(f"无法使用数据文件夹 {settings.data_dir}：{exc}") from exc
        self._vectors = self._open_vectors()
        self._lexicon: _Lexicon | None = None

    def _open_vectors(self) -> Chroma:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if self.settings.chroma_url:
                url = urlparse(self.settings.chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                client = chromadb.PersistentClient(
                    path=str(self.settings.data_dir / "chroma"), settings=chroma_settings
                )
            return Chroma(
                collection_name=_collection_name(self.embedder),
                embedding_function=self.embeddings,
                client=client,
                collection_metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:  # connection refused, bad URL, damaged store: one clear message
            where = self.settings.chroma_url or self.settings.data_dir / "chroma"
            raise CorpusError(f"无法打开向量库（{where}）：{exc}") from exc

    # ── ingestion ──

    def index(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IndexSummary:
        """Add files and folders: unchanged files skipped, changed ones re-indexed, vanished ones pruned."""
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
                summary.failed.append((str(path), "找不到该文件或文件夹"))
        if progress:
            progress(0, len(files), "")
        for done, path in enumerate(files, 1):
            self._index_file(path, summary)
            if progress:
                progress(done, len(files), path.name)
        return summary

    def _index_file(self, path: Path, summary: IndexSummary) -> None:
        from .parser import parse_file
        from .readers import UnreadableError

        source = str(path)
        try:
            digest = _sha256(path)
        except OSError as exc:
            summary.failed.append((source, f"无法读取文件：{exc.strerror or exc}"))
            return
        known = self.db.execute("SELECT sha256, embedder FROM files WHERE path = ?", (source,)).fetchone()
        if known == (digest, self.embedder):
            summary.skipped.append(source)
            return
        try:
            report = parse_file(path)
        except UnreadableError as exc:
            summary.failed.append((source, str(exc)))
            return
        if not report.org or report.year is None or not report.sections:
            summary.failed.append((source, "未识别出机关、年度或章节，不像是政府信息公开工作年度报告"))
            return
        self._delete(source)
        summary.chunks += self._store(report, source)
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?)", (source, digest, self.embedder))
        self.db.commit()
        (summary.updated if known else summary.added).append(source)

    def _store(self, report: Report, source: str) -> int:
        """Write one parsed report: its tables and JSON to SQLite, its chunks to SQLite and Chroma."""
        from .checks import check

        findings = len(check(report)) + len(report.parse_findings)
        self.db.execute(
            "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?)",
            (source, report.org, report.year, report.template, findings, report.model_dump_json()),
        )
        meta = {"org": report.org, "year": report.year, "template": report.template, "source": source}
        chunks = [Chunk(body, section=s, part=p, **meta) for s, p, body in chunk_report(report)]
        self.add_chunks(chunks)
        return len(chunks)

    def add_chunks(self, chunks: list[Chunk]) -> None:
        """Store one source's chunks: text and jieba tokens in SQLite, vectors in Chroma (in batches, since
        Chroma limits one request). Ingestion uses it; so do bulk loads such as the benchmark's."""
        for start in range(0, len(chunks), ADD_BATCH):
            batch = chunks[start : start + ADD_BATCH]
            ids = [_chunk_id(c.source, start + i) for i, c in enumerate(batch)]
            texts = [_index_text(c) for c in batch]
            self.db.executemany(
                "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (cid, c.source, c.org, c.year, c.template, c.section, c.part, c.page, c.text, " ".join(tokens(t)))
                    for cid, c, t in zip(ids, batch, texts, strict=True)
                ],
            )
            fields = ("org", "year", "template", "section", "part", "source")
            metadatas = [{f: getattr(c, f) for f in fields} for c in batch]
            self._vectors.add_texts(texts, metadatas=metadatas, ids=ids)
        self.db.commit()
        self._lexicon = None

    def _prune(self, folder: Path, present: set[str]) -> list[str]:
        prefix = str(folder).rstrip("/") + "/"
        rows = self.db.execute("SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        gone = [path for (path,) in rows.fetchall() if path not in present]
        for source in gone:
            self.remove(source)
        return gone

    def _delete(self, source: str) -> None:
        ids = [cid for (cid,) in self.db.execute("SELECT id FROM chunks WHERE source = ?", (source,))]
        if ids:
            self._vectors.delete(ids=ids)
        self.db.execute("DELETE FROM chunks WHERE source = ?", (source,))
        self.db.execute("DELETE FROM reports WHERE source = ?", (source,))
        self._lexicon = None

    def remove(self, source: str) -> None:
        """Forget one indexed file: its chunks, vectors, tables and hash."""
        self._delete(source)
        self.db.execute("DELETE FROM files WHERE path = ?", (source,))
        self.db.commit()

    # ── lookup ──

    def list_reports(self) -> list[dict]:
        rows = self.db.execute("SELECT org, year, source, template, findings FROM reports ORDER BY org, year, source")
        return [dict(zip(("org", "year", "source", "template", "findings"), row, strict=True)) for row in rows]

    def years(self, org: str | None = None) -> list[int]:
        """Years indexed (for one org, or for all), ascending."""
        sql, args = "SELECT DISTINCT year FROM reports", ()
        if org:
            sql, args = sql + " WHERE org = ?", (org,)
        return sorted(y for (y,) in self.db.execute(sql, args) if y is not None)

    def orgs(self) -> list[str]:
        return [org for (org,) in self.db.execute("SELECT DISTINCT org FROM reports ORDER BY org")]

    def get_report(self, org: str, year: int) -> Report | None:
        """An org's report of a year; of two files of one report, the one parsed with fewer doubts."""
        row = self.db.execute(
            "SELECT report FROM reports WHERE org = ? AND year = ? ORDER BY findings, source LIMIT 1",
            (org, year),
        ).fetchone()
        return Report.model_validate_json(row[0]) if row else None

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
        years = [year] if isinstance(year, int) else list(year) if year else None
        pool = max(4 * k, 20)
        lexicon = self._lexicon_index()
        mask = lexicon.matching(org, years, section)
        rankings = []
        if method in ("hybrid", "bm25"):
            rankings.append(lexicon.top(query, pool, mask))
        if method in ("hybrid", "vector"):
            count = int(mask.sum())
            candidates = [lexicon.ids[i] for i in np.flatnonzero(mask)] if count <= EXACT_LIMIT else []
            where = _where(org, years, section) if count > EXACT_LIMIT and count < len(mask) else None
            rankings.append(self._vector_top(query, min(pool, count), candidates, where) if count else [])
        fused: dict[str, float] = {}
        for ranking in rankings:
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1 / (RRF_K + rank + 1)
        chunks: list[Chunk] = []
        seen: set[tuple] = set()
        for cid in sorted(fused, key=lambda cid: -fused[cid]):
            chunk = self._chunk(cid, fused[cid])
            # one report saved as two files (a web page and its text) gives the same passage twice
            key = (chunk.org, chunk.year, chunk.section, chunk.part, "".join(chunk.text.split())[:60])
            if key not in seen:
                seen.add(key)
                chunks.append(chunk)
            if len(chunks) == k:
                break
        return chunks

    def _vector_top(self, query: str, n: int, candidates: list[str], where: dict | None) -> list[str]:
        """Nearest chunks by cosine. A narrow filter (one org's year or years) is scored exactly over its
        few vectors: Chroma's filtered search scans the metadata and grows slow at 100k chunks."""
        if len(candidates) <= EXACT_LIMIT:
            if not candidates:
                return []
            stored = self._vectors.get(ids=candidates, include=["embeddings"])
            vectors = np.asarray(stored["embeddings"], dtype=float)
            query_vector = np.asarray(self.embeddings.embed_query(query))
            norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query_vector) or 1.0)
            scores = vectors @ query_vector / np.where(norms == 0, 1.0, norms)
            return [stored["ids"][i] for i in np.argsort(-scores, kind="stable")[:n]]
        docs = self._vectors.similarity_search_with_score(query, k=n, filter=where)
        return [doc.id for doc, _ in docs if doc.id]

    def _lexicon_index(self) -> _Lexicon:
        if self._lexicon is None:
            rows = self.db.execute("SELECT id, org, year, section, tokens FROM chunks ORDER BY rowid").fetchall()
            self._lexicon = _Lexicon(
                bm25=BM25([r[4].split() for r in rows]),
                ids=[r[0] for r in rows],
                org=np.array([r[1] for r in rows], dtype=object),
                year=np.array([r[2] or 0 for r in rows]),
                section=np.array([r[3] for r in rows], dtype=object),
            )
        return self._lexicon

    def _chunk(self, cid: str, score: float) -> Chunk:
        row = self.db.execute(
            "SELECT text, org, year, template, section, part, source, page FROM chunks WHERE id = ?", (cid,)
        ).fetchone()
        return Chunk(*row, score=score)
