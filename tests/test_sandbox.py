"""Reading untrusted uploads in a worker process: same result as in-process, caps on time and memory, and the
server process's memory unchanged by a bomb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.errors import UnreadableError
from assistant.sandbox import Caps, read_in_worker, read_report

from .conftest import inflated_docx


def _rss_kb() -> int:
    """This process's resident memory now (not its peak)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _docx_of(paragraphs: int, tmp_path: Path) -> Path:
    """`inflated_docx` as a file (150,000 paragraphs: 19 MB of XML, under the part limit, so reading gets as far
    as the text limit)."""
    path = tmp_path / "big.docx"
    path.write_bytes(inflated_docx(paragraphs))
    return path


def test_worker_reads_a_real_report_as_this_process_does(reports) -> None:
    path = reports / "huaian-shi-2024.pdf"
    assert read_in_worker(path) == read_report(path)


def test_worker_errors_name_the_file_not_the_server_folder(tmp_path: Path) -> None:
    page = tmp_path / "uploads" / "deep.html"
    page.parent.mkdir()
    page.write_text("<html><body>" + "<div>" * 500 + "x" + "</div>" * 500 + "</body></html>", encoding="utf-8")
    with pytest.raises(UnreadableError) as info:
        read_in_worker(page, name="上传的网页.html")
    assert "“上传的网页.html”的网页元素的嵌套层数超过上限" in str(info.value) and str(tmp_path) not in str(info.value)


def test_worker_time_cap(reports) -> None:
    with pytest.raises(UnreadableError, match="读取时间超过上限 0.01 秒"):
        read_in_worker(reports / "huaian-shi-2024.pdf", Caps(seconds=0.01))


def test_worker_memory_cap(tmp_path: Path) -> None:
    with pytest.raises(UnreadableError, match="读取所需内存超过上限 50 MB"):
        read_in_worker(_docx_of(150_000, tmp_path), Caps(memory_mb=50))


def test_a_bomb_read_in_the_worker_leaves_this_process_memory_where_it_was(tmp_path: Path) -> None:
    bomb = _docx_of(150_000, tmp_path)  # 19 MB of XML from about 100 KB: lxml needs hundreds of MB for it
    before = _rss_kb()
    with pytest.raises(UnreadableError, match="全文字数超过上限"):
        read_in_worker(bomb)
    assert _rss_kb() - before < 20_000  # KB: the worker's memory went back to the system with it


def test_the_bomb_does_cost_memory_when_read_in_process(tmp_path: Path) -> None:
    """What the test above spares the server: the same refused read, done in a process of its own here,
    allocates tens of MB (tracemalloc's peak of Python objects, KB; lxml's own tree comes on top)."""
    code = (
        "import sys, tracemalloc\n"
        "from assistant.readers import read_file\n"
        "tracemalloc.start()\n"
        "try: read_file(sys.argv[1])\n"
        "except Exception as exc: print(exc, file=sys.stderr)\n"
        "print(tracemalloc.get_traced_memory()[1] // 1024)\n"
    )
    bomb = _docx_of(150_000, tmp_path)
    done = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, check=True)
    assert "全文字数超过上限" in done.stderr and int(done.stdout) > 40_000


def test_a_bomb_uploaded_to_a_running_app_leaves_the_servers_memory(tmp_path: Path, start_app) -> None:
    """The web app's /index endpoint, served from this process: the bomb is refused by name, nothing is kept,
    and the server's memory is where it was (the upload was read in a worker)."""
    from gradio_client import Client, handle_file

    demo, url, svc = start_app(tmp_path / "data")
    try:
        svc.corpus()  # opened before measuring: the corpus itself is not the upload's cost
        bomb = _docx_of(150_000, tmp_path)
        before = _rss_kb()
        answer = Client(url, verbose=False).predict(handle_file(str(bomb)), api_name="/index")
        grown = _rss_kb() - before
        assert [f["file"] for f in answer["failed"]] == ["big.docx"] and "全文字数超过上限" in answer["failed"][0][
            "reason"
        ]
        assert str(tmp_path) not in str(answer) and svc.corpus().list_reports() == []
        assert grown < 40_000, grown  # KB; the same read in-process costs far more (see the test above)
    finally:
        demo.close()
