"""Autosaved drafts: one JSON file per browser session, so no work is lost on a refresh or a restart.

The browser keeps only its session id (in localStorage); the draft itself lives in the data folder.
Writes go to a temporary file that replaces the old one in one step, so a crash mid-write never leaves
a half-written draft behind.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import threading
import time
from pathlib import Path

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class DraftStore:
    """Drafts under `<data_dir>/drafts/<session id>.json`."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / "drafts"
        self._lock = threading.RLock()

    @staticmethod
    def new_session_id() -> str:
        return secrets.token_hex(16)

    @staticmethod
    def valid(session_id: str | None) -> bool:
        """Only ids we issue are accepted, so a crafted id cannot name a file outside the folder."""
        return bool(session_id) and bool(_SESSION_ID.match(session_id))

    def _path(self, session_id: str) -> Path:
        if not self.valid(session_id):
            raise ValueError(f"会话编号无效：{session_id!r}")
        return self.folder / f"{session_id}.json"

    def load(self, session_id: str | None) -> dict:
        """The saved draft of a session, or an empty dict when there is none (or it cannot be read)."""
        if not self.valid(session_id):
            return {}
        try:
            return json.loads(self._path(session_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save(self, session_id: str, draft: dict) -> Path:
        """Write the whole draft atomically (temp file in the same folder, then os.replace)."""
        path = self._path(session_id)
        data = json.dumps({**draft, "saved_at": time.time()}, ensure_ascii=False, indent=1)
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".draft-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return path

    def update(self, session_id: str, **changes: object) -> dict:
        """Merge changes into the saved draft and save it; returns the merged draft."""
        with self._lock:
            draft = {**self.load(session_id), **changes}
            self.save(session_id, draft)
        return draft
