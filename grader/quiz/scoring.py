"""Score a learner's answer, parse what they typed, and state the correct answer.

An answer, once parsed, is plain data:

* single: the index of the chosen choice in display order
* multiple: a frozenset of such indices
* true_false: a bool
* numeric: a float
* text: the string as typed
* ordering: a tuple of step indices (into the correct order), in the order the learner gave

``parse`` raises :class:`InvalidAnswer` with a "please answer ..." message for input that is
not an answer at all (a letter out of range, a word where a number is due); the session then
asks again. Scores run from 0 to 1; the rules are those of docs/question-bank.md.
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from grader.quiz.model import ABS_TOLERANCE_FLOOR

if TYPE_CHECKING:  # render imports this module for parse_number
    from grader.quiz.render import Rendered, RenderedMistake

LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)
_EDGE_PUNCTUATION = " \t\r\n.,;:!?'\"`"
_LETTER_SEPARATORS = re.compile(r"[\s,;/&+>\-→]+")
CLEARLY_WRONG_TEXTS = ("xyzzy", "lorem ipsum dolor")


class InvalidAnswer(ValueError):
    """Input that is not an answer to the question; the message says how to answer."""


# -- numbers -------------------------------------------------------------------------------

def parse_number(text: str) -> float | None:
    """A number as a learner types it: 0.25, -3, 1e-3, 3/4 (None if it is not one)."""
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    if "/" in s:
        top, _, bottom = s.partition("/")
        if not (_NUMBER.match(top) and _NUMBER.match(bottom)) or float(bottom) == 0:
            return None
        return float(top) / float(bottom)
    return float(s) if _NUMBER.match(s) else None


def format_number(value: float, digits: int = 4) -> str:
    """A number as shown to the learner: whole numbers in full, others to ``digits``
    significant figures."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}g}"


SHOWN_DIGITS = (4, 5, 6)


def shown_number(r: Rendered) -> str:
    """A numeric answer as shown: 4 significant figures, or up to 6 when the tolerance
    needs them (``learn quiz check`` flags an answer that 6 cannot express)."""
    for digits in SHOWN_DIGITS:
        text = format_number(r.answer, digits)
        if score(r, parse_number(text)) == 1:
            return text
    return format_number(r.answer, SHOWN_DIGITS[-1])


def tolerance_of(r: Rendered, value: float | None = None) -> float:
    """The largest accepted distance from a numeric answer (or from another value, such as
    a named mistake): the larger of the relative and absolute tolerances, never below a
    tiny floor."""
    value = r.answer if value is None else value
    return max(r.question.abs, r.question.rel * abs(value), ABS_TOLERANCE_FLOOR)


def tolerance_text(r: Rendered) -> str:
    """How close a numeric answer must be, for the prompt: 'within 1%', '' when exact."""
    parts = []
    if r.question.rel >= 1e-4:
        parts.append(f"{r.question.rel * 100:g}%")
    if r.question.abs > 0:
        parts.append(f"±{r.question.abs:g}")
    return f"within {' or '.join(parts)}" if parts else ""


# -- text ----------------------------------------------------------------------------------

# Dashes typed or pasted as a minus sign (Unicode minus, figure dash, en dash, small and
# full-width hyphen-minus) all mean '-'.
_MINUS = str.maketrans(dict.fromkeys("\u2212\u2012\u2013\ufe63\uff0d", "-"))
_ARGUMENT = re.compile(r"^[a-z_][a-z0-9_]*\s*=\s*(?=\S)")    # "dim=-1" answers "-1"
_ARTICLE = re.compile(r"^(?:the|an?)\s+(?=\S)")
# A '-' that is a sign: before a number and not inside a word (or the exponent of 1e-5).
_SIGN = re.compile(r"(?:(?<![\w.)\]])|(?<=\d[e]))-(?=\.?\d)")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip(_EDGE_PUNCTUATION)


def _normal(text: str) -> str:
    """Folded text with minus signs made '-', and an argument name ("dim=") and a leading
    article ("the", "a", "an") dropped."""
    text = _fold(text.translate(_MINUS))
    text = _ARTICLE.sub("", _ARGUMENT.sub("", text))
    if text[:1] + text[-1:] in ("()", "[]"):
        text = text[1:-1]   # "(-1)" answers "-1"
    return text.strip(_EDGE_PUNCTUATION)


def squash(text: str) -> str:
    """Text compared with ``accept``: case, spaces, '_' and hyphens inside words ignored,
    edge punctuation, an argument name and a leading article dropped; a minus sign kept
    ("-1" is not "1")."""
    marked = _SIGN.sub("\0", _normal(text))
    return re.sub(r"[\s\-_]+", "", marked).replace("\0", "-")


