"""How long ``viz`` takes to picture a graph: snapshot, layout, SVG.

Run ``python benchmarks/viz_layout.py`` (``--sizes 100 1000`` to choose, ``--repeat 3``).
Not part of the test suite; the target is a layout under 2 s for 1 000 nodes.

Graphs (sizes count the nodes of the snapshot, roughly):

* ``chain``: ``y = y * 1.0001`` repeated: one long column, one node per layer;
* ``wide``:  ``x[i] * 2`` for many ``i``, each a root: a very wide first layer,
  all paths meeting in one AccumulateGrad;
* ``fan``:   ``x * c_i`` summed by a chain of adds: deep *and* wide, with long edges
  (the layout inserts dummy nodes) and crossings to reduce;
* ``layout only``: random DAGs given straight to ``layered_layout`` (no tensors).

Columns are seconds (best of ``--repeat``): ``snapshot`` reads the graph,
``layout`` places it (``build_scene``, which includes measuring the boxes),
``svg`` writes the text; ``total`` is their sum.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from typing import Any, Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd_nb as anb  # noqa: E402
from autograd_nb import viz  # noqa: E402
from autograd_nb.viz.scene import build_scene  # noqa: E402
from autograd_nb.viz.svg import to_svg  # noqa: E402


def chain(n: int) -> tuple:
    x = anb.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(max(n - 2, 1)):
        y = y * 1.0001
    return (y,)


def wide(n: int) -> tuple:
    k = max(n // 3, 1)                       # each root: tensor + MulBackward0 + SelectBackward0
    x = anb.arange(float(k)).requires_grad_()
    return tuple(x[i] * 2 for i in range(k))


def fan(n: int) -> tuple:
    k = max(n // 2, 2)                       # each term: MulBackward0 + AddBackward0
    x = anb.tensor([1.0], requires_grad=True)
    total = x * 1.0
    for i in range(1, k):
        total = total + x * float(i)
    return (total,)


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def time_graph(make: Callable[[int], tuple], n: int, repeat: int) -> dict[str, Any]:
    roots = make(n)
    t_snap, graph = _best(lambda: viz.snapshot(*roots, names={}), repeat)
    t_layout, scene = _best(lambda: build_scene(graph, legend=False), repeat)
    t_svg, svg = _best(lambda: to_svg(scene, "b-"), repeat)
    return {"nodes": len(graph.nodes), "edges": len(graph.edges), "snapshot": t_snap,
            "layout": t_layout, "svg": t_svg, "total": t_snap + t_layout + t_svg,
            "kib": len(svg) // 1024, "crossings": scene.layout.crossings}


def time_layout_only(n: int, repeat: int) -> dict[str, Any]:
    rnd = random.Random(0)
    edges = [(rnd.randrange(i), i) for i in range(1, n)]
    edges += [tuple(sorted(rnd.sample(range(n), 2))) for _ in range(n // 4)]
    sizes = [(rnd.randint(60, 220), rnd.randint(30, 80)) for _ in range(n)]
    ids = [f"n{i}" for i in range(n)]
    t, lay = _best(lambda: viz.layered_layout(ids, sizes, edges), repeat)
    return {"nodes": n, "edges": len(edges), "snapshot": 0.0, "layout": t, "svg": 0.0,
            "total": t, "kib": 0, "crossings": lay.crossings}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rows = []
    for n in args.sizes:
        for name, make in (("chain", chain), ("wide", wide), ("fan", fan)):
            rows.append((name, n, time_graph(make, n, args.repeat)))
        rows.append(("layout only", n, time_layout_only(n, args.repeat)))
    head = (f"{'graph':<12} {'size':>6} {'nodes':>6} {'edges':>6} {'snapshot':>9} {'layout':>8} "
            f"{'svg':>7} {'total':>7} {'KiB':>6} {'cross':>6}")
    print(head)
    print("-" * len(head))
    for name, n, r in rows:
        print(f"{name:<12} {n:>6} {r['nodes']:>6} {r['edges']:>6} {r['snapshot']:>9.3f} "
              f"{r['layout']:>8.3f} {r['svg']:>7.3f} {r['total']:>7.3f} {r['kib']:>6} "
              f"{r['crossings']:>6}")


if __name__ == "__main__":
    main()
