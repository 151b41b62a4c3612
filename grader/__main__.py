"""`python -m grader` is the `learn` command."""
from grader.cli import main

main()
