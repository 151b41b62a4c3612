"""Load and validate the question bank: ``syllabus.yaml`` and one ``<topic>.yaml`` per topic.

Loading never stops at the first mistake: every problem is collected (file, line, question id
and key path, with "did you mean" help) so ``learn quiz check`` can list them all. A quiz
uses only the files that loaded without problems. The schema is docs/question-bank.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import UserError
from grader.quiz.model import (QUESTION_TYPES, SCHEMA_VERSION, Choice, Mistake, Param,
                               Question, Syllabus, Topic)
from grader.yamlfile import Checker, Problem, did_you_mean, line_of, load_yaml

SYLLABUS_NAME = "syllabus.yaml"
ID_RE = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
ID_RULE = "use lowercase letters and digits joined by '-', like 'init-he-std'"
PARAM_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names a parameter may not take: the template functions and jinja2's own words.
RESERVED_NAMES = frozenset({"sqrt", "exp", "log", "floor", "ceil", "round", "abs", "min", "max",
                            "pi", "and", "or", "not", "in", "is", "if", "else", "for", "true",
                            "false", "none", "True", "False", "None", "loop", "self"})
RESERVED_TOPICS = frozenset({"check"})   # `learn quiz check` is the bank check
MAX_CHOICES = 26                         # lettered a..z
_COLON_NOTE = " (a ': ' in unquoted text starts a mapping: quote the text or use '|')"

COMMON_REQUIRED = ("id", "subtopic", "type", "prompt", "explanation")
COMMON_OPTIONAL = ("difficulty", "tags", "hints", "params")
TYPE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # type -> (required, optional)
    "single": (("choices",), ("shuffle", "mistakes")),
    "multiple": (("choices",), ("shuffle", "mistakes")),
    "true_false": (("answer",), ("feedback_true", "feedback_false")),
    "numeric": (("answer",), ("tolerance", "mistakes")),
    "text": (("accept",), ("pattern", "mistakes")),
    "ordering": (("items",), ()),
}
_ALL_TYPE_KEYS = tuple(dict.fromkeys(k for req, opt in TYPE_KEYS.values() for k in req + opt))


@dataclass
class Bank:
    """The loaded bank: every question that validated, and every problem found."""

    root: Path
    syllabus: Syllabus
    questions: list[Question]                       # syllabus order, then file order
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)   # topic id -> its file
    broken: set[str] = field(default_factory=set)          # topic ids whose file has problems
    syllabus_ok: bool = True

    def usable(self) -> dict[str, list[Question]]:
        """Questions by topic id, for topics whose file loaded cleanly (syllabus order)."""
        result: dict[str, list[Question]] = {}
        for question in self.questions:
            if question.topic not in self.broken:
                result.setdefault(question.topic, []).append(question)
        return result


def shown_path(path: Path) -> str:
    """A path as shown in messages: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_bank(root: Path) -> Bank:
    """Load the syllabus and every topic file under ``root``, collecting all problems."""
    if not root.is_dir():
        raise UserError(f"{root}: no such question bank folder")
    problems: list[Problem] = []
    syllabus, syllabus_ok = _load_syllabus(root / SYLLABUS_NAME, problems)
    order = {topic_id: n for n, topic_id in enumerate(syllabus.topics)}
    paths = [p for p in root.glob("*.yaml") if p.name != SYLLABUS_NAME]
    paths.sort(key=lambda p: (order.get(p.stem, len(order)), p.name))
    for stray in sorted(root.glob("*.yml")):
        problems.append(Problem(shown_path(stray), 0, "", "rename the file to end in .yaml"))

    bank = Bank(root, syllabus, [], problems, syllabus_ok=syllabus_ok)
    first_seen: dict[str, str] = {}   # question id -> "file:line" of its first use
    for path in paths:
        checker = Checker(shown_path(path))
        for qid, line, question in _load_topic_file(path, checker, syllabus, syllabus_ok):
            if qid in first_seen:
                checker.add(line, qid, f"duplicate id (first used at {first_seen[qid]})")
                continue
            first_seen[qid] = f"{checker.file}:{line}"
            if question:
                bank.questions.append(question)
        bank.files[path.stem] = path
        if checker.problems:
            bank.broken.add(path.stem)
        problems.extend(checker.problems)
    return bank


