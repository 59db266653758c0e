"""How the transcript lays out what a tool was asked to do: commands as commands."""

from __future__ import annotations

from rich.console import Console

from sessions_tui.models import Message, ToolCallBlock
from sessions_tui.tui.widgets.transcript_layout import (
    Layout,
    Options,
    Styles,
    tool_input_sections,
)

SCRIPT = "cd services/payments &&\n  pytest -k retry -x -q \\\n    --count 20"


def _shown(block: ToolCallBlock) -> list[str]:
    layout = Layout(Console(width=100), 100, Styles(), Options(tool_mode="full"))
    message = Message(id="m1", role="assistant", content=[block])
    return [strip.text.rstrip() for strip in layout.message(1, message).lines]


def test_a_multi_line_bash_command_is_shown_as_its_lines_not_as_json():
    lines = _shown(ToolCallBlock(id="c", name="Bash", input={"command": SCRIPT, "timeout": 60}))
    body = "\n".join(lines)
    assert "\\n" not in body and '"command"' not in body
    for line in SCRIPT.splitlines():
        assert "  " + line in lines  # each line of the script, as written, indented
    assert "  timeout: 60" in lines


def test_codex_argv_commands_show_the_script_and_other_arguments_as_key_value():
    sections = tool_input_sections({"command": ["bash", "-lc", SCRIPT], "workdir": "/src"})
    assert sections == [(SCRIPT, "bash"), ("workdir: /src", "yaml")]
    assert tool_input_sections({"command": ["git", "commit", "-m", "a b"]})[0] == (
        "git commit -m 'a b'",
        "bash",
    )


def test_multi_line_string_arguments_are_indented_blocks():
    sections = tool_input_sections({"file_path": "a.py", "new_string": "x = 1\ny = 2"})
    assert sections == [("file_path: a.py\nnew_string: |\n  x = 1\n  y = 2", "yaml")]


def test_the_collapsed_header_names_the_command():
    block = ToolCallBlock(id="c", name="shell", input={"command": ["bash", "-lc", SCRIPT]})
    layout = Layout(Console(width=100), 100, Styles(), Options())
    head = layout.message(1, Message(id="m1", role="assistant", content=[block])).lines[1].text
    assert "⚙ shell" in head and "cd services/payments &&" in head and "bash -lc" not in head


def _result_lines(output: str, width: int = 60) -> list[str]:
    from sessions_tui.models import ToolResultBlock
    from sessions_tui.tui.widgets.transcript_layout import TRUNCATED_LINES

    layout = Layout(Console(width=width), width, Styles(), Options(tool_mode="truncated"))
    message = Message(id="m1", role="tool", content=[ToolResultBlock(call_id="c", output=output)])
    lines = [strip.text.rstrip() for strip in layout.message(1, message).lines]
    body = [line for line in lines if line.startswith("  ") and "more line" not in line]
    assert len(body) <= TRUNCATED_LINES
    return lines


def test_truncated_output_counts_the_output_lines_it_does_not_show():
    """63 lines, some wrapping: the note counts the output's lines left out, not the screen
    lines beyond the cut, and names the pager key that exists (v)."""
    output = "\n".join(
        f"line {i:02d} " + ("wrapping text " * 8 if i % 3 == 0 else "short") for i in range(63)
    )
    lines = _result_lines(output)
    shown = {line.strip()[:7] for line in lines if line.strip().startswith("line ")}
    [note] = [line for line in lines if "more line" in line]
    assert f"… {63 - len(shown)} more lines" in note and "v: pager" in note


def test_one_huge_output_line_shows_its_start():
    lines = _result_lines("x" * 5000 + "\nsecond")
    assert any(line.strip().startswith("xxxx") for line in lines)
    assert any("… 1 more line " in line for line in lines)
