"""Former name of the service layer (see assistant/webapp.py): `assistant.service`."""

from .service import BUNDLED_CORPUS
from .service import Service as Workspace

__all__ = ["BUNDLED_CORPUS", "Workspace"]