# -- the syllabus ------------------------------------------------------------------------

def _load_syllabus(path: Path, problems: list[Problem]) -> tuple[Syllabus, bool]:
    """Read syllabus.yaml; on any problem return what could be read and False."""
    checker = Checker(shown_path(path))
    data = _read(path, checker)
    topics: dict[str, Topic] = {}
    sections: list[str] = []
    if data is not None and checker.mapping(data, "", 1, required=("version", "sections")):
        _version(checker, data)
        if checker.typed(data, "sections", "", list, "a list of sections"):
            for s, section in enumerate(data["sections"]):
                where = f"sections[{s}]"
                if not checker.mapping(section, where, line_of(data["sections"], s),
                                       required=("title", "topics")):
                    continue
                title = _text(checker, section, "title", where) or ""
                sections.append(title)
                if checker.typed(section, "topics", where, list, "a list of topics"):
                    for t, raw in enumerate(section["topics"]):
                        topic = _syllabus_topic(checker, raw, f"{where}.topics[{t}]",
                                                line_of(section["topics"], t), title, topics)
                        if topic:
                            topics[topic.id] = topic
    problems.extend(checker.problems)
    return Syllabus(topics, tuple(sections)), not checker.problems


def _syllabus_topic(checker: Checker, raw: Any, where: str, line: int, section: str,
                    known: dict[str, Topic]) -> Topic | None:
    if not checker.mapping(raw, where, line, required=("id", "title", "subtopics")):
        return None
    before = len(checker.problems)
    topic_id = raw.get("id")
    if checker.typed(raw, "id", where, str, "a topic id"):
        if not ID_RE.match(topic_id):
            checker.add(line_of(raw, "id"), f"{where}.id", f"bad topic id '{topic_id}': {ID_RULE}")
        elif topic_id in RESERVED_TOPICS:
            checker.add(line_of(raw, "id"), f"{where}.id",
                        f"'{topic_id}' is reserved (learn quiz {topic_id} is a command)")
        elif topic_id in known:
            checker.add(line_of(raw, "id"), f"{where}.id", f"duplicate topic id '{topic_id}'")
    title = _text(checker, raw, "title", where)
    subtopics: dict[str, str] = {}
    lines: dict[str, int] = {}
    subs = raw.get("subtopics")
    if checker.typed(raw, "subtopics", where, dict, "a mapping of subtopic id to title"):
        if not subs:
            checker.add(line_of(raw, "subtopics"), f"{where}.subtopics", "no subtopics")
        for sub_id, sub_title in subs.items():
            sub_where = f"{where}.subtopics.{sub_id}"
            if not isinstance(sub_id, str) or not ID_RE.match(sub_id):
                checker.add(line_of(subs, sub_id), sub_where, f"bad subtopic id: {ID_RULE}")
            elif _text(checker, subs, sub_id, f"{where}.subtopics") is not None:
                subtopics[sub_id] = str(sub_title)
                lines[sub_id] = line_of(subs, sub_id)
    if len(checker.problems) > before:
        return None
    return Topic(topic_id, title or topic_id, section, subtopics, line, lines)


# -- a topic file ------------------------------------------------------------------------

