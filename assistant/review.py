"""Review many reports at once: collect files, folders and .zip archives, parse them in parallel, pair each report
with last year's of the same body (from the batch, else the corpus), check them, and say what was found.

What a batch found is written by `review_export` as a workbook or a web page; this module only gathers and checks.
One unreadable file never stops the batch: it becomes a result with its reason.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from .bodies import Names, load_aliases, same_statistics
from .checks import check
from .errors import UserError
from .readers import MAX_BYTES, MB
from .report import Finding, Report

if TYPE_CHECKING:
    from .corpus import Corpus

HEAVY_SUFFIXES = {".pdf", ".docx"}
REPORT_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".shtml", ".txt", ".md"}
ZIP_TOTAL_BYTES = 20 * MAX_BYTES  # what one archive may hold once extracted
_UTF8_NAME = 0x800  # zip flag: the member's name is UTF-8; without it, Windows tools wrote the local code page (GBK)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Source:
    """One report to read: a file on disk, or the bytes of an archive member (`name` says where it came from)."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    oversize: int = 0  # an archive member too large to read: its declared size, and `data` stays None


@dataclass
class Reviewed:
    """What the batch found for one source: its report and findings, or why it could not be read."""

    source: Source
    report: Report | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str = ""
    prior: str = ""  # the source name of last year's report it was checked against
    duplicate_of: str = ""

    def to_json(self) -> dict:
        """One result of `check --json` on a batch."""
        report = self.report
        return {
            "source": self.source.name,
            "org": report.org if report else None,
            "year": report.year if report else None,
            "ok": report is not None and not self.errors,
            "error": self.error or None,
            "prior": self.prior or None,
            "duplicate_of": self.duplicate_of or None,
            "findings": [f.model_dump() for f in self.findings],
        }

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def collect(paths: Iterable[str | Path]) -> tuple[list[Source], list[Reviewed]]:
    """The sources under the given files, folders (recursively) and .zip archives, in a stable order; and the
    archives or paths that could not be opened, as failed results."""
    sources: list[Source] = []
    failed: list[Reviewed] = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())
            sources += [Source(str(p), p) for p in files if p.suffix.lower() in REPORT_SUFFIXES]
            for archive in (p for p in files if p.suffix.lower() == ".zip"):
                _add_archive(archive, sources, failed)
        elif path.suffix.lower() == ".zip":
            _add_archive(path, sources, failed)
        else:
            sources.append(Source(str(path), path))
    return sources, failed


def _add_archive(path: Path, sources: list[Source], failed: list[Reviewed]) -> None:
    try:
        sources += list(_archive_members(path))
    except (zipfile.BadZipFile, OSError, UserError) as exc:
        reason = str(exc) if isinstance(exc, UserError) else "压缩包已损坏，无法打开"
        failed.append(Reviewed(Source(str(path), path), error=reason))


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's real name: zipfile reads names without the UTF-8 flag as cp437, but Chinese Windows tools
    write them in GBK (and some tools write UTF-8 without setting the flag)."""
    if info.flag_bits & _UTF8_NAME:
        return info.filename
    raw = info.filename.encode("cp437")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _archive_members(path: Path) -> Iterator[Source]:
    """The report files inside an archive, refusing one that expands beyond `ZIP_TOTAL_BYTES`."""
    with zipfile.ZipFile(path) as archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        members = [i for i in members if Path(member_name(i)).suffix.lower() in REPORT_SUFFIXES]
        if sum(i.file_size for i in members) > ZIP_TOTAL_BYTES:
            raise UserError(f"压缩包“{path.name}”解压后超过 {ZIP_TOTAL_BYTES // MB} MB，请分批审查")
        for info in sorted(members, key=member_name):
            name = f"{path}/{member_name(info)}"
            if info.file_size > MAX_BYTES:
                yield Source(name, oversize=info.file_size)
            else:
                yield Source(name, data=archive.read(info))


def _parse(source: Source) -> tuple[Report | None, str]:
    """One source's report, or why it cannot be read (run in a worker process)."""
    from .parser import parse_document, parse_file
    from .readers import read_bytes

    try:
        if source.oversize:
            return None, f"“{source.name}”解压后 {source.oversize / MB:.1f} MB，超过上限 {MAX_BYTES // MB} MB"
        if source.data is not None:
            return parse_document(read_bytes(source.data, source.name)), ""
        return parse_file(source.path or source.name), ""
    except UserError as exc:
        return None, str(exc)
    except Exception as exc:  # a bug on one file must not stop the batch; it is logged and named as ours
        logging.getLogger(__name__).exception("reviewing %s", source.name)
        return None, f"内部错误：{type(exc).__name__}（程序缺陷，不是文件的问题）"


def _parse_all(sources: list[Source], workers: int, progress: Progress) -> list[tuple[Report | None, str]]:
    """Parse in `workers` processes (in this one when 1), reporting progress in source order."""
    results: list[tuple[Report | None, str]] = []
    # text and HTML parse in milliseconds, less than starting a worker: only PDF and Word files are worth spreading
    heavy = sum(Path(s.name).suffix.lower() in HEAVY_SUFFIXES for s in sources)
    if workers <= 1 or heavy < 2:
        mapped: Iterable[tuple[Report | None, str]] = map(_parse, sources)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver"))
        mapped = pool.map(_parse, sources, chunksize=max(1, len(sources) // (workers * 8)))
    try:
        for source, result in zip(sources, mapped, strict=True):
            results.append(result)
            progress(len(results), len(sources), Path(source.name).name)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return results


def review(
    paths: Iterable[str | Path],
    *,
    corpus: Corpus | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Reviewed]:
    """Check every report under `paths`, each against last year's report of the same body: from the batch when
    it holds one, else from `corpus` when given. A body is known by its merged name (bodies.py, with the corpus's
    alias table), so two files naming it differently pair and are found duplicates."""
    sources, failed = collect(paths)
    parsed = _parse_all(sources, workers or os.cpu_count() or 1, progress or (lambda *_: None))
    results = [Reviewed(s, report, error=error) for s, (report, error) in zip(sources, parsed, strict=True)]
    names = Names(
        [r.report.org for r in results if r.report is not None and r.report.org],
        load_aliases(corpus.settings.data_dir) if corpus is not None else {},
    )
    by_body: dict[tuple[str, int], Reviewed] = {}
    for r in results:
        if r.report is not None and r.report.org and r.report.year:
            first = by_body.setdefault((names.canonical(r.report.org), r.report.year), r)
            if first is not r and first.report is not None and same_statistics(first.report, r.report):
                r.duplicate_of = first.source.name
    for r in results:
        if r.report is None:
            continue
        prior = _prior(r.report, names.canonical(r.report.org), by_body, corpus)
        r.prior = prior.source if prior is not None and prior.source else ""
        r.findings = check(r.report, prior)
    return failed + results


def _prior(report: Report, org: str, batch: dict[tuple[str, int], Reviewed], corpus: Corpus | None) -> Report | None:
    """Last year's report of the body (`org`: its merged name) from the batch, else from the corpus."""
    if not (org and report.year):
        return None
    same = batch.get((org, report.year - 1))
    if same is not None and same.report is not None:
        return same.report.model_copy(update={"source": same.source.name})
    return corpus.get_report(org, report.year - 1) if corpus is not None else None


def main_problem(result: Reviewed) -> str:
    """The first thing a reviewer should look at, in words."""
    if result.error:
        return result.error
    first = next((f for f in result.findings if f.severity == "error"), None) or next(iter(result.findings), None)
    return first.message if first else "未发现问题"
