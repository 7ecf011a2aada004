"""Workload 1: the fixed cost of one op on a (4,) float32 tensor.

On four numbers the arithmetic is free; what is timed is everything around it:
argument checks, dtype promotion, making the result tensor and (when recording) the
node with its edges and saved buffers. Each op is timed in four modes:

* ``requires_grad``     inputs require grad, grad mode on: a node is recorded;
* ``no_requires_grad``  plain inputs, grad mode on: no node, but the check runs;
* ``no_grad``           inputs require grad, inside ``no_grad()``;
* ``inference_mode``    inputs require grad, inside ``inference_mode()``.

The numpy floor runs the same expression on numpy arrays (there are no modes there).
"""
from __future__ import annotations

import contextlib
from typing import Any

from .timing import Missing, Preset, probe, time_stmt

# case name -> statement; x, y: (4,), m: (4, 4)
OPS = {
    "add": "x + y",
    "mul": "x * y",
    "exp": "x.exp()",
    "matmul (4,)@(4,)": "x @ y",
    "matmul (4,4)@(4,)": "m @ x",
    "sum": "x.sum()",
    "x[1]": "x[1]",
    "x[1:3]": "x[1:3]",
}
NUMPY_OPS = {**OPS, "exp": "exp(x)"}           # ndarray has no .exp()
MODES = ("requires_grad", "no_requires_grad", "no_grad", "inference_mode")


def case_name(op: str, mode: str) -> str:
    return f"{op} [{mode}]"


def run_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    """Time every op in every mode with ``T`` (``torch`` or ``autograd_nb``)."""
    out: dict[str, Any] = {}
    for mode in MODES:
        rg = mode != "no_requires_grad"
        ns = {
            "x": T.tensor([0.5, 1.0, 1.5, 2.0], requires_grad=rg),
            "y": T.tensor([2.0, 0.5, 1.0, 0.25], requires_grad=rg),
            "m": T.tensor([[0.1 * (i + j) for j in range(4)] for i in range(4)], requires_grad=rg),
        }
        ctx = {"no_grad": T.no_grad, "inference_mode": T.inference_mode}.get(mode, contextlib.nullcontext)
        for op, stmt in OPS.items():
            name = case_name(op, mode)
            try:
                with ctx():
                    probe(lambda: eval(stmt, ns))
                    out[name] = time_stmt(stmt, ns, preset)
            except Missing as m:
                out[name] = {"na": str(m)}
    return out


def run_numpy(preset: Preset) -> dict[str, Any]:
    """The same expressions on numpy float32 arrays, reported under every mode."""
    import numpy as np
    ns = {
        "x": np.array([0.5, 1.0, 1.5, 2.0], dtype=np.float32),
        "y": np.array([2.0, 0.5, 1.0, 0.25], dtype=np.float32),
        "m": (0.1 * np.add.outer(np.arange(4), np.arange(4))).astype(np.float32),
        "exp": np.exp,
    }
    out: dict[str, Any] = {}
    for op, stmt in NUMPY_OPS.items():
        t = time_stmt(stmt, ns, preset)
        for mode in MODES:
            out[case_name(op, mode)] = t
    return out