def _load_topic_file(path: Path, checker: Checker, syllabus: Syllabus,
                     syllabus_ok: bool) -> list[tuple[Any, int, Question | None]]:
    """(id as written, line, the question or None when invalid) for every question."""
    data = _read(path, checker)
    if data is None or not checker.mapping(data, "", 1,
                                           required=("version", "topic", "questions")):
        return []
    _version(checker, data)
    topic: Topic | None = None
    if checker.typed(data, "topic", "", str, "a topic id"):
        name = data["topic"]
        if name != path.stem:
            checker.add(line_of(data, "topic"), "topic",
                        f"'{name}' does not match the file name {path.name}")
        if name in syllabus.topics:
            topic = syllabus.topics[name]
        elif syllabus_ok:
            checker.add(line_of(data, "topic"), "topic", f"'{name}' is not a topic of "
                        f"{SYLLABUS_NAME}{did_you_mean(name, syllabus.topics)}")
    elif path.stem in syllabus.topics:
        topic = syllabus.topics[path.stem]
    result: list[tuple[Any, int, Question | None]] = []
    if checker.typed(data, "questions", "", list, "a list of questions"):
        raw_list = data["questions"]
        for index, raw in enumerate(raw_list):
            line = line_of(raw_list, index)
            question = _question(checker, raw, index, line, topic, path.stem)
            qid = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(qid, str):
                result.append((qid, line, question))
    return result


def _question(checker: Checker, raw: Any, index: int, line: int, topic: Topic | None,
              topic_id: str) -> Question | None:
    """Validate one question; None when it has any problem (all of them recorded)."""
    where = f"questions[{index}]"
    if not isinstance(raw, dict):
        checker.add(line, where, f"expected a question (a mapping), got {type(raw).__name__}")
        return None
    qid = raw.get("id")
    if isinstance(qid, str) and ID_RE.match(qid):
        where = qid   # errors name the question by its id once it has a usable one
    before = len(checker.problems)
    qtype = raw.get("type")
    if qtype in TYPE_KEYS:
        required = COMMON_REQUIRED + TYPE_KEYS[qtype][0]
        optional = COMMON_OPTIONAL + TYPE_KEYS[qtype][1]
        foreign = tuple(k for k in _ALL_TYPE_KEYS if k not in required + optional)
    else:  # the type is wrong or missing: do not also complain about its keys
        required, optional, foreign = COMMON_REQUIRED, COMMON_OPTIONAL + _ALL_TYPE_KEYS, ()
    checker.mapping(raw, where, line, required, optional + foreign)
    for key in foreign:
        if key in raw:
            owners = ", ".join(t for t, (req, opt) in TYPE_KEYS.items() if key in req + opt)
            checker.add(line_of(raw, key), f"{where}.{key}",
                        f"not a key of {qtype} questions (only of: {owners})")

    if "id" in raw and checker.typed(raw, "id", where, str, "a string id") and \
            not ID_RE.match(qid):
        checker.add(line_of(raw, "id"), f"{where}.id", f"bad id '{qid}': {ID_RULE}")
    if "type" in raw and checker.typed(raw, "type", where, str, "a question type") and \
            qtype not in TYPE_KEYS:
        checker.add(line_of(raw, "type"), f"{where}.type", f"unknown type '{qtype}'"
                    f"{did_you_mean(qtype, QUESTION_TYPES)}; one of: {', '.join(QUESTION_TYPES)}")
    subtopic = raw.get("subtopic")
    if "subtopic" in raw and checker.typed(raw, "subtopic", where, str, "a subtopic id") and \
            topic is not None and subtopic not in topic.subtopics:
        checker.add(line_of(raw, "subtopic"), f"{where}.subtopic",
                    f"'{subtopic}' is not a subtopic of {topic.id} in {SYLLABUS_NAME}"
                    f"{did_you_mean(subtopic, topic.subtopics)}")
    prompt = _text(checker, raw, "prompt", where)
    explanation = _text(checker, raw, "explanation", where)
    difficulty = raw.get("difficulty", 1)
    if checker.typed(raw, "difficulty", where, int, "an integer 1, 2 or 3") and \
            difficulty not in (1, 2, 3):
        checker.add(line_of(raw, "difficulty"), f"{where}.difficulty",
                    f"expected 1, 2 or 3, got {difficulty}")
    tags = _string_list(checker, raw, "tags", where, texts=False)
    hints = _string_list(checker, raw, "hints", where)
    params = _params(checker, raw, where)
    fields = _type_fields(checker, raw, where, qtype) if qtype in TYPE_KEYS else {}
    if "mistakes" in raw and qtype in TYPE_KEYS and "mistakes" in TYPE_KEYS[qtype][1]:
        fields["mistakes"] = _mistakes(checker, raw, where, qtype)
    if len(checker.problems) > before:
        return None
    key_lines = {key: line_of(raw, key) for key in raw}
    for n, choice in enumerate(raw.get("choices") or ()):
        key_lines[f"choices[{n}]"] = line_of(raw["choices"], n)
    return Question(id=qid, topic=topic_id, subtopic=subtopic, type=qtype, prompt=prompt,
                    explanation=explanation, difficulty=difficulty, tags=tags, hints=hints,
                    params=params, file=checker.file, line=line, key_lines=key_lines, **fields)


