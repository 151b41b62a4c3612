"""Helpers for hidden-suite authors, so every suite gives feedback of the same quality.

Each helper raises AssertionError with a message written for the learner: which output is
wrong, how (type, shape, dtype, values: the worst index with both values, a few values side
by side) and, where the wrong answer matches a known mistake, ``likely mistake: ...``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from grader.gradcheck import numeric_gradient
from grader.submission import (LearnerError, RemoteObject, fetch, keep_in_worker, same_object,
                               timed_call, worker_function)

__all__ = ["assert_close", "distinct_bugs", "assert_normal", "assert_uniform", "assert_rate",
           "assert_frequencies",
           "numeric_gradient", "assert_fast_enough", "LearnerError", "keep_in_worker", "fetch",
           "same_object", "worker_function"]

_SIDE_BY_SIDE = 4  # how many mismatching values the message lists


def _is_torch_tensor(value: Any) -> bool:
    torch = _torch_if_loaded()
    return torch is not None and isinstance(value, torch.Tensor)


def _torch_if_loaded():
    import sys
    return sys.modules.get("torch")


def _describe(value: Any) -> str:
    """A short description of a value's kind, shape and dtype, for messages."""
    if type(value) is np.ndarray:
        return f"numpy array of shape {value.shape} and dtype {value.dtype}"
    if _is_torch_tensor(value):
        return f"torch tensor of shape {tuple(value.shape)} and dtype {str(value.dtype)[6:]}"
    if isinstance(value, np.generic):
        return f"numpy {type(value).__name__} {value!r}"
    return f"{type(value).__name__} {_short_repr(value)}"


def _short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _as_array(value: Any) -> np.ndarray:
    if _is_torch_tensor(value):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _type_problem(got: Any, expected: Any, name: str, check_dtype: bool) -> str | None:
    """Why got cannot be compared with expected (kind, shape, dtype), or None."""
    if type(expected) is np.ndarray:
        if type(got) is not np.ndarray:
            return f"{name}: expected a numpy array of shape {expected.shape}, got {_describe(got)}"
    elif _is_torch_tensor(expected):
        if not _is_torch_tensor(got):
            return (f"{name}: expected a torch tensor of shape {tuple(expected.shape)}, "
                    f"got {_describe(got)}")
    else:  # a number
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.number)):
            if not (type(got) is np.ndarray and got.shape == ()):
                return f"{name}: expected a number, got {_describe(got)}"
        return None
    got_shape, want_shape = tuple(got.shape), tuple(expected.shape)
    if got_shape != want_shape:
        return f"{name}: expected shape {want_shape}, got {got_shape}"
    if check_dtype and got.dtype != expected.dtype:
        want_dtype = str(expected.dtype).removeprefix("torch.")
        got_dtype = str(got.dtype).removeprefix("torch.")
        return f"{name}: expected dtype {want_dtype}, got {got_dtype}"
    return None


