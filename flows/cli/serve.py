"""``presswash serve``: clean on a schedule, serving the cleaning flow as a Prefect deployment."""

from __future__ import annotations

import argparse
import sys

from cleaners.corpus.discover import (
    UsageError,  # internal module of cleaners (issue 13 may move it)
)
from flows.cli.clean import USAGE_ERRORS, prepare
from flows.cli.options import add_config_options, add_settings, fail, wrap
from flows.cli.startup import HeldSignals, check_server, prefect_api_url

EXAMPLES = """\
examples:
  presswash serve --interval 3600          clean ./raw into ./clean every hour
  presswash serve scraped/ --out corpus/ --cron "*/15 * * * *" --name scraper-corpus
  prefect deployment run 'presswash-clean/presswash-scheduled'
                                           (elsewhere) trigger a run now

Needs a Prefect server that outlives the command: start one (prefect server start) and set
PREFECT_API_URL, e.g. http://127.0.0.1:4200/api. Each run is incremental, like presswash clean.
"""


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "serve",
        help="clean on a schedule: serve the cleaning flow as a Prefect deployment",
        description=wrap("Register a Prefect deployment of the cleaning flow with a schedule (--cron or --interval) "
        "and the given settings, then stay in the foreground running each scheduled or triggered run as a "
        "subprocess, until stopped (Ctrl-C, SIGTERM). Runs appear in the Prefect UI with their parameters, "
        "logs, states and a summary artifact. Needs a running Prefect server (PREFECT_API_URL)."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_settings(parser, without=("run.task_runner", "run.dask_address"))  # served runs use this machine's workers
    schedule = parser.add_mutually_exclusive_group(required=True)
    schedule.add_argument("--cron", metavar="EXPR", help='a cron schedule, e.g. "0 * * * *" (hourly)')
    schedule.add_argument("--interval", type=_positive_seconds, metavar="SECONDS", help="run every SECONDS seconds")
    parser.add_argument("--name", default="presswash-scheduled", metavar="NAME", help="deployment name (default: presswash-scheduled)")
    add_config_options(parser)
    parser.set_defaults(run=run)


def _positive_seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {value}")
    return number


def run(args: argparse.Namespace) -> int:
    try:
        with HeldSignals():  # Prefect's settings are read (the API URL may come from a profile): see clean
            if not prefect_api_url():
                raise UsageError("presswash serve needs a Prefect server that outlives it: start one (prefect server start) "
                                 "and set PREFECT_API_URL, e.g. http://127.0.0.1:4200/api (README: Scheduled runs)")
            config, settings = prepare(args)
            if settings.run.task_runner == "dask":
                raise UsageError("presswash serve runs batches on this machine's workers; run.task_runner = \"dask\" is for presswash clean")
            if args.cron is not None:
                check_cron(args.cron)
            check_server()
    except USAGE_ERRORS as exc:
        return fail(str(exc))
    raw, out = settings.paths.raw, settings.paths.out
    from flows.serve import serve

    print(f"presswash: serving {raw} -> {out} as deployment 'presswash-clean/{args.name}' "
          f"({'cron ' + args.cron if args.cron else f'every {args.interval:g} s'}); Ctrl-C to stop", file=sys.stderr)
    try:
        serve(settings, cron=args.cron, interval=args.interval, name=args.name)
    except KeyboardInterrupt:
        return 0
    return 0


def check_cron(expression: str) -> None:
    """The cron expression as Prefect's schedule checks it, refused in one sentence before serving
    (Prefect's own refusal is a pydantic traceback)."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=expression)
    except ValidationError:
        raise UsageError(f"--cron {expression!r} is not a cron expression: five fields, minute hour day-of-month "
                         'month day-of-week, e.g. "0 * * * *" (hourly) or "*/15 * * * *"') from None
