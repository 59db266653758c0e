"""The import dialog: ``import --auto`` with a choice of sources, plus any other path.

Push ``ImportDialog(store)``. It lists every tool's default location found on this machine
with its transcripts counted and sized (and how many changed since the last import), lets the
user untick some and add a file, folder or export zip, runs the import in a thread worker with
progress (Esc stops it; what was read so far is kept), and shows the summary: new, updated,
unchanged, failed with reasons. It dismisses with an `ImportOutcome` once an import ran, or
None. All reading is done by `sessions_tui.importers`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    ProgressBar,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from ...importers.base import all_importers
from ...importers.runner import ImportSummary
from ...safety import visible_controls
from ...store import SessionStore
from ..formatting import human_size, one_line
from .kit import mark_narrow, relabel
from .operations import (
    DetectedSource,
    ImportCancelled,
    detect_sources,
    expand,
    import_sources,
    tilde,
)

#: Seconds between progress updates sent to the screen.
PROGRESS_EVERY = 0.05
#: Failures and bad lines listed before "… and N more".
LIST_LIMIT = 12


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import did (the runner's summary: counts, ids, failures)."""

    summary: ImportSummary

    @property
    def changed_ids(self) -> list[str]:
        return [*self.summary.new_ids, *self.summary.updated_ids]


def summary_text(summary: ImportSummary) -> Text:
    """The summary as the dialog shows it (every path and reason made safe to display)."""
    text = Text()
    ok = not summary.failures and not summary.busy
    text.append("✓ " if ok else "✗ ", style="bold green" if ok else "bold red")
    text.append(
        f"{summary.new:,} new · {summary.updated:,} updated · "
        f"{summary.unchanged:,} unchanged · {summary.failed:,} failed",
        style="bold",
    )
    if summary.kept_deleted:
        text.append(f" · {summary.kept_deleted:,} kept deleted", style="bold")
    text.append("\n")
    files = (
        f"Files: {summary.files_parsed:,} read ({human_size(summary.bytes_parsed)}), "
        f"{summary.files_unchanged:,} unchanged since the last import"
    )
    if summary.files_not_transcripts:
        files += f", {summary.files_not_transcripts:,} not transcripts"
    if summary.files_empty:
        files += f", {summary.files_empty:,} without sessions"
    text.append(files + "\n", style="dim")
    if summary.by_source:
        by = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.by_source.items()))
        text.append(f"Sessions read by tool: {visible_controls(by)}\n", style="dim")
    if summary.interrupted:
        text.append(
            "Stopped: what was read so far is saved; import again to continue.\n",
            style="bold yellow",
        )
    if summary.failures:
        text.append(f"\nFailed ({len(summary.failures):,}):\n", style="bold red")
        for failure in summary.failures[:LIST_LIMIT]:
            text.append(f"  {one_line(tilde(failure.path), 90)}", style="red")
            text.append(f": {one_line(failure.reason, 160)}\n")
        if len(summary.failures) > LIST_LIMIT:
            text.append(f"  … and {len(summary.failures) - LIST_LIMIT:,} more\n", style="dim")
    if summary.bad_lines:
        n = len(summary.bad_lines)
        text.append(
            f"\nUnreadable lines ({n:,}; the rest of each file was imported):\n", style="bold"
        )
        for where, reason in summary.bad_lines[:LIST_LIMIT]:
            text.append(f"  {one_line(tilde(where), 90)}: {one_line(reason, 140)}\n", style="dim")
        if n > LIST_LIMIT:
            text.append(f"  … and {n - LIST_LIMIT:,} more\n", style="dim")
    if summary.kept_deleted:
        text.append(
            "\nSessions you deleted were not brought back "
            "(tick “Bring back sessions I deleted” to restore them).\n",
            style="dim",
        )
    return text


