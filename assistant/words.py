"""Word segmentation (jieba) that starts fast: a one-shot question need not load jieba's whole dictionary.

jieba loads its 500,000-entry prefix dictionary (0.5 s) before it cuts the first word, which is most of what a
command-line `ask` spends. The data folder keeps the same dictionary as a table (`words.sqlite3`, written once
by indexing); a short text cut before the dictionary is loaded reads from the table only the words its
fragments need. The words and frequencies are jieba's own, so the words come out exactly as jieba's.
Long texts (indexing) load the dictionary as usual; once it is loaded every text uses it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)

WORDS_FILE = "words.sqlite3"
# texts up to this many characters are cut with the table while jieba's dictionary is not loaded
SHORT_TEXT = 300
_DICT = Path(jieba.__file__).with_name("dict.txt")
_TOTAL = "\x00total"  # not a word: the row holding the dictionary's total frequency


def _identity() -> str:
    """Which jieba dictionary a table was written from (a jieba upgrade writes it again)."""
    return f"{jieba.__version__}:{_DICT.stat().st_size}"


class _TableFreq:
    """jieba's FREQ mapping, read from the table a word at a time (and remembered)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.seen: dict[str, int | None] = {}

    def get(self, word: str, default: int | None = None) -> int | None:
        if word not in self.seen:
            row = self.db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
            self.seen[word] = row[0] if row else None
        found = self.seen[word]
        return default if found is None else found

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found


_table: jieba.Tokenizer | None = None
_lock = threading.Lock()


def build(folder: Path) -> None:
    """Write the table into `folder` unless it holds the current one (to a temporary file, then renamed). It
    only saves time: when it cannot be written (a full disk), questions load jieba's dictionary as before."""
    path = folder / WORDS_FILE
    if (current := _open(path)) is not None:
        current.close()
        return
    with _DICT.open("rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    partial = path.with_name(f".{WORDS_FILE}.{os.getpid()}.partial")  # two processes indexing at once
    try:
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(partial)) as db, db:
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.executemany("INSERT INTO words VALUES (?, ?)", [*freq.items(), (_TOTAL, total)])
            db.execute("INSERT INTO meta VALUES ('dict', ?)", (_identity(),))
        os.replace(partial, path)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)


def _open(path: Path) -> sqlite3.Connection | None:
    """A read-only connection to a current table, or None (missing, damaged, or from another dictionary)."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        row = db.execute("SELECT value FROM meta WHERE key = 'dict'").fetchone()
    except sqlite3.Error:
        return None
    if not row or row[0] != _identity():
        db.close()
        return None
    return db


def table_tokenizer(folder: Path) -> jieba.Tokenizer | None:
    """A jieba tokenizer reading its dictionary from the table in `folder` (None when it holds no current one)."""
    if (db := _open(folder / WORDS_FILE)) is None:
        return None
    try:
        (total,) = db.execute("SELECT freq FROM words WHERE word = ?", (_TOTAL,)).fetchone()
    except (sqlite3.Error, TypeError):
        return None
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = _TableFreq(db), total, True  # type: ignore[assignment]
    return tokenizer


def use(folder: Path) -> None:
    """Cut short texts with the table in `folder` (when it holds the current one) until jieba's dictionary loads."""
    global _table
    if not jieba.dt.initialized and (tokenizer := table_tokenizer(folder)) is not None:
        with _lock:
            _table = tokenizer


def cut(text: str) -> list[str]:
    """jieba's words of `text` (precise mode, with its HMM for unknown words)."""
    global _table
    table = _table
    if table is not None and len(text) <= SHORT_TEXT and not jieba.dt.initialized:
        try:
            return table.lcut(text)
        except sqlite3.Error:  # the table went away: jieba's own dictionary from now on
            _table = None
    return jieba.lcut(text)
