"""Pick the questions of a quiz from the bank and the learner's progress.

A mixed quiz goes through the topics weakest first (lowest mean quiz score; topics never
answered count as the weakest) and takes one question from each in turn until it has
enough. Within a topic, questions never answered or last answered wrong come first. Ties
are broken by a hash of the quiz seed, so the same seed and the same progress give the same
quiz; ``session`` makes a replay see the progress as it was when the seed was first used.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

from grader.quiz.model import Question

DEFAULT_COUNT = 10


def _tiebreak(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _by_need(questions: list[Question], seed: int,
             scores: Mapping[str, float]) -> list[Question]:
    """Unanswered and missed questions first (an unanswered one counts as scoring 0)."""
    return sorted(questions, key=lambda q: (scores.get(q.id, 0.0), _tiebreak(seed, q.id)))


def weakest_topics(topics: list[str], seed: int, accuracy: Mapping[str, object]) -> list[str]:
    """Topic ids, weakest first; ``accuracy`` maps a topic to something with ``mean_score``."""
    def key(topic: str) -> tuple[float, int]:
        known = accuracy.get(topic)
        return (known.mean_score if known is not None else -1.0, _tiebreak(seed, "topic", topic))
    return sorted(topics, key=key)


def select_questions(by_topic: Mapping[str, list[Question]], count: int, seed: int,
                     accuracy: Mapping[str, object], scores: Mapping[str, float],
                     topic: str | None = None, subtopic: str | None = None) -> list[Question]:
    """The questions of one quiz, in the order they are asked."""
    if topic is not None:
        pool = [q for q in by_topic.get(topic, []) if subtopic in (None, q.subtopic)]
        return _by_need(pool, seed, scores)[:count]
    queues = [_by_need(by_topic[t], seed, scores)
              for t in weakest_topics([t for t in by_topic if by_topic[t]], seed, accuracy)]
    chosen: list[Question] = []
    depth = 0
    while len(chosen) < count and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < count:
                chosen.append(queue[depth])
        depth += 1
    return chosen
