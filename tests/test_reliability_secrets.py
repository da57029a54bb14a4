"""No credential in the repository: secrets come from the environment or files outside it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CREDENTIAL_TEXT = {
    "私钥": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "云访问密钥": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "带口令的连接串": re.compile(r"\b[a-z][a-z0-9+]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@"),
}
CREDENTIAL_FILES = re.compile(r"(^|/)(\.env(\..*)?|.*\.pem|.*\.key|.*\.p12|id_rsa.*|\.netrc|credentials\.json)$")


def _repository_files() -> list[str]:
    """Tracked files and new files not ignored: what the next commit can contain."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def test_no_credential_files_in_the_repository() -> None:
    assert [name for name in _repository_files() if CREDENTIAL_FILES.search(name)] == []


def test_no_credentials_in_file_contents() -> None:
    found = []
    for name in _repository_files():
        data = (ROOT / name).read_bytes()
        if b"\x00" in data[:8192]:  # binary
            continue
        text = data.decode("utf-8", errors="replace")
        found += [f"{name}: {kind}" for kind, pattern in CREDENTIAL_TEXT.items() if pattern.search(text)]
    assert found == []


def test_readme_says_where_secrets_come_from() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 可靠性与安全", 1)[-1]
    assert "RETURNEES_CONSOLE_SECRET" in section and "环境变量" in section
