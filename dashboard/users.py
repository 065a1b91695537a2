"""Local accounts from the command line: `python -m dashboard.users add EMAIL --role ops [--password-stdin]`.

Commands: add, list, remove, set-role, reset-password. The store's database URL comes from the environment
variable THROUGHLINE_STORE__DATABASE_URL (default sqlite:///data/throughline.sqlite); the schema is brought up
to date first, so the very first admin can be created on an empty database.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from typing import cast

from services.errors import ThroughlineError
from services.models import ROLES, Role
from services.store import Store

URL_VARIABLE = "THROUGHLINE_STORE__DATABASE_URL"
DEFAULT_URL = "sqlite:///data/throughline.sqlite"


def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per action."""
    root = argparse.ArgumentParser(prog="python -m dashboard.users", description="Manage local accounts.")
    commands = root.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list", help="list the accounts")
    remove = commands.add_parser("remove", help="delete an account")
    remove.add_argument("email")
    set_role = commands.add_parser("set-role", help="change an account's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=ROLES)
    reset = commands.add_parser("reset-password", help="set a new password and lift a lockout")
    reset.add_argument("email")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return root


def read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Same password again: ") != first:
        raise SystemExit("the two passwords differ; nothing was changed")
    return first


def run(args: argparse.Namespace, store: Store) -> str:
    """Carry out one parsed command on the store and return what to print."""
    if args.command == "add":
        user = store.add_user(args.email, read_password(args.password_stdin), _role(args.role))
        return f"added {user.email} ({user.role})"
    if args.command == "remove":
        store.remove_user(args.email)
        return f"removed {args.email.strip().lower()}"
    if args.command == "set-role":
        store.set_role(args.email, _role(args.role))
        return f"{args.email.strip().lower()} is now {args.role}"
    if args.command == "reset-password":
        store.set_password(args.email, read_password(args.password_stdin))
        return f"password of {args.email.strip().lower()} reset; any lockout is lifted"
    rows = [
        f"{user.email}\t{user.role}\t"
        + (f"locked until {user.locked_until:%Y-%m-%d %H:%M} UTC" if user.locked_until else "active")
        for user in store.users()
    ]
    return "\n".join(rows) if rows else "no local accounts yet"


def _role(text: str) -> Role:
    # argparse `choices` already held it to ROLES; the store checks it again.
    return cast(Role, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (1 with a message on stderr when something needs fixing)."""
    args = parser().parse_args(argv)
    try:
        store = Store(os.environ.get(URL_VARIABLE) or DEFAULT_URL)
        try:
            store.migrate()
            print(run(args, store))
        finally:
            store.close()
    except ThroughlineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
