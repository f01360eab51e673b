"""Every error a user can cause, in one hierarchy.

A `UserError`'s str() is a complete Chinese message for the person at the keyboard; `kind` says what went
wrong in two or three words ("无法读取", "统计表有误") and `exit_code` is what the CLI exits with. The CLI
(`cli.main`) and the web app (`webapp_workspace.user_message`) each map these in one place; anything that is
not a `UserError` is a bug of ours and is reported as an internal error, with its traceback logged.
"""

from __future__ import annotations

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


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