def _type_fields(checker: Checker, raw: dict, where: str, qtype: str) -> dict[str, Any]:
    """Validate the answer keys of one question type; return them as Question fields."""
    if qtype in ("single", "multiple"):
        shuffle = raw.get("shuffle", False)
        checker.typed(raw, "shuffle", where, bool, "true or false")
        return {"choices": _choices(checker, raw, where, qtype), "shuffle": shuffle}
    if qtype == "true_false":
        checker.typed(raw, "answer", where, bool, "true or false")
        return {"answer": raw.get("answer"),
                "feedback_true": _text(checker, raw, "feedback_true", where),
                "feedback_false": _text(checker, raw, "feedback_false", where)}
    if qtype == "numeric":
        answer = raw.get("answer")
        if checker.typed(raw, "answer", where, (int, float, str), "a number or a template") \
                and isinstance(answer, str) and not answer.strip():
            checker.add(line_of(raw, "answer"), f"{where}.answer", "empty answer")
        return {"answer": answer, **_tolerance(checker, raw, where)}
    if qtype == "text":
        pattern = raw.get("pattern")
        if checker.typed(raw, "pattern", where, str, "a regular expression"):
            try:
                re.compile(pattern)
            except re.error as error:
                checker.add(line_of(raw, "pattern"), f"{where}.pattern",
                            f"not a valid regular expression: {error}")
        accept = _string_list(checker, raw, "accept", where)
        if "accept" in raw and isinstance(raw["accept"], list) and not raw["accept"]:
            checker.add(line_of(raw, "accept"), f"{where}.accept",
                        "give at least one accepted answer (the first is shown as the answer)")
        return {"accept": accept, "pattern": pattern}
    items = _string_list(checker, raw, "items", where)
    if isinstance(raw.get("items"), list) and not 2 <= len(raw["items"]) <= MAX_CHOICES:
        checker.add(line_of(raw, "items"), f"{where}.items",
                    f"expected 2 to {MAX_CHOICES} steps, got {len(raw['items'])}")
    return {"items": items}


def _choices(checker: Checker, raw: dict, where: str, qtype: str) -> tuple[Choice, ...]:
    if not checker.typed(raw, "choices", where, list, "a list of choices"):
        return ()
    items = raw["choices"]
    result: list[Choice] = []
    for n, item in enumerate(items):
        item_where = f"{where}.choices[{n}]"
        if not checker.mapping(item, item_where, line_of(items, n), required=("text",),
                               optional=("correct", "feedback")):
            continue
        checker.typed(item, "correct", item_where, bool, "true or false")
        text = _text(checker, item, "text", item_where)
        feedback = _text(checker, item, "feedback", item_where)
        result.append(Choice(text or "", item.get("correct") is True, feedback))
    line = line_of(raw, "choices")
    if not 2 <= len(items) <= MAX_CHOICES:
        checker.add(line, f"{where}.choices", f"expected 2 to {MAX_CHOICES} choices, "
                    f"got {len(items)}")
    correct = sum(c.correct for c in result)
    if qtype == "single" and correct != 1:
        checker.add(line, f"{where}.choices",
                    f"a single-choice question needs exactly one 'correct: true', found {correct}")
    if qtype == "multiple" and not 1 <= correct < len(items):
        checker.add(line, f"{where}.choices", "a multiple-choice question needs at least one "
                    f"correct and one wrong choice, found {correct} correct of {len(items)}")
    return tuple(result)


