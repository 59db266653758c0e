"""Reading the data exports of chat web apps (ChatGPT, Claude.ai): shared by both importers.

Both apps export a ``conversations.json`` holding a JSON array of conversations, inside a zip
as downloaded. Exports run to hundreds of megabytes and are untrusted, so this module:

* reads ``conversations.json`` from the file itself or from the zip (member names never used as
  paths; a member named with ``..`` or an absolute path, or stored as a symlink, is refused;
  size and compression-ratio limits from `common.iter_zip_members` guard against bombs);
* decodes the array one conversation at a time, so a conversation that cannot be parsed (a
  flipped byte, NaN, a huge integer, nesting too deep) is recorded and the following ones are
  still read, and a truncated download keeps every complete conversation before the cut;
* tells a ChatGPT export from a Claude.ai one from the first keys of the first conversation.

`ExportImporter` is what both importers share: discovery, sniffing and the loop over
conversations; each says only how one conversation becomes a Session.
"""

from __future__ import annotations

import os
import re
import zipfile
from abc import abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from ..models import Session
from .base import Importer, ImporterError, ParseStats
from .common import iter_zip_members, raw_decode, read_bytes, scrub_surrogates

EXPORT_MEMBER = "conversations.json"
ZIP_MAGIC = b"PK\x03\x04"
#: How much of a zip's ``conversations.json`` `sniff` decompresses to look at its keys.
SNIFF_BYTES = 64 * 1024
#: After a conversation that cannot be parsed, how many candidate restart points to try before
#: giving up on the rest of the file (bounds the work on a hostile file).
MAX_RESYNC_ATTEMPTS = 2000

CHATGPT = "chatgpt"
CLAUDE_AI = "claude-ai"
#: Keys found early in a conversation of each export, and only there.
_LABELS = {CHATGPT: "ChatGPT", CLAUDE_AI: "Claude.ai"}
_MARKERS: dict[str, tuple[bytes, ...]] = {
    CHATGPT: (b'"mapping"', b'"current_node"', b'"default_model_slug"'),
    CLAUDE_AI: (b'"chat_messages"', b'"sender"', b'"parent_message_uuid"'),
}

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_WS = re.compile(r"[ \t\n\r]*")
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_RESYNC = re.compile(r",[ \t\n\r]*\{")
_WRAPPER = re.compile(r'\{[ \t\n\r]*"conversations"[ \t\n\r]*:[ \t\n\r]*\[')


# ---------------------------------------------------------------------------------------------
# Recognising an export


def export_kind(head: bytes) -> str | None:
    """``"chatgpt"``, ``"claude-ai"`` or None, from the first bytes of a conversations file.

    Whichever app's marker key appears first wins, so text quoted inside a message cannot
    mislead it (the first conversation's own keys come before any message text)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"[", b"{"):
        return None
    best: tuple[int, str] | None = None
    for kind, markers in _MARKERS.items():
        for marker in markers:
            at = head.find(marker)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, kind)
    return best[1] if best else None


def zip_head(path: Path, limit: int = SNIFF_BYTES) -> bytes:
    """The first bytes of the zip's ``conversations.json`` (empty if none). Never raises."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or PurePosixPath(info.filename).name != EXPORT_MEMBER:
                    continue
                if _is_symlink(info) or not _safe_member_name(info.filename):
                    continue
                with archive.open(info) as member:
                    return member.read(limit)
    except Exception:  # sniffing must never raise, whatever the zip holds
        return b""
    return b""


def sniff_export(path: Path, head: bytes, kind: str) -> bool:
    """True if ``path`` is a conversations file, or an export zip, of the ``kind`` app."""
    try:
        if head.startswith(ZIP_MAGIC):
            head = zip_head(path)
        return export_kind(head) == kind
    except Exception:  # never raise from sniff
        return False


def discover_exports(root: Path, kind: str) -> Iterator[Path]:
    """A file itself; under a directory, every ``conversations.json`` and ``.zip`` of ``kind``.

    Symlinked directories are not followed (an export folder can link anywhere)."""
    if not root.is_dir():
        if root.exists():
            yield root
        return
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in files:
            if name == EXPORT_MEMBER or name.lower().endswith(".zip"):
                found.append(Path(folder) / name)
    for path in sorted(found):
        try:
            with path.open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError:
            continue
        if sniff_export(path, head, kind):
            yield path


# ---------------------------------------------------------------------------------------------
# Reading an export


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def _safe_member_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts)


