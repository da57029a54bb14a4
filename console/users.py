"""Console users (`console_users` in the decisions file): who may log in, and as what role."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import duckdb

from console.passwords import WeakPassword, check_password
from console.security import ROLES, hash_password, needs_rehash, new_salt, password_matches
from console.store import DecisionStore
from warehouse.store.db import table_exists

USERS_DDL = """
CREATE TABLE IF NOT EXISTS console_users (
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    salt VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""

_DUMMY_SALT = "00" * 16


@cache
def _dummy_hash() -> str:
    """Checked against when the username is unknown, so a wrong name costs as long as a wrong password."""
    return hash_password("", _DUMMY_SALT)


class UserError(ValueError):
    """A user could not be added or changed; the message says why, in Chinese."""


@dataclass(frozen=True)
class User:
    """A console user as the session needs it."""

    username: str
    role: str


@dataclass(frozen=True)
class StoredUser:
    """A user's row: role and password hash."""

    username: str
    role: str
    password_hash: str
    salt: str


def find_user(con: duckdb.DuckDBPyConnection | None, username: str) -> StoredUser | None:
    """The user of that exact name, if any."""
    if con is None or not table_exists(con, "console_users"):
        return None
    rows = con.execute(
        "SELECT username, role, password_hash, salt FROM console_users WHERE username = ?", [username]
    ).fetchall()
    return StoredUser(*rows[0]) if rows else None


def verify_password(stored: StoredUser | None, password: str) -> bool:
    """Whether the password is the user's; an unknown user costs one hash all the same."""
    if stored is None:
        password_matches(password, _DUMMY_SALT, _dummy_hash())
        return False
    return password_matches(password, stored.salt, stored.password_hash)


def _checked(username: str, password: str) -> str:
    username = username.strip()
    if not username:
        raise UserError("用户名不能为空")
    try:
        check_password(password, username)
    except WeakPassword as exc:
        raise UserError(str(exc)) from None
    return username


def add_user(store: DecisionStore, username: str, password: str, role: str) -> User:
    """Create a user with a salted scrypt hash of the password (which must pass the strength check)."""
    if role not in ROLES:
        raise UserError(f"角色必须是 {' 或 '.join(ROLES)}")
    username = _checked(username, password)
    salt = new_salt()
    with store.writing() as con:
        con.execute(USERS_DDL)
        if find_user(con, username) is not None:
            raise UserError(f"用户 {username} 已存在")
        con.execute(
            "INSERT INTO console_users (username, password_hash, salt, role) VALUES (?, ?, ?, ?)",
            [username, hash_password(password, salt), salt, role],
        )
    return User(username, role)


def store_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Write a new hash (new salt) for an existing user; the caller has checked the password."""
    salt = new_salt()
    con.execute(
        "UPDATE console_users SET password_hash = ?, salt = ? WHERE username = ?",
        [hash_password(password, salt), salt, username],
    )


def change_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Set a user's password after the strength check; UserError for weak passwords or unknown users."""
    _checked(username, password)
    if find_user(con, username) is None:
        raise UserError(f"没有用户 {username}")
    store_password(con, username, password)


def upgrade_hash(con: duckdb.DuckDBPyConnection, stored: StoredUser, password: str) -> None:
    """Rehash a just-verified password made with an older, cheaper cost."""
    if needs_rehash(stored.password_hash):
        store_password(con, stored.username, password)


def authenticate(store: DecisionStore, username: str, password: str) -> User | None:
    """The user when the password is right, else None (no lockout: see console.login)."""
    with store.reading() as con:
        stored = find_user(con, username.strip())
    matches = verify_password(stored, password)
    return User(stored.username, stored.role) if stored is not None and matches else None


def list_users(con: duckdb.DuckDBPyConnection | None) -> list[User]:
    """Every user, by name."""
    if con is None or not table_exists(con, "console_users"):
        return []
    return [User(*r) for r in con.execute("SELECT username, role FROM console_users ORDER BY username").fetchall()]
