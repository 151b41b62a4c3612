"""``learn quiz check``: validate the whole bank and self-test every question.

Beyond the schema (``bank.py``), each question is rendered for seeds 0 to 499, and for each
rendering: the stated correct answer scores 1; the answer as shown to the learner (what
they would type; at most 6 significant figures for a number) parses and scores 1; every
distractor scores below 1 (each wrong choice; for numeric answers, values off by twice the
tolerance, twice and half the answer, its negation and 0; for text, clearly wrong strings;
for ordering, each pair of neighbouring steps swapped) and so does every named mistake, so a
tolerance or a parameter draw that accepts the misconception a question targets is caught.
A numeric answer must not jump when its float parameters move by one part in 10^12 (that
is a comparison sitting exactly on its threshold, which float rounding decides). No choice
or step repeats, no value shows as "-0", no text looks like LaTeX, every parameter is used,
ids are unique, and every subtopic of the syllabus has a question. Every problem is listed
with the seed and the parameter values; none stops the check.

A seed whose parameters repeat those of an earlier seed renders the same texts and numbers
(only the order of shuffled choices differs, which no check depends on), so it is skipped.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.quiz import scoring
from grader.quiz.bank import SYLLABUS_NAME, Bank, load_bank, shown_path
from grader.quiz.model import Question
from grader.quiz.render import (NEGATIVE_ZERO, RenderError, Rendered, draw_params, number_answer, render,
                                seeded_random, template_names)
from grader.quiz.scoring import InvalidAnswer
from grader.yamlfile import Problem

SEEDS = 500
# How far the float parameters move in the threshold test: one part in 10^12. A comparison
# of quantities of order 1 in an answer template needs a margin above this (x >= t - 1e-9).
NUDGE = 1e-12
# A power whose exponent starts with a sign but has no brackets (e^-x·y): where does it end?
_SIGNED_POWER = re.compile(r"\^[-\u2212+]")
# A backslash command (\sqrt, \frac), $...$ maths, or a braced sub/superscript (x_{in}).
_LATEX = re.compile(r"\\[A-Za-z]{2,}|\$[^$\n]+\$|[_^]\{")


@dataclass
class CheckReport:
    """The outcome of a check: every problem, and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    questions: int = 0
    parameterised: int = 0
    seeds: int = SEEDS
    renderings: int = 0          # distinct renderings checked
    mistakes: int = 0            # named mistakes in the bank
    seconds: float = 0.0

    def summary(self) -> str:
        share = round(100 * self.parameterised / self.questions) if self.questions else 0
        return (f"question bank OK: {self.files} topic files, {self.questions} questions "
                f"({self.parameterised} parameterised, {share}%; {self.mistakes} named "
                f"mistakes), each rendered for {self.seeds} seeds ({self.renderings} distinct "
                f"renderings checked in {self.seconds:.1f} s)")


def check_bank(root: Path, seeds: int = SEEDS) -> CheckReport:
    """Check the bank under ``root``; the report lists every problem found."""
    start = time.perf_counter()
    bank = load_bank(root)
    report = CheckReport(list(bank.problems), len(bank.files), len(bank.questions),
                         sum(q.parameterised for q in bank.questions), seeds,
                         mistakes=sum(len(q.mistakes) for q in bank.questions))
    for question in bank.questions:
        found, renderings = check_question(question, seeds)
        report.problems += found
        report.renderings += renderings
    report.problems += _coverage(bank)
    report.problems.sort(key=lambda p: (p.file, p.line))
    report.seconds = time.perf_counter() - start
    return report


def check_question(question: Question, seeds: int = SEEDS) -> tuple[list[Problem], int]:
    """Render a question for each seed whose parameters are new and self-test it; stops at
    the first bad seed. Returns the problems and the number of renderings checked."""
    problems = [Problem(question.file, question.line_of("params"), f"{question.id}.params",
                        message) for message in _unused_params(question)]
    seen: set[tuple] = set()
    for seed in range(seeds):
        params = draw_params(question.params, seed, question.id)
        key = tuple(params.values())
        if key in seen:
            continue
        seen.add(key)
        found = _check_rendering(question, seed, params)
        if found:
            suffix = f" (seed {seed}{_values(params)})" if _seeded(question) else ""
            problems += [Problem(question.file, _line(question, where), f"{question.id}.{where}",
                                 message + suffix) for where, message in found]
            break
    return problems, len(seen)


