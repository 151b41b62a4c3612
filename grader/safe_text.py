"""Text that came from learner code, made safe to show: nothing in it is interpreted.

Learner code controls what it prints, its exception messages and (in a batch) even the names
of submissions. Printed raw, an escape sequence can clear the screen and draw a fake report
("All 11 tests passed"), a carriage return can overwrite the real line, and a bidirectional
override can reorder it. :func:`visible` turns every such character into a visible escape
(``\\x1b``, ``\\r``, ``\\u202e``), keeping only newlines and tabs.
"""
from __future__ import annotations

import re

# Characters that steer a terminal's rendering instead of showing: C0 and C1 controls (but
# newline and tab), DEL, and Unicode's invisible formatting and bidi controls.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                     r"\u2060-\u206f\ufeff\ufff9-\ufffb]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char == "\r":
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """text with every control and invisible formatting character shown as an escape."""
    return _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))


def visible_name(text: str) -> str:
    """A one-line name (a student, a file): as :func:`visible`, with newlines and tabs escaped."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")