def collapse(text: str) -> str:
    """Text matched against ``pattern``: as for ``squash``, but runs of spaces are made one
    space rather than removed."""
    return re.sub(r"\s+", " ", _normal(text))


# -- how to answer, and parsing ------------------------------------------------------------

def letter(index: int) -> str:
    return LETTERS[index]


def _last_letter(r: Rendered) -> str:
    count = len(r.choices) if r.type in ("single", "multiple") else len(r.items)
    return letter(count - 1)


def how_to_answer(r: Rendered) -> str:
    """A short phrase saying what to type, shown with the prompt."""
    if r.type == "single":
        return f"one letter, a to {_last_letter(r)}"
    if r.type == "multiple":
        return f"every right letter, a to {_last_letter(r)}, like: a c"
    if r.type == "true_false":
        return "t for true, f for false"
    if r.type == "numeric":
        within = tolerance_text(r)
        return f"a number{', ' + within if within else ''}"
    if r.type == "text":
        return "a word or a short phrase"
    return f"all {len(r.items)} letters in the right order, like: " + " ".join(
        LETTERS[: len(r.items)])


def parse(r: Rendered, typed: str) -> Any:
    """Turn what the learner typed into an answer; InvalidAnswer says how to answer instead."""
    text = typed.strip()
    if r.type in ("single", "multiple", "ordering"):
        return _parse_letters(r, text)
    if r.type == "true_false":
        word = text.casefold().strip(_EDGE_PUNCTUATION)
        if word in ("t", "true", "y", "yes"):
            return True
        if word in ("f", "false", "n", "no"):
            return False
        raise InvalidAnswer("please answer t (true) or f (false)")
    if r.type == "numeric":
        value = parse_number(text)
        if value is None or not math.isfinite(value):
            raise InvalidAnswer("please answer with a number, like 0.25, -3, 1e-3 or 3/4")
        return value
    if not squash(text):
        raise InvalidAnswer("please type an answer: a word or a short phrase")
    return text


def _parse_letters(r: Rendered, text: str) -> Any:
    count = len(r.choices) if r.type in ("single", "multiple") else len(r.items)
    last = letter(count - 1)
    folded = text.casefold().strip(_EDGE_PUNCTUATION + "()[]")
    letters = _LETTER_SEPARATORS.sub("", folded.replace(")", " ").replace("(", " "))
    valid = bool(letters) and all(ch in LETTERS[:count] for ch in letters)
    if r.type == "single":
        if not valid or len(letters) != 1:
            raise InvalidAnswer(f"please answer with one letter, a to {last}")
        return LETTERS.index(letters)
    if r.type == "multiple":
        if not valid:
            raise InvalidAnswer(f"please answer with letters from a to {last}, like: a c")
        return frozenset(LETTERS.index(ch) for ch in letters)
    if not valid or len(letters) != count or len(set(letters)) != count:
        raise InvalidAnswer(f"please give all {count} letters, a to {last}, once each, "
                            f"in the right order, like: {' '.join(LETTERS[:count])}")
    return tuple(r.order[LETTERS.index(ch)] for ch in letters)


# -- scoring -------------------------------------------------------------------------------

def score(r: Rendered, answer: Any) -> float:
    """The score of a parsed answer, from 0 to 1."""
    if r.type == "single":
        return 1.0 if r.choices[answer].correct else 0.0
    if r.type == "multiple":
        right = {n for n, c in enumerate(r.choices) if c.correct}
        hits, misses = len(answer & right), len(answer - right)
        return min(1.0, max(0.0, (hits - misses) / len(right)))
    if r.type == "true_false":
        return 1.0 if answer == r.answer else 0.0
    if r.type == "numeric":
        # A hair of slack for float rounding in the answer template itself.
        slack = 1e-12 * abs(r.answer)
        return 1.0 if abs(answer - r.answer) <= tolerance_of(r) + slack else 0.0
    if r.type == "text":
        return 1.0 if text_matches(r, answer) else 0.0
    return ordering_score(answer)


_PAREN = re.compile(r"^(.+?)\s*\(([^()]+)\)\s*$")      # "out-of-bag (OOB)"
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+or\s+")           # "Swish/SiLU", "knee or elbow"


def readings(typed: str) -> list[list[str]]:
    """The ways to read a typed text: as a whole, or as names of one thing given together
    ("out-of-bag (OOB)", "Swish/SiLU"). A reading counts when every part of it matches, so
    a hedge such as "ReLU/GELU" is not accepted for ReLU."""
    result = [[typed]]
    paren = _PAREN.match(typed.strip())
    if paren:
        result.append([paren[1], paren[2]])
    parts = [p for p in _ALTERNATIVES.split(typed.strip()) if p.strip()]
    if len(parts) > 1:
        result.append(parts)
    return result