def _values(params: dict) -> str:
    """The parameter values of a rendering, for a message: ': l1=4, l2=1.4'."""
    return ": " + ", ".join(f"{k}={v!r}" for k, v in params.items()) if params else ""


def _seeded(question: Question) -> bool:
    """True when the rendering depends on the seed (parameters or a shuffle)."""
    return question.parameterised or question.shuffle or question.type == "ordering"


def _check_rendering(q: Question, seed: int, params: dict | None = None
                     ) -> list[tuple[str, str]]:
    """(key, message) for everything wrong with one rendering."""
    try:
        r = render(q, seed, params)
    except RenderError as error:
        return [(error.field, f"cannot render: {error.message}")]
    found: list[tuple[str, str]] = []
    key = _answer_key(q)
    stated = scoring.score(r, scoring.correct_answer(r))
    if stated != 1:
        found.append((key, f"the stated correct answer scores {stated:g}, not 1"))
    found += _check_typed_answer(r, key)
    for description, wrong in scoring.distractors(r):
        if scoring.score(r, wrong) >= 1:
            found.append((key, f"the wrong answer {description} scores 1"))
    found += _mistakes(r)
    found += _threshold_jump(r)
    found += _repeats(r)
    texts = _texts(r)
    found += _latex(texts)
    found += _negative_zero(texts)
    found += _ambiguous_powers(texts)
    return found


def _mistakes(r: Rendered) -> list[tuple[str, str]]:
    """Every named mistake scores below 1 (and so gets its feedback)."""
    found = []
    for m in r.mistakes:
        where = f"mistakes[{m.index}]"
        if r.type == "text" and not scoring.squash(m.answer):
            found.append((where, "the mistake renders to no words a learner could type"))
        elif scoring.score(r, m.answer) >= 1:
            if r.type == "numeric":
                what = (f"the mistake's value {m.answer:g} scores 1 against the answer "
                        f"{r.answer:g} (tolerance ±{scoring.tolerance_of(r):g}): the "
                        "tolerance or this draw accepts the misconception")
            else:
                what = f"the mistake {m.answer!r} scores 1: it is a right answer"
            found.append((where, what))
    return found


def _threshold_jump(r: Rendered) -> list[tuple[str, str]]:
    """A numeric answer that jumps when the float parameters move by a hair sits on the
    threshold of a comparison, which float rounding then decides (0.9 may be 0.8999...)."""
    q = r.question
    floats = [name for name, value in r.params.items() if isinstance(value, float)]
    if q.type != "numeric" or not floats or not isinstance(q.answer, str):
        return []
    rng = seeded_random("nudge", r.seed, q.id)
    # A random direction, so that moves of two parameters rarely cancel out.
    direction = {name: rng.uniform(0.5, 1.0) * rng.choice((-1, 1)) for name in floats}
    # A continuous answer moves by about NUDGE too; a jump is far larger than that.
    jump = max(scoring.tolerance_of(r), 1e-6 * max(1.0, abs(r.answer)))
    for sign in (1, -1):
        moved = dict(r.params)
        for name, d in direction.items():
            value = r.params[name]
            moved[name] = value + sign * NUDGE * d * (abs(value) or 1.0)
        try:
            value = number_answer(q.answer, moved)
        except RenderError:
            return []   # the template needs the exact values (an index, say): nothing to test
        if abs(value - r.answer) > jump:
            return [("answer", f"the answer jumps from {r.answer:g} to {value:g} when the "
                     "float parameters move by one part in 10^12: a comparison sits exactly on "
                     "its threshold, where float rounding decides; compare with a margin "
                     "(x >= t - 1e-9) or avoid such draws")]
    return []


def _check_typed_answer(r: Rendered, key: str) -> list[tuple[str, str]]:
    """The answer as shown after a wrong try must itself be accepted when typed."""
    typed = scoring.typed_answer(r)
    try:
        got = scoring.score(r, scoring.parse(r, typed))
    except InvalidAnswer:
        return [(key, f"the answer as shown, {typed!r}, is not something a learner can type")]
    if got == 1:
        return []
    if r.type == "numeric":
        q = r.question
        return [("answer", f"the answer {r.answer!r} is shown as {typed} (at most 6 "
                 f"significant figures), which the tolerance (rel {q.rel:g}, abs {q.abs:g}) "
                 f"rejects: give it a tolerance, e.g. tolerance: {{rel: 0.001}}")]
    return [(key, f"the answer as shown, {typed!r}, scores {got:g} when typed")]


