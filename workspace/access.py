"""The workspace's access file: who may open the served dashboard, and with which role
(DESIGN 5.1).

``access.json`` in the workspace folder holds, per account, its role and an argon2id
hash of its password (argon2-cffi's defaults: memory-hard, salted, self-describing), and
nothing else: no password, no e-mail, no name beyond the account's. It is written
atomically (temporary file, then rename), readable by its owner only, under the same
lock as every other workspace write, so an import that swaps the workspace folder cannot
undo a ``solutions users`` change made at the same time.

It is not data: no reader, score, export or report opens it (they read the manifest, the
areas and the observations by name), and ``Accounts`` is the only code that does.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from workspace.store import WorkspaceError
from workspace.transaction import workspace_lock

__all__ = [
    "ACCESS_FILE",
    "ROLES",
    "AccessError",
    "Account",
    "Accounts",
    "check_password_strength",
]

ACCESS_FILE = "access.json"
#: Least to most: a viewer sees the public view, an analyst all detail, an admin also
#: manages accounts.
ROLES = ("viewer", "analyst", "admin")
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")
_FORMAT = 1
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so that a wrong name takes as
    long as a wrong password and the login form does not tell which names exist. Made on
    the first sign-in rather than at import: a hash costs a tenth of a second, which
    every server start (and every command importing this module) would otherwise pay."""
    return _HASHER.hash("not a password of anyone")


class AccessError(WorkspaceError):
    """A change to the accounts that cannot go ahead; the access file is unchanged."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    created: str


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _check_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise AccessError(
            f"{name!r} is not a valid account name: 1 to 64 letters, digits or . _ @ + -, "
            "starting with a letter or digit"
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccessError(f"{role!r} is not a role; roles are {', '.join(ROLES)}")
    return role


class Accounts:
    """The accounts of the workspace at ``root``. Reading is cheap and repeated: the file
    is parsed again only when it changed on disk, so a running server sees ``solutions
    users`` changes at its next request."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.path = self.root / ACCESS_FILE
        # (file identity, accounts): replaced whole, never mutated, so threads of one
        # worker reading at once see one version or the other.
        self._cache: tuple[tuple | None, dict[str, dict]] = (None, {})

    # -- reading ---------------------------------------------------------------------
    def _load(self) -> dict[str, dict]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._cache = (None, {})
            return {}
        seen = (info.st_ino, info.st_mtime_ns, info.st_size)
        cached_seen, users = self._cache
        if seen != cached_seen:
            try:
                document = json.loads(self.path.read_text(encoding="utf-8"))
                users = document["users"]
                if not isinstance(users, dict):
                    raise TypeError("users is not a mapping")
            except (ValueError, KeyError, TypeError) as exc:
                raise AccessError(f"{self.path}: not a readable access file ({exc})") from None
            self._cache = (seen, users)
        return users

    def list(self) -> list[Account]:
        return [
            Account(name, entry["role"], entry.get("created", ""))
            for name, entry in sorted(self._load().items())
        ]

    def role_of(self, name: str | None) -> str | None:
        """The role of an existing account, else None."""
        entry = self._load().get(name or "")
        return entry["role"] if entry and entry.get("role") in ROLES else None

    def __bool__(self) -> bool:
        return bool(self._load())

    def verify(self, name: str, password: str) -> str | None:
        """The account's role if ``password`` is its password, else None (also for an
        unknown name, after the same amount of work)."""
        # Made before the name is looked up, so the first sign-in of a process costs the
        # same whether its name exists or not.
        dummy = _dummy_hash()
        entry = self._load().get(name or "")
        try:
            _HASHER.verify(entry["hash"] if entry else dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return self.role_of(name) if entry else None

    # -- writing ---------------------------------------------------------------------
    def add(self, name: str, password: str, role: str = "viewer") -> bool:
        """Create the account, or give an existing one this password and role.
        True if it was new."""
        _check_name(name)
        _check_role(role)
        check_password_strength(password)
        hashed = _HASHER.hash(password)
        with workspace_lock(self.root):
            users = dict(self._load())
            new = name not in users
            created = users.get(name, {}).get("created") or datetime.now(UTC).isoformat(
                timespec="seconds"
            )
            users[name] = {"role": role, "hash": hashed, "created": created}
            self._write(users)
        return new

    def remove(self, name: str) -> None:
        with workspace_lock(self.root):
            users = dict(self._load())
            if name not in users:
                raise AccessError(f"there is no account {name!r}")
            del users[name]
            self._write(users)

    def _write(self, users: dict[str, dict]) -> None:
        document = {"format": _FORMAT, "users": users}
        temporary = self.path.with_name(f".{ACCESS_FILE}.part")
        # Created readable by the owner only: the hashes are slow to crack, not impossible.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, stat.S_IRUSR | stat.S_IWUSR)
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._cache = (None, {})
