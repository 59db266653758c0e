"""Atomic, durable file writes and private permissions.

A save writes a temp file in the target's directory, fsyncs it, renames it over the target and
fsyncs the directory. Any failure removes the temp file and raises `SaveFailed`; the old file is
untouched until the rename, and the rename is atomic, so a reader sees the old or the new file,
never a partial one. We never retry a failed fsync: after one, the page cache can no longer be
trusted to hold what we wrote.

The module looks up ``os.write``/``os.fsync``/``os.replace`` at call time so tests can inject
faults into each step.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from .errors import SaveFailed

FILE_MODE = 0o600
DIR_MODE = 0o700
TEMP_SUFFIX = ".tmp"
#: A temp file older than this is taken to belong to a writer that was killed.
TEMP_GRACE_SECONDS = 15 * 60


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and chmod it 0700 explicitly: mkdir's mode is umasked."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE)
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(target: Path) -> Path:
    """The temp name used while writing ``target``: hidden, unique, same directory."""
    return target.with_name(f".{target.name}.{os.getpid()}.{time.monotonic_ns()}{TEMP_SUFFIX}")


def atomic_write(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``target`` with ``data`` atomically. Raises `SaveFailed` on any error.

    A failure after the rename (the directory fsync) puts the previous version back, through a
    hard link taken just before the rename, so `SaveFailed` always means "nothing changed".
    """
    tmp = temp_path_for(target)
    keep = tmp.with_name(tmp.name.removesuffix(TEMP_SUFFIX) + ".old" + TEMP_SUFFIX)
    kept = replaced = False
    fd = -1
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        if durable:
            try:
                os.link(target, keep, follow_symlinks=False)
                kept = True
            except FileNotFoundError:
                pass  # a first save: a failure below removes the new file instead
            except OSError:
                kept = None  # no hard links here: a late failure cannot be undone
        os.replace(tmp, target)
        replaced = True
        if durable:
            fsync_dir(target.parent)
    except BaseException as exc:  # including KeyboardInterrupt: never leave a temp behind
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if replaced:  # visible but not known durable: show the old version again
            with contextlib.suppress(OSError):
                if kept:
                    os.replace(keep, target)
                elif kept is False:
                    os.unlink(target)
        if kept:
            with contextlib.suppress(OSError):
                os.unlink(keep)
        if isinstance(exc, OSError):
            raise SaveFailed(target, exc) from exc
        raise
    if kept:
        with contextlib.suppress(OSError):
            os.unlink(keep)  # not fsynced: if it survives a crash, the temp sweep removes it


def sweep_orphaned_temps(
    directory: Path, grace_seconds: float | None = None, kept: list[Path] | None = None
) -> list[Path]:
    """Remove temp files left by killed writers, if older than the grace period.

    ``grace_seconds`` defaults to `TEMP_GRACE_SECONDS`, read at call time so it can be tuned.
    Temps still within their grace period are appended to ``kept`` if given.
    """
    if grace_seconds is None:
        grace_seconds = TEMP_GRACE_SECONDS
    removed: list[Path] = []
    cutoff = time.time() - grace_seconds
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            elif kept is not None:
                kept.append(Path(entry.path))
        except OSError:
            continue
    return removed
