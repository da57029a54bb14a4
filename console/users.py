"""Console users (`console_users` in the decisions file): who may log in, and as what role."""

from __future__ import annotations

from dataclasses import dataclass

from console.security import MIN_PASSWORD_LENGTH, ROLES, hash_password, new_salt, password_matches
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

# Checked against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_SALT = "00" * 16
_DUMMY_HASH = hash_password("", _DUMMY_SALT)


class UserError(ValueError):
    """A user could not be added; the message says why, in Chinese."""


@dataclass(frozen=True)
class User:
    """A console user as the session needs it."""

    username: str
    role: str


def add_user(store: DecisionStore, username: str, password: str, role: str) -> User:
    """Create a user with a salted scrypt hash of the password."""
    username = username.strip()
    if not username:
        raise UserError("用户名不能为空")
    if role not in ROLES:
        raise UserError(f"角色必须是 {' 或 '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    salt = new_salt()
    with store.writing() as con:
        con.execute(USERS_DDL)
        if con.execute("SELECT count(*) FROM console_users WHERE username = ?", [username]).fetchall()[0][0]:
            raise UserError(f"用户 {username} 已存在")
        con.execute(
            "INSERT INTO console_users (username, password_hash, salt, role) VALUES (?, ?, ?, ?)",
            [username, hash_password(password, salt), salt, role],
        )
    return User(username, role)


def authenticate(store: DecisionStore, username: str, password: str) -> User | None:
    """The user when the password is right, else None."""
    with store.reading() as con:
        rows = (
            con.execute(
                "SELECT password_hash, salt, role FROM console_users WHERE username = ?", [username.strip()]
            ).fetchall()
            if con is not None and table_exists(con, "console_users")
            else []
        )
    if not rows:
        password_matches(password, _DUMMY_SALT, _DUMMY_HASH)
        return None
    stored_hash, salt, role = rows[0]
    return User(username.strip(), role) if password_matches(password, salt, stored_hash) else None
