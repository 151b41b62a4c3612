"""The learner's commands, through click's runner and through a real subprocess."""
from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import SUBMISSIONS, run_learn
from grader.cli import cli


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_course_table_lists_exercises_and_next_step(course) -> None:
    result = invoke()
    assert result.exit_code == 0
    assert "scale" in result.output and "not started" in result.output
    assert "Next: `learn show scale`" in result.output


def test_show_prints_readme_and_the_file_to_edit(course, state_dir) -> None:
    result = invoke("show", "scale")
    assert result.exit_code == 0
    assert "Scale an array" in result.output
    mine = state_dir / "workspace" / "scale" / "scale.py"
    assert f"Edit:  {mine}" in result.output
    assert mine.read_text() == (course / "exercises" / "scale" / "scale.py").read_text()


def test_unknown_exercise_is_one_line_with_suggestion(course) -> None:
    done = run_learn("show", "scael")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no exercise named 'scael' (did you mean 'scale'?); `learn` lists them"
    assert "Traceback" not in done.stderr


def test_grade_usage_errors_exit_2(course) -> None:
    assert run_learn("grade", "scale", "--all").returncode == 2
    assert run_learn("grade", "--file", str(SUBMISSIONS / "correct.py")).returncode == 2
    missing = run_learn("grade", "scale", "--file", "no/such/file.py")
    assert missing.returncode == 2 and "no/such/file.py" in missing.stderr


def test_hints_are_progressive_and_remembered(course) -> None:
    first = invoke("hint", "scale")
    assert "Hint 1/2" in first.output and "Hint 2/2" not in first.output
    second = invoke("hint", "scale")
    assert "Hint 1/2" in second.output and "Hint 2/2" in second.output
    third = invoke("hint", "scale")
    assert "No more hints" in third.output
    assert "0/2" not in invoke().output and "2/2" in invoke().output


def test_reset_backs_up_and_restores_the_stub(mine, state_dir) -> None:
    stub = mine.read_text()
    mine.write_text("def scale(x, factor):\n    return x\n")
    declined = invoke("reset", "scale", input="n\n")
    assert "Nothing changed" in declined.output
    assert mine.read_text().startswith("def scale(x, factor):\n    return x")
    accepted = invoke("reset", "scale", input="y\n")
    assert "Your version is saved as" in accepted.output
    assert mine.read_text() == stub
    backups = list((state_dir / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_text().endswith("return x\n")
    assert "already is the original stub" in invoke("reset", "scale", "--yes").output


def test_solution_only_after_passing(course) -> None:
    refused = run_learn("solution", "scale")
    assert refused.returncode == 2 and "has not passed yet" in refused.stderr
    forced = run_learn("solution", "scale", "--force")
    assert forced.returncode == 0 and "warning" in forced.stderr
    assert "BEGIN SOLUTION" not in forced.stdout and "return float(np.sum(x))" in forced.stdout


def test_passing_grade_is_recorded_and_unlocks_the_solution(course, mine) -> None:
    mine.write_text((SUBMISSIONS / "_good.py").read_text())
    done = run_learn("grade", "scale")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All 5 tests passed, 10/10 points." in done.stdout
    table = run_learn().stdout
    assert "passed" in table and "10/10" in table and "1/1 exercises passed" in table
    assert run_learn("solution", "scale").returncode == 0


def test_grading_another_file_does_not_touch_progress(course) -> None:
    done = run_learn("grade", "scale", "--file", str(SUBMISSIONS / "correct.py"))
    assert done.returncode == 0
    assert "not started" in run_learn().stdout


def test_grade_all_json_is_a_list(course) -> None:
    done = run_learn("grade", "--all", "--json")
    documents = json.loads(done.stdout)
    assert done.returncode == 1
    assert [d["exercise"] for d in documents] == ["scale"]
    assert {"score", "max_score", "execution_time", "output", "tests"} <= set(documents[0])


def test_broken_manifest_is_one_line_naming_file_line_and_key(course) -> None:
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text().replace("points: 10", "pionts: 10"))
    done = run_learn()
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line and "course.yaml:" in line
    assert "pionts" in line and "did you mean 'points'" in line


def _tree(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_course_folder_stays_as_shipped(course, mine) -> None:
    shipped = _tree(course)
    mine.write_text((SUBMISSIONS / "_good.py").read_text())
    assert run_learn("grade", "scale").returncode == 0
    assert run_learn("reset", "scale", "--yes").returncode == 0
    assert _tree(course) == shipped
    check = run_learn("check", "--no-quiz")
    assert check.returncode == 0, check.stdout


def test_edit_opens_the_workspace_file_in_the_editor(mine, tmp_path, monkeypatch) -> None:
    editor = tmp_path / "fake editor"
    editor.write_text("#!/bin/sh\necho \"# touched by $1 $2\" >> \"$2\"\n")
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"'{editor}' --flag")
    assert invoke("edit", "scale").exit_code == 0
    assert mine.read_text().endswith(f"# touched by --flag {mine}\n")


def test_edit_without_a_usable_editor_is_one_line(mine, monkeypatch) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    unset = run_learn("edit", "scale")
    assert unset.returncode == 2 and unset.stderr.count("\n") == 1
    assert "set $VISUAL or $EDITOR" in unset.stderr and str(mine) in unset.stderr
    monkeypatch.setenv("VISUAL", "/no/such/editor")
    missing = run_learn("edit", "scale")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    assert "cannot start the editor '/no/such/editor' (from $VISUAL)" in missing.stderr


def test_reset_all_restores_every_exercise(mine, state_dir) -> None:
    stub = mine.read_text()
    mine.write_text("def scale(x, factor):\n    return x\n")
    declined = run_learn("reset", "--all", stdin="n\n")
    assert "Nothing changed" in declined.stdout and mine.read_text().endswith("return x\n")
    done = run_learn("reset", "--all", stdin="y\n")
    assert done.returncode == 0 and "Your version is saved as" in done.stdout
    assert mine.read_text() == stub
    assert run_learn("reset").returncode == 2 and run_learn("reset", "scale", "--all").returncode == 2
