"""Scheduled runs: serve the cleaning flow as a Prefect deployment.

``presswash serve`` calls :func:`serve`, which registers a deployment of ``presswash-clean`` with the
given schedule and parameters and then stays in the foreground, polling the Prefect API and running
each scheduled or triggered flow run as a subprocess (Prefect's ``flow.serve``; no work pool needed).
It needs a Prefect server that outlives it: set ``PREFECT_API_URL`` (see README).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cleaners.config import Settings

DEPLOYMENT = "presswash-scheduled"


def serve(settings: Settings, *, cron: str | None = None, interval: float | None = None, name: str = DEPLOYMENT) -> None:
    from prefect.deployments.runner import EntrypointType

    from .clean import clean_corpus

    paths = replace(settings.paths, raw=str(Path(settings.paths.raw).resolve()), out=str(Path(settings.paths.out).resolve()))
    settings = replace(settings, paths=paths)
    clean_corpus.serve(
        name=name,
        cron=cron,
        interval=interval,
        parameters={"settings": settings.to_json()},
        description=f"Clean {paths.raw} into {paths.out}",
        tags=["presswash"],
        # one run at a time per deployment; the output folder's lock also guards runs started elsewhere
        global_limit=1,
        # the served runs import the flow from the installed package, not from a file path
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
