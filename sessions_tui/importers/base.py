"""The one small interface every importer implements, and the registry that finds them.

An importer turns one source file (or export) into `Session` objects. It never touches the
store: the runner (`importers/runner.py`) decides what to parse, saves, and reports. Adding a
source is one new module that defines an `Importer` subclass and decorates it with `register`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ..models import Session


class ImporterError(Exception):
    """A source file that cannot be imported. The only exception an importer may raise."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class ParseStats:
    """What a parse saw besides sessions, for the import summary."""

    #: Lines/entries that could not be read (bad JSON, truncated last line), with a reason.
    bad_entries: list[tuple[str, str]] = field(default_factory=list)
    #: Entry types the importer does not know, counted (kept readable where they carry text).
    unknown_types: Counter[str] = field(default_factory=Counter)
    #: Bookkeeping entries skipped on purpose (progress, file-history snapshots...), counted.
    skipped_types: Counter[str] = field(default_factory=Counter)

    def bad(self, where: str, reason: str) -> None:
        self.bad_entries.append((where, reason))

    def merge(self, other: ParseStats) -> None:
        self.bad_entries += other.bad_entries
        self.unknown_types.update(other.unknown_types)
        self.skipped_types.update(other.skipped_types)


class Importer(ABC):
    """One source tool's importer.

    Class attributes:
        source: the `Session.source` value it produces (``claude-code``, ``chatgpt``...).
        label: a human name for menus ("Claude Code").
    """

    source: ClassVar[str]
    label: ClassVar[str]
    #: Whether `default_locations` are folders the tool owns. There, files that are not
    #: transcripts are the tool's bookkeeping and ``--auto`` counts them in its summary. A tool
    #: that keeps its history in the user's own folders (aider: the home and working
    #: directory) sets False, so ``--auto`` never walks a whole home just to count its files.
    owns_default_locations: ClassVar[bool] = True

    @abstractmethod
    def default_locations(self) -> list[Path]:
        """Where this tool keeps its files on this machine (existing or not), for ``--auto``."""

    @abstractmethod
    def discover(self, root: Path) -> Iterator[Path]:
        """The transcript files under a directory (or the file itself). Files that belong to
        the tool but are not transcripts (indexes, logs, metadata) are not yielded."""

    @abstractmethod
    def sniff(self, path: Path, head: bytes) -> bool:
        """True if ``path`` (whose first bytes are ``head``) looks like this source's file.
        Used to autodetect a file's format; must be cheap and never raise."""

    @abstractmethod
    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        """Parse one file into sessions (an export may hold many). Raise only `ImporterError`
        for a file that cannot be read at all; a bad line is recorded in ``stats`` and skipped."""


#: source name -> importer class. Filled by `register` as importer modules are imported.
REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    REGISTRY[cls.source] = cls
    return cls


def all_importers() -> dict[str, Importer]:
    """Instances of every importer, importing the modules so they register themselves."""
    from . import load_all

    load_all()
    return {name: cls() for name, cls in sorted(REGISTRY.items())}
