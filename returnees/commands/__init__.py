"""The `returnees` subcommands: one module per command (group), each with `register(subparsers)`.

`returnees.cli` adds them in the order of `COMMANDS`; a new command is a new module here and one
line there.
"""
