"""Rules on the report's shape: the six sections and their order, 总体情况's five parts, length, year, fee."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from ..labels import PARTS, SECTIONS
from ..report import Report
from .base import OVERVIEW, Issue, Location, rule, shorten

MAX_OVERVIEW_CHARS = 1000
_COUNTED = re.compile(r"[\u4e00-\u9fff0-9]")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_FEE = re.compile(r"信息处理费|收费|收取.{0,6}费")


# where a section's content shows when its heading was not found: its table, or its kind of sentence
_SECTION_CONTENT = (
    ("总体情况", lambda r: bool(re.search(r"主动公开|依申请|政务公开|信息公开工作", r.text))),
    ("表二", lambda r: bool(r.table2)),
    ("表三", lambda r: bool(r.table3)),
    ("表四", lambda r: bool(r.table4)),
    ("问题和改进的内容", lambda r: bool(re.search(r"存在的?(?:主要)?问题|不足之处|改进措施|整改措施", r.text))),
    ("信息处理费等事项", lambda r: bool(re.search(r"信息处理费|其他需要报告", r.text))),
)


@rule("S-SECTION-MISSING", "error")
def section_missing(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: each of the six official sections (一、总体情况 … 六、其他需要报告的事项) is present, found by
    its title whatever its number.
    Why: the six sections are mandatory in both the 2019 and 2021 formats: a section whose content is
    absent is an error; one whose heading is missing while its content is there (表三 printed, a
    paragraph about problems and improvements) is a warning, since only the heading needs fixing.
    Example: a report that ends after 四 without any word on its problems (error).
    """
    for section, (content, present) in zip(SECTIONS, _SECTION_CONTENT, strict=True):
        if section.text in report.sections:
            continue
        if present(report):
            yield Issue(
                f"未找到「{section.text}」的标题，但报告中有{content}，请按规定格式加上该部分标题。",
                Location(section=section.text),
                "warning",
            )
        else:
            yield Issue(f"缺少第「{section.text}」部分。", Location(section=section.text))


_PRINTED_NUMERAL = re.compile(r"^[#*\s]*([一二三四五六七八九十])\s*[、.．，,]")


