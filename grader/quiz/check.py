"""``learn quiz check``: validate the whole bank and self-test every question.

Beyond the schema (``bank.py``), each question is rendered for 20 seeds, and for each
rendering: the stated correct answer scores 1; the answer as shown to the learner (what
they would type; at most 6 significant figures for a number) parses and scores 1; every
distractor scores below 1 (each wrong choice; for numeric answers, values off by twice the
tolerance, twice and half the answer; for text, clearly wrong strings; for ordering, each
pair of neighbouring steps swapped). No choice or step repeats, no text looks like LaTeX,
every parameter is used, ids are unique, and every subtopic of the syllabus has a question.
Every problem is listed; none stops the check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.quiz import scoring
from grader.quiz.bank import SYLLABUS_NAME, Bank, load_bank, shown_path
from grader.quiz.model import Question
from grader.quiz.render import RenderError, Rendered, render, template_names
from grader.quiz.scoring import InvalidAnswer
from grader.yamlfile import Problem

SEEDS = 20
# A backslash command (\sqrt, \frac), $...$ maths, or a braced sub/superscript (x_{in}).
_LATEX = re.compile(r"\\[A-Za-z]{2,}|\$[^$\n]+\$|[_^]\{")


@dataclass
class CheckReport:
    """The outcome of a check: every problem, and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    questions: int = 0
    parameterised: int = 0

    def summary(self) -> str:
        share = round(100 * self.parameterised / self.questions) if self.questions else 0
        return (f"question bank OK: {self.files} topic files, {self.questions} questions "
                f"({self.parameterised} parameterised, {share}%), each rendered for "
                f"{SEEDS} seeds")


def check_bank(root: Path, seeds: int = SEEDS) -> CheckReport:
    """Check the bank under ``root``; the report lists every problem found."""
    bank = load_bank(root)
    report = CheckReport(list(bank.problems), len(bank.files), len(bank.questions),
                         sum(q.parameterised for q in bank.questions))
    for question in bank.questions:
        report.problems += check_question(question, seeds)
    report.problems += _coverage(bank)
    report.problems.sort(key=lambda p: (p.file, p.line))
    return report


def check_question(question: Question, seeds: int = SEEDS) -> list[Problem]:
    """Render a question for each seed and self-test it; stops at the first bad seed."""
    problems = [Problem(question.file, question.line_of("params"), f"{question.id}.params",
                        message) for message in _unused_params(question)]
    for seed in range(seeds):
        found = _check_rendering(question, seed)
        if found:
            suffix = f" (seed {seed})" if _seeded(question) else ""
            problems += [Problem(question.file, _line(question, where), f"{question.id}.{where}",
                                 message + suffix) for where, message in found]
            break
    return problems


def _seeded(question: Question) -> bool:
    """True when the rendering depends on the seed (parameters or a shuffle)."""
    return question.parameterised or question.shuffle or question.type == "ordering"


def _check_rendering(q: Question, seed: int) -> list[tuple[str, str]]:
    """(key, message) for everything wrong with one rendering."""
    try:
        r = render(q, seed)
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
    found += _repeats(r)
    found += _latex(r)
    return found


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


def _latex(r: Rendered) -> list[tuple[str, str]]:
    texts = {"prompt": r.prompt, "explanation": r.explanation}
    texts.update({f"hints[{n}]": h for n, h in enumerate(r.hints)})
    for c in r.choices:
        texts[f"choices[{c.index}].text"] = c.text
        if c.feedback:
            texts[f"choices[{c.index}].feedback"] = c.feedback
    texts.update({f"items[{n}]": s for n, s in enumerate(r.items)})
    texts.update({"feedback_true": r.feedback_true or "", "feedback_false": r.feedback_false or ""})
    return [(key, f"looks like LaTeX ({m[0]!r}): write formulas as plain text, like √(2/n)")
            for key, text in texts.items() if (m := _LATEX.search(text))]


def _unused_params(q: Question) -> list[str]:
    if not q.params:
        return []
    sources = [q.prompt, q.explanation, *q.hints, *q.accept, *q.items,
               q.feedback_true or "", q.feedback_false or ""]
    sources += [s for c in q.choices for s in (c.text, c.feedback or "")]
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
