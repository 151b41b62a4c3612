"""The terminal rendering of READMEs and hints: markers gone, styles kept, lines wrapped."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from conftest import REPO
from grader.cli import cli
from grader.markdown import fill, inline_pieces, labelled, render

CODE_SPAN = re.compile(r"\x1b\[36m.*?\x1b\[0m")   # what render() styles as code


def test_inline_markers_become_styles() -> None:
    assert inline_pieces("a **b c** `d * e` *f* 2*3*4 x**2") == [
        ("a ", ""), ("b c", "bold"), (" ", ""), ("d * e", "code"), (" ", ""), ("f", "em"),
        (" 2*3*4 x**2", "")]
    line = fill("use `p -= lr * g` **in place**", 80)[0]
    assert click.unstyle(line) == "use p -= lr * g in place"
    assert click.style("p -= lr * g", fg="cyan") in line
    assert click.style("in place", bold=True) in line


def test_paragraphs_and_lists_are_refilled_to_the_width() -> None:
    text = ("Intro line one\ncontinues here with `some code` and **bold words** that go on "
            "and on.\n\n* first item, long enough to need a second line when narrow\n"
            "  and a continuation\n* second\n\n    y = W @ x + b      (a formula stays as written)\n")
    lines = [click.unstyle(line) for line in render(text, width=30).splitlines()]
    assert all(len(line) <= 30 for line in lines if not line.startswith("    "))
    assert lines[0].startswith("Intro line one continues")
    bullets = [n for n, line in enumerate(lines) if line.startswith("* ")]
    assert len(bullets) == 2 and lines[bullets[0] + 1].startswith("  ")  # hanging indent
    assert "    y = W @ x + b      (a formula stays as written)" in lines
    assert "some code" in " ".join(lines) and "`" not in " ".join(lines)


def test_a_code_span_is_never_split_across_lines() -> None:
    lines = fill("word " * 5 + "`p -= lr * m_hat / (sqrt(v_hat) + eps)` end", 24)
    assert any("p -= lr * m_hat / (sqrt(v_hat) + eps)" in click.unstyle(l) for l in lines)


def test_labelled_text_hangs_under_its_label() -> None:
    lines = click.unstyle(labelled("Hint 1/4: ", "alpha beta gamma delta epsilon", 20)).splitlines()
    assert lines == ["Hint 1/4: alpha beta", "          gamma", "          delta", "          epsilon"]


@pytest.mark.parametrize("readme", sorted((REPO / "exercises").glob("*/README.md")),
                         ids=lambda p: p.parent.name)
def test_shipped_readmes_show_no_raw_markdown(readme) -> None:
    shown = render(readme.read_text(encoding="utf-8"), width=72)
    prose = click.unstyle(CODE_SPAN.sub("", shown))   # code may hold ** (W**2) and the like
    for line in prose.splitlines():
        if line.startswith("    "):
            continue  # formula blocks stay as written
        # `beta ** t` in prose is a power, not a marker: a marker touches its text.
        assert not re.search(r"\*\*\S|\S\*\*", line), line
        assert "`" not in line and not line.startswith("#"), line
        assert len(line) <= 72, line


def test_show_and_hint_wrap_to_the_terminal(course, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    (course / "exercises" / "scale" / "README.md").write_text(
        "# Scale an array\n\nWrite `scale(x, factor)`, `total(x)` and **`Counter.step()`** in "
        "scale.py, and take care with the *dtype*.\n")
    shown = CliRunner().invoke(cli, ["show", "scale"]).output
    assert "Write scale(x, factor), total(x) and" in shown and "`" not in shown
    assert "**" not in shown and "# Scale" not in shown
    hint = CliRunner().invoke(cli, ["hint", "scale"]).output
    assert hint == "Hint 1/2: Multiply every element by the\n          factor.\n"
    (course / "course.yaml").write_text((course / "course.yaml").read_text().replace(
        "Multiply every element by the factor.",
        "Multiply every element by the factor with `x * factor`, which keeps the shape."))
    hint = CliRunner().invoke(cli, ["hint", "scale"]).output.splitlines()
    assert all(len(line) <= 40 for line in hint) and len(hint) > 2
    assert hint[0].startswith("Hint 1/2: ") and hint[1].startswith(" " * 10)
