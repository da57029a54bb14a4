"""Password hashing, signed session cookies, CSRF tokens and the login policy (standard library +
itsdangerous)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer

SECRET_ENV = "RETURNEES_CONSOLE_SECRET"
MIN_SECRET_LENGTH = 16
SESSION_COOKIE = "returnees_console"
# Over https the cookie is bound to this host and path (the `__Host-` prefix needs Secure).
SECURE_SESSION_COOKIE = "__Host-returnees_console"
ROLES = ("steward", "viewer", "admin")

# scrypt as OWASP's password storage guidance lists it: N=2^14 (16 MiB), r=8, p=5 (about 0.3 s).
SCRYPT_COST = (2**14, 8, 5)
# Hashes written before the cost was raised: a bare hex digest of N=2^14, r=8, p=1.
_LEGACY_COST = (2**14, 8, 1)


@dataclass(frozen=True)
class SecurityPolicy:
    """Session lifetimes and the lockout rule (OWASP ASVS 3.3.2 and 2.2.1)."""

    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_lifetime: timedelta = timedelta(hours=12)
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lock_duration: timedelta = timedelta(minutes=15)


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


def _scrypt(password: str, salt: str, cost: tuple[int, int, int]) -> str:
    n, r, p = cost
    return hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=n, r=r, p=p, dklen=32).hex()


def _cost_of(stored: str) -> tuple[tuple[int, int, int], str]:
    """The scrypt cost a stored hash was made with, and its digest."""
    if stored.startswith("scrypt$"):
        _, n, r, p, digest = stored.split("$")
        return (int(n), int(r), int(p)), digest
    return _LEGACY_COST, stored


def hash_password(password: str, salt: str) -> str:
    """scrypt hash of the password with the user's salt, as `scrypt$N$r$p$<hex>`."""
    n, r, p = SCRYPT_COST
    return f"scrypt${n}${r}${p}${_scrypt(password, salt, SCRYPT_COST)}"


def password_matches(password: str, salt: str, stored: str) -> bool:
    """Whether the password hashes to the stored hash (constant-time comparison)."""
    cost, digest = _cost_of(stored)
    return hmac.compare_digest(_scrypt(password, salt, cost), digest)


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash was made with a lower cost than the current one."""
    return _cost_of(stored)[0] != SCRYPT_COST


@dataclass(frozen=True)
class Session:
    """A random session id (all the signed cookie carries) and, once the server-side session table
    knows it, the user and their current role."""

    sid: str
    username: str | None = None
    role: str | None = None

    @property
    def is_steward(self) -> bool:
        """Whether this session may record decisions."""
        return self.role == "steward"

    @property
    def is_admin(self) -> bool:
        """Whether this session may read the access log and manage accounts."""
        return self.role == "admin"


class SessionCodec:
    """Signs sessions into cookie values and derives their CSRF tokens from the same secret."""

    def __init__(self, secret: str, max_age: timedelta = SecurityPolicy.absolute_lifetime) -> None:
        self._secret = secret.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret, salt="returnees-console-session")
        self._max_age = int(max_age.total_seconds())

    def dumps(self, session: Session) -> str:
        """The cookie value for a session: its signed id only."""
        return self._serializer.dumps({"sid": session.sid})

    def loads(self, value: str | None) -> Session | None:
        """The (not yet logged-in) session of a cookie value; None when missing, forged or too old."""
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self._max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return None
        return Session(data["sid"])

    def csrf_token(self, session: Session) -> str:
        """The CSRF token of a session: an HMAC of its id, so it dies with the session."""
        return hmac.new(self._secret, f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """Whether a submitted token belongs to this session."""
        return bool(token) and hmac.compare_digest(self.csrf_token(session), token or "")


def new_session(username: str | None = None, role: str | None = None) -> Session:
    """A session with a fresh random id (a new one at every login, against session fixation)."""
    return Session(secrets.token_urlsafe(18), username, role)


def session_key(sid: str) -> str:
    """What the server stores of a session id: its SHA-256 (the id itself stays in the cookie)."""
    return hashlib.sha256(sid.encode()).hexdigest()
