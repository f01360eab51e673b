"""The gradio web app: one module a tab (chat, upload, edit, tables, review, ask, corpus, settings) and a
common module, over the gradio-free `assistant.service`. `app.py` at the top of the repository starts it."""

from .app import build_app, serve

__all__ = ["build_app", "serve"]
