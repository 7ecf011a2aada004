"""One benchmark subprocess: one implementation, some workloads, results as JSON.

``python -m benchmarks.worker --impl torch --preset quick --workloads perop,mlp --out f.json``

``run.py`` starts one of these per (round, workload group, implementation), so every
implementation runs in a fresh interpreter with nothing else loaded, and the rounds
interleave them to cancel out slow drifts of the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):                      # run as a file: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "benchmarks"

from . import backward, gpu, models, perop, randomness  # noqa: E402
from .timing import PRESETS, Preset                # noqa: E402

IMPLS = ("autograd_nb", "torch", "numpy")
WALL: dict[str, float] = {}                        # seconds each workload took here
WORKLOADS = ("perop", "backward", "mlp", "cnn", "memory", "random")   # the default run
OPT_IN = ("gpu",)                                  # only when asked for (needs a GPU)

# workload -> (function for a tensor library T, function for the numpy floor or None)
RUNNERS: dict[str, tuple[Callable, Callable | None]] = {
    "perop": (perop.run_tensor, perop.run_numpy),
    "backward": (backward.run_tensor, backward.run_numpy),
    "mlp": (models.run_mlp_tensor, models.run_mlp_numpy),
    "cnn": (models.run_cnn_tensor, models.run_cnn_numpy),
    "memory": (models.run_memory_tensor, None),
    "gpu": (gpu.run_tensor, gpu.run_floor),
    "random": (randomness.run_tensor, randomness.run_numpy),
}


def load(impl: str) -> Any:
    """The module a workload is written against (``None`` for the numpy floor)."""
    if impl == "torch":
        import torch
        return torch
    if impl == "autograd_nb":
        import autograd_nb
        return autograd_nb
    return None


def run(impl: str, workloads: list[str], preset: Preset) -> dict[str, Any]:
    """``{workload: {case: seconds | bytes | {"na": why} | {"error": text}}}``."""
    T = load(impl)
    results: dict[str, Any] = {}
    for w in workloads:
        t0 = time.perf_counter()
        tensor_fn, numpy_fn = RUNNERS[w]
        if T is None and numpy_fn is None:
            continue
        try:
            results[w] = tensor_fn(T, preset) if T is not None else numpy_fn(preset)
        except Exception as exc:                       # keep the suite going; show why
            results[w] = {"__error__": f"{type(exc).__name__}: {exc}".splitlines()[0][:300],
                          "__traceback__": traceback.format_exc()[-2000:]}
        WALL[w] = round(time.perf_counter() - t0, 2)
    return results


def versions(impl: str) -> dict[str, Any]:
    """What this subprocess ran with (only modules it actually imported)."""
    import numpy as np
    out: dict[str, Any] = {"numpy": np.__version__}
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        out["numpy_blas"] = f"{cfg.get('name')} {cfg.get('version')}"
    except Exception:                                  # older numpy: no dict mode
        pass
    if "torch" in sys.modules:
        import torch
        out["torch"] = torch.__version__
        out["torch_threads"] = torch.get_num_threads()
    if "autograd_nb" in sys.modules:
        import autograd_nb
        out["autograd_nb"] = autograd_nb.__version__
        out["autograd_nb_file"] = autograd_nb.__file__
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--impl", choices=IMPLS, required=True)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="full")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    results = run(args.impl, args.workloads.split(","), PRESETS[args.preset])
    info = {"impl": args.impl, "pid": os.getpid(), "results": results, "versions": versions(args.impl),
            "wall_s": WALL}
    Path(args.out).write_text(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
