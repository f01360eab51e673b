"""Rules comparing a report with last year's report (run only when a prior report is given)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import SequenceMatcher

from ..labels import T3_CARRIED, T3_CARRY_NEXT, T3_COLUMNS
from ..report import Report
from .base import Issue, Location, num, rule, t3_cell, t3_row

_ORG_NOISE = re.compile(r"\s|办公室|人民政府|管理委员会|管委会")


def same_org(a: str, b: str) -> bool:
    """Loose comparison: "平潭综合实验区管委会" and "平潭综合实验区管理委员会" are the same body."""
    a, b = _ORG_NOISE.sub("", a), _ORG_NOISE.sub("", b)
    if not a or not b:
        return True
    return a in b or b in a or SequenceMatcher(None, a, b).ratio() >= 0.75


def _is_last_year(report: Report, prior: Report) -> bool:
    """The prior is this body's report for the year before (an unknown year or body is given the benefit)."""
    year_ok = report.year is None or prior.year is None or prior.year == report.year - 1
    return year_ok and same_org(report.org, prior.org)


@rule("X-CARRYOVER", "error", needs_prior=True)
def carryover(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: per column, this year's 二、上年结转 = last year's 四、结转下年度继续办理.
    Why: applications carried into this year are exactly those last year carried out (error).
    Only against the same body's report for the year before: another prior is named by X-PRIOR instead.
    Example: 2022 上年结转 自然人 1, but 2021 结转下年度 自然人 0.
    """
    carried = t3_row(report, T3_CARRIED)
    before = t3_row(prior, T3_CARRY_NEXT) if prior else None
    if carried is None or before is None or not _is_last_year(report, prior):
        return
    for col, (now, then) in enumerate(zip(carried, before, strict=True)):
        if now is not None and then is not None and now != then:
            where = t3_cell(T3_CARRIED, col)
            yield Issue(
                f"{where.name()}为 {num(now)}，而上年报告「{T3_CARRY_NEXT}」「{T3_COLUMNS[col]}」为 {num(then)}。",
                where,
            )


@rule("X-PRIOR", "warning", needs_prior=True)
def prior_matches(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: the prior report is the same body's report for the year before.
    Why: cross-year rules mean nothing against another body or year; likely a wrong file was given,
    but the names may legitimately differ in wording, so a warning.
    Example: checking 2024 against 2022, or against another body's report.
    """
    if prior is None:
        return
    if report.year is not None and prior.year is not None and prior.year != report.year - 1:
        yield Issue(f"上年报告的年度为 {prior.year} 年，应为 {report.year - 1} 年。", Location(aspect="prior"))
    if not same_org(report.org, prior.org):
        yield Issue(f"上年报告的机关「{prior.org}」与本报告「{report.org}」不一致。", Location(aspect="prior"))
