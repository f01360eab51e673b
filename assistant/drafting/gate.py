"""The gate a draft passes before export: the checker's rules, "copied from last year" (D-COPY), and
"fragment" (D-FRAGMENT, an error: text that is not a sentence can never be 最终稿)."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..checks import check
from ..compare import copied_sentences
from ..report import Finding, Location, Report
from ..textnums import sentences

FRAGMENT_MIN_CHARS = 5  # an item shorter than this ("复议维持") has no room for a subject and a verb
# What makes an item a fragment, with the reason shown to the user; tested on each item of a sentence
# ("一是……；二是……" gives one item per enumerator).
FRAGMENT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\t"), "含表格残留的制表符"),
    (re.compile(r"^[一二三四五六七八九十]+是[。；，,]?$"), "序号后没有内容"),
    (re.compile(r"(?:是|和|及|与|或|、|的|以及)[。；，,]?$"), "句子没有说完"),
    (re.compile(r"^[一二三四五六七八九十]+是(?:均|都|并且|并|且|同时)"), "缺少主语"),
    (re.compile(r"^[一二三四五六七八九十]+是[^，。；：:,\d]{1,10}[：:]"), "保留了小标题"),
    (
        re.compile(
            r"^[一二三四五六七八九十]+是(?:其他|其他事项|主动公开|依申请公开|政府信息管理|平台建设|监督保障)[。；]?$"
        ),
        "把标题当成了内容",
    ),
)
_ITEM = re.compile(r"[一二三四五六七八九十]+是.*?(?=[一二三四五六七八九十]+是|$)")
_ENUM = re.compile(r"^[一二三四五六七八九十]+是")


def copy_findings(report: Report, prior: Report, skip: Collection[str] = ()) -> list[Finding]:
    """A warning for each drafted sentence too similar to one of last year's (D-COPY, "照搬往年表述"), by the same
    sentence comparison as `compare`. `skip` holds sentences generated from the tables (and the engine's own
    opening), whose wording is the same every year by design."""
    return [
        Finding(
            rule="D-COPY",
            severity="warning",
            message=f"照搬往年表述：“{c.sentence[:24]}……”与上年报告相似度{c.score:.0%}，请改写。",
            where=Location(section=heading),
        )
        for heading, text in report.sections.items()
        for c in copied_sentences(text, prior.text)
        if not any(c.sentence in s for s in skip)
    ]


def items(sentence: str) -> list[str]:
    """A sentence's enumerated items ("一是甲；二是乙。" → "一是甲；", "二是乙。"), or the sentence itself."""
    return [m.group(0) for m in _ITEM.finditer(sentence) if m.group(0)] or [sentence]


def fragment(item: str) -> str:
    """Why an item of drafted text is not a sentence ("" when it is one)."""
    body = _ENUM.sub("", item).strip("。；，,：: ")
    if len(body) < FRAGMENT_MIN_CHARS and "无" not in body and "未" not in body:  # "本年度无。" is a sentence
        return "过短，不成句"
    return next((reason for pattern, reason in FRAGMENT_RULES if pattern.search(item)), "")


def fragment_findings(report: Report, skip: Collection[str] = ()) -> list[Finding]:
    """An error for each fragment in the narrative (D-FRAGMENT); placeholders and `skip` aside."""
    findings = []
    for heading, text in report.sections.items():
        lines = [ln for ln in text.splitlines() if ln not in report.parts and "请补充" not in ln]
        for sentence in sentences("\n".join(lines)):
            if any(sentence in s for s in skip):
                continue
            for item in items(sentence):
                if reason := fragment(item):
                    findings.append(
                        Finding(
                            rule="D-FRAGMENT",
                            severity="error",
                            message=f"不成句的文字（{reason}）：“{item[:30]}”，请改写成完整的句子。",
                            where=Location(section=heading),
                        )
                    )
    return findings


def gate(report: Report, prior: Report | None, skip: Collection[str] = ()) -> list[Finding]:
    """Every finding that decides whether the draft may be exported as final."""
    findings = check(report, prior) + fragment_findings(report, skip)
    return findings + (copy_findings(report, prior, skip) if prior is not None else [])
