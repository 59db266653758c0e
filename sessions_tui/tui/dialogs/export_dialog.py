"""The export dialog: format, scope, layout, destination, redaction, a live preview, progress.

Push ``ExportDialog(store, focused=ID, selected=IDS, query=QUERY)``; it offers as scope each
of those that is given. It dismisses with an `ExportOutcome` once something was written, or
None. The work is done by `sessions_tui.export` in thread workers: the dialog never opens a
file itself, and the core refuses to overwrite unless "Replace existing" is ticked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    Static,
)
from textual.worker import get_current_worker

from ...export import FORMATS, ExportCancelled, ExportError, ExportReport, InvalidPattern
from ...export.exporter import Exporter
from ...export.redact import RedactionOptions
from ...safety import visible_controls
from ...store import SessionStore, StoreError
from ..formatting import human_size, one_line
from .kit import clip, mark_narrow, relabel
from .operations import (
    Preview,
    default_export_dir,
    default_export_name,
    expand,
    export_preview,
    query_scope,
    tilde,
)

#: Seconds of quiet after a change before the preview is redrawn.
PREVIEW_DEBOUNCE = 0.15
#: Seconds between progress updates sent to the screen (an export of 100k sessions would
#: otherwise post 100k messages).
PROGRESS_EVERY = 0.05
FORMAT_ORDER = ("md", "html", "txt", "json", "jsonl")
FORMAT_LABELS = {"md": "Markdown", "html": "HTML", "txt": "Text", "json": "JSON", "jsonl": "JSONL"}
LAYOUTS = (("file", "One file"), ("per-session", "A file per session"), ("zip", "Zip"))


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """What an export wrote: where, how, and the core's report (files, bytes, redactions)."""

    out: Path
    format: str
    layout: str
    ids: tuple[str, ...]
    report: ExportReport


class _Stop(Exception):
    """Raised in a preview worker that a newer one replaced."""


def _friendly(message: str) -> str:
    """The core's refusals name CLI flags; say what to do in the dialog instead."""
    return (
        message.replace("(use --force to overwrite)", "(tick “Replace existing” to overwrite)")
        .replace("(use --per-session to fill it)", "(choose “A file per session” to fill it)")
        .replace("--force", "“Replace existing”")
    )


