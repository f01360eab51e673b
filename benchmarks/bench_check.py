"""Accuracy of parse+check over every real report and its reshaped variants, then speed.

Accuracy: every real report of corpus/ with reference tables (tests/data/expected-tables.json), as published
(the baseline row) and reshaped as extraction tools reshape reports (tests/reshape.py: Markdown, one table
per row, 表四 in three, labels then values, a footer inside a table, varied/typo'd/broken labels, wrapped
lines, a collapsed （六）). Per shape: 表三/表四 cells read right, the published errors found (pingtan 2020's
（七）总计 against its result rows, weishi's 其中 parts above their whole), error findings on what adds up.
Speed: parse+check in-process, and `check` as a whole process against a bare interpreter start.

Run: .venv/bin/python benchmarks/bench_check.py
Targets (2-core machine): ≥ 99.5% of cells right, every published error found, no false error finding;
`check` of a text report ≤ 0.3 s and of a 6-page PDF ≤ 2 s as whole processes.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "corpus"  # the bundled corpus: the published reports
sys.path.insert(0, str(ROOT))

from assistant.checks import check  # noqa: E402
from assistant.labels import SECTIONS, T3_TOTAL  # noqa: E402
from assistant.parser import parse_file, parse_text  # noqa: E402
from assistant.report import Report  # noqa: E402
from assistant.tables import Location, t3_cell  # noqa: E402
from tests import reshape  # noqa: E402

HEAVY = ("gradio", "chromadb", "langchain", "langchain_core", "openai")
EXPECTED = json.loads((ROOT / "tests" / "data" / "expected-tables.json").read_text(encoding="utf-8"))
# the inconsistencies the published reports really contain, as (rule, place) the checker must report
KNOWN_ERRORS = {
    "pingtan-2020.txt": {("T3-RESULT-SUM", t3_cell(T3_TOTAL, 0)), ("T3-RESULT-SUM", t3_cell(T3_TOTAL, 6))},
    "weishi-kaifaqu-2022.txt": {("N-PART-EXCEEDS-WHOLE", Location(section=SECTIONS[0].text))},
}


def score(name: str, report: Report, shape: str) -> tuple[int, int, int, int]:
    """(cells right, cells, known errors found, error findings that are not published errors)."""
    ref = EXPECTED[name]
    table3 = reshape.expected_table3(ref["table3"], shape, report.template)
    right = sum(
        report.table3.get(label, [None] * 7)[c] == v for label, row in table3.items() for c, v in enumerate(row)
    )
    right += sum(a == b for a, b in zip(report.table4 + [None] * 15, ref["table4"], strict=False))
    cells = sum(map(len, table3.values())) + len(ref["table4"])
    errors = {(f.rule, f.where) for f in check(report) if f.severity == "error"}
    known = KNOWN_ERRORS.get(name, set())
    return right, cells, len(errors & known), len(errors - known)


def accuracy() -> None:
    names = [n for n in EXPECTED if not n.startswith("_")]
    references = {n: reshape.reference(REPORTS / n, EXPECTED[n]) for n in names}
    known = sum(len(KNOWN_ERRORS.get(n, ())) for n in names)
    print(f"accuracy over {len(names)} real reports ({known} published errors in them)")
    print(f"  {'shape':<24} {'cells right':>18} {'errors found':>13} {'false errors':>13}")
    shapes = {"as published (baseline)": None, **reshape.SHAPES}
    totals = [0, 0, 0, 0]
    for shape, write in shapes.items():
        row = [0, 0, 0, 0]
        for name in names:
            report = parse_file(REPORTS / name) if write is None else parse_text(write(references[name]), name)
            for i, value in enumerate(score(name, report, shape)):
                row[i] += value
        totals = [t + v for t, v in zip(totals, row, strict=True)]
        cells = f"{row[0]}/{row[1]} {100 * row[0] / row[1]:6.2f}%"
        print(f"  {shape:<24} {cells:>18} {f'{row[2]}/{known}':>13} {row[3]:>13}")
    cells = f"{totals[0]}/{totals[1]} {100 * totals[0] / totals[1]:6.2f}%"
    print(f"  {'all':<24} {cells:>18} {f'{totals[2]}/{known * len(shapes)}':>13} {totals[3]:>13}")


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


def speed() -> None:
    texts = sorted(REPORTS.glob("*.txt"))
    pdf = REPORTS / "huaian-shi-2024.pdf"
    html = REPORTS / "pingtan-2024.html"
    print(f"\nin-process parse+check, text ({len(texts)} files): {in_process(texts):8.1f} reports/s")
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
    accuracy()
    speed()
