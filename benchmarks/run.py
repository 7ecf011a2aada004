"""Run the benchmark suite: ``python benchmarks/run.py`` (``--quick`` for a smoke run).

Every implementation (autograd_nb, torch, the numpy floor) runs in its own fresh
subprocess (``benchmarks/worker.py``); rounds interleave them, rotating who goes first,
so that slow drifts of the machine hit all of them alike. Medians over rounds and paired
ratios go to ``benchmarks/results/latest.md`` and ``latest.json``, the backward-vs-depth
plot to ``backward_depth.png``. See ``benchmarks/README.md``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):                      # run as a file: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from . import report                               # noqa: E402
from .timing import PRESETS                        # noqa: E402
from .worker import IMPLS, OPT_IN, WORKLOADS       # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        git = "?"
    return {
        "cpu_model": cpu,
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "git": git,
        "loadavg_before": _loadavg(),
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OMP_NUM_THREADS",
                                               "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")},
    }


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def run_worker(python: str, impl: str, workloads: list[str], preset: str,
               timeout: float, threads: int | None = None) -> dict[str, Any]:
    """One subprocess; its JSON, or an error record for every workload it had."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [python, "-m", "benchmarks.worker", "--impl", impl, "--preset", preset,
               "--workloads", ",".join(workloads), "--out", str(out)]
        try:
            env = dict(os.environ)
            if threads:
                env.update({k: str(threads) for k in THREAD_VARS})
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=timeout)
            if proc.returncode == 0 and out.exists():
                return json.loads(out.read_text())
            why = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        except subprocess.TimeoutExpired:
            why = f"timed out after {timeout:.0f} s"
        return {"impl": impl, "results": {w: {"__error__": why} for w in workloads}, "versions": {}}


def schedule(workloads: list[str], impls: list[str], rounds: int, grouped: bool) -> list:
    """``[(round, impl, [workloads])]``: impls interleaved, first one rotating per round.

    The memory workload is deterministic, so it runs in round 0 only.
    """
    jobs = []
    for r in range(rounds):
        ws = [w for w in workloads if r == 0 or w != "memory"]
        order = impls[r % len(impls):] + impls[:r % len(impls)]
        groups = [ws] if grouped else [[w] for w in ws]
        for group in groups:
            for impl in order:
                if impl == "numpy" and group == ["memory"]:
                    continue
                jobs.append((r, impl, group))
    return jobs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke mode: smaller sweeps, one round (~30 s)")
    ap.add_argument("--preset", choices=sorted(PRESETS), help="full (default), quick, or tiny (tests)")
    ap.add_argument("--rounds", type=int, help="override the preset's number of rounds")
    ap.add_argument("--impls", default=",".join(IMPLS), help="comma list of " + ",".join(IMPLS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of " + ",".join(WORKLOADS + OPT_IN) + " (gpu: opt-in, "
                    "on a machine with an NVIDIA GPU and CuPy)")
    ap.add_argument("--out-dir", default=str(RESULTS), help="where latest.md/json and the plot go")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the workers")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per worker")
    ap.add_argument("--threads", type=int, help="pin every library to N threads (default: "
                    "their defaults); 1 gives stable numbers on a busy machine")
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args(argv)

    preset_name = args.preset or ("quick" if args.quick else "full")
    preset = PRESETS[preset_name]
    rounds = args.rounds or preset.rounds
    impls = [i for i in args.impls.split(",") if i]
    workloads = [w for w in args.workloads.split(",") if w]
    for name, got, known in (("impl", impls, IMPLS), ("workload", workloads, WORKLOADS + OPT_IN)):
        bad = [g for g in got if g not in known]
        if bad:
            ap.error(f"unknown {name}: {', '.join(bad)}")

    info: dict[str, Any] = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                            "preset": preset_name, "rounds": rounds, "impls": impls,
                            "workloads": workloads, "machine": machine_info(), "errors": [],
                            "threads": args.threads or "default"}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > 0.5 * (os.cpu_count() or 1):
        note = (f"machine busy before the run (load {load:.2f} on {os.cpu_count()} cores): "
                "multi-threaded numbers (torch, BLAS) can be far off; try again when idle "
                "or use --threads 1")
        info["warnings"] = [note]
        print("warning: " + note, file=sys.stderr)
    raw: dict[str, dict] = {i: {} for i in impls}
    t_start = time.perf_counter()
    jobs = schedule(workloads, impls, rounds, grouped=preset_name != "full")
    for k, (r, impl, group) in enumerate(jobs, 1):
        t0 = time.perf_counter()
        res = run_worker(args.python, impl, group, preset_name, args.timeout, args.threads)
        parts = " ".join(f"{w}={t:.1f}" for w, t in res.get("wall_s", {}).items())
        print(f"[{k}/{len(jobs)}] round {r + 1}/{rounds} {impl:11s} {time.perf_counter() - t0:6.1f} s"
              f"  ({parts})", file=sys.stderr, flush=True)
        for key, val in res.get("versions", {}).items():
            info["machine"].setdefault(key, val)
        for w, cases in res["results"].items():
            store = raw[impl].setdefault(w, {})
            if "__error__" in cases:
                msg = f"{impl} / {w} (round {r + 1}): {cases['__error__']}"
                info["errors"].append(msg)
                print("  error: " + msg, file=sys.stderr)
                continue
            for case, v in cases.items():
                if isinstance(v, (int, float)):
                    lst = store.setdefault(case, [])
                    if isinstance(lst, list):
                        lst.append(v)
                else:                                   # n/a: keep the reason
                    store[case] = v
    info["wall_s"] = time.perf_counter() - t_start
    info["machine"]["loadavg_after"] = _loadavg()

    summary = report.summarise(raw, workloads, preset)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md = report.markdown(summary, info, preset)
    (out_dir / "latest.md").write_text(md)
    (out_dir / "latest.json").write_text(json.dumps(
        {"info": info, "summary": summary, "raw": raw}, indent=1, default=str))
    plotted = False
    if not args.no_plot and "backward" in workloads:
        plotted = report.plot_depth(summary, str(out_dir / "backward_depth.png"))
    print(md)
    print(f"wrote {out_dir / 'latest.md'}, {out_dir / 'latest.json'}"
          + (f", {out_dir / 'backward_depth.png'}" if plotted else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
