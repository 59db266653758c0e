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
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import SaveFailed

FILE_MODE = 0o600
DIR_MODE = 0o700
TEMP_SUFFIX = ".tmp"
#: A temp file older than this is taken to belong to a writer that was killed.
TEMP_GRACE_SECONDS = 15 * 60
#: Temp files of one batch written and fsynced at the same time.
WRITERS = 8


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
    """Replace ``target`` with ``data`` atomically. Raises `SaveFailed` on any error."""
    atomic_write_many([(target, data)], durable=durable)


def atomic_write_many(
    items: list[tuple[Path, bytes]], *, durable: bool = True
) -> list[os.stat_result]:
    """Replace several files in one directory, all or nothing. Raises `SaveFailed`.

    Every file is written to a temp and fsynced, then all are renamed into place, then the
    directory is fsynced once: a batch of N files costs N+1 fsyncs instead of 2N, and the N
    run side by side (`WRITERS`). A failure at any step, including the final directory fsync,
    puts every previous version back (through hard links taken just before the renames), so
    `SaveFailed` always means "nothing changed".

    Returns each written file's stat, taken from its descriptor (a rename keeps size and
    mtime), so callers need not stat the files again.
    """
    if not items:
        return []
    written = _write_temps(items, durable)
    temps = [tmp for tmp, _st in written]
    keeps: list[Path | None] = []  # per replaced item: its hard link, or None for a new file
    renamed: list[Path] = []
    try:
        for (target, _data), tmp in zip(items, temps, strict=True):
            keep: Path | None = None
            if durable:
                keep = tmp.with_name(tmp.name.removesuffix(TEMP_SUFFIX) + ".old" + TEMP_SUFFIX)
                try:
                    os.link(target, keep, follow_symlinks=False)
                except FileNotFoundError:
                    keep = None  # a first save: a failure below removes the new file instead
                except OSError:
                    keep = target  # no hard links here: a late failure cannot be undone
            keeps.append(keep)
            os.replace(tmp, target)
            renamed.append(target)
        if durable:
            for directory in dict.fromkeys(t.parent for t, _d in items):
                fsync_dir(directory)
    except BaseException as exc:  # including KeyboardInterrupt: never leave a temp behind
        _unlink_all(temps)
        # Renamed files are visible but not known durable: show the old versions again.
        for target, keep in reversed(list(zip(renamed, keeps, strict=False))):
            with contextlib.suppress(OSError):
                if keep is None:
                    os.unlink(target)
                elif keep != target:
                    os.replace(keep, target)
        _remove_keeps(keeps)
        if isinstance(exc, OSError):
            failed = items[min(len(renamed), len(items) - 1)][0]
            raise SaveFailed(failed, exc) from exc
        raise
    _remove_keeps(keeps)  # not fsynced: if one survives a crash, the temp sweep removes it
    return [st for _tmp, st in written]


def _write_temps(
    items: list[tuple[Path, bytes]], durable: bool
) -> list[tuple[Path, os.stat_result]]:
    """Write every item to its temp, all or nothing: (temp, stat) per item, in order.

    Durable batches are written by `WRITERS` threads: each fsync waits on the disk with the
    GIL released, and concurrent ones share the filesystem's journal commits, so the batch
    costs a fraction of one fsync after another. On any failure the temps already written
    are removed and `SaveFailed` names the file that failed.
    """
    if len(items) == 1 or not durable:
        written: list[tuple[Path, os.stat_result]] = []
        try:
            for target, data in items:
                written.append(_write_temp(target, data, durable))
        except BaseException:
            _unlink_all(tmp for tmp, _st in written)
            raise
        return written
    pool = ThreadPoolExecutor(min(WRITERS, len(items)), thread_name_prefix="store-write")
    futures = [pool.submit(_write_temp, target, data, durable) for target, data in items]
    try:
        return [future.result() for future in futures]
    except BaseException:  # including KeyboardInterrupt: wait, so every temp is known
        pool.shutdown(wait=True, cancel_futures=True)
        _unlink_all(f.result()[0] for f in futures if not f.cancelled() and f.exception() is None)
        raise
    finally:
        pool.shutdown(wait=True)


def _write_temp(target: Path, data: bytes, durable: bool) -> tuple[Path, os.stat_result]:
    """Write ``data`` to a new temp beside ``target``; remove it again if anything fails."""
    tmp = temp_path_for(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except OSError as exc:
        raise SaveFailed(target, exc) from exc
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if durable:
            os.fsync(fd)
        return tmp, os.fstat(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise SaveFailed(target, exc) from exc
        raise
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def _unlink_all(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _remove_keeps(keeps: list[Path | None]) -> None:
    for keep in keeps:
        if keep is not None and keep.name.endswith(".old" + TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(keep)


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