def _mistakes(checker: Checker, raw: dict, where: str, qtype: str) -> tuple[Mistake, ...]:
    """The named mistakes: {answer, feedback} (numeric, text) or {choices, feedback}."""
    if not checker.typed(raw, "mistakes", where, list, "a list of mistakes"):
        return ()
    by_choice = qtype in ("single", "multiple")
    key = "choices" if by_choice else "answer"
    items = raw["mistakes"]
    result: list[Mistake] = []
    for n, item in enumerate(items):
        item_where, line = f"{where}.mistakes[{n}]", line_of(items, n)
        if not checker.mapping(item, item_where, line, required=(key, "feedback")):
            continue
        feedback = _text(checker, item, "feedback", item_where)
        if by_choice:
            picks = _choice_positions(checker, item, item_where, raw, qtype)
            if picks is not None and feedback:
                result.append(Mistake(feedback, choices=picks, line=line))
        else:
            answer = _text(checker, item, "answer", item_where)
            if answer is not None and feedback:
                result.append(Mistake(feedback, answer=answer, line=line))
    return tuple(result)


def _choice_positions(checker: Checker, item: dict, where: str, raw: dict,
                      qtype: str) -> tuple[int, ...] | None:
    """The choice positions of a mistake: in range, and not the correct answer."""
    picks = item["choices"]
    choices = raw.get("choices") if isinstance(raw.get("choices"), list) else []
    line = line_of(item, "choices")
    if not (isinstance(picks, list) and picks and
            all(isinstance(k, int) and not isinstance(k, bool) for k in picks)):
        checker.add(line, f"{where}.choices", "expected a list of choice positions counted "
                    "from 0, like [2]")
        return None
    if any(not 0 <= k < len(choices) for k in picks) or len(set(picks)) != len(picks):
        checker.add(line, f"{where}.choices", f"expected distinct positions 0 to "
                    f"{len(choices) - 1}, got {picks}")
        return None
    if qtype == "single" and len(picks) != 1:
        checker.add(line, f"{where}.choices", "a single-choice mistake picks one choice")
        return None
    right = {k for k, c in enumerate(choices) if isinstance(c, dict) and c.get("correct") is True}
    if set(picks) == right:
        checker.add(line, f"{where}.choices", f"{picks} is the correct answer, not a mistake")
        return None
    return tuple(picks)


def _tolerance(checker: Checker, raw: dict, where: str) -> dict[str, float]:
    result: dict[str, float] = {}
    tol = raw.get("tolerance")
    if "tolerance" not in raw or not checker.mapping(tol, f"{where}.tolerance",
                                                     line_of(raw, "tolerance"),
                                                     optional=("rel", "abs")):
        return result
    for key in ("rel", "abs"):
        if checker.typed(tol, key, f"{where}.tolerance", (int, float), "a number"):
            value = float(tol[key])
            limit_ok = value < 1 if key == "rel" else True
            if value < 0 or value != value or not limit_ok:
                checker.add(line_of(tol, key), f"{where}.tolerance.{key}",
                            f"expected a number >= 0{' and < 1' if key == 'rel' else ''}, "
                            f"got {tol[key]}")
            result[key] = value
    return result


def _params(checker: Checker, raw: dict, where: str) -> tuple[Param, ...]:
    if "params" not in raw or not checker.typed(raw, "params", where, dict,
                                                "a mapping of name to generator"):
        return ()
    specs = raw["params"]
    result: list[Param] = []
    for name, spec in specs.items():
        pw, line = f"{where}.params.{name}", line_of(specs, name)
        if not isinstance(name, str) or not PARAM_NAME_RE.match(name):
            checker.add(line, pw, "a parameter name is a Python-style identifier, like n_in")
            continue
        if name in RESERVED_NAMES:
            checker.add(line, pw, f"'{name}' is reserved (a template function or keyword)")
            continue
        if not isinstance(spec, dict):
            checker.add(line, pw, "expected a generator: {choice: [...]}, {int: [lo, hi]} or "
                        "{float: [lo, hi], round: k}")
            continue
        checker.mapping(spec, pw, line, optional=("choice", "int", "float", "round"))
        kinds = [k for k in ("choice", "int", "float") if k in spec]
        if len(kinds) != 1:
            checker.add(line, pw, "needs exactly one of choice, int, float")
            continue
        param = _param(checker, name, kinds[0], spec, pw)
        if param:
            result.append(param)
    return tuple(result)


