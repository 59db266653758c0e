"""sessions-tui: your AI chat and coding-agent history in one store, searchable in a terminal.

Applications can persist into the store directly::

    from sessions_tui import SessionStore
    with SessionStore("~/my-store") as store:
        session = store.create_session("Refactor the parser", project="/src/app")
        store.add_message(session.id, "user", "Where is the tokenizer?")

See docs/python-api.md.
"""

from .models import Message, Session
from .store import SessionStore

__all__ = ["Message", "Session", "SessionStore"]
__version__ = "0.1.0"
