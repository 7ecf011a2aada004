"""A small layered ("Sugiyama-style") graph layout, in plain Python.

Graph drawing programs such as graphviz's ``dot`` draw a directed graph in four
steps, and so does this module (no system binary needed):

1. **Break cycles.** A depth-first search turns every back edge around, so the graph
   is acyclic (autograd graphs already are; this only makes the layout robust).
2. **Assign layers.** Each node goes one layer below its lowest parent (longest path);
   a node with no parent moves down to sit just above its highest child. Edges that
   span several layers are cut into pieces by invisible *dummy* nodes.
3. **Order each layer** to reduce crossings: sweep down and up, sorting each layer by
   the mean position of its neighbours in the previous layer (the *barycenter*
   heuristic), and keep the order with the fewest crossings.
4. **Place nodes.** Each layer is moved towards the mean x of its neighbours while
   keeping its order and the minimum gaps (an exact 1-D least-squares fit, by
   "pool adjacent violators"). Dummy nodes become the bends of long edges.

Everything is deterministic: ties are broken by the order nodes and edges are given.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Sequence

__all__ = ["Layout", "layered_layout", "count_crossings"]


@dataclass
class Layout:
    """Where everything goes. Coordinates in pixels, y grows downwards."""

    width: float
    height: float
    boxes: dict[str, tuple[float, float, float, float]]     # id -> (x, y, w, h), top-left
    routes: list[list[tuple[float, float]]]                 # per edge: polyline src -> dst
    layers: dict[str, int] = field(default_factory=dict)
    crossings: int = 0


def _acyclic(n: int, edges: Sequence[tuple[int, int]]) -> list[bool]:
    """Which edges to reverse so that the graph has no cycle (DFS back edges)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for k, (u, v) in enumerate(edges):
        out[u].append((v, k))
    state = [0] * n                       # 0 new, 1 on stack, 2 done
    reverse = [False] * len(edges)
    for start in range(n):
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, 0)]
        while stack:
            u, i = stack[-1]
            if i < len(out[u]):
                stack[-1] = (u, i + 1)
                v, k = out[u][i]
                if state[v] == 1:
                    reverse[k] = True
                elif state[v] == 0:
                    state[v] = 1
                    stack.append((v, 0))
            else:
                state[u] = 2
                stack.pop()
    return reverse


