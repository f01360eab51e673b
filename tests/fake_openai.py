"""A tiny OpenAI-compatible chat-completions server for tests (stdlib only, 127.0.0.1, one thread).

Scripted: each request takes the next `Reply` (the last one repeats). A reply is text (streamed as
SSE chunks when the request asks for streaming), an HTTP error status, or a delay before answering;
`echo` appends the bullets of the prompt's <notes> block (or its <problems> and <plans> blocks), as a
faithful model would keep them. Misbehaviours are scripted on top: `then` rewrites the reply (swap two
figures, add a refusal), `repeat` sends it many times over (a runaway model), `gap` waits between SSE
pieces (a model that trickles past any deadline), `piece` sets the size of the SSE pieces.
Every request body and its Authorization header are recorded, so tests can see what was sent. An error
reply quotes the Authorization header back, as careless servers do, so tests can prove no message leaks it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_DELAY = 5.0  # a delayed reply never holds a test longer than this


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    echo: bool = False
    then: Callable[[str], str] | None = None
    repeat: int = 1
    gap: float = 0.0
    piece: int = 8

    def content(self, body: dict) -> str:
        text = self.text + (echo_notes(body["messages"][-1]["content"]) if self.echo else "")
        return (self.then(text) if self.then else text) * self.repeat


def _block(prompt: str, tag: str) -> list[str]:
    if f"<{tag}>" not in prompt:
        return []
    block = prompt.rsplit(f"<{tag}>", 1)[1].split(f"</{tag}>", 1)[0]  # the block itself, not a mention of it
    lines = [line.strip().removeprefix("- ") for line in block.splitlines() if line.strip()]
    return [line for line in lines if line != "（无）"]


def echo_notes(prompt: str) -> str:
    """The bullets inside a prompt's <notes> block as one sentence: "甲；乙。"; a section-五 prompt's
    <problems> and <plans> as one sentence each."""
    blocks = [_block(prompt, "problems"), _block(prompt, "plans")] if "<problems>" in prompt else []
    blocks = [b for b in blocks if b] or [_block(prompt, "notes")]
    return "".join("；".join(b) + "。" for b in blocks)


class FakeOpenAI:
    """`with FakeOpenAI([Reply("…")]) as server:` then use `server.base_url`."""

    def __init__(self, replies: list[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        self.auth_headers: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict, auth: str) -> Reply:
        with self._lock:
            self.requests.append(body)
            self.auth_headers.append(auth)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                auth = self.headers.get("Authorization", "")
                reply = fake._next(body, auth)
                time.sleep(min(reply.delay, MAX_DELAY))
                stream = body.get("stream")
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": f"scripted error; you sent {auth}", "type": "test"}})
                elif stream:
                    self._stream(reply, reply.content(body), body.get("model", ""))
                else:
                    message = {"role": "assistant", "content": reply.content(body)}
                    self._json(200, _completion(body.get("model", ""), message=message))

            def _json(self, status: int, data: dict) -> None:
                raw = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, reply: Reply, text: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                size = reply.piece
                pieces = [text[i : i + size] for i in range(0, len(text), size)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                try:
                    for i, delta in enumerate(deltas):
                        finish = "stop" if i == len(deltas) - 1 else None
                        chunk = _completion(model, delta=delta, finish=finish)
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()
                        time.sleep(min(reply.gap, MAX_DELAY))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):  # the client stopped reading (a cut-off runaway)
                    pass

        return Handler


def _completion(model: str, *, message: dict | None = None, delta: dict | None = None, finish: str | None = "stop"):
    choice: dict = {"index": 0, "finish_reason": finish}
    if message is not None:
        choice["message"] = message
    else:
        choice["delta"] = delta
    kind = "chat.completion" if message is not None else "chat.completion.chunk"
    return {"id": "fake-1", "object": kind, "created": 0, "model": model, "choices": [choice]}


# ── scripted misbehaviours: each a name, the replies of a model that misbehaves in one way, and what
#    the draft must show: "fallback" (the unit is written offline, with a notice), "repaired" (the repair
#    round fixed it), "cleaned" (cleaning alone made it usable) or "service" (the service failed: every
#    unit offline). The first unit with bullets (主动公开) misbehaves; the rest answer faithfully. ──

_NUMBER = re.compile(r"\d+")


def swap_figures(text: str) -> str:
    """The first two different figures of a text exchanged: "培训2次，参训86人次" → "培训86次，参训2人次"."""
    found = _NUMBER.findall(text)
    pair = next(((a, b) for a in found for b in found if a != b), None)
    if pair is None:
        return text
    a, b = pair
    return text.replace(a, "\0", 1).replace(b, a, 1).replace("\0", b, 1)


def _first(text: str) -> str:
    return text.split("；")[0] + "。"


FAITHFUL = Reply(echo=True)
MISBEHAVIOURS: dict[str, tuple[list[Reply], str]] = {
    "english": ([Reply("In 2024 the office published 10407 items of government information.")], "fallback"),
    "traditional": ([Reply(echo=True, then=lambda t: t.replace("公开", "公開").replace("政务", "政務"))], "fallback"),
    "refusal": ([Reply("抱歉，我无法协助完成这个请求。")], "fallback"),
    "meta note": ([Reply(echo=True, then=lambda t: t + "\n> 注：以上内容根据要点整理，仅供参考。")], "fallback"),
    "digits invented": ([Reply(echo=True, then=lambda t: t + "另有99999条信息待公开。")], "fallback"),
    "numerals invented": (
        [Reply(echo=True, then=lambda t: t + "开展专项督查三次，约谈两所学校，满意度超过九成。")],
        "fallback",
    ),
    "figures swapped": ([Reply(echo=True, then=swap_figures)], "fallback"),
    "vague repair": (
        [
            Reply(echo=True, then=lambda t: t + "全年接待群众咨询45人次。"),
            Reply(echo=True, then=lambda t: t + "全年接待群众咨询若干人次。"),
        ],
        "fallback",
    ),
    "invented sentence": (
        [Reply(echo=True, then=lambda t: t + "约谈学校负责人，督促整改到位并通报批评。")],
        "fallback",
    ),
    "facts dropped": ([Reply(echo=True, then=_first)], "fallback"),
    "heading repeated": ([Reply(echo=True, then=lambda t: "（一）主动公开：" + t)], "fallback"),
    "runaway": ([Reply(echo=True, repeat=2000, piece=400)], "fallback"),
    "swap then repaired": ([Reply(echo=True, then=swap_figures), FAITHFUL], "repaired"),
    "markup and control characters": (
        [Reply(echo=True, then=lambda t: "<script>alert(1)</script>\u202e" + t.replace("；", "；\x07", 1) + "<b></b>")],
        "cleaned",
    ),
    "heading line": ([Reply(echo=True, then=lambda t: "## 一、总体情况\n**（一）主动公开**\n" + t)], "cleaned"),
    "pieces over SSE": ([Reply(echo=True, piece=1)], "cleaned"),
    "empty output": ([Reply("")], "fallback"),
    "HTTP 401": ([Reply(status=401)], "service"),
    "HTTP 429": ([Reply(status=429)], "service"),
    "HTTP 500": ([Reply(status=500)], "service"),
    "timeout": ([Reply(echo=True, delay=1.5)], "service"),
    "trickle past the deadline": ([Reply(echo=True, piece=2, gap=0.15)], "fallback"),
}


def script(name: str) -> list[Reply]:
    """The replies of one misbehaviour for a whole draft: the misbehaving ones, then faithful answers."""
    replies, outcome = MISBEHAVIOURS[name]
    bad = replies * 2 if outcome == "fallback" and len(replies) == 1 else replies  # the repair misbehaves too
    return [*bad, FAITHFUL]
