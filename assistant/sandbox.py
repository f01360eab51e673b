"""Reading an untrusted file in a worker process with a memory and a time cap.

The readers' `Limits` bound what a file may expand to; a server also needs a bound on what reading may cost
whatever the file, and memory given back afterwards (a Python process keeps the heap it grew). So the web app
reads uploads with `read_in_worker`: a fresh interpreter (`python -m assistant.sandbox FILE MB`) caps its own
address space, reads and parses the file and prints the document and report as JSON, and is killed when
it runs past the time cap. Its memory goes back to the system when it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import EXIT_OK, EXIT_USAGE, UnreadableError, UserError
from .readers import LIMITS, MB, Document, Limits, read_file
from .report import Report

ReadReport = Callable[[Path], tuple[Document, Report]]


@dataclass(frozen=True)
class Caps:
    """What one worker may use: address space (the interpreter and its libraries take about 300 MB of it)
    and wall time."""

    memory_mb: int = 1536
    seconds: float = 60.0


CAPS = Caps()


def read_report(path: Path, limits: Limits = LIMITS) -> tuple[Document, Report]:
    """A file's document and parsed report, in this process."""
    from .parser import parse_document

    document = read_file(path, limits)
    return document, parse_document(document)


def read_in_worker(path: str | Path, caps: Caps = CAPS, name: str | None = None) -> tuple[Document, Report]:
    """`read_report` in a worker process: UnreadableError when the file cannot be read or the worker passes
    a cap, its message naming the file by `name` (default: the file name, never the server's folders);
    RuntimeError (a bug) when the worker fails otherwise."""
    path = Path(path)
    name = name or path.name
    # one thread for numeric libraries: each thread reserves address space the cap counts
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "assistant.sandbox", str(path), str(caps.memory_mb)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=caps.seconds, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise UnreadableError(
            f"“{name}”的读取时间超过上限 {caps.seconds:g} 秒，已停止；请检查文件，或拆分后再试"
        ) from exc
    if done.returncode in (EXIT_OK, EXIT_USAGE):
        answer = json.loads(done.stdout)
        if done.returncode == EXIT_USAGE:
            raise UnreadableError(answer["error"].replace(str(path), name))
        return Document(**answer["document"]), Report.model_validate(answer["report"])
    if done.returncode < 0:  # killed: the kernel's OOM killer, or a signal at the cap
        raise UnreadableError(_over_memory(name, caps))
    raise RuntimeError(f"reading worker exited with {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")


def _over_memory(name: str, caps: Caps) -> str:
    return f"“{name}”的读取所需内存超过上限 {caps.memory_mb} MB，已停止；请检查文件，或拆分后再试"


def _work(path: Path, caps: Caps) -> int:
    """The worker: cap the address space (after the readers' libraries are loaded, so the cap is what
    reading may add to them), read, print JSON; exit 0, or 2 with the Chinese message."""
    import resource

    import bs4  # noqa: F401  (the libraries are loaded before the cap)
    import docx  # noqa: F401
    import pdfplumber  # noqa: F401

    from . import parser  # noqa: F401

    resource.setrlimit(resource.RLIMIT_AS, (caps.memory_mb * MB, caps.memory_mb * MB))
    try:
        document, report = read_report(path)
    except UserError as exc:
        answer, code = {"error": str(exc)}, EXIT_USAGE
    except MemoryError:
        answer, code = {"error": _over_memory(path.name, caps)}, EXIT_USAGE
    else:
        answer, code = {"document": asdict(document), "report": report.model_dump(mode="json")}, EXIT_OK
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return code


if __name__ == "__main__":
    sys.exit(_work(Path(sys.argv[1]), Caps(memory_mb=int(sys.argv[2]))))
