"""Former module names of the web app, kept while tests/conftest.py, tests/test_cells.py and tests/test_corpus.py
(owned by other work) still import them: `assistant.web` is the web app and `assistant.service` its service."""

from .web import build_app, serve

__all__ = ["build_app", "serve"]
