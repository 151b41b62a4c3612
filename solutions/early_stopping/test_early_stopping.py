"""Hidden suite for the early_stopping exercise.

Oracle: a plain-Python model of the specification (the README's table), run on the same
sequences of validation values; the same model with one mistake each names the likely
mistake. There is no torch built-in for early stopping. The sequences are written by hand
so that each rule shows: plateaus after improvements (where the patience count starts),
improvements of exactly min_delta in values that are exact in binary (0.25 steps, so the
comparison is exact), values of size 100 with min_delta 0.5 (an absolute and a relative
min_delta part ways), small improvements below min_delta (best moves, the counter does
not reset) and exact ties.

train_with_early_stopping gets callables that live in the learner's process: the bound
method `append` of a list kept there (train_step, so the epochs trained can be read back)
and the bound method `item` of an array of values kept there (evaluate(epoch) returns the
epoch's value).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.suite import LearnerError, assert_close, assert_fast_enough, fetch, keep_in_worker

# -- the specification and its known mistakes -----------------------------------------------

_DESCRIPTIONS = {
    "patience off by one": "stops one step late: stop as soon as the counter reaches patience "
                           "(counter >= patience)",
    "counted from best_step": "patience counted from best_step; best_step also moves on small "
                              "improvements and ties, the counter only resets on an improvement "
                              "by more than min_delta",
    "relative min_delta": "min_delta used as a fraction of best; it is an absolute amount "
                          "(value < best - min_delta)",
    "equal counted": "an improvement of exactly min_delta counted; it must be MORE than "
                     "min_delta (a strict <)",
    "ties not updating": "best_step not moved on a tie: a value equal to best moves best_step "
                         "to the later step",
    "best only when significant": "best only updated on improvements larger than min_delta; "
                                  "best is the best value seen, whatever min_delta",
    "max as min": "mode='max' treated as 'min': in 'max' mode higher values are better",
    "best starts at 0": "best started at 0 instead of at the first value (or infinity)",
    "counter never reset": "the counter is not reset to 0 by a significant improvement",
}


def _model(values, patience, min_delta=0.0, mode="min", mistake=None):
    """The specification, or one known mistake: per step (returned, best, best_step)."""
    sign = -1.0 if mode == "max" and mistake != "max as min" else 1.0
    best, best_step, wait, rows = None, None, 0, []
    for step, value in enumerate(values):
        ref = (0.0 if mistake == "best starts at 0" else math.inf) if best is None else sign * best
        cur = sign * value
        threshold = ref * (1.0 - min_delta) if mistake == "relative min_delta" else ref - min_delta
        significant = cur <= threshold if mistake == "equal counted" else cur < threshold
        if significant and mistake != "counter never reset":
            wait = 0
        else:
            wait += 1
        if mistake == "best only when significant":
            better = significant
        else:
            better = cur < ref if mistake == "ties not updating" else cur <= ref
        if better:
            best, best_step = value, step
        if mistake == "counted from best_step":
            stop = best_step is not None and step - best_step >= patience
        else:
            stop = wait > patience if mistake == "patience off by one" else wait >= patience
        rows.append((stop, best, best_step))
    return rows


def _run(submission, values, **kw):
    """The learner's EarlyStopping(**kw) fed `values`: per step (returned, best, best_step)."""
    stopper = submission.EarlyStopping(**kw)
    rows = []
    for value in values:
        stop = stopper.step(value)
        if not isinstance(stop, (bool, np.bool_)):
            raise AssertionError(f"step({value}) should return True or False, got {stop!r:.60}")
        rows.append((bool(stop), stopper.best, stopper.best_step))
    return rows


def _describe(row):
    stop, best, best_step = row
    return f"returned {stop}, best={best!r}, best_step={best_step!r}"


