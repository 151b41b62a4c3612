"""Markdown for a terminal: the exercise READMEs and the hints, wrapped to the window.

Only what the course's texts use is understood, and every construct degrades to plain text:

* ``# Heading`` lines come out bold (with no ``#``);
* paragraphs are joined and refilled to the terminal width;
* list items (``*``, ``-``, ``1.``) are refilled with a hanging indent;
* indented blocks (four spaces) and fenced blocks (```) are code or formulas: kept verbatim;
* inline ``**bold**``, ``*emphasis*`` and ```code``` lose their markers and get a style.

Styles come from click.style, so they vanish when the output is not a terminal (or with
NO_COLOR); the markers are gone either way. Wrapping counts visible characters only.
"""
from __future__ import annotations

import re
import shutil

import click

MAX_WIDTH = 100   # long lines are hard to read even on a wide terminal

# Inline spans, tried in this order at each position: **bold**, `code`, *emphasis*. As in
# markdown, a marker must touch its text: `beta ** t` and `2 * g` are not emphasis.
_INLINE = re.compile(
    r"\*\*(?=\S)(?P<bold>.+?)(?<=\S)\*\*"
    r"|`(?P<code>[^`]+)`"
    r"|(?<![\w*])\*(?=[^*\s])(?P<em>[^*]+?)(?<=\S)\*(?![\w*])")
_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?P<mark>[*-]|\d+[.)])\s+(?P<text>.*)$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_STYLES = {"bold": {"bold": True}, "code": {"fg": "cyan"}, "em": {"underline": True}}

Piece = tuple[str, str]   # (text, style name)


def terminal_width() -> int:
    """The width to wrap to: the terminal's (80 when unknown), at most MAX_WIDTH."""
    return max(20, min(shutil.get_terminal_size((80, 24)).columns, MAX_WIDTH))


def inline_pieces(text: str, outer: str = "") -> list[Piece]:
    """Split text into styled pieces, the markers removed: 'a **b**' -> [('a ', ''), ('b', 'bold')].

    Spans nest inside bold and emphasis (**`code` in bold** gives the style 'bold+code').
    """
    pieces: list[Piece] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            pieces.append((text[position:match.start()], outer))
        kind = match.lastgroup or ""
        style = f"{outer}+{kind}" if outer else kind
        if kind == "code":
            pieces.append((match.group(kind), style))
        else:
            pieces.extend(inline_pieces(match.group(kind), style))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], outer))
    return pieces


def _style(text: str, style: str) -> str:
    """text with the click styles of a style name like 'bold+code' ('' leaves it plain)."""
    options: dict = {}
    for kind in filter(None, style.split("+")):
        options.update(_STYLES[kind])
    return click.style(text, **options) if options else text


def _words(pieces: list[Piece]) -> list[list[Piece]]:
    """The pieces cut at spaces: one list of pieces per word (a word may mix styles).

    A code span stays whole: breaking `p -= lr * g` across lines would misquote it.
    """
    words: list[list[Piece]] = [[]]
    for text, style in pieces:
        code = style.endswith("code")
        parts = [text.strip()] if code else re.split(r"\s+", text)
        if code and text[:1].isspace() and words[-1]:
            words.append([])
        for index, part in enumerate(parts):
            if index > 0 and words[-1]:
                words.append([])
            if part:
                words[-1].append((part, style))
    return [word for word in words if word]


def _join(words: list[list[Piece]]) -> str:
    """One line of words, styled: a space inside a styled span keeps the span's style."""
    pieces: list[Piece] = []
    for word in words:
        if pieces:
            same = pieces[-1][1] == word[0][1]
            pieces.append((" ", pieces[-1][1] if same else ""))
        pieces.extend(word)
    merged: list[Piece] = []
    for text, style in pieces:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return "".join(_style(text, style) for text, style in merged)


def fill(text: str, width: int, first: str = "", rest: str = "", style: str = "") -> list[str]:
    """Wrap one paragraph of inline markdown to width visible columns.

    first and rest prefix the first and the following lines (a list mark, an indent);
    style applies to the whole paragraph (a heading is bold throughout).
    """
    pieces = inline_pieces(text, style)
    lines: list[str] = []
    prefix, line, used = first, [], len(first)
    for word in _words(pieces):
        size = sum(len(part) for part, _ in word)
        if line and used + 1 + size > width:
            lines.append(prefix + _join(line))
            prefix, line, used = rest, [], len(rest)
        used += size + (1 if line else 0)
        line.append(word)
    lines.append(prefix + _join(line))
    return lines


def render(markdown: str, width: int | None = None) -> str:
    """The markdown text laid out for a terminal of the given width (default: this one)."""
    width = width or terminal_width()
    out: list[str] = []
    paragraph: list[str] = []        # lines of the paragraph or list item being gathered
    item: re.Match | None = None     # the list item being gathered, if any
    fenced = False

    def flush() -> None:
        nonlocal paragraph, item
        if paragraph:
            text = " ".join(line.strip() for line in paragraph)
            if item is not None:
                lead = item["indent"] + item["mark"] + " "
                out.extend(fill(text, width, lead, " " * len(lead)))
            else:
                out.extend(fill(text, width))
        paragraph, item = [], None

    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            continue
        if fenced:
            out.append(click.style(line, fg="cyan") if line.strip() else "")
            continue
        if not line.strip():
            flush()
            if out and out[-1] != "":
                out.append("")
            continue
        heading = _HEADING.match(line)
        listed = _LIST_ITEM.match(line)
        if heading:
            flush()
            out.extend(fill(heading["text"], width, style="bold"))
        elif listed:
            flush()
            item, paragraph = listed, [listed["text"]]
        elif paragraph and (item is not None or not line.startswith("    ")):
            paragraph.append(line)    # a continuation line of a paragraph or list item
        elif line.startswith("    "):
            flush()
            out.append(click.style(line, fg="cyan"))   # a formula or code block, verbatim
        else:
            paragraph = [line]
    flush()
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)


def labelled(label: str, text: str, width: int | None = None, **label_style: object) -> str:
    """'Label: text' wrapped with a hanging indent under the text (hints, notes)."""
    width = width or terminal_width()
    lines = fill(text, width, " " * len(label), " " * len(label))
    shown = click.style(label, **label_style) if label_style else label
    lines[0] = shown + lines[0][len(label):]
    return "\n".join(lines)