@rule("S-SECTION-NUMBER", "warning")
def section_number(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: each section, found by its title, carries its official number 一、… 六、.
    Why: the format fixes the numbers, but reports renumber (a body without 表二 numbers 收到和处理 as
    二、) with the content intact, so a wrong or missing number is a warning that says what was found.
    Example: "二、收到和处理政府信息公开申请情况", which the format numbers 三、.
    """
    for section in SECTIONS:
        printed = report.printed_headings.get(section.text)
        if not printed:
            continue
        m = _PRINTED_NUMERAL.match(printed)
        if m is None:
            found = "没有编号"
        elif m[1] != section.text[0]:
            found = f"编号为“{m[1]}、”"
        else:
            continue
        yield Issue(
            f"「{shorten(printed, 30)}」{found}，规定格式中该部分为「{section.text}」。", Location(section=section.text)
        )


@rule("S-SECTION-ORDER", "warning")
def section_order(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: the sections present appear in the official order 一 → 六.
    Why: the format fixes the order and readers look things up by position, but the content is all
    there, so a warning that says which section came where.
    Example: 五、存在的主要问题 printed before 四、行政复议、行政诉讼情况.
    """
    official = [s.text for s in SECTIONS]
    present = [h for h in report.sections if h in official]
    for earlier, later in zip(present, present[1:], strict=False):
        if official.index(later) < official.index(earlier):
            yield Issue(f"「{later}」出现在「{earlier}」之后，顺序不符合规定格式。", Location(section=later))


# what each of 总体情况's five parts is about, when its key word is not there: figures about published
# items are 主动公开, a sentence about applications is 依申请公开, and so on
PART_CONTENT: dict[str, re.Pattern[str]] = {
    PARTS[0].text: re.compile(r"主动公开|(?:公开|发布|公布|更新)[^。；]{0,20}?\d+\s*(?:条|篇|件|个|项)"),
    PARTS[1].text: re.compile(r"依申请|公开申请|申请公开|(?:收到|受理|办结|答复|办理)[^。；]{0,15}申请"),
    PARTS[2].text: re.compile(r"信息管理|规范性文件|保密审查|清理|动态更新|发布审核|公开目录|公开指南|三审"),
    PARTS[3].text: re.compile(r"平台|网站|政务新媒体|公众号|微博|专栏|政务服务"),
    PARTS[4].text: re.compile(r"监督|保障|考核|培训|督查|督导|评议|问责"),
}


@rule("S-PARTS", "warning")
def parts_missing(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 总体情况 covers its five parts: 主动公开、依申请公开、政府信息管理、平台建设、监督保障. A part is
    covered by its heading, its key word, or its content (`PART_CONTENT`: figures about published items
    are 主动公开, a sentence about an application is 依申请公开, 网站/政务新媒体 is 平台建设, 培训/考核 is 监督保障).
    Why: the format lists them as the content of 总体情况; a missing part is a likely omission, but
    only a warning since the wording varies.
    Example: an overview that never mentions a platform, a website or new media.
    """
    overview = report.sections.get(OVERVIEW)
    if overview is None:
        return
    for part in PARTS:
        if part.text not in report.parts and not PART_CONTENT[part.text].search(overview):
            yield Issue(f"总体情况未涉及「{part.text}」（未找到相关内容）。", Location(section=OVERVIEW))


@rule("S-LENGTH", "warning")
def overview_length(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 2021 format: 总体情况 is at most 1000 字 (Chinese characters and digits, not spaces).
    Why: the 2021 format says "篇幅原则上不超过一千字"; "原则上" makes it a warning, not an error.
    Example: a 1,400-字 overview.
    """
    overview = report.sections.get(OVERVIEW)
    if report.template != "2021" or overview is None:
        return
    length = len(_COUNTED.findall(overview))
    if length > MAX_OVERVIEW_CHARS:
        yield Issue(f"总体情况约 {length} 字，2021 年版格式要求原则上不超过 1000 字。", Location(section=OVERVIEW))


@rule("S-YEAR", "error")
def year_consistent(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: the report year equals the stated 统计期限 year (error); and the year 总体情况 mentions
    most is the report year (warning).
    Why: a wrong statistics period misstates the whole report (error); an overview mostly about
    another year is a sign of last year's text reused, which can have a reason (warning).
    Example: a 2023 report saying "统计期限自2022年1月1日起至2022年12月31日止".
    """
    if report.year is None:
        return
    if report.period_year is not None and report.period_year != report.year:
        yield Issue(
            f"报告年度为 {report.year} 年，但统计期限写的是 {report.period_year} 年。",
            Location(aspect="period"),
            "error",
        )
    counts = Counter(int(y) for y in _YEAR.findall(report.sections.get(OVERVIEW, "")))
    if counts:
        year, times = counts.most_common(1)[0]
        if year != report.year and times > counts[report.year]:
            yield Issue(
                f"总体情况提到最多的是 {year} 年（{times} 次），而报告年度为 {report.year} 年"
                f"（{counts[report.year]} 次），请确认是否沿用了往年文字。",
                Location(section=OVERVIEW),
                "warning",
            )


@rule("S-FEE", "warning")
def fee_reported(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: 2021 format: 六、其他需要报告的事项 reports on 信息处理费 (even if none was charged).
    Why: the 2021 format says 收取信息处理费的情况 is reported there; omitting it is common and
    easy to fix, so a warning.
    Example: section 六 saying only "无其他需要报告的事项".
    """
    six = SECTIONS[5].text
    if report.template == "2021" and six in report.sections and not _FEE.search(report.sections[six]):
        yield Issue("「六、其他需要报告的事项」未说明收取信息处理费的情况。", Location(section=six))


_PLACEHOLDER = re.compile(r"[（(][^（）()]{0,40}请补充[^（）()]{0,10}[）)]")


@rule("S-PLACEHOLDER", "error")
def placeholder(report: Report, prior: Report | None) -> Iterator[Issue]:
    """What: no "（……请补充。）" placeholder is left in the text (the drafting engine writes one where the
    notes were silent, instead of inventing a fact).
    Why: a report published with a placeholder is plainly unfinished, so a draft holding one can never be
    exported as final (error).
    Example: 六、其他需要报告的事项 still reads "（要点未涉及信息处理费收取情况，请补充。）".
    """
    for heading, text in report.sections.items():
        for m in _PLACEHOLDER.finditer(text):
            yield Issue(f"「{heading}」仍有待补充的占位语句：{m.group()}", Location(section=heading))