def _mismatch(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Boolean mask of the elements outside tolerance (NaN where not expected counts)."""
    with np.errstate(invalid="ignore", over="ignore"):
        both_nan = np.isnan(got) & np.isnan(want)
        same_inf = np.isinf(want) & (got == want)
        far = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
        # rtol * |inf| is inf, so the line above would let any value pass for an inf.
        far |= np.isinf(want) & (got != want)
    return far & ~both_nan & ~same_inf


def _index(flat: int, shape: tuple) -> str:
    return str(tuple(int(i) for i in np.unravel_index(flat, shape))) if shape else "()"


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _is_numeric(value: Any) -> bool:
    return type(value) is np.ndarray or _is_torch_tensor(value) or isinstance(value, (int, float, np.number))


def _matching_bug(got: Any, bugs: Mapping[str, Any] | None, rtol: float, atol: float,
                  expected: Any = None) -> str | None:
    """The descriptions of the known mistakes whose output got matches, if any.

    A mistake whose output these inputs cannot tell from ``expected`` (by the same loose
    measure) is never named: it would be blamed for any near miss. When several mistakes
    give the same output here, all of them are named ("A; or B"): the inputs cannot say which.
    """
    if not bugs:
        return None
    got_array = _as_array(got).astype(np.float64, copy=False) if not isinstance(got, str) else None
    if got_array is None:
        return None
    want_array = None if expected is None else _as_array(expected).astype(np.float64)
    # Loose on purpose: a learner's version of the bug may round a little differently.
    loose_rtol, loose_atol = max(rtol, 1e-5) * 10, max(atol, 1e-8) * 10
    found: list[str] = []
    for description, bug_output in bugs.items():
        bug_array = _as_array(bug_output).astype(np.float64)
        if bug_array.shape != got_array.shape:
            continue
        if (want_array is not None and want_array.shape == bug_array.shape
                and not _mismatch(bug_array, want_array, loose_rtol, loose_atol).any()):
            continue
        if not _mismatch(got_array, bug_array, loose_rtol, loose_atol).any():
            found.append(description)
    return "; or ".join(found) if found else None


def _is_structure(value: Any) -> bool:
    """A dict, or a tuple/list holding arrays or containers (not a plain list of numbers)."""
    if isinstance(value, dict):
        return True
    return isinstance(value, (tuple, list)) and any(
        not isinstance(item, (int, float, complex, bool, np.number)) for item in value)


def _assert_structure_close(got: Any, expected: Any, *, name: str, rtol: float, atol: float,
                            check_dtype: bool) -> None:
    """assert_close on each part of a result made of several (a tuple, a dict of grads)."""
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            raise AssertionError(f"{name}: expected a dict with keys {sorted(expected)}, got "
                                 f"{sorted(got) if isinstance(got, dict) else type(got).__name__}")
        parts = [(f"{name}[{key!r}]", got[key], expected[key]) for key in expected]
    else:
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise AssertionError(f"{name}: expected {len(expected)} results, got "
                                 f"{len(got) if isinstance(got, (tuple, list)) else type(got).__name__}")
        parts = [(f"{name}[{i}]", g, e) for i, (g, e) in enumerate(zip(got, expected))]
    for part_name, g, e in parts:
        assert_close(g, e, name=part_name, rtol=rtol, atol=atol, check_dtype=check_dtype)


def assert_close(got: Any, expected: Any, *, name: str, rtol: float = 1e-7, atol: float = 1e-9,
                 bugs: Mapping[str, Any] | None = None, check_dtype: bool = True) -> None:
    """Assert that got (array, tensor or number; or a tuple, list or dict of them, compared
    part by part) equals expected within tolerance.

    ``bugs`` maps a one-line description of a known mistake to the output it produces; when
    got matches one, the message names it. Tolerance: ``|got - expected| <= atol + rtol*|expected|``.
    """
    if _is_structure(expected):
        _assert_structure_close(got, expected, name=name, rtol=rtol, atol=atol,
                                check_dtype=check_dtype)
        return
    problem = _type_problem(got, expected, name, check_dtype)
    if problem:
        # A wrong shape is often a known mistake too (a missing transpose): say which.
        bug = _matching_bug(got, bugs, rtol, atol, expected) if _is_numeric(got) else None
        raise AssertionError(problem + (f"\n  likely mistake: {bug}" if bug else ""))
    got_array = _as_array(got).astype(np.float64) if not np.iscomplexobj(_as_array(got)) else _as_array(got)
    want_array = _as_array(expected).astype(np.float64) if not np.iscomplexobj(_as_array(expected)) else _as_array(expected)
    bad = _mismatch(got_array, want_array, rtol, atol)
    if not bad.any():
        return
    lines = []
    total = bad.size
    if got_array.shape == ():
        lines.append(f"{name}: got {_fmt(float(got_array))}, expected {_fmt(float(want_array))} "
                     f"(tolerance rtol={rtol:g}, atol={atol:g})")
    else:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            abs_err = np.where(bad, np.abs(got_array - want_array), 0.0)
            # Relative error means nothing where the expected value is 0: leave those out.
            rel_err = np.where(bad & (want_array != 0), abs_err / np.abs(want_array), 0.0)
        nan_count = int(np.isnan(got_array).sum())
        worst = int(np.nanargmax(np.where(np.isnan(abs_err), np.inf, abs_err)))
        lines.append(f"{name}: {int(bad.sum())} of {total} values differ "
                     f"(tolerance rtol={rtol:g}, atol={atol:g})")
        if nan_count:
            first_nan = _index(int(np.flatnonzero(np.isnan(got_array).ravel())[0]), got_array.shape)
            lines.append(f"  {nan_count} of your values are NaN (the first at index {first_nan})")
        # NaN counts as the largest error, so a NaN is what this line shows when there is one.
        lines.append(f"  max abs error {_fmt(float(abs_err.ravel()[worst]))} at index "
                     f"{_index(worst, got_array.shape)}: got {_fmt(got_array.ravel()[worst])}, "
                     f"expected {_fmt(want_array.ravel()[worst])}")
        if (bad & (want_array != 0) & ~np.isnan(rel_err)).any():
            lines.append(f"  max rel error {_fmt(float(np.nanmax(rel_err)))}")
        lines.append(f"  {'index':<18}{'got':>14}{'expected':>14}")
        for flat in np.flatnonzero(bad.ravel())[:_SIDE_BY_SIDE]:
            lines.append(f"  {_index(int(flat), got_array.shape):<18}"
                         f"{_fmt(got_array.ravel()[flat]):>14}{_fmt(want_array.ravel()[flat]):>14}")
    if bug := _matching_bug(got, bugs, rtol, atol, expected):
        lines.append(f"  likely mistake: {bug}")
    raise AssertionError("\n".join(lines))


def distinct_bugs(bugs: Mapping[str, Any] | None, expected: Any, *, rtol: float = 1e-3,
                  atol: float = 1e-6) -> dict[str, Any]:
    """The entries of ``bugs`` whose output these inputs tell apart from ``expected``.

    A known mistake that changes nothing on a test's inputs (an axis bug on 2-D input, a
    weight-decay bug without weight decay) would be named for any near miss; pass
    ``bugs=distinct_bugs(bugs, want)`` to assert_close so it is left to the test that shows it.
    """
    with np.errstate(all="ignore"):
        return {description: output for description, output in (bugs or {}).items()
                if np.shape(output) != np.shape(expected)
                or not np.allclose(_as_array(output), _as_array(expected), rtol=rtol, atol=atol)}


# -- distributions -----------------------------------------------------------------------

def _standard_normal_cdf(z: np.ndarray) -> np.ndarray:
    erf = np.frompyfunc(math.erf, 1, 1)
    return 0.5 * (1.0 + erf(z / math.sqrt(2.0)).astype(np.float64))


def _ks_pvalue(statistic: float, n: int) -> float:
    """Asymptotic p-value of the one-sample Kolmogorov-Smirnov statistic."""
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * statistic
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return min(1.0, max(0.0, 2.0 * total))


def _ks_statistic(sorted_samples: np.ndarray, cdf_values: np.ndarray) -> float:
    n = sorted_samples.size
    upper = np.arange(1, n + 1) / n - cdf_values
    lower = cdf_values - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def _finite_samples(samples: Any, name: str) -> np.ndarray:
    if type(samples) is not np.ndarray and not _is_torch_tensor(samples):
        raise AssertionError(f"{name}: expected an array of samples, got {_describe(samples)}")
    values = _as_array(samples).astype(np.float64).ravel()
    if values.size < 100:
        raise ValueError(f"{name}: a distribution test needs at least 100 samples")
    if not np.isfinite(values).all():
        raise AssertionError(f"{name}: {int((~np.isfinite(values)).sum())} values are not finite")
    return values


def _closest_bug(observed: float, bugs: Mapping[str, float] | None, band: float) -> str | None:
    """The known mistake whose parameter is within the band of the observed value."""
    if not bugs:
        return None
    best = min(bugs.items(), key=lambda item: abs(math.log(observed / item[1]))
               if observed > 0 and item[1] > 0 else math.inf)
    return best[0] if abs(observed / best[1] - 1.0) <= band else None


def assert_normal(samples: Any, *, std: float, mean: float = 0.0, name: str,
                  bugs: Mapping[str, float] | None = None) -> None:
    """Assert that samples look drawn from N(mean, std²).

    The sample mean and standard deviation must lie within five standard errors (a correct
    sampler fails less than once in a million runs), and a Kolmogorov-Smirnov test must not
    reject normality at p < 1e-4. ``bugs`` maps a known mistake to the std it produces.
    """
    values = _finite_samples(samples, name)
    n = values.size
    sample_mean, sample_std = float(values.mean()), float(values.std(ddof=1))
    std_band = 5.0 * math.sqrt(1.0 / (2.0 * (n - 1)))        # relative std error of s
    if abs(sample_std / std - 1.0) > std_band:
        message = (f"{name}: sample std {_fmt(sample_std)} over {n} values, expected "
                   f"{_fmt(std)} (±{100 * std_band:.1f}%)")
        if bug := _closest_bug(sample_std, bugs, std_band):
            message += f"\n  likely mistake: {bug}"
        raise AssertionError(message)
    if abs(sample_mean - mean) > 5.0 * std / math.sqrt(n):
        raise AssertionError(f"{name}: sample mean {_fmt(sample_mean)} over {n} values, "
                             f"expected {_fmt(mean)} (±{_fmt(5.0 * std / math.sqrt(n))})")
    ordered = np.sort(values)
    statistic = _ks_statistic(ordered, _standard_normal_cdf((ordered - mean) / std))
    p_value = _ks_pvalue(statistic, n)
    if p_value < 1e-4:
        raise AssertionError(f"{name}: the values do not look normally distributed "
                             f"(Kolmogorov-Smirnov D={statistic:.4f}, p={p_value:.1e}); "
                             f"is it a uniform or another law?")


def assert_uniform(samples: Any, *, bound: float, name: str,
                   bugs: Mapping[str, float] | None = None) -> None:
    """Assert that samples look drawn from U(-bound, bound).

    Every value must lie within the bound, the largest magnitude must come close to it (with
    n samples, max|x| < bound·(1 − 20/n) happens with probability e^−20), and a
    Kolmogorov-Smirnov test must not reject the law. ``bugs`` maps a mistake to its bound.
    """
    values = _finite_samples(samples, name)
    n = values.size
    largest = float(np.abs(values).max())
    too_low = bound * (1.0 - 20.0 / n)
    if largest > bound * (1.0 + 1e-9) or largest < too_low:
        side = "exceed" if largest > bound else "stay well inside"
        message = (f"{name}: the values {side} the bound {_fmt(bound)}: the largest magnitude "
                   f"over {n} values is {_fmt(largest)}")
        if bug := _closest_bug(largest, bugs, 40.0 / n + 1e-9):
            message += f"\n  likely mistake: {bug}"
        raise AssertionError(message)
    ordered = np.sort(values)
    statistic = _ks_statistic(ordered, np.clip((ordered + bound) / (2.0 * bound), 0.0, 1.0))
    p_value = _ks_pvalue(statistic, n)
    if p_value < 1e-4:
        raise AssertionError(f"{name}: the values do not look uniformly distributed on "
                             f"[-{_fmt(bound)}, {_fmt(bound)}] (Kolmogorov-Smirnov D={statistic:.4f}, "
                             f"p={p_value:.1e}); is it a normal or another law?")


def assert_rate(hits: Any, *, rate: float, name: str,
                bugs: Mapping[str, float] | None = None) -> None:
    """Assert that hits (an array of True/False outcomes) look like independent coin flips
    that come up True with probability rate.

    The fraction of True must lie within five standard errors of rate (a correct sampler
    fails less than once in a million runs). ``bugs`` maps a known mistake to the rate it
    gives (p used as the keep probability, say); the closest one within the band is named.
    """
    if type(hits) is not np.ndarray and not _is_torch_tensor(hits):
        raise AssertionError(f"{name}: expected an array of outcomes, got {_describe(hits)}")
    values = _as_array(hits).ravel()
    if values.size < 100:
        raise ValueError(f"{name}: a rate test needs at least 100 outcomes")
    n, observed = values.size, float(np.count_nonzero(values)) / values.size
    band = 5.0 * math.sqrt(max(rate * (1.0 - rate), 1.0 / n) / n)
    if abs(observed - rate) <= band:
        return
    message = (f"{name}: {_fmt(observed)} over {n} outcomes, expected {_fmt(rate)} "
               f"(±{_fmt(band)})")
    near = {bug: value for bug, value in (bugs or {}).items() if abs(observed - value) <= band}
    if near:
        message += f"\n  likely mistake: {min(near, key=lambda bug: abs(observed - near[bug]))}"
    raise AssertionError(message)

def _gamma_q(a: float, x: float) -> float:
    """The regularised upper incomplete gamma function Q(a, x), for a > 0 and x >= 0.

    A power series for P = 1 - Q below x = a + 1, a continued fraction (modified Lentz) for Q
    above it; both converge fast in their own region. chi-square's survival function at x
    with df degrees of freedom is Q(df / 2, x / 2).
    """
    if x <= 0.0:
        return 1.0
    log_prefactor = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        shifted = a
        for _ in range(10_000):
            shifted += 1.0
            term *= x / shifted
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return math.exp(log_prefactor) * h


def _chi_square(counts: np.ndarray, probabilities: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of Pearson's goodness-of-fit test; p = 0 for an impossible outcome."""
    possible = probabilities > 0
    if (counts[~possible] > 0).any():
        return math.inf, 0.0
    expected = counts.sum() * probabilities[possible]
    statistic = float((((counts[possible] - expected) ** 2) / expected).sum())
    return statistic, _gamma_q((possible.sum() - 1) / 2.0, statistic / 2.0)


