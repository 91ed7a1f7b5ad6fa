"""`mlcore workspace connect|show|disconnect`: which database and artifact store this home uses."""

from __future__ import annotations

import argparse

from mlcore.cli._common import emit


def register(sub, common) -> None:
    p = sub.add_parser("workspace", parents=[common], help="show or set this home's database and artifact store")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", parents=[common], help="print the database, artifact store and cache in use")
    show.set_defaults(func=cmd_show)
    connect = actions.add_parser(
        "connect", parents=[common], help="use a shared database and artifact store (written to workspace.json)")
    connect.add_argument("--db", required=True, help="database URL, e.g. postgresql+psycopg://user@host:5432/ml")
    connect.add_argument("--store", required=True, help="artifact store URL or folder, e.g. file:///mnt/team/ml")
    connect.add_argument("--cache", help="local folder for downloaded files (default: <home>/cache)")
    connect.set_defaults(func=cmd_connect)
    disconnect = actions.add_parser("disconnect", parents=[common],
                                    help="forget workspace.json: back to the home's own database and files")
    disconnect.set_defaults(func=cmd_disconnect)


def _text(conn) -> str:
    src = conn.sources
    return (f"home      {conn.home}\n"
            f"database  {conn.to_dict()['db_url']}  ({src.get('db', 'default')})\n"
            f"store     {conn.to_dict()['store_url']}  ({src.get('store', 'default')})\n"
            f"cache     {conn.cache_dir}")


def cmd_show(args: argparse.Namespace) -> int:
    from mlcore.connection import resolve_connection
    from mlcore.paths import resolve_home

    conn = resolve_connection(resolve_home(getattr(args, "home", None)))
    emit(args, conn.to_dict(), _text(conn))
    return 0


def cmd_connect(args: argparse.Namespace) -> int:
    from mlcore.connection import save_connection
    from mlcore.paths import resolve_home
    from mlcore.workspace import Workspace

    home = resolve_home(getattr(args, "home", None))
    # open it first: the database is reachable and migrated, the store writable — or nothing is saved
    with Workspace(home, db_url=args.db, store_url=args.store, cache_dir=args.cache) as ws:
        ws.store.check_writable()
        counts = {"datasets": len(ws.list_datasets()), "models": len(ws.list_models())}
    path = save_connection(home, args.db, args.store, args.cache)
    with Workspace(home) as ws:
        conn = ws.connection
    emit(args, dict(conn.to_dict(), saved_to=str(path), **counts),
         _text(conn) + f"\nsaved to  {path}\nshared    {counts['datasets']} datasets, {counts['models']} model versions")
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    from mlcore.connection import CONFIG_NAME, resolve_connection
    from mlcore.paths import resolve_home

    home = resolve_home(getattr(args, "home", None))
    (home / CONFIG_NAME).unlink(missing_ok=True)
    conn = resolve_connection(home)
    emit(args, conn.to_dict(), _text(conn))
    return 0
