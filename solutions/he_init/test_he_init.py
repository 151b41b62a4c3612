"""Hidden suite for he_init: fans against torch.nn.init, samplers against their laws.

The samplers are judged by their law, not their values: each distribution test draws one
weight tensor, flattens it and checks its mean, its spread and its shape (Kolmogorov-Smirnov)
against the expected normal or uniform law. Shapes are chosen so that every mix-up gives a
visibly different spread: every dimension distinct, non-square linear layers, conv kernels
with distinct sizes, and both fan modes. The `bugs` dictionaries map each known mistake to
the std (or bound) it would give, so a failure names the likely mistake.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.suite import assert_close, assert_fast_enough, assert_normal, assert_uniform


def require(condition: bool, message: str) -> None:
    """Fail with exactly this message (no assertion introspection noise)."""
    if not condition:
        raise AssertionError(message)


CONV = (16, 3, 5, 7)  # the spec's example: fan_in = 3*35 = 105, fan_out = 16*35 = 560
LAW_CONV = (60, 12, 5, 3)  # 10 800 draws; fan_in = 180, fan_out = 900, in_channels = 12
LINEAR = (300, 70)  # (out_features, in_features): 21 000 draws; fan_in = 70, fan_out = 300
SEED = 1234
MODE_FAN_OUT_BUG = ("fan_in used for mode='fan_out' (mode ignored, the two modes swapped, "
                    "or fans swapped in compute_fans)")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """The oracle: (fan_in, fan_out) from torch.nn.init's own fan computation."""
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return int(fan_in), int(fan_out)


def expect_value_error(fn, *args, what: str, hint: str, **kwargs) -> None:
    """Call fn and fail with a clear message unless it raises ValueError."""
    try:
        result = fn(*args, **kwargs)
    except ValueError:
        return
    except (IndexError, KeyError, TypeError, ZeroDivisionError) as error:
        raise AssertionError(f"{what} raised {error}, expected ValueError\n"
                             f"  likely mistake: {hint}") from None
    raise AssertionError(f"{what} returned {str(result)[:80]} instead of raising ValueError\n"
                         f"  likely mistake: {hint}")


# ---------------------------------------------------------------- compute_fans


@pytest.mark.points(1)
def test_compute_fans_linear_layer_is_in_then_out(submission):
    """compute_fans on non-square linear weights (out_features, in_features) matches torch."""
    for shape in [(7, 3), LINEAR, (5, 11)]:
        got = submission.compute_fans(shape)
        want = fans(shape)
        # exact integers: tolerance 0; any int or float type is accepted
        assert_close(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                     name=f"compute_fans({shape})", rtol=0, atol=0, check_dtype=False,
                     bugs={"fan_in and fan_out swapped (fan_in is shape[1] in the "
                           "(out_features, in_features) layout)": np.asarray(want[::-1], dtype=float)})


@pytest.mark.points(2)
def test_compute_fans_conv_counts_the_kernel(submission):
    """compute_fans multiplies the kernel size into both fans for 1-D, 2-D and 3-D convs."""
    for shape in [CONV, (8, 6, 3), (4, 2, 3, 5, 7)]:
        got = submission.compute_fans(shape)
        want = fans(shape)
        out_ch, in_ch = shape[0], shape[1]
        receptive = math.prod(shape[2:])
        # exact integers: tolerance 0
        assert_close(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                     name=f"compute_fans({shape})", rtol=0, atol=0, check_dtype=False,
                     bugs={"kernel size left out of the fans": np.array([in_ch, out_ch], float),
                           "fan_in and fan_out swapped": np.asarray(want[::-1], dtype=float),
                           "kernel size counted once, not per channel":
                               np.array([in_ch + receptive, out_ch + receptive], float)})


@pytest.mark.points(1)
def test_compute_fans_rejects_shapes_below_two_dims(submission):
    """compute_fans raises ValueError for a 1-D shape (a bias) and for the empty shape."""
    for shape in [(5,), ()]:
        expect_value_error(submission.compute_fans, shape, what=f"compute_fans({shape})",
                           hint="no check that the shape has at least 2 dimensions")


# ---------------------------------------------------------------- He normal

