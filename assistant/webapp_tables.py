"""Former name of the table editors (see assistant/webapp.py): `assistant.web.tables`."""

from .web.tables import from_frames, to_frames

__all__ = ["from_frames", "to_frames"]
