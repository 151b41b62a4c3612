"""Render a question for one quiz seed: draw its parameters, then fill in its templates.

Parameters come from a generator seeded by the quiz seed and the question id (through
SHA-256, never Python's ``hash()``, which changes between runs), so the same seed gives the
same numbers on every machine. Float parameters are rounded as they are drawn, before any
template computes an answer from them: the answer is exact for the numbers the learner sees.

Templates run in jinja2's immutable sandbox with ``StrictUndefined``: an unknown name, or an
attempt to reach Python internals (``''.__class__``), is an error, never output.
"""
from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from grader.quiz.model import ABS_TOLERANCE_FLOOR, Mistake, Param, Question
from grader.quiz.scoring import parse_number

# The functions templates may call, besides the params and jinja2's filters.
FUNCTIONS: dict[str, Any] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "floor": math.floor,
    "ceil": math.ceil, "round": round, "abs": abs, "min": min, "max": max, "pi": math.pi,
}
# "-0", "-0.0", "−0.00" as a number of its own (not -0.5, not 1e-05): a negative zero.
NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-\u2212]0(?:\.0+)?(?!\.?\d)")
_MAX_REPEAT = 10_000    # largest string or list a template may build with `*`
_MAX_EXPONENT = 1_000   # largest integer exponent with `**` (2 ** 10**9 would hang)


class RenderError(Exception):
    """A template that cannot be rendered; ``field`` names the key (``choices[2].text``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing `*` and `**` that would exhaust memory or time."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            # '%.2f' % -0.001 gives "-0.00": a value that rounds to zero shows unsigned.
            formatted = super().call_binop(context, operator, left, right)
            return NEGATIVE_ZERO.sub(lambda m: m[0][1:], formatted)
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and \
                        times * max(len(seq), 1) > _MAX_REPEAT:
                    raise SecurityError("a repeated string or list would be too long")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and \
                abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"an integer exponent above {_MAX_EXPONENT} is refused")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    # Floats print with at most 12 significant digits, so 0.1 + 0.2 shows as 0.3.
    if isinstance(value, float) and math.isfinite(value):
        return f"{value + 0.0:.12g}"   # + 0.0: a -0.0 shows as "0"
    return value


def _environment(finalize: bool) -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
                   finalize=_finalize if finalize else None)
    env.globals.clear()   # no range, lipsum, cycler...: only what the doc lists
    env.globals.update(FUNCTIONS)
    return env


_TEXT_ENV = _environment(finalize=True)      # everything shown to the learner
_NUMBER_ENV = _environment(finalize=False)   # numeric answers: full precision
_CACHE: dict[tuple[bool, str], Template] = {}


def render_template(source: str, params: dict[str, Any], field: str,
                    number: bool = False) -> str:
    """Render one template with the params; RenderError on any failure."""
    if "{" not in source:
        return source   # plain text: nothing to fill in (most choices and explanations)
    key = (number, source)
    try:
        template = _CACHE.get(key)
        if template is None:
            template = (_NUMBER_ENV if number else _TEXT_ENV).from_string(source)
            _CACHE[key] = template
        # A shared context of the params and the functions: what render() would build, without
        # copying the environment's globals on every call (the check renders thousands).
        context = template.new_context({**FUNCTIONS, **params}, shared=True)
        return template.environment.concat(template.root_render_func(context))
    except SecurityError as error:
        raise RenderError(field, f"refused by the sandbox: {error}") from None
    except Exception as error:  # a template may fail in any way; report, never crash
        kind = type(error).__name__
        raise RenderError(field, f"{kind}: {error}") from None


def template_names(source: str) -> set[str] | None:
    """The names a template reads (params or functions); None on a syntax error."""
    try:
        return set(meta.find_undeclared_variables(_TEXT_ENV.parse(source)))
    except TemplateSyntaxError:
        return None


# -- seeded parameters -------------------------------------------------------------------

def seeded_random(*parts: object) -> random.Random:
    """A generator seeded from the parts through SHA-256: stable across runs and machines."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_params(params: tuple[Param, ...], seed: int, question_id: str) -> dict[str, Any]:
    """Draw every parameter, in the order written, rounding floats as they are drawn."""
    if not params:
        return {}
    rng = seeded_random("params", seed, question_id)
    values: dict[str, Any] = {}
    for param in params:
        if param.kind == "choice":
            values[param.name] = rng.choice(param.values)
        elif param.kind == "int":
            values[param.name] = rng.randint(int(param.low), int(param.high))
        else:
            drawn = param.low + (param.high - param.low) * rng.random()
            # + 0.0 turns a draw rounded to -0.0 into 0.0, which shows as "0", not "-0".
            values[param.name] = round(drawn, param.digits) + 0.0
    return values


# -- a rendered question -----------------------------------------------------------------

@dataclass(frozen=True)
class RenderedChoice:
    """A choice as shown: its text, whether it is correct, its feedback."""

    text: str
    correct: bool
    feedback: str | None
    index: int          # its position in the file


