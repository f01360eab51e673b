"""Files shipped inside the package: the prompt templates and the bundled corpus of published reports.

In the repository they are the top-level `prompts/` and `corpus/` folders; pyproject.toml maps them into the
package as `assistant.prompts` and `assistant.corpus_data`, so an installed wheel carries them and an editable
install finds them in the checkout. Nothing else should locate them relative to a source file.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

PROMPTS_PACKAGE = "assistant.prompts"
CORPUS_PACKAGE = "assistant.corpus_data"


def _folder(package: str) -> Path:
    """The package's folder on disk (the package is installed unzipped, by pip or in editable mode)."""
    folder = files(package)
    if not isinstance(folder, Path):  # a zip import or some other loader: the reports must be real files
        raise RuntimeError(f"{package} is not installed as a folder on disk: {folder!r}")
    return folder


def prompts_dir() -> Path:
    return _folder(PROMPTS_PACKAGE)


def bundled_corpus() -> Path:
    """The folder of published reports the app and `nianbao index` index when given no other path."""
    return _folder(CORPUS_PACKAGE)


@cache
def read_prompt(name: str) -> str:
    """The text of prompts/<name>.md."""
    return (prompts_dir() / f"{name}.md").read_text(encoding="utf-8")