def assert_frequencies(counts: Any, probabilities: Any, *, name: str, labels: Any = None,
                       bugs: Mapping[str, Any] | None = None, p_min: float = 1e-6) -> None:
    """Assert that counts, how often each outcome came up, fit the law ``probabilities``.

    Pearson's chi-square test: fails when the p-value is below p_min (a correct sampler fails
    about once in a million runs), and at once when an outcome of probability 0 came up. Every
    possible outcome must be expected at least 5 times, or the test is not valid (ValueError:
    draw more). ``labels`` names the outcomes in the message (default: their index). ``bugs``
    maps a known mistake to the probabilities it gives; the one that fits best is named, if it
    fits. Count the learner's draws in the suite; only the counts come here.
    """
    counts = np.asarray(counts, dtype=np.float64).ravel()
    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    if counts.shape != probabilities.shape or abs(probabilities.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name}: need one probability per outcome, summing to 1")
    if (counts.sum() * probabilities[probabilities > 0] < 5).any():
        raise ValueError(f"{name}: some outcome is expected fewer than 5 times; draw more")
    labels = [str(i) for i in range(counts.size)] if labels is None else [str(x) for x in labels]
    statistic, p_value = _chi_square(counts, probabilities)
    if p_value >= p_min:
        return
    total = int(counts.sum())
    expected = total * probabilities
    if math.isinf(statistic):
        impossible = [label for label, c, p in zip(labels, counts, probabilities) if c and not p]
        lines = [f"{name}: came up {', '.join(impossible[:4])}, which should never happen "
                 f"(in {total} draws)"]
    else:
        lines = [f"{name}: the frequencies over {total} draws do not fit the expected law "
                 f"(chi-square {statistic:.1f} on {int((probabilities > 0).sum()) - 1} degrees "
                 f"of freedom, p={p_value:.1e})"]
    worst = np.argsort(-np.abs(counts - expected) / np.sqrt(np.maximum(expected, 1.0)))
    lines.append(f"  {'outcome':<18}{'count':>10}{'expected':>12}")
    for i in worst[:_SIDE_BY_SIDE]:
        lines.append(f"  {labels[i]:<18}{int(counts[i]):>10}{expected[i]:>12.1f}")
    fits = {description: _chi_square(counts, np.asarray(law, dtype=np.float64).ravel())[1]
            for description, law in (bugs or {}).items()
            if np.shape(law) == probabilities.shape}
    best = max(fits, key=fits.get, default=None)
    if best is not None and fits[best] >= p_min:
        lines.append(f"  likely mistake: {best}")
    raise AssertionError("\n".join(lines))


