"""The `learn` command: a thin layer that parses arguments, calls the library and renders.

Heavy modules (numpy, torch, pytest, jinja2) are imported inside the commands that need them,
so `learn --help` and the commands that do not grade start fast.
"""
from __future__ import annotations

import importlib
import sys

import click

from grader.errors import UserError

# Commands that live in their own modules, loaded only when used: name -> "module:attribute".
_LAZY_COMMANDS = {
    "quiz": "grader.quiz.cli:quiz",
}


class _LearnGroup(click.Group):
    """A group that loads some commands on demand and turns UserError into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS:
            module, attribute = _LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)


@click.group(cls=_LearnGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="learn-dl", prog_name="learn")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Self-graded deep-learning exercises and concept quizzes.

    Run `learn` alone for the course table and what to do next.
    """


def main() -> None:
    """Entry point of the `learn` console script."""
    cli(prog_name="learn")
