"""Password strength: what `returnees users add`, `users passwd` and the console's password
change accept (OWASP ASVS 2.1: length, breached and context-specific passwords, no
composition rules)."""

from __future__ import annotations

import gzip
import string
from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# Fewer distinct characters than this is a repetition (aaaa…, 1212…, abcabc…), whatever the length.
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Words anyone would try first against this console.
CONTEXT_WORDS = ("returnees", "chongqing", "liuxue", "console", "重庆", "留学", "回国")
# Keyboard rows and columns (1qaz2wsx…) and runs of letters or digits, forwards and backwards.
_SEQUENCES = (
    "1234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    string.ascii_lowercase,
)
_EDGE = string.digits + string.punctuation + " "


class WeakPassword(ValueError):
    """The password is refused; the message says why, in Chinese."""


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common (breached) passwords, lower-cased."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _is_sequence(text: str) -> bool:
    """Whether the text runs along a keyboard row or the alphabet or digits, in either direction."""
    runs = [s * 3 for s in _SEQUENCES] + [s[::-1] * 3 for s in _SEQUENCES]
    return any(text in run for run in runs)


def check_password(password: str, username: str) -> None:
    """Raise WeakPassword unless the password is long enough, not common and not about this console
    or this user. Any printable character counts; runs of spaces count once."""
    length = len(" ".join(password.split()))
    if length < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符（连续空格算一个）")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"密码最多 {MAX_PASSWORD_LENGTH} 个字符")
    lowered = password.lower().strip()
    core = lowered.strip(_EDGE)
    name = username.strip().lower()
    if len(set(lowered)) < MIN_DISTINCT_CHARACTERS or _is_sequence(lowered):
        raise WeakPassword("密码只是重复的字符或键盘、字母、数字顺序，太容易猜到")
    if lowered in common_passwords() or core in common_passwords():
        raise WeakPassword("这是常见密码（或常见密码前后加数字、符号），出现在泄露密码清单中，请换一个")
    if len(name) >= 3 and name in lowered:
        raise WeakPassword("密码不能包含用户名")
    if core in CONTEXT_WORDS or any(word in core and len(core) - len(word) < 4 for word in CONTEXT_WORDS):
        raise WeakPassword("密码不能只是本系统的名称或地名加几个字符")
