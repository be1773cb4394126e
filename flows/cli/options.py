"""What the commands share: an option per setting, generated from ``cleaners.config.SETTINGS`` (the
flag, its help and its check come from the table, so a new setting is a new option), the
configuration those options resolve to, and the one-sentence error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any, Callable

from cleaners.config import (
    SETTINGS,
    Config,
    ConfigError,
    Setting,
    effective_rules,
    load_config,
)
from cleaners.text.boilerplate import RuleSet

_BY_KEY = {s.key: s for s in SETTINGS}


def add_settings(parser: argparse.ArgumentParser, *keys: str, without: tuple[str, ...] = ()) -> None:
    """An option for each setting named in ``keys``; with none named, for every setting that has a
    flag, except those ``without``. Each option's value lands in ``args`` under the setting's key."""
    for setting in SETTINGS:
        if setting.flag and (setting.key in keys if keys else setting.key not in without):
            _add_setting(parser, setting)


def _add_setting(parser: argparse.ArgumentParser, setting: Setting) -> None:
    # default None: not given, so the configuration's value (and its origin) stands
    described = _help(setting)
    if not setting.flag.startswith("-"):
        parser.add_argument(setting.key, nargs="?", default=None, type=_value_type(setting), metavar=setting.flag, help=described)
        return
    if isinstance(setting.default, bool):
        kind: dict[str, Any] = {"action": "store_const", "const": True}
    elif isinstance(setting.default, list):  # checked as a whole when the configuration is resolved
        kind = {"action": "append", "choices": setting.choices or None, "metavar": setting.metavar}
    elif setting.choices:  # argparse's own "invalid choice" message, listing them
        kind = {"choices": setting.choices, "metavar": setting.metavar}
    else:
        kind = {"type": _value_type(setting), "metavar": setting.metavar}
    names = [setting.flag] + ([setting.alias] if setting.alias else [])
    parser.add_argument(*names, dest=setting.key, default=None, help=described, **kind)


def _help(setting: Setting) -> str:
    """``run.batch_size: raw files per Prefect task (default: 200)``: where to set it in a file, what
    it is, and its default as presswash.toml writes it."""
    if setting.extend:
        tail = " (repeatable; adds to the configured ones)"
    elif isinstance(setting.default, list):
        tail = f" (repeatable; default: {json.dumps(setting.default)})"
    else:
        tail = "" if setting.default is None else f" (default: {json.dumps(setting.default)})"
    return f"{setting.key}: {setting.help}{tail}".replace("%", "%%")  # argparse formats help with %


def _value_type(setting: Setting) -> Callable[[str], Any]:
    """The argparse type of a setting's option: the string read as the value it stands for (int("5")),
    then the setting's own check, whose ValueError becomes argparse's one-sentence error."""
    parse = setting.parse or (type(setting.default) if type(setting.default) in (int, float) else str)

    def value_type(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            value = text  # not what parse reads ("auto" for a number of workers): the check says what is wanted
        try:
            return setting.check(value)
        except ValueError as exc:
            shown = repr(value) if isinstance(value, str) else text  # "got 'x'", "got 0"
            raise argparse.ArgumentTypeError(f"{exc}, got {shown}") from None

    return value_type


def _origin(setting: Setting) -> str:
    """How ``presswash config`` names a value set on the command line."""
    return setting.flag if setting.flag.startswith("-") else f"{setting.flag} argument"


def add_config_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", default=None, metavar="FILE", help="configuration file (default: ./presswash.toml, else [tool.presswash] in ./pyproject.toml)")
    group.add_argument("--no-config", action="store_true", help="ignore configuration files; use the defaults and flags only")


def resolve_config(args: argparse.Namespace) -> Config:
    """The configuration file (or defaults) with this command's flags laid over it."""
    config = load_config(args.config, search=not args.no_config)
    for setting in SETTINGS:
        value = getattr(args, setting.key, None)
        if value is None:
            continue
        if setting.extend:
            config.extend(setting.key, value, _origin(setting))
        else:
            config.override(setting.key, value, _origin(setting))
    return config


def check_dask_address(config: Config) -> None:
    """A Dask scheduler's address is used by the Dask task runner only: with another runner it would be
    ignored, so it is refused, unless --task-runner chose the runner over a file that sets both."""
    runner, address = _BY_KEY["run.task_runner"], _BY_KEY["run.dask_address"]
    if config[address.key] is None or config[runner.key] == "dask":
        return
    if config.origin(runner.key) == _origin(runner) and config.origin(address.key) != _origin(address):
        return
    named = address.flag if config.origin(address.key) == _origin(address) else f"{address.key} in {config.origin(address.key)}"
    raise ConfigError(f'{named} is only used with the Dask task runner ({runner.flag} dask), '
                      f'and {runner.key} is "{config[runner.key]}" ({config.origin(runner.key)})')


def check_rules(config: Config) -> list[str]:
    rules = effective_rules(config)
    RuleSet.load(*rules)  # fail fast, naming the file and the rule
    return rules


def rules_origin(file: str) -> str:
    """'bundled' for the rules shipped with presswash, else the file (relative to here if inside)."""
    path = Path(file)
    try:
        if path.resolve() == Path(str(resources.files("cleaners") / "rules" / "boilerplate.toml")).resolve():
            return "bundled"
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (OSError, ValueError):
        return file


def natural_int(value: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def wrap(text: str) -> str:
    """Descriptions are kept as written (for the examples), so wrap them here."""
    return textwrap.fill(text, width=min(100, max(60, shutil.get_terminal_size().columns - 2)))


def fail(message: str, code: int = 2) -> int:
    print(f"presswash: error: {message}", file=sys.stderr)
    return code
