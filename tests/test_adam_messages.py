"""Adam's in-place mistakes get messages in plain words, through `learn grade`."""
from __future__ import annotations

from conftest import REPO, run_learn
from grader.wrong_versions import materialise


def test_in_place_mistakes_are_named_in_plain_words(state_dir, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LEARN_COURSE", raising=False)
    solutions = REPO / "solutions" / "adam"
    made = dict((version.name, path) for version, path in
                materialise(solutions / "adam.py", solutions / "wrong.yaml", tmp_path))
    rebound = run_learn("grade", "adam", "--file", str(made["update_rebinds_loop_variable"]))
    assert rebound.returncode == 1
    assert "likely mistake: your parameters never changed in place: p = p - ..." in rebound.stdout
    copied = run_learn("grade", "adam", "--file", str(made["params_list_copied"]))
    assert copied.returncode == 1 and copied.stdout.count("\n  ✗ ") == 1   # that test only
    assert "opt.params is not the list that was passed to Adam" in copied.stdout
    assert "assert False" not in copied.stdout and "where False" not in copied.stdout
