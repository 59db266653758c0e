"""The sessions-tui application: themes, global keys, the command palette, the help screen.

`make_app` is the one factory used by the CLI, the snapshot tests and the Pilot tests, so tests
run exactly the app users run. Start-up is kept lean: the first paint needs only the metadata
index; the full-text index is opened afterwards in a worker (see `MainScreen`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel

from ..safety import visible_controls
from ..store import SessionStore
from .commands import SessionsCommands
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .themes import DEFAULT_THEME, available_themes
from .widgets.session_list import SessionList
from .widgets.transcript import TranscriptView


class SessionsApp(App[None]):
    TITLE = "sessions-tui"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {SessionsCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.palette"),
        Binding("ctrl+t", "change_theme", "Theme", show=False, id="app.theme"),
    ]

    def __init__(
        self,
        store: SessionStore,
        theme: str | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tz: tzinfo | None = None,
        open_search_index: bool = True,
        show_timings: bool = True,
        auto_import: bool = False,
        auto_cleanup: bool = False,
    ) -> None:
        """Args:
        store: the store to browse.
        theme: a theme name (``--theme``); None reads the settings file.
        now: the clock for relative dates ("3d ago"); tests pass a frozen one.
        tz: time zone for timestamps (None: the local zone).
        open_search_index: open the full-text index after the first paint.
        show_timings: show search times in the status line (snapshots turn them off).
        auto_import: import from every tool's default location after the first paint.
        auto_cleanup: then move sessions past the store's retention period to the trash
            (the ``auto_cleanup`` setting; undoable with ``u``).
        """
        super().__init__()
        self.store = store
        self.now = now or (lambda: datetime.now(UTC))
        self.tz = tz
        self.open_search_index = open_search_index
        self.show_timings = show_timings
        self.auto_import = auto_import
        self.auto_cleanup = auto_cleanup
        themes, self._theme_errors = available_themes()
        for t in themes:
            self.register_theme(t)
        self._wanted_theme = theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our variables for themes that do not set them (Textual's built-ins)."""
        theme = self.current_theme
        return {
            "user-color": theme.primary if theme else "#7AA2F7",
            "assistant-color": (theme.secondary or theme.accent or theme.primary)
            if theme
            else "#BB9AF7",
            "match-background": (theme.warning or "#E0AF68") + " 50%" if theme else "#E0AF68 50%",
            "current-match-background": (theme.accent or "#FF9E64") if theme else "#FF9E64",
        }

    def on_mount(self) -> None:
        wanted = self._wanted_theme
        if wanted is None:
            try:
                from ..config import load_settings

                wanted = load_settings().theme
            except Exception as exc:  # a bad settings file: say so, keep going
                self.notify(f"Settings not loaded: {exc}", severity="error", timeout=8)
                wanted = DEFAULT_THEME
        if wanted not in self.available_themes:
            self.notify(
                f"Unknown theme {wanted!r}; using {DEFAULT_THEME}. "
                f"Available: {', '.join(sorted(self.available_themes))}",
                severity="warning",
                timeout=8,
            )
            wanted = DEFAULT_THEME
        self.theme = wanted
        for error in self._theme_errors:
            self.notify(error, severity="warning", title="Theme file skipped", timeout=8)
        self.push_screen(MainScreen(self.store))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast shows its text as written, whatever ``markup`` says (widgets pass
        True by default). Messages carry paths, error texts and queries: read as markup, a
        ``[`` in a path would restyle or hide text and ``[@click=...]`` would run an action;
        control characters are shown, not sent to the terminal."""
        super().notify(
            visible_controls(message),
            title=visible_controls(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def send_to_clipboard(
        self, text: str, what: str, fallback: str = "v opens it in the pager"
    ) -> None:
        """Copy through the terminal (OSC 52) and say only what is known: it was sent.

        Whether it arrives depends on the terminal (and tmux's ``set-clipboard``), which
        never answers; claiming "copied" would be a guess.
        """
        self.copy_to_clipboard(text)
        self.notify(
            f"{what} sent to the terminal's clipboard (OSC 52). If nothing arrives, the "
            f"terminal or tmux does not accept OSC 52: {fallback}.",
            timeout=4,
        )

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            (
                "Everywhere",  # '/' as Find is listed with the transcript's keys
                [*self.BINDINGS, *(b for b in MainScreen.BINDINGS if b.action != "find")],
            ),
            (
                "Search bar",
                [
                    Binding("slash", "", "Go to the search bar (results follow each key)"),
                    Binding("right,end", "", "Take the completion shown in grey"),
                    Binding("enter", "", "To the list of results"),
                    Binding("escape", "", "To the list, keeping the query"),
                ],
            ),
            ("Session list", SessionList.BINDINGS),
            (
                "Transcript",
                [
                    *TranscriptView.BINDINGS,
                    Binding("slash", "", "Find in transcript"),
                    Binding("c", "", "Copy message as Markdown"),
                    Binding("escape", "", "Back to the list"),
                ],
            ),
        ]
        self.push_screen(HelpScreen(sections))


def make_app(store: SessionStore, theme: str | None = None, **options: object) -> SessionsApp:
    """The app as users run it; ``options`` are `SessionsApp`'s keyword arguments."""
    return SessionsApp(store, theme=theme, **options)  # type: ignore[arg-type]
