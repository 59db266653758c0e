"""Importers: one module per source tool behind the `Importer` interface in `base.py`.

To add a source, write a module here with an `@register`ed `Importer` subclass and add its
name to `IMPORTER_MODULES`.
"""

from __future__ import annotations

import importlib

from .base import REGISTRY, Importer, ImporterError, ParseStats, all_importers, register

#: Modules that define importers, imported lazily so the CLI starts fast.
IMPORTER_MODULES = (
    "claude_code",
    "codex_cli",
    "gemini_cli",
    "aider",
    "chatgpt",
    "claude_ai",
    "native",
)


def load_all() -> None:
    """Import every importer module so it registers itself."""
    for name in IMPORTER_MODULES:
        importlib.import_module(f".{name}", __name__)


__all__ = [
    "REGISTRY",
    "Importer",
    "ImporterError",
    "ParseStats",
    "all_importers",
    "load_all",
    "register",
]
