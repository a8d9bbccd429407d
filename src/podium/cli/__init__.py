"""The `podium` command: arguments, job dispatch, summaries and exit codes."""

from podium.cli.main import main

__all__ = ["main"]
