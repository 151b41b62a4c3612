"""Gradient checks: the importable helper, the manifest key, and `learn gradcheck`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, run_learn
from grader.gradcheck import check_layer, check_loss


def affine_forward(x, W, b):
    return x @ W + b, (x, W)


def affine_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def inputs(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((4, 3)), "W": rng.standard_normal((3, 2)),
            "b": rng.standard_normal(2)}


def test_a_right_backward_agrees_entry_by_entry() -> None:
    report = check_layer(affine_forward, affine_backward, inputs())
    assert report.ok
    assert [c.name for c in report.inputs] == ["x", "W", "b"]
    assert all(c.max_rel < 1e-6 for c in report.inputs)
    assert str(report).startswith("affine_forward / affine_backward on x (4, 3), W (3, 2), b (2,)")


def test_a_wrong_backward_lists_its_worst_entries() -> None:
    def mean_bias_backward(dout, cache):
        dx, dW, db = affine_backward(dout, cache)
        return dx, dW, db / len(dout)           # a mean where the sum belongs

    report = check_layer(affine_forward, mean_bias_backward, inputs())
    assert not report.ok
    x, W, b = report.inputs
    assert x.ok and W.ok and not b.ok and b.bad == 2
    shown = str(report)
    assert "✗ b  0/2 entries agree" in shown and "worst index" in shown
    (index, yours, numeric), _ = b.worst
    assert yours == pytest.approx(numeric / 4, rel=1e-6)


def test_wrong_shapes_and_counts_are_named() -> None:
    transposed = check_layer(affine_forward, lambda d, c: (lambda g: (g[0], g[1].T, g[2]))(
        affine_backward(d, c)), inputs())
    assert transposed.inputs[1].problem == "your gradient has shape (2, 3), the input has (3, 2)"
    short = check_layer(affine_forward, lambda d, c: affine_backward(d, c)[:2], inputs())
    assert not short.ok and "backward returned 2 gradients for the 3 inputs x, W, b" in str(short)


def test_a_loss_with_a_dict_of_gradients() -> None:
    def ridge(X, params, reg):
        residual = X @ params["w"] + params["c"]          # (N,)
        loss = 0.5 * np.mean(residual ** 2) + 0.5 * reg * np.sum(params["w"] ** 2)
        n = len(X)
        return loss, {"w": X.T @ residual / n + reg * params["w"], "c": residual.mean(keepdims=True)}

    rng = np.random.default_rng(1)
    data = {"X": rng.standard_normal((6, 3)),
            "params": {"w": rng.standard_normal(3), "c": rng.standard_normal(1)}, "reg": 0.3}
    report = check_loss(ridge, data, wrt=["params"])
    assert report.ok and [c.name for c in report.inputs] == ["params['w']", "params['c']"]


def test_the_helper_imports_no_torch() -> None:
    code = "import sys, grader.gradcheck; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


# -- learn gradcheck ------------------------------------------------------------------------

SQUARE = '''import os
import numpy as np


def square_forward(x, k):
    if "LEARN_HOME" in os.environ:
        raise RuntimeError("ran with the caller's environment, not in a worker")
    return k * x * x, x


def square_backward(dout, cache):
    return {backward}
'''


@pytest.fixture
def square_course(course: Path) -> Path:
    """The fixture course, its exercise listing one gradient check."""
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text().replace(
        "    hints:\n", "    gradcheck:\n      - {forward: square_forward, backward: "
        "square_backward, inputs: {x: [2, 3], k: 3}}\n    hints:\n", 1))
    return course


def write(tmp_path: Path, backward: str) -> str:
    path = tmp_path / "square.py"
    path.write_text(SQUARE.format(backward=backward))
    return str(path)


def test_learn_gradcheck_runs_the_learners_code_in_a_worker(square_course, tmp_path) -> None:
    right = run_learn("gradcheck", "scale", "--file", write(tmp_path, "2 * 3 * cache * dout"))
    assert right.returncode == 0, right.stdout + right.stderr
    assert "square_forward / square_backward on x (2, 3)" in right.stdout
    assert "✓ x  6/6 entries agree" in right.stdout and "The gradient check agrees." in right.stdout
    wrong = run_learn("gradcheck", "scale", "--file", write(tmp_path, "3 * cache * dout"))
    assert wrong.returncode == 1 and "✗ x  0/6 entries agree" in wrong.stdout
    assert "0/1 gradient checks agree." in wrong.stdout


def test_learn_gradcheck_reports_code_that_cannot_run(square_course, tmp_path) -> None:
    stub = run_learn("gradcheck", "scale", "--file", write(tmp_path, "(_ for _ in ()).throw(NotImplementedError)"))
    assert stub.returncode == 1 and "could not run: not attempted yet" in stub.stdout
    # An endless loop that allocates nothing: it must run into the time limit, not memory.
    loops = run_learn("gradcheck", "scale", "--file", write(tmp_path, "max(iter(int, 1))"))
    assert loops.returncode == 1
    assert "did not finish within 2 s (the time limit per test)" in loops.stdout
    assert "Traceback" not in loops.stderr


def test_a_course_without_checks_and_a_bad_check_are_one_line(course, square_course) -> None:
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text().replace("inputs: {x: [2, 3], k: 3}",
                                                     "inputs: {x: [2, 0], k: 3}"))
    bad = run_learn("gradcheck", "scale")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "gradcheck[0].inputs.x" in bad.stderr and "course.yaml:" in bad.stderr
    manifest.write_text(manifest.read_text().replace(
        "    gradcheck:\n      - {forward: square_forward, backward: square_backward, "
        "inputs: {x: [2, 0], k: 3}}\n", ""))
    none = run_learn("gradcheck", "scale")
    assert none.returncode == 2 and "scale has no gradient checks" in none.stderr


@pytest.mark.parametrize("slug", ["backprop", "layer_norm"])
def test_the_shipped_references_pass_their_checks(slug, state_dir, monkeypatch) -> None:
    monkeypatch.delenv("LEARN_COURSE", raising=False)
    done = run_learn("gradcheck", slug, "--file", str(REPO / "solutions" / slug / f"{slug}.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✗" not in done.stdout


def test_a_known_wrong_backward_is_flagged(state_dir, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LEARN_COURSE", raising=False)
    reference = (REPO / "solutions" / "layer_norm" / "layer_norm.py").read_text()
    wrong = tmp_path / "layer_norm.py"
    wrong.write_text(reference.replace("dbeta = dout.reshape(-1, D).sum(axis=0)", "dbeta = dout.reshape(-1, D).mean(axis=0)"))
    assert wrong.read_text() != reference
    done = run_learn("gradcheck", "layer_norm", "--file", str(wrong))
    assert done.returncode == 1 and "✗ beta" in done.stdout and "✓ x" in done.stdout
