"""Parse+check throughput in-process, and `check` as a whole process against a bare interpreter start.

Run: .venv/bin/python benchmarks/bench_check.py
Targets (2-core machine): `check` of a text report ≤ 1 s and of a 6-page PDF ≤ 2 s as whole processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "corpus"  # the bundled corpus: the published reports
sys.path.insert(0, str(ROOT))

from assistant.checks import check  # noqa: E402
from assistant.parser import parse_file  # noqa: E402

HEAVY = ("gradio", "chromadb", "langchain", "langchain_core", "openai")


def in_process(files: list[Path], seconds: float = 3.0) -> float:
    """Reports per second for parse+check over the files, repeated for about `seconds`."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for f in files:
            check(parse_file(f))
            done += 1
    return done / (time.perf_counter() - start)


def wall(cmd: list[str], runs: int = 5) -> float:
    """Median wall time of a whole process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    texts = sorted(REPORTS.glob("*.txt"))
    pdf = REPORTS / "huaian-shi-2024.pdf"
    html = REPORTS / "pingtan-2024.html"
    print(f"in-process parse+check, text ({len(texts)} files): {in_process(texts):8.1f} reports/s")
    print(f"in-process parse+check, PDF (huaian, 6 pages):      {in_process([pdf]):8.1f} reports/s")
    print(f"in-process parse+check, HTML (pingtan-2024):        {in_process([html]):8.1f} reports/s")

    py = sys.executable
    bare = wall([py, "-c", "pass"])
    probe = "import sys, assistant.cli, assistant.checks, assistant.parser; print(sorted(sys.modules))"
    loaded = subprocess.run([py, "-c", probe], cwd=ROOT, capture_output=True, text=True).stdout
    heavy = [m for m in HEAVY if f"'{m}'" in loaded]
    rows = [
        ("bare interpreter start", bare),
        ("check pingtan-2024.txt", wall([py, "-m", "assistant", "check", str(REPORTS / "pingtan-2024.txt")])),
        ("check huaian-shi-2024.pdf", wall([py, "-m", "assistant", "check", str(pdf)])),
        ("check pingtan-2024.html", wall([py, "-m", "assistant", "check", str(html)])),
    ]
    print("\nwhole process (median of 5)          seconds   × bare start")
    for name, secs in rows:
        print(f"  {name:<34} {secs:7.3f}   {secs / bare:6.1f}")
    print(f"\nheavy libraries imported by check: {heavy or 'none'}")


if __name__ == "__main__":
    main()
