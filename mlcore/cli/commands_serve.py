"""`mlcore serve`: the REST API of the specification over a workspace (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import stat
import sys
from pathlib import Path

from mlcore.errors import ConfigError


def register(sub, common) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve the REST API (/api/ml/...) over the workspace",
                       description="Serve the specification's REST API; OpenAPI at /docs and /openapi.json. "
                                   "Binds 127.0.0.1 unless --host says otherwise; another host needs --token-file.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    p.add_argument("--token-file", help="file holding the bearer token clients must send "
                                        "(required for any host other than loopback)")
    p.add_argument("--max-upload-mb", type=float, default=200.0, help="largest request body in MB (default: 200)")
    p.add_argument("--max-rows", type=int, default=100_000, help="most rows per predict call (default: 100000)")
    p.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                   help="allow browser calls from this origin (repeatable; default: CORS off)")
    p.set_defaults(func=cmd_serve)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_token(path: str) -> str:
    file = Path(path)
    try:
        token = file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    if len(token) < 16:
        raise ConfigError(f"the token in {path} is too short: use at least 16 characters "
                          "(e.g. python -c \"import secrets; print(secrets.token_urlsafe(32))\").")
    if os.name == "posix" and file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"warning: {path} is readable by other users; chmod 600 it", file=sys.stderr)
    return token


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mlcore.cli.main import open_workspace
    from mlcore.server import ServerSettings, create_app

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be 0-65535, not {args.port}.")
    if args.max_upload_mb <= 0 or args.max_rows < 1:
        raise ConfigError("--max-upload-mb and --max-rows must be positive.")
    token = read_token(args.token_file) if args.token_file else None
    if token is None and not is_loopback(args.host):
        raise ConfigError(f"refusing to serve on {args.host} without a token: anyone who can reach it could "
                          "train, promote and predict. Pass --token-file FILE, or keep --host 127.0.0.1.")
    settings = ServerSettings(max_upload_bytes=int(args.max_upload_mb * 1024 * 1024), max_rows=args.max_rows,
                              cors_origins=list(args.cors_origin), freeze_gc=True)
    # a job thread running Python code holds the GIL for up to the switch interval at a time; a shorter one
    # keeps prediction requests from queueing behind a training job (at a small cost to the job)
    sys.setswitchinterval(0.001)
    with open_workspace(args) as ws:
        app = create_app(ws, token=token, settings=settings)
        if not getattr(args, "quiet", False):
            print(f"ML Workbench API on http://{args.host}:{args.port}  (docs: /docs, workspace: {ws.home})"
                  + ("  [bearer token required]" if token else ""), file=sys.stderr, flush=True)
        import gc

        gc.collect()
        gc.freeze()  # start-up's objects are never garbage: full collections need not walk them (see ServerSettings)
        # open event streams would otherwise hold a graceful shutdown forever
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=5)
    return 0
