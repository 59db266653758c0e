"""The command palette (Ctrl+P): every action of the app, named ``area: what``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

if TYPE_CHECKING:
    from .screens.main import MainScreen

#: (name, help, action on the main screen, or on its focused widget with a "widget:" prefix)
COMMANDS: list[tuple[str, str, str]] = [
    ("search: focus the search bar", "Type words and filters", "focus_search"),
    ("filter: menu", "Choose a filter to add", "filter_menu"),
    ("filter: by tool", "Pick a source tool", "picker:tool"),
    ("filter: by model", "Pick a model", "picker:model"),
    ("filter: by project", "Pick a project", "picker:project"),
    ("filter: by date", "Updated today, last 7 days, custom…", "picker:date"),
    ("filter: starred only", "Only starred sessions", "picker:starred"),
    (
        "filter: with errors only",
        "Only sessions with a failed tool call or API error",
        "picker:error",
    ),
    ("filter: by tag", "Pick a tag", "picker:tag"),
    ("filter: clear all", "Remove every filter", "clear_filters"),
    ("sort: by updated", "Newest first", "sort:updated"),
    ("sort: by created", "Newest first", "sort:created"),
    ("sort: by title", "A to Z", "sort:title"),
    ("sort: by tool", "A to Z", "sort:source"),
    ("sort: by model", "A to Z", "sort:model"),
    ("sort: by project", "A to Z", "sort:project"),
    ("sort: by messages", "Longest first", "sort:messages"),
    ("sort: by size", "Largest first", "sort:size"),
    ("sort: reverse", "Flip the order", "list:reverse_sort"),
    ("select: all matching", "Select every session of the current listing", "list:select_all"),
    ("select: clear", "Clear the selection", "list:clear_selection"),
    ("session: star / unstar", "Star the focused or selected sessions", "star"),
    ("session: tags", "Add or remove tags", "tag"),
    ("session: delete", "Move to the trash (undo with u)", "delete"),
    ("session: undo delete", "Restore what was last deleted", "undo"),
    ("session: copy as Markdown", "Copy the session to the clipboard", "copy_session"),
    ("session: copy message as Markdown", "Copy the message under the cursor", "copy_message"),
    ("session: show resume command", "claude --resume, codex resume, …", "resume"),
    ("session: open in pager", "$PAGER", "pager"),
    ("session: open in editor", "$VISUAL / $EDITOR", "editor"),
    ("view: cycle tool output", "Hidden, truncated, full", "transcript:cycle_tools"),
    ("view: toggle thinking", "Show or hide model reasoning", "transcript:toggle_thinking"),
    ("view: find in transcript", "Highlight text in the open session", "find"),
    ("view: next hit", "Jump to the next highlighted match", "transcript:next_hit(1)"),
    ("view: previous hit", "Jump to the previous highlighted match", "transcript:next_hit(-1)"),
    ("view: next message", "Jump to the next turn", "transcript:message(1)"),
    ("view: previous message", "Jump to the previous turn", "transcript:message(-1)"),
    (
        "view: expand or collapse blocks",
        "The tool calls and thinking of the current message",
        "transcript:toggle_blocks",
    ),
    ("view: zoom pane", "Give the focused pane the whole screen", "zoom"),
    (
        "export: sessions…",
        "The focused or selected sessions, or everything the search matches",
        "export",
    ),
    ("import: sessions…", "From your tools' folders or any file, folder or zip", "import_dialog"),
    ("import: from every tool now", "Import new and changed sessions", "import"),
    ("cleanup: old, large or duplicate sessions…", "Preview, move to trash, undo", "cleanup"),
    ("trash: deleted sessions…", "List, restore or empty the trash", "trash"),
    ("import: cancel", "Stop a running import", "cancel_import"),
    ("index: catch up", "Index sessions changed since the last run", "reindex"),
    ("index: cancel indexing", "Stop a running catch-up", "cancel_indexing"),
    ("app: help", "Keys and the query language", "app:help"),
]


def run(screen: MainScreen, action: str) -> None:
    """Run a palette command. ``run_action`` is a coroutine: it is scheduled, not called
    (calling it bare creates a coroutine nobody awaits, and the command silently does
    nothing)."""
    kind, _, arg = action.partition(":")
    if not arg:
        if action == "filter_menu":
            screen.action_filter_menu()
        elif action == "find":
            screen.transcript.focus()
            screen.open_find()
        elif action == "cancel_indexing":
            screen.cancel_indexing()
        elif action == "import":
            screen.run_import()
        elif action == "cancel_import":
            screen.cancel_import()
        else:
            screen.call_later(screen.run_action, action)
    elif kind == "picker":
        screen.open_picker(arg)
    elif kind == "sort":
        screen.session_list.set_sort(arg, arg in ("updated", "created", "messages", "size"))
    elif kind == "list":
        screen.call_later(screen.session_list.run_action, arg)
    elif kind == "transcript":
        screen.call_later(screen.transcript.run_action, arg)
    elif kind == "app":
        screen.call_later(screen.app.run_action, arg)


#: Keys of commands that are not a binding of their own.
_EXTRA_KEYS = {"find": "/ in the transcript"}


def command_keys() -> dict[str, str]:
    """Each palette action's key, read from the bindings themselves so they cannot drift."""
    from .app import SessionsApp
    from .screens.help import key_label
    from .screens.main import MainScreen
    from .widgets.session_list import SessionList
    from .widgets.transcript import TranscriptView

    keys: dict[str, str] = dict(_EXTRA_KEYS)
    for prefix, bindings in (
        ("", MainScreen.BINDINGS),
        ("list:", SessionList.BINDINGS),
        ("transcript:", TranscriptView.BINDINGS),
        ("app:", SessionsApp.BINDINGS),
    ):
        for binding in bindings:
            if isinstance(binding, Binding):
                keys.setdefault(prefix + binding.action, key_label(binding.key.split(",")[0]))
    return keys


def _display(name: str, key: str | None, matcher: Matcher | None = None) -> Content:
    label = matcher.highlight(name) if matcher is not None else Content(name)
    if not key:
        return label
    return label + Content.styled(f"  {key}", "$text-accent bold")


class SessionsCommands(Provider):
    """Offers every command with its key; fuzzy-matched on its name."""

    def _commands(self) -> list[tuple[str, str, str | None, Callable[[], None]]]:
        from .screens.main import MainScreen

        main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return []
        keys = command_keys()
        return [
            (name, help, keys.get(action), partial(run, main, action))
            for name, help, action in COMMANDS
        ]

    async def discover(self) -> Hits:
        for name, help, key, callback in self._commands():
            yield DiscoveryHit(_display(name, key), callback, text=name, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help, key, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _display(name, key, matcher), callback, text=name, help=help)
