"""The trash: what was deleted (by hand or by a cleanup), restored or emptied from the TUI.

Push ``TrashDialog(store, now=..., tz=...)``. It lists the newest `SHOWN` trash entries with
their title, tool, size and when they were deleted; space marks entries, `r` restores the
marked ones (or the highlighted one), `x` empties the whole trash after a confirmation. Restore
is byte-identical (`SessionStore.restore`). The dialog dismisses with True if it restored
anything, so the main screen lists those sessions again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from ...store import SessionStore, StoreError, TrashEntry
from ..formatting import human_size, one_line, relative_time
from .confirm import ConfirmDialog
from .kit import clip

#: Entries listed (newest first); restore-all and empty cover the whole trash.
SHOWN = 1000


class TrashDialog(ModalScreen[bool]):
    """List, restore and empty the trash."""

    DEFAULT_CSS = """
    TrashDialog #trash-box { width: 110; max-width: 96%; height: 30; max-height: 96%;
        border: thick $primary; background: $surface; padding: 0 2 1 2; }
    TrashDialog #trash-list { height: 1fr; border: none; background: $surface; }
    TrashDialog #trash-status { height: auto; color: $text-muted; margin: 1 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("r", "restore", "Restore"),
        Binding("A", "restore_all", "Restore all"),
        Binding("x", "empty", "Empty trash"),
    ]

    def __init__(
        self,
        store: SessionStore,
        *,
        now: Callable[[], datetime],
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.store = store
        self.now = now
        self.tz = tz
        self.entries: list[TrashEntry] = []
        self.restored_any = False

    def compose(self) -> ComposeResult:
        yield Footer()  # the keys this dialog answers to
        with Vertical(id="trash-box"):
            yield Label("Trash", id="dialog-title")
            yield Static("Reading the trash…", id="trash-summary", markup=False)
            yield SelectionList[str](id="trash-list")
            yield Static(
                "Space marks sessions; r restores the marked ones (or the highlighted one)",
                id="trash-status",
                markup=False,  # carries error texts with paths
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Restore (r)", id="trash-restore", variant="primary")
                yield Button("Restore all (A)", id="trash-restore-all")
                yield Button("Empty trash… (x)", id="trash-empty", variant="error")
                yield Button("Close (esc)", id="trash-close")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()
        self._load()

    # -- reading -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="trash", exit_on_error=False)
    def _load(self) -> None:
        try:
            entries = self.store.trash(details=True)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._status, f"Cannot read the trash: {one_line(str(exc))}")
            return
        self.app.call_from_thread(self._fill, entries)

    def _fill(self, entries: list[TrashEntry]) -> None:
        self.entries = entries
        listing = self.query_one(SelectionList)
        listing.clear_options()
        now = self.now()
        listing.add_options(
            Selection(self._label(entry, now), entry.name) for entry in entries[:SHOWN]
        )
        if entries:
            listing.highlighted = 0
        total = sum(e.bytes for e in entries)
        if not entries:
            summary = "The trash is empty. Deleted sessions wait here until it is emptied."
        else:
            summary = (
                f"{len(entries):,} session{'s' if len(entries) != 1 else ''} "
                f"({human_size(total)}), newest deletion first"
            )
            if len(entries) > SHOWN:
                summary += f"; the newest {SHOWN:,} are listed, restore all covers every one"
        self.query_one("#trash-summary", Static).update(summary)
        for button in ("#trash-restore", "#trash-restore-all", "#trash-empty"):
            self.query_one(button, Button).disabled = not entries

    def _label(self, entry: TrashEntry, now: datetime) -> Text:
        when = relative_time(entry.deleted, now)
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append(f"{when:>10}  ", style="dim")
        label.append(f"{clip(entry.source or '?', 11):<11}  ", style="dim")
        label.append(f"{clip(entry.title or entry.session_id, 60):<60}")
        label.append(f"  {human_size(entry.bytes):>6}", style="dim")
        return label

    def _status(self, text: str) -> None:
        self.query_one("#trash-status", Static).update(text)

    # -- restoring and emptying ------------------------------------------------------------

    def action_restore(self) -> None:
        listing = self.query_one(SelectionList)
        names = list(listing.selected)
        if not names and listing.highlighted is not None and listing.option_count:
            names = [str(listing.get_option_at_index(listing.highlighted).value)]
        if names:
            self._restore(names)

    def action_restore_all(self) -> None:
        if self.entries:
            self._restore(None)

    @work(thread=True, exclusive=True, group="trash", exit_on_error=False)
    def _restore(self, names: list[str] | None) -> None:
        try:
            report = self.store.restore(names)
        except StoreError as exc:
            self.app.call_from_thread(self._status, f"Restore failed: {one_line(str(exc))}")
            return
        n = len(report.restored)
        note = f"Restored {n:,} session{'s' if n != 1 else ''}"
        if report.conflicts:
            note += (
                f"; {len(report.conflicts)} not restored: a session with that id is in the "
                "store again"
            )
        if n:
            self.restored_any = True
        self.app.call_from_thread(self._status, note)
        self._load()

    def action_empty(self) -> None:
        if not self.entries:
            return
        total = sum(e.bytes for e in self.entries)
        n = len(self.entries)
        question = ConfirmDialog(
            "Empty the trash?",
            f"{n:,} session{'s' if n != 1 else ''} ({human_size(total)}) will be deleted for "
            "good. This cannot be undone.",
            yes="Empty trash",
            danger=True,
        )
        self.app.push_screen(question, self._empty_confirmed)

    def _empty_confirmed(self, yes: bool | None) -> None:
        if yes:
            self._empty([e.name for e in self.entries])

    @work(thread=True, exclusive=True, group="trash", exit_on_error=False)
    def _empty(self, names: list[str]) -> None:
        wanted = set(names)  # exactly what was listed when the user said yes
        try:
            victims = [e for e in self.store.trash() if e.name in wanted]
            removed = self.store.empty_trash(victims)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._status, f"Emptying failed: {one_line(str(exc))}")
            return
        self.app.call_from_thread(
            self._status, f"Deleted {removed:,} session{'s' if removed != 1 else ''} for good"
        )
        self._load()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {
            "trash-restore": self.action_restore,
            "trash-restore-all": self.action_restore_all,
            "trash-empty": self.action_empty,
            "trash-close": self.action_close,
        }
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def action_close(self) -> None:
        self.dismiss(self.restored_any)