def he_normal_bugs(shape: tuple[int, ...], mode: str) -> dict[str, float]:
    """The std each known He-normal mistake would give for `shape` and `mode`."""
    fan_in, fan_out = fans(shape)
    fan, other = (fan_in, fan_out) if mode == "fan_in" else (fan_out, fan_in)
    channels = shape[1] if mode == "fan_in" else shape[0]
    return {
        "std = 2/sqrt(fan): the 2 belongs inside the square root": 2 / math.sqrt(fan),
        "variance used as std (std = 2/fan)": 2 / fan,
        "sqrt(2/fan) used as the variance (std = (2/fan)**0.25)": (2 / fan) ** 0.25,
        f"{'fan_out' if mode == 'fan_in' else 'fan_in'} used instead of {mode} "
        "(mode mix-up, or fans swapped in compute_fans)": math.sqrt(2 / other),
        "kernel size left out of the fan": math.sqrt(2 / channels),
        "LeCun std sqrt(1/fan) instead of He's sqrt(2/fan)": math.sqrt(1 / fan),
    }


@pytest.mark.points(3)
def test_he_normal_fan_in_law_conv(submission):
    """he_normal on a conv weight draws from N(0, 2/fan_in) with the kernel in the fan."""
    fan_in, _ = fans(LAW_CONV)
    w = submission.he_normal(LAW_CONV, mode="fan_in", seed=SEED)
    # tolerance: assert_normal's band of 5 standard errors, ±3.4% on the std for 10 800 draws;
    # every listed mistake is at least 13% away
    assert_normal(np.ravel(w), std=math.sqrt(2 / fan_in), name="he_normal(fan_in) samples",
                  bugs=he_normal_bugs(LAW_CONV, "fan_in"))


@pytest.mark.points(2)
def test_he_normal_fan_out_law_conv(submission):
    """he_normal with mode='fan_out' draws from N(0, 2/fan_out)."""
    _, fan_out = fans(LAW_CONV)
    w = submission.he_normal(LAW_CONV, mode="fan_out", seed=SEED + 1)
    # tolerance: 5 standard errors, ±3.4% on the std for 10 800 draws
    bugs = he_normal_bugs(LAW_CONV, "fan_out")
    bugs[MODE_FAN_OUT_BUG] = bugs.pop(
        "fan_in used instead of fan_out (mode mix-up, or fans swapped in compute_fans)")
    assert_normal(np.ravel(w), std=math.sqrt(2 / fan_out), name="he_normal(fan_out) samples",
                  bugs=bugs)


@pytest.mark.points(1)
def test_he_normal_linear_layer_uses_in_features(submission):
    """he_normal on a non-square linear weight (300, 70) uses fan_in = in_features = 70."""
    w = submission.he_normal(LINEAR, seed=SEED + 2)  # default mode is fan_in
    # tolerance: 5 standard errors, ±2.4% on the std for 21 000 draws
    assert_normal(np.ravel(w), std=math.sqrt(2 / 70), name="he_normal((300, 70)) samples",
                  bugs={"fan_out = out_features used instead of fan_in = in_features "
                        "(shape[0] read as the input size, or the modes swapped)": math.sqrt(2 / 300),
                        "std = 2/sqrt(fan_in)": 2 / math.sqrt(70),
                        "variance used as std (std = 2/fan_in)": 2 / 70})


# ---------------------------------------------------------------- He uniform

def he_uniform_bugs(shape: tuple[int, ...], mode: str) -> dict[str, float]:
    """The bound each known He-uniform mistake would give."""
    fan_in, fan_out = fans(shape)
    fan, other = (fan_in, fan_out) if mode == "fan_in" else (fan_out, fan_in)
    channels = shape[1] if mode == "fan_in" else shape[0]
    return {
        "bound sqrt(3/fan) (LeCun's bound) instead of sqrt(6/fan)": math.sqrt(3 / fan),
        "normal std sqrt(2/fan) used as the uniform bound": math.sqrt(2 / fan),
        f"{'fan_out' if mode == 'fan_in' else 'fan_in'} used instead of {mode}": math.sqrt(6 / other),
        "kernel size left out of the fan": math.sqrt(6 / channels),
    }


