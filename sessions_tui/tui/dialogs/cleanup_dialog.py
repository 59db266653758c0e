"""The cleanup dialog: policies as controls, a live preview, confirmation, apply, undo.

Push ``CleanupDialog(store)``. Every change to a control re-runs `sessions_tui.cleanup.preview`
(debounced, in a thread worker; a newer change drops an older preview), which shows how many
sessions would go, the bytes freed and the first of them with the reason each was chosen.
Applying asks for confirmation, then moves exactly the previewed sessions to the trash with
`cleanup.apply` (sessions written to since the preview are left alone). The result view offers
Undo (`cleanup.undo`, byte-identical). The dialog dismisses with a `CleanupOutcome` once
something was applied, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, Select, Static
from textual.worker import get_current_worker

from ...cleanup import (
    Candidate,
    CleanupPlan,
    CleanupPolicy,
    CleanupResult,
    PolicyError,
    apply,
    preview,
    undo,
)
from ...cleanup.policy import parse_age, parse_size
from ...store import SessionStore, StoreError
from ..formatting import human_size, one_line, short_project
from .confirm import ConfirmDialog
from .kit import clip, mark_narrow, relabel

#: Seconds of quiet after a change before the preview runs again.
PREVIEW_DEBOUNCE = 0.3
#: Sessions listed in the preview table (the count and bytes cover them all).
SHOWN = 200


@dataclass(frozen=True, slots=True)
class CleanupOutcome:
    """What the dialog did: the plan applied, what moved to the trash, and whether it was
    undone before the dialog closed (if not, ``result.trash_names`` can be restored later)."""

    plan: CleanupPlan
    result: CleanupResult
    restored: bool = False


class _Stale(Exception):
    """Raised from a preview's progress callback when a newer preview replaced it."""