def _check(submission, values, **kw):
    """Compare the learner's run with the specification's, step by step, naming mistakes."""
    got = _run(submission, values, **kw)
    want = _model(values, **kw)
    if got == want:
        return
    step = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
    lines = [f"EarlyStopping({', '.join(f'{k}={v!r}' for k, v in kw.items())}) fed the values "
             f"{list(values)}:",
             f"  at step {step} (value {values[step]!r}): {_describe(got[step])}",
             f"  expected: {_describe(want[step])}"]
    # Some mistakes act alike on a short sequence: name every one that fits.
    matches = [text for key, text in _DESCRIPTIONS.items()
               if _model(values, mistake=key, **kw) == got]
    if len(matches) == 1:
        lines.append(f"  likely mistake: {matches[0]}")
    elif matches:
        lines.append("  likely mistake, one of:")
        lines.extend(f"    - {text}" for text in matches)
    raise AssertionError("\n".join(lines))


# -- EarlyStopping --------------------------------------------------------------------------

@pytest.mark.points(3)
def test_stops_once_patience_steps_pass_without_improvement(submission, reference):
    """patience=3: four improvements, then a plateau: True exactly at the third step without one."""
    _check(submission, [2.0, 1.5, 1.25, 1.0, 1.5, 1.25, 1.125, 1.75, 1.5], patience=3)


@pytest.mark.points(2)
def test_an_improvement_resets_the_counter(submission, reference):
    """patience=2: an improvement after one bad step starts the count again from 0."""
    _check(submission, [1.0, 1.5, 0.5, 0.75, 0.625, 0.25, 0.5, 0.75, 1.0], patience=2)


@pytest.mark.points(3)
def test_an_improvement_of_exactly_min_delta_does_not_count(submission, reference):
    """min_delta=0.25: 1.0 -> 0.75 is not an improvement (not MORE than 0.25), so step 3 stops."""
    _check(submission, [1.0, 1.0, 1.25, 0.75, 0.5, 0.75, 0.75, 0.5, 0.5, 0.0], patience=3,
           min_delta=0.25)


@pytest.mark.points(2)
def test_min_delta_is_an_absolute_amount(submission, reference):
    """Values near 100 with min_delta=0.5: 100 -> 99 is an improvement (by 1 > 0.5), not a 50% drop."""
    _check(submission, [100.0, 99.5, 99.0, 99.5, 100.0, 99.5, 99.0, 98.5, 97.5], patience=2,
           min_delta=0.5)


@pytest.mark.points(2)
def test_best_tracks_small_improvements_below_min_delta(submission, reference):
    """min_delta=0.5: 10 -> 9.75 -> 9.5 move best and best_step but do not reset the counter."""
    _check(submission, [10.0, 9.75, 9.5, 8.875, 8.75, 8.5, 8.375, 8.25], patience=3,
           min_delta=0.5)


@pytest.mark.points(2)
def test_a_tie_moves_best_step_but_is_no_improvement(submission, reference):
    """min_delta=0: a value equal to best moves best_step to the later step and adds 1 to the counter."""
    _check(submission, [3.0, 3.5, 3.0, 2.5, 3.0, 3.0, 3.0, 2.5, 2.5], patience=3)


@pytest.mark.points(2)
def test_mode_max_treats_higher_values_as_better(submission, reference):
    """mode='max' on accuracies: rises are improvements (by more than min_delta=0.25), falls are not."""
    _check(submission, [0.25, 0.5, 0.5, 0.75, 1.25, 1.75, 1.5, 1.5, 1.5, 1.75], patience=3,
           min_delta=0.25, mode="max")


@pytest.mark.points(1)
def test_an_unknown_mode_raises_value_error(submission, reference):
    """EarlyStopping(patience=2, mode='maximum') raises ValueError: only 'min' and 'max' exist."""
    with pytest.raises(ValueError):
        submission.EarlyStopping(patience=2, mode="maximum")


# -- the training loop ----------------------------------------------------------------------

def _loop(submission, values, max_epochs, **kw):
    """Run the learner's loop on worker-side callables: (best_step, history, epochs trained)."""
    trained = keep_in_worker(submission, [])                 # train_step = trained.append
    scores = keep_in_worker(submission, np.asarray(values, dtype=np.float64))
    stopper = submission.EarlyStopping(**kw)
    try:
        result = submission.train_with_early_stopping(trained.append, scores.item, max_epochs,
                                                      stopper)
    except LearnerError as error:
        # The callables are built-ins here, so a wrong call fails with their own words.
        raise AssertionError(
            f"your code raised {error}\n{error.learner_traceback}".rstrip() + "\n  note: here "
            "train_step is a list's append and evaluate an array's item; the loop must call "
            "train_step(epoch) and evaluate(epoch) with the epoch number") from None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"train_with_early_stopping should return (best_step, history), "
                             f"got {result!r:.80}")
    return result[0], result[1], fetch(trained)


