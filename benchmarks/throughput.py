"""Throughput and memory of the real ``presswash clean`` at scale, against bare trafilatura.

    python benchmarks/throughput.py EVAL_DIR [--sizes 1000,10000,100000] [--html-pages 3000] [--rerun] [--save]

For each size, a mixed corpus is written with ``benchmarks/make_corpus.py`` (every format, 30% of
the documents HTML pages, 30% copies), then the real CLI (``presswash clean``, a real Prefect flow in
its own process) cleans it. Printed per size:

- wall time, documents/s, MB/s (raw bytes read);
- peak memory of the whole process tree (the CLI, its worker processes and Prefect's temporary
  server), sampled from /proc every 0.2 s: sum of RSS (shared pages counted once per process, so an
  upper bound) and sum of PSS;
- CPU utilisation of the tree (CPU seconds / (wall x cores)), CPU by role (workers, the CLI's main
  process, Prefect's server), and the CPU other processes used on the machine meanwhile (noise);
- the share of wall time spent outside the cleaning functions: wall minus the time the workers
  spent inside them (reading, cleaning, fingerprinting and writing each file, measured per file by
  the workers) divided by the number of workers, split by the report's timings into Prefect's
  start, per-batch orchestration and I/O, dedup decisions and writing the outputs;
- the reference: a plain single-process loop of ``trafilatura.extract`` on the HTML pages of the
  same corpus, run in this process in the same run (on a sample of at most ``--reference-pages``
  pages, scaled to all of them), and the ratio of presswash's whole run to it.
- on the HTML-only corpus, the floor: presswash's own trafilatura extraction of the same pages (its
  parse and its ``bare_extraction`` call, nothing else) spread over every core in warm processes, no
  Prefect: what presswash cannot beat on this machine while it runs trafilatura's balanced extraction.

With ``--rerun``, each mixed corpus is cleaned a second time, unchanged: an incremental run (the
file ledger of issue 5 skips every unchanged file), printed as a share of the first run.

Then the HTML-only check of the issue: a corpus of ``--html-pages`` HTML pages (distinct, copies
and truncated pages as above), cleaned end to end with Prefect's start included, against the
trafilatura loop on exactly those pages (all of them); then cleaned again against a Prefect server
started beforehand (``prefect server start``, ``PREFECT_API_URL``), as scheduled runs use it. And
Prefect's fixed start cost, measured apart: the CLI on a folder of one document, with a new Prefect
home and with an existing one (and
``import prefect`` alone). The machine's load average is printed with every row; the machines are
shared, so compare ratios measured in one run, and re-run when the load is high.

``--save`` writes ``benchmarks/results/throughput.md`` (the table plus the notes in
``benchmarks/results/throughput-notes.md``, which say what the profile showed and what changed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results" / "throughput.md"
NOTES = ROOT / "benchmarks" / "results" / "throughput-notes.md"
PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


# -- the process tree -----------------------------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def _tree(root: int) -> list[int]:
    kids, todo, seen = _children_map(), [root], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo.extend(kids.get(pid, ()))
    return seen


def _proc(pid: int) -> tuple[str, int, int, float] | None:
    """(role, rss bytes, pss bytes, cpu seconds) of one process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        pss = 0
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    pss = int(line.split()[1]) * 1024
                    break
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / HZ
    rss = int(fields[21]) * PAGE
    if "multiprocessing" in cmd or "spawn_main" in cmd:
        role = "workers"
    elif "uvicorn" in cmd or "prefect" in cmd and "server" in cmd:
        role = "prefect server"
    else:
        role = "main"
    return role, rss, pss, cpu


