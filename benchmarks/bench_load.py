"""Load test: N concurrent gradio_client clients on the named endpoints, mixed, against one running app.

The app is started in this process with `assistant.web.serve` on a fresh data folder (the bundled corpus
indexed before the clock starts). Each client runs a fixed mix of /check (a real report upload), /ask, /draft
and, now and then, /index (an upload to the corpus, the same bytes each time: skipped after the first). The
baseline is the same mix from one client in the same run; printed: per endpoint and overall p50/p95 latency
in seconds, throughput, errors, and the server's resident memory before and after.

Usage: `python benchmarks/bench_load.py [--clients 20] [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gradio_client import Client, handle_file

from assistant.settings import load_settings
from assistant.web import serve

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "corpus" / "pingtan-2023.txt"
UPLOAD = ROOT / "corpus" / "weishi-kaifaqu-2022.txt"
NOTES = ROOT / "tests" / "data" / "notes-pingtan-2024.md"
QUESTIONS = ("平潭2022年新收了多少申请？", "平潭2023年行政复议有几件？", "淮安市2024年主动公开了哪些信息？")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def one_round(client: Client, n: int) -> list[tuple[str, float, str | None]]:
    """One client's mix; (endpoint, seconds, error or None) per call."""
    notes = NOTES.read_text(encoding="utf-8")
    calls = [
        ("/check", lambda: client.predict(handle_file(str(REPORT)), None, api_name="/check")),
        ("/ask", lambda: client.predict(QUESTIONS[n % len(QUESTIONS)], api_name="/ask")),
        ("/draft", lambda: client.predict(notes, "", None, "", api_name="/draft")),
    ]
    if n % 3 == 0:
        calls.append(("/index", lambda: client.predict(handle_file(str(UPLOAD)), api_name="/index")))
    out = []
    for name, call in calls:
        started = time.perf_counter()
        try:
            call()
            error = None
        except Exception as exc:  # a load test counts every failure, whatever it is
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        out.append((name, time.perf_counter() - started, error))
    return out


def run(url: str, clients: int, rounds: int) -> tuple[list[tuple[str, float, str | None]], float]:
    """Every client connects, then all run `rounds` rounds at once; the results and the wall time."""
    connected = [Client(url, verbose=False) for _ in range(clients)]
    results: list[tuple[str, float, str | None]] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for r in range(rounds):
            got = one_round(connected[index], index + r)
            with lock:
                results.extend(got)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(work, range(clients)))
    return results, time.perf_counter() - started


def report(label: str, results: list[tuple[str, float, str | None]], wall: float) -> None:
    by_endpoint: dict[str, list[float]] = defaultdict(list)
    errors = [(name, error) for name, _, error in results if error]
    for name, seconds, error in results:
        if not error:
            by_endpoint[name].append(seconds)
    every = [s for values in by_endpoint.values() for s in values]
    print(
        f"{label}: {len(results)} calls in {wall:.1f} s ({len(results) / wall:.1f}/s), errors {len(errors)}, "
        f"p50 {percentile(every, 0.5):.2f} s, p95 {percentile(every, 0.95):.2f} s"
    )
    for name in sorted(by_endpoint):
        values = by_endpoint[name]
        print(
            f"  {name:7} n={len(values):3}  p50 {percentile(values, 0.5):.2f} s  p95 {percentile(values, 0.95):.2f} s"
            f"  mean {statistics.mean(values):.2f} s"
        )
    for name, error in errors[:5]:
        print(f"  error {name}: {error}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as data:
        os.environ["ASSISTANT_DATA_DIR"] = data
        demo, url, ws = serve(load_settings(), port=free_port(), block=False, quiet=True)
        try:
            while ws.indexing or "尚未" in ws.status or "正在" in ws.status:  # the bundled corpus, off the clock
                time.sleep(0.2)
            print(f"server up at {url}; {ws.status}; RSS {rss_mb():.0f} MB")
            results, wall = run(url, 1, args.rounds)
            report("baseline, 1 client", results, wall)
            results, wall = run(url, args.clients, args.rounds)
            report(f"load, {args.clients} clients", results, wall)
            print(f"server RSS after: {rss_mb():.0f} MB")
        finally:
            demo.close()


if __name__ == "__main__":
    main()
