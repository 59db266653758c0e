"""Where things live inside a store directory (see docs/storage-format.md, "Layout").

<store>/
  store.json            manifest: format name, format version, settings
  store.lock            writer lock (flock); readers never take it
  sessions/<id>.json    one file per session, or <id>.json.zst (zstd)
  index/meta.sqlite3    metadata index (cache)
  index/search/         full-text index (cache)
  trash/                deleted sessions, restorable until emptied
  backups/              copies taken before a migration rewrites files
  quarantine/           corrupt files moved aside by `verify --repair`
  log/operations.jsonl  one line per delete, restore, cleanup, import, migration
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..models import SESSION_ID_PATTERN

JSON_SUFFIX = ".json"
ZST_SUFFIX = ".json.zst"
_FILE_RE = re.compile(r"(" + SESSION_ID_PATTERN[1:-1] + r")\.json(?:\.zst)?")


def session_id_from_file_name(name: str) -> str | None:
    """``abc.json`` or ``abc.json.zst`` -> ``abc``; anything else (temps, strays) -> None."""
    match = _FILE_RE.fullmatch(name)
    return match.group(1) if match else None


@dataclass(frozen=True)
class StoreLayout:
    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "store.json"

    @property
    def lock(self) -> Path:
        return self.root / "store.lock"

    @property
    def sessions(self) -> Path:
        return self.root / "sessions"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def meta_index(self) -> Path:
        return self.index_dir / "meta.sqlite3"

    @property
    def search_index(self) -> Path:
        return self.index_dir / "search"

    @property
    def trash(self) -> Path:
        return self.root / "trash"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def operations_log(self) -> Path:
        return self.log_dir / "operations.jsonl"

    def session_file(self, session_id: str, compressed: bool) -> Path:
        return self.sessions / f"{session_id}{ZST_SUFFIX if compressed else JSON_SUFFIX}"

    def existing_session_files(self, session_id: str) -> list[Path]:
        """Both spellings may exist briefly after a crash between a save and its cleanup."""
        # os.path on a string: an import asks this twice per session, and pathlib's
        # object per candidate cost more than the stat itself.
        base = f"{self.sessions}{os.sep}{session_id}"
        names = (base + ZST_SUFFIX, base + JSON_SUFFIX)
        return [Path(name) for name in names if os.path.exists(name)]