# -- gradients and speed -----------------------------------------------------------------

def _best_time(fn: Callable, args: tuple, kwargs: dict, repeat: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):   # a learner's results wait in its worker; only the last comes back
        seconds, result = timed_call(fn, args, kwargs, fetch_result=False)
        best = min(best, seconds)
    return best, fetch(result)


def _kept_in_worker(fn: Callable, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """For a learner's function: the arguments stored once in its worker, as handles, so that
    the timed calls carry no data there (only the result comes back). Unchanged otherwise."""
    if not isinstance(fn, RemoteObject):
        return args, kwargs
    kept = tuple(keep_in_worker(fn, value) for value in args)
    return kept, {name: keep_in_worker(fn, value) for name, value in kwargs.items()}


_SLOW_ADVICE = "A Python loop over a batch axis is the usual cause: vectorise it."


def assert_fast_enough(fn: Callable, ref_fn: Callable, *args: Any, max_ratio: float = 20.0,
                       repeat: int = 2, advice: str = _SLOW_ADVICE,
                       **kwargs: Any) -> tuple[Any, Any]:
    """Assert the learner's fn is at most max_ratio times slower than the reference.

    Both are timed in this run on the same inputs, best of ``repeat`` after one untimed call,
    in CPU time: the learner's as the kernel counts it for the worker and every process it
    starts (read from outside it; the arguments are stored in the worker first, so only the
    learner's work and packing its result count), the reference's as this process's CPU
    clock. Returns what the last
    timed calls returned, (learner's, reference's): a speed test must compare them, so that
    a fast but wrong function earns nothing. ``advice`` ends the message when fn is too slow:
    the usual cause for this exercise.
    """
    # The learner's arguments wait in its worker: every timed call gets the same objects
    # there, as the reference gets the same ones here.
    learner_args, learner_kwargs = _kept_in_worker(fn, args, kwargs)
    # One untimed call each first: a fresh worker pays for its first allocations and
    # imports, which is not the learner's doing. (Both get it: stateful calls stay in step.)
    timed_call(fn, learner_args, learner_kwargs, fetch_result=False)
    ref_fn(*args, **kwargs)
    learner, got = _best_time(fn, learner_args, learner_kwargs, repeat)
    reference, want = _best_time(ref_fn, args, kwargs, repeat)
    ratio = learner / max(reference, 1e-6)
    if ratio > max_ratio:
        raise AssertionError(
            f"too slow: your {getattr(fn, '__name__', 'function')} took {learner * 1e3:.1f} ms, "
            f"the reference {reference * 1e3:.2f} ms on the same input ({ratio:.0f}x; the limit "
            f"is {max_ratio:g}x). {advice}")
    return got, want