def _param(checker: Checker, name: str, kind: str, spec: dict, where: str) -> Param | None:
    value, line = spec[kind], line_of(spec, kind)
    if "round" in spec and kind != "float":
        checker.add(line_of(spec, "round"), f"{where}.round", "only float parameters are rounded")
    if kind == "choice":
        ok = isinstance(value, list) and value and all(
            isinstance(v, (str, int, float)) for v in value)
        if not ok:
            checker.add(line, f"{where}.choice", "expected a non-empty list of numbers or strings")
            return None
        return Param(name, kind, tuple(value))
    numbers = (int,) if kind == "int" else (int, float)
    ok = (isinstance(value, list) and len(value) == 2 and
          all(isinstance(v, numbers) and not isinstance(v, bool) for v in value))
    if not ok or value[0] > value[1] or (kind == "float" and value[0] == value[1]):
        what = "integers" if kind == "int" else "numbers"
        checker.add(line, f"{where}.{kind}", f"expected [lo, hi]: two {what} with lo < hi")
        return None
    digits = spec.get("round", 2)
    if checker.typed(spec, "round", where, int, "a whole number of decimals") and \
            not 0 <= digits <= 12:
        checker.add(line_of(spec, "round"), f"{where}.round", "expected 0 to 12 decimals")
    return Param(name, kind, (), value[0], value[1], digits if isinstance(digits, int) else 2)


# -- small helpers -----------------------------------------------------------------------

def _read(path: Path, checker: Checker) -> Any:
    """Parse a YAML file, turning a syntax error into a problem; None when unreadable."""
    try:
        data = load_yaml(path, shown_as=checker.file)
    except UserError as error:
        text = str(error).removeprefix(checker.file)
        match = re.match(r"^:(\d+): (.*)$", text, re.S)
        line, message = (int(match[1]), match[2]) if match else (0, text.lstrip(": "))
        checker.add(line, "", message)
        return None
    if data is None:
        checker.add(0, "", "the file is empty")
    return data


def _version(checker: Checker, data: dict) -> None:
    if checker.typed(data, "version", "", int, "an integer") and data["version"] != SCHEMA_VERSION:
        checker.add(line_of(data, "version"), "version", f"unsupported version "
                    f"{data['version']}: this learn reads version {SCHEMA_VERSION}")


def _text(checker: Checker, mapping: dict, key: str, where: str) -> str | None:
    """A text field: a string (a plain number is taken as its text); None if absent or bad."""
    if key not in mapping:
        return None
    value = mapping[key]
    if isinstance(value, dict):
        checker.add(line_of(mapping, key), f"{where}.{key}", f"expected text, got a mapping"
                    f"{_COLON_NOTE}")
        return None
    if not checker.typed(mapping, key, where, (str, int, float), "text"):
        return None
    text = value if isinstance(value, str) else str(value)
    if not text.strip():
        checker.add(line_of(mapping, key), f"{where}.{key}", "empty text")
        return None
    return text


def _string_list(checker: Checker, mapping: dict, key: str, where: str,
                 texts: bool = True) -> tuple[str, ...]:
    """A list of texts (or, with texts=False, of plain strings such as tags)."""
    if key not in mapping or not checker.typed(mapping, key, where, list, "a list"):
        return ()
    values = mapping[key]
    result = []
    for n, value in enumerate(values):
        kinds = (str, int, float) if texts else (str,)
        if not isinstance(value, kinds) or isinstance(value, bool) or not str(value).strip():
            what = "a non-empty text" if texts else "a word"
            note = _COLON_NOTE if isinstance(value, dict) else ""
            checker.add(line_of(values, n), f"{where}.{key}[{n}]",
                        f"expected {what}, got {value!r}{note}")
            continue
        result.append(str(value))
    return tuple(result)
