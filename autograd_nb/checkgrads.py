"""``check_grads()``: compare gradients you worked out by hand with autograd's.

Write a forward pass in small steps, keep every intermediate, then write the backward
pass yourself, one intermediate at a time, naming each gradient ``d`` + the variable
(``dlogits`` is the gradient of the loss with respect to ``logits``)::

    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    dlogits = (F.softmax(logits, 1) - F.one_hot(y, 10)) / len(y)
    db2 = dlogits.sum(0)
    check_grads(loss, {"dlogits": dlogits, "db2": db2})

``check_grads`` finds ``logits`` and ``b2`` among the caller's variables (the way
``%%autograd`` and ``viz.snapshot`` find names), asks the engine for the true gradients
(``autograd.grad(loss, [logits, b2], retain_graph=True)``: nothing is written into
``.grad``, and the graph stays usable) and compares. The result prints as a table
(name, shape, max abs difference, relative error, verdict), shows as an HTML table
plus the graph coloured by verdict in Jupyter, and can be read in code
(``result.ok``, ``result["dlogits"].verdict``).

Verdicts:

* ``equal``: the same numbers, bit for bit;
* ``close``: equal up to rounding (every element within ``rtol`` of the gradient's
  scale; ``rtol`` depends on the dtype);
* ``wrong``: some element is off; the row tells the first index where it is;
* ``wrong shape``: your gradient does not have the shape of the tensor. A gradient
  always has the shape of what it is the gradient of; when yours is bigger because the
  forward *broadcast* that tensor, the row says which dimensions to sum over.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np

__all__ = ["check_grads", "GradCheck", "GradRow", "VERDICT_COLOURS"]

# relative tolerance of "close", per dtype: rounding differences between two correct
# ways of computing a gradient stay well below these
RTOL = {"float64": 1e-7, "float32": 1e-4, "float16": 1e-2, "bfloat16": 1e-2}

# verdict -> (fill, stroke) in the table and the graph; "unchecked" nodes fade out
VERDICT_COLOURS = {
    "equal": ("#d9f2de", "#2e7d32"),
    "close": ("#ffd8a8", "#d9480f"),
    "wrong": ("#fbdada", "#c62828"),
    "wrong shape": ("#fbdada", "#c62828"),
    "unchecked": ("#ffffff", "#bdbdbd"),
}


@dataclass
class GradRow:
    """One compared gradient.

    ``name`` is your key (``"dlogits"``), ``target`` the variable it is the gradient of
    (``"logits"``). ``shape`` is your gradient's shape, ``expected_shape`` the tensor's.
    ``max_abs`` and ``rel_err`` are None when the shapes differ. ``rel_err`` is
    ``norm(yours - autograd's) / max(norm(yours), norm(autograd's))`` (0 if both are 0).
    ``first_index``: for a wrong gradient, the first element (row-major order) that
    is off, with ``yours`` and ``expected`` its two values. ``note``: a plain hint.
    """

    name: str
    target: str
    shape: tuple[int, ...]
    expected_shape: tuple[int, ...]
    max_abs: float | None
    rel_err: float | None
    verdict: str
    first_index: tuple[int, ...] | None = None
    yours: float | None = None
    expected: float | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """True for ``equal`` and ``close``."""
        return self.verdict in ("equal", "close")


# --------------------------------------------------------------------- finding names
def _is_tensor(obj: Any) -> bool:
    t = type(obj)
    return hasattr(t, "grad_fn") and hasattr(t, "requires_grad") and hasattr(t, "detach")


def target_name(key: str, namespace: Mapping[str, Any]) -> str | None:
    """The variable a gradient's name refers to: ``dlogits`` -> ``logits``,
    ``d_logits`` -> ``logits``, ``grad_logits`` -> ``logits`` (None if no such tensor)."""
    for prefix in ("d_", "grad_", "d"):
        if key.startswith(prefix) and len(key) > len(prefix):
            name = key[len(prefix):]
            if _is_tensor(namespace.get(name)):
                return name
    return None


def _as_array(value: Any) -> np.ndarray:
    """Your gradient as a float64 numpy array (a tensor, an array or a number)."""
    if _is_tensor(value):
        value = value.detach()
        if getattr(value, "device", None) is not None and str(value.device) != "cpu":
            value = value.cpu()
        return np.asarray(value.numpy(), dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


# --------------------------------------------------------------------- comparing
def _fmt_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def broadcast_hint(yours: tuple[int, ...], want: tuple[int, ...]) -> tuple[str, Any] | None:
    """When ``want`` broadcasts to ``yours`` (the forward stretched the tensor), the
    sum that undoes it: ``(".sum(0)", reduce)`` where ``reduce(array)`` applies it."""
    if len(yours) < len(want):
        return None
    lead = len(yours) - len(want)
    try:
        if np.broadcast_shapes(want, yours) != yours:
            return None
    except ValueError:
        return None
    dims = list(range(lead))
    kept = [lead + i for i, (w, y) in enumerate(zip(want, yours[lead:])) if w == 1 and y != 1]
    parts = []
    if dims:
        parts.append(f".sum({dims[0] if len(dims) == 1 else tuple(dims)})")
    if kept:
        shifted = [d - lead for d in kept]
        arg = shifted[0] if len(shifted) == 1 else tuple(shifted)
        parts.append(f".sum({arg}, keepdim=True)")

    def reduce(a: np.ndarray) -> np.ndarray:
        if dims:
            a = a.sum(axis=tuple(dims))
        if kept:
            a = a.sum(axis=tuple(d - lead for d in kept), keepdims=True)
        return a
    return "".join(parts), reduce


def _compare(hand: np.ndarray, true: np.ndarray, rtol: float
             ) -> tuple[str, float, float, tuple[int, ...] | None]:
    """(verdict, max abs difference, relative error, first bad index) of two arrays
    of the same shape."""
    if hand.size == 0:
        return "equal", 0.0, 0.0, None
    diff = np.abs(hand - true)
    both_nan = np.isnan(hand) & np.isnan(true)
    diff = np.where(both_nan, 0.0, diff)
    max_abs = float(np.nanmax(np.where(np.isnan(diff), np.inf, diff)))
    nh, nt = float(np.linalg.norm(hand)), float(np.linalg.norm(true))
    scale_norm = max(nh, nt)
    rel = float(np.linalg.norm(np.where(both_nan, 0.0, hand - true)) / scale_norm) if scale_norm else 0.0
    if np.array_equal(hand, true, equal_nan=True):
        return "equal", 0.0, 0.0, None
    scale = float(np.nanmax(np.abs(true))) if np.isfinite(true).any() else 0.0
    bad = ~(diff <= rtol * (np.abs(true) + scale))           # NaN differences are bad
    if not bad.any():
        return "close", max_abs, rel, None
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return "wrong", max_abs, rel, first


def compare_one(name: str, target: str, hand_value: Any, engine_grad: Any, tensor: Any,
                rtol: float | None = None) -> GradRow:
    """Compare one hand gradient with the engine's (``None``: the loss does not depend
    on the tensor, so its gradient is zero)."""
    want = tuple(int(s) for s in tensor.shape)
    hand = _as_array(hand_value)
    true = np.zeros(want) if engine_grad is None else _as_array(engine_grad)
    if rtol is None:
        rtol = RTOL.get(str(tensor.dtype).replace("torch.", ""), 1e-4)
    if hand.shape != want:
        note = (f"{name} has shape {list(hand.shape)} but {target} has shape {list(want)}: "
                f"a gradient always has the shape of its tensor.")
        hint = broadcast_hint(hand.shape, want)
        if hint is not None:
            text, reduce = hint
            if _compare(reduce(hand), true, rtol)[0] in ("equal", "close"):
                note += (f" The forward broadcast {target} to {list(hand.shape)}, so backward "
                         f"sums over the stretched dimensions: {name}{text} (with that sum "
                         f"your numbers are right).")
            else:
                note += (f" If the forward broadcast {target} to {list(hand.shape)}, backward "
                         f"sums over the stretched dimensions ({name}{text}), but with that "
                         f"sum the numbers are still off.")
        elif broadcast_hint(want, hand.shape) is not None:
            note += (f" Yours has fewer elements: only the dimensions the forward broadcast "
                     f"{target} over are summed in backward.")
        return GradRow(name, target, hand.shape, want, None, None, "wrong shape", note=note)
    verdict, max_abs, rel, first = _compare(hand, true, rtol)
    row = GradRow(name, target, hand.shape, want, max_abs, rel, verdict, first)
    if first is not None:
        row.yours, row.expected = float(hand[first]), float(true[first])
        ratio = _ratio(hand, true)
        row.note = (f"{name}{_fmt_index(first)} is {row.yours:.6g}, autograd has "
                    f"{row.expected:.6g}")
        row.note += f" (yours is {ratio:.6g} times autograd's everywhere)." if ratio else "."
        if engine_grad is None:
            row.note += (f" The loss does not depend on this {target} at all, so its gradient "
                         f"is zero: was {target} made again after the loss (a forward cell "
                         f"run twice)?")
    return row


def _ratio(hand: np.ndarray, true: np.ndarray) -> float | None:
    """The constant factor between the two, when there is one (a slip such as a
    missing ``/ n`` or a doubled term)."""
    mask = np.abs(true) > 1e-12
    if not mask.any() or not np.isfinite(hand).all():
        return None
    r = hand[mask] / true[mask]
    if np.allclose(r, r[0], rtol=1e-5, atol=0) and np.allclose(hand[~mask], 0) and r[0] != 1:
        return float(r[0])
    return None


def _number(v: float | None) -> str:
    """A table number: "-" when there is none, "0" when exact, else 3 digits."""
    if v is None:
        return "-"
    return "0" if v == 0 else f"{v:.2e}"


# --------------------------------------------------------------------- the result
class GradCheck:
    """What :func:`check_grads` returns: one :class:`GradRow` per gradient you gave.

    ``str()`` / ``repr()``: a plain-text table; in Jupyter, an HTML table and the graph
    coloured by verdict. ``result.ok``: every gradient equal or close;
    ``result["dh"]``: one row; ``result.draw()``: the coloured graph alone.
    """

    def __init__(self, rows: list[GradRow], loss: Any, tensors: dict[str, Any],
                 names: Mapping[str, Any]) -> None:
        self.rows = rows
        self._loss = loss
        self._tensors = tensors          # target name -> the tensor
        # the caller's tensors only (their names label the picture): the rest of the
        # namespace is not kept alive by a result
        self._names = {k: v for k, v in names.items() if isinstance(k, str) and _is_tensor(v)}

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def verdicts(self) -> dict[str, str]:
        """Your names -> verdicts, in the order you gave them."""
        return {r.name: r.verdict for r in self.rows}

    def __getitem__(self, name: str) -> GradRow:
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def __iter__(self) -> Iterator[GradRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    # -- text --------------------------------------------------------------------
    def _cells(self, r: GradRow) -> list[str]:
        shape = "x".join(str(s) for s in r.shape) or "scalar"
        if r.verdict == "wrong shape":
            shape += " (want " + ("x".join(str(s) for s in r.expected_shape) or "scalar") + ")"
        return [r.name, shape, _number(r.max_abs), _number(r.rel_err), r.verdict]

    def __repr__(self) -> str:
        head = ["gradient", "shape", "max abs diff", "rel error", "verdict"]
        body = [self._cells(r) for r in self.rows]
        widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]

        def line(cells: list[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
        out = [line(head), line(["-" * w for w in widths])] + [line(c) for c in body]
        out += [f"  {r.note}" for r in self.rows if r.note]
        return "\n".join(out)

    __str__ = __repr__

    # -- html --------------------------------------------------------------------
    def table_html(self) -> str:
        """The table as HTML, each verdict cell in its colour."""
        head = "".join(f"<th style='text-align:left;padding:2px 8px'>{h}</th>" for h in
                       ("gradient", "shape", "max abs diff", "rel error", "verdict"))
        rows = []
        for r in self.rows:
            cells = self._cells(r)
            fill, stroke = VERDICT_COLOURS[r.verdict]
            tds = "".join(f"<td style='padding:2px 8px'><code>{html.escape(c)}</code></td>"
                          for c in cells[:-1])
            tds += (f"<td style='padding:2px 8px;background:{fill};color:{stroke};"
                    f"font-weight:bold'>{html.escape(cells[-1])}</td>")
            rows.append(f"<tr>{tds}</tr>")
            if r.note:
                rows.append(f"<tr><td></td><td colspan='4' style='padding:0 8px 4px;"
                            f"color:#555'>{html.escape(r.note)}</td></tr>")
        return ("<table class='autograd-check-grads' style='border-collapse:collapse'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def _repr_html_(self) -> str:
        return ("<div class='autograd-check-grads'>" + self.table_html()
                + self.draw()._repr_html_() + "</div>")

    # -- the picture -------------------------------------------------------------
    def node_verdicts(self) -> dict[str, str]:
        """Verdict per node id of :meth:`draw`'s snapshot: a checked tensor, the
        ``grad_fn`` that made it and the ``AccumulateGrad`` of a checked leaf take the
        verdict of the gradient flowing into them; every other node is "unchecked"."""
        return colour_map(self.draw().graph, self._by_target())

    def _by_target(self) -> dict[str, str]:
        worst = {"equal": 0, "close": 1, "wrong": 2, "wrong shape": 2}
        out: dict[str, str] = {}
        for r in self.rows:
            if r.target not in out or worst[r.verdict] > worst[out[r.target]]:
                out[r.target] = r.verdict
        return out

    def draw(self, **kwargs: Any) -> Any:
        """The graph behind ``loss`` (``autograd_nb.viz``), each node coloured by the
        verdict of the gradient flowing into it, with a legend: green equal, amber
        close, red wrong; faded nodes were not checked. ``kwargs`` go to ``viz.draw``."""
        from .viz import draw
        names = dict(self._names)
        names.update(self._tensors)
        kwargs.setdefault("names", names)
        kwargs["legend"] = False
        drawing = draw(self._loss, **kwargs)
        paint(drawing, colour_map(drawing.graph, self._by_target()))
        return drawing


def colour_map(graph: Any, by_name: Mapping[str, str]) -> dict[str, str]:
    """Node id -> verdict for a snapshot, from verdicts per tensor name."""
    out: dict[str, str] = {}
    for n in graph.nodes:
        if n.kind == "tensor" and n.name in by_name:
            out[n.id] = by_name[n.name]
    for e in graph.edges:
        if e.kind == "grad_fn" and e.src in out:           # tensor -> the node that made it
            out.setdefault(e.dst, out[e.src])
        elif e.kind == "variable":                          # AccumulateGrad -> its leaf
            leaf = graph.node(e.dst)
            if leaf.name in by_name:
                out[e.src] = by_name[leaf.name]
    return {n.id: out.get(n.id, "unchecked") for n in graph.nodes}


def paint(drawing: Any, verdicts: Mapping[str, str]) -> None:
    """Recolour a fresh ``viz`` drawing's node boxes by verdict and add the legend
    (before its SVG is first written)."""
    from .viz.primitives import Item, Rect, Text
    for item in drawing.scene.items:
        if not item.id.startswith("node-"):
            continue
        verdict = verdicts.get(item.id[5:], "unchecked")
        box = item.parts[0]
        box.fill, box.stroke = VERDICT_COLOURS[verdict]
        box.width = 1.0 if verdict == "unchecked" else 2.4
        item.title = f"gradient check: {verdict}\n" + item.title
    entries = [("equal", "gradient equal to autograd's"), ("close", "close (rounding only)"),
               ("wrong", "wrong (values or shape)"), ("unchecked", "not checked")]
    scene = drawing.scene
    x, y = scene.width + 8, 12.0
    parts: list[Any] = [Rect(x, y, 230, 26 + 18 * len(entries), "#ffffff", "#cccccc", 1.0, 4.0),
                        Text(x + 8, y + 16, "gradient flowing in", 10.0, "#5f5f5f", bold=True)]
    for i, (key, text) in enumerate(entries):
        fill, stroke = VERDICT_COLOURS[key]
        cy = y + 24 + 18 * i
        parts.append(Rect(x + 8, cy, 30, 14, fill, stroke, 1.6, 3.0))
        parts.append(Text(x + 46, cy + 11, text, 10.0))
    scene.items.append(Item("checklegend", "legend", "What the colours mean", parts))
    scene.width = round(x + 230 + 16, 2)
    scene.height = max(scene.height, y + 26 + 18 * len(entries) + 16)


# --------------------------------------------------------------------- the function
def check_grads(loss: Any, grads: Mapping[str, Any], *, names: Mapping[str, Any] | None = None,
                wrt: Mapping[str, Any] | None = None, rtol: float | None = None) -> GradCheck:
    """Compare hand-made gradients of ``loss`` with autograd's.

    ``grads`` maps names to your gradients: ``{"dlogits": dlogits, "dW1": dW1}``. Each
    name is ``d`` (or ``d_``, ``grad_``) + a tensor variable of the caller, found in
    ``names`` (default: the caller's variables, as ``viz.draw`` finds them); ``wrt``
    names the tensors explicitly instead (``{"dlogits": logits}``).
    ``rtol``: the tolerance of "close" (default by dtype: 1e-4 float32, 1e-7 float64).

    The engine's gradients come from ``autograd.grad(loss, tensors, retain_graph=True,
    allow_unused=True)``: ``.grad`` fields are not touched and ``loss`` can be
    backpropagated again afterwards.
    """
    from .autograd import grad as engine_grad
    if names is None:
        from .viz.snapshot import caller_namespace
        names = caller_namespace(1)
    if not grads:
        raise ValueError("check_grads(loss, {'dx': dx, ...}) needs at least one gradient")
    targets: list[tuple[str, str, Any]] = []       # (your name, target name, tensor)
    for key, _ in grads.items():
        if wrt is not None and key in wrt:
            tensor, target = wrt[key], target_name(key, {key[1:]: wrt[key]}) or key
        else:
            target = target_name(key, names)
            if target is None:
                raise KeyError(
                    f"check_grads: no tensor for '{key}'. Name each gradient d + the variable "
                    f"it is the gradient of (dlogits for logits), with that variable defined, "
                    f"or pass wrt={{'{key}': tensor}}.")
            tensor = names[target]
        if not tensor.requires_grad:
            raise ValueError(
                f"check_grads: {target} does not require grad, so the loss has no gradient "
                f"with respect to it (it is a constant of the graph).")
        targets.append((key, target, tensor))
    unique: list[Any] = []
    for _, _, t in targets:
        if not any(t is u for u in unique):
            unique.append(t)
    try:
        found = engine_grad(loss, unique, retain_graph=True, allow_unused=True)
    except RuntimeError as error:
        if "second time" not in str(error):
            raise
        raise RuntimeError(
            f"{error}\ncheck_grads: the graph behind this loss was freed by an earlier "
            "backward. Run the forward cells again (or call loss.backward(retain_graph=True) "
            "if you want .grad as well), then check.") from error
    by_id = {id(t): g for t, g in zip(unique, found)}
    rows = [compare_one(key, target, grads[key], by_id[id(t)], t, rtol)
            for key, target, t in targets]
    return GradCheck(rows, loss, {target: t for _, target, t in targets}, names)