def _answer_key(q: Question) -> str:
    return {"single": "choices", "multiple": "choices", "text": "accept",
            "ordering": "items"}.get(q.type, "answer")


def _repeats(r: Rendered) -> list[tuple[str, str]]:
    texts = [c.text for c in r.choices] if r.choices else list(r.items)
    key = "choices" if r.choices else "items"
    seen: dict[str, int] = {}
    found = []
    for n, text in enumerate(texts):
        norm = scoring.collapse(text)
        if norm in seen:
            found.append((key, f"{key}[{n}] repeats {key}[{seen[norm]}]: {text!r}"))
        seen.setdefault(norm, n)
    return found


def _texts(r: Rendered) -> dict[str, str]:
    """Every text a learner may see in a rendering, by its key path."""
    texts = {"prompt": r.prompt, "explanation": r.explanation}
    texts.update({f"hints[{n}]": h for n, h in enumerate(r.hints)})
    for c in r.choices:
        texts[f"choices[{c.index}].text"] = c.text
        if c.feedback:
            texts[f"choices[{c.index}].feedback"] = c.feedback
    texts.update({f"items[{n}]": s for n, s in enumerate(r.items)})
    texts.update({f"accept[{n}]": s for n, s in enumerate(r.accept)})
    texts.update({"feedback_true": r.feedback_true or "", "feedback_false": r.feedback_false or ""})
    texts.update({f"mistakes[{m.index}].feedback": m.feedback for m in r.mistakes})
    return texts


def _latex(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, f"looks like LaTeX ({m[0]!r}): write formulas as plain text, like √(2/n)")
            for key, text in texts.items() if (m := _LATEX.search(text))]


def _ambiguous_powers(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, f"an exponent with a sign and no brackets ({_around(text, m.start())!r}): "
             "write e^(−1), not e^-1")
            for key, text in texts.items() if (m := _SIGNED_POWER.search(text))]


def _negative_zero(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, f"shows a negative zero ({m[0]!r} in {_around(text, m.start())!r}): "
             "let the template choose the sign ({{ -z }}, not -{{ z }}) or round before it does")
            for key, text in texts.items() if (m := NEGATIVE_ZERO.search(text))]


def _around(text: str, at: int, width: int = 30) -> str:
    """A short piece of text around a position, for a message."""
    return " ".join(text[max(at - width, 0):at + width].split())


def _unused_params(q: Question) -> list[str]:
    if not q.params:
        return []
    sources = [q.prompt, q.explanation, *q.hints, *q.accept, *q.items,
               q.feedback_true or "", q.feedback_false or ""]
    sources += [s for c in q.choices for s in (c.text, c.feedback or "")]
    sources += [s for m in q.mistakes for s in (m.feedback, m.answer or "")]
    if isinstance(q.answer, str):
        sources.append(q.answer)
    used: set[str] = set()
    for source in sources:
        names = template_names(source)
        if names is None:
            return []   # a syntax error, reported when rendering
        used |= names
    return [f"param '{p.name}' is not used by any template" for p in q.params
            if p.name not in used]


def _line(q: Question, where: str) -> int:
    """The line of a key path such as ``choices[2].text``, or of its nearest known parent."""
    while where not in q.key_lines:
        parent = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", where)
        if parent == where:
            return q.line
        where = parent
    return q.key_lines[where]


def _coverage(bank: Bank) -> list[Problem]:
    """Every topic has a file, and every subtopic a (valid) question."""
    if not bank.syllabus_ok:
        return []
    syllabus_file = shown_path(bank.root / SYLLABUS_NAME)
    covered = {(q.topic, q.subtopic) for q in bank.questions}
    problems = []
    for topic in bank.syllabus.topics.values():
        if topic.id not in bank.files:
            problems.append(Problem(syllabus_file, topic.line, topic.id,
                                    f"no question file ({topic.id}.yaml)"))
            continue
        valid = " valid" if topic.id in bank.broken else ""
        for sub in topic.subtopics:
            if (topic.id, sub) not in covered:
                problems.append(Problem(syllabus_file, topic.subtopic_lines.get(sub, topic.line),
                                        f"{topic.id}.subtopics.{sub}",
                                        f"no{valid} question for this subtopic"))
    return problems
