"""Generate docs/cli.md from the commands' own --help, so the reference cannot
drift: ``python -m tocsin.cli.reference > docs/cli.md`` (a test compares)."""

from __future__ import annotations

import click

from tocsin.cli.main import cli


def render() -> str:
    lines = ["# Command-line reference", "",
             "Generated from `tocsin --help`; regenerate with "
             "`python -m tocsin.cli.reference > docs/cli.md`.", ""]
    ctx = click.Context(cli, info_name="tocsin", help_option_names=["-h", "--help"])
    lines += ["## tocsin", "", "```", cli.get_help(ctx), "```", ""]
    for name in sorted(cli.list_commands(ctx)):
        command = cli.get_command(ctx, name)
        assert command is not None
        sub = click.Context(command, info_name=name, parent=ctx,
                            help_option_names=["-h", "--help"])
        lines += [f"## tocsin {name}", "", "```", command.get_help(sub), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