class ImportDialog(ModalScreen[ImportOutcome | None]):
    """Import from the tools' default locations (chosen) and from any other path."""

    DEFAULT_CSS = """
    ImportDialog #import-box { width: 104; max-width: 96%; height: auto; max-height: 96%;
        border: thick $primary; background: $surface; padding: 0 2 1 2; overflow-y: auto; }
    ImportDialog #import-form { height: auto; }
    ImportDialog .xrow { height: auto; margin-bottom: 1; }
    ImportDialog.-narrow .xrow { layout: vertical; }
    ImportDialog .xlabel { width: 14; color: $text-muted; padding: 0 1 0 0; }
    ImportDialog #import-sources-title { color: $text-muted; }
    ImportDialog #import-sources { height: auto; max-height: 12; margin-bottom: 1; }
    ImportDialog #import-path { width: 1fr; background: $panel; }
    ImportDialog #import-path:focus { background: $primary 20%; }
    ImportDialog Checkbox { margin-right: 2; background: transparent; }
    ImportDialog #import-note { color: $text-muted; height: auto; }
    ImportDialog #import-progress { height: auto; display: none; margin: 1 0; }
    ImportDialog #import-progress ProgressBar { margin-top: 1; }
    ImportDialog #import-result { height: auto; max-height: 22; display: none; margin: 1 0; }
    ImportDialog.-running #import-progress { display: block; }
    ImportDialog.-running #import-form, ImportDialog.-done #import-form { display: none; }
    ImportDialog.-done #import-result { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel / close"),
        Binding("ctrl+s", "run_import", "Import", priority=True),
    ]

    def __init__(self, store: SessionStore, *, path: str = "") -> None:
        """Args:
        store: where sessions are imported to.
        path: a file, folder or zip to prefill the "also import" field with.
        """
        super().__init__(classes="dialog")
        self.store = store
        self.initial_path = path
        self.sources: list[DetectedSource] | None = None
        self._cancel = threading.Event()
        self._state = "form"
        self._outcome: ImportOutcome | None = None

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="import-box"):
            yield Label("Import sessions", id="dialog-title")
            with Vertical(id="import-form"):
                yield Static("Looking for the tools' session folders…", id="import-sources-title")
                yield SelectionList[int](id="import-sources")
                with Horizontal(classes="xrow"):
                    yield Label("Also import", classes="xlabel")
                    yield Input(
                        value=self.initial_path,
                        placeholder="a file, folder or export zip (e.g. ~/Downloads/export.zip)",
                        id="import-path",
                        compact=True,
                    )
                with Horizontal(classes="xrow"):
                    yield Label("Options", classes="xlabel")
                    yield Checkbox("Re-read unchanged files", id="import-force", compact=True)
                    yield Checkbox(
                        "Bring back sessions I deleted", id="import-restore", compact=True
                    )
                yield Static("", id="import-note", markup=False)
            with Vertical(id="import-progress"):
                yield Static("", id="import-progress-label", markup=False)
                yield ProgressBar(id="import-bar", show_eta=False)
            with VerticalScroll(id="import-result"):
                yield Static("", id="import-result-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Import (ctrl+s)", id="import-run", variant="primary")
                yield Button("Cancel (esc)", id="import-close")

    def on_resize(self) -> None:
        mark_narrow(self)

    def on_mount(self) -> None:
        self.query_one("#import-sources", SelectionList).display = False
        self.query_one("#import-run", Button).disabled = True
        self._detect()

    # -- detection ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="import-detect", exit_on_error=False)
    def _detect(self) -> None:
        try:
            sources = detect_sources(self.store)
            error = None
        except Exception as exc:  # the path field still works without detection
            sources, error = [], f"Could not look in the tools' folders: {one_line(str(exc), 200)}"
        self.app.call_from_thread(self._detected, sources, error)

    def _detected(self, sources: list[DetectedSource], error: str | None) -> None:
        if not self.is_attached:
            return
        self.sources = sources
        title = self.query_one("#import-sources-title", Static)
        listing = self.query_one("#import-sources", SelectionList)
        self.query_one("#import-run", Button).disabled = False
        total = sum(s.files for s in sources)
        if error:
            title.update(Text(error, style="red"))
        elif not total:
            looked = []
            for importer in all_importers().values():
                try:
                    looked += [tilde(p) for p in importer.default_locations()]
                except Exception:
                    continue
            title.update(
                Text(
                    "No transcripts found in the tools' usual places ("
                    + ", ".join(visible_controls(p) for p in dict.fromkeys(looked))
                    + "). Name a file, folder or export zip below.",
                    style="dim",
                )
            )
            self.query_one("#import-path", Input).focus()
            return
        else:
            title.update(
                Text(
                    f"Found on this machine: {total:,} transcript file{'s' if total != 1 else ''}"
                    " (space ticks, ctrl+s imports)"
                )
            )
        width = max((len(s.label) for s in sources), default=10) + 2
        where = min(max((len(tilde(s.location)) for s in sources), default=10) + 2, 40)
        # Folders with transcripts first (in the tools' order), empty ones after.
        order = sorted(range(len(sources)), key=lambda i: sources[i].files == 0)
        for index in order:
            source = sources[index]
            listing.add_option(
                Selection(self._source_prompt(source, width, where), index, source.files > 0)
            )
        listing.display = True
        listing.highlighted = 0
        listing.focus()

    @staticmethod
    def _source_prompt(source: DetectedSource, width: int, where: int) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(source.label.ljust(width), style="bold")
        text.append(one_line(tilde(source.location), where - 2).ljust(where))
        if not source.files:
            text.append("no transcripts", style="dim")
            return text
        text.append(f"{source.files:>7,} file{'s' if source.files != 1 else ' '}")
        text.append(f"{human_size(source.bytes):>8}  ")
        if source.changed:
            text.append(f"{source.changed:,} new/changed", style="bold")
        else:
            text.append("up to date", style="dim")
        return text

    # -- running -----------------------------------------------------------------------------

    def chosen(self) -> list[DetectedSource]:
        if not self.sources:
            return []
        picked = set(self.query_one("#import-sources", SelectionList).selected)
        return [s for i, s in enumerate(self.sources) if i in picked]

    @on(Input.Submitted, "#import-path")
    def _path_submitted(self) -> None:
        self.action_run_import()

    def action_run_import(self) -> None:
        if self._state == "done":
            self._back_to_form()
            return
        if self._state != "form" or self.sources is None:
            return
        sources = self.chosen()
        text = self.query_one("#import-path", Input).value.strip()
        paths = [expand(text)] if text else []
        if not sources and not paths:
            self.query_one("#import-note", Static).update(
                Text("Tick a source or name a file, folder or zip to import.", style="red")
            )
            return
        self._state = "running"
        self._cancel.clear()
        self.add_class("-running")
        self.query_one("#import-run", Button).display = False
        relabel(self.query_one("#import-close", Button), "Stop (esc)")
        names = [s.label for s in sources] + [tilde(p) for p in paths]
        self.query_one("#import-progress-label", Static).update(
            Text("Importing from " + one_line(", ".join(names), 200) + "…")
        )
        self.query_one("#import-bar", ProgressBar).update(total=None, progress=0)
        self._run(
            sources,
            paths,
            self.query_one("#import-force", Checkbox).value,
            self.query_one("#import-restore", Checkbox).value,
        )

    @work(thread=True, exclusive=True, group="import-run", exit_on_error=False)
    def _run(self, sources: list[DetectedSource], paths: list, force: bool, restore: bool) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            # The runner takes an interrupt between files: it saves what it read, then stops.
            if self._cancel.is_set() and done:
                raise ImportCancelled
            now = time.monotonic()
            if done in (0, total) or now - last >= PROGRESS_EVERY:
                last = now
                self.app.call_from_thread(self._progress, done, total)

        try:
            summary = import_sources(
                self.store,
                sources,
                paths,
                progress=progress,
                force=force,
                restore_deleted=restore,
            )
        except Exception as exc:  # never a traceback: report it as a failed import
            from ...importers.runner import Failure

            summary = ImportSummary()
            summary.failures.append(Failure(str(self.store.root), f"import failed: {exc!r}"))
        self.app.call_from_thread(self._finished, summary)

    def _progress(self, done: int, total: int) -> None:
        if not self.is_attached:
            return
        self.query_one("#import-bar", ProgressBar).update(total=max(total, 1), progress=done)
        if not self._cancel.is_set():
            self.query_one("#import-progress-label", Static).update(
                Text(f"Reading… {human_size(done)} of {human_size(total)}")
            )

    def _finished(self, summary: ImportSummary) -> None:
        if not self.is_attached:
            return
        self._outcome = ImportOutcome(summary)
        self._state = "done"
        self.remove_class("-running")
        self.add_class("-done")
        self.query_one("#import-result-text", Static).update(summary_text(summary))
        close = self.query_one("#import-close", Button)
        relabel(close, "Close (esc)")
        again = self.query_one("#import-run", Button)
        relabel(again, "Import again (ctrl+s)")  # a mistyped path is fixed, not retyped
        again.display = True
        (again if summary.failures else close).focus()

    def _back_to_form(self) -> None:
        """The form as it was (sources ticked, path typed), for another import."""
        self._state = "form"
        self.remove_class("-done")
        relabel(self.query_one("#import-run", Button), "Import (ctrl+s)")
        # Esc now closes with the first import's result: it is no cancel any more.
        relabel(self.query_one("#import-close", Button), "Close (esc)")
        self.query_one("#import-note", Static).update("")
        self.query_one("#import-path", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-run":
            self.action_run_import()
        elif event.button.id == "import-close":
            self.action_close()

    def action_close(self) -> None:
        if self._state == "running":
            self._cancel.set()
            self.query_one("#import-progress-label", Static).update(
                Text("Stopping after the current file…")
            )
            return
        self.dismiss(self._outcome)
