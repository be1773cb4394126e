"""The ``presswash`` command line: one module per command, the shared options in :mod:`.options`.

``clean`` and ``serve`` run the Prefect flow; ``inspect``, ``rules`` and ``config`` use the
``cleaners`` library directly and never import Prefect, so they answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys

from cleaners import __version__
from flows.cli import clean, config, inspect, rules, serve
from flows.cli.options import fail, wrap

EXAMPLES = """\
examples:
  presswash clean                          clean ./raw into ./clean (report: clean/report.html)
  presswash clean scraped/ --out corpus/ --rules my-rules.toml
  presswash inspect raw/004_4f58f105b3a0a879.txt
                                           why each line of one file was removed or kept
  presswash rules                          the boilerplate rules, with what each matched last run
  presswash config                         the effective settings and where each came from
  presswash serve --interval 3600          clean every hour, as a Prefect deployment

--quiet/-q and --verbose/-v go before or after the command: presswash -q clean
"""

# Flags of a command that may also come before it: `presswash -q clean` is `presswash clean -q`.
GLOBAL_FLAGS = ("--quiet", "-q", "--verbose", "-v")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="presswash",
        description=wrap("Turn a mixed pile of scraped text (WordPress REST JSON, HTML pages, plain text) "
        "into deduplicated, metadata-tagged clean documents."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"presswash {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (clean, serve, inspect, rules, config):
        command.add_parser(commands)
    return parser


def _command_first(argv: list[str]) -> list[str]:
    """The global flags before the command moved after it, where the command's parser reads them
    (and refuses them, for a command that does not take them)."""
    lead = 0
    while lead < len(argv) and argv[lead] in GLOBAL_FLAGS:
        lead += 1
    return argv[lead:lead + 1] + argv[:lead] + argv[lead + 1:]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_command_first(sys.argv[1:] if argv is None else list(argv)))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:  # before a command's own handling (clean: while its settings are checked)
        return fail("interrupted", 130)
    except BrokenPipeError:  # `presswash inspect FILE | head`: the reader left, not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
