"""Make untrusted text safe for a terminal: control characters become visible, never executed.

Session text comes from models, tools and pasted logs. Rich and Textual strip only a few
control characters, so OSC 52 (clipboard write), OSC 8 links, ``ESC[2J`` and 8-bit C1 codes
would reach the terminal. Every C0 control except tab and newline, DEL and every C1 control is
replaced by a visible stand-in (Unicode "control pictures" for C0, ``\\x9b``-style text for C1).
"""

from __future__ import annotations

_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if _code not in (0x09, 0x0A):
        _TABLE[_code] = chr(0x2400 + _code)  # ␀ ␁ ... ␛ ...
_TABLE[0x7F] = "␡"
for _code in range(0x80, 0xA0):
    _TABLE[_code] = f"\\x{_code:02x}"


def visible_controls(text: str) -> str:
    """``text`` with every terminal control character made visible (tab and newline kept)."""
    return text.replace("\r\n", "\n").translate(_TABLE)


def has_controls(text: str) -> bool:
    return any(ord(ch) in _TABLE for ch in text)