def export_documents(path: Path, kind: str, label: str) -> Iterator[tuple[str, bytes]]:
    """``(where, bytes)`` of each ``conversations.json`` of ``kind`` in ``path`` (file or zip).

    Raises `ImporterError` for an unreadable file, a hostile zip, or a zip without one."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(len(ZIP_MAGIC))
    except OSError as exc:
        raise ImporterError(path, f"cannot read: {exc.strerror or exc}") from None
    if magic != ZIP_MAGIC:
        data = read_bytes(path)
        other = export_kind(data[:SNIFF_BYTES])
        if other not in (kind, None):
            raise ImporterError(path, f"not a {label} export: this is a {_LABELS[other]} export")
        yield str(path), data
        return
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if PurePosixPath(info.filename.replace("\\", "/")).name != EXPORT_MEMBER:
                    continue
                if not _safe_member_name(info.filename):
                    raise ImporterError(path, f"unsafe member name in zip: {info.filename!r}")
                if _is_symlink(info):
                    raise ImporterError(path, f"zip member {info.filename!r} is a symlink")
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise ImporterError(path, f"not a readable zip: {exc}") from None
    found = other = 0
    for name, data in iter_zip_members(path, EXPORT_MEMBER):
        member_kind = export_kind(data[:SNIFF_BYTES])
        if member_kind not in (kind, None):
            other += 1
            continue
        found += 1
        yield f"{path}!{name}", data
    if not found:
        why = "holds another app's export" if other else f"has no readable {EXPORT_MEMBER}"
        raise ImporterError(path, f"not a {label} export: the zip {why}")


def _decode_text(where: str, data: bytes, stats: ParseStats) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # One bad byte must not cost the whole export: inside a string it becomes U+FFFD;
        # elsewhere it breaks only the conversation it falls in.
        stats.bad(where, f"invalid UTF-8 at byte {exc.start}, replaced by U+FFFD")
        return data.decode("utf-8", errors="replace")


def iter_conversations(
    where: str,
    data: bytes,
    stats: ParseStats,
    is_conversation: Callable[[Any], bool],
    path: Path,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(number, conversation)`` for each conversation of an export document, 1-based.

    Accepts a JSON array of conversations, an object ``{"conversations": [...]}`` (some export
    tools wrap it so), or one conversation object. A conversation that cannot be decoded is
    recorded in ``stats`` and the reader resynchronises on the next conversation."""
    text = _decode_text(where, data, stats)
    index = _WS.match(text, 0).end()
    if index >= len(text):
        raise ImporterError(path, "empty file")
    wrapper = _WRAPPER.match(text, index)
    if wrapper:  # {"conversations": [...]}: stream the array inside
        yield from _iter_array(where, text, wrapper.end(), stats, is_conversation, "}")
        return
    if text[index] == "{":
        try:
            value, _end = raw_decode(text, index)
        except ValueError as exc:
            raise ImporterError(path, f"not valid JSON: {exc}") from None
        if isinstance(value, dict) and isinstance(value.get("conversations"), list):
            items = value["conversations"]
        elif is_conversation(value):
            items = [value]
        else:
            raise ImporterError(path, "a JSON object, but not a conversation export")
        for number, item in enumerate(items, 1):
            if isinstance(item, dict):
                yield number, scrub_surrogates(item)
            else:
                stats.bad(f"{where}#{number}", f"expected an object, got {type(item).__name__}")
        return
    if text[index] != "[":
        raise ImporterError(path, "not a JSON array of conversations")
    yield from _iter_array(where, text, index + 1, stats, is_conversation)