@pytest.mark.points(2)
def test_he_uniform_fan_in_law_conv(submission):
    """he_uniform on a conv weight draws from U(-sqrt(6/fan_in), sqrt(6/fan_in))."""
    fan_in, _ = fans(LAW_CONV)
    w = submission.he_uniform(LAW_CONV, mode="fan_in", seed=SEED + 3)
    # tolerance: assert_uniform's max|w| within bound * (1 - 20/10 800), none beyond the bound
    assert_uniform(np.ravel(w), bound=math.sqrt(6 / fan_in), name="he_uniform(fan_in) samples",
                   bugs=he_uniform_bugs(LAW_CONV, "fan_in"))


@pytest.mark.points(1)
def test_he_uniform_fan_out_law_linear(submission):
    """he_uniform with mode='fan_out' on a (300, 70) weight uses fan_out = 300."""
    w = submission.he_uniform(LINEAR, mode="fan_out", seed=SEED + 4)
    bugs = he_uniform_bugs(LINEAR, "fan_out")
    bugs[MODE_FAN_OUT_BUG] = bugs.pop("fan_in used instead of fan_out")
    # tolerance: max|w| within bound * (1 - 20/21 000), none beyond the bound
    assert_uniform(np.ravel(w), bound=math.sqrt(6 / 300), name="he_uniform(fan_out) samples",
                   bugs=bugs)


# ---------------------------------------------------------------- Xavier

def xavier_bugs(shape: tuple[int, ...], uniform: bool) -> dict[str, float]:
    """The std (normal) or bound (uniform) each known Xavier mistake would give."""
    fan_in, fan_out = fans(shape)
    total = fan_in + fan_out
    if uniform:
        return {
            "fan_in only (that is LeCun init, bound sqrt(3/fan_in))": math.sqrt(3 / fan_in),
            "bound sqrt(3/(fan_in+fan_out)) instead of sqrt(6/(...))": math.sqrt(3 / total),
            "normal std sqrt(2/(fan_in+fan_out)) used as the uniform bound": math.sqrt(2 / total),
            "He bound sqrt(6/fan_in) instead of Xavier's": math.sqrt(6 / fan_in),
            "kernel size left out of the fans": math.sqrt(6 / (shape[0] + shape[1])),
        }
    return {
        "divided by sqrt(fan_in+fan_out): variance 1/(fan_in+fan_out) instead of 2/(...)":
            math.sqrt(1 / total),
        "fan_in only (that is LeCun init, variance 1/fan_in)": math.sqrt(1 / fan_in),
        "He std sqrt(2/fan_in) instead of Xavier's": math.sqrt(2 / fan_in),
        "std = 2/sqrt(fan_in+fan_out)": 2 / math.sqrt(total),
        "kernel size left out of the fans": math.sqrt(2 / (shape[0] + shape[1])),
    }


@pytest.mark.points(2)
def test_xavier_normal_law_conv(submission):
    """xavier_normal draws from N(0, 2/(fan_in+fan_out))."""
    fan_in, fan_out = fans(LAW_CONV)
    w = submission.xavier_normal(LAW_CONV, seed=SEED + 5)
    # tolerance: 5 standard errors, ±3.4% on the std for 10 800 draws
    assert_normal(np.ravel(w), std=math.sqrt(2 / (fan_in + fan_out)), name="xavier_normal samples",
                  bugs=xavier_bugs(LAW_CONV, uniform=False))


@pytest.mark.points(2)
def test_xavier_uniform_law_conv(submission):
    """xavier_uniform draws from U(-b, b) with b = sqrt(6/(fan_in+fan_out))."""
    fan_in, fan_out = fans(LAW_CONV)
    w = submission.xavier_uniform(LAW_CONV, seed=SEED + 6)
    # tolerance: max|w| within bound * (1 - 20/10 800), none beyond the bound
    assert_uniform(np.ravel(w), bound=math.sqrt(6 / (fan_in + fan_out)),
                   name="xavier_uniform samples", bugs=xavier_bugs(LAW_CONV, uniform=True))


# ---------------------------------------------------------------- contract


@pytest.mark.points(1)
def test_bad_mode_raises_value_error(submission):
    """he_normal and he_uniform reject a mode other than 'fan_in' or 'fan_out'."""
    for fn in ("he_normal", "he_uniform"):
        for mode in ("fan_avg", "in"):
            expect_value_error(getattr(submission, fn), CONV, mode=mode, seed=0,
                               what=f"{fn}(shape, mode={mode!r})",
                               hint="an unknown mode silently falls back to one of the fans")


