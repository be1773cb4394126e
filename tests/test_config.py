"""Configuration in one place (issue 8): presswash.toml or [tool.presswash], flags over files,
`presswash config` showing each value's origin. No Prefect on these paths."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib

import pytest

from cleaners.config import (
    ConfigError,
    DedupConfig,
    dedup_config,
    load_config,
    parse_config,
)
from cleaners.dedup.index import DedupIndex
from flows.cli import main
from tests.conftest import ROOT


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An empty current folder (no presswash.toml, no pyproject.toml)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_when_no_file(here):
    config = load_config()
    assert config.file is None
    assert (config["paths.raw"], config["paths.out"], config["paths.rules"], config["paths.state"]) == ("raw", "clean", [], None)
    assert dedup_config(config) == DedupConfig()
    assert (config["run.batch_size"], config["run.workers"], config["run.progress"]) == (200, "auto", "auto")
    assert {config.origin(k) for k in config.values} == {"default"}


def test_presswash_toml_in_the_current_folder(here):
    (here / "presswash.toml").write_text('[paths]\nout = "corpus"\nrules = ["mine.toml"]\n[run]\nbatch_size = 20\nworkers = 2\n')
    config = load_config()
    assert config.file == "presswash.toml"
    assert (config["paths.out"], config["paths.rules"], config["run.batch_size"], config["run.workers"]) == ("corpus", ["mine.toml"], 20, 2)
    assert config.origin("paths.out") == "presswash.toml" and config.origin("paths.raw") == "default"


def test_pyproject_tool_table_and_precedence(here):
    (here / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.presswash.run]\nbatch_size = 7\n')
    config = load_config()
    assert config["run.batch_size"] == 7 and config.origin("run.batch_size") == "pyproject.toml [tool.presswash]"
    (here / "presswash.toml").write_text("[run]\nbatch_size = 9\n")
    assert load_config()["run.batch_size"] == 9  # presswash.toml wins over pyproject.toml
    assert load_config(search=False).file is None  # --no-config


def test_pyproject_without_a_presswash_table_is_ignored(here):
    (here / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config().file is None


def test_paths_in_a_file_are_relative_to_the_file(here):
    sub = here / "project"
    sub.mkdir()
    (sub / "settings.toml").write_text('[paths]\nraw = "scraped"\nout = "/abs/out"\nrules = ["rules/a.toml"]\n')
    config = load_config(sub / "settings.toml")
    assert config["paths.raw"] == str(sub / "scraped")
    assert config["paths.out"] == "/abs/out"
    assert config["paths.rules"] == [str(sub / "rules" / "a.toml")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[run]\nbatchsize = 5\n", "unknown key run.batchsize (did you mean run.batch_size?)"),
        ("[pahts]\nraw = 'x'\n", "unknown section [pahts] (did you mean [paths]?)"),
        ("[dedup]\nthreshold = 0.8\n", "unknown key dedup.threshold (did you mean dedup.jaccard_threshold?)"),
        ("[dedup]\nbands = 10\n", "[dedup] bands x rows must equal num_perm (10 x 4 != 128)"),
        ("[dedup]\npolicy = 'best'\n", 'dedup.policy must be one of "complete", "longest", "first", not \'best\''),
        ("[dedup]\njaccard_threshold = '0.8'\n", "dedup.jaccard_threshold must be a number, not '0.8' (a string)"),
        ("[paths]\nstate = 5\n", "paths.state must be a path (a non-empty string), not 5 (a number)"),
        ("[run]\nbatch_size = 'ten'\n", "run.batch_size must be a whole number of at least 1, not 'ten' (a string)"),
        ("[run]\nbatch_size = 0\n", "run.batch_size must be a whole number of at least 1, not 0"),
        ("[run]\nworkers = true\n", 'run.workers must be a whole number of at least 1, or "auto"'),
        ("[run]\nprogress = 'fancy'\n", 'run.progress must be one of "auto", "bar", "log", "off"'),
        ("[paths]\nrules = 'one.toml'\n", "paths.rules must be a list of paths"),
        ("run = 3\n", "[run] must be a table, not 3"),
        ("[run\n", "is not valid TOML"),
    ],
)
def test_bad_files_name_the_file_and_the_key(here, text, message):
    (here / "presswash.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert message in str(caught.value)
    assert str(caught.value).startswith("presswash.toml")


def test_flags_override_and_say_so(here, capsys):
    (here / "presswash.toml").write_text('[paths]\nrules = ["a.toml"]\n[run]\nbatch_size = 20\n')
    assert main(["config", "scraped", "--batch-size", "5", "--rules", "b.toml", "--workers", "3"]) == 0
    out = capsys.readouterr().out
    assert 'raw = "scraped"  # RAW_DIR argument' in out
    assert "batch_size = 5  # --batch-size" in out
    assert "workers = 3  # --workers" in out
    assert 'rules = ["a.toml", "b.toml"]  # presswash.toml + --rules' in out
    assert 'out = "clean"  # default' in out
    # the printout is itself a valid configuration file giving the same values
    printed = parse_config(tomllib.loads(out), origin="printed")
    assert printed["run.batch_size"] == 5 and printed["paths.rules"] == ["a.toml", "b.toml"] and printed["paths.raw"] == "scraped"


def test_dedup_settings_come_from_the_file(here, capsys):
    (here / "presswash.toml").write_text('[dedup]\njaccard_threshold = 0.6\npolicy = "first"\n[paths]\nstate = "index/state.sqlite"\n')
    config = load_config()
    assert dedup_config(config) == DedupConfig(jaccard_threshold=0.6, policy="first")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "jaccard_threshold = 0.6  # presswash.toml" in out and "containment_threshold = 0.8  # default" in out
    assert 'state = "index/state.sqlite"  # presswash.toml' in out
    assert main(["config", "--no-config"]) == 0
    assert "# state = (unset) dedup index shared across runs (default: OUT_DIR/.presswash/state.sqlite)  # default" in capsys.readouterr().out


def test_clean_refuses_a_state_built_with_other_dedup_settings_before_starting(here, capsys):
    (here / "raw").mkdir()
    (here / "raw" / "a.txt").write_text("Some words.")
    DedupIndex(here / "state.sqlite", DedupConfig()).close()
    (here / "presswash.toml").write_text('[paths]\nstate = "state.sqlite"\n[dedup]\ncontainment_threshold = 0.6\n')
    assert main(["clean"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("presswash: error: ") and "another dedup configuration (containment_threshold 0.8 -> 0.6)" in err
    assert not (here / "clean").exists()


def test_config_json_and_no_config(here, capsys):
    (here / "presswash.toml").write_text("[run]\nbatch_size = 20\n")
    assert main(["config", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == "presswash.toml"
    assert data["settings"]["run.batch_size"] == {"value": 20, "origin": "presswash.toml"}
    assert main(["config", "--json", "--no-config"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["run.batch_size"] == {"value": 200, "origin": "default"}


def test_bad_configuration_is_one_sentence_for_every_command(here, capsys):
    (here / "presswash.toml").write_text("[run]\nbatch_size = -1\n")
    for argv in (["config"], ["clean"], ["rules"], ["inspect", str(ROOT / "raw" / "000_cf256bde31c00da6.txt")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("presswash: error: presswash.toml: run.batch_size must be") and err.count("\n") == 1
    assert main(["config", "--config", "missing.toml"]) == 2
    assert "configuration file 'missing.toml' does not exist" in capsys.readouterr().err


def test_inspect_rules_and_config_never_import_prefect(tmp_path):
    code = (
        "import sys, io, contextlib\n"
        "from flows.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['config']) == 0\n"
        "    assert main(['rules']) == 0\n"
        f"    assert main(['inspect', {str(ROOT / 'raw' / '004_4f58f105b3a0a879.txt')!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    loaded = ast.literal_eval(result.stdout)
    assert [m for m in loaded if not m.startswith("flows.cli.")] == ["flows", "flows.cli", "flows.progress"]


# -- the command line's options are the settings table's (issue 16, item 10) ------------------------

def option_strings(command: str) -> set[str]:
    from flows.cli import build_parser

    parser = build_parser()._subparsers._group_actions[0].choices[command]
    return {flag for action in parser._actions for flag in action.option_strings}


def test_config_takes_every_flag_of_clean_that_sets_a_setting(here, capsys):
    # all but the display flags, which are not settings (--full and --prune are: run.full, run.prune)
    assert option_strings("clean") - option_strings("config") == {"--quiet", "-q", "--verbose", "-v"}
    assert main(["config", "--format", "parquet", "--task-runner", "dask", "--dask-address", "tcp://10.0.0.5:8786"]) == 0
    out = capsys.readouterr().out
    assert 'formats = ["jsonl", "parquet"]  # --format' in out
    assert 'task_runner = "dask"  # --task-runner' in out
    assert 'dask_address = "tcp://10.0.0.5:8786"  # --dask-address' in out


def test_a_flag_is_checked_by_its_setting_check(here, capsys):
    (here / "presswash.toml").write_text("[run]\nworkers = 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert 'run.workers must be a whole number of at least 1, or "auto" (one per core), not 0' in str(caught.value)
    for command in ("clean", "config"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--no-config", "--workers", "0"])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert err.endswith(f'presswash {command}: error: argument --workers: must be a whole number of at least 1, or "auto" (one per core), got 0\n')
    assert main(["config", "--no-config", "--workers", "auto", "--time-budget", "2.5"]) == 0
    out = capsys.readouterr().out
    assert 'workers = "auto"  # --workers' in out and "time_budget = 2.5  # --time-budget" in out


DASK_ADDRESS_REFUSED = 'only used with the Dask task runner (--task-runner dask), and run.task_runner is "threads"'


@pytest.mark.parametrize("command", [["clean"], ["config"]])
def test_a_dask_address_without_the_dask_runner_is_refused(here, capsys, command):
    assert main([*command, "--dask-address", "tcp://10.0.0.5:8786"]) == 2
    err = capsys.readouterr().err
    assert err == f"presswash: error: --dask-address is {DASK_ADDRESS_REFUSED} (default)\n"
    assert main([*command, "--dask-address", "tcp://10.0.0.5:8786", "--task-runner", "threads"]) == 2
    assert capsys.readouterr().err == f"presswash: error: --dask-address is {DASK_ADDRESS_REFUSED} (--task-runner)\n"


@pytest.mark.parametrize("command", [["clean"], ["config"], ["serve", "--interval", "60"]])
def test_a_dask_address_in_the_file_without_the_dask_runner_is_refused(here, capsys, monkeypatch, command):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # serve's first check; never reached
    (here / "raw").mkdir()
    (here / "presswash.toml").write_text('[run]\ndask_address = "tcp://10.0.0.5:8786"\n')
    assert main(command) == 2
    assert capsys.readouterr().err == f"presswash: error: run.dask_address in presswash.toml is {DASK_ADDRESS_REFUSED} (default)\n"
    assert not (here / "clean").exists()


def test_the_threads_runner_flag_overrides_a_dask_configuration(here, capsys):
    (here / "presswash.toml").write_text('[run]\ntask_runner = "dask"\ndask_address = "tcp://10.0.0.5:8786"\n')
    assert main(["config", "--task-runner", "threads"]) == 0
    out = capsys.readouterr().out
    assert 'task_runner = "threads"  # --task-runner' in out and 'dask_address = "tcp://10.0.0.5:8786"  # presswash.toml' in out