class CleanupDialog(ModalScreen[CleanupOutcome | None]):
    """Choose what to clean up, see exactly what would go, then move it to the trash."""

    DEFAULT_CSS = """
    CleanupDialog #cleanup-box { width: 112; max-width: 96%; height: 34; max-height: 96%;
        border: thick $primary; background: $surface; padding: 0 2 1 2; }
    CleanupDialog #cleanup-controls { height: auto; }
    CleanupDialog .xrow { height: auto; margin-bottom: 1; }
    CleanupDialog .xtight { margin-bottom: 0; }
    CleanupDialog .xlabel { width: 10; color: $text-muted; padding: 0 1 0 0; }
    CleanupDialog .xfield { width: auto; color: $text-muted; padding: 0 1 0 0; }
    CleanupDialog Input { background: $panel; margin-right: 3; }
    CleanupDialog Input:focus { background: $primary 20%; }
    CleanupDialog Input.-invalid { background: $error 30%; }
    CleanupDialog #cleanup-older, CleanupDialog #cleanup-larger { width: 10; }
    CleanupDialog #cleanup-keep { width: 8; }
    CleanupDialog #cleanup-query { width: 1fr; margin-right: 0; }
    CleanupDialog Select { width: 26; margin-right: 3; }
    CleanupDialog Checkbox { margin-right: 2; background: transparent; }
    CleanupDialog #cleanup-summary { height: auto; margin-bottom: 1; }
    CleanupDialog #cleanup-table { height: 1fr; background: $panel; margin-bottom: 1; }
    CleanupDialog.-done #cleanup-controls { display: none; }
    CleanupDialog.-narrow .xrow { layout: vertical; margin-bottom: 0; }
    CleanupDialog.-narrow #cleanup-controls { max-height: 40%; overflow-y: auto;
        margin-bottom: 1; }
    CleanupDialog.-narrow #cleanup-query { width: 100%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+s", "apply", "Move to trash", priority=True),
        Binding("ctrl+z", "undo", "Undo", priority=True),
    ]

    def __init__(
        self,
        store: SessionStore,
        *,
        query: str = "",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Args:
        store: the store to clean up.
        query: a search query to start from (the scope; a query alone is a policy).
        now: the clock for ages (default: the app's clock).
        """
        super().__init__(classes="dialog")
        self.store = store
        self.initial_query = query
        self._now = now
        self.plan: CleanupPlan | None = None
        self.result: CleanupResult | None = None
        self.restored = False
        self._generation = 0
        self._plan_generation = -1
        self._timer: Timer | None = None
        self._state = "form"

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        settings = self.store.settings
        retention_on = bool(settings.persistence and settings.retention_days)
        retention = (
            f"Past retention ({settings.retention_days:g} days)"
            if retention_on
            else "Past retention (off in this store)"
        )
        tools = [(Text(v), v) for v, _n in self.store.index.facet("source") if v]
        projects = [
            (Text(f"{one_line(short_project(v), 22)}"), v)
            for v, _n in self.store.index.facet("project")
            if v
        ]
        with Vertical(id="cleanup-box"):
            yield Label("Clean up sessions", id="dialog-title")
            with Vertical(id="cleanup-controls"):
                with Horizontal(classes="xrow"):
                    yield Label("Which", classes="xlabel")
                    yield Select(tools, prompt="Any tool", id="cleanup-tool", compact=True)
                    yield Select(projects, prompt="Any project", id="cleanup-project", compact=True)
                    yield Label("matching", classes="xfield")
                    yield Input(
                        value=self.initial_query,
                        placeholder="search query (optional)",
                        id="cleanup-query",
                        compact=True,
                    )
                with Horizontal(classes="xrow xtight"):
                    yield Label("Remove", classes="xlabel")
                    yield Label("older than", classes="xfield")
                    yield Input(placeholder="e.g. 90d", id="cleanup-older", compact=True)
                    yield Label("larger than", classes="xfield")
                    yield Input(placeholder="e.g. 5MB", id="cleanup-larger", compact=True)
                    yield Label("but keep the newest", classes="xfield")
                    yield Input(placeholder="e.g. 20", id="cleanup-keep", compact=True)
                with Horizontal(classes="xrow xtight"):
                    yield Label("", classes="xlabel")
                    yield Checkbox("Empty or no reply", id="cleanup-trivial", compact=True)
                    yield Checkbox("Exact duplicates", id="cleanup-duplicates", compact=True)
                    yield Checkbox(
                        retention, id="cleanup-expired", compact=True, disabled=not retention_on
                    )
                with Horizontal(classes="xrow"):
                    yield Label("", classes="xlabel")
                    yield Checkbox("Any criterion (not all)", id="cleanup-any", compact=True)
                    yield Checkbox(
                        "With their subagents", value=True, id="cleanup-subagents", compact=True
                    )
            yield Static("", id="cleanup-summary", markup=False)
            yield DataTable(id="cleanup-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="dialog-buttons"):
                yield Button("Move to trash (ctrl+s)", id="cleanup-apply", variant="error")
                yield Button("Undo (ctrl+z)", id="cleanup-undo", variant="warning")
                yield Button("Close (esc)", id="cleanup-close")

    def on_resize(self) -> None:
        mark_narrow(self)

    def on_mount(self) -> None:
        table = self.query_one("#cleanup-table", DataTable)
        table.add_columns("Updated", "Tool", "Title", "Size", "Why")
        self.query_one("#cleanup-undo", Button).display = False
        self.query_one("#cleanup-apply", Button).disabled = True
        self._schedule()
        self.query_one("#cleanup-older", Input).focus()

    # -- the policy --------------------------------------------------------------------------

    def now(self) -> datetime:
        clock = self._now or getattr(self.app, "now", None)
        return clock() if clock is not None else datetime.now(UTC)

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _checked(self, widget_id: str) -> bool:
        return self.query_one(f"#{widget_id}", Checkbox).value

    def policy(self) -> tuple[CleanupPolicy | None, list[str]]:
        """The policy the controls describe, or None and what is wrong with them."""
        errors: list[str] = []
        values: dict[str, Any] = {}
        for widget_id, key, parser in (
            ("cleanup-older", "older_than_days", parse_age),
            ("cleanup-larger", "larger_than", parse_size),
            ("cleanup-keep", "keep_newest", _parse_count),
        ):
            text = self._value(widget_id)
            field = self.query_one(f"#{widget_id}", Input)
            try:
                values[key] = parser(text) if text else None
                field.remove_class("-invalid")
            except PolicyError as exc:
                errors.append(str(exc))
                field.add_class("-invalid")
        if errors:
            return None, errors
        tool = self.query_one("#cleanup-tool", Select).value
        project = self.query_one("#cleanup-project", Select).value
        return (
            CleanupPolicy(
                older_than_days=values["older_than_days"],
                keep_newest=values["keep_newest"],
                larger_than=values["larger_than"],
                sources=(tool,) if isinstance(tool, str) else (),
                projects=(project,) if isinstance(project, str) else (),
                query=self._value("cleanup-query") or None,
                trivial=self._checked("cleanup-trivial"),
                duplicates=self._checked("cleanup-duplicates"),
                expired=self._checked("cleanup-expired"),
                match_any=self._checked("cleanup-any"),
                with_subagents=self._checked("cleanup-subagents"),
            ),
            [],
        )

    # -- live preview ------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self._state == "form":
            self._schedule()

    def _schedule(self) -> None:
        self._generation += 1
        self.query_one("#cleanup-apply", Button).disabled = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DEBOUNCE, self._start_preview)

    def _start_preview(self) -> None:
        policy, errors = self.policy()
        summary = self.query_one("#cleanup-summary", Static)
        if policy is None:
            summary.update(Text("\n".join(errors), style="bold red"))
            self._show_plan(None)
            return
        if policy.is_empty:
            summary.update(
                Text(
                    "Choose what to clean up: a tool, project or query, an age, a size, "
                    "empty sessions, duplicates… Nothing is removed until you confirm.",
                    style="dim",
                )
            )
            self._show_plan(None)
            return
        summary.update(Text("Previewing…", style="dim"))
        self._preview(self._generation, policy, int(self.now().timestamp() * 1000))

    @work(thread=True, exclusive=True, group="cleanup-preview", exit_on_error=False)
    def _preview(self, generation: int, policy: CleanupPolicy, now_ms: int) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled or generation != self._generation:
                raise _Stale

        try:
            plan = preview(self.store, policy, now_ms=now_ms, progress=progress)
        except _Stale:
            return
        except Exception as exc:  # an unusable index or query: say so, remove nothing
            self.app.call_from_thread(self._preview_failed, generation, str(exc))
            return
        self.app.call_from_thread(self._previewed, generation, plan, _whole_scope_warning(policy))

    def _preview_failed(self, generation: int, message: str) -> None:
        if generation == self._generation and self.is_attached:
            self.query_one("#cleanup-summary", Static).update(
                Text(f"Cannot preview: {one_line(message, 300)}", style="bold red")
            )
            self._show_plan(None)

    def _previewed(self, generation: int, plan: CleanupPlan, warning: str | None) -> None:
        if generation != self._generation or not self.is_attached:
            return  # the controls changed since; a newer preview is on its way
        self._plan_generation = generation
        self._show_plan(plan)
        self.query_one("#cleanup-summary", Static).update(plan_summary(plan, warning))

    def _show_plan(self, plan: CleanupPlan | None) -> None:
        self.plan = plan
        self.query_one("#cleanup-table", DataTable).clear()
        apply_button = self.query_one("#cleanup-apply", Button)
        apply_button.disabled = plan is None or plan.count == 0
        relabel(
            apply_button,
            f"Move {plan.count:,} to trash (ctrl+s)" if plan and plan.count else "Move to trash",
        )
        if plan is not None:
            self._fill_table(plan.candidates[:SHOWN])

    def _fill_table(self, candidates: list[Candidate]) -> None:
        table = self.query_one("#cleanup-table", DataTable)
        table.clear()
        tz = getattr(self.app, "tz", None)
        for c in candidates:
            when = c.updated.astimezone(tz) if tz else c.updated.astimezone()
            table.add_row(
                Text(when.strftime("%Y-%m-%d")),
                Text(clip(c.source, 12)),
                Text(clip(c.title, 40) or "(untitled)"),
                Text(human_size(c.bytes), justify="right"),
                Text(clip("; ".join(c.reasons), 30), style="dim"),
            )

    # -- apply and undo ----------------------------------------------------------------------

    def action_apply(self) -> None:
        plan = self.plan
        if (
            self._state != "form"
            or plan is None
            or not plan.count
            or self._plan_generation != self._generation
        ):
            return
        n = plan.count
        noun = f"{n:,} session{'s' if n != 1 else ''}"
        body = (
            f"{one_line(plan.policy.describe(), 200)}\n\n"
            f"{human_size(plan.bytes)} will move to the trash. Starred sessions are never "
            "removed; a session saved since this preview is left alone. You can undo on the "
            "next screen, or later with `sessions-tui cleanup --undo`."
        )

        def confirmed(yes: bool | None) -> None:
            if yes and self.plan is plan and self._state == "form":
                self._state = "applying"
                self.query_one("#cleanup-apply", Button).disabled = True
                self.query_one("#cleanup-summary", Static).update(
                    Text(f"Moving {noun} to the trash…", style="bold")
                )
                self._apply(plan)

        self.app.push_screen(
            ConfirmDialog(f"Move {noun} to the trash?", body, yes="Move to trash", danger=True),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="cleanup-apply", exit_on_error=False)
    def _apply(self, plan: CleanupPlan) -> None:
        try:
            result = apply(self.store, plan)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._apply_failed, str(exc))
            return
        self.app.call_from_thread(self._applied, result)

    def _apply_failed(self, message: str) -> None:
        if not self.is_attached:
            return
        self._state = "form"
        self.query_one("#cleanup-summary", Static).update(
            Text(f"Nothing was removed: {one_line(message, 300)}", style="bold red")
        )
        self._schedule()

    def _applied(self, result: CleanupResult) -> None:
        if not self.is_attached:
            return
        self.result = result
        self._state = "done"
        self.add_class("-done")
        self.query_one("#cleanup-apply", Button).display = False
        undo_button = self.query_one("#cleanup-undo", Button)
        undo_button.display = bool(result.removed)
        self.query_one("#cleanup-summary", Static).update(result_text(result))
        if self.plan is not None:
            gone = set(result.removed)
            self._fill_table([c for c in self.plan.candidates if c.id in gone][:SHOWN])
        (undo_button if result.removed else self.query_one("#cleanup-close", Button)).focus()

    def action_undo(self) -> None:
        if self._state != "done" or self.result is None or not self.result.removed:
            return
        self._state = "undoing"
        self.query_one("#cleanup-undo", Button).disabled = True
        self._undo(self.result)

    @work(thread=True, exclusive=True, group="cleanup-apply", exit_on_error=False)
    def _undo(self, result: CleanupResult) -> None:
        try:
            report = undo(self.store, result)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._undo_done, None, str(exc))
            return
        self.app.call_from_thread(self._undo_done, report, None)

    def _undo_done(self, report: Any, error: str | None) -> None:
        if not self.is_attached:
            return
        text = result_text(self.result) if self.result else Text()
        text.append("\n")
        if error is not None:
            self._state = "done"
            self.query_one("#cleanup-undo", Button).disabled = False
            text.append(f"Undo failed: {one_line(error, 300)}", style="bold red")
        else:
            self._state = "undone"
            self.restored = True
            self.query_one("#cleanup-undo", Button).display = False
            n = len(report.restored)
            text.append("↺ ", style="bold green")
            text.append(f"Restored {n:,} session{'s' if n != 1 else ''}.", style="bold")
            if report.conflicts:
                text.append(f" {len(report.conflicts):,} exist again in the store (kept there).")
            if report.missing:
                text.append(f" {len(report.missing):,} were no longer in the trash.")
        self.query_one("#cleanup-summary", Static).update(text)
        self.query_one("#cleanup-close", Button).focus()

    # -- closing --------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cleanup-apply":
            self.action_apply()
        elif event.button.id == "cleanup-undo":
            self.action_undo()
        elif event.button.id == "cleanup-close":
            self.action_close()

    def action_close(self) -> None:
        if self._state in ("applying", "undoing"):
            return  # one journalled step; it finishes in a moment
        if self.result is not None and self.plan is not None and self.result.removed:
            self.dismiss(CleanupOutcome(self.plan, self.result, self.restored))
        else:
            self.dismiss(None)


