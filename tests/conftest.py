"""Shared test set-up: Prefect in a temporary home, no analytics, one test server per session.

Most tests call the cleaners directly and need no Prefect at all; the few that run the flow use the
``prefect_api`` fixture, which starts Prefect's test harness once for the whole session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_PREFECT_HOME = tempfile.mkdtemp(prefix="presswash-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SEEDS = {
    "000": "000_cf256bde31c00da6.txt",
    "001": "001_90ec0177be3c75fe.txt",
    "002": "002_7d441b87051a0c9f.txt",
    "003": "003_4ceda5bfa57a12bb.txt",
    "004": "004_4f58f105b3a0a879.txt",
}


@pytest.fixture(scope="session")
def prefect_api():
    """A Prefect API for the session; yields its URL (for subprocesses)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def seed_docs():
    """The clean Document of each seed, by seed number, read through the library."""
    from cleaners import Cleaner

    cleaner = Cleaner()
    docs = {}
    for key, name in SEEDS.items():
        outcomes = list(cleaner.process_file(RAW, name))
        assert len(outcomes) == 1, outcomes
        docs[key] = outcomes[0]
    return docs


@pytest.fixture
def raw_copy(tmp_path):
    """A temporary raw folder holding copies of the bundled samples."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)
