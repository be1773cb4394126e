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


@pytest.mark.parametrize("command", ("clean", "config"))
def test_every_setting_with_a_flag_is_an_option_with_the_tables_help(command):
    from cleaners.config import SETTINGS

    sub = build_parser()._subparsers._group_actions[0].choices[command]
    actions = {action.dest: action for action in sub._actions}
    for setting in (s for s in SETTINGS if s.flag):
        action = actions[setting.key]
        assert setting.flag in action.option_strings or action.metavar == setting.flag
        assert action.help.startswith(f"{setting.key}: {setting.help}")


def test_a_new_setting_is_a_new_option_checked_by_its_check(capsys, monkeypatch):
    from cleaners.config import SETTINGS, Setting
    from flows.cli import options

    check = next(s.check for s in SETTINGS if s.key == "run.batch_size")
    monkeypatch.setattr(options, "SETTINGS", SETTINGS + (Setting("run.chunk_size", 10, check, "records per chunk", "--chunk-size", metavar="N"),))
    assert "--chunk-size N run.chunk_size: records per chunk (default: 10)" in " ".join(help_of(capsys, "clean").split())
    assert vars(build_parser().parse_args(["config", "--chunk-size", "5"]))["run.chunk_size"] == 5
    with pytest.raises(SystemExit):
        build_parser().parse_args(["config", "--chunk-size", "0"])
    assert capsys.readouterr().err.endswith("presswash config: error: argument --chunk-size: must be a whole number of at least 1, got 0\n")
