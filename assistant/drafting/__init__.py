"""Drafting a report from notes and tables: offline by default, with an LLM when one is set.

The stages, one module each: notes.py (understanding the notes) → plan.py (units, table facts, notes
checked against the tables) → offline.py or writer_llm.py (with guard.py) → assemble.py → gate.py.
pipeline.py runs them; this package exports only its public API.
"""

from .notes import NotesError, NotesIncomplete
from .pipeline import DraftResult, Revision, draft, revise_section
from .plan import NotesConflict

__all__ = ["DraftResult", "NotesConflict", "NotesError", "NotesIncomplete", "Revision", "draft", "revise_section"]
