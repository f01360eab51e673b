"""Web app benchmark: cold start to first page served, notes to draft preview, resident memory.

Runs `python app.py` as a separate process on a free port with a fresh data folder (so the bundled
corpus is indexed on this start), the way a user starts it. Usage: `python benchmarks/bench_app.py`.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "corpus" / "pingtan-2023.txt"
NOTES = (
    "机关：测试县人民政府办公室\n年度：2024\n"
    "- 全年主动公开政府信息1200条，发布政策解读35篇\n- 收到政府信息公开申请15件，均按时答复\n"
    "- 开展政务公开培训3次\n- 存在问题：政策解读形式单一\n- 下一步将加强政务新媒体建设\n"
)
RUNS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def gradio_baseline() -> tuple[float, float]:
    """Seconds and peak MB of a bare `import gradio` process: what any gradio app pays before its own work."""
    probe = "import resource, gradio; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - started, int(out.split()[-1]) / 1024


def main() -> None:
    base_s, base_mb = gradio_baseline()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "ASSISTANT_DATA_DIR": data, "GRADIO_SERVER_PORT": str(port)}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            while True:
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.perf_counter() - started > 120:
                    raise SystemExit(f"app.py did not start:\n{proc.stdout.read()}")
                time.sleep(0.1)
            cold = time.perf_counter() - started
            rss_start = rss_mb(proc.pid)
            client = Client(url, verbose=False)
            timings = []
            for _ in range(RUNS):
                t = time.perf_counter()
                markdown, _ = client.predict(NOTES, "", None, "", api_name="/draft")
                timings.append(time.perf_counter() - t)
                assert "测试县人民政府办公室" in markdown
            t = time.perf_counter()
            client.predict(handle_file(str(REPORT)), api_name="/index")
            index_time = time.perf_counter() - t
            t = time.perf_counter()
            client.predict("平潭综合实验区2023年收到多少件政府信息公开申请？", api_name="/ask")
            ask_time = time.perf_counter() - t
            rss_end = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"baseline: bare `import gradio`   : {base_s:6.2f} s, {base_mb:6.1f} MB peak")
    print(f"cold start to first page served : {cold:6.2f} s  ({cold / base_s:.1f}× the bare gradio import)")
    print(
        f"notes -> draft preview (/draft)  : median {statistics.median(timings):.3f} s, "
        f"first {timings[0]:.3f} s, max {max(timings):.3f} s over {RUNS} runs"
    )
    print(f"index one report (/index)        : {index_time:6.3f} s")
    print(f"ask one question (/ask)          : {ask_time:6.3f} s")
    print(
        f"resident memory                  : {rss_start:6.1f} MB after start ({rss_start / base_mb:.1f}× bare gradio), "
        f"{rss_end:6.1f} MB after the runs"
    )


if __name__ == "__main__":
    main()
