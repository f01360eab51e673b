"""Scale-out: the same corpus code against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ask import ask
from assistant.cli import main
from assistant.corpus import Corpus, CorpusError
from assistant.labels import SECTIONS
from assistant.settings import Settings

from .conftest import REPORTS

CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_heartbeat(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"chroma server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"chroma server did not answer within {START_TIMEOUT} s")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for_heartbeat(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_index_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url=chroma_url)
    corpus = Corpus(settings)
    summary = corpus.index([REPORTS / "pingtan-2022.txt", REPORTS / "pingtan-2023.txt"])
    assert len(summary.added) == 2 and summary.chunks > 10
    assert not (tmp_path / "chroma").exists()  # the vectors live on the server, not in the data folder
    hits = corpus.search("存在的主要问题", k=2, org="平潭综合实验区", year=2023, method="vector")
    assert hits and hits[0].year == 2023
    answer = ask("平潭2023年存在的主要问题和改进是怎么写的？", corpus, settings)
    assert answer.citations[0].section == SECTIONS[4].text and answer.citations[0].year == 2023
    assert corpus.index([REPORTS / "pingtan-2022.txt"]).skipped  # the hash store still works with a server


def test_unreachable_server_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(CorpusError, match="无法打开向量库"):
        Corpus(Settings(data_dir=tmp_path, chroma_url=url))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", url)
    assert main(["ask", "平潭2022年新收了多少申请？"]) == 2
    assert "无法打开向量库" in capsys.readouterr().err
