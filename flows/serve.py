"""Scheduled runs: serve the cleaning flow as a Prefect deployment.

``presswash serve`` calls :func:`serve`, which registers a deployment of ``presswash-clean`` with the
given schedule and parameters and then stays in the foreground, polling the Prefect API and running
each scheduled or triggered flow run as a subprocess (Prefect's ``flow.serve``; no work pool needed).
It needs a Prefect server that outlives it: set ``PREFECT_API_URL`` (see README).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DEPLOYMENT = "presswash-scheduled"


def serve(
    raw_dir: str,
    out_dir: str,
    *,
    cron: str | None = None,
    interval: float | None = None,
    name: str = DEPLOYMENT,
    parameters: dict[str, Any] | None = None,
) -> None:
    from prefect.deployments.runner import EntrypointType

    from .clean import clean_corpus

    params = {"raw_dir": str(Path(raw_dir).resolve()), "out_dir": str(Path(out_dir).resolve()), **(parameters or {})}
    clean_corpus.serve(
        name=name,
        cron=cron,
        interval=interval,
        parameters=params,
        description=f"Clean {params['raw_dir']} into {params['out_dir']}",
        tags=["presswash"],
        # one run at a time per deployment; the output folder's lock also guards runs started elsewhere
        global_limit=1,
        # the served runs import the flow from the installed package, not from a file path
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
