"""Shared plumbing of the CLI: output in text or JSON, and the error boundary."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mlcore.jsonsafe import json_safe


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str | None = None) -> None:
    """Print one JSON object with --json, else the human text (or a readable dump)."""
    if getattr(args, "json", False):
        print(json.dumps(json_safe(payload), indent=2, ensure_ascii=False))
    elif text is not None:
        print(text)
    else:
        print(json.dumps(json_safe(payload), indent=2, ensure_ascii=False))


def table(rows: list[list[Any]], headers: list[str]) -> str:
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def make_ctx(args: argparse.Namespace):
    from mlcore.jobs import ConsoleContext

    return ConsoleContext(quiet=getattr(args, "quiet", False))


def parse_json_option(raw: str | None, option: str) -> Any:
    from mlcore.errors import ConfigError

    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{option} is not valid JSON ({exc.msg} at position {exc.pos}): {raw!r}") from None


def open_workspace(args: argparse.Namespace):
    """The workspace of ``--home`` (default: $MLWB_HOME or the user data folder)."""
    from mlcore.workspace import Workspace

    return Workspace(getattr(args, "home", None))


def fmt_value(value: object, digits: int = 4) -> str:
    """A number for a table or a progress line: floats to ``digits`` places, None as "-"."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def add_dask_arguments(p: argparse.ArgumentParser, what: str) -> None:
    """--dask ADDRESS|local and the shape of a LocalCluster started for the job."""
    p.add_argument("--dask", metavar="ADDRESS", help=f"{what} on a Dask cluster: tcp://host:8786, or 'local' for a "
                   "LocalCluster started for this job (needs the dask extra)")
    p.add_argument("--dask-workers", type=int, default=2, help="workers of a --dask local cluster (default 2)")
    p.add_argument("--dask-memory-limit", default="auto", help="memory limit per local worker, e.g. 1GB (default auto)")


def dask_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """The LocalCluster options of --dask local (None for a cluster given by address)."""
    if args.dask != "local":
        return None
    return {"n_workers": args.dask_workers, "memory_limit": args.dask_memory_limit}
