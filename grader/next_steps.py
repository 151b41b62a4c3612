"""Where the learner is in the course, and what to suggest next.

Three questions, answered from the progress store alone:

* which exercise the learner is on (``learn``, ``learn grade`` and ``learn watch`` without a
  slug follow it): the one graded most recently that has not passed yet, else the first one
  not passed;
* what comes after a pass: the first exercise not passed yet, wherever it is in the course
  (an exercise solved out of order is never suggested again);
* which quiz goes with an exercise: its topic, when the course's question bank has it.
"""
from __future__ import annotations

from grader.course import Course, Exercise, syllabus_topics
from grader.progress import ExerciseProgress


def first_unpassed(course: Course, progress: dict[str, ExerciseProgress]) -> Exercise | None:
    """The first exercise in course order that has not passed; None when all have."""
    for exercise in course.exercises:
        if not progress.get(exercise.slug, ExerciseProgress()).passed:
            return exercise
    return None


def current_exercise(course: Course, progress: dict[str, ExerciseProgress]) -> Exercise | None:
    """The exercise in progress: the most recently graded one not passed yet, else the first
    one not passed; None when every exercise has passed."""
    started = [e for e in course.exercises
               if (state := progress.get(e.slug)) is not None and not state.passed
               and state.last_attempt_at is not None]
    if started:
        return max(started, key=lambda e: progress[e.slug].last_attempt_at or 0.0)
    return first_unpassed(course, progress)


def quiz_topic(course: Course, exercise: Exercise) -> str | None:
    """The `learn quiz` topic of an exercise; None when the course has no quiz on it."""
    topics = syllabus_topics(course.root)
    return exercise.topic if topics is not None and exercise.topic in topics else None


def quiz_line(course: Course, exercise: Exercise) -> str | None:
    """'Quiz:  learn quiz <topic> ...' for an exercise, or None when there is no such quiz."""
    topic = quiz_topic(course, exercise)
    return None if topic is None else f"Quiz:  learn quiz {topic}     (the concepts behind it)"


def after_pass(course: Course, exercise: Exercise,
               progress: dict[str, ExerciseProgress]) -> list[str]:
    """The lines that follow a passing grade of exercise: the quiz on its topic, what next."""
    lines = []
    topic = quiz_topic(course, exercise)
    if topic is not None:
        lines.append(f"Check the concepts: learn quiz {topic}")
    upcoming = first_unpassed(course, progress)
    if upcoming is None:
        lines.append("That was the last one: every exercise of the course has passed.")
    else:
        lines.append(f"Next: learn show {upcoming.slug}")
    return lines
