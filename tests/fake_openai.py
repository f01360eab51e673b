"""A tiny OpenAI-compatible chat-completions server for tests (stdlib only, 127.0.0.1, one thread).

Scripted: each request takes the next `Reply` (the last one repeats). A reply is text (streamed as
SSE chunks when the request asks for streaming), an HTTP error status, or a delay before answering;
`echo` appends the bullets of the prompt's <notes> block, as a faithful model would keep them.
Every request body and its Authorization header are recorded, so tests can see what was sent. An error
reply quotes the Authorization header back, as careless servers do, so tests can prove no message leaks it.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_DELAY = 5.0  # a delayed reply never holds a test longer than this


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0
    echo: bool = False

    def content(self, body: dict) -> str:
        if not self.echo:
            return self.text
        return self.text + echo_notes(body["messages"][-1]["content"])


def echo_notes(prompt: str) -> str:
    """The bullets inside a prompt's <notes> block as one sentence: "甲；乙。"."""
    block = prompt.split("<notes>", 1)[1].split("</notes>", 1)[0]
    return "；".join(line.strip().removeprefix("- ") for line in block.splitlines() if line.strip()) + "。"


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
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": f"scripted error; you sent {auth}", "type": "test"}})
                elif body.get("stream"):
                    self._stream(reply.content(body), body.get("model", ""))
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

            def _stream(self, text: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [text[i : i + 8] for i in range(0, len(text), 8)]
                deltas = [{"role": "assistant", "content": ""}] + [{"content": p} for p in pieces]
                for i, delta in enumerate(deltas):
                    finish = "stop" if i == len(deltas) - 1 else None
                    chunk = _completion(model, delta=delta, finish=finish)
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler


def _completion(model: str, *, message: dict | None = None, delta: dict | None = None, finish: str | None = "stop"):
    choice: dict = {"index": 0, "finish_reason": finish}
    if message is not None:
        choice["message"] = message
    else:
        choice["delta"] = delta
    kind = "chat.completion" if message is not None else "chat.completion.chunk"
    return {"id": "fake-1", "object": kind, "created": 0, "model": model, "choices": [choice]}
