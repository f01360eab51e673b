"""The LLM drafting chain (LangChain LCEL) and its faithfulness guard.

Each unit is `prompt | ChatOpenAI | StrOutputParser`, streamed. The guard rejects any number that is
not in the notes or the tables, and a unit that lost a figure of its bullets; one repair round
follows, then the unit keeps the offline text with a notice. Any failure of the LLM (timeout, 401,
429, 5xx, empty output) falls back the same way; a failure of ours (a missing prompt file, a bug) does
not: it propagates. Notes are passed as data inside <notes> tags; the API key only ever goes to the HTTP
client (llm.py builds it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from ..errors import CorpusError
from ..labels import SECTIONS
from ..llm import FAILURES, LLMFailure, chat_model, describe_error
from ..resources import read_prompt
from ..settings import Settings
from ..textnums import numbers_in

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from . import Revision, Unit
    from .notes import Notes

EXAMPLES_PER_UNIT = 2
EXAMPLE_CHARS = 300
_HEADING_LINE = re.compile(r"^\s*(?:#+\s*|[一二三四五六]、|[（(][一二三四五][)）]\S{0,12}$)")
_MARKUP = re.compile(r"^\s*(?:[-*•]\s+|\d+[.、]\s+)|\*\*")


def build_model(settings: Settings) -> BaseChatModel:
    """The chat model of the settings, streaming (llm.py sets its timeout and retries)."""
    return chat_model(settings, streaming=True)


def build_chain(model: BaseChatModel, prompt: str) -> Any:
    """`prompt | model | StrOutputParser()` with the shared system prompt."""
    template = ChatPromptTemplate.from_messages([("system", read_prompt("system")), ("human", read_prompt(prompt))])
    return template | model | StrOutputParser()


def as_data(text: str) -> str:
    """Text that cannot close the tag it is wrapped in (notes are data, never instructions)."""
    return text.replace("<", "＜").replace(">", "＞")


def tidy(text: str) -> str:
    """Model output as report prose: no headings it repeated, no markdown bullets or bold."""
    lines = [_MARKUP.sub("", line).strip() for line in text.splitlines() if not _HEADING_LINE.match(line)]
    return "\n".join(line for line in lines if line)


def _stream(chain: Any, inputs: dict[str, str], on_token: Callable[[str], None] | None) -> str:
    chunks = []
    for chunk in chain.stream(inputs):
        chunks.append(chunk)
        if on_token:
            on_token(chunk)
    text = tidy("".join(chunks))
    if not text:
        raise LLMFailure("大模型返回内容为空")
    return text


def faults(text: str, allowed: set[str], required: set[str]) -> str:
    """What the guard finds wrong with a text, in Chinese ("" when nothing): invented or lost figures."""
    found = numbers_in(text)
    out = []
    if bad := sorted(found - allowed, key=lambda n: (len(n), n)):
        out.append(f"含要点和统计表中没有的数字（{'、'.join(bad)}）")
    if lost := sorted(required - found, key=lambda n: (len(n), n)):
        out.append(f"遗漏了要点中的数字（{'、'.join(lost)}）")
    return "，".join(out)


def guarded(
    model: BaseChatModel,
    prompt: str,
    inputs: dict[str, str],
    guard: tuple[set[str], set[str]],
    on_token: Callable[[str], None] | None,
) -> str:
    """The chain's text once it passes the guard (allowed, required numbers), after at most one repair."""
    text = _stream(build_chain(model, prompt), inputs, on_token)
    if not (problem := faults(text, *guard)):
        return text
    repair = {**inputs, "draft": as_data(text), "problems": problem}
    text = _stream(build_chain(model, "repair"), repair, on_token)
    if problem := faults(text, *guard):
        raise LLMFailure(f"大模型输出{problem}，修正后仍不符合要求")
    return text


def _examples(corpus: Any, unit: Unit, notes: Notes) -> str:
    """Passages of the same section from past reports (same body first), as style examples only."""
    if corpus is None:
        return "（无）"
    section = SECTIONS[0].text if unit.name.startswith("（") else unit.name
    query = unit.name + "".join(unit.bullets)[:200]
    found = corpus.search(query, k=EXAMPLES_PER_UNIT, org=notes.org, section=section)
    found += corpus.search(query, k=EXAMPLES_PER_UNIT, section=section)
    found = sorted((c for c in found if c.year != notes.year), key=lambda c: c.part not in ("", unit.name))
    seen: dict[str, str] = {}
    for chunk in found:
        seen.setdefault(chunk.text, f"【{chunk.org}{chunk.year}年】{chunk.text[:EXAMPLE_CHARS]}")
    return as_data("\n".join(list(seen.values())[:EXAMPLES_PER_UNIT])) or "（无）"


def write_units(
    units: Iterable[Unit],
    notes: Notes,
    facts: str,
    allowed: set[str],
    settings: Settings,
    corpus: Any,
    progress: Callable[[str], None],
    on_token: Callable[[str], None] | None,
) -> list[str]:
    """Replace each unit's offline text by the LLM's where it passes the guard; return the notices.

    A transport or HTTP failure stops the LLM for the remaining units too (it would fail again).
    """
    model = build_model(settings)
    notices: list[str] = []
    for unit in units:
        if not unit.bullets:
            continue
        progress(f"大模型正在起草“{unit.name}”……")
        inputs = {
            "org": notes.org,
            "year": str(notes.year),
            "part": unit.name,
            "notes": as_data("\n".join(f"- {b}" for b in unit.bullets)),
            "facts": as_data(facts) or "（无）",
        }
        try:
            inputs["examples"] = _examples(corpus, unit, notes)
        except CorpusError:  # an unreachable corpus server costs the examples, not the draft
            inputs["examples"] = "（无）"
            notices.append("检索往年范文失败，本次起草未参考范文。")
        try:
            required = numbers_in("".join(unit.bullets)) - {str(notes.year)}
            unit.text = guarded(model, unit.prompt, inputs, (allowed, required), on_token)
        except LLMFailure as exc:
            notices.append(f"“{unit.name}”：{exc}，已改用离线引擎起草。")
        except FAILURES as exc:  # HTTP, timeout, protocol: the service failed, so the rest is drafted offline
            notices.append(f"{describe_error(exc, settings)}，已改用离线引擎起草其余内容。")
            break
    return notices


def revise(
    heading: str,
    text: str,
    instruction: str,
    allowed: set[str],
    settings: Settings,
    on_token: Callable[[str], None] | None,
) -> Revision:
    """One section rewritten after an instruction, guarded; the original text when that fails."""
    from . import Revision

    inputs = {"part": heading, "notes": as_data(text), "instruction": as_data(instruction)}
    try:
        return Revision(guarded(build_model(settings), "revise", inputs, (allowed, set()), on_token))
    except FAILURES as exc:  # the service failed or answered badly: the section stays as it was, with the reason
        return Revision(text, [f"改写未成功：{describe_error(exc, settings)}，已保留原文。"])
