"""The JSON Schema of a session payload, generated from the models into docs/.

Run ``python -m sessions_tui.schema`` after changing models.py; a test fails while the file in
docs/ and the models disagree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .models import Session
from .store.migrations import CURRENT_FORMAT_VERSION

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "docs" / "session.schema.json"


def session_schema() -> dict[str, Any]:
    schema = Session.model_json_schema(by_alias=True, mode="serialization")
    return {
        **schema,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"sessions-tui/session/v{CURRENT_FORMAT_VERSION}",
        "description": (
            "The `session` member of a sessions-tui session file, format version "
            f"{CURRENT_FORMAT_VERSION}. See docs/storage-format.md."
        ),
    }


def render() -> str:
    return json.dumps(session_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_FILE
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
