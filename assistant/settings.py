"""Settings: the one place that reads the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _load_dotenv(path: Path = Path(".env")) -> dict[str, str]:
    """KEY=VALUE lines of a .env file; the real environment wins over it."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


@dataclass(frozen=True)
class Settings:
    openai_api_key: str = ""
    openai_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = 60.0
    data_dir: Path = field(default_factory=lambda: Path("data"))
    chroma_url: str = ""
    # "hash" (offline, default) or "openai" (an OpenAI-compatible /embeddings endpoint)
    embedding: str = "hash"
    embedding_model: str = "text-embedding-3-small"
    # the web app (app.py): gradio's own variable names, and "user:pass" for a password on a LAN
    server_name: str = "127.0.0.1"
    server_port: int = 7860
    auth: str = ""

    @property
    def llm_enabled(self) -> bool:
        """An LLM is used when a key or a base URL is set; with both empty the product runs offline."""
        return bool(self.openai_api_key or self.openai_base_url)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    src = {**_load_dotenv(), **os.environ} if env is None else env
    return Settings(
        openai_api_key=src.get("OPENAI_API_KEY", ""),
        openai_base_url=src.get("OPENAI_BASE_URL", ""),
        llm_model=src.get("ASSISTANT_LLM_MODEL") or "gpt-4o-mini",
        llm_timeout=float(src.get("ASSISTANT_LLM_TIMEOUT") or 60),
        data_dir=Path(src.get("ASSISTANT_DATA_DIR") or "data"),
        chroma_url=src.get("ASSISTANT_CHROMA_URL", ""),
        embedding=(src.get("ASSISTANT_EMBEDDING") or "hash").lower(),
        embedding_model=src.get("ASSISTANT_EMBEDDING_MODEL") or "text-embedding-3-small",
        server_name=src.get("GRADIO_SERVER_NAME") or "127.0.0.1",
        server_port=int(src.get("GRADIO_SERVER_PORT") or 7860),
        auth=src.get("ASSISTANT_AUTH", ""),
    )
