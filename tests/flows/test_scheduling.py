"""Scheduled runs with Prefect (issue: scheduled, incremental runs): a served deployment really runs
against a local Prefect API, runs publish an artifact, batches can run on a Dask cluster, and the
work-pool recipe (prefect.yaml) points at the flow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from tests.conftest import ROOT

OUTPUTS = ("documents.jsonl", "duplicates.jsonl", "rejected.jsonl")


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _artifacts(flow_run_id) -> dict[str, object]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with _client() as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def test_a_served_deployment_runs_when_triggered_and_writes_the_outputs(prefect_api, raw_copy, tmp_path):
    from prefect.deployments import run_deployment

    out = tmp_path / "served"
    env = dict(os.environ, PREFECT_API_URL=prefect_api)
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", str(raw_copy), "--out", str(out), "--interval", "3600", "--name", "test-serve", "--no-config"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        with _client() as client:
            while True:
                assert serve.poll() is None, serve.communicate()[1]
                try:
                    deployment = client.read_deployment_by_name("presswash-clean/test-serve")
                    break
                except Exception:
                    assert time.monotonic() < deadline, "the deployment was not registered within a minute"
                    time.sleep(0.5)
        assert deployment.parameters["settings"]["paths"]["out"] == str(out.resolve())
        assert deployment.schedules and deployment.schedules[0].schedule.interval.total_seconds() == 3600
        flow_run = run_deployment("presswash-clean/test-serve", timeout=90)
        assert flow_run.state.is_completed(), flow_run.state
        docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
        assert len(docs) == 5
        assert "presswash-run-report" in _artifacts(flow_run.id)
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.communicate()


def test_a_run_publishes_its_summary_and_a_link_as_artifacts(prefect_api, raw_copy, tmp_path):
    from cleaners.config import Settings
    from flows import clean_corpus

    (raw_copy / "noise.bin").write_bytes(bytes(range(256)) * 4)
    state = clean_corpus(Settings().replace(raw=raw_copy, out=tmp_path / "out"), return_state=True)
    assert state.is_completed()
    artifacts = _artifacts(state.state_details.flow_run_id)
    summary = artifacts["presswash-run-report"].data
    assert "| text | 4 | 4 | 0 | 0 |" in summary and "| wordpress-json | 1 | 1 | 0 | 0 |" in summary
    assert "| noise.bin |  | not a text file: binary data" in summary
    link = artifacts["presswash-output"].data  # stored as markdown: [text](url)
    assert link.startswith("[documents.jsonl](file://") and link.endswith("/out/documents.jsonl)")


def test_batches_run_on_a_dask_cluster_with_the_same_result(prefect_api, raw_copy, tmp_path, monkeypatch):
    pytest.importorskip("prefect_dask")
    from prefect_dask import DaskTaskRunner

    from cleaners.config import Settings
    from flows import clean_corpus

    # Dask workers are separate processes: they reach the same Prefect API (a standing server)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    threads, dask = tmp_path / "threads", tmp_path / "dask"
    clean_corpus(Settings().replace(raw=raw_copy, out=threads, batch_size=2))
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None})
    report = clean_corpus.with_options(task_runner=runner)(Settings().replace(raw=raw_copy, out=dask, batch_size=2, task_runner="dask"))
    assert report["documents"] == 5 and report["workers"] == 0  # no local worker process: the batches ran on the cluster
    for name in OUTPUTS:
        assert (dask / name).read_bytes() == (threads / name).read_bytes(), name


def test_serve_without_a_prefect_server_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "serve", "raw", "--out", str(tmp_path / "out"), "--interval", "60", "--no-config"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "presswash serve needs a Prefect server that outlives it" in result.stderr and "PREFECT_API_URL" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_the_work_pool_recipe_points_at_the_flow():
    from prefect import Flow

    recipe = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    [deployment] = recipe["deployments"]
    path, name = deployment["entrypoint"].split(":")
    assert (ROOT / path).exists()
    module = __import__(path.removesuffix(".py").replace("/", "."), fromlist=[name])
    flow = getattr(module, name)
    assert isinstance(flow, Flow) and flow.name == "presswash-clean"
    assert set(deployment["parameters"]) <= set(flow.parameters.properties)
    assert deployment["concurrency_limit"] == 1 and deployment["work_pool"]["name"] == "presswash-pool"
