"""``solutions serve`` and ``solutions users`` (DESIGN 3.1, 5.1)."""

from __future__ import annotations

import getpass
import os
import sys

from dashboard.serving.state import STATE_DIR_VARIABLE, StateDirError, state_dir

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # The first line, without its line end: `printf '%s\n' "$PASSWORD" | ...`.
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Password again: ")
    if first != second:
        from workspace.access import AccessError

        raise AccessError("the two passwords differ; nothing was changed")
    return first


def run_users_command(args) -> int:
    from workspace.access import Accounts
    from workspace.store import Workspace

    accounts = Accounts(Workspace(args.dir).require().path)
    if args.action == "list":
        found = accounts.list()
        if not found:
            print(f"no accounts; add one with: solutions users {args.dir} add NAME --role analyst")
        for account in found:
            print(f"{account.name}\t{account.role}\t{account.created}")
        return EXIT_OK
    if not args.name:
        print(f"usage: solutions users DIR {args.action} NAME", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "remove":
        accounts.remove(args.name)
        print(f"account {args.name!r} removed; its sessions end at their next request")
        return EXIT_OK
    password = _read_password(args.password_stdin)
    new = accounts.add(args.name, password, args.role)
    print(f"account {args.name!r} {'added' if new else 'updated'} with role {args.role}")
    return EXIT_OK


def run_serve_command(args) -> int:
    from dashboard.app import create_app
    from dashboard.serving import ServingSettings
    from dashboard.serving.access import audit_log_path
    from dashboard.serving.gunicorn import DashboardServer, gunicorn_options
    from workspace.access import Accounts
    from workspace.store import Workspace

    workspace = Workspace(args.dir).require()
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    if not args.public and not Accounts(workspace.path):
        print(
            f"error: {args.dir}: no accounts, so nobody could sign in; add one with "
            f"`solutions users {args.dir} add NAME --role analyst`, or serve the public "
            "view to anyone with --public",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if args.state_dir:
        # Read by dashboard.serving.state in this process and, after the fork, its workers.
        os.environ[STATE_DIR_VARIABLE] = str(args.state_dir.absolute())
    try:
        # Checked before anything is built: a read-only workspace (a container's volume)
        # must say so now, with the fix, rather than lose sessions at each restart.
        shared = state_dir(workspace.path)
    except StateDirError as exc:
        print(f"error: {args.dir}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = ServingSettings(public=args.public, trust_header=args.trust_header)
    workers = args.workers or 1
    access = "public view for anyone" if args.public else "sign-in required"
    if args.trust_header:
        access += f"; user from the {args.trust_header} header"
    print(
        f"serving {args.dir} on http://{args.host}:{args.port} with {workers} worker(s) "
        f"({access}); audit log: {audit_log_path(workspace.path)}; sessions and jobs: {shared}",
        flush=True,
    )

    def build():
        return create_app(workspace, framework_path=args.framework, serving=settings)

    options = gunicorn_options(
        args.host,
        args.port,
        workers,
        timeout=args.timeout,
        access_log=args.access_log,
        threads=args.threads,
    )
    DashboardServer(build, options).run()
    return EXIT_OK
