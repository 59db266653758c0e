"""Helpers every importer shares: hardened JSON parsing, JSONL lines, zip members, timestamps.

Source files are untrusted. JSON has sharp edges in Python: nesting deeper than the recursion
limit raises `RecursionError` (not `ValueError`), ``NaN``/``Infinity``/``1e400`` are accepted by
default, integers over 4,300 digits raise `ValueError`, and a lone surrogate parses but cannot
be encoded when saved. `loads` turns every one of these into `ImporterError` or a per-line
problem, so one bad file never stops an import and one bad line never loses the rest.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ..models import Message, TokenUsage
from .base import ImporterError, ParseStats

#: Largest single source file we read into memory (exports can be big, but not this big).
MAX_FILE_BYTES = 2 << 30
#: Largest zip member we decompress, and the most a whole zip may expand to (bomb guard).
MAX_MEMBER_BYTES = 1 << 30
MAX_ZIP_TOTAL_BYTES = 4 << 30
MAX_ZIP_RATIO = 200

#: A tool input nested deeper than this is kept as its JSON text: pydantic refuses to serialise
#: a value nested ~250 deep, and a session that cannot be saved is lost whole.
MAX_INPUT_DEPTH = 64

_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: After strict UTF-8 decoding, a lone surrogate can only enter through a ``\uD8xx``-``\uDFxx``
#: escape, so texts without one need no scrubbing walk.
_SURROGATE_ESCAPE_STR = re.compile(r"\\u[dD][89a-fA-F]")


class BadJSON(ValueError):
    """A JSON text that parses in a lenient reader but must not be accepted."""


def _reject_constant(name: str) -> Any:
    raise BadJSON(f"non-standard JSON number {name}")


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadJSON(f"number out of range: {text[:40]}")
    return value


#: One decoder for every call: building one per `json.loads` call costs ~15% of an import.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float)


def loads(text: str | bytes) -> Any:
    """Strict JSON: raises `BadJSON`/`ValueError` for NaN, Infinity, 1e400, huge ints,
    too-deep nesting and invalid UTF-8. Lone surrogates are replaced by U+FFFD.

    Bytes are decoded as strict UTF-8 here (``json.loads`` would use ``surrogatepass`` and
    let UTF-8-encoded surrogates through); a leading BOM is dropped.
    """
    raw_surrogates_possible = isinstance(text, str)
    try:
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("utf-8-sig")
        value = _DECODER.decode(text)
    except RecursionError:
        raise BadJSON("JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise BadJSON(f"invalid UTF-8 at byte {exc.start}") from None
    if _SURROGATE_ESCAPE_STR.search(text) is None and not (
        raw_surrogates_possible and _SURROGATE.search(text)
    ):
        return value
    return scrub_surrogates(value)


def raw_decode(text: str, index: int = 0) -> tuple[Any, int]:
    """One strict JSON value starting at ``index`` and where it ends, for readers that walk a
    document value by value (exports, truncated chat files). Surrogates are not scrubbed:
    the caller scrubs what it keeps. Raises `ValueError` (never `RecursionError`)."""
    try:
        return _DECODER.raw_decode(text, index)
    except RecursionError:
        raise BadJSON("JSON nested too deeply") from None


def scrub_surrogates(value: Any) -> Any:
    """Replace lone surrogates (they parse, but cannot be saved) by U+FFFD, in place.

    Iterative: a value nested almost to the recursion limit (which the decoder accepts) must
    not overflow the stack here, or one hostile line would cost its whole file.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(isinstance(k, str) and _SURROGATE.search(k) for k in node):
                items = list(node.items())
                node.clear()
                node.update((_SURROGATE.sub("\ufffd", k), v) for k, v in items)
            for key, item in node.items():
                if isinstance(item, str):
                    if _SURROGATE.search(item):
                        node[key] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, dict | list):
                    stack.append(item)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, str):
                    if _SURROGATE.search(item):
                        node[i] = _SURROGATE.sub("\ufffd", item)
                elif isinstance(item, dict | list):
                    stack.append(item)
    return value


# ---------------------------------------------------------------------------------------------
# Type guards: every field of an untrusted file may hold any JSON type.


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    """A string field, or "" for anything else."""
    return value if isinstance(value, str) else ""


def opt_str(value: Any) -> str | None:
    """A non-empty string field, or None (for ``a or b`` fallbacks between fields)."""
    return value if isinstance(value, str) and value else None


