"""The helpers suites use to give feedback: messages name what, where and the likely mistake."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from grader.suite import (_gamma_q, assert_close, assert_fast_enough, assert_frequencies,
                          assert_normal, assert_rate, assert_uniform, distinct_bugs,
                          numeric_gradient)


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as caught:
        fn(*args, **kwargs)
    return str(caught.value)


def test_close_values_pass() -> None:
    x = np.linspace(0, 1, 12).reshape(3, 4)
    assert_close(x + 1e-12, x, name="out")
    assert_close(torch.tensor(x), torch.tensor(x), name="out")
    assert_close(np.float64(0.5), 0.5, name="loss")


def test_wrong_kind_shape_and_dtype_are_named() -> None:
    x = np.zeros((4, 3, 5))
    assert failure(assert_close, [1, 2], x, name="out") == \
        "out: expected a numpy array of shape (4, 3, 5), got list [1, 2]"
    assert failure(assert_close, np.zeros((4, 5, 3)), x, name="out") == \
        "out: expected shape (4, 3, 5), got (4, 5, 3)"
    assert failure(assert_close, x.astype(np.float32), x, name="out") == \
        "out: expected dtype float64, got float32"
    assert "expected a torch tensor" in failure(assert_close, x, torch.zeros(4, 3, 5), name="w")


def test_value_mismatch_shows_worst_index_and_side_by_side() -> None:
    want = np.arange(6.0).reshape(2, 3)
    got = want.copy()
    got[1, 2] += 0.5
    got[0, 1] += 0.1
    message = failure(assert_close, got, want, name="dx")
    assert message.splitlines()[0] == "dx: 2 of 6 values differ (tolerance rtol=1e-07, atol=1e-09)"
    assert "max abs error 0.5 at index (1, 2): got 5.5, expected 5" in message
    assert "(0, 1)" in message and "likely mistake" not in message


def test_known_bug_is_named() -> None:
    x = np.random.default_rng(0).standard_normal((4, 5)) * 1e-3
    biased = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    unbiased = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, ddof=1, keepdims=True) + 1e-5)
    message = failure(assert_close, unbiased, biased, name="out",
                      bugs={"unbiased variance (divided by D-1)": unbiased})
    assert message.endswith("likely mistake: unbiased variance (divided by D-1)")


def test_a_bug_these_inputs_cannot_tell_from_the_answer_is_not_named() -> None:
    want = np.array([0.2, 0.4, 0.6])
    near_miss = want * (1 + 1e-5)            # wrong at rtol=1e-10, yet as close as rounding
    message = failure(assert_close, near_miss, want, name="clipped", rtol=1e-10, atol=0,
                      bugs={"a mistake that changes nothing on these inputs": want.copy()})
    assert "likely mistake" not in message


def test_every_mistake_with_the_same_output_is_named() -> None:
    want = np.array([0.2, 0.4, 0.6])
    got = np.array([0.3, 0.4, 0.6])
    message = failure(assert_close, got, want, name="out",
                      bugs={"first cause": got.copy(), "another cause": np.array([9.0, 9, 9]),
                            "second cause": got.copy()})
    assert message.endswith("likely mistake: first cause; or second cause")


def test_a_finite_value_is_not_close_to_an_infinite_one() -> None:
    assert "got 283.5, expected inf" in failure(assert_close, 283.5, np.inf, name="loss")
    assert "1 of 2 values differ" in failure(assert_close, np.array([1.0, 2.0]),
                                             np.array([1.0, -np.inf]), name="out")
    assert_close(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]), name="out")
    # Nor does a finite answer match a mistake whose output is inf (an overflow).
    message = failure(assert_close, 283.5, 300.0, name="loss",
                      bugs={"overflow": np.inf, "other": 283.5})
    assert message.endswith("likely mistake: other")


def test_nan_values_are_reported() -> None:
    got = np.array([1.0, np.nan, 3.0])
    message = failure(assert_close, got, np.array([1.0, 2.0, 3.0]), name="out")
    assert "1 of your values are NaN (the first at index (1,))" in message
    # The NaN is the worst error, and no relative error is made up from the other values.
    assert "max abs error nan at index (1,): got nan, expected 2" in message
    assert "max rel error" not in message


def test_normal_sampler_checks() -> None:
    rng = np.random.default_rng(1)
    assert_normal(rng.normal(0, 0.2, 20_000), std=0.2, name="w")
    message = failure(assert_normal, rng.normal(0, 0.2 * np.sqrt(2), 20_000), std=0.2, name="w",
                      bugs={"variance used as std": 0.04, "2/sqrt(n)": 0.2 * np.sqrt(2)})
    assert "sample std" in message and message.endswith("likely mistake: 2/sqrt(n)")
    bound = 0.2 * np.sqrt(3)  # a uniform law with the right std is still the wrong law
    assert "do not look normally distributed" in failure(
        assert_normal, rng.uniform(-bound, bound, 20_000), std=0.2, name="w")


def test_uniform_sampler_checks() -> None:
    rng = np.random.default_rng(2)
    assert_uniform(rng.uniform(-0.3, 0.3, 20_000), bound=0.3, name="w")
    message = failure(assert_uniform, rng.uniform(-0.3 / np.sqrt(3), 0.3 / np.sqrt(3), 20_000),
                      bound=0.3, name="w", bugs={"sqrt(2/fan) as the bound": 0.3 / np.sqrt(3)})
    assert "stay well inside" in message and "likely mistake: sqrt(2/fan) as the bound" in message
    assert "exceed" in failure(assert_uniform, rng.uniform(-0.4, 0.4, 20_000), bound=0.3, name="w")


def test_rate_checks() -> None:
    rng = np.random.default_rng(2)
    assert_rate(rng.random(20_000) >= 0.3, rate=0.7, name="kept")
    message = failure(assert_rate, rng.random(20_000) < 0.3, rate=0.7, name="kept",
                      bugs={"p used as the keep probability": 0.3, "nothing dropped": 1.0})
    assert "0.7" in message and "likely mistake: p used as the keep probability" in message
    assert "likely mistake" not in failure(assert_rate, rng.random(20_000) < 0.5, rate=0.7,
                                           name="kept", bugs={"p as keep": 0.3})
    assert "expected an array" in failure(assert_rate, [True] * 200, rate=0.5, name="kept")
    with pytest.raises(ValueError):
        assert_rate(np.ones(10, bool), rate=0.5, name="kept")

@pytest.mark.parametrize("a", [0.5, 1.0, 5.5, 11.5, 40.0])
@pytest.mark.parametrize("x", [0.0, 0.1, 1.0, 6.0, 25.0, 120.0])
def test_upper_incomplete_gamma_matches_torch(a, x) -> None:
    want = torch.special.gammaincc(torch.tensor(a, dtype=torch.float64),
                                   torch.tensor(x, dtype=torch.float64)).item()
    assert _gamma_q(a, x) == pytest.approx(want, rel=1e-9, abs=1e-300)


def test_frequency_checks() -> None:
    law = np.array([0.1, 0.2, 0.3, 0.4])
    rng = np.random.default_rng(0)
    assert_frequencies(np.bincount(rng.choice(4, 2000, p=law), minlength=4), law, name="pick")
    wrong = np.bincount(rng.choice(4, 2000, p=[0.25] * 4), minlength=4)
    message = failure(assert_frequencies, wrong, law, name="pick", labels="abcd",
                      bugs={"uniform": [0.25] * 4, "reversed": law[::-1]})
    assert message.startswith("pick: the frequencies over 2000 draws do not fit")
    assert message.endswith("likely mistake: uniform")
    message = failure(assert_frequencies, [10, 0, 90], [0.0, 0.1, 0.9], name="pick",
                      labels=["x", "y", "z"])
    assert message.startswith("pick: came up x, which should never happen")
    with pytest.raises(ValueError):
        assert_frequencies([3, 7], [0.01, 0.99], name="pick")       # 0.1 expected: too few


def test_numeric_gradient_matches_analytic() -> None:
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    grad = numeric_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-6)


def test_fast_enough_flags_a_slow_loop() -> None:
    x = np.random.default_rng(3).standard_normal((200, 50))

    def vectorised(a):
        return a.sum(axis=1)

    def slow(a):
        time.sleep(0.02)
        return a.sum(axis=1)

    assert_fast_enough(vectorised, vectorised, x)
    assert "too slow" in failure(assert_fast_enough, slow, vectorised, x, max_ratio=5)


def test_known_bug_is_named_when_the_shape_is_wrong() -> None:
    x, dout = np.arange(6.0).reshape(3, 2), np.arange(12.0).reshape(3, 4)
    right, transposed = x.T @ dout, dout.T @ x          # (2, 4) and (4, 2)
    message = failure(assert_close, transposed, right, name="dW",
                      bugs={"dW transposed: use x.T @ dout": transposed})
    assert message == "dW: expected shape (2, 4), got (4, 2)\n  likely mistake: dW transposed: use x.T @ dout"


def test_distinct_bugs_drops_mistakes_these_inputs_cannot_show() -> None:
    want = np.array([1.0, 2.0, 3.0])
    bugs = {"same here": want + 1e-9, "other shape": np.zeros(2), "differs": want * 2}
    assert list(distinct_bugs(bugs, want)) == ["other shape", "differs"]
    assert distinct_bugs(None, want) == {}


def test_fast_enough_names_the_given_advice() -> None:
    def slow(n):
        time.sleep(0.02)
        return n

    message = failure(assert_fast_enough, slow, lambda n: n, 3, max_ratio=2, repeat=1,
                      advice="Keep a running best.")
    assert message.startswith("too slow") and message.endswith("Keep a running best.")
