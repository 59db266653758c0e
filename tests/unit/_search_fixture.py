"""A small store built for the search tests: every operator and filter has a known answer.

Each session has a short name (S1..S7) used by the tests; `ids()` maps result ids back to
names so assertions read as sets of names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sessions_tui.models import (
    Message,
    Session,
    TextBlock,
    ToolCallBlock,
    ToolResultBlock,
)
from sessions_tui.store import SessionStore


def _t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _msg(mid: str, role: str, text: str = "", **kwargs) -> Message:
    blocks = kwargs.pop("blocks", None) or [TextBlock(text=text)]
    return Message(id=mid, role=role, content=blocks, **kwargs)


UUID5 = "0f8fad5b-d9cb-469f-a165-70867728950e"


def sessions() -> dict[str, Session]:
    s1 = Session(
        id="S1",
        title="Fix flaky retry test",
        source="claude-code",
        models=["claude-sonnet-4-5"],
        project="/home/u/src/payments-api",
        starred=True,
        tags=["keep"],
        created=_t("2025-03-10"),
        updated=_t("2025-03-10T12:00:00"),
        messages=[
            _msg("s1-u1", "user", "The retry_with_backoff helper fails under load"),
            _msg(
                "s1-a1",
                "assistant",
                blocks=[
                    TextBlock(text="Let me check src/store/atomic.py and CameraActivity first."),
                    ToolCallBlock(id="c1", name="Bash", input={"command": "pytest -k quartz"}),
                ],
            ),
            _msg(
                "s1-t1",
                "tool",
                blocks=[
                    ToolResultBlock(
                        call_id="c1",
                        output="OSError: [Errno 28] No space left on device (quartz)",
                        is_error=True,
                    )
                ],
            ),
        ],
    )
    s2 = Session(
        id="S2",
        title="Terraform plan fails: quartz module",
        source="codex-cli",
        models=["gpt-5.4"],
        project="/home/u/src/infra",
        created=_t("2025-01-05"),
        updated=_t("2025-01-05T09:00:00"),
        messages=[
            _msg("s2-u1", "user", "terraform plan fails with a timeout on the RDS module"),
            _msg("s2-a1", "assistant", "The deadline is exceeded; tracked as bd-q3fy upstream."),
        ],
    )
    s3 = Session(
        id="S3",
        title="缓存问题",
        source="chatgpt",
        models=["gpt-4o"],
        created=_t("2024-12-01"),
        updated=_t("2024-12-01T08:00:00"),
        messages=[
            _msg("s3-u1", "user", "我们需要先确认缓存是否失效，然后再检查并发行为。"),
            _msg("s3-a1", "assistant", "設定ファイルを読み込む前に初期化してください。"),
        ],
    )
    s4 = Session(
        id="S4",
        title="",
        source="aider",
        models=["gpt-4o-mini"],
        project="/home/u/src/blog",
        tags=["blog"],
        created=_t("2025-02-01"),
        updated=_t("2025-02-01T10:00:00"),
        messages=[
            _msg("s4-u1", "user", "migrate the blog to astro with exponential backoff"),
            _msg("s4-a1", "assistant", "Done: the café page now builds."),
        ],
    )
    s5 = Session(
        id="S5",
        title="Payments webhook",
        source="gemini-cli",
        models=["gemini-2.5-pro"],
        project="/home/u/work/payments-api",
        created=_t("2025-06-01"),
        updated=_t("2025-06-01T10:00:00"),
        messages=[
            _msg("s5-u1", "user", f"request {UUID5} needs a retry"),
            _msg("s5-a1", "assistant", "The webhook timeout is 30 seconds."),
        ],
    )
    # Two sessions equal but for their age: recency must break the tie.
    s6 = Session(
        id="S6",
        title="Zebrafish notes",
        source="claude-ai",
        created=_t("2025-05-01"),
        updated=_t("2025-05-01T10:00:00"),
        messages=[_msg("s6-u1", "user", "notes about zebrafish genetics")],
    )
    s7 = s6.model_copy(deep=True)
    s7.id = "S7"
    s7.updated = _t("2024-05-01T10:00:00")
    s7.created = s7.updated
    return {s.id: s for s in (s1, s2, s3, s4, s5, s6, s7)}


def build_store(root: Path) -> SessionStore:
    store = SessionStore(root)
    store.save_many(sessions().values())
    return store


def ids(results) -> set[str]:
    return {r.session_id for r in results.results}
