"""What a chat message asks for, decided by rules so the offline app answers predictably.

Order matters: an explicit section replacement or display wins, then 校验, then edits that need an LLM,
then questions about past reports; a long multi-line message is taken as notes for a first draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .labels import SECTION_NUMERALS

Kind = Literal["replace", "show", "check", "revise", "ask", "notes", "help"]

_NUMERAL = f"[{SECTION_NUMERALS}1-6]"
# a section named by its number ("第五部分", "五、", "第5节") or by words of its heading
_SECTION_NAMES = {
    "总体情况": 0,
    "主动公开政府信息情况": 1,
    "申请情况": 2,
    "行政复议": 3,
    "行政诉讼": 3,
    "存在的主要问题": 4,
    "问题及改进": 4,
    "改进情况": 4,
    "主要问题": 4,
    "其他需要报告": 5,
    "其他事项": 5,
}
_SECTION_REF = f"(?:第?({_NUMERAL})(?:部分|节|、)|({'|'.join(map(re.escape, _SECTION_NAMES))}))"
_REPLACE = re.compile(
    rf"^\s*(?:请)?(?:把|将)?{_SECTION_REF}(?:的内容|部分)?(?:替换|改|修改|换)(?:为|成)\s*[:：]?\s*(.+)$", re.S
)
_SHOW = re.compile(rf"^\s*(?:请)?(?:显示|查看|看看|看一下|给我看|展示)(?:一下)?\s*{_SECTION_REF}")
_CHECK = re.compile(r"校验|检查|核对|勾稽")
_REVISE = re.compile(r"具体|润色|改写|重写|扩写|精简|缩写|优化|丰富|充实|调整|语气|更正式|生动|展开")
_QUESTION = re.compile(r"[？?]\s*$|多少|哪些|几件|几次|是否|有没有|如何|怎么|什么|去年|往年|上年|历年|同比|变化|趋势")
NOTES_MIN_CHARS = 40


@dataclass(frozen=True)
class Intent:
    kind: Kind
    section: int | None = None  # index into labels.SECTIONS
    text: str = ""


def section_index(numeral: str | None, name: str | None) -> int:
    if name:
        return _SECTION_NAMES[name]
    return int(numeral) - 1 if numeral.isdigit() else SECTION_NUMERALS.index(numeral)


def route(message: str) -> Intent:
    """The request a chat message makes."""
    text = message.strip()
    if m := _REPLACE.match(text):
        return Intent("replace", section_index(m.group(1), m.group(2)), m.group(3).strip())
    if m := _SHOW.match(text):
        return Intent("show", section_index(m.group(1), m.group(2)))
    short = "\n" not in text and len(text) < NOTES_MIN_CHARS
    if short and _CHECK.search(text):
        return Intent("check")
    if short and _REVISE.search(text):
        m = re.search(_SECTION_REF, text)
        return Intent("revise", section_index(m.group(1), m.group(2)) if m else None, text)
    if "\n" not in text and len(text) < 200 and _QUESTION.search(text):
        return Intent("ask", text=text)
    if not short:
        return Intent("notes", text=text)
    return Intent("help", text=text)


HELP = (
    "我可以：\n"
    "1. **起草初稿**：把本年度工作要点粘贴进来（第一行写“机关：××”“年度：2024”，每行一条要点）；\n"
    "2. **校验**：输入“校验”，检查统计表勾稽关系和正文数字；\n"
    "3. **查询往年报告**：例如“平潭综合实验区2023年收到多少件申请？”；\n"
    "4. **显示或替换某部分**：例如“显示第五部分”“把第五部分替换为：……”；\n"
    "5. **润色改写**（需要配置大模型）：例如“把第一部分写得更具体”。"
)
NEEDS_LLM = "这项修改需要配置大模型（见“设置”）。离线时可以用“把第五部分替换为：……”直接替换内容。"
