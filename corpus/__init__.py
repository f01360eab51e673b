"""The bundled corpus of published annual reports (package data; see assistant.resources)."""
