"""Password hashing, signed session cookies and CSRF tokens (standard library + itsdangerous)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SECRET_ENV = "RETURNEES_CONSOLE_SECRET"
MIN_SECRET_LENGTH = 16
MIN_PASSWORD_LENGTH = 8
SESSION_COOKIE = "returnees_console"
SESSION_MAX_AGE = 12 * 3600
ROLES = ("steward", "viewer")

# scrypt cost: 16 MiB of memory per hash, well under a tenth of a second.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def check_secret(secret: str | None) -> str:
    """The console secret, or ValueError with a one-line Chinese reason."""
    if not secret:
        raise ValueError(f"未设置环境变量 {SECRET_ENV}，控制台拒绝启动")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"环境变量 {SECRET_ENV} 太短（至少 {MIN_SECRET_LENGTH} 个字符），控制台拒绝启动")
    return secret


def new_salt() -> str:
    """A fresh per-user salt (hex)."""
    return secrets.token_hex(16)


def hash_password(password: str, salt: str) -> str:
    """scrypt hash of the password with the user's salt (hex)."""
    return hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), **_SCRYPT).hex()


def password_matches(password: str, salt: str, expected: str) -> bool:
    """Whether the password hashes to the stored hash (constant-time comparison)."""
    return hmac.compare_digest(hash_password(password, salt), expected)


@dataclass(frozen=True)
class Session:
    """What the signed cookie carries: a random session id and, once logged in, the user."""

    sid: str
    username: str | None = None
    role: str | None = None

    @property
    def is_steward(self) -> bool:
        """Whether this session may record decisions."""
        return self.role == "steward"


class SessionCodec:
    """Signs sessions into cookie values and derives their CSRF tokens from the same secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret, salt="returnees-console-session")

    def dumps(self, session: Session) -> str:
        """The cookie value for a session."""
        return self._serializer.dumps({"sid": session.sid, "u": session.username, "r": session.role})

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie value; None when missing, forged or expired."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        return Session(data["sid"], data.get("u"), data.get("r"))

    def csrf_token(self, session: Session) -> str:
        """The CSRF token of a session: an HMAC of its id, so it dies with the session."""
        return hmac.new(self._secret, f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """Whether a submitted token belongs to this session."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


def new_session(username: str | None = None, role: str | None = None) -> Session:
    """A session with a fresh random id (a new one at every login, against session fixation)."""
    return Session(secrets.token_urlsafe(18), username, role)