def _layers(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest-path layering; parentless nodes then sink to just above their children."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    layer = [0] * n
    remaining = indeg[:]
    queue = deque(i for i in range(n) if remaining[i] == 0)
    topo = []
    while queue:
        u = queue.popleft()
        topo.append(u)
        for v in succ[u]:
            if layer[u] + 1 > layer[v]:
                layer[v] = layer[u] + 1
            remaining[v] -= 1
            if remaining[v] == 0:
                queue.append(v)
    for u in reversed(topo):
        if indeg[u] == 0 and succ[u]:
            layer[u] = min(layer[v] for v in succ[u]) - 1
    return layer


def _span_limit(spans: list[int], n: int) -> float:
    """The longest edge span that still gets dummy nodes.

    A node used at every depth of a deep graph (a weight shared by every step) has
    long edges from each layer: O(n^2) dummies. Edges are given dummies shortest
    first, up to a budget of about ``8 n``; longer ones are drawn as direct curves.
    """
    budget = max(2000, 8 * n)
    total = 0
    for span in sorted(spans):
        total += span - 1
        if total > budget:
            return span - 1
    return float("inf")


def count_crossings(order: list[list[int]], down: list[list[int]], pos: list[int]) -> int:
    """Edge crossings between consecutive layers (inversions, counted with a Fenwick tree)."""
    total = 0
    for layer in order:
        pairs = sorted((pos[u], pos[v]) for u in layer for v in down[u])
        if len(pairs) < 2:
            continue
        size = max(p[1] for p in pairs) + 2
        tree = [0] * (size + 1)
        seen = 0
        for _, b in pairs:
            # count earlier edges whose lower end lies strictly right of b
            i, le = b + 1, 0
            while i > 0:
                le += tree[i]
                i -= i & -i
            total += seen - le
            i = b + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
            seen += 1
    return total


def _place(desired: list[float], seps: list[float], weights: list[float]) -> list[float]:
    """Positions closest (least squares) to ``desired``, in order, at least ``seps`` apart."""
    offs = [0.0]
    for s in seps:
        offs.append(offs[-1] + s)
    blocks: list[list[float]] = []              # [mean, weight, count]
    for d, o, w in zip(desired, offs, weights):
        blocks.append([d - o, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks[-1]
            blocks[-1] = [(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2]
    out: list[float] = []
    for m, _, c in blocks:
        out.extend([m] * int(c))
    return [y + o for y, o in zip(out, offs)]


def layered_layout(ids: Sequence[str], sizes: Sequence[tuple[float, float]],
                   edges: Sequence[tuple[int, int]], *, node_gap: float = 28.0,
                   layer_gap: float = 46.0, margin: float = 16.0,
                   sweeps: int | None = None, direction: str = "TB",
                   left_margin: float | None = None) -> Layout:
    """Lay out a directed graph top to bottom (each edge points down where it can).

    ``ids`` and ``sizes`` (width, height) describe the nodes; ``edges`` are pairs of
    indexes into them. Returns boxes for the nodes and one polyline per edge.

    ``direction="LR"`` lays it out left to right instead (a deep graph then grows
    wide rather than tall): the same layout made with each box turned on its side,
    then mirrored along the diagonal, so layers become columns.
    ``left_margin``: room left of the leftmost box (default: ``margin``), e.g. for texts
    a picture writes there later.
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f"direction must be 'TB' or 'LR', not {direction!r}")
    if direction == "LR":
        side = layered_layout(ids, [(h, w) for w, h in sizes], edges, node_gap=node_gap,
                              layer_gap=layer_gap, margin=margin, sweeps=sweeps)
        return Layout(width=side.height, height=side.width,
                      boxes={k: (y, x, h, w) for k, (x, y, w, h) in side.boxes.items()},
                      routes=[[(y, x) for x, y in r] for r in side.routes],
                      layers=side.layers, crossings=side.crossings)
    n = len(ids)
    reverse = _acyclic(n, edges)
    dag = [(v, u) if r else (u, v) for (u, v), r in zip(edges, reverse)]
    layer = _layers(n, [(u, v) for u, v in dag if u != v])

    # -- dummy nodes for long edges --------------------------------------------------
    width = [float(w) for w, _ in sizes]
    height = [float(h) for _, h in sizes]
    lay = list(layer)
    down: list[list[int]] = [[] for _ in range(n)]
    up: list[list[int]] = [[] for _ in range(n)]
    chains: list[list[int]] = []
    max_span = _span_limit([lay[v] - lay[u] for u, v in dag if u != v], n)
    for u, v in dag:
        chain = [u]
        if u != v and lay[v] - lay[u] > max_span:     # too long: drawn straight, no dummies
            chain.append(v)
        elif u != v:
            for L in range(lay[u] + 1, lay[v]):
                d = len(width)
                width.append(0.0)
                height.append(0.0)
                lay.append(L)
                down.append([])
                up.append([])
                chain.append(d)
            chain.append(v)
            for a, b in zip(chain, chain[1:]):
                down[a].append(b)
                up[b].append(a)
        chains.append(chain)
    total = len(width)
    nlayers = (max(lay) + 1) if total else 0

    # -- initial order: depth-first from the top, children in edge order ------------
    order: list[list[int]] = [[] for _ in range(nlayers)]
    seen = [False] * total
    for start in sorted(range(total), key=lambda i: (lay[i], i)):
        if seen[start]:
            continue
        stack = [start]
        while stack:
            u = stack.pop()
            if seen[u]:
                continue
            seen[u] = True
            order[lay[u]].append(u)
            stack.extend(reversed([v for v in down[u] if not seen[v]]))
    pos = [0] * total
    for row in order:
        for i, u in enumerate(row):
            pos[u] = i

    # -- crossing reduction: barycenter sweeps, keep the best ------------------------
    best = count_crossings(order, down, pos)
    best_order = [row[:] for row in order]
    if sweeps is None:
        sweeps = 12 if total < 2000 else (6 if total < 20000 else 2)
    stale = 0
    for it in range(sweeps):
        if best == 0:
            break
        downward = it % 2 == 0
        rows = range(1, nlayers) if downward else range(nlayers - 2, -1, -1)
        nbrs = up if downward else down
        for L in rows:
            row = order[L]
            keys = {}
            for u in row:
                ns = nbrs[u]
                keys[u] = (sum(pos[w] for w in ns) / len(ns)) if ns else float(pos[u])
            row.sort(key=lambda u: (keys[u], pos[u]))
            for i, u in enumerate(row):
                pos[u] = i
        c = count_crossings(order, down, pos)
        if c < best:
            best, best_order, stale = c, [row[:] for row in order], 0
        else:
            stale += 1
            if stale >= 4:
                break
    order = best_order
    for row in order:
        for i, u in enumerate(row):
            pos[u] = i

    # -- x: pull each layer towards its neighbours, keeping order and gaps ------------
    def sep(a: int, b: int) -> float:
        gap = node_gap if (a < n and b < n) else node_gap / 3
        return (width[a] + width[b]) / 2 + gap

    x = [0.0] * total
    for row in order:
        cur = 0.0
        for i, u in enumerate(row):
            if i:
                cur += sep(row[i - 1], u)
            x[u] = cur
    seps_of = [[sep(a, b) for a, b in zip(row, row[1:])] for row in order]
    weight = [1.0 if u < n else 0.5 for u in range(total)]

    def relax(L: int, which: tuple) -> None:
        row = order[L]
        if len(row) == 1:                          # nothing to keep apart: go to the mean
            u = row[0]
            ns = [w for nb in which for w in nb[u]]
            if ns:
                x[u] = sum(x[w] for w in ns) / len(ns)
            return
        desired = []
        for u in row:
            ns = [w for nb in which for w in nb[u]]
            desired.append(sum(x[w] for w in ns) / len(ns) if ns else x[u])
        for u, v in zip(row, _place(desired, seps_of[L], [weight[u] for u in row])):
            x[u] = v

    passes = 4 if total < 20000 else 2
    for _ in range(passes):
        for L in range(1, nlayers):
            relax(L, (up,))
        for L in range(nlayers - 2, -1, -1):
            relax(L, (down,))
    for L in range(nlayers):
        relax(L, (up, down))

    # -- y: layer bands -------------------------------------------------------------
    band_h = [0.0] * nlayers
    for u in range(n):
        band_h[lay[u]] = max(band_h[lay[u]], height[u])
    top = [0.0] * nlayers
    y = margin
    for L in range(nlayers):
        top[L] = y
        y += band_h[L] + layer_gap
    left = min((x[u] - width[u] / 2 for u in range(total)), default=0.0)
    shift = (margin if left_margin is None else left_margin) - left
    boxes: dict[str, tuple[float, float, float, float]] = {}
    right = 0.0
    for u in range(n):
        cx = x[u] + shift
        yy = top[lay[u]] + (band_h[lay[u]] - height[u]) / 2
        boxes[ids[u]] = (cx - width[u] / 2, yy, width[u], height[u])
        right = max(right, cx + width[u] / 2)
    for u in range(n, total):
        right = max(right, x[u] + shift)

    # -- routes: bottom of the upper node, through the dummies, top of the lower -------
    def ports(node: int, others: list[tuple[float, int]]) -> dict[int, float]:
        """Spread the ends of several edges along a node's side, in x order."""
        k = len(others)
        cx = x[node] + shift
        if k <= 1 or node >= n:
            return {e: cx for _, e in others}
        span = width[node] * 0.6
        ranked = sorted(others)
        return {e: cx - span / 2 + span * (i + 0.5) / k for i, (_, e) in enumerate(ranked)}

    outs: dict[int, list[tuple[float, int]]] = {}
    ins: dict[int, list[tuple[float, int]]] = {}
    for k, chain in enumerate(chains):
        if len(chain) < 2:
            continue
        outs.setdefault(chain[0], []).append((x[chain[1]], k))
        ins.setdefault(chain[-1], []).append((x[chain[-2]], k))
    out_port = {node: ports(node, lst) for node, lst in outs.items()}
    in_port = {node: ports(node, lst) for node, lst in ins.items()}
    routes: list[list[tuple[float, float]]] = []
    for k, chain in enumerate(chains):
        if len(chain) < 2:
            routes.append([])
            continue
        u, v = chain[0], chain[-1]
        pts = [(out_port[u][k], boxes[ids[u]][1] + height[u])]
        for d in chain[1:-1]:
            L = lay[d]
            pts.append((x[d] + shift, top[L]))
            pts.append((x[d] + shift, top[L] + band_h[L]))
        pts.append((in_port[v][k], boxes[ids[v]][1]))
        if reverse[k]:
            pts.reverse()
        routes.append([(round(px, 2), round(py, 2)) for px, py in pts])
    boxes = {k: tuple(round(c, 2) for c in b) for k, b in boxes.items()}
    return Layout(width=round(right + margin, 2), height=round(max(y - layer_gap + margin, 2 * margin), 2),
                  boxes=boxes, routes=routes,
                  layers={ids[u]: lay[u] for u in range(n)}, crossings=best)
