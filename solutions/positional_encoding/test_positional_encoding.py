"""Hidden suite for positional_encoding: closed forms, spot values and known mistakes.

The oracle is the formula itself, evaluated entry by entry with `math.sin` / `math.cos`
(`closed_form`), independently of the reference's vectorised code. `variant` builds the
table a known mistake would give, so a failure can name the likely mistake. Inputs use an
odd d_model, max_len both above and below d_model, and a non-default base, because
d_model == max_len, an even d_model or the default base would hide several mistakes.

Tolerance: entries lie in [-1, 1]; two correct float64 implementations (power vs exp/log,
broadcast vs loop) differ by about 1e-13 at position 1000, so values are compared with
atol = 1e-10 and rtol = 1e-9, far below any of the mistakes (which move entries by > 1e-3).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from grader.suite import assert_close, assert_fast_enough


def require(condition: bool, message: str) -> None:
    """Fail with exactly this message (no assertion introspection noise)."""
    if not condition:
        raise AssertionError(message)


RTOL, ATOL = 1e-9, 1e-10


def closed_form(max_len: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/d)), PE[p, 2i+1] = cos(p / base^(2i/d)), entry by entry."""
    pe = np.empty((max_len, d_model))
    for p in range(max_len):
        for j in range(d_model):
            angle = p / base ** ((j - j % 2) / d_model)  # j - j % 2 = 2i, the pair's even column
            pe[p, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


def variant(max_len: int, d_model: int, base: float = 10000.0, *, first: int = 0,
            exponent: str = "2i", denom: float | None = None, sign: float = -1.0,
            swap: bool = False, halves: bool = False, last_zero: bool = False,
            last_cos: bool = False) -> np.ndarray:
    """The table a known mistake gives (the default arguments give the correct table).

    first: the first position; exponent: "2i", "i" (pair index) or "j" (each column its own
    index); denom: what the exponent is divided by (d_model); sign: -1 divides p by
    base^(...), +1 multiplies; swap: cos in even columns; halves: all sin then all cos;
    last_zero / last_cos: what an odd d_model's last column holds instead of its sine.
    """
    denom = d_model if denom is None else denom
    p = np.arange(first, first + max_len, dtype=np.float64)[:, None]  # (L, 1)
    j = np.arange(d_model)  # (D,) column index
    n_sin = (d_model + 1) // 2
    if halves:  # column j < n_sin is the sine of pair j; the rest are cosines of pair j - n_sin
        pair = np.where(j < n_sin, j, j - n_sin)
        is_sin = j < n_sin
    else:
        pair = j // 2
        is_sin = j % 2 == 0
    if swap:
        is_sin = ~is_sin
    power = {"2i": 2.0 * pair, "i": 1.0 * pair, "j": 1.0 * j}[exponent]
    angles = p * float(base) ** (sign * power / denom)  # (L, D)
    pe = np.where(is_sin, np.sin(angles), np.cos(angles))
    if d_model % 2 and last_zero:
        pe[:, -1] = 0.0
    if d_model % 2 and last_cos:
        pe[:, -1] = np.cos(angles[:, -1])
    return pe


def known_mistakes(max_len: int, d_model: int, base: float = 10000.0) -> dict[str, np.ndarray]:
    """Description -> table for every known mistake at these arguments."""
    args = (max_len, d_model, base)
    bugs = {
        "positions start at 1 instead of 0": variant(*args, first=1),
        "sin and cos swapped (sin goes in the even columns)": variant(*args, swap=True),
        "all sines then all cosines (halves) instead of interleaved pairs": variant(*args, halves=True),
        "exponent uses the pair index i instead of 2i": variant(*args, exponent="i"),
        "the cos column uses its own index 2i+1 in the exponent instead of its pair's 2i":
            variant(*args, exponent="j"),
        "exponent sign flipped: p * base^(2i/d_model) instead of p / base^(2i/d_model)":
            variant(*args, sign=1.0),
        "max_len used in place of d_model in the exponent": variant(*args, denom=max_len),
        "base argument ignored (10000 hard-coded)": variant(max_len, d_model, 10000.0),
        "odd d_model: the last column is left at zero instead of holding its sine":
            variant(*args, last_zero=True),
        "odd d_model: the last column holds a cosine; it is a sine column":
            variant(*args, last_cos=True),
    }
    correct = closed_form(*args)
    # Drop the mistakes these arguments cannot reveal (e.g. base ignored when base = 10000).
    return {text: table for text, table in bugs.items()
            if not np.allclose(table, correct, rtol=RTOL, atol=ATOL)}


def table(submission, max_len: int, d_model: int, *args) -> np.ndarray:
    """Call the learner's function; a shape error on an odd d_model fails with a hint."""
    try:
        return submission.sinusoidal_positional_encoding(max_len, d_model, *args)
    except (ValueError, IndexError) as error:
        if d_model % 2:
            raise AssertionError(
                f"sinusoidal_positional_encoding({max_len}, {d_model}) raised {error}\n"
                f"  likely mistake: an odd d_model has {(d_model + 1) // 2} sin columns but only "
                f"{d_model // 2} cos columns") from None
        raise


def check_table(submission, max_len: int, d_model: int, base: float | None = None) -> None:
    """Compare the learner's table with the closed form, naming a matching known mistake."""
    args = () if base is None else (base,)
    got = table(submission, max_len, d_model, *args)
    base_value = 10000.0 if base is None else base
    want = closed_form(max_len, d_model, base_value)
    assert_close(got, want, name=f"PE = sinusoidal_positional_encoding({max_len}, {d_model}"
                 f"{'' if base is None else f', base={base}'})", rtol=RTOL, atol=ATOL,
                 bugs=known_mistakes(max_len, d_model, base_value))


@pytest.mark.points(1)
def test_shape_and_float64_dtype(submission):
    """The table has shape (max_len, d_model) and dtype float64."""
    for max_len, d_model in [(11, 6), (3, 10), (9, 7)]:
        got = np.asarray(table(submission, max_len, d_model))
        require(got.shape == (max_len, d_model),
            f"sinusoidal_positional_encoding({max_len}, {d_model}) has shape {got.shape}, "
            f"expected ({max_len}, {d_model})"
            + ("\n  likely mistake: the table is transposed" if got.shape == (d_model, max_len) else ""))
        require(got.dtype == np.float64,
            f"sinusoidal_positional_encoding({max_len}, {d_model}) has dtype {got.dtype}, "
            "expected float64\n  likely mistake: a float32 array or float32 positions")


@pytest.mark.points(1)
def test_position_zero_row_is_0_1_0_1(submission):
    """Row 0 (position 0) is [0, 1, 0, 1, ...]: sin(0) in even columns, cos(0) in odd ones."""
    got = table(submission, 5, 8)
    # exact up to rounding: atol 1e-12
    assert_close(got[0], closed_form(5, 8)[0], name="PE[0] (position 0)", rtol=0, atol=1e-12,
                 bugs={text: t[0] for text, t in known_mistakes(5, 8).items()})


@pytest.mark.points(1)
def test_first_pair_is_sin_and_cos_of_position(submission):
    """Columns 0 and 1 are sin(p) and cos(p) for every position p (frequency 1)."""
    got = table(submission, 20, 6)
    p = np.arange(20, dtype=np.float64)
    want = np.stack([np.sin(p), np.cos(p)], axis=1)  # (20, 2)
    assert_close(got[:, :2], want, name="PE[:, :2] (the first sin/cos pair)", rtol=RTOL, atol=ATOL,
                 bugs={text: t[:, :2] for text, t in known_mistakes(20, 6).items()})


@pytest.mark.points(3)
def test_matches_closed_form_even_d_model(submission):
    """A (13, 8) table matches the formula entry by entry."""
    check_table(submission, 13, 8)


@pytest.mark.points(2)
def test_odd_d_model_last_column_is_sine(submission):
    """An odd d_model works, and its last column is a sine column: (9, 7) and (4, 5)."""
    check_table(submission, 9, 7)
    check_table(submission, 4, 5)


@pytest.mark.points(1)
def test_max_len_longer_than_d_model(submission):
    """max_len > d_model: a (50, 6) table matches the formula."""
    check_table(submission, 50, 6)


@pytest.mark.points(1)
def test_max_len_shorter_than_d_model(submission):
    """max_len < d_model: a (3, 10) table matches the formula."""
    check_table(submission, 3, 10)


@pytest.mark.points(2)
def test_base_argument_is_used(submission):
    """A non-default base (100.0, and 2.5 with odd d_model) changes the wavelengths."""
    check_table(submission, 12, 10, 100.0)
    check_table(submission, 6, 9, 2.5)


@pytest.mark.points(1)
def test_each_pair_shares_one_frequency(submission):
    """For every pair, PE[:, 2i]^2 + PE[:, 2i+1]^2 == 1: sin and cos of the same angle."""
    got = np.asarray(table(submission, 17, 10), dtype=np.float64)
    sums = got[:, 0::2] ** 2 + got[:, 1::2] ** 2  # (17, 5)
    bug_sums = {text: t[:, 0::2] ** 2 + t[:, 1::2] ** 2
                for text, t in known_mistakes(17, 10).items()}
    # only the mistakes that break the identity can be recognised from these sums
    bug_sums = {text: s for text, s in bug_sums.items() if not np.allclose(s, 1.0, atol=1e-6)}
    # sin^2 + cos^2 = 1 up to rounding: atol 1e-12
    assert_close(sums, np.ones((17, 5)), name="PE[:, 2i]**2 + PE[:, 2i+1]**2", rtol=0, atol=1e-12,
                 check_dtype=False, bugs=bug_sums)


@pytest.mark.points(1)
def test_far_position_spot_values(submission):
    """Spot values at position 1000 of a (1001, 16) table, where precision loss would show."""
    got = table(submission, 1001, 16)
    p = 1000
    expected = [(j, math.sin(p / 10000 ** (j / 16)) if j % 2 == 0 else
                 math.cos(p / 10000 ** ((j - 1) / 16))) for j in (0, 1, 6, 7, 14, 15)]
    cols = [j for j, _ in expected]
    want = np.array([v for _, v in expected])
    # float64 angles at p = 1000 are good to ~1e-13; float32 ones are off by ~1e-4
    assert_close(np.asarray(got)[p, cols], want, name=f"PE[1000, {cols}]", rtol=RTOL, atol=ATOL,
                 check_dtype=False,
                 bugs={text: t[p, cols] for text, t in known_mistakes(1001, 16).items()})


@pytest.mark.points(1)
def test_fast_enough(submission, reference):
    """A (1000, 256) table is built vectorised (at most 20x the reference's time)."""
    got, want = assert_fast_enough(submission.sinusoidal_positional_encoding,
                                   reference.sinusoidal_positional_encoding, 1000, 256,
                                   max_ratio=20)
    # The point counts only when the timed table is right; tolerance as the value tests.
    assert_close(got, want, name="the timed (1000, 256) table", rtol=1e-9, atol=1e-12)
