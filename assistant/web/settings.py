"""设置: the LLM's URL, model and key, seen and changed by the administrator only.

The administrator is the `--auth` user named by `--admin`, or, without a password, whoever uses the app on
the server itself. Everyone else uses the model without seeing its address. Every handler checks again on
the server: hiding the boxes is not the protection. The key never comes back to the browser.
"""

from __future__ import annotations

import gradio as gr

from ..errors import ConfigError
from ..service import check_connection
from .common import Tab, clean, esc, info, on

LLM_HINT = "配置 OpenAI 兼容的大模型接口（OpenAI、DeepSeek、通义千问或本地 Ollama/vLLM）。不配置时全部功能离线运行。"
NOT_ADMIN = "模型设置由管理员维护。"


class SettingsTab(Tab):
    def build(self) -> None:
        with gr.Tab("设置", id="settings"):
            self.state = gr.HTML(elem_id="st-state")
            with gr.Column(visible=False, elem_id="st-admin") as self.admin_box:
                gr.Markdown(LLM_HINT)
                self.url = gr.Textbox(
                    label="接口地址（Base URL）", placeholder="例如 https://api.deepseek.com/v1", elem_id="st-url"
                )
                self.model = gr.Textbox(label="模型名称", elem_id="st-model")
                self.key = gr.Textbox(
                    label="API 密钥（留空则保持不变；更换接口地址时须重新填写）", type="password", elem_id="st-key"
                )
                with gr.Row():
                    self.save = gr.Button("保存", variant="primary", elem_id="st-save")
                    self.test = gr.Button("测试连接", elem_id="st-test")
                    self.clear = gr.Button("清除密钥", elem_id="st-clear")
                self.message = gr.HTML(elem_id="st-msg")

    @property
    def view_outputs(self) -> list:
        return [self.state, self.admin_box, self.url, self.model, self.key]

    def wire(self) -> None:
        svc = self.page.svc
        boxes = [self.url, self.model, self.key]
        on(svc, [self.save.click], self.save_settings, boxes, [*self.view_outputs, self.message])
        on(svc, [self.clear.click], self.clear_key, [], [*self.view_outputs, self.message])
        on(svc, [self.test.click], self.test_settings, boxes, [self.message])

    def _require_admin(self, request: gr.Request | None) -> None:
        if not self.allowed(request):
            raise ConfigError("只有管理员可以查看或修改模型设置。")

    def allowed(self, request: gr.Request | None) -> bool:
        if request is None:  # called from Python, not over HTTP
            return True
        host = request.client.host if request.client else None
        return self.page.svc.is_admin(request.username, host)

    def view(self, request: gr.Request) -> tuple:
        """The settings as the administrator sees them; anyone else sees only whether a model is in use."""
        s = self.page.svc.settings
        mode = "已配置大模型" if s.llm_enabled else "未配置大模型，全部功能离线运行"
        if not self.allowed(request):
            state = clean(f"<p>{NOT_ADMIN}当前：{mode}。</p>")
            return state, gr.update(visible=False), "", "", ""
        key = "已设置" if s.openai_api_key else "未设置"
        state = clean(f"<p>当前：{esc(mode)}；密钥：<b>{key}</b>。</p>")
        return state, gr.update(visible=True), s.openai_base_url, s.llm_model, ""

    def save_settings(self, base_url: str, model: str, key: str, request: gr.Request) -> tuple:
        self._require_admin(request)
        self.page.svc.save_settings(base_url or "", model or "", key or "")
        info("设置已保存。")
        return *self.view(request), clean("<p>设置已保存。</p>")

    def clear_key(self, request: gr.Request) -> tuple:
        self._require_admin(request)
        self.page.svc.llm.clear_key()
        return *self.view(request), clean("<p>已清除保存的密钥（环境变量中的密钥仍然有效）。</p>")

    def test_settings(self, base_url: str, model: str, key: str, request: gr.Request) -> str:
        """Test what is in the boxes; an empty key box uses the saved key only for the URL it was saved with."""
        self._require_admin(request)
        trial = self.page.svc.trial_settings(base_url or "", model or "", key or "")
        return clean(f"<p>{esc(check_connection(trial))}</p>")
