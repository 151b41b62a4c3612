"""The results document of one grading run, in the shape of Gradescope's results.json.

Top level: ``score``, ``max_score``, ``execution_time``, ``output``, ``tests``; each test:
``name``, ``score``, ``max_score``, ``status`` (passed/failed), ``output``, ``visibility``,
plus ``reason``: passed, failed, not_attempted, error, timeout, memory, crash or forbidden.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REASONS = ("passed", "failed", "not_attempted", "error", "timeout", "memory", "crash", "forbidden")


@dataclass
class TestResult:
    """One test of a hidden suite, as graded."""

    name: str
    description: str          # the test's docstring, first line
    max_score: float
    reason: str               # one of REASONS
    message: str = ""         # why it failed, for the learner
    learner_output: str = ""  # what the learner's code printed during the test
    output_bytes: int = 0     # the full size of that output, of which learner_output is the head
    visibility: str = "visible"
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown test reason {self.reason!r}; expected one of {REASONS}")

    @property
    def passed(self) -> bool:
        return self.reason == "passed"

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0

    def output_text(self) -> str:
        """The test's message and the learner's output, with a note when output was cut."""
        parts = [self.message] if self.message else []
        if self.learner_output or self.output_bytes:
            parts.append("--- your code printed ---\n" + self.learner_output)
            shown = len(self.learner_output.encode("utf-8"))
            if self.output_bytes > shown:
                parts.append(f"[output truncated: {self.output_bytes - shown:,} more bytes not shown]")
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 4),
                "max_score": round(self.max_score, 4),
                "status": "passed" if self.passed else "failed", "reason": self.reason,
                "output": self.output_text(), "visibility": self.visibility}


@dataclass
class GradeResult:
    """The grade of one submission of one exercise."""

    exercise: str
    submission: str
    tests: list[TestResult] = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""          # anything to say about the run as a whole

    @property
    def score(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)

    @property
    def passed(self) -> bool:
        """Every test ran and passed (and there was at least one)."""
        return bool(self.tests) and all(test.passed for test in self.tests)

    @property
    def passed_count(self) -> int:
        return sum(test.passed for test in self.tests)

    def to_json(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "submission": self.submission,
                "score": round(self.score, 4), "max_score": round(self.max_score, 4),
                "execution_time": round(self.execution_time, 3), "output": self.output,
                "tests": [test.to_json() for test in self.tests]}

    def to_dict(self) -> dict[str, Any]:
        """Every field, for passing a result between grading processes (not for users)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GradeResult":
        """The inverse of to_dict."""
        tests = [TestResult(**test) for test in data["tests"]]
        return cls(**{**data, "tests": tests})
