"""presswash's settings in one place: ``presswash.toml`` (or ``[tool.presswash]`` in
``pyproject.toml``), overridable by command-line flags, each value remembering where it came from.

A pure loader: it reads TOML with :mod:`tomllib`, checks every key and type, and raises
:class:`ConfigError` with one sentence that names the file and the key. It never imports Prefect.

>>> config = parse_config({"run": {"batch_size": 50}}, origin="presswash.toml")
>>> config["run.batch_size"], config.origin("run.batch_size")
(50, 'presswash.toml')
>>> config["paths.out"], config.origin("paths.out")
('clean', 'default')
>>> parse_config({"run": {"batchsize": 50}}, origin="presswash.toml")
Traceback (most recent call last):
...
cleaners.config.ConfigError: presswash.toml: unknown key run.batchsize (did you mean run.batch_size?)

Which file is read: ``--config FILE`` if given; else ``presswash.toml`` in the current folder; else
the ``[tool.presswash]`` table of ``pyproject.toml`` in the current folder; else none (defaults).
Relative paths in a file are relative to the folder that holds the file.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from cleaners.outputs import DEFAULT_FORMAT
from cleaners.outputs import REGISTRY as WRITERS

CONFIG_FILE = "presswash.toml"
PYPROJECT = "pyproject.toml"
DEFAULT = "default"


# -- the typed settings: the only place their defaults live ----------------------------------------

POLICIES = ("complete", "longest", "first")


@dataclass(frozen=True)
class DedupConfig:
    """Every setting that changes dedup decisions; recorded in the state index, which refuses to mix."""

    shingle_words: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    jaccard_threshold: float = 0.7
    sample_modulus: int = 8
    containment_threshold: float = 0.8
    min_samples: int = 4
    prefix_words: int = 20
    prose_min_words: int = 8
    policy: str = "complete"
    partial_ratio: float = 0.5
    repeated_line_min_docs: int = 3
    seed: int = 1

    def __post_init__(self):
        if self.bands * self.rows != self.num_perm:
            raise ValueError(f"bands x rows must equal num_perm ({self.bands} x {self.rows} != {self.num_perm})")
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, not {self.policy!r}")
        for name in ("jaccard_threshold", "containment_threshold", "partial_ratio"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1]")
        for name in ("shingle_words", "num_perm", "bands", "rows", "sample_modulus", "min_samples", "prefix_words", "repeated_line_min_docs"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> "DedupConfig":
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown dedup settings: {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})")
        return cls(**values)

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_DOCUMENT_CHARS = 5_000_000
DEFAULT_DOCUMENT_SECONDS = 30.0


@dataclass(frozen=True)
class CleanerConfig:
    """What a Cleaner needs besides the input.

    ``rules_files``: boilerplate rules files added to the bundled ones. ``max_file_bytes``: larger raw
    files are rejected unread. ``follow_outside_links``: read symbolic links that point outside the
    raw folder (off by default: a link must not let a raw folder reach other files).
    ``max_document_chars``: a record whose text is longer is rejected before cleaning (the size budget).
    ``document_seconds``: the time budget for reading and cleaning one record; a record that takes
    longer is stopped and rejected (enforced where :func:`cleaners.runtime.budget.time_limits_available`;
    None switches it off).
    """

    rules_files: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    follow_outside_links: bool = False
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS
    document_seconds: float | None = DEFAULT_DOCUMENT_SECONDS


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the key."""


# -- the schema ---------------------------------------------------------------------------------

def _describe(value: Any) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return f"{value!r} ({kind.get(type(value), type(value).__name__)})"


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _workers(value: Any) -> int | str:
    if value == "auto":
        return value
    try:
        return _positive_int(value)
    except ValueError:
        raise ValueError('must be a whole number of at least 1, or "auto" (one per core)') from None


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a path (a non-empty string)")
    return value


