"""`presswash --help` and every subcommand's help are complete and show examples (issue 8)."""

from __future__ import annotations

import pytest

from cleaners import __version__
from flows.cli import build_parser, main

COMMANDS = ("clean", "inspect", "rules", "config")


def help_of(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_command_with_examples(capsys):
    text = help_of(capsys)
    for command in COMMANDS:
        assert f"    {command} " in text  # listed with its one-line help
        assert f"  presswash {command}" in text  # and used in an example
    assert "examples:" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_complete_help(capsys, command):
    text = help_of(capsys, command)
    assert text.startswith(f"usage: presswash {command}")
    assert "examples:" in text and f"  presswash {command}" in text.split("examples:")[1]
    # every option is documented
    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == command)[1]
    for action in sub._actions:
        assert action.help, (command, action.dest)
        for flag in action.option_strings:
            assert flag in text


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"presswash {__version__}\n"


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: presswash" in capsys.readouterr().out