def _matches_one(text: str, accepted: set[str], pattern: str | None) -> bool:
    if squash(text) in accepted:
        return True
    return bool(pattern) and re.fullmatch(pattern, collapse(text), re.IGNORECASE) is not None


def text_matches(r: Rendered, typed: str) -> bool:
    """True when the text (or each name it gives together) equals an accepted answer or
    matches the pattern."""
    accepted = {squash(a) for a in r.accept}
    return any(all(_matches_one(part, accepted, r.question.pattern) for part in reading)
               for reading in readings(typed))


def matched_mistake(r: Rendered, answer: Any) -> RenderedMistake | None:
    """The named mistake a wrong answer matches, if any (a right answer matches none)."""
    if not r.mistakes or score(r, answer) >= 1:
        return None
    for mistake in r.mistakes:
        if r.type == "numeric":
            if abs(answer - mistake.answer) <= tolerance_of(r, mistake.answer):
                return mistake
        elif r.type == "text":
            if any(squash(part) == squash(mistake.answer) for part in [answer] +
                   [p for reading in readings(answer)[1:] for p in reading]):
                return mistake
        elif answer == mistake.answer:
            return mistake
    return None


def ordering_score(answer: tuple[int, ...]) -> float:
    """1 when in order; else half the share of neighbouring pairs that are also neighbours
    (in that order) in the correct order."""
    count = len(answer)
    if list(answer) == list(range(count)):
        return 1.0
    pairs = sum(1 for a, b in zip(answer, answer[1:]) if b == a + 1)
    return 0.5 * pairs / (count - 1)


# -- the correct answer and its distractors ------------------------------------------------

def correct_answer(r: Rendered) -> Any:
    """The correct answer, parsed."""
    if r.type == "single":
        return next(n for n, c in enumerate(r.choices) if c.correct)
    if r.type == "multiple":
        return frozenset(n for n, c in enumerate(r.choices) if c.correct)
    if r.type in ("true_false", "numeric"):
        return r.answer
    if r.type == "text":
        return r.accept[0]
    return tuple(range(len(r.items)))


def typed_answer(r: Rendered) -> str:
    """The correct answer as the learner would type it (and as it is shown to them)."""
    if r.type == "single":
        return letter(correct_answer(r))
    if r.type == "multiple":
        return " ".join(letter(n) for n in sorted(correct_answer(r)))
    if r.type == "true_false":
        return "true" if r.answer else "false"
    if r.type == "numeric":
        return shown_number(r)
    if r.type == "text":
        return r.accept[0]
    shown_at = {item: k for k, item in enumerate(r.order)}
    return " ".join(letter(shown_at[item]) for item in range(len(r.items)))


def distractors(r: Rendered) -> list[tuple[str, Any]]:
    """Wrong answers that must score below 1, each with a description for the check."""
    if r.type == "single":
        return [(f"choice {letter(n)} ({c.text!r})", n)
                for n, c in enumerate(r.choices) if not c.correct]
    if r.type == "multiple":
        right = correct_answer(r)
        wrong = [n for n in range(len(r.choices)) if n not in right]
        result = [(f"choice {letter(n)} alone", frozenset({n})) for n in wrong]
        result += [(f"the right choices plus {letter(n)}", right | {n}) for n in wrong]
        if len(right) > 1:
            result += [(f"the right choices without {letter(n)}", right - {n}) for n in right]
        return result
    if r.type == "true_false":
        return [(str(not r.answer).lower(), not r.answer)]
    if r.type == "numeric":
        a, tol = r.answer, tolerance_of(r)
        step = 2 * tol
        result = [(f"{a + step:g} (off by twice the tolerance)", a + step),
                  (f"{a - step:g} (off by twice the tolerance)", a - step)]
        if a != 0:
            result += [(f"{2 * a:g} (twice the answer)", 2 * a),
                       (f"{a / 2:g} (half the answer)", a / 2),
                       (f"{-a:g} (the answer with its sign flipped)", -a),
                       (f"0 (for an answer of {a:g})", 0.0)]
        return result
    if r.type == "text":
        return [(repr(text), text) for text in CLEARLY_WRONG_TEXTS]
    count = len(r.items)
    result = []
    for n in range(count - 1):
        swapped = list(range(count))
        swapped[n], swapped[n + 1] = swapped[n + 1], swapped[n]
        result.append((f"steps {n + 1} and {n + 2} swapped", tuple(swapped)))
    if count > 2:
        result.append(("the steps reversed", tuple(reversed(range(count)))))
    return result