class TreeSampler(threading.Thread):
    """Peak memory of a process tree and the CPU seconds of each of its processes (last seen)."""

    def __init__(self, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.cpu: dict[int, tuple[str, float]] = {}
        self.max_procs = 0
        self.peak_by_role: dict[str, int] = {}  # highest RSS of each role (summed over its processes)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def sample(self) -> None:
        rss = pss = 0
        pids = _tree(self.pid)
        by_role: dict[str, int] = {}
        for pid in pids:
            info = _proc(pid)
            if info is None:
                continue
            role, r, p, cpu = info
            rss += r
            pss += p
            by_role[role] = by_role.get(role, 0) + r
            self.cpu[pid] = (role, cpu)
        for role, r in by_role.items():
            self.peak_by_role[role] = max(self.peak_by_role.get(role, 0), r)
        self.max_procs = max(self.max_procs, len(pids))
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def cpu_by_role(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for role, cpu in self.cpu.values():
            out[role] = out.get(role, 0.0) + cpu
        return out


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in parts[:8])
    return (user + nice + system + irq + softirq + steal) / HZ


def _load() -> float:
    return os.getloadavg()[0]


# -- one CLI run ----------------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    report: dict[str, Any]
    peak_rss: int
    peak_pss: int
    cpu: float  # CPU seconds of the tree (rusage of the waited-for children)
    cpu_roles: dict[str, float]
    others_cpu: float  # CPU seconds other processes used meanwhile
    load_before: float
    load_after: float
    raw_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def run_cli(raw: Path, out: Path, env: dict[str, str], extra_args: list[str] = ()) -> Run:
    cmd = [sys.executable, "-m", "flows.cli", "clean", str(raw), "--out", str(out), "--no-config", "--progress", "off", "--json", *extra_args]
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_before, load_before = _machine_busy(), _load()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = _machine_busy()
    if proc.returncode != 0:
        raise SystemExit(f"presswash clean failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    cpu = (after_children.ru_utime - before_children.ru_utime) + (after_children.ru_stime - before_children.ru_stime)
    others = max(0.0, (busy_after - busy_before) - cpu)
    run = Run(wall, json.loads(stdout), sampler.peak_rss, sampler.peak_pss, cpu, sampler.cpu_by_role(), others, load_before, _load())
    run.extra["peak_rss_by_role_mib"] = {k: round(v / 2**20) for k, v in sampler.peak_by_role.items()}
    return run


# -- the trafilatura reference --------------------------------------------------------------------

def html_pages(raw: Path) -> list[Path]:
    return sorted(p for p in (raw / "html").rglob("*") if p.is_file())


def _page_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def trafilatura_loop(pages: list[Path]) -> float:
    """Seconds for ``trafilatura.extract`` on each page's bytes, one after the other (bytes read first)."""
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    trafilatura.extract("<html><body><p>warm up the extractor before timing it</p></body></html>")
    datas = [_page_bytes(p) for p in pages]
    started = time.perf_counter()
    for data in datas:
        trafilatura.extract(data)
    return time.perf_counter() - started


def _extract_page(path: str) -> None:
    """presswash's extraction of one page and nothing else: its single parse and its trafilatura call."""
    import trafilatura

    from cleaners.readers.webpage import EXTRACTION_OPTIONS, parse_html

    trafilatura.bare_extraction(parse_html(_page_bytes(Path(path)).decode("utf-8", "replace")), **EXTRACTION_OPTIONS)


def _warm_extractor(_: int) -> int:
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    trafilatura.extract("<html><body><p>warm up the extractor before timing it</p></body></html>")
    return os.getpid()


def trafilatura_parallel(pages: list[Path], processes: int = CORES) -> float:
    """Seconds for presswash's trafilatura extraction alone (its parse, then ``bare_extraction`` with
    its options: cheaper than ``extract``, which also looks for comments) on every page, spread over
    ``processes`` warm processes that read their own pages: the floor of presswash on these pages
    with this many cores, before any work of its own and any orchestration."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for _ in range(20):  # until every process has imported and warmed up trafilatura (a few rounds at most)
            if len(set(pool.map(_warm_extractor, range(4 * processes), chunksize=1))) >= processes:
                break
        started = time.perf_counter()
        for _ in pool.imap_unordered(_extract_page, [str(p) for p in pages], chunksize=8):
            pass
        return time.perf_counter() - started


# -- corpus ---------------------------------------------------------------------------------------

def make_corpus(eval_dir: Path, n: int, out: Path, seed: int, only: str | None = None) -> tuple[float, dict]:
    cmd = [sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), str(n), str(out), "--eval", str(eval_dir), "--seed", str(seed)]
    if only:
        cmd += ["--only", only]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - started, json.loads(done.stdout)


def base_env(prefect_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


class StandingServer:
    """``prefect server start`` in the background (the set-up of scheduled runs and of teams that keep
    a server up), for runs with ``PREFECT_API_URL`` pointing at it; stopped on exit."""

    def __init__(self, env: dict[str, str], timeout: float = 180.0):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.env, self.timeout = env, timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "StandingServer":
        import urllib.request

        prefect = Path(sys.executable).with_name("prefect")
        self.proc = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port), "--analytics-off", "--no-ui"],
                                     env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"prefect server start exited with code {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise SystemExit(f"prefect server start was not healthy within {self.timeout:g} s")

    def __exit__(self, *exc_info) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()


# -- measurements ---------------------------------------------------------------------------------

def measure_size(eval_dir: Path, work: Path, n: int, seed: int, env: dict, ref_pages: int, args: argparse.Namespace, only: str | None = None) -> dict[str, Any]:
    raw, out = work / f"raw-{only or 'mixed'}-{n}", work / f"out-{only or 'mixed'}-{n}"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    gen_seconds, corpus = make_corpus(eval_dir, n, raw, seed, only)
    pages = html_pages(raw)
    sample = pages if only == "html" else random.Random(seed).sample(pages, min(ref_pages, len(pages)))
    ref_seconds = trafilatura_loop(sample)
    ref_all = ref_seconds * len(pages) / max(1, len(sample))
    floor_s = trafilatura_parallel(pages) if only == "html" else None
    extra_args = []
    if args.batch_size:
        extra_args += ["--batch-size", str(args.batch_size)]
    if args.workers:
        extra_args += ["--workers", str(args.workers)]
    run = run_cli(raw, out, env, extra_args)
    raw_bytes = corpus["bytes"]
    report = run.report
    t = report["timings_seconds"]
    workers = report.get("workers") or 1
    work_s = t.get("clean_work", t.get("clean_cpu", 0.0))
    flow_total = t["total"]
    startup = run.wall - flow_total  # process start, imports, Prefect's server and flow run set-up, exit
    clean_overhead = max(0.0, t["clean"] - work_s / workers) + t.get("discover", 0.0)
    outside = max(0.0, run.wall - work_s / workers)
    row = {
        "size": n, "only": only, "files": corpus["files"], "raw_mib": raw_bytes / 2**20, "generate_s": gen_seconds,
        "wall": run.wall, "docs_per_s": n / run.wall, "mb_per_s": raw_bytes / 1e6 / run.wall,
        "peak_rss_mib": run.peak_rss / 2**20, "peak_pss_mib": run.peak_pss / 2**20, "peak_rss_by_role_mib": run.extra["peak_rss_by_role_mib"],
        "cpu_s": run.cpu, "cpu_util": run.cpu / (run.wall * CORES), "cpu_roles": run.cpu_roles, "others_cpu_s": run.others_cpu,
        "load": (run.load_before, run.load_after), "workers": workers, "batch_size": report.get("batch_size"),
        "work_s": work_s, "startup_s": startup, "clean_s": t["clean"], "clean_overhead_s": clean_overhead,
        "decide_s": t.get("dedup_decide", 0.0), "write_s": t.get("write", 0.0), "outside_s": outside,
        "outside_share": outside / run.wall,
        "orchestration_io_share": (clean_overhead) / run.wall,
        "html_pages": len(pages), "ref_sample": len(sample), "ref_s": ref_all, "ratio": run.wall / ref_all if ref_all else None,
        "floor_s": floor_s, "floor_ratio": floor_s / ref_all if floor_s and ref_all else None,
        "documents": report["documents"], "duplicates": report["duplicates"], "rejected": report["rejected"],
        "expected_copies": corpus.get("role.exact", 0) + corpus.get("role.near", 0) + corpus.get("role.truncated", 0),
    }
    if only == "html" and args.standing_server:
        # the same pages again, with Prefect's API served by a server that is already up
        standing_out = work / "out-html-standing"
        shutil.rmtree(standing_out, ignore_errors=True)
        with StandingServer(env) as server:
            again = run_cli(raw, standing_out, dict(env, PREFECT_API_URL=server.url), extra_args)
        row.update(standing_wall=again.wall, standing_ratio=again.wall / ref_all if ref_all else None,
                   standing_startup_s=again.wall - again.report["timings_seconds"]["total"], standing_load=(again.load_before, again.load_after))
        shutil.rmtree(standing_out, ignore_errors=True)
    if args.rerun and only is None:
        # the same command again over the same, unchanged raw files: an incremental run
        again = run_cli(raw, out, env, extra_args)
        row.update(rerun_wall=again.wall, rerun_share=again.wall / run.wall, rerun_peak_rss_mib=again.peak_rss / 2**20,
                   rerun_incremental=again.report.get("incremental"), rerun_load=(again.load_before, again.load_after))
    if not args.keep:
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return row


def measure_start(work: Path, env_home: Path) -> dict[str, float]:
    """Prefect's fixed cost: the CLI on one document, new Prefect home vs the same home again."""
    raw = work / "raw-one"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "one.txt").write_text("The council met on Tuesday to discuss the budget for the coming year and the new library.\n", encoding="utf-8")
    result: dict[str, float] = {}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import prefect"], check=True, env=base_env(env_home))
    result["import_prefect"] = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import cleaners.pipeline, cleaners.runtime.workers; from cleaners.pipeline import warm_up; warm_up()"], check=True, cwd=str(ROOT))
    result["import_cleaners"] = time.perf_counter() - started
    fresh = work / "prefect-fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    for label, home in (("new_home", fresh), ("existing_home", fresh), ("existing_home_2", fresh)):
        out = work / f"out-one-{label}"
        shutil.rmtree(out, ignore_errors=True)
        run = run_cli(raw, out, base_env(home))
        result[label] = run.wall
        result[label + "_flow"] = run.report["timings_seconds"]["total"]
    result["existing_home"] = min(result.pop("existing_home"), result.pop("existing_home_2"))
    result["existing_home_flow"] = min(result.pop("existing_home_flow"), result.pop("existing_home_2_flow"))
    shutil.rmtree(fresh, ignore_errors=True)
    return result


# -- output ---------------------------------------------------------------------------------------

def _f(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def table(rows: list[dict], start: dict[str, float]) -> str:
    lines = [
        "| corpus | wall s | docs/s | MB/s | peak RSS (PSS) MiB | CPU util | outside cleaning | Prefect start + exit | batch orchestration + I/O | dedup decide | write outputs | trafilatura loop (same pages) | ratio to it | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = f"{r['size']:,} {'HTML pages' if r['only'] == 'html' else 'mixed'} ({r['files']:,} files, {r['raw_mib']:,.0f} MiB)"
        timed = "" if r["ref_sample"] == r["html_pages"] else f", {r['ref_sample']:,} timed"
        ref = f"{_f(r['ref_s'])} s ({r['html_pages']:,} pages{timed})"
        lines.append(
            f"| {name} | {_f(r['wall'])} | {_f(r['docs_per_s'], 0)} | {_f(r['mb_per_s'], 2)} | {_f(r['peak_rss_mib'], 0)} ({_f(r['peak_pss_mib'], 0)}) "
            f"| {r['cpu_util']:.0%} | {r['outside_share']:.1%} | {_f(r['startup_s'])} s | {_f(r['clean_overhead_s'])} s ({r['orchestration_io_share']:.1%}) "
            f"| {_f(r['decide_s'])} s | {_f(r['write_s'])} s | {ref} | {r['ratio']:.2f}× | {r['load'][0]:.2f} → {r['load'][1]:.2f} |"
        )
    lines.append("")
    lines.append("| corpus | documents / duplicates / rejected (copies made) | workers × batch size | CPU s: workers / main / Prefect server | peak RSS MiB: workers / main / Prefect server | other processes' CPU s | corpus generation s |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in rows:
        roles = r["cpu_roles"]
        lines.append(
            f"| {r['size']:,} {'HTML' if r['only'] == 'html' else 'mixed'} | {r['documents']:,} / {r['duplicates']:,} / {r['rejected']:,} ({r['expected_copies']:,}) "
            f"| {r['workers']} × {r['batch_size']} | {_f(roles.get('workers', 0))} / {_f(roles.get('main', 0))} / {_f(roles.get('prefect server', 0))} "
            f"| {' / '.join(str(r['peak_rss_by_role_mib'].get(k, 0)) for k in ('workers', 'main', 'prefect server'))} "
            f"| {_f(r['others_cpu_s'])} | {_f(r['generate_s'])} |"
        )
    reruns = [r for r in rows if "rerun_wall" in r]
    if reruns:
        lines += ["", "| incremental re-run (same raw files, unchanged) | wall s | share of the first run | peak RSS MiB | what it read | load |", "|---|---|---|---|---|---|"]
        for r in reruns:
            inc = r.get("rerun_incremental") or {}
            read = ", ".join(f"{v:,} {k}" for k, v in inc.items()) if inc else "(no incremental counts in the report)"
            lines.append(f"| {r['size']:,} mixed | {_f(r['rerun_wall'])} | {r['rerun_share']:.1%} | {_f(r['rerun_peak_rss_mib'], 0)} | {read} | {r['rerun_load'][0]:.2f} → {r['rerun_load'][1]:.2f} |")
    if start:
        lines += [
            "",
            "Prefect's fixed start (the CLI on a folder of one document; wall seconds, of which the flow itself):",
            "",
            f"- `import prefect` alone: {_f(start['import_prefect'], 2)} s; importing and warming up the cleaning libraries (one worker's start): {_f(start['import_cleaners'], 2)} s",
            f"- new Prefect home (database created): {_f(start['new_home'], 2)} s (flow {_f(start['new_home_flow'], 2)} s)",
            f"- existing Prefect home: {_f(start['existing_home'], 2)} s (flow {_f(start['existing_home_flow'], 2)} s)",
        ]
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def checks(rows: list[dict]) -> list[str]:
    out = []
    by = {(r["only"], r["size"]): r for r in rows}
    for r in rows:
        if r["only"] == "html":
            out.append(f"- {_verdict(r['ratio'] <= 0.60)}: HTML pages end to end / trafilatura loop: {r['ratio']:.2f}× (target ≤ 0.60×) with Prefect's start; "
                       f"{(r['wall'] - r['startup_s']) / r['ref_s']:.2f}× without it")
            if r.get("standing_wall"):
                out.append(f"- the same run against a Prefect server already up (`PREFECT_API_URL`): {r['standing_wall']:.1f} s = {r['standing_ratio']:.2f}× the loop "
                           f"(Prefect's start and exit {r['standing_startup_s']:.1f} s instead of {r['startup_s']:.1f} s); target ≤ 0.60×: "
                           f"{_verdict(r['standing_ratio'] <= 0.60)}")
            if r.get("floor_ratio"):
                out.append(f"- the floor on these pages: presswash's trafilatura extraction alone on all {CORES} cores (none of its own work, no Prefect) takes "
                           f"{r['floor_s']:.1f} s = {r['floor_ratio']:.2f}× the loop; with this run's Prefect start and exit added, "
                           f"{(r['floor_s'] + r['startup_s']) / r['ref_s']:.2f}×. presswash end to end is {r['wall'] / (r['floor_s'] + r['startup_s']):.2f}× that floor")
    if (None, 10000) in by:
        r = by[(None, 10000)]
        out.append(f"- {_verdict(r['orchestration_io_share'] <= 0.05)}: 10k mixed: batch orchestration and I/O {r['orchestration_io_share']:.1%} of wall (target ≤ 5%); "
                   f"everything outside the cleaning functions {r['outside_share']:.1%} (Prefect start {r['startup_s'] / r['wall']:.1%}, "
                   f"dedup decisions {r['decide_s'] / r['wall']:.1%}, writing {r['write_s'] / r['wall']:.1%})")
    if (None, 10000) in by and (None, 100000) in by:
        a, b = by[(None, 10000)], by[(None, 100000)]
        out.append(f"- {_verdict(b['peak_rss_mib'] <= 1024)}: memory: peak RSS 100k {b['peak_rss_mib']:,.0f} MiB (target ≤ 1024; PSS {b['peak_pss_mib']:,.0f} MiB)")
        out.append(f"- {_verdict(b['peak_rss_mib'] / a['peak_rss_mib'] <= 1.20)}: flat memory: peak RSS 100k / 10k = {b['peak_rss_mib'] / a['peak_rss_mib']:.2f} (target ≤ 1.20; PSS {b['peak_pss_mib'] / a['peak_pss_mib']:.2f})")
        out.append(f"- {_verdict(b['wall'] / a['wall'] <= 11)}: linear time: 100k / 10k wall = {b['wall'] / a['wall']:.2f} (target ≤ 11)")
    for r in rows:
        if "rerun_wall" in r:
            target = " (target ≤ 5% at 100k)" if r["size"] >= 100000 else " (Prefect's fixed start dominates a small run)"
            out.append(f"- incremental re-run over {r['size']:,} unchanged documents: {r['rerun_share']:.1%} of the first run{target}"
                       + (f": {_verdict(r['rerun_share'] <= 0.05)}" if r["size"] >= 100000 else ""))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--sizes", default="1000,10000,100000", help="mixed corpus sizes, comma-separated ('' for none)")
    parser.add_argument("--html-pages", type=int, default=3000, help="size of the HTML-only corpus (0: skip)")
    parser.add_argument("--reference-pages", type=int, default=1000, help="HTML pages timed for the reference on mixed corpora")
    parser.add_argument("--no-start", action="store_true", help="skip measuring Prefect's fixed start")
    parser.add_argument("--batch-size", type=int, help="pass --batch-size to presswash clean")
    parser.add_argument("--workers", help="pass --workers to presswash clean")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and outputs")
    parser.add_argument("--rerun", action="store_true", help="run each mixed corpus a second time, unchanged (an incremental run)")
    parser.add_argument("--no-standing-server", dest="standing_server", action="store_false",
                        help="skip the HTML run against a Prefect server started beforehand (prefect server start, PREFECT_API_URL)")
    parser.add_argument("--save", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--from-json", type=Path, help="print (and --save) the rows of an earlier --json file instead of measuring")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        return report(saved["rows"], saved["start"], args)
    work = args.work or Path(tempfile.mkdtemp(prefix="presswash-throughput-"))
    work.mkdir(parents=True, exist_ok=True)
    home = work / "prefect-home"
    env = base_env(home)
    print(f"machine: {CORES} cores, load {os.getloadavg()}", file=sys.stderr)
    start = {} if args.no_start else measure_start(work, home)
    if start:
        print(json.dumps(start), file=sys.stderr)
    # one throw-away run so that the sized runs use an existing Prefect home, as every run after a user's first does
    run_cli(work / "raw-one", work / "out-warm", env) if start else None
    rows = []
    if args.html_pages:
        rows.append(measure_size(args.eval_dir, work, args.html_pages, args.seed, env, args.reference_pages, args, only="html"))
        print(json.dumps(rows[-1]), file=sys.stderr)
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        rows.append(measure_size(args.eval_dir, work, n, args.seed, env, args.reference_pages, args))
        print(json.dumps(rows[-1]), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "start": start}, indent=2), encoding="utf-8")
    report(rows, start, args)
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(rows: list[dict], start: dict, args: argparse.Namespace) -> int:
    text = table(rows, start)
    found = checks(rows)
    print(text)
    print("\n".join(found))
    if args.save:
        import trafilatura

        from cleaners import __version__

        header = (
            f"# presswash throughput (presswash {__version__}, trafilatura {trafilatura.__version__}, Python {platform.python_version()}, {CORES} cores)\n\n"
            "Produced by `python benchmarks/throughput.py EVAL_DIR --save`: the real `presswash clean` (a Prefect flow, "
            "its worker processes and Prefect's temporary server) on corpora from `benchmarks/make_corpus.py`; the "
            "trafilatura loop is measured in the same run on the same pages. Load is the 1-minute load average before → after.\n\n"
        )
        notes = NOTES.read_text(encoding="utf-8") if NOTES.exists() else ""
        RESULTS.write_text(header + text + "\n\n" + "\n".join(found) + "\n\n" + notes, encoding="utf-8")
        print(f"saved {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
