"""``presswash config``: the settings ``presswash clean`` would use, each with where it came from."""

from __future__ import annotations

import argparse
import json

from cleaners.config import ConfigError
from flows.cli.options import (
    add_config_options,
    add_settings,
    check_dask_address,
    fail,
    resolve_config,
    wrap,
)

EXAMPLES = """\
examples:
  presswash config                         effective settings, each with its origin
  presswash config --workers 4 --out corpus/
                                           what `presswash clean` with these flags would use
  presswash config --json
  presswash config > presswash.toml        start a configuration file from the defaults

The file read: --config FILE, else ./presswash.toml, else [tool.presswash] in ./pyproject.toml.
"""


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "config",
        help="print the effective configuration and where each value came from",
        description=wrap("Print the settings `presswash clean` would use, as a presswash.toml with each value's "
        "origin (default, the file, or a flag) in a comment. Takes every flag of clean that sets a setting. "
        "Needs no Prefect."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_settings(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    add_config_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        config = resolve_config(args)
        check_dask_address(config)
    except ConfigError as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps(config.to_json(), indent=2, ensure_ascii=False))
    else:
        print(config.to_toml(), end="")
    return 0
