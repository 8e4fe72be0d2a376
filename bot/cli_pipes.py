"""What the command lines share about their standard output."""

from __future__ import annotations

import os
import sys


def silence_stdout() -> None:
    """After a closed pipe (`| head`): point stdout at devnull.

    The interpreter flushes stdout again at exit and would print a second BrokenPipeError;
    with the descriptor on devnull that flush succeeds quietly.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (a test's capture): nothing to do
        pass
