"""Prompt templates (package data; see assistant.resources)."""