def _iter_array(
    where: str,
    text: str,
    index: int,
    stats: ParseStats,
    is_conversation: Callable[[Any], bool],
    closing: str = "",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The elements of an array whose ``[`` ends before ``index``; ``closing`` is what may
    follow its ``]`` (the ``}`` of a wrapping object).

    An element that does not decode (NaN, 1e400, a 5,000-digit integer, nesting too deep) but
    whose brackets balance is skipped exactly; one whose syntax is broken (a flipped quote) is
    skipped by resynchronising on the next ``,{`` that decodes as a conversation."""
    tail = re.compile(r"\][ \t\n\r]*" + re.escape(closing) + r"[ \t\n\r]*\Z")
    complete = tail.search(text, max(0, len(text) - 4096)) is not None
    number = 0
    index = _WS.match(text, index).end()
    if text.startswith("]", index):
        return
    error: str | None = None
    while True:
        value: Any = None
        if error is None:
            number += 1
            try:
                value, end = raw_decode(text, index)
            except ValueError as exc:
                error = f"bad JSON: {exc}"
                skipped = _skip_balanced(text, index)
                if skipped is not None:
                    stats.bad(f"{where}#{number}", error)
                    end, error = skipped, None
        if error is not None:
            resumed = _resync(text, index + 1, is_conversation)
            if resumed is None and not complete:
                error = "the file ends inside this conversation (truncated download?)"
            stats.bad(f"{where}#{number}", error)
            if resumed is None:
                return
            number += 1
            index, (value, end), error = resumed[0], resumed[1:], None
        if isinstance(value, dict):
            if _SURROGATE_ESCAPE.search(text, index, end):
                value = scrub_surrogates(value)
            yield number, value
        elif value is not None:
            stats.bad(f"{where}#{number}", f"expected an object, got {type(value).__name__}")
        index = _WS.match(text, end).end()
        if text.startswith(",", index):
            index = _WS.match(text, index + 1).end()
        elif text.startswith("]", index):
            rest = _WS.match(text, index + 1).end()
            if closing and text.startswith(closing, rest):
                rest = _WS.match(text, rest + len(closing)).end()
            if rest < len(text):
                stats.bad(where, f"unexpected data after the array at character {rest}")
            return
        elif index >= len(text):
            stats.bad(where, "the file ends before the closing ']' (truncated download?)")
            return
        else:
            number += 1
            error = f"expected ',' or ']' at character {index}"


def _skip_balanced(text: str, index: int) -> int | None:
    """The end of the object or array at ``index`` found by matching brackets outside strings,
    if it is followed by ``,`` or ``]`` (so the next element starts where expected); else None."""
    if not text.startswith(("{", "["), index):
        return None
    depth = 0
    for token in _TOKENS.finditer(text, index):
        first = token.group()[0]
        if first in "{[":
            depth += 1
        elif first in "}]":
            depth -= 1
            if depth == 0:
                after = _WS.match(text, token.end()).end()
                return token.end() if text.startswith((",", "]"), after) else None
    return None


def _resync(
    text: str, start: int, is_conversation: Callable[[Any], bool]
) -> tuple[int, dict[str, Any], int] | None:
    """``(start, conversation, end)`` of the next decodable conversation at a ``,{`` after
    ``start``, or None."""
    attempts = 0
    position = start
    while attempts < MAX_RESYNC_ATTEMPTS:
        match = _RESYNC.search(text, position)
        if match is None:
            return None
        attempts += 1
        brace = match.end() - 1
        try:
            value, end = raw_decode(text, brace)
        except ValueError:
            position = brace + 1
            continue
        if is_conversation(value):
            return brace, value, end
        position = end  # a complete inner object: no conversation starts inside it
    return None


# ---------------------------------------------------------------------------------------------
# The importer both apps share


class ExportImporter(Importer):
    """A chat app's data export. Subclasses set ``source`` (``chatgpt`` or ``claude-ai``) and
    ``conversation_key`` (the key every conversation of that app has), and implement
    `convert`."""

    conversation_key: ClassVar[str]

    def default_locations(self) -> list[Path]:
        """None: an export is a download the user imports by path (``import export.zip``)."""
        return []

    def discover(self, root: Path) -> Iterator[Path]:
        return discover_exports(root, self.source)

    def sniff(self, path: Path, head: bytes) -> bool:
        return sniff_export(path, head, self.source)

    def is_conversation(self, value: Any) -> bool:
        return isinstance(value, dict) and self.conversation_key in value

    @abstractmethod
    def convert(
        self, path: Path, stats: ParseStats, label: str, conversation: dict[str, Any]
    ) -> Session | None:
        """One conversation as a Session, or None (recorded in ``stats``) to skip it."""

    def parse(self, path: Path, stats: ParseStats) -> Iterator[Session]:
        """Every conversation of every export document in ``path``. One that cannot be
        converted is recorded and the others still imported; a conversation listed twice is
        imported once."""
        app = _LABELS[self.source]
        seen: set[str] = set()
        total = recognised = 0
        for where, data in export_documents(path, self.source, app):
            conversations = iter_conversations(where, data, stats, self.is_conversation, path)
            for number, conversation in conversations:
                label = f"{where}#{number}"
                total += 1
                recognised += self.is_conversation(conversation)
                try:
                    session = self.convert(path, stats, label, conversation)
                except RecursionError:
                    stats.bad(label, "conversation nested too deeply")
                    continue
                except Exception as exc:  # one broken conversation must not stop the export
                    stats.bad(label, f"internal error: {type(exc).__name__}: {exc}")
                    continue
                if session is None:
                    continue
                if session.id in seen:
                    stats.bad(label, f"conversation {session.source_ref.id} appears twice")
                    continue
                seen.add(session.id)
                yield session
        if total and not recognised:
            raise ImporterError(
                path, f"not a {app} export: no conversation has {self.conversation_key!r}"
            )


# ---------------------------------------------------------------------------------------------
# Readable text of unknown values


#: Keys whose string values are readable text, in the order worth trying.
_TEXT_KEYS = ("text", "content", "result", "message", "summary", "output", "parts", "thoughts")


def readable_text(value: Any, limit: int = 64) -> str:
    """Best-effort readable text of an unknown JSON value, without recursion.

    Only known text-bearing keys are followed, so ids, hashes and flags are not shown."""
    out: list[str] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if node.strip():
                out.append(node)
        elif depth < limit and isinstance(node, list):
            stack.extend((v, depth + 1) for v in reversed(node))
        elif depth < limit and isinstance(node, dict):
            stack.extend((node[k], depth + 1) for k in reversed(_TEXT_KEYS) if k in node)
    return "\n".join(out)
