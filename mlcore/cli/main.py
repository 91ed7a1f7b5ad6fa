"""Entry point: builds the parser from the command modules and runs one command."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from mlcore.cli import (
    commands_automl,
    commands_data,
    commands_demo,
    commands_evaluate,
    commands_registry,
    commands_select,
    commands_serve,
    commands_train,
    commands_workspace,
)
from mlcore.cli._common import fail, open_workspace  # noqa: F401 - open_workspace: re-exported

GROUPS = [commands_data, commands_train, commands_select, commands_automl, commands_evaluate, commands_registry,
          commands_demo, commands_serve, commands_workspace]


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    # The subcommands repeat the global options so they work before or after the command
    # name; there they default to SUPPRESS, or argparse would reset the global values.
    kw = {"default": argparse.SUPPRESS} if suppress else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="workspace folder (default: $MLWB_HOME or the user data folder)", **kw)
    common.add_argument("--json", action="store_true", help="print one JSON object", **kw)
    common.add_argument("--quiet", "-q", action="store_true", help="no progress output", **kw)
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="mlcore", parents=[_common_options(suppress=False)],
        description="ML Workbench engine: import data, prepare, train, evaluate, version and deploy models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from mlcore.errors import JobCancelled, MLWorkbenchError

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MLWorkbenchError as exc:
        return fail(str(exc))
    except JobCancelled:
        return fail("cancelled")
    except KeyboardInterrupt:
        return fail("interrupted")
    except OSError as exc:  # e.g. permission denied writing an output file
        return fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