@pytest.mark.points(1)
def test_output_has_exact_shape_and_float64(submission):
    """Every initialiser returns a float64 array of exactly the requested shape (also from a list)."""
    calls = [("he_normal", {}), ("he_uniform", {"mode": "fan_out"}),
             ("xavier_normal", {}), ("xavier_uniform", {})]
    for shape in [CONV, (7, 3)]:
        for fn, kwargs in calls:
            w = np.asarray(getattr(submission, fn)(shape, seed=0, **kwargs))
            hint = ""
            if w.shape == (shape[1], shape[0], *shape[2:]):
                hint = "\n  likely mistake: drawn in (in, out) layout; the shape is (out, in, *kernel)"
            require(w.shape == shape, f"{fn}({shape}) returned shape {w.shape}, expected {shape}{hint}")
            require(w.dtype == np.float64, f"{fn}({shape}) returned dtype {w.dtype}, expected float64")
    w = np.asarray(submission.he_normal([4, 6], seed=0))
    require(w.shape == (4, 6), f"he_normal([4, 6]) (shape as a list) returned shape {w.shape}")


@pytest.mark.points(2)
def test_same_seed_gives_same_array(submission):
    """Each initialiser is reproducible: the same seed twice gives identical arrays, another seed not."""
    for fn in ("he_normal", "he_uniform", "xavier_normal", "xavier_uniform"):
        f = getattr(submission, fn)
        a, b, c = np.asarray(f(CONV, seed=7)), np.asarray(f(CONV, seed=7)), np.asarray(f(CONV, seed=8))
        require(np.array_equal(a, b),
            f"{fn}(shape, seed=7) gave different arrays on two calls\n"
            "  likely mistake: the seed is ignored; draw from a generator built from `seed`")
        require(not np.array_equal(a, c),
            f"{fn} gave the same array for seed=7 and seed=8\n"
            "  likely mistake: a fixed seed is used instead of the `seed` argument")


@pytest.mark.points(1)
def test_seed_none_gives_fresh_randomness(submission):
    """With seed=None two calls give different arrays."""
    for fn in ("he_normal", "he_uniform", "xavier_normal", "xavier_uniform"):
        f = getattr(submission, fn)
        a, b = np.asarray(f(CONV)), np.asarray(f(CONV))
        require(not np.array_equal(a, b),
            f"{fn}(shape) with seed=None returned the same array twice\n"
            "  likely mistake: None replaced by a fixed seed")


@pytest.mark.points(1)
def test_every_output_unit_gets_its_own_filter(submission):
    """Each output unit draws its own weights: no two rows equal, nor a shuffle of each other."""
    for fn in ("he_normal", "he_uniform", "xavier_normal", "xavier_uniform"):
        w = np.asarray(getattr(submission, fn)(LAW_CONV, seed=SEED))
        if w.shape != LAW_CONV:
            continue   # the shape test reports this
        # One row per output unit; sorting a row's values makes a permuted copy equal too.
        # With continuous laws two independent rows never share their sorted values.
        rows = np.sort(w.reshape(LAW_CONV[0], -1), axis=1)   # (60, 180)
        distinct = len(np.unique(rows, axis=0))
        require(distinct == LAW_CONV[0],
                f"{fn}{LAW_CONV}: only {distinct} distinct filters among {LAW_CONV[0]} output "
                f"units (some rows repeat, or are shuffles of one another)\n"
                "  likely mistake: one filter drawn and copied (np.tile, broadcasting) for every "
                "output unit, which keeps them identical through training (the symmetry He "
                "initialisation exists to break)")


@pytest.mark.points(1)
def test_he_normal_fast_enough(submission, reference):
    """he_normal on a (256, 128, 3, 3) weight is vectorised (at most 20x the reference's time)."""
    shape = (256, 128, 3, 3)  # 294 912 weights; fan_in = 128 * 9 = 1152
    got, _ = assert_fast_enough(submission.he_normal, reference.he_normal, shape, seed=0,
                                max_ratio=20)
    # The point counts only when the timed output is right: its shape and its law.
    require(np.shape(got) == shape, f"he_normal{shape} returned shape {np.shape(got)}")
    assert_normal(np.ravel(got), std=math.sqrt(2 / 1152), name="the timed he_normal samples")
