"""Fixtures shared by the test modules: the real reports, their reference tables, a free port, a data folder.

The real reports are the published ones the app ships as its bundled corpus (the repository's corpus/ folder);
test-only data (reference tables, the official 2021 template) lives in tests/data/. Nothing here reads outside
the repository, so a clone anywhere runs the suite.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "corpus"
EXPECTED_TABLES = DATA / "expected-tables.json"


def report_names() -> list[str]:
    """The reports that have reference tables, for parametrising at collection time."""
    return sorted(name for name in json.loads(EXPECTED_TABLES.read_text(encoding="utf-8")) if not name.startswith("_"))


@pytest.fixture(scope="session")
def reports() -> Path:
    """The folder of real published reports (the bundled corpus)."""
    assert (CORPUS / "pingtan-2019.txt").is_file(), f"the bundled corpus is missing from {CORPUS}"
    return CORPUS


@pytest.fixture(scope="session")
def expected_tables() -> dict:
    """Reference 表三/表四 values of the real reports, by file name (see tests/data/MANIFEST.md)."""
    return json.loads(EXPECTED_TABLES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def template_2021() -> Path:
    """The official 2021 template as a Word file with the official merged cells."""
    return DATA / "template-2021.docx"


def unused_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    return unused_port()


@pytest.fixture(scope="session")
def start_app() -> Iterator[Callable[..., tuple[Any, str, Any]]]:
    """start(data_dir, port=None, corpus_dir=None) launches the web app without blocking and returns
    (demo, url, workspace); it indexes `corpus_dir` in the background when given. Servers a test left
    running are closed at the end of the session (closing twice is harmless)."""
    from assistant.settings import load_settings
    from assistant.web import serve

    started = []

    def start(data_dir: Path, port: int | None = None, corpus_dir: Path | None = None) -> tuple[Any, str, Any]:
        settings = load_settings(env={"ASSISTANT_DATA_DIR": str(data_dir)})
        demo, url, ws = serve(settings, port=port or unused_port(), corpus_dir=corpus_dir, block=False, quiet=True)
        started.append(demo)
        return demo, url, ws

    yield start
    for demo in started:
        demo.close()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder that load_settings() picks up, and no LLM configured from the environment."""
    folder = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(folder))
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    return folder


def inflated_docx(paragraphs: int, chars: int = 100) -> bytes:
    """A real .docx whose document.xml holds `paragraphs` paragraphs of `chars` characters: it inflates to many MB
    from about 100 KB (25,000 × 1,000 is 25 MB, over the 20 MB part limit; 150,000 × 100 is 19 MB, under it)."""
    import io
    import zipfile

    import docx

    base = io.BytesIO()
    docx.Document().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                at = data.index(b"<w:body>") + len(b"<w:body>")
                paragraph = b"<w:p><w:r><w:t>" + b"a" * chars + b"</w:t></w:r></w:p>"
                data = data[:at] + paragraph * paragraphs + data[at:]
            bomb.writestr(info.filename, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, reports: Path) -> Any:
    """Settings of a data folder holding the bundled reports, indexed once per test module."""
    from assistant.corpus import Corpus
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    Corpus(settings).index([reports])
    return settings


@pytest.fixture(scope="module")
def corpus(settings: Any) -> Any:
    """The corpus of `settings` (a module that needs another corpus defines its own `corpus`)."""
    from assistant.corpus import Corpus

    return Corpus(settings)
