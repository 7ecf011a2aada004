"""Workload 2: what backward costs per node, and how it scales.

* ``per node``: a chain of 100 ops on a (4,) tensor (``y = y * 1.0001`` and
  ``y = y + 0.0001`` alternating); the time of ``y.backward(g)`` divided by 100.
* ``depth=D``: the same chain, D ops long (10 ... 100 000): time should grow linearly.
* ``width=W``: fan-out then fan-in: W products ``x * 1.0001`` (x feeds W nodes, and its
  AccumulateGrad receives W gradients) summed by a chain of W - 1 adds.
* ``size=N``: a 10-op chain on N elements: from overhead-bound to bandwidth-bound.

Only ``backward()`` is timed; the graph is rebuilt (untimed) before every call. The
numpy floor of ``per node`` writes the chain's backward out by hand (a multiply for
each ``mul`` node, nothing for an ``add``).
"""
from __future__ import annotations

from typing import Any

from .timing import Missing, Preset, probe, time_phase

CHAIN = 100           # ops in the per-node chain
SIZE_DEPTH = 10       # ops in the chains of the size sweep


def node_count(case: str) -> int:
    """Ops recorded by a case (the divisor of its per-node time)."""
    if case == "per node":
        return CHAIN
    kind, _, n = case.partition("=")
    n = int(n)
    return {"depth": n, "width": 2 * n - 1, "size": SIZE_DEPTH}[kind]


def chain(y: Any, depth: int) -> Any:
    for i in range(depth):
        y = y * 1.0001 if i % 2 == 0 else y + 0.0001
    return y


def fan(x: Any, width: int) -> Any:
    outs = [x * 1.0001 for _ in range(width)]
    y = outs[0]
    for o in outs[1:]:
        y = y + o
    return y


def _time_backward(T: Any, n: int, build: Any, preset: Preset, min_calls: int = 3) -> float:
    x = T.ones(n, requires_grad=True)
    g = T.ones(n)

    def setup() -> Any:
        x.grad = None
        return build(x)

    def timed(y: Any) -> None:
        y.backward(g)

    probe(lambda: timed(setup()))
    return time_phase(setup, timed, preset, min_calls=min_calls)


def cases(preset: Preset) -> list[tuple[str, int, Any]]:
    """``(case, n_elements, build)`` for every case of the preset."""
    out = [("per node", 4, lambda x: chain(x, CHAIN))]
    out += [(f"depth={d}", 4, lambda x, d=d: chain(x, d)) for d in preset.depths]
    out += [(f"width={w}", 4, lambda x, w=w: fan(x, w)) for w in preset.widths]
    out += [(f"size={s}", s, lambda x: chain(x, SIZE_DEPTH)) for s in preset.sizes]
    return out


def run_tensor(T: Any, preset: Preset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, n, build in cases(preset):
        big = node_count(name) >= 50000
        try:
            out[name] = _time_backward(T, n, build, preset, min_calls=1 if big else 3)
        except Missing as m:
            out[name] = {"na": str(m)}
    return out


def numpy_chain_backward(g: Any, depth: int) -> Any:
    """The chain's backward by hand: d(y*c)/dy = c, d(y+c)/dy = 1."""
    for i in reversed(range(depth)):
        if i % 2 == 0:
            g = g * 1.0001
    return g


def run_numpy(preset: Preset) -> dict[str, Any]:
    import numpy as np
    g = np.ones(4, dtype=np.float32)

    def timed(_: Any) -> None:
        grad = numpy_chain_backward(g, CHAIN)
        grad.copy()                                 # what AccumulateGrad does first time

    return {"per node": time_phase(lambda: None, timed, preset)}
