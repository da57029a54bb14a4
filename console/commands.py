"""What `returnees console` and `returnees users add` do (the parsers live in returnees/cli.py)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from console.security import SECRET_ENV, check_secret


def run_console(args: argparse.Namespace) -> int:
    """Serve the console on `args.host`:`args.port` over `args.warehouse`; refuse without the secret."""
    try:
        secret = check_secret(os.environ.get(SECRET_ENV))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        print(f"数仓文件不存在：{warehouse}", file=sys.stderr)
        return 2
    import uvicorn

    from console.app import create_app

    print(f"数据管理员控制台：http://{args.host}:{args.port}/ （数仓 {warehouse}）", file=sys.stderr)
    app = create_app(warehouse, secret, review_budget=args.review_budget)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _read_password(from_stdin: bool) -> str:
    """The new user's password: one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def users_add(args: argparse.Namespace) -> int:
    """Add a console user; the password comes from stdin or a hidden prompt, never the command line."""
    from console.store import DecisionStore
    from console.users import UserError, add_user

    try:
        password = _read_password(args.password_stdin)
        user = add_user(DecisionStore(Path(args.warehouse)), args.username, password, args.role)
    except (UserError, ValueError) as exc:
        print(f"无法添加用户：{exc}", file=sys.stderr)
        return 1
    print(f"已添加用户 {user.username}（{user.role}）")
    return 0
