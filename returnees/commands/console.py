"""`returnees console` and `returnees users add|passwd|unlock|list`: the steward console and its users."""

from __future__ import annotations

import argparse

from console.security import ROLES
from dedup.review.budget import DEFAULT_BUDGET


def _console(args: argparse.Namespace) -> int:
    from console.commands import run_console

    return run_console(args)


def _users(args: argparse.Namespace) -> int:
    from console import commands

    return int(getattr(commands, f"users_{args.users_command}")(args))


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `console` and `users` to the CLI."""
    con = sub.add_parser("console", help="启动数据管理员控制台（网页，需环境变量 RETURNEES_CONSOLE_SECRET）")
    con.add_argument("--warehouse", required=True)
    con.add_argument("--port", type=int, default=8080)
    con.add_argument("--host", default="127.0.0.1")
    con.add_argument(
        "--review-budget",
        type=float,
        default=DEFAULT_BUDGET,
        help=f"复核队列每千名人员的项数上限（默认 {DEFAULT_BUDGET:g}；其余项在“预算外”标签页）",
    )
    con.set_defaults(func=_console)
    users = sub.add_parser("users", help="管理控制台用户")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="添加用户（密码从标准输入或交互提示读取，不写在命令行上）")
    add.add_argument("--role", required=True, choices=ROLES, help="steward 数据管理员，viewer 只读，admin 系统管理员")
    passwd = users_sub.add_parser("passwd", help="重设用户密码（结束其全部会话并解除锁定）")
    for command in (add, passwd):
        command.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码")
    unlock = users_sub.add_parser("unlock", help="解除登录失败造成的锁定")
    listing = users_sub.add_parser("list", help="列出用户、角色、锁定状态和登录中的会话")
    for command in (add, passwd, unlock, listing):
        command.add_argument("--warehouse", required=True)
        if command is not listing:
            command.add_argument("--username", required=True)
        command.set_defaults(func=_users)
