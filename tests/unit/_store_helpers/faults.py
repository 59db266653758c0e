"""Fault injection for the store's atomic writes.

`atomic.py` looks up ``os.write``/``os.fsync``/``os.replace`` on the ``os`` module at call
time, so patching them there reaches every step of a save. Only calls made while the injector
is armed are counted, so the test harness's own I/O is never disturbed.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

OPS = ("write", "fsync", "replace")


class FaultInjector:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        self.fail: tuple[str, int, int] | None = None  # (op, nth call, errno)
        self.armed = False
        self.observers: list[Callable[[str, tuple[Any, ...]], None]] = []
        self.max_write: int | None = None
        self._counting = threading.Lock()
        for op in OPS:
            monkeypatch.setattr(os, op, self._wrap(op, getattr(os, op)))

    def _wrap(self, op: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            if self.armed:
                with self._counting:  # a batch's temps are written by several threads
                    self.calls[op] += 1
                    nth = self.calls[op]
                    for observe in self.observers:
                        observe(op, args)
                if self.fail and self.fail[0] == op and self.fail[1] == nth:
                    code = self.fail[2]
                    raise OSError(code, os.strerror(code))
                if op == "write" and self.max_write is not None:
                    fd, data = args
                    return real(fd, memoryview(data)[: self.max_write])
            return real(*args)

        return wrapper

    @contextmanager
    def armed_for(self, fail: tuple[str, int, int] | None = None) -> Iterator[Counter[str]]:
        self.calls = Counter()
        self.fail = fail
        self.armed = True
        try:
            yield self.calls
        finally:
            self.armed = False
            self.fail = None


ERRNOS = (errno.EIO, errno.ENOSPC)