def _parse_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise PolicyError(f"{text!r} is not a number of sessions") from None
    if value < 0:
        raise PolicyError("keep the newest: a number of sessions, 0 or more")
    return value


def _whole_scope_warning(policy: CleanupPolicy) -> str | None:
    """With no criterion, everything the tool/project/query picks goes: said in words, since
    empty criteria fields (their placeholders greyed) do not read as "anything"."""
    if policy.has_criteria:
        return None
    if policy.keep_newest is not None:
        return (
            f"No criterion is set: every session in scope goes but the newest {policy.keep_newest}."
        )
    return "No criterion is set: every session in scope goes, whatever its age or size."


def plan_summary(plan: CleanupPlan, warning: str | None = None) -> Text:
    """ "Would move 12 sessions (3.4M) to the trash · 2 starred kept · 37 considered"."""
    text = Text()
    if not plan.count:
        text.append("Nothing matches: no session would be removed.", style="bold")
    else:
        text.append(
            f"Would move {plan.count:,} session{'s' if plan.count != 1 else ''} "
            f"({human_size(plan.bytes)}) to the trash",
            style="bold",
        )
        if plan.count > SHOWN:
            text.append(f" (first {SHOWN} listed)")
    text.append(f" · {plan.considered:,} considered", style="dim")
    if plan.protected_starred:
        text.append(f" · {plan.protected_starred:,} starred kept", style="dim")
    if plan.skipped:
        text.append(f" · {len(plan.skipped):,} skipped (not regular files)", style="dim")
    if warning and plan.count:
        text.append(f"\n{warning}", style="bold yellow")
    if plan.note:
        text.append(f"\nNote: {one_line(plan.note, 200)}", style="yellow")
    return text


def result_text(result: CleanupResult) -> Text:
    text = Text()
    n = len(result.removed)
    if n:
        text.append("✓ ", style="bold green")
        text.append(
            f"Moved {n:,} session{'s' if n != 1 else ''} to the trash "
            f"({human_size(result.bytes_freed)}).\n",
            style="bold",
        )
    else:
        text.append("Nothing was moved to the trash.\n", style="bold")
    if result.changed:
        text.append(
            f"Left alone: {len(result.changed):,} changed since the preview "
            "(saved, starred or replaced meanwhile).\n"
        )
    if result.missing:
        text.append(f"Already gone: {len(result.missing):,}.\n", style="dim")
    if n:
        text.append(
            "\nUndo (ctrl+z) puts them back now; later, use `sessions-tui cleanup --undo` "
            "or `sessions-tui trash restore`. `sessions-tui trash empty` frees the space.\n",
            style="dim",
        )
    text.rstrip()
    return text
