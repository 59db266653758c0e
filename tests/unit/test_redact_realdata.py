"""The default redaction rules on real sessions written by real tools (../shared/realdata):
they contain no secrets, so the share-safe defaults must flag nothing (no false positives),
and the opt-in email and home-path rules find only real addresses and home directories."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sessions_tui.export.redact import RedactionOptions, Redactor
from sessions_tui.importers.runner import import_paths
from sessions_tui.store import SessionStore


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> SessionStore:
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        pytest.skip(f"real session files not found at {REALDATA}")
    store = SessionStore(tmp_path_factory.mktemp("real") / "store")
    import_paths(store, sorted(p for p in REALDATA.iterdir() if p.is_dir()))
    if store.count() < 50:
        pytest.skip("the importers brought in too few real sessions to judge the rules")
    return store


def _flagged(store: SessionStore, options: RedactionOptions) -> Counter[str]:
    redactor = Redactor(options)
    total: Counter[str] = Counter()
    for summary in store.list():
        _redacted, counts = redactor.redact_session(store.get(summary.id))
        total.update(counts)
    return total


def test_default_rules_flag_nothing_in_real_sessions(real_store: SessionStore) -> None:
    assert _flagged(real_store, RedactionOptions()) == Counter()


def test_entropy_rules_flag_nothing_in_real_sessions(real_store: SessionStore) -> None:
    assert _flagged(real_store, RedactionOptions(secrets=False, entropy=True)) == Counter()


def test_optional_rules_find_real_addresses_and_home_directories(
    real_store: SessionStore,
) -> None:
    found = _flagged(real_store, RedactionOptions(secrets=False, emails=True, home_paths=True))
    assert found["email"] > 0 and found["home-path"] > 0
    markdown_user = Path("/home/USER")  # the claude-code fixtures' anonymised home
    redactor = Redactor(RedactionOptions(secrets=False, home_paths=True))
    assert redactor.redact_text(f"{markdown_user}/projects/x") == "~/projects/x"
