"""The lr_schedules reference agrees with torch's StepLR, LinearLR and CosineAnnealingLR."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from torch.optim import lr_scheduler

from conftest import REPO, load_reference
from grader.plugin import load_module_from


ref = load_reference("lr_schedules")


# The suite's oracle: torch's schedulers stepped one step at a time, without building an
# optimiser (that would import torch._dynamo, ~2 s).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)   # points: the plugin's mark
    torch_lrs = load_module_from(REPO / "solutions" / "lr_schedules" / "test_lr_schedules.py",
                                 "lr_schedules_suite")._torch_trajectory


@pytest.mark.parametrize("step_size, gamma", [(1, 0.9), (3, 0.5), (7, 0.1)])
def test_step_decay_is_step_lr(step_size, gamma):
    want = torch_lrs(lambda o: lr_scheduler.StepLR(o, step_size, gamma), 30, base=0.3)
    got = [ref.step_decay(t, 0.3, step_size, gamma) for t in range(30)]
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("total, final", [(7, 0.02), (10, 0.0), (1, 0.05)])
def test_linear_decay_is_linear_lr_then_flat(total, final):
    want = torch_lrs(lambda o: lr_scheduler.LinearLR(o, 1.0, final / 0.1, total), total + 6)
    got = [ref.linear_decay(t, 0.1, total, final) for t in range(total + 6)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("total, low", [(7, 0.01), (12, 0.0), (1, 0.03)])
def test_cosine_decay_is_cosine_annealing_up_to_total_then_flat(total, low):
    want = torch_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, total, low), total + 1)
    got = [ref.cosine_decay(t, 0.1, total, low) for t in range(total + 1)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert all(ref.cosine_decay(t, 0.1, total, low) == pytest.approx(low, abs=1e-15)
               for t in range(total, total + 20))


def test_inverse_sqrt_and_warmup_closed_forms():
    for t in range(50):
        assert ref.inverse_sqrt(t, 0.2, 9) == pytest.approx(0.2 * math.sqrt(9 / max(t, 9)),
                                                            rel=1e-15)
    warm = ref.with_warmup(lambda t: 1.0 / (t + 1), 4)
    assert [warm(t) for t in range(6)] == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.2, 1 / 6])
