"""Check a backward pass against central differences of its own forward pass (numpy only).

A derivation can be checked without knowing the answer: nudge one input entry by +eps and
-eps, run the forward pass twice, and ``(L(x + eps) - L(x - eps)) / (2 * eps)`` is the slope
of the loss along that entry. Your backward pass must give the same number, entry by entry.

Two shapes of code are covered:

* a layer, as a ``forward(*inputs) -> (out, cache)`` and ``backward(dout, cache)`` pair
  returning one gradient per input, in the inputs' order (one array alone when there is one
  input). The loss used is ``L = sum(out * dout)`` for a random ``dout``, so ``dL/dout = dout``;
* a loss, as ``f(*inputs) -> (loss, grads)``, with ``grads`` one gradient per input named in
  ``wrt`` (a dict of arrays for an input that is a dict of arrays).

For example, in a scratch file of your own:

    import numpy as np
    from grader.gradcheck import check_layer
    from layer_norm import layer_norm_forward, layer_norm_backward

    rng = np.random.default_rng(0)
    inputs = {"x": rng.standard_normal((3, 5)), "gamma": rng.standard_normal(5),
              "beta": rng.standard_normal(5)}
    print(check_layer(layer_norm_forward, layer_norm_backward, inputs))

``learn gradcheck <exercise>`` runs the same checks on your exercise file, on the inputs the
course chose, in the same isolated worker that grading uses. Use small inputs: every entry
costs two forward passes.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

EPS = 1e-6      # the nudge; float64 central differences are then good to ~1e-9 relative
RTOL = 1e-5     # an entry agrees when |yours - numeric| <= ATOL + RTOL * max(|yours|, |numeric|)
ATOL = 1e-7
WORST_SHOWN = 3  # entries listed per input that disagrees


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Central finite differences of the scalar function f at x (x is not modified)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        plus = float(f(x))
        x[index] = saved - eps
        minus = float(f(x))
        x[index] = saved
        grad[index] = (plus - minus) / (2.0 * eps)
    return grad


@dataclass
class InputCheck:
    """How one input's gradient compares with the numeric one."""

    name: str                      # "x", or "params['W1']" for an entry of a dict input
    shape: tuple[int, ...]
    problem: str = ""              # a wrong shape or a missing gradient: nothing compared
    max_abs: float = 0.0           # the largest |yours - numeric|
    max_rel: float = 0.0           # the largest |yours - numeric| / max(|yours|, |numeric|)
    bad: int = 0                   # entries outside the tolerance
    worst: list[tuple[tuple[int, ...], float, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem and self.bad == 0

    def lines(self, width: int) -> list[str]:
        mark = "✓" if self.ok else "✗"
        head = f"  {mark} {self.name:<{width}}"
        if self.problem:
            return [f"{head}  {self.problem}"]
        size = int(np.prod(self.shape))
        lines = [f"{head}  {size - self.bad}/{size} entries agree, max abs diff "
                 f"{self.max_abs:.2e}, max rel diff {self.max_rel:.2e}"]
        if self.worst:
            lines.append(f"      {'worst index':<14}{'yours':>14}{'numeric':>14}{'difference':>14}")
            for index, yours, numeric in self.worst:
                lines.append(f"      {str(index):<14}{yours:>14.6g}{numeric:>14.6g}"
                             f"{yours - numeric:>14.3g}")
        return lines


@dataclass
class GradientReport:
    """The result of one check: a line per input, the worst entries of those that disagree."""

    title: str
    inputs: list[InputCheck]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.inputs)

    def __str__(self) -> str:
        width = max((len(check.name) for check in self.inputs), default=1)
        lines = [self.title]
        for check in self.inputs:
            lines.extend(check.lines(width))
        return "\n".join(lines)


def compare(name: str, yours: Any, numeric: np.ndarray, worst: int = WORST_SHOWN) -> InputCheck:
    """Compare one analytic gradient with its numeric estimate, entry by entry."""
    check = InputCheck(name, tuple(numeric.shape))
    try:
        mine = np.asarray(yours, dtype=np.float64)
    except (TypeError, ValueError):
        check.problem = f"your gradient is a {type(yours).__name__}, not an array"
        return check
    if mine.shape != numeric.shape:
        check.problem = f"your gradient has shape {mine.shape}, the input has {numeric.shape}"
        return check
    with np.errstate(invalid="ignore"):
        diff = np.abs(mine - numeric)
        scale = np.maximum(np.abs(mine), np.abs(numeric))
        over = diff / (ATOL + RTOL * scale)            # > 1: outside the tolerance
        over = np.where(np.isnan(over), np.inf, over)  # a NaN of yours is the worst entry
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
    check.max_abs = float(np.nanmax(diff)) if diff.size else 0.0
    check.max_rel = float(np.nanmax(rel)) if rel.size else 0.0
    check.bad = int((over > 1).sum())
    # The worst entries: the largest differences among those outside the tolerance.
    ranked = np.where(over > 1, np.where(np.isnan(diff), np.inf, diff), -1.0)
    for flat in np.argsort(-ranked, axis=None, kind="stable")[:min(worst, check.bad)]:
        index = tuple(int(i) for i in np.unravel_index(flat, numeric.shape))
        check.worst.append((index, float(mine[index]), float(numeric[index])))
    return check


# -- inputs made of arrays, numbers and dicts of arrays ----------------------------------------

def _leaves(name: str, value: Any) -> list[tuple[str, tuple, np.ndarray]]:
    """The float arrays of one input: (shown name, path inside the input, array)."""
    if isinstance(value, Mapping):
        return [(f"{name}[{key!r}]", (key,), np.asarray(item)) for key, item in value.items()
                if _is_float_array(item)]
    return [(name, (), np.asarray(value))] if _is_float_array(value) else []


def _is_float_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _replaced(inputs: dict[str, Any], name: str, path: tuple, array: np.ndarray) -> list[Any]:
    """The inputs as positional arguments, with one array (or one dict entry) replaced."""
    args = []
    for key, value in inputs.items():
        if key == name:
            value = {**value, path[0]: array} if path else array
        args.append(value)
    return args


def _gradient_of(returned: Any, path: tuple) -> Any:
    """The gradient of one leaf: the entry path[0] of a returned dict, or returned itself."""
    if not path:
        return returned
    return returned.get(path[0]) if isinstance(returned, Mapping) else None


def _title(kind: str, inputs: dict[str, Any]) -> str:
    """'f on x (3, 5), params {W1 (5, 6), b1 (6,)}': the float inputs and their shapes."""
    shapes = []
    for name, value in inputs.items():
        if _is_float_array(value):
            shapes.append(f"{name} {np.shape(value)}")
        elif isinstance(value, Mapping):
            inner = ", ".join(f"{key} {np.shape(item)}" for key, item in value.items())
            shapes.append(f"{name} {{{inner}}}")
    return f"{kind} on {', '.join(shapes)}" if shapes else kind


def _miscounted(title: str, problem: str) -> GradientReport:
    """A report of gradients that cannot be matched to the inputs: nothing was compared."""
    return GradientReport(title, [InputCheck("(all)", (), problem=problem)])


def check_layer(forward: Callable, backward: Callable, inputs: dict[str, Any], *,
                seed: int = 0, eps: float = EPS) -> GradientReport:
    """Check backward(dout, cache) against central differences of forward(*inputs).

    inputs maps each argument name of forward to its value, in forward's order; every float
    array among them gets a gradient from backward, in that order. L = sum(out * dout) for a
    dout drawn from a normal law with this seed.
    """
    names = [name for name, value in inputs.items() if _is_float_array(value)]
    out, cache = forward(*inputs.values())
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = backward(dout, cache)
    grads = [grads] if len(names) == 1 and not isinstance(grads, (tuple, list)) else list(grads)
    title = _title(f"{_name(forward)} / {_name(backward)}", inputs)
    if len(grads) != len(names):
        return _miscounted(title, f"backward returned {len(grads)} gradients for the "
                                  f"{len(names)} inputs {', '.join(names)}")
    checks = []
    for name, yours in zip(names, grads):
        def loss(array: np.ndarray, name: str = name) -> float:
            return float(np.sum(np.asarray(forward(*_replaced(inputs, name, (), array))[0]) * dout))
        checks.append(compare(name, yours, numeric_gradient(loss, inputs[name], eps)))
    return GradientReport(title, checks)


def check_loss(f: Callable, inputs: dict[str, Any], wrt: list[str], *,
               eps: float = EPS) -> GradientReport:
    """Check the gradients f(*inputs) returns beside its loss against central differences.

    f returns (loss, grads): grads holds one gradient per name of wrt, in that order (the
    array alone when wrt has one name); a dict input gets a dict of gradients.
    """
    _, grads = f(*inputs.values())
    grads = [grads] if len(wrt) == 1 else list(grads)
    title = _title(_name(f), inputs)
    if len(grads) != len(wrt):
        return _miscounted(title, f"{_name(f)} returned {len(grads)} gradients for "
                                  f"{', '.join(wrt)}")
    checks = []
    for name, returned in zip(wrt, grads):
        for shown, path, array in _leaves(name, inputs[name]):
            def loss(value: np.ndarray, name: str = name, path: tuple = path) -> float:
                return float(f(*_replaced(inputs, name, path, value))[0])
            yours = _gradient_of(returned, path)
            if yours is None:
                checks.append(InputCheck(shown, array.shape, problem="no gradient returned"))
                continue
            checks.append(compare(shown, yours, numeric_gradient(loss, array, eps)))
    return GradientReport(title, checks)


def _name(function: Callable) -> str:
    return getattr(function, "__name__", "function")