def _check_loop(submission, values, max_epochs, **kw):
    """The loop's best_step, history and the epochs it trained, against the specification."""
    best_step, history, trained = _loop(submission, values, max_epochs, **kw)
    rows = _model(values[:max_epochs], **kw)
    stop_at = next((i for i, row in enumerate(rows) if row[0]), max_epochs - 1)
    want_trained = list(range(stop_at + 1))
    if list(trained) != want_trained:
        raise AssertionError(
            f"train_step was called with the epochs {list(trained)}; expected "
            f"{want_trained} (epochs count from 0, and the loop ends right after the epoch "
            f"whose stopper.step returned True, or after max_epochs={max_epochs})")
    if not isinstance(history, (list, tuple)):
        raise AssertionError(f"history should be a list of the values, got {history!r:.60}")
    # The values cross as they are: exact.
    assert_close(np.asarray(history, dtype=np.float64), np.asarray(values[:stop_at + 1]),
                 name="history (every value evaluate returned, in order)", rtol=0, atol=0)
    if best_step != rows[stop_at][2]:
        raise AssertionError(f"best_step: got {best_step!r}, expected {rows[stop_at][2]} "
                             f"(stopper.best_step when the loop ends, not the last epoch)")


@pytest.mark.points(3)
def test_loop_stops_and_returns_best_step_and_history(submission, reference):
    """The loop trains epochs 0..5, stops after epoch 5 (patience=2) and returns best_step=3 and 6 values."""
    _check_loop(submission, [1.0, 0.75, 0.5, 0.25, 0.5, 0.375, 0.125, 0.0], 8, patience=2)


@pytest.mark.points(2)
def test_loop_runs_max_epochs_when_it_never_stops(submission, reference):
    """Steady improvement with max_epochs=5: epochs 0..4 are trained and all 5 values returned."""
    _check_loop(submission, [5.0, 4.0, 3.0, 2.5, 2.0, 1.0, 0.5], 5, patience=1)


# -- speed ----------------------------------------------------------------------------------

@pytest.mark.points(1)
def test_fast_enough_and_right(submission, reference):
    """3000 epochs run within 100x of the reference (no scan of the whole history per step), and right."""
    n = 3_000
    values = np.cumsum(np.random.default_rng(0).standard_normal(n))   # a random walk
    trained = keep_in_worker(submission, [])
    scores = keep_in_worker(submission, values)
    # assert_fast_enough calls both loops the same number of times (an untimed one, then the
    # timed one) with the same arguments, so each side keeps ONE stopper across its calls:
    # the two stay in step, and the timed call sees a stopper with 3000 values behind it.
    # The reference needs ~1 ms here, so the limit is 100x: a scan of the history costs
    # ~1000x, while a correct loop stays clear of the grading machine's jitter.
    stopper = submission.EarlyStopping(patience=10**9)              # never stops
    ref_stopper = reference.EarlyStopping(patience=10**9)

    def reference_loop(*_learner_args):
        return reference.train_with_early_stopping(lambda epoch: None, values.item, n,
                                                   ref_stopper)

    got, want = assert_fast_enough(submission.train_with_early_stopping, reference_loop,
                                   trained.append, scores.item, n, stopper, max_ratio=100,
                                   repeat=1, advice="Keep the best value in the stopper: "
                                   "searching the whole history at every step makes the run "
                                   "quadratic in the number of epochs.")
    if got[0] != want[0]:
        raise AssertionError(f"best_step of the timed run: got {got[0]!r}, expected {want[0]}")
    assert_close(np.asarray(got[1], dtype=np.float64), np.asarray(want[1]),
                 name="history of the timed run", rtol=0, atol=0)
