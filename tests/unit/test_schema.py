"""docs/session.schema.json is generated from the models and describes what the store writes."""

from __future__ import annotations

import json

import jsonschema

from sessions_tui.demo import demo_sessions
from sessions_tui.schema import SCHEMA_FILE, render
from sessions_tui.store.fileformat import dump_payload


def test_schema_file_matches_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "docs/session.schema.json is out of date: run `python -m sessions_tui.schema`"
    )


def test_written_payloads_validate_against_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for session in demo_sessions():
        payload = json.loads(dump_payload(session))
        errors = sorted(validator.iter_errors(payload), key=str)
        assert not errors, f"{session.id}: {errors[0].message}"


def test_schema_rejects_a_payload_missing_required_fields() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    bad = {"title": "no id", "messages": [{"role": "user", "content": []}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
