"""Run as a subprocess: save one session, then hold the store's writer lock until told.

Usage: python hold_lock.py STORE. Prints "locked" once it holds the lock; a line on stdin
releases it (prints "released"); EOF on stdin exits.
"""

from __future__ import annotations

import sys

from sessions_tui.models import Session
from sessions_tui.store import SessionStore


def main() -> None:
    store = SessionStore(sys.argv[1])
    with store.writing():
        store.save(Session(id="from-holder", title="written by the lock holder"))
        print("locked", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
