"""The errors a user can cause. The CLI turns each into one line and exit status 2."""
from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input, files or setup, worded for the user.

    The message must name what is wrong and where (a file, a key, an argument), in one line.
    """