class ExportDialog(ModalScreen[ExportOutcome | None]):
    """Export the focused session, the selection, or everything the search bar matches."""

    DEFAULT_CSS = """
    ExportDialog #export-box { width: 104; max-width: 96%; height: auto; max-height: 96%;
        border: thick $primary; background: $surface; padding: 0 2 1 2; overflow-y: auto; }
    ExportDialog #export-form { height: auto; }
    ExportDialog .xrow { height: auto; }
    ExportDialog .xgap { margin-bottom: 1; }
    ExportDialog .xlabel { width: 10; color: $text-muted; padding: 0 1 0 0; }
    ExportDialog RadioSet { width: 1fr; layout: horizontal; background: transparent; }
    ExportDialog RadioSet > RadioButton { width: auto; margin-right: 2; }
    ExportDialog #export-scope { layout: vertical; }
    ExportDialog Checkbox { margin-right: 2; background: transparent; }
    ExportDialog #export-path { width: 1fr; background: $panel; }
    ExportDialog #export-path:focus { background: $primary 20%; }
    ExportDialog #export-path-note { width: 1fr; height: auto; color: $text-muted; }
    ExportDialog #export-path-note.-error { color: $error; }
    ExportDialog #export-preview-title { color: $text-muted; text-wrap: nowrap;
        text-overflow: ellipsis; }
    ExportDialog #export-preview-scroll { height: 10; background: $panel; padding: 0 1;
        margin-bottom: 1; }
    ExportDialog #export-preview-scroll:focus { background: $primary 10%; }
    ExportDialog #export-preview { width: auto; color: $text; text-wrap: nowrap; }
    ExportDialog #export-progress, ExportDialog #export-result { height: auto; display: none;
        margin: 1 0; }
    ExportDialog.-running #export-progress { display: block; }
    ExportDialog.-running #export-form, ExportDialog.-done #export-form { display: none; }
    ExportDialog.-done #export-result { display: block; }
    ExportDialog #export-progress ProgressBar { margin-top: 1; }
    ExportDialog #export-result-text { height: auto; }
    /* Narrower than its rows of options (80 columns): one option a line, scrolling. */
    ExportDialog.-narrow .xrow { layout: vertical; }
    ExportDialog.-narrow RadioSet { layout: vertical; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel / close"),
        Binding("ctrl+s", "export", "Export", priority=True),
    ]

    def __init__(
        self,
        store: SessionStore,
        *,
        focused: str | None = None,
        selected: Sequence[str] = (),
        query: str | None = None,
        directory: Path | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """Args:
        store: where the sessions are read from.
        focused: the session under the cursor (or open in the transcript).
        selected: the multi-selection, in list order.
        query: the search bar's text; offers "everything matching" (an empty string: all).
        directory: where to save by default (else ~/Downloads, else the working directory).
        now: the clock used for dated file names and relative date filters (default: the
            app's clock).
        """
        super().__init__(classes="dialog")
        self.store = store
        self.focused_id = focused
        self.selected_ids = list(dict.fromkeys(selected))
        self.query_text = query
        self.directory = directory
        self._now = now
        self.scopes: list[str] = []
        if self.selected_ids and self.selected_ids != [focused]:
            self.scopes.append("selected")
        if focused:
            self.scopes.append("focused")
        if query is not None:
            self.scopes.append("query")
        self._query_ids: list[str] | None = None
        self._query_note: str | None = None
        self._auto_paths: set[str] = set()
        self._path_edited = False
        self._settings_patterns: list[str] = []
        self._preview_timer: Timer | None = None
        self._generation = 0
        self._cancel = threading.Event()
        self._outcome: ExportOutcome | None = None
        self._state = "form"

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="export-box"):
            yield Label("Export sessions", id="dialog-title")
            with Vertical(id="export-form"):
                with Horizontal(classes="xrow xgap"):
                    yield Label("Format", classes="xlabel")
                    with RadioSet(id="export-format", compact=True):
                        for i, name in enumerate(FORMAT_ORDER):
                            yield RadioButton(FORMAT_LABELS[name], value=i == 0, id=f"fmt-{name}")
                with Horizontal(classes="xrow xgap"):
                    yield Label("Sessions", classes="xlabel")
                    with RadioSet(id="export-scope", compact=True):
                        for i, scope in enumerate(self.scopes):
                            yield RadioButton(self._scope_label(scope), value=i == 0, id=scope)
                with Horizontal(classes="xrow xgap"):
                    yield Label("Write", classes="xlabel")
                    with RadioSet(id="export-layout", compact=True):
                        for i, (layout, label) in enumerate(LAYOUTS):
                            yield RadioButton(label, value=i == 0, id=f"layout-{layout}")
                    yield Checkbox("Abandoned branches", id="export-branches", compact=True)
                with Horizontal(classes="xrow"):
                    yield Label("Save to", classes="xlabel")
                    yield Input(id="export-path", compact=True)
                with Horizontal(classes="xrow xgap"):
                    yield Label("", classes="xlabel")
                    yield Static("", id="export-path-note", markup=False)
                    yield Checkbox("Replace existing", id="export-force", compact=True)
                with Horizontal(classes="xrow xgap"):
                    yield Label("Redact", classes="xlabel")
                    yield Checkbox("Secrets", value=True, id="redact-secrets", compact=True)
                    yield Checkbox("Emails", id="redact-emails", compact=True)
                    yield Checkbox("Home paths", id="redact-paths", compact=True)
                    yield Checkbox("Random-looking tokens", id="redact-entropy", compact=True)
                yield Static("Preview", id="export-preview-title", markup=False)
                with VerticalScroll(id="export-preview-scroll"):
                    yield Static("", id="export-preview", markup=False)
            with Vertical(id="export-progress"):
                yield Static("", id="export-progress-label", markup=False)
                yield ProgressBar(id="export-bar", show_eta=False)
            with Vertical(id="export-result"):
                yield Static("", id="export-result-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Export (ctrl+s)", id="export-run", variant="primary")
                yield Button("Copy path", id="export-copy")
                yield Button("Cancel (esc)", id="export-close")

    def on_resize(self) -> None:
        mark_narrow(self)

    def on_mount(self) -> None:
        try:
            from ...config import load_settings

            self._settings_patterns = list(load_settings().redact_patterns)
        except Exception as exc:  # a bad settings file must not stop an export
            self.notify(f"Settings not loaded: {one_line(str(exc), 200)}", severity="warning")
        self.query_one("#export-copy", Button).display = False
        if not self.scopes:
            self._show_note("Nothing to export: no session is focused or selected.", error=True)
        if "query" in self.scopes:
            self._resolve_query()
        self._set_default_path()
        self._schedule_preview()
        self.query_one("#export-format", RadioSet).focus()

    # -- current choices -------------------------------------------------------------------

    def now(self) -> datetime:
        clock = self._now or getattr(self.app, "now", None)
        return clock() if clock is not None else datetime.now(UTC)

    @property
    def fmt_name(self) -> str:
        pressed = self.query_one("#export-format", RadioSet).pressed_button
        return pressed.id.removeprefix("fmt-") if pressed and pressed.id else "md"

    @property
    def scope(self) -> str | None:
        pressed = self.query_one("#export-scope", RadioSet).pressed_button
        return pressed.id if pressed else None

    @property
    def layout_choice(self) -> str:
        pressed = self.query_one("#export-layout", RadioSet).pressed_button
        return pressed.id.removeprefix("layout-") if pressed and pressed.id else "file"

    def ids(self) -> list[str] | None:
        """The sessions of the chosen scope (None while the query is still being resolved)."""
        scope = self.scope
        if scope == "focused":
            return [self.focused_id] if self.focused_id else []
        if scope == "selected":
            return list(self.selected_ids)
        if scope == "query":
            return self._query_ids
        return []

    def redaction(self) -> RedactionOptions | None:
        def on(name: str) -> bool:
            return self.query_one(f"#redact-{name}", Checkbox).value

        secrets, emails, paths, entropy = on("secrets"), on("emails"), on("paths"), on("entropy")
        if not (secrets or emails or paths or entropy):
            return None
        return RedactionOptions(
            secrets=secrets,
            emails=emails,
            home_paths=paths,
            entropy=entropy,
            patterns=tuple(self._settings_patterns),
        )

    def out_path(self) -> Path | None:
        text = self.query_one("#export-path", Input).value.strip()
        return expand(text) if text else None

    # -- labels ------------------------------------------------------------------------------

    def _scope_label(self, scope: str) -> Text:
        if scope == "focused":
            summary = self.store.summary(self.focused_id) if self.focused_id else None
            title = clip(summary.title, 48) if summary else (self.focused_id or "")
            return Text.assemble("This session: ", (title or "(untitled)", "italic"))
        if scope == "selected":
            n = len(self.selected_ids)
            return Text(f"{n:,} selected session{'s' if n != 1 else ''}")
        if not (self.query_text or "").strip():
            label = "Every session"
        else:
            label = f"All matching {clip(self.query_text, 48)}"
        if self._query_ids is None:
            return Text(f"{label} (counting…)")
        n = len(self._query_ids)
        return Text(f"{label} ({n:,} session{'s' if n != 1 else ''})")

    def _single_title(self) -> str | None:
        ids = self.ids()
        if ids and len(ids) == 1:
            summary = self.store.summary(ids[0])
            return summary.title if summary and summary.title else ids[0]
        return None

    def _set_default_path(self) -> None:
        """Fill the path with a sensible name until the user types their own."""
        field = self.query_one("#export-path", Input)
        if self._path_edited:
            current = self.out_path()
            fmt = FORMATS[self.fmt_name]
            if current is not None and self.layout_choice == "file" and current.suffix:
                known = {f".{f.extension}" for f in FORMATS.values()}
                if current.suffix.lower() in known:
                    field.value = tilde(current.with_suffix(f".{fmt.extension}"))
                    self._auto_paths.add(field.value)
            return
        folder = self.directory or default_export_dir()
        name = default_export_name(
            FORMATS[self.fmt_name], self.layout_choice, self.now(), self._single_title()
        )
        field.value = tilde(folder / name)
        self._auto_paths.add(field.value)

    def _show_note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one("#export-path-note", Static)
        note.update(Text(visible_controls(text)))
        note.set_class(error, "-error")

    # -- reacting to changes ---------------------------------------------------------------------

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        fmt = FORMATS[self.fmt_name]
        # Shares are redacted by default, lossless backups are not (as on the command line).
        self.query_one("#redact-secrets", Checkbox).value = fmt.redact_by_default
        self._set_default_path()
        self._schedule_preview()

    @on(RadioSet.Changed, "#export-scope")
    @on(RadioSet.Changed, "#export-layout")
    def _scope_or_layout_changed(self) -> None:
        self._set_default_path()
        self._schedule_preview()

    @on(Checkbox.Changed)
    def _checkbox_changed(self) -> None:
        self._schedule_preview()

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        if event.value not in self._auto_paths:
            self._path_edited = True
        self._schedule_preview()

    @on(Input.Submitted, "#export-path")
    def _path_submitted(self) -> None:
        self.action_export()

    def _schedule_preview(self) -> None:
        self._generation += 1
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DEBOUNCE, self._start_preview)

    def _start_preview(self) -> None:
        ids = self.ids()
        if ids is None:
            self.query_one("#export-preview", Static).update(Text("Counting sessions…"))
            return
        self._preview(
            self._generation,
            ids,
            self.fmt_name,
            self.redaction(),
            self.query_one("#export-branches", Checkbox).value,
            self.out_path(),
            self.layout_choice,
            self.query_one("#export-force", Checkbox).value,
        )

    @work(thread=True, exclusive=True, group="export-preview", exit_on_error=False)
    def _preview(
        self,
        generation: int,
        ids: list[str],
        fmt_name: str,
        redaction: RedactionOptions | None,
        alternates: bool,
        out: Path | None,
        layout: str,
        force: bool,
    ) -> None:
        """Check the destination with the exporter's own rules, and render the first session."""
        fmt = FORMATS[fmt_name]
        problem = None
        if out is None:
            problem = "Choose where to save the export."
        else:
            try:
                Exporter(self.store, ids, fmt, out, layout=layout, force=force).check()  # type: ignore[arg-type]
            except ExportError as exc:
                problem = _friendly(str(exc))
        preview: Preview | None = None
        failure = None
        if ids:
            try:
                preview = export_preview(
                    self.store, ids[0], fmt, redaction, include_alternates=alternates
                )
            except (StoreError, InvalidPattern) as exc:
                failure = str(exc)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_preview, generation, preview, problem, failure)

    def _show_preview(
        self, generation: int, preview: Preview | None, problem: str | None, failure: str | None
    ) -> None:
        if generation != self._generation or not self.is_attached:
            return  # the user changed something since: a newer preview is on its way
        ids = self.ids() or []
        if problem:
            self._show_note(problem, error=True)
        elif self._query_note and self.scope == "query":
            self._show_note(f"Note: {self._query_note}")
        else:
            fmt = FORMATS[self.fmt_name]
            where = (
                "a folder"
                if self.layout_choice == "per-session"
                else "a zip"
                if self.layout_choice == "zip"
                else "one file"
            )
            self._show_note(
                f"{len(ids):,} session{'s' if len(ids) != 1 else ''} as {fmt.label}, in {where}."
            )
        title = self.query_one("#export-preview-title", Static)
        body = self.query_one("#export-preview", Static)
        if failure:
            title.update(Text("Preview"))
            body.update(Text(f"Cannot preview: {one_line(failure, 300)}", style="bold red"))
            return
        if preview is None:
            title.update(Text("Preview"))
            body.update(Text("No session to preview.", style="dim"))
            return
        head = Text.assemble(
            "Preview of ",
            (clip(preview.title, 40) or preview.session_id, "bold"),
            " · ",
            no_wrap=True,
            overflow="ellipsis",
        )
        if self.redaction() is None:
            head.append("not redacted", style="bold yellow")
        else:
            head.append(preview.redactions.summary())
        title.update(head)
        text = Text(no_wrap=True)
        for i, line in enumerate(preview.lines):
            if i:
                text.append("\n")
            text.append(visible_controls(line))
        if preview.truncated:
            text.append("\n…", style="dim")
        body.update(text)

    @work(thread=True, exclusive=True, group="export-scope", exit_on_error=False)
    def _resolve_query(self) -> None:
        try:
            scope = query_scope(self.store, self.query_text or "", self.now())
            ids, note = scope.ids, scope.note
        except Exception as exc:  # an unusable index or query: say so, export nothing
            ids, note = [], f"the query could not be run: {one_line(str(exc), 200)}"
        self.app.call_from_thread(self._query_resolved, ids, note)

    def _query_resolved(self, ids: list[str], note: str | None) -> None:
        if not self.is_attached:
            return
        self._query_ids = ids
        self._query_note = note
        button = self.query_one("#query", RadioButton)
        relabel(button, self._scope_label("query"))
        self._set_default_path()
        self._schedule_preview()

    # -- running ----------------------------------------------------------------------------

    def action_export(self) -> None:
        if self._state != "form":
            return
        ids = self.ids()
        out = self.out_path()
        if ids is None:
            self._show_note("Still counting the matching sessions; try again in a moment.")
            return
        if not ids:
            self._show_note("Nothing to export: no session in this scope.", error=True)
            return
        if out is None:
            self._show_note("Choose where to save the export.", error=True)
            return
        self._state = "running"
        self._cancel.clear()
        self.add_class("-running")
        self.query_one("#export-run", Button).display = False
        relabel(self.query_one("#export-close", Button), "Stop (esc)")
        bar = self.query_one("#export-bar", ProgressBar)
        bar.update(total=len(ids), progress=0)
        self.query_one("#export-progress-label", Static).update(
            Text(f"Exporting {len(ids):,} session{'s' if len(ids) != 1 else ''} to {tilde(out)}…")
        )
        self._run(
            ids,
            self.fmt_name,
            out,
            self.layout_choice,
            self.redaction(),
            self.query_one("#export-force", Checkbox).value,
            self.query_one("#export-branches", Checkbox).value,
        )

    @work(thread=True, exclusive=True, group="export-run", exit_on_error=False)
    def _run(
        self,
        ids: list[str],
        fmt_name: str,
        out: Path,
        layout: str,
        redaction: RedactionOptions | None,
        force: bool,
        alternates: bool,
    ) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if done == total or now - last >= PROGRESS_EVERY:
                last = now
                self.app.call_from_thread(self._progress, done, total)

        exporter = Exporter(
            self.store,
            ids,
            FORMATS[fmt_name],
            out,
            layout=layout,  # type: ignore[arg-type]
            redaction=redaction,
            force=force,
            include_alternates=alternates,
            progress=progress,
            cancel=self._cancel,
        )
        try:
            report = exporter.run()
        except ExportCancelled:
            self.app.call_from_thread(self._stopped, "Export cancelled; nothing was written.")
            return
        except (ExportError, InvalidPattern) as exc:
            self.app.call_from_thread(self._failed, _friendly(str(exc)))
            return
        except OSError as exc:
            self.app.call_from_thread(self._failed, f"{exc.filename or out}: {exc.strerror or exc}")
            return
        except Exception as exc:  # never a traceback in the user's face
            self.app.call_from_thread(self._failed, f"export failed: {exc!r}")
            return
        outcome = ExportOutcome(out, fmt_name, layout, tuple(ids), report)
        self.app.call_from_thread(self._finished, outcome)

    def _progress(self, done: int, total: int) -> None:
        if not self.is_attached:
            return
        self.query_one("#export-bar", ProgressBar).update(total=total, progress=done)
        if self._cancel.is_set():
            return
        self.query_one("#export-progress-label", Static).update(
            Text(f"Exporting… {done:,} of {total:,} sessions")
        )

    def _back_to_form(self) -> None:
        self._state = "form"
        self.remove_class("-running", "-done")
        self.query_one("#export-run", Button).display = True
        relabel(self.query_one("#export-close", Button), "Cancel (esc)")

    def _failed(self, message: str) -> None:
        if not self.is_attached:
            return
        self._back_to_form()
        self._show_note(message, error=True)
        self.query_one("#export-path", Input).focus()

    def _stopped(self, message: str) -> None:
        if not self.is_attached:
            return
        self._back_to_form()
        self._show_note(message, error=True)

    def _finished(self, outcome: ExportOutcome) -> None:
        if not self.is_attached:
            return
        self._outcome = outcome
        self._state = "done"
        self.remove_class("-running")
        self.add_class("-done")
        report = outcome.report
        fmt = FORMATS[outcome.format]
        text = Text()
        n = report.sessions
        text.append("✓ ", style="bold green")
        text.append(
            f"Exported {n:,} session{'s' if n != 1 else ''} as {fmt.label} "
            f"({human_size(report.bytes)})\n",
            style="bold",
        )
        if outcome.layout == "per-session":
            text.append(f"  {len(report.files):,} files in {tilde(outcome.out)}\n")
            for path in report.files[:5]:
                text.append(f"    {visible_controls(path.name)}\n", style="dim")
            if len(report.files) > 5:
                text.append(f"    … and {len(report.files) - 5:,} more\n", style="dim")
        else:
            text.append(f"  {visible_controls(tilde(outcome.out))}\n")
        if report.redacted:
            summary = report.redactions.summary()
            where = report.redactions.sessions
            text.append("\nRedaction: ", style="bold")
            text.append(summary)
            if where:
                text.append(f" (in {where:,} session{'s' if where != 1 else ''})")
            text.append("\n")
        else:
            text.append("\nRedaction: off", style="bold yellow")
            text.append(" (the files hold the sessions as stored)\n")
        if report.skipped:
            text.append(f"\nSkipped {len(report.skipped):,} unreadable:\n", style="bold red")
            for sid, reason in report.skipped[:5]:
                text.append(f"  {one_line(sid, 60)}: {one_line(reason, 120)}\n")
        self.query_one("#export-result-text", Static).update(text)
        self.query_one("#export-copy", Button).display = True
        close = self.query_one("#export-close", Button)
        relabel(close, "Close (esc)")
        close.focus()

    # -- closing --------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-run":
            self.action_export()
        elif event.button.id == "export-copy" and self._outcome is not None:
            self.app.copy_to_clipboard(str(self._outcome.out))
            self.notify("Path copied to the clipboard", timeout=2)
        elif event.button.id == "export-close":
            self.action_close()

    def action_close(self) -> None:
        if self._state == "running":
            self._cancel.set()  # the worker stops at the next session and removes its files
            self.query_one("#export-progress-label", Static).update(Text("Stopping…"))
            return
        self.dismiss(self._outcome)
