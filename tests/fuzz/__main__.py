"""Command line: campaigns over seeds, and replays of saved scripts.

    python -m tests.fuzz --seeds 0-9 --programs 10000 [--length 14] [--out DIR]
    python -m tests.fuzz --replay FILE

A campaign runs ``--programs`` programs for each seed, shrinks the first program found
for each distinct cause (statement template, kind of difference) and prints it as a
script; with ``--out`` the scripts are also written there, one file per cause.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from .runner import generate, read_script, run, script, shrink


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b) + 1)) if b else [int(a)]
    return out


def campaign(seeds: list[int], programs: int, length: int, out_dir: str | None,
             quiet: bool = False) -> dict:
    """Run the programs; shrink and keep the first program of each new cause; count the
    known ones (known.py) by name."""
    causes: dict = {}
    known: dict = {}
    total = excused = draw_errors = 0
    start = time.time()
    for seed in seeds:
        if not quiet and seed != seeds[0]:
            print(f"# after seed {seed - 1}: programs {total}, new causes {len(causes)}, known causes "
                  f"{len(known)} ({sum(known.values())} programs), {time.time() - start:.0f}s", flush=True)
        for p in range(programs):
            r = generate(seed, p, length)
            total += 1
            excused += r.excused
            draw_errors += r.draw_errors
            m = r.mismatch
            if m is None:
                continue
            k = m.known
            if k is not None:
                known[(k.owner, k.name)] = known.get((k.owner, k.name), 0) + 1
                continue
            if m.key in causes:
                causes[m.key]["count"] += 1
                continue
            small = shrink(r.stmts, m.key)
            again = run(small)
            text = script(small, again.mismatch, f"seed {seed} program {p}")
            causes[m.key] = {"count": 1, "script": text}
            if not quiet:
                print(f"--- new cause #{len(causes)}: {m.kind} at {m.label!r} (seed {seed} program {p})")
                print(text, flush=True)
            if out_dir:
                os.makedirs(out_dir, exist_ok=True)
                with open(os.path.join(out_dir, f"cause{len(causes):03d}.py"), "w") as fh:
                    fh.write(text)
    if not quiet:
        print(f"programs: {total}  new causes: {len(causes)}  known causes: {len(known)}  "
              f"excused (ties, rounding): {excused}  generator errors: {draw_errors}  "
              f"time: {time.time() - start:.0f}s")
        for (label, kind), c in sorted(causes.items(), key=lambda kv: -kv[1]["count"]):
            print(f"  {c['count']:6d}  {kind:16s} {label}")
        if known:
            print("known (tests/fuzz/known.py):")
        for (owner, name), n in sorted(known.items(), key=lambda kv: -kv[1]):
            print(f"  {n:6d}  [{owner}] {name}")
    return {"programs": total, "causes": causes, "known": known, "excused": excused,
            "draw_errors": draw_errors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0", help="e.g. 0-9 or 1,5,7")
    ap.add_argument("--programs", type=int, default=1000, help="programs per seed")
    ap.add_argument("--length", type=int, default=14, help="statements per program")
    ap.add_argument("--out", help="write one script per distinct cause here")
    ap.add_argument("--replay", help="run a saved script under both libraries")
    a = ap.parse_args(argv)
    if a.replay:
        with open(a.replay) as fh:
            stmts = read_script(fh.read())
        r = run(stmts)
        print(script(r.stmts, r.mismatch, f"replay of {a.replay}"))
        return 1 if r.mismatch else 0
    res = campaign(_seeds(a.seeds), a.programs, a.length, a.out)
    return 1 if res["causes"] else 0


if __name__ == "__main__":
    sys.exit(main())
