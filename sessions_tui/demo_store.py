"""The demo store: built from `demo.demo_sessions()` on first use, rebuilt when the demo changes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from .demo import demo_sessions
from .store import SessionStore

_STAMP = ".demo-version"


def _fingerprint() -> str:
    sessions = demo_sessions()
    digest = hashlib.sha256()
    for s in sessions:
        digest.update(s.model_dump_json().encode())
    return digest.hexdigest()[:16]


def build_demo_store(path: Path) -> SessionStore:
    """Write the demo sessions into a new store at ``path`` (which must not exist yet)."""
    store = SessionStore(path)
    store.save_many(demo_sessions())
    return store


def ensure_demo_store(path: Path) -> SessionStore:
    """Open the demo store at ``path``, (re)building it if missing or out of date."""
    stamp = path / _STAMP
    fingerprint = _fingerprint()
    if not (stamp.exists() and stamp.read_text() == fingerprint):
        if path.exists():
            shutil.rmtree(path)
        store = build_demo_store(path)
        stamp.write_text(fingerprint)
        stamp.chmod(0o600)
        return store
    return SessionStore(path)
