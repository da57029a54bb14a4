"""`returnees console` and `returnees users add`: the steward console and its users."""

from __future__ import annotations

import argparse

from dedup.review.budget import DEFAULT_BUDGET


def _console(args: argparse.Namespace) -> int:
    from console.commands import run_console

    return run_console(args)


def _users_add(args: argparse.Namespace) -> int:
    from console.commands import users_add

    return users_add(args)


def register(sub: argparse._SubParsersAction) -> None:
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
    add.add_argument("--warehouse", required=True)
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=["steward", "viewer"])
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取一行作为密码")
    add.set_defaults(func=_users_add)
