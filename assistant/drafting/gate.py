"""The gate a draft passes before export: the checker's rules plus "copied from last year" (D-COPY)."""

from __future__ import annotations

from collections.abc import Collection

from ..checks import check
from ..report import Finding, Location, Report
from ..textnums import sentences

COPY_THRESHOLD = 0.6  # share of a drafted sentence's character 3-grams found in one of last year's
COPY_MIN_CHARS = 20  # shorter sentences ("一是……") are formulaic and may repeat freely


def _grams(text: str) -> set[str]:
    chars = "".join(text.split())
    return {chars[i : i + 3] for i in range(len(chars) - 2)}


def similarity(new: str, old: str) -> float:
    """Share of `new`'s character 3-grams that `old` contains, 0..1.

    Unlike Jaccard this also catches a sentence copied from part of a longer old one.
    """
    grams = _grams(new)
    return len(grams & _grams(old)) / len(grams) if grams else 0.0


def copy_findings(report: Report, prior: Report, skip: Collection[str] = ()) -> list[Finding]:
    """A warning for each drafted sentence too similar to one of last year's (D-COPY, "照搬往年表述").

    Reports are compared sentence by sentence because crawled reports are one long paragraph.
    `skip` holds sentences generated from the tables, whose wording is the same every year by design.
    """
    before = [s for s in sentences(prior.text) if len(s) >= COPY_MIN_CHARS]
    findings = []
    for heading, text in report.sections.items():
        for sentence in sentences(text):
            if len(sentence) < COPY_MIN_CHARS or any(sentence in s for s in skip):
                continue
            score = max((similarity(sentence, old) for old in before), default=0.0)
            if score >= COPY_THRESHOLD:
                findings.append(
                    Finding(
                        rule="D-COPY",
                        severity="warning",
                        message=f"照搬往年表述：“{sentence[:24]}……”与上年报告相似度{score:.0%}，请改写。",
                        where=Location(section=heading),
                    )
                )
    return findings


def gate(report: Report, prior: Report | None, skip: Collection[str] = ()) -> list[Finding]:
    """Every finding that decides whether the draft may be exported as final."""
    findings = check(report, prior)
    return findings + (copy_findings(report, prior, skip) if prior is not None else [])
