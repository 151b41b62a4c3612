"""`learn wrong`: the known-wrong versions of wrong.yaml written out as files, through the CLI;
nothing written when an edit is stale or the file is malformed."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import run_learn
from grader.cli import cli


def wrong(*args: str):
    return CliRunner().invoke(cli, ["wrong", *args], catch_exceptions=False)


def test_writes_each_version_and_it_grades_as_wrong(course: Path, tmp_path: Path) -> None:
    out = tmp_path / "by_hand"
    done = wrong("scale", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "Wrote 1 known-wrong versions of scale" in done.output
    assert "adds_factor.py  Adds the factor instead of multiplying" in done.output
    made = out / "adds_factor.py"
    assert sorted(p.name for p in out.iterdir()) == ["adds_factor.py"]
    text = made.read_text()
    assert text.splitlines()[0] == "# Known-wrong version: Adds the factor instead of multiplying"
    assert "return (x + factor).astype(x.dtype)" in text
    reference = (course / "solutions" / "scale" / "scale.py").read_text()
    assert text.replace("(x + factor)", "(x * factor)").split("\n", 1)[1] == reference
    assert f"learn grade scale --file {made}" in done.output
    graded = run_learn("grade", "scale", "--file", str(made))
    assert graded.returncode == 1
    assert "likely mistake: added the factor instead of multiplying" in graded.stdout


def test_default_folder_is_named_after_the_exercise(course: Path, tmp_path: Path,
                                                     monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = wrong("scale")
    assert done.exit_code == 0, done.output
    assert "to scale_wrong:" in done.output
    assert [p.name for p in (tmp_path / "scale_wrong").iterdir()] == ["adds_factor.py"]


def test_a_stale_edit_writes_nothing_and_names_the_line(course: Path, tmp_path: Path) -> None:
    reference = course / "solutions" / "scale" / "scale.py"
    reference.write_text(reference.read_text().replace("(x * factor)", "(factor * x)"))
    out = tmp_path / "by_hand"
    done = wrong("scale", "--out", str(out))
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    wrong_file = course / "solutions" / "scale" / "wrong.yaml"
    line = next(n for n, text in enumerate(wrong_file.read_text().splitlines(), 1)
                if "find:" in text)
    assert lines == [f"error: {wrong_file}:{line}: adds_factor: the edit's find text "
                     f"'return (x * factor).astype(x.dtype)' is not in the reference; the "
                     f"reference changed since the edit was written"]
    assert not out.exists()


def test_malformed_wrong_yaml_is_one_clear_line(course: Path, tmp_path: Path) -> None:
    wrong_file = course / "solutions" / "scale" / "wrong.yaml"
    wrong_file.write_text("- name: Adds-Factor\n  bug: adds\n  edits: []\n"
                          "- name: no_edits\n  bug: nothing changes\n")
    done = wrong("scale", "--out", str(tmp_path / "out"))
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        f"error: {wrong_file}:1: [0].name: expected lower_snake_case letters, digits and _, "
        f"got 'Adds-Factor' (and 1 more problem)"]
    assert not (tmp_path / "out").exists()


def test_an_exercise_without_wrong_yaml_says_so(course: Path, tmp_path: Path) -> None:
    (course / "solutions" / "scale" / "wrong.yaml").unlink()
    done = wrong("scale", "--out", str(tmp_path / "out"))
    assert done.exit_code == 2
    assert "scale has no known-wrong versions" in done.output
    assert wrong("nope").exit_code == 2


NO_ZERO_CHECK = """
- name: no_zero_check
  bug: forgets to reject factor 0
  edits:
    - find: |2
            if factor == 0:
                raise ValueError("factor must not be 0")
      replace: ""
"""


def test_stale_messages_name_the_missing_line_or_the_ambiguity(course: Path,
                                                               tmp_path: Path) -> None:
    solutions = course / "solutions" / "scale"
    with (solutions / "wrong.yaml").open("a") as wrong_file:
        wrong_file.write(NO_ZERO_CHECK)
    assert wrong("scale", "--out", str(tmp_path / "ok")).exit_code == 0
    assert "raise ValueError" not in (tmp_path / "ok" / "no_zero_check.py").read_text()

    reference = solutions / "scale.py"
    reference.write_text(reference.read_text().replace("must not be 0", "cannot be 0"))
    done = wrong("scale", "--out", str(tmp_path / "stale"))
    assert done.exit_code == 2
    assert ("no_zero_check: a line of the edit's find text "
            "'raise ValueError(\"factor must not be 0\")' is not in the reference") in done.output

    (solutions / "wrong.yaml").write_text(
        "- name: ambiguous\n  bug: b\n  edits:\n    - find: 'self.n'\n      replace: 'self.count'\n")
    done = wrong("scale", "--out", str(tmp_path / "ambiguous"))
    assert done.exit_code == 2
    assert (f"{solutions / 'wrong.yaml'}:4: ambiguous: the edit's find text 'self.n' stands 3 times "
            f"in the reference; give it more surrounding lines") in done.output
    assert not (tmp_path / "stale").exists() and not (tmp_path / "ambiguous").exists()


def test_an_edit_that_breaks_the_syntax_is_refused_not_counted_caught(course: Path) -> None:
    wrong_file = course / "solutions" / "scale" / "wrong.yaml"
    wrong_file.write_text(wrong_file.read_text() + """
- name: unbalanced
  bug: an edit that leaves a bracket open
  edits:
    - find: "return (x * factor).astype(x.dtype)"
      replace: "return ((x * factor).astype(x.dtype)"
""")
    done = run_learn("check", "scale", "--no-quiz")
    assert done.returncode == 1
    assert "unbalanced: the edited reference does not parse" in done.stdout
    assert "wrong versions: 1/2 caught" in done.stdout
