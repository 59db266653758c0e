"""Importer for sessions-tui's own JSON exports (and store files), so a JSON export round-trips.

A ``--format json`` export is the store's file format: one session file, or several one per line
(``fileformat.encode`` writes a single line). Each is checksummed; a line that fails its checksum
is reported and skipped, the rest still import. Sessions keep their own ``source`` and ``id``:
re-importing a backup gives back exactly the sessions that were exported. Zip exports of JSON
files, and ``.json.zst`` store files copied out of a store, are read too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..models import Session
from ..store.errors import CorruptSessionFile
from ..store.fileformat import FORMAT_NAME, ZSTD_MAGIC, decode
from .base import Importer, ImporterError, ParseStats, register
from .common import MAX_MEMBER_BYTES, read_bytes

_MARK = f'"format":"{FORMAT_NAME}"'.encode()


def _looks_native(head: bytes) -> bool:
    return head.lstrip()[:1] == b"{" and _MARK in head[:200]


@register
class NativeImporter(Importer):
    source = "sessions-tui"
    label = "sessions-tui export"

    def default_locations(self) -> list[Path]:
        return []  # exports live wherever the user put them: imported by path only

    def discover(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            yield root
            return
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            if path.name.endswith((".json", ".json.zst", ".ndjson", ".zip")):
                yield path

    def sniff(self, path: Path, head: bytes) -> bool:
        try:
            if head[:4] == ZSTD_MAGIC:
                return path.name.endswith(".json.zst")
            if head[:4] == b"PK\x03\x04":
                return self._zip_has_native(path)
            return _looks_native(head)
        except Exception:
            return False

    def _zip_has_native(self, path: Path) -> bool:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:50]:
                if info.filename.endswith(".json") and not info.is_dir():
                    with archive.open(info) as member:
                        return _looks_native(member.read(200))
        return False

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        data = read_bytes(path)
        if data[:4] == b"PK\x03\x04":
            yield from self._parse_zip(path, stats)
            return
        if data[:4] == ZSTD_MAGIC:
            try:
                yield decode(data, path).session
            except CorruptSessionFile as exc:
                raise ImporterError(path, exc.reason) from None
            return
        yield from self._parse_lines(data, str(path), stats, whole_file=path)

    def _parse_lines(
        self, data: bytes, where: str, stats: ParseStats, whole_file: Path | None = None
    ) -> Iterator[Session]:
        lines = [(n, line) for n, line in enumerate(data.split(b"\n"), 1) if line.strip()]
        if not lines:
            raise ImporterError(Path(where), "empty file")
        if len(lines) == 1 or not _looks_native(lines[1][1][:200]):
            # one store file (possibly pretty-printed by hand: then it spans several lines)
            try:
                yield decode(data, where).session
            except CorruptSessionFile as exc:
                if whole_file is not None:
                    raise ImporterError(whole_file, exc.reason) from None
                stats.bad(where, exc.reason)
            return
        for number, line in lines:
            try:
                yield decode(line, f"{where}:{number}").session
            except CorruptSessionFile as exc:
                stats.bad(f"{where}:{number}", exc.reason)

    def _parse_zip(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        try:
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ImporterError(path, f"not a readable zip: {exc}") from None
        with archive:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith((".json", ".json.zst")):
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    continue  # a symlink member: never followed
                if info.file_size > MAX_MEMBER_BYTES:
                    stats.bad(f"{path}:{info.filename}", "member too large")
                    continue
                try:
                    with archive.open(info) as member:
                        data = member.read(MAX_MEMBER_BYTES + 1)
                except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
                    stats.bad(f"{path}:{info.filename}", str(exc))
                    continue
                where = f"{path}:{info.filename}"
                if data[:4] == ZSTD_MAGIC:
                    try:
                        yield decode(data, where).session
                    except CorruptSessionFile as exc:
                        stats.bad(where, exc.reason)
                    continue
                if not _looks_native(data[:200]):
                    stats.bad(where, "not a sessions-tui session file")
                    continue
                yield from self._parse_lines(data, where, stats)
