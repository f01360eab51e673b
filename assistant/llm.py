"""The one place that builds OpenAI-compatible clients, and that says in Chinese why a call to one failed.

Every client (the drafting and question-answering chat model, the corpus embedder, the settings page's
connection test) gets the same policy: the timeout of the settings (`ASSISTANT_LLM_TIMEOUT`) and no retries.
Every LLM feature has an offline answer (the offline drafting engine, the extractive answer), so a failed
call falls back at once instead of keeping the user waiting through retries with backoff; the connection
test reports the first failure as it is. A local server without keys (Ollama, vLLM) still gets a bearer
token, `PLACEHOLDER_KEY`, since the client refuses to run without one.

The key goes to the HTTP client only: `describe_error` never quotes an error's own text, which may echo the
request's Authorization header or the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import openai

from .settings import Settings

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI, OpenAIEmbeddings

PLACEHOLDER_KEY = "EMPTY"  # what vLLM's and Ollama's documentation put in the key box
MAX_RETRIES = 0


class LLMFailure(Exception):
    """The LLM answered, but its answer cannot be used; the message (Chinese) says why, for the notice."""


# what may fall back to the offline path: the service failed or answered badly; anything else is a bug
FAILURES: tuple[type[Exception], ...] = (LLMFailure, openai.APIError, httpx.HTTPError)


def _client_args(settings: Settings) -> dict[str, Any]:
    return {
        "api_key": settings.openai_api_key or PLACEHOLDER_KEY,
        "base_url": settings.openai_base_url or None,
        "timeout": settings.llm_timeout,
        "max_retries": MAX_RETRIES,
    }


def chat_model(settings: Settings, **options: Any) -> ChatOpenAI:
    """The LangChain chat model of the settings; `options` are model options (streaming, temperature)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.llm_model, **_client_args(settings), **options)


def embeddings(settings: Settings) -> OpenAIEmbeddings:
    """The LangChain embedder of an OpenAI-compatible /embeddings endpoint."""
    from langchain_openai import OpenAIEmbeddings

    return OpenAIEmbeddings(model=settings.embedding_model, **_client_args(settings))


def client(settings: Settings) -> openai.OpenAI:
    """The plain OpenAI client, for a call LangChain adds nothing to (the connection test)."""
    return openai.OpenAI(**_client_args(settings))


def describe_error(exc: Exception, settings: Settings) -> str:
    """Why a call failed, in Chinese, without a full stop. Built from the error's type and status only:
    the error's text is the server's, and a server may echo the key back."""
    if isinstance(exc, LLMFailure):
        return str(exc)
    if isinstance(exc, openai.AuthenticationError):
        return "大模型鉴权失败（HTTP 401）：密钥无效或无权访问，请检查 API 密钥"
    if isinstance(exc, openai.NotFoundError):
        return f"大模型接口地址或模型“{settings.llm_model}”不存在（HTTP 404）"
    if isinstance(exc, openai.RateLimitError):
        return "大模型请求过于频繁或额度不足（HTTP 429）"
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return f"大模型响应超时（超过 {settings.llm_timeout:g} 秒）"
    if isinstance(exc, openai.APIStatusError):
        return f"大模型服务出错（HTTP {exc.status_code}）"
    if isinstance(exc, openai.APIConnectionError | httpx.HTTPError):
        # a space after the address: Markdown links a bare URL up to the next space, "。" and "）" included
        where = _scrub(settings.openai_base_url, settings) or "OpenAI 官方接口"
        return f"无法连接到 {where} （请检查接口地址是否正确、服务是否已启动）"
    return f"大模型调用失败（{type(exc).__name__}）"


def _scrub(text: str, settings: Settings) -> str:
    """The text without the key (a base URL may carry it as a query parameter)."""
    key = settings.openai_api_key
    return text.replace(key, "***") if key else text
