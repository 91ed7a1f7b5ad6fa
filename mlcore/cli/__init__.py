"""The ``mlcore`` command line: one subcommand per Workspace operation, ``--json`` output."""

from mlcore.cli.main import main

__all__ = ["main"]
