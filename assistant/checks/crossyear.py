"""Rules comparing a report with last year's report (run only when a prior report is given)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import SequenceMatcher

from ..labels import T3_CARRIED, T3_CARRY_NEXT, T3_COLUMNS
from ..report import Report
from ..textnums import sentences, unwrap
from .base import Issue, Location, num, rule, shorten, t3_cell, t3_row
from .narrative import stated_figures, table_figures

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


_CHANGE = re.compile(
    r"(?:(?:较|比|与)(?:去年|上年|上一年度?|(?:19|20)\d{2}\s*年)(?:度|同期)?(?:相比)?|同比)"
    r"[^，,。；;\d]{0,4}?(增长|增加|上升|提高|多|下降|减少|回落|降低|少)了?\s*(\d+(?:\.\d+)?)\s*(%|％|件|个百分点)?"
)
_UP = ("增长", "增加", "上升", "提高", "多")


def _change_fits(now: float, before: float, up: bool, amount: str, unit: str) -> bool | None:
    """Whether a stated change from `before` to `now` is right to its printed precision (None: not checkable)."""
    diff = now - before
    if unit in ("%", "％"):
        if not before:
            return None
        step = 10.0 ** -len(amount.partition(".")[2])
        return abs(100 * diff / before - (float(amount) if up else -float(amount))) < step
    if unit == "个百分点":
        return None
    return diff == (float(amount) if up else -float(amount))


@rule("X-CHANGE", "error", needs_prior=True)
def change_mismatch(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: a change the narrative states ("收到申请 81 件，较去年增长 12.3%", "同比增加 9 件", "下降/回落")
    against last year's report: the same table figure (the one this year's stated figure equals:
    本年新收, （七）总计, 行政复议总计 …) last year, to the printed precision.
    Why: a change that does not follow from the two reports is a wrong figure: an error when every table
    quantity this year's figure equals had one value last year, a warning when they differ (口径 such as
    新收 with or without 上年结转 give different changes). Only against the same body's report for the year before.
    Example: 2024 "共收到申请 218 件，同比增长 20%" while 2023's 本年新收 was 81 (+169%).
    """
    if prior is None or not _is_last_year(report, prior):
        return
    now_figures, then_figures = table_figures(report), table_figures(prior)
    if now_figures is None or then_figures is None:
        return
    for heading, text in report.sections.items():
        for sentence in sentences(unwrap(text)):
            for m in _CHANGE.finditer(sentence):
                stated = list(stated_figures(sentence[: m.start()], "申请" in sentence))
                if not m.group(1) or not stated:
                    continue
                concept, figure = stated[-1]
                names = [name for name, v in now_figures[concept] if v == figure.value]
                before = dict(then_figures[concept])
                fits = [
                    _change_fits(figure.value, before[n], m.group(1) in _UP, m.group(2), m.group(3) or "件")
                    for n in names
                    if n in before
                ]
                if not fits or None in fits or any(fits):
                    continue
                then = "、".join(f"{n} {num(before[n])}" for n in names if n in before)
                yield Issue(
                    f"正文称{concept} {num(figure.value)} 件{m.group(0)}，与上年报告不符（上年{then}）："
                    f"「{shorten(sentence)}」",
                    Location(section=heading),
                    None if len({before[n] for n in names if n in before}) == 1 else "warning",
                )


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