def as_int(value: Any) -> int | None:
    """An integer field (not a bool), or None. Bounded so sums of them fit the store's int64."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if -(2**62) < value < 2**62 else None


def as_count(value: Any) -> int | None:
    """A count or size (tokens, bytes): a non-negative `as_int`, or None."""
    number = as_int(value)
    return number if number is not None and number >= 0 else None


T = TypeVar("T")


def whole_file(path: Path, parse: Callable[[], T]) -> T:
    """Run an importer's parse of a whole file: whatever goes wrong becomes an `ImporterError`
    naming the file, so one file never stops an import of thousands. An unexpected exception
    is reported as an "internal error" (a bug to fix: the fuzz tests look for that phrase)."""
    try:
        return parse()
    except ImporterError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ImporterError(path, f"cannot parse: {type(exc).__name__}") from None
    except Exception as exc:
        raise ImporterError(path, f"internal error while parsing: {exc!r}") from None


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a whole source file, as an `ImporterError` if it is unreadable or too large."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ImporterError(path, f"file is {size >> 20} MiB, over the {limit >> 20} MiB limit")
        return path.read_bytes()
    except OSError as exc:
        raise ImporterError(path, f"cannot read: {exc.strerror or exc}") from None


def load_json_file(path: Path, data: bytes | None = None) -> Any:
    """Parse a whole-file JSON document (exports, Gemini chats) or raise `ImporterError`."""
    raw = read_bytes(path) if data is None else data
    try:
        return loads(raw)
    except ValueError as exc:
        raise ImporterError(path, f"not valid JSON: {exc}") from None


def iter_jsonl(
    path: Path, stats: ParseStats, data: bytes | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each JSON object line; record bad lines in ``stats``.

    A truncated last line (a tool still writing, or a crash) is reported as such.
    """
    raw = read_bytes(path) if data is None else data
    lines = raw.split(b"\n")
    last = len(lines)
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = loads(line)
        except ValueError as exc:
            truncated = number == last and not raw.endswith(b"\n")
            reason = "truncated last line" if truncated else f"bad JSON: {exc}"
            stats.bad(f"{path}:{number}", reason)
            continue
        if not isinstance(obj, dict):
            stats.bad(f"{path}:{number}", f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 strings (``Z`` or offset; naive = UTC), unix seconds or milliseconds."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 1e11 else value
            return datetime.fromtimestamp(seconds, UTC)
        if isinstance(value, str):
            text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def sum_usage(usages: Iterable[TokenUsage | None]) -> TokenUsage | None:
    """Token usages added field by field; a field none of them knows stays unknown (None),
    and no usage at all gives None, so "no figures" never reads as "zero tokens"."""
    known = [u for u in usages if u is not None]
    if not known:
        return None
    totals: dict[str, int | None] = {}
    for name in TokenUsage.model_fields:
        values = [v for u in known if (v := getattr(u, name)) is not None]
        totals[name] = sum(values) if values else None
    return TokenUsage(**totals)


def file_time(path: Path) -> datetime:
    """When a source recorded no time at all: its file's mtime (stable across re-imports, unlike
    the time of the import), or the epoch if even that is unreadable."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, OverflowError):
        return datetime.fromtimestamp(0, UTC)


def cut_title(text: str, width: int = 80) -> str:
    """A title from a prompt: first non-empty line, whitespace folded, cut at a word."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            if len(line) <= width:
                return line
            cut = line[:width].rsplit(" ", 1)[0]
            return (cut if len(cut) > width // 2 else line[:width]).rstrip() + "…"
    return ""


def prompt_title(messages: Iterable[Message]) -> str:
    """The title of a session its tool did not name: its first typed prompt (a user message of
    kind "message" on the transcript, so not injected context, a command or a summary), cut
    by `cut_title`; "" if it has none."""
    for message in messages:
        if message.role == "user" and message.kind == "message" and not message.alternate:
            title = cut_title(message.text)
            if title:
                return title
    return ""


def iter_zip_members(path: Path, wanted: str) -> Iterator[tuple[str, bytes]]:
    """Yield ``(member name, bytes)`` for members whose base name is ``wanted``.

    Member names are never used as paths (no extraction), symlink members are skipped, and sizes
    are checked both as declared and as actually decompressed, against zip bombs.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ImporterError(path, f"not a readable zip: {exc}") from None
    total = 0
    with archive:
        for info in archive.infolist():
            if info.is_dir() or info.filename.rsplit("/", 1)[-1] != wanted:
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # a symlink member: never follow
            if info.file_size > MAX_MEMBER_BYTES:
                raise ImporterError(path, f"{info.filename}: member too large ({info.file_size})")
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise ImporterError(path, f"{info.filename}: suspicious compression ratio")
            try:
                with archive.open(info) as member:
                    data = member.read(MAX_MEMBER_BYTES + 1)
            except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
                raise ImporterError(path, f"{info.filename}: {exc}") from None
            if len(data) > MAX_MEMBER_BYTES:
                raise ImporterError(path, f"{info.filename}: member larger than declared")
            total += len(data)
            if total > MAX_ZIP_TOTAL_BYTES:
                raise ImporterError(path, "zip expands beyond the total size limit")
            yield info.filename, data


def text_of(value: Any, depth: int = 0) -> str:
    """Best-effort readable text from a JSON value (for unknown entries worth keeping).

    Text nested deeper than `MAX_INPUT_DEPTH` is not looked for: a hostile line nested to
    the recursion limit would otherwise raise `RecursionError` and cost its whole file."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if depth >= MAX_INPUT_DEPTH:
        return ""
    if isinstance(value, list):
        return "\n".join(filter(None, (text_of(v, depth + 1) for v in value)))
    if isinstance(value, dict):
        for key in ("text", "content", "message", "summary", "output"):
            if key in value:
                found = text_of(value[key], depth + 1)
                if found:
                    return found
        return ""
    return str(value)


def depth_exceeds(value: Any, limit: int) -> bool:
    """True if ``value`` nests deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def tool_input(value: Any, text: str | None = None) -> Any:
    """A tool call's input as a `ToolCallBlock` can keep it. Sources nest inputs as deep as
    they like; past `MAX_INPUT_DEPTH` the input is kept as JSON text (``text``, when the source
    wrote it as text), so the session stays saveable and nothing is lost."""
    if not depth_exceeds(value, MAX_INPUT_DEPTH):
        return value
    if text is not None:
        return text
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "[input nested too deeply to keep]"