def _paths(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of paths (strings)")
    return list(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def _optional_path(value: Any) -> str | None:
    return None if value is None else _path(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    return float(value)


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError("must be a positive number of seconds")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(f'"{c}"' for c in choices))
        return value

    return check


def _optional_string(value: Any) -> str | None:
    return None if value is None else _string(value)


def _formats(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be a list of formats, e.g. {json.dumps(list(WRITERS))}")
    unknown = [v for v in value if v not in WRITERS]
    if unknown:
        raise ValueError(f'unknown format "{unknown[0]}": must be one of ' + ", ".join(f'"{name}"' for name in WRITERS))
    return [DEFAULT_FORMAT] + [name for name in WRITERS if name in value and name != DEFAULT_FORMAT]


@dataclass(frozen=True)
class Setting:
    """One configurable value: its key (``section.name``), default, check, meaning and CLI flag."""

    key: str
    default: Any
    check: Callable[[Any], Any]
    help: str
    flag: str | None = None
    is_path: bool = False
    # How the command line shows and reads the flag (flows/cli generates the options from these):
    metavar: str | None = None  # the value's name in --help
    parse: Callable[[str], Any] | None = None  # the string as the value it stands for (None: the default's type)
    choices: tuple[str, ...] = ()  # the only values the flag takes, listed in --help
    alias: str | None = None  # a short form of the flag
    extend: bool = False  # a list the flag adds to (repeatable) instead of replacing


# What each dedup setting means (cleaners.config.DedupConfig holds the defaults and the checks).
_DEDUP_HELP = {
    "shingle_words": "words per shingle of prose",
    "num_perm": "MinHash permutations (must equal bands x rows)",
    "bands": "LSH bands",
    "rows": "rows per LSH band",
    "jaccard_threshold": "near duplicates: estimated Jaccard similarity at least this",
    "sample_modulus": "containment: shingles whose hash is divisible by this form the sample",
    "containment_threshold": "containment of the smaller text in the larger at least this",
    "min_samples": "containment: the smaller text needs at least this many sampled shingles",
    "prefix_words": "short truncated copies: compared by their first N prose words",
    "prose_min_words": "paragraphs of at least this many words are the prose that is compared",
    "policy": "which record survives: " + ", ".join(f'"{p}"' for p in POLICIES),
    "partial_ratio": "a text with less than this share of the other's prose is a partial copy",
    "repeated_line_min_docs": "a short paragraph in this many kept documents of a site is chrome (rule repeated-line)",
    "seed": "MinHash seed",
}
_CHECKS: dict[type, Callable[[Any], Any]] = {int: _positive_int, float: _number, str: _string}


def _dedup_settings() -> tuple[Setting, ...]:
    """One setting per field of DedupConfig, so a new dedup setting is configurable at once."""
    out = []
    for f in fields(DedupConfig):
        check = _choice(*POLICIES) if f.name == "policy" else _whole if f.name == "seed" else _CHECKS.get(type(f.default), _string)
        out.append(Setting(f"dedup.{f.name}", f.default, check, _DEDUP_HELP.get(f.name, "see cleaners.config.DedupConfig")))
    return tuple(out)


SETTINGS: tuple[Setting, ...] = (
    Setting("paths.raw", "raw", _path, "folder of raw files to clean", "RAW_DIR", is_path=True),
    Setting("paths.out", "clean", _path, "output folder", "--out", is_path=True, metavar="OUT_DIR", alias="-o"),
    Setting("paths.rules", [], _paths, "extra boilerplate rules files, added to the bundled rules", "--rules", is_path=True,
            metavar="FILE", extend=True),
    Setting("paths.state", None, _optional_path, "dedup index shared across runs (default: OUT_DIR/.presswash/state.sqlite)", "--state", is_path=True, metavar="PATH"),
    Setting("paths.follow_outside_links", False, _bool, "read symbolic links that point outside the raw folder", "--follow-outside-links"),
    Setting("run.batch_size", 200, _positive_int, "raw files per Prefect task", "--batch-size", metavar="N"),
    Setting("run.workers", "auto", _workers, 'worker processes; "auto" = one per core, at most one per batch', "--workers", metavar="N", parse=int),
    Setting("run.progress", "auto", _choice("auto", "bar", "log", "off"),
            'progress display: "auto" (a bar on a terminal, log lines otherwise), "bar", "log" or "off"', "--progress",
            choices=("auto", "bar", "log", "off")),
    Setting("run.time_budget", DEFAULT_DOCUMENT_SECONDS, _seconds, "seconds one document may take; a slower one is stopped and rejected", "--time-budget", metavar="SECONDS"),
    Setting("run.task_runner", "threads", _choice("threads", "dask"),
            'where batch tasks run: "threads" (this machine\'s worker processes) or "dask" (a Dask cluster, through prefect-dask)', "--task-runner",
            choices=("threads", "dask")),
    Setting("run.dask_address", None, _optional_string, "address of an existing Dask scheduler (default: a local cluster, one worker per core)", "--dask-address", metavar="ADDRESS"),
    Setting("run.full", False, _bool, "read every raw file, changed or not (not only the new and changed ones)", "--full"),
    Setting("run.prune", False, _bool, "drop the records of raw files that are gone", "--prune"),
    Setting("output.formats", ["jsonl"], _formats, 'files to write: "jsonl" (always) and "parquet" (documents.parquet, needs pyarrow)', "--format",
            choices=tuple(WRITERS)),
) + _dedup_settings()

# Sections and what they are for.
SECTIONS: dict[str, str] = {
    "paths": "where presswash reads and writes",
    "run": "how a run is split and shown",
    "dedup": "duplicate detection (README: Deduplication); an index built with other values refuses the run",
    "output": "which output files a run writes",
}

_BY_KEY = {s.key: s for s in SETTINGS}


# -- the typed settings one run travels with (CLI, configuration file, deployment) -----------------

def _default(key: str) -> Any:
    default = _BY_KEY[key].default
    return tuple(default) if isinstance(default, list) else default


@dataclass(frozen=True)
class PathSettings:
    """``[paths]``: where presswash reads and writes."""

    raw: str = _default("paths.raw")
    out: str = _default("paths.out")
    rules: tuple[str, ...] = _default("paths.rules")
    state: str | None = _default("paths.state")
    follow_outside_links: bool = _default("paths.follow_outside_links")


@dataclass(frozen=True)
class RunSettings:
    """``[run]``: how a run is split and shown."""

    batch_size: int = _default("run.batch_size")
    workers: int | str = _default("run.workers")
    progress: str = _default("run.progress")
    time_budget: float = _default("run.time_budget")
    task_runner: str = _default("run.task_runner")
    dask_address: str | None = _default("run.dask_address")
    full: bool = _default("run.full")
    prune: bool = _default("run.prune")


@dataclass(frozen=True)
class OutputSettings:
    """``[output]``: which output files a run writes."""

    formats: tuple[str, ...] = _default("output.formats")


@dataclass(frozen=True)
class Settings:
    """Every setting of a run, by section; defaults from :data:`SETTINGS`.

    Build it from a configuration (``load_config().settings()``), or directly:
    ``Settings(PathSettings(raw="scraped", out="corpus"))``. Prefect shows it as a form in its UI
    (the flow's one parameter).
    """

    paths: PathSettings = field(default_factory=PathSettings)
    run: RunSettings = field(default_factory=RunSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    dedup: DedupConfig = field(default_factory=DedupConfig)

    def cleaner_config(self) -> CleanerConfig:
        """What each worker's Cleaner needs (rules files as absolute paths: workers may run elsewhere)."""
        return CleanerConfig(
            rules_files=tuple(os.path.abspath(p) for p in self.paths.rules),
            follow_outside_links=self.paths.follow_outside_links,
            document_seconds=self.run.time_budget,
        )

    def state_path(self) -> str | None:
        """``paths.state`` as an absolute path, or None for the default inside the output folder."""
        return None if self.paths.state is None else os.path.abspath(self.paths.state)

    def workers(self) -> int | None:
        """``run.workers`` as a number, or None for one per core."""
        return None if self.run.workers == "auto" else self.run.workers

    def to_json(self) -> dict[str, Any]:
        return {name: asdict(getattr(self, name)) for name in ("paths", "run", "output", "dedup")}

    def replace(self, **changes: Any) -> "Settings":
        """These settings with some values changed, each named by its key without the section (the
        names are unique): ``settings.replace(out="corpus", prune=True, jaccard_threshold=0.6)``;
        ``dedup=DedupConfig(...)`` replaces the whole section.

        >>> Settings().replace(out="corpus", batch_size=50).run.batch_size
        50
        """
        sections = {name: asdict(getattr(self, name)) for name in ("paths", "run", "output", "dedup")}
        whole = {name: changes.pop(name) for name in ("paths", "run", "output", "dedup") if name in changes}
        for name, value in changes.items():
            section = next((s for s, values in sections.items() if name in values), None)
            if section is None:
                raise ValueError(f"unknown setting {name!r}{_suggest(name, [n for v in sections.values() for n in v])}")
            sections[section][name] = tuple(value) if isinstance(value, list) else str(value) if isinstance(value, Path) else value
        kinds = {"paths": PathSettings, "run": RunSettings, "output": OutputSettings, "dedup": DedupConfig}
        return Settings(**{name: whole.get(name) or kinds[name](**values) for name, values in sections.items()})


def check_settings(settings: Settings, origin: str = "settings") -> None:
    """Check every value with its setting's check (as a configuration file's values are checked);
    :class:`ConfigError` names the first one that cannot work. Settings from a file or the CLI are
    checked already; this is for settings built in code or sent by a deployment."""
    for section, values in settings.to_json().items():
        for name, value in values.items():
            key = f"{section}.{name}"
            setting = _BY_KEY.get(key)
            if setting is None:
                continue
            try:
                setting.check(list(value) if isinstance(value, tuple) else value)
            except ValueError as exc:
                raise ConfigError(f"{origin}: {key} {exc}, not {_describe(value)}") from None


# -- the effective configuration ------------------------------------------------------------------

@dataclass
class Config:
    """Effective settings: ``config["run.batch_size"]`` and ``config.origin("run.batch_size")``."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    file: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def origin(self, key: str) -> str:
        return self.origins[key]

    def override(self, key: str, value: Any, origin: str) -> None:
        """Set ``key`` from a command-line flag (checked like a file value)."""
        setting = _BY_KEY[key]
        try:
            self.values[key] = setting.check(value)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc}, not {_describe(value)}") from None
        self.origins[key] = origin

    def extend(self, key: str, more: list[str], origin: str) -> None:
        """Add command-line values to a list setting (``--rules`` adds to the file's rules)."""
        if not more:
            return
        self.values[key] = list(self.values[key]) + list(more)
        self.origins[key] = origin if self.origins[key] == DEFAULT else f"{self.origins[key]} + {origin}"

    def settings(self) -> Settings:
        """The effective values as the typed :class:`Settings` a run travels with."""
        sections = {"paths": PathSettings, "run": RunSettings, "output": OutputSettings, "dedup": DedupConfig}
        values: dict[str, dict[str, Any]] = {name: {} for name in sections}
        for key, value in self.values.items():
            section, name = key.split(".", 1)
            values[section][name] = tuple(value) if isinstance(value, list) else value
        return Settings(**{name: cls(**values[name]) for name, cls in sections.items()})

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "settings": {key: {"value": self.values[key], "origin": self.origins[key]} for key in self.values},
        }

    def to_toml(self) -> str:
        """The effective configuration as a valid ``presswash.toml``, each value's origin in a comment."""
        lines = [f"# effective presswash configuration; file read: {self.file or 'none (defaults)'}"]
        for section, about in SECTIONS.items():
            lines += ["", f"[{section}]  # {about}"]
            for setting in SETTINGS:
                if setting.key.split(".")[0] != section:
                    continue
                name, value = setting.key.split(".", 1)[1], self.values[setting.key]
                if value is None:  # TOML has no null: an unset value is shown commented out
                    lines.append(f"# {name} = (unset) {setting.help}  # {self.origins[setting.key]}")
                else:
                    lines.append(f"{name} = {_toml_value(value)}  # {self.origins[setting.key]}")
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    return repr(value)


def defaults() -> Config:
    return Config({s.key: s.default for s in SETTINGS}, {s.key: DEFAULT for s in SETTINGS})


def parse_config(data: dict[str, Any], origin: str, base_dir: str | Path | None = None) -> Config:
    """Check a parsed TOML table and lay it over the defaults. Relative paths are taken relative to
    ``base_dir`` (the folder of the file) when it is not the current folder."""
    config = defaults()
    config.file = origin
    for section, table in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{origin}: unknown section [{section}]{_suggest(section, SECTIONS, '[', ']')}")
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: [{section}] must be a table, not {_describe(table)}")
        for name, value in table.items():
            key = f"{section}.{name}"
            setting = _BY_KEY.get(key)
            if setting is None:
                raise ConfigError(f"{origin}: unknown key {key}{_suggest(key, _BY_KEY)}")
            try:
                checked = setting.check(value)
            except ValueError as exc:
                raise ConfigError(f"{origin}: {key} {exc}, not {_describe(value)}") from None
            if setting.is_path and base_dir is not None:
                checked = _relative_to(checked, Path(base_dir))
            config.values[key] = checked
            config.origins[key] = origin
    try:
        dedup_config(config)
    except ConfigError as exc:
        raise ConfigError(f"{origin}: {exc}") from None
    return config


def _relative_to(value: str | list[str], base: Path) -> str | list[str]:
    if isinstance(value, list):
        return [_relative_to(v, base) for v in value]
    if Path(value).is_absolute() or base.resolve() == Path.cwd().resolve():
        return value
    return str(base / value)


def _suggest(word: str, known, before: str = "", after: str = "") -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {before}{close[0]}{after}?)" if close else ""


def find_config_file(folder: str | Path = ".") -> Path | None:
    """``presswash.toml`` in ``folder``, else ``pyproject.toml`` if it has a ``[tool.presswash]`` table."""
    folder = Path(folder)
    if (folder / CONFIG_FILE).is_file():
        return folder / CONFIG_FILE
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None  # a broken pyproject.toml is some other tool's business unless named with --config
        if isinstance(data.get("tool"), dict) and "presswash" in data["tool"]:
            return pyproject
    return None


def load_config(path: str | Path | None = None, *, search: bool = True) -> Config:
    """Read ``path`` (or the file :func:`find_config_file` finds, when ``search``) over the defaults."""
    if path is None:
        found = find_config_file() if search else None
        if found is None:
            return defaults()
        path = found
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"configuration file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"configuration file {str(path)!r} is a folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {str(path)!r}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    origin = str(path)
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        table = tool.get("presswash") if isinstance(tool, dict) else None
        if table is None:
            raise ConfigError(f"{path} has no [tool.presswash] table")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: tool.presswash must be a table")
        data, origin = table, f"{path} [tool.presswash]"
    return parse_config(data, origin, base_dir=path.parent)


def dedup_config(config: Config) -> DedupConfig:
    """The ``[dedup]`` settings as the dedup code takes them; ConfigError if they do not fit together."""
    values = {key.split(".", 1)[1]: value for key, value in config.values.items() if key.startswith("dedup.")}
    try:
        return DedupConfig(**values)
    except ValueError as exc:
        raise ConfigError(f"[dedup] {exc}") from None


def state_value(config: Config) -> str | None:
    """``paths.state`` as an absolute path, or None for the default inside the output folder."""
    state = config["paths.state"]
    return None if state is None else os.path.abspath(state)


def effective_rules(config: Config) -> list[str]:
    """Rules files as absolute paths (worker processes may run in another folder)."""
    return [os.path.abspath(p) for p in config["paths.rules"]]
