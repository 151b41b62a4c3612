"""The learner's progress: grading attempts, hints revealed and quiz answers, in SQLite.

The store lives in the state directory (``$LEARN_HOME``, else ``$XDG_DATA_HOME/learn``, else
``~/.local/share/learn``); tests point ``LEARN_HOME`` at a temporary folder. Every write is one
SQLite transaction in WAL mode, so a process killed in the middle of a write leaves the
previous state intact, and several processes may write at once (they wait for each other).
Everything else (best score, passed-at) is derived from the rows, never stored twice.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UserError

STATE_DIR_ENV = "LEARN_HOME"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id        INTEGER PRIMARY KEY,
    slug      TEXT NOT NULL,
    at        REAL NOT NULL,      -- unix time
    score     REAL NOT NULL,
    max_score REAL NOT NULL,
    passed    INTEGER NOT NULL,   -- every test passed
    seconds   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_slug ON attempts (slug);
CREATE TABLE IF NOT EXISTS hints (
    slug  TEXT PRIMARY KEY,
    level INTEGER NOT NULL        -- how many hints have been revealed
);
CREATE TABLE IF NOT EXISTS quiz_answers (
    id          INTEGER PRIMARY KEY,
    question_id TEXT NOT NULL,
    topic       TEXT NOT NULL,
    at          REAL NOT NULL,
    score       REAL NOT NULL,    -- 0..1
    seed        INTEGER
);
CREATE INDEX IF NOT EXISTS quiz_by_topic ON quiz_answers (topic);
"""


def state_dir() -> Path:
    """The folder holding the learner's state (progress store, backups)."""
    if env := os.environ.get(STATE_DIR_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "learn"


@dataclass(frozen=True)
class ExerciseProgress:
    """What the store knows of one exercise."""

    attempts: int = 0
    best_score: float | None = None
    max_score: float | None = None
    passed_at: float | None = None   # unix time of the first passing grade
    hint_level: int = 0
    last_attempt_at: float | None = None   # unix time of the latest grade

    @property
    def passed(self) -> bool:
        return self.passed_at is not None


@dataclass(frozen=True)
class TopicAccuracy:
    """Quiz answers given on one topic."""

    answered: int
    mean_score: float   # 0..1


class ProgressStore:
    """The progress database. Open with :meth:`open` (default location) or a path."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 30000")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise UserError(
                    f"{self.path}: progress store written by a newer version of learn "
                    f"(schema {version}, this version reads {SCHEMA_VERSION}); upgrade learn")
            self._db.execute("PRAGMA journal_mode = WAL")
            if version == 0:
                # One script, one transaction: a kill here leaves an empty file, not half a schema.
                self._db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        except sqlite3.DatabaseError as error:
            raise UserError(
                f"{self.path}: the progress store is unreadable ({error}); move the file "
                f"aside to start afresh") from None
        except OSError as error:
            raise UserError(f"{self.path}: cannot open the progress store: {error}") from None

    @classmethod
    def open(cls) -> "ProgressStore":
        """Open the store in the state directory."""
        return cls(state_dir() / "progress.sqlite3")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ProgressStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue
        # instead of failing halfway through a read-modify-write.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _write(self, sql: str, args: tuple) -> None:
        try:
            with self._transaction():
                self._db.execute(sql, args)
        except sqlite3.DatabaseError as error:
            raise UserError(f"{self.path}: cannot write progress: {error}") from None

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as error:
            raise UserError(f"{self.path}: cannot read progress: {error}") from None

    # -- exercises -----------------------------------------------------------------------

    def record_attempt(self, slug: str, score: float, max_score: float, passed: bool,
                       seconds: float) -> None:
        """Remember one grading of an exercise."""
        self._write("INSERT INTO attempts (slug, at, score, max_score, passed, seconds) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (slug, time.time(), float(score), float(max_score), int(passed), seconds))

    def exercises(self) -> dict[str, ExerciseProgress]:
        """Progress of every exercise that has any, by slug."""
        rows = self._read(
            "SELECT slug, COUNT(*), MAX(score), MAX(max_score), "
            "MIN(CASE WHEN passed THEN at END), MAX(at) FROM attempts GROUP BY slug")
        hints = dict(self._read("SELECT slug, level FROM hints"))
        result = {slug: ExerciseProgress(count, best, top, passed_at, hints.get(slug, 0), last)
                  for slug, count, best, top, passed_at, last in rows}
        for slug, level in hints.items():
            result.setdefault(slug, ExerciseProgress(hint_level=level))
        return result

    def exercise(self, slug: str) -> ExerciseProgress:
        """Progress of one exercise (empty when never graded)."""
        return self.exercises().get(slug, ExerciseProgress())

    def reveal_hint(self, slug: str, available: int) -> int:
        """Reveal one more hint (up to ``available``); return how many are now revealed."""
        self._write(
            "INSERT INTO hints (slug, level) VALUES (?, MIN(1, ?)) "
            "ON CONFLICT (slug) DO UPDATE SET level = MIN(level + 1, ?)",
            (slug, available, available))
        return self.exercise(slug).hint_level

    # -- quizzes -------------------------------------------------------------------------

    def record_quiz_answer(self, question_id: str, topic: str, score: float,
                           seed: int | None = None) -> None:
        """Remember one answered quiz question (score from 0 to 1)."""
        self._write("INSERT INTO quiz_answers (question_id, topic, at, score, seed) "
                    "VALUES (?, ?, ?, ?, ?)", (question_id, topic, time.time(), float(score), seed))

    def quiz_accuracy(self) -> dict[str, TopicAccuracy]:
        """Answers given and mean score, per topic."""
        rows = self._read("SELECT topic, COUNT(*), AVG(score) FROM quiz_answers GROUP BY topic")
        return {topic: TopicAccuracy(count, mean) for topic, count, mean in rows}

    def question_scores(self) -> dict[str, float]:
        """The latest score of every question answered, by question id."""
        rows = self._read(
            "SELECT question_id, score FROM quiz_answers AS q WHERE at = "
            "(SELECT MAX(at) FROM quiz_answers WHERE question_id = q.question_id)")
        return dict(rows)

    # A quiz replayed with its seed must see the progress as it was when the seed was first
    # used (its own answers since then would otherwise change which questions come first).

    def quiz_seed_first_used(self, seed: int) -> float | None:
        """When the first answer given with this quiz seed was recorded (None if never)."""
        return self._read("SELECT MIN(at) FROM quiz_answers WHERE seed = ?", (seed,))[0][0]

    def quiz_accuracy_before(self, at: float) -> dict[str, TopicAccuracy]:
        """Like :meth:`quiz_accuracy`, counting only the answers recorded before ``at``."""
        rows = self._read("SELECT topic, COUNT(*), AVG(score) FROM quiz_answers "
                          "WHERE at < ? GROUP BY topic", (at,))
        return {topic: TopicAccuracy(count, mean) for topic, count, mean in rows}

    def question_scores_before(self, at: float) -> dict[str, float]:
        """Like :meth:`question_scores`, counting only the answers recorded before ``at``."""
        rows = self._read(
            "SELECT question_id, score FROM quiz_answers AS q WHERE at = "
            "(SELECT MAX(at) FROM quiz_answers WHERE question_id = q.question_id AND at < ?)",
            (at,))
        return dict(rows)
