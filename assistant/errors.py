"""Every error a user can cause, in one hierarchy.

A `UserError`'s str() is a complete Chinese message for the person at the keyboard; `kind` says what went
wrong in two or three words ("无法读取", "统计表有误") and `exit_code` is what the CLI exits with. The CLI
(`cli.main`) and the web app (`Workspace.user_message`) each map these in one place; anything that is
not a `UserError` is a bug of ours and is reported as an internal error, with its traceback logged
(`log_internal`) rather than shown: a traceback tells the user nothing and may hold a path or a setting.
"""

from __future__ import annotations

import logging
import tempfile
from functools import cache
from logging.handlers import RotatingFileHandler
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LOG_BYTES, LOG_BACKUPS = 1024 * 1024, 3


class UserError(Exception):
    """Input or settings the user can fix; the message (Chinese) names the file, cell or setting."""

    kind = "输入有误"
    exit_code = EXIT_USAGE


class UnreadableError(UserError):
    """A file (or pasted text) that cannot be read: missing, corrupt, scanned, legacy .doc, too large."""

    kind = "无法读取"


class NotesError(UserError):
    """Notes that cannot be drafted from (empty, or no body or year)."""

    kind = "要点有误"


class TablesError(UserError):
    """Tables that cannot be used; lists every bad cell by table and place."""

    kind = "统计表有误"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("统计表有误：\n" + "\n".join(problems))


class CellError(UserError):
    """One table cell that is not a number (or not the kind of number its column holds)."""

    kind = "单元格有误"


class CorpusError(UserError):
    """The corpus cannot be used (the Chroma server is unreachable, the data folder is not writable)."""

    kind = "语料库不可用"


class ExportError(UserError):
    """The output file cannot be written."""

    kind = "无法写入"


class ConfigError(UserError):
    """A setting that cannot work (an unknown embedder, a model without a URL)."""

    kind = "设置有误"


class InputError(UserError):
    """A request the app cannot act on (an empty question, no file chosen)."""

    kind = "输入有误"


def log_internal(exc: BaseException, data_dir: Path | None, filename: str) -> Path:
    """Append `exc`'s traceback to data_dir/logs/filename (a fresh temp folder when that cannot be written,
    or when there is no data folder); the log's path, for the message."""
    path = _log_path(data_dir, filename)
    _logger(path).error("%s: internal error", type(exc).__name__, exc_info=exc)
    return path


def internal_message(exc: BaseException, log: Path) -> str:
    """What the user reads of a bug of ours: the exception's type only (its text may hold anything)."""
    return f"内部错误：{type(exc).__name__}（程序缺陷，不是您的输入问题）。详细信息已记录在 {log}"


def _log_path(data_dir: Path | None, filename: str) -> Path:
    if data_dir is not None:
        path = Path(data_dir) / "logs" / filename
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8"):
                return path
        except OSError:
            pass
    return Path(tempfile.mkdtemp(prefix="nianbao-logs-")) / filename


@cache
def _logger(path: Path) -> logging.Logger:
    """One logger per log file, its rotating handler added once however often the app fails. The logger is
    outside logging's tree, so the traceback goes to the file only, never to the root logger's console."""
    logger = logging.Logger(f"assistant.internal:{path}")
    handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger
