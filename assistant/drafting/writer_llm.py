"""The LLM writer: each unit of the plan as a LangChain ChatPromptTemplate sent to ChatOpenAI, streamed,
bounded and guarded.

Bounds: `max_tokens` per unit, a character cap while streaming (a runaway model is cut off, not read
to the end), and one deadline for the whole draft: each call's timeout is what is left of it, and a
stream that trickles past it is stopped. Every text goes through guard.clean and guard.faults; a
rejected unit gets one repair round whose prompt names the faults and asks to delete the unsupported
sentence, then keeps the offline text with a notice naming the unit and the reason. A failure of the
service (timeout, 401, 429, 5xx) stops the LLM for the rest of the draft; a failure of ours (a missing
prompt file, a bug) propagates. Notes are data inside tags; the key only goes to the HTTP client.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from typing import TYPE_CHECKING, Any

from langchain_core.prompts import ChatPromptTemplate

from ..errors import CorpusError
from ..labels import SECTIONS
from ..llm import FAILURES, LLMFailure, chat_model, describe_error
from ..resources import read_prompt
from ..settings import Settings
from ..textnums import sentences
from . import guard

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from .notes import Notes
    from .plan import Unit

MAX_TOKENS = 1024  # per call: a part is ≤ 300 characters, about 450 tokens for a Chinese model
MAX_CHARS = 1500  # a stream longer than this is a runaway, cut off and rejected
DEADLINE_FACTOR = 4  # the whole draft may take this many single-call timeouts (default 4 × 60 s)
EXAMPLES_PER_UNIT = 2
EXAMPLE_CHARS = 300
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六]、|[（(][一二三四五六七八九十][)）])"
    r"(?:主动公开|依申请公开|政府信息管理|政府信息公开平台建设|平台建设|监督保障|总体情况|[^。，]{0,12}?)(?:方面|情况)?[。：:]?"
)
_PRONOUNS = (("局", "我局"), ("委员会", "我委"), ("委", "我委"), ("办公室", "我办"), ("镇人民政府", "我镇"))

Tokens = Callable[[str], None] | None


class Deadline:
    """One deadline for every call of a draft; `settings` gives each call what is left of it as its timeout."""

    def __init__(self, settings: Settings, seconds: float | None = None) -> None:
        self.seconds = seconds if seconds is not None else settings.llm_timeout * DEADLINE_FACTOR
        self.end = time.monotonic() + self.seconds
        self.base = settings

    def left(self) -> float:
        return self.end - time.monotonic()

    def settings(self) -> Settings:
        return dataclasses.replace(self.base, llm_timeout=max(0.1, min(self.base.llm_timeout, self.left())))


def build_model(settings: Settings) -> BaseChatModel:
    """The chat model of the settings, streaming, with at most MAX_TOKENS per answer (llm.py sets the
    timeout and no retries)."""
    return chat_model(settings, streaming=True, max_tokens=MAX_TOKENS)


def messages(prompt: str, inputs: dict[str, str]) -> Any:
    """The chat messages of a prompt file with the shared system prompt, filled in."""
    template = ChatPromptTemplate.from_messages([("system", read_prompt("system")), ("human", read_prompt(prompt))])
    return template.invoke(inputs)


def as_data(text: str) -> str:
    """Text that cannot close the tag it is wrapped in (notes are data, never instructions)."""
    return text.replace("<", "＜").replace(">", "＞")


def _stream(model: BaseChatModel, prompt: Any, on_token: Tokens, deadline: Deadline) -> str:
    """The model's whole answer, cleaned; cut off (LLMFailure) past MAX_CHARS or the deadline.

    The model is streamed directly, not through a RunnableSequence: closing a sequence's stream reads the
    rest of it (for tracing), so a runaway or trickling answer would be read to its end."""
    chunks: list[str] = []
    size = 0
    with closing(model.stream(prompt)) as stream:  # closed at once when cut off: the connection is dropped
        for message in stream:
            chunk = message.content if isinstance(message.content, str) else ""
            chunks.append(chunk)
            size += len(chunk)
            if on_token:
                on_token(chunk)
            if size > MAX_CHARS:
                raise LLMFailure(f"大模型输出过长（超过{MAX_CHARS}字），已中止")
            if deadline.left() <= 0:
                raise LLMFailure(f"大模型起草超过总时限（{deadline.seconds:g} 秒），已中止")
    text = guard.clean("".join(chunks))
    if not text:
        raise LLMFailure("大模型返回内容为空")
    return text


def guarded(
    model: BaseChatModel,
    prompt: str,
    inputs: dict[str, str],
    ref: guard.Reference,
    on_token: Tokens,
    deadline: Deadline,
) -> str:
    """The chain's text once it passes the guard, after at most one repair round."""
    text = _stream(model, messages(prompt, inputs), on_token, deadline)
    if not (problems := guard.faults(text, ref)):
        return text
    repair = {**inputs, "draft": as_data(text), "problems": "；".join(problems)}
    text = _stream(model, messages("repair", repair), on_token, deadline)
    if problems := guard.faults(text, ref):
        raise LLMFailure(f"大模型输出{'；'.join(problems)}，修正后仍不符合要求")
    return text


def body_kind(org: str) -> str:
    """The kind of body, for choosing style examples: 乡镇, 部门 (局/委/办…) or 政府 (县/市/区…)."""
    if re.search(r"(?:镇|乡|街道)(?:人民政府|办事处)?$", org):
        return "乡镇"
    if re.search(r"(?:局|委员会|委|办公室|办|厅|中心|署|院)$", org):
        return "部门"
    return "政府"


def pronoun(org: str) -> str:
    """How the report names its body: 我局, 我委, 我镇, 我区, 我县, 我市, or 本机关."""
    for suffix, word in _PRONOUNS:
        if org.endswith(suffix):
            return word
    for place in ("镇", "乡", "街道", "区", "县", "市", "旗", "州", "省"):
        if re.search(place + r"(?:人民政府|政府|管委会|管理委员会|综合实验区|开发区)?$", org):
            return {"街道": "我街道"}.get(place, "我" + place)
    return "本机关"


def example_text(text: str, heading: str) -> str:
    """A past report's passage as a style example: its heading removed, cut at a sentence end."""
    body = _HEADING_START.sub("", text.strip()).replace(heading, "").strip()
    kept = ""
    for sentence in sentences(body):
        if len(kept) + len(sentence) > EXAMPLE_CHARS:
            break
        kept += sentence
    return kept


def _examples(corpus: Any, unit: Unit, notes: Notes) -> str:
    """Passages of the same section from earlier years' reports: the same body first, then bodies of the
    same kind (县/市政府, 局, 乡镇), as style examples only."""
    if corpus is None:
        return "（无）"
    section = SECTIONS[0].text if unit.name.startswith("（") else unit.name
    query = unit.name + "".join(unit.bullets)[:200]
    own = corpus.search(query, k=EXAMPLES_PER_UNIT * 2, org=notes.org, section=section)
    others = [c for c in corpus.search(query, k=EXAMPLES_PER_UNIT * 4, section=section) if c.org != notes.org]
    kind = body_kind(notes.org)
    candidates = [c for c in own + [c for c in others if body_kind(c.org) == kind] if c.year < notes.year]
    candidates.sort(key=lambda c: (c.org != notes.org, c.part not in ("", unit.name), -c.year))
    seen: dict[str, str] = {}
    for chunk in candidates:
        if text := example_text(chunk.text, unit.name):
            seen.setdefault(text, f"【{chunk.org}{chunk.year}年】{text}")
    return as_data("\n".join(list(seen.values())[:EXAMPLES_PER_UNIT])) or "（无）"


def _inputs(unit: Unit, notes: Notes) -> dict[str, str]:
    lists = {"notes": unit.bullets, **unit.lists}  # the repair prompt shows every bullet as <notes>
    listed = {key: as_data("\n".join(f"- {b}" for b in items)) or "（无）" for key, items in lists.items()}
    return {
        "org": notes.org,
        "year": str(notes.year),
        "pronoun": pronoun(notes.org),
        "part": unit.name,
        "facts": as_data(unit.facts) or "（无）",
        **listed,
    }


def reference(unit: Unit, allowed: set[str], notes: Notes) -> guard.Reference:
    return guard.Reference(allowed, unit.bullets, [*unit.bullets, unit.facts], notes.text, notes.org)


def _stopped(reason: str, units: list[Unit]) -> str:
    """The notice when the service fails: the reason, and every unit the offline engine writes instead."""
    return f"{reason}，{'、'.join(f'“{u.name}”' for u in units)}已改用离线引擎起草。"


def write_units(
    units: Iterable[Unit],
    notes: Notes,
    allowed: set[str],
    settings: Settings,
    corpus: Any,
    progress: Callable[[str], None],
    on_token: Tokens,
) -> list[str]:
    """Replace each unit's offline text by the LLM's where it passes the guard (unit.engine = "llm");
    return the notices, each naming the unit and the reason it kept the offline text. A failure of the
    service, or the deadline passing, stops the LLM for the remaining units (it would fail again)."""
    deadline = Deadline(settings)
    notices: list[str] = []
    pending = [u for u in units if u.bullets]
    for i, unit in enumerate(pending):
        if deadline.left() <= 0:
            notices.append(_stopped(f"大模型起草超过总时限（{deadline.seconds:g} 秒）", pending[i:]))
            break
        progress(f"大模型正在起草“{unit.name}”……")
        inputs = _inputs(unit, notes)
        try:
            inputs["examples"] = _examples(corpus, unit, notes)
        except CorpusError:  # an unreachable corpus server costs the examples, not the draft
            inputs["examples"] = "（无）"
            notices.append("检索往年范文失败，本次起草未参考范文。")
        try:
            model = build_model(deadline.settings())
            unit.text = guarded(model, unit.prompt, inputs, reference(unit, allowed, notes), on_token, deadline)
            unit.engine = "llm"
        except LLMFailure as exc:
            notices.append(f"“{unit.name}”：{exc}，已改用离线引擎起草。")
        except FAILURES as exc:  # HTTP, timeout, protocol: the service failed
            notices.append(_stopped(describe_error(exc, settings), pending[i:]))
            break
    return notices


def revise(
    heading: str,
    text: str,
    instruction: str,
    ref: guard.Reference,
    settings: Settings,
    on_token: Tokens,
    org: str = "",
) -> tuple[str, list[str]]:
    """One section rewritten after an instruction under the guard: (new text, []) or (old text, reasons)."""
    inputs = {"part": heading, "notes": as_data(text), "instruction": as_data(instruction), "pronoun": pronoun(org)}
    deadline = Deadline(settings, settings.llm_timeout)
    try:
        return guarded(build_model(deadline.settings()), "revise", inputs, ref, on_token, deadline), []
    except FAILURES as exc:  # the service failed or answered badly: the section stays as it was, with the reason
        return text, [f"改写未成功：{describe_error(exc, settings)}，已保留原文。"]