@dataclass(frozen=True)
class RenderedMistake:
    """A named mistake as one rendering sees it: the answer it gives, and its feedback.

    ``answer`` is parsed like a learner's answer: a float (numeric), the text (text), the
    display position of the choice (single) or a frozenset of them (multiple)."""

    answer: Any
    feedback: str
    index: int          # its position in the question's list of mistakes


@dataclass(frozen=True)
class Rendered:
    """A question as one learner sees it for one seed; every template filled in."""

    question: Question
    seed: int
    params: dict[str, Any]
    prompt: str
    explanation: str
    hints: tuple[str, ...] = ()
    choices: tuple[RenderedChoice, ...] = ()   # single / multiple, in display order
    answer: bool | float | None = None         # true_false / numeric
    feedback_true: str | None = None
    feedback_false: str | None = None
    accept: tuple[str, ...] = ()               # text
    items: tuple[str, ...] = ()                # ordering: the correct order
    order: tuple[int, ...] = ()                # ordering: order[k] = item shown k-th
    mistakes: tuple[RenderedMistake, ...] = ()

    @property
    def type(self) -> str:
        return self.question.type


def render(question: Question, seed: int, params: dict[str, Any] | None = None) -> Rendered:
    """Render every template of a question for a quiz seed; RenderError on any failure.
    ``params`` are the seed's parameters when the caller has drawn them already."""
    if params is None:
        params = draw_params(question.params, seed, question.id)

    def text(source: str | None, field: str) -> str | None:
        if source is None:
            return None
        rendered = render_template(source, params, field).strip()
        if not rendered:
            raise RenderError(field, "renders to empty text")
        return rendered

    fields: dict[str, Any] = {}
    if question.type in ("single", "multiple"):
        choices = [RenderedChoice(text(c.text, f"choices[{n}].text"), c.correct,
                                  text(c.feedback, f"choices[{n}].feedback"), n)
                   for n, c in enumerate(question.choices)]
        if question.shuffle:
            seeded_random("shuffle", seed, question.id).shuffle(choices)
        fields["choices"] = tuple(choices)
    elif question.type == "true_false":
        fields.update(answer=question.answer,
                      feedback_true=text(question.feedback_true, "feedback_true"),
                      feedback_false=text(question.feedback_false, "feedback_false"))
    elif question.type == "numeric":
        fields["answer"] = number_answer(question.answer, params)
    elif question.type == "text":
        fields["accept"] = tuple(text(a, f"accept[{n}]") for n, a in enumerate(question.accept))
    elif question.type == "ordering":
        items = tuple(text(s, f"items[{n}]") for n, s in enumerate(question.items))
        fields.update(items=items, order=_shuffled_order(
            len(items), seeded_random("shuffle", seed, question.id)))
    fields["mistakes"] = tuple(_mistake(question, m, n, params, fields.get("choices", ()), text)
                               for n, m in enumerate(question.mistakes))
    return Rendered(question, seed, params, text(question.prompt, "prompt"),
                    text(question.explanation, "explanation"),
                    tuple(text(h, f"hints[{n}]") for n, h in enumerate(question.hints)),
                    **fields)


def _mistake(question: Question, mistake: Mistake, n: int, params: dict[str, Any],
             choices: tuple[RenderedChoice, ...], text: Callable[[str, str], str]
             ) -> RenderedMistake:
    """Render one named mistake; its answer is parsed as a learner's answer would be."""
    field = f"mistakes[{n}]"
    feedback = text(mistake.feedback, f"{field}.feedback")
    if question.type == "numeric":
        answer: Any = number_answer(mistake.answer, params, f"{field}.answer")
    elif question.type == "text":
        answer = text(mistake.answer, f"{field}.answer")
    else:
        shown_at = {c.index: k for k, c in enumerate(choices)}   # file position -> display
        picked = frozenset(shown_at[k] for k in mistake.choices)
        answer = next(iter(picked)) if question.type == "single" else picked
    return RenderedMistake(answer, feedback, n)


def number_answer(answer: Any, params: dict[str, Any], field: str = "answer") -> float:
    """A numeric answer (a number, or a template rendered at full precision) as a float."""
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        value = float(answer)
    else:
        rendered = render_template(str(answer), params, field, number=True).strip()
        value = parse_number(rendered)
        if value is None:
            raise RenderError(field, f"renders to {rendered!r}, not a number")
    if not math.isfinite(value):
        raise RenderError(field, f"renders to {value}, not a finite number")
    # Rounding noise around zero (1.2 - 0.4 * 3 is -2.2e-16) is zero: shown as 0, typed as 0.
    return 0.0 if abs(value) < ABS_TOLERANCE_FLOOR else value


def _shuffled_order(count: int, rng: random.Random) -> tuple[int, ...]:
    """A shuffled order of the steps that is never the correct order itself."""
    order = list(range(count))
    rng.shuffle(order)
    if order == sorted(order):
        order = order[1:] + order[:1]   # a rotation is never the identity for count >= 2
    return tuple(order)
