"""The lexical half of retrieval: SQLite FTS5 over jieba-segmented text, persisted in the corpus database.

Every process (the CLI, the web app, each machine of a Chroma-server deployment, whose local database mirrors
the server's chunks) opens the same on-disk index instead of rebuilding a BM25 index in memory. A chunk's
jieba words are stored space-separated, so FTS5's unicode61 tokenizer sees one token per word; its bm25()
ranks. The filter fields are columns of the same table: org and section as one opaque token each (a hash,
so a name's punctuation cannot split it and one name cannot match inside another), the year as its digits,
so a filtered query is an intersection of posting lists, not a scan. The row id is derived from the chunk id,
so a chunk is deleted by id without a scan.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Iterable, Sequence

from .embeddings import tokens

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS lexicon USING fts5(
    cid UNINDEXED, org, year, section, body, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS lexicon_terms USING fts5vocab(lexicon, 'col');
"""
# a body's name, or the names it is known by (bodies.Names.variants)
Orgs = str | Sequence[str] | None
# bm25() column weights (cid, org, year, section, body): only the words rank, the filter columns do not
_RANK = "bm25(lexicon, 0.0, 0.0, 0.0, 0.0, 1.0)"
# a query word found in more than this share of the chunks is dropped when rarer words remain: it barely
# moves BM25 (idf near zero) but makes FTS5 score a large share of the rows
COMMON_SHARE = 0.3
# of a query made only of such words, the rarest this many are kept
KEEP_COMMON = 2


def _key(value: str) -> str:
    """One ASCII token standing for a whole name."""
    return "k" + hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def _rowid(cid: str) -> int:
    return int.from_bytes(hashlib.blake2b(cid.encode(), digest_size=8).digest(), "little") >> 1


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class Lexicon:
    """BM25 search over the chunks' words with org/year/section filters, in the corpus's SQLite database.
    Writes join the caller's transaction (it commits)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        db.executescript(_SCHEMA)
        # chunk counts of words and of the index, remembered while the database is unchanged: fts5vocab counts
        # a word's chunks by walking its whole posting list (2 ms for a word in a third of 100k chunks)
        self._counted: dict[str, int | None] = {}
        self._size: int | None = None
        self._counted_at: tuple[int, int] = (-1, -1)

    def _fresh(self) -> dict[str, int | None]:
        """The remembered counts, forgotten when this connection or another process changed the database."""
        version = (self.db.execute("PRAGMA data_version").fetchone()[0], self.db.total_changes)
        if version != self._counted_at:
            self._counted, self._size, self._counted_at = {}, None, version
        return self._counted

    def add(self, entries: Iterable[tuple[str, str, int | None, str, str]], fresh: bool = False) -> None:
        """(chunk id, org, year, section, space-separated words) rows; a known id is replaced (`fresh`: none is
        known, so no delete is tried)."""
        rows = [
            (_rowid(cid), cid, _key(org), str(year or 0), _key(section), words)
            for cid, org, year, section, words in entries
        ]
        if not fresh:
            self.db.executemany("DELETE FROM lexicon WHERE rowid = ?", [(r[0],) for r in rows])
        self.db.executemany(
            "INSERT INTO lexicon (rowid, cid, org, year, section, body) VALUES (?, ?, ?, ?, ?, ?)", rows
        )

    def remove(self, cids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM lexicon WHERE rowid = ?", [(_rowid(cid),) for cid in cids])

    def size(self) -> int:
        """How many chunks the index holds."""
        self._fresh()
        if self._size is None:
            self._size = self.db.execute("SELECT count(*) FROM lexicon_docsize").fetchone()[0]
        return self._size

    def rebuild(self, rows: Iterable[tuple[str, str, int | None, str, str]]) -> None:
        """Start again from the stored chunks (an index made before this one existed, or out of step)."""
        self.db.execute("DELETE FROM lexicon")
        self.add(rows, fresh=True)

    @staticmethod
    def _filters(org: Orgs, years: Sequence[int] | None, section: str | None) -> list[str]:
        names = [org] if isinstance(org, str) else list(org or ())
        parts = ["org : (" + " OR ".join(map(_key, names)) + ")"] if names else []
        if years:
            parts.append("year : (" + " OR ".join(str(y) for y in years) + ")")
        if section:
            parts.append(f"section : {_key(section)}")
        return parts

    def matching(self, org: Orgs, years: Sequence[int] | None, section: str | None, limit: int) -> list[str]:
        """Up to `limit` ids of chunks that pass the filters (all chunks when there are none)."""
        filters = self._filters(org, years, section)
        if filters:
            sql, args = "SELECT cid FROM lexicon WHERE lexicon MATCH ? LIMIT ?", (" AND ".join(filters), limit)
        else:
            sql, args = "SELECT cid FROM lexicon LIMIT ?", (limit,)
        return [cid for (cid,) in self.db.execute(sql, args)]

    def counts(self, words: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each word (words no chunk holds are left out). One lookup per word: fts5vocab
        answers `term = ?` from the index, where `term IN (...)` scans every term."""
        sql = "SELECT doc FROM lexicon_terms WHERE col = 'body' AND term = ?"
        counted = self._fresh()
        for word in {w.lower() for w in words} - counted.keys():
            row = self.db.execute(sql, (word,)).fetchone()
            counted[word] = row[0] if row else None
        return {w: n for w in words if (n := counted[w.lower()]) is not None}

    def rarity(self, words: Sequence[str]) -> dict[str, float]:
        """Each word's BM25 idf; a word no chunk holds gets the idf of a word held once."""
        size = self.size()
        held = self.counts(words)
        return {w: math.log((size - held.get(w.lower(), 1) + 0.5) / (held.get(w.lower(), 1) + 0.5) + 1) for w in words}

    def _words(self, query: str) -> list[str]:
        """The query's words the index holds, without those too common to tell chunks apart."""
        words = list(dict.fromkeys(w.lower() for w in tokens(query)))
        held = self.counts(words)
        known = sorted((w for w in words if w in held), key=held.__getitem__)
        limit = COMMON_SHARE * max(self.size(), 1)
        rare = [w for w in known if held[w] <= limit]
        return rare or known[:KEEP_COMMON]

    def top(self, query: str, n: int, org: Orgs, years: Sequence[int] | None, section: str | None) -> list[str]:
        """The ids of the n chunks ranked best by BM25 among those that pass the filters."""
        words = self._words(query)
        if not words or n <= 0:
            return []
        match = " AND ".join([*self._filters(org, years, section), "body : (" + " OR ".join(map(_phrase, words)) + ")"])
        rows = self.db.execute(
            f"SELECT cid FROM lexicon WHERE lexicon MATCH ? ORDER BY {_RANK} LIMIT ?", (match, n)
        ).fetchall()
        return [cid for (cid,) in rows]
