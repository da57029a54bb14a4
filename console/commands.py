"""What `returnees console` and `returnees users …` do (the parsers live in returnees/commands/console.py).

Every change to an account made here is recorded in the access log as the operator `cli:<login>`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import duckdb

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
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0


def _read_password(from_stdin: bool) -> str:
    """The new user's password: one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def _account_event(con: duckdb.DuckDBPyConnection, action: str, username: str, detail: str) -> None:
    """Record a change to an account made from the command line."""
    from console.login import name_digest
    from warehouse.store.access_log import AccessEvent, append_events, cli_user, utc_now

    digest = name_digest(con, username)
    append_events(con, [AccessEvent(action, "allowed", cli_user(), None, username, digest, detail)], utc_now())


def users_add(args: argparse.Namespace) -> int:
    """Add a console user; the password comes from stdin or a hidden prompt, never the command line."""
    from console.store import DecisionStore
    from console.users import UserError, add_user

    store = DecisionStore(Path(args.warehouse))
    try:
        password = _read_password(args.password_stdin)
        user = add_user(store, args.username, password, args.role)
    except (UserError, ValueError) as exc:
        print(f"无法添加用户：{exc}", file=sys.stderr)
        return 1
    with store.writing() as con:
        _account_event(con, "user_add", user.username, f"角色 {user.role}")
    print(f"已添加用户 {user.username}（{user.role}）")
    return 0


def users_passwd(args: argparse.Namespace) -> int:
    """Set a user's password (strength-checked); ends the user's sessions and lifts a lock."""
    from console.sessions import end_user_sessions
    from console.store import DecisionStore
    from console.users import UserError, change_password
    from warehouse.store.access_log import utc_now

    try:
        password = _read_password(args.password_stdin)
        with DecisionStore(Path(args.warehouse)).writing() as con:
            change_password(con, args.username, password)
            ended = end_user_sessions(con, args.username, "password_changed", utc_now())
            _account_event(con, "password_change", args.username, f"命令行重设密码，结束会话 {ended} 个")
    except (UserError, ValueError) as exc:
        print(f"无法修改密码：{exc}", file=sys.stderr)
        return 1
    print(f"已修改 {args.username} 的密码，结束了 {ended} 个会话")
    return 0


def users_unlock(args: argparse.Namespace) -> int:
    """Lift the lockout on an account name."""
    from console.store import DecisionStore
    from console.users import find_user

    with DecisionStore(Path(args.warehouse)).writing() as con:
        if find_user(con, args.username) is None:
            print(f"没有用户 {args.username}", file=sys.stderr)
            return 1
        _account_event(con, "unlock", args.username, "命令行解除锁定")
    print(f"已解除 {args.username} 的锁定")
    return 0


def users_list(args: argparse.Namespace) -> int:
    """Print every user with role, lock and open sessions."""
    from console.labels import ROLE_LABELS
    from console.login import lock_state, name_digest
    from console.security import SecurityPolicy
    from console.sessions import open_sessions
    from console.store import DecisionStore
    from console.text_table import text_table
    from console.users import list_users
    from warehouse.store.access_log import local_time, utc_now

    policy, now = SecurityPolicy(), utc_now()
    rows = []
    with DecisionStore(Path(args.warehouse)).writing() as con:
        sessions = open_sessions(con, now, policy)
        for user in list_users(con):
            state = lock_state(con, name_digest(con, user.username), now, policy)
            status = f"锁定至 {local_time(state.locked_until)}" if state.locked_until else "正常"
            count = sessions.filter(sessions["username"] == user.username).height
            rows.append((user.username, ROLE_LABELS[user.role], status, state.failures, count))
    print(text_table(("用户", "角色", "状态", "近期失败次数", "登录中的会话"), rows))
    return 0
