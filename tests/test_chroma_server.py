"""Scale-out: the same corpus code against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.ask import ask
from assistant.cli import main
from assistant.corpus import Corpus, CorpusError
from assistant.labels import SECTIONS, T3_NEW
from assistant.settings import Settings

from .conftest import unused_port

CHROMA = Path(sys.executable).parent / "chroma"
START_TIMEOUT = 30.0


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


@contextmanager
def _chroma_server(path: Path) -> Iterator[str]:
    """A `chroma run` server on a free loopback port, stopped on exit; yields its URL."""
    port = unused_port()
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


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_index_and_ask_through_a_chroma_server(chroma_url: str, tmp_path: Path, reports) -> None:
    settings = Settings(data_dir=tmp_path, chroma_url=chroma_url)
    corpus = Corpus(settings)
    summary = corpus.index([reports / "pingtan-2022.txt", reports / "pingtan-2023.txt"])
    assert len(summary.added) == 2 and summary.chunks > 10
    assert not (tmp_path / "chroma").exists()  # the vectors live on the server, not in the data folder
    hits = corpus.search("存在的主要问题", k=2, org="平潭综合实验区", year=2023, method="vector")
    assert hits and hits[0].year == 2023
    answer = ask("平潭2023年存在的主要问题和改进是怎么写的？", corpus, settings)
    assert answer.citations[0].section == SECTIONS[4].text and answer.citations[0].year == 2023
    assert corpus.index([reports / "pingtan-2022.txt"]).skipped  # the hash store still works with a server


def test_a_second_machine_answers_from_the_shared_server(
    chroma_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    expected_tables,
    reports,
) -> None:
    # machine A indexes; machine B has an EMPTY data folder and only the server's URL
    a_settings = Settings(data_dir=tmp_path / "a", chroma_url=chroma_url)
    a = Corpus(a_settings)
    pdf, text = reports / "huaian-shi-2024.pdf", reports / "weishi-kaifaqu-2022.txt"
    assert len(a.index([pdf, text]).added) == 2
    b_settings = Settings(data_dir=tmp_path / "b", chroma_url=chroma_url)
    b = Corpus(b_settings)

    answer = ask("淮安2024年新收了多少政府信息公开申请？", b, b_settings)
    assert f"为 {expected_tables['huaian-shi-2024.pdf']['table3'][T3_NEW][-1]} 件" in answer.answer
    [citation] = answer.citations
    assert (citation.org, citation.year, citation.section) == ("淮安市人民政府", 2024, SECTIONS[2].text)
    assert citation.source == str(pdf.resolve()) and T3_NEW in citation.quote
    assert b.get_report("淮安市人民政府", 2024) == a.get_report("淮安市人民政府", 2024)
    assert {(r["org"], r["year"]) for r in a.list_reports()} <= {(r["org"], r["year"]) for r in b.list_reports()}
    # passages too, with the same texts and pages as on A
    query = {"query": "存在的主要问题及改进", "k": 3, "org": "淮安市人民政府", "year": 2024}
    assert b.search(**query) == a.search(**query) and b.search(**query)[0].page is not None

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["ask", "淮安2024年存在的主要问题和改进是怎么写的？"]) == 0
    assert f"「{SECTIONS[4].text}」第" in capsys.readouterr().out

    # B holding a copy of a file the server already has does not index it again
    copy = tmp_path / "copy" / text.name
    copy.parent.mkdir()
    shutil.copy(text, copy)
    assert Corpus(b_settings).index([copy.parent]).skipped == [str(copy.resolve())]
    # A drops the PDF; B's next run no longer finds it, here or on the server
    a.remove(str(pdf.resolve()))
    b = Corpus(b_settings)
    assert b.get_report("淮安市人民政府", 2024) is None and b.search("主要问题", org="淮安市人民政府") == []
    assert "语料库中没有淮安市的报告" in ask("淮安市2024年新收了多少申请？", b, b_settings).answer


def test_unreachable_server_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], free_port: int
) -> None:
    url = f"http://127.0.0.1:{free_port}"
    with pytest.raises(CorpusError, match="无法打开向量库"):
        Corpus(Settings(data_dir=tmp_path, chroma_url=url))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", url)
    assert main(["ask", "平潭2022年新收了多少申请？"]) == 2
    assert "无法打开向量库" in capsys.readouterr().err


def test_server_gone_after_opening_is_a_clear_error(tmp_path: Path) -> None:
    with _chroma_server(tmp_path / "server") as url:
        corpus = Corpus(Settings(data_dir=tmp_path / "data", chroma_url=url))
    with pytest.raises(CorpusError, match="无法从向量库.*同步报告"):
        corpus.orgs()
