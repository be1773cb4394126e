"""presswash's orchestration: Prefect flows and tasks over the ``cleaners`` library, and the CLI.

``from flows import clean_corpus`` gives the cleaning flow. Prefect is imported on first use, so the
CLI can set its defaults (quiet logs, no analytics) before Prefect reads its settings.
"""

import os

# Defaults only: anything the user set in the environment or a Prefect profile wins.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

__all__ = ["clean_corpus"]


def __getattr__(name):
    if name == "clean_corpus":
        from .clean import clean_corpus

        return clean_corpus
    raise AttributeError(f"module 'flows' has no attribute {name!r}")
