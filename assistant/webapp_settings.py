"""LLM settings entered in the web app: saved in the data folder, the key in its own 0600 file.

The environment (settings.py) gives the defaults; what the user saves in 设置 overrides them for the app.
The key is never sent back to the browser: the page only learns whether one is set.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

from .errors import ConfigError
from .settings import Settings

CONFIG_FILE, KEY_FILE = "llm-settings.json", "llm-key"


def write_private(path: Path, text: str) -> None:
    """Atomic write of a file only the owner can read (mkstemp creates it 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class LlmConfig:
    """The saved LLM base URL, model and key of one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.config_path = Path(data_dir) / CONFIG_FILE
        self.key_path = Path(data_dir) / KEY_FILE

    def saved(self) -> dict[str, str]:
        try:
            data = json.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: str(data[k]) for k in ("base_url", "model") if data.get(k)}

    def saved_key(self) -> str:
        try:
            return self.key_path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def save(self, base_url: str, model: str, key: str = "") -> None:
        """Save URL and model; a non-empty key replaces the saved one (an empty box keeps it)."""
        base_url, model, key = base_url.strip(), model.strip(), key.strip()
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError("接口地址应以 http:// 或 https:// 开头")
        write_private(self.config_path, json.dumps({"base_url": base_url, "model": model}, ensure_ascii=False))
        if key:
            write_private(self.key_path, key)

    def clear_key(self) -> None:
        self.key_path.unlink(missing_ok=True)

    def apply(self, settings: Settings) -> Settings:
        """The environment's settings with what was saved here on top."""
        saved = self.saved()
        return dataclasses.replace(
            settings,
            openai_base_url=saved.get("base_url", settings.openai_base_url),
            llm_model=saved.get("model", settings.llm_model),
            openai_api_key=self.saved_key() or settings.openai_api_key,
        )


def key_status(settings: Settings) -> str:
    return "已设置" if settings.openai_api_key else "未设置"


def check_connection(settings: Settings, timeout: float = 10.0) -> str:
    """Call the endpoint once with a one-token request, waiting at most `timeout` seconds; a Chinese verdict
    either way (llm.describe_error: never the server's own words, which may echo the key)."""
    if not settings.llm_enabled:
        return "未配置大模型：请填写接口地址或密钥后再测试。"
    from .llm import FAILURES, client, describe_error

    trial = dataclasses.replace(settings, llm_timeout=min(timeout, settings.llm_timeout))
    try:
        reply = client(trial).chat.completions.create(
            model=trial.llm_model, messages=[{"role": "user", "content": "你好"}], max_tokens=1
        )
    except FAILURES as exc:
        return f"连接失败：{describe_error(exc, trial)}。"
    return f"连接成功：模型“{reply.model or trial.llm_model}”已响应。"
