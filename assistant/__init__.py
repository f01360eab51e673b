"""年报助手's public API: read and check a report, draft one from notes, ask about past reports.

    from assistant import parse_file, check
    findings = check(parse_file("report.pdf"))

Names are imported on first use, so `import assistant` (and the CLI's fast commands) stay light. Questions about
past reports: `from assistant.ask import ask` (the submodule's name would shadow a package-level `ask`).
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "parse_file": "parser",
    "parse_text": "parser",
    "check": "checks",
    "draft": "drafting",
    "revise_section": "drafting",
    "Report": "report",
    "Finding": "report",
    "Tables": "tables",
    "Location": "tables",
    "UserError": "errors",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
