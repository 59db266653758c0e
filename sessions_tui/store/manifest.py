"""The store manifest (``store.json``): what format the directory holds, and store settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .migrations import CURRENT_FORMAT_VERSION

STORE_FORMAT_NAME = "sessions-tui-store"


class StoreSettings(BaseModel):
    """Settings that belong to the data, not to one user's terminal: they travel with the store."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="allow"
    )

    compress: bool = True
    """Write new session files as zstd (``<id>.json.zst``). Both spellings are always read."""
    compression_level: int = Field(default=3, ge=1, le=19)
    retention_days: int | None = Field(default=None, ge=1)
    """When set, new sessions get ``persistedUntil`` = now + this many days (None: keep forever)."""
    persistence: bool = True
    """When False, no ``persistedUntil`` is stamped at all (retention cleanup never applies)."""


class Manifest(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="allow"
    )

    format: str = STORE_FORMAT_NAME
    format_version: int = CURRENT_FORMAT_VERSION
    settings: StoreSettings = Field(default_factory=StoreSettings)
