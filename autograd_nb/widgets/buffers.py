"""The buffer inspector: every tensor the graph keeps for backward, live.

``BufferInspector(loss)`` lists, node by node, each saved buffer with the name PyTorch
gives it (``grad_fn._saved_self``, ``_saved_other``, ``_saved_result``, ...), its shape,
dtype, device and bytes, the tensor's version when it was saved and now, whether it is
live, freed (by a backward without ``retain_graph``) or stale (changed in place since:
backward would fail), and its values when small. It also

* totals the live bytes of this graph (and the process-wide ``saved_bytes()``);
* applies an in-place op to one of your tensors (``x.add_(1)``, for real; or under
  ``no_grad`` as one updates parameters) so you can watch a buffer go stale;
* checks a node's rule against finite differences (``check(node_id)``).

The facts come from ``viz.snapshot`` (which reads autograd's own objects); call
``refresh()`` after changing things from code (the buttons do it for you).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..autograd import no_grad
from ..autograd.graph import saved_bytes
from ..viz.model import Graph
from ..viz.snapshot import build, caller_namespace, version_of
from ._common import (Dashboard, bytes_text, error_html, esc, explained, graph_nodes,
                      keep_caller_mode, table,)
from .nodecheck import NodeCheck, check_node

__all__ = ["BufferInspector", "BufferRow", "INPLACE_OPS"]

INPLACE_OPS = ("add_(1)", "mul_(2)", "with no_grad(): add_(1)")


@dataclass
class BufferRow:
    node: str              # snapshot id of the node (f3)
    node_label: str        # e.g. "MulBackward0 (z)"
    name: str              # PyTorch's name: self, other, result, ...
    shape: list | None
    dtype: str | None
    device: str | None
    nbytes: int
    version_saved: int
    version_now: int
    state: str             # live / freed / stale
    value: str | None
    buffer_id: str         # snapshot id of the buffer (f3.other)


class BufferInspector(Dashboard):
    """Saved buffers of the graph behind ``roots`` (tensors), with actions."""

    _view_name = "InspectorView"

    def __init__(self, *roots: Any, names: Mapping[str, Any] | None = None) -> None:
        if not roots:
            raise TypeError("BufferInspector needs at least one tensor to start from")
        self.roots = roots
        if names is None:
            names = caller_namespace(1)
        self.names = {k: v for k, v in names.items()
                      if isinstance(k, str) and not k.startswith("_")
                      and (hasattr(v, "_data") or callable(getattr(type(v), "named_parameters", None)))}
        self._listeners: list[Callable] = []
        self.messages: list[str] = []
        self.last_error: dict | None = None
        self.checks: dict[str, NodeCheck] = {}
        self.graph: Graph = build(list(roots), self.names, None)
        self._nodes = {}
        self.reads = 0                       # how many times the graph was read
        self.refreshes = 0                   # how many of those were asked for (Refresh)
        self._read()

    # ------------------------------------------------------------------ reading
    def refresh(self) -> list[str]:
        """Read the graph again (states, versions and values may have changed) and say
        what changed since the last look: one line per buffer, also added to
        ``messages`` (the dashboard shows them), or "nothing changed"."""
        before = {r.buffer_id: r for r in self.rows()}
        self._read(notify=False)
        changes = []
        for r in self.rows():
            old = before.get(r.buffer_id)
            if old is None:
                continue
            what = []
            if old.state != r.state:
                what.append(f"{old.state} → {r.state}")
            if old.version_now != r.version_now:
                what.append(f"version {old.version_now} → {r.version_now}")
            if old.value != r.value and r.value is not None and old.value is not None:
                what.append(f"value {old.value} → {r.value}")
            if what:
                changes.append(f"{r.node_label} _saved_{r.name}: " + ", ".join(what))
        self.refreshes += 1
        head = f"refresh #{self.refreshes}: "
        self.messages.append(head + ("nothing changed since the last look" if not changes
                                     else "; ".join(changes)))
        self._notify()
        return changes

    def _notify(self) -> None:
        for fn in self._listeners:
            fn(self)

    def _read(self, notify: bool = True) -> None:
        """Take a new snapshot of the graph (the picture is redrawn from it)."""
        self.reads += 1
        self.graph = build(list(self.roots), self.names, None)
        by_seq = {f.seq: f.id for f in self.graph.functions}
        self._nodes = {by_seq[n._seq]: n for n in graph_nodes(self.roots) if n._seq in by_seq}
        labels = {f.id: f.name for f in self.graph.functions}
        for e in self.graph.edges:
            if e.kind == "grad_fn" and self.graph.node(e.src).name and "(" not in labels[e.dst]:
                labels[e.dst] += f" ({self.graph.node(e.src).name})"
        self.labels = labels
        if notify:
            self._notify()

    def rows(self) -> list[BufferRow]:
        return [BufferRow(f.id, self.labels[f.id], s.name, s.shape, s.dtype, s.device, s.nbytes,
                          s.version_saved, s.version_now, s.state, s.value, s.id)
                for f, s in self.graph.iter_saved()]

    def live_total(self) -> int:
        """Bytes the live buffers of this graph hold."""
        return sum(r.nbytes for r in self.rows() if r.state != "freed")

    def process_total(self) -> int:
        """Bytes saved buffers hold in the whole process (``saved_bytes()``)."""
        return saved_bytes()

    def node_ids(self) -> list[str]:
        return [f.id for f in self.graph.functions]

    def targets(self) -> list[str]:
        """Your tensors that some buffer of this graph holds (in-place ops make it stale)."""
        held = []
        for name, t in self.names.items():
            vc = getattr(t, "_vc", None)
            if vc is None:
                continue
            for n in self._nodes.values():
                if any(getattr(s, "_vc", None) is vc for _, s in n.saved_tensors_info):
                    held.append(name)
                    break
        return held

    # ------------------------------------------------------------------ actions
    def apply_inplace(self, name: str, op: str = "add_(1)") -> bool:
        """Run ``name.<op>`` for real (its version moves); False if PyTorch refused."""
        if op not in INPLACE_OPS:
            raise ValueError(f"op must be one of {INPLACE_OPS}")
        t = self.names[name]
        code = f"with torch.no_grad():\n    {name}.add_(1)" if op.startswith("with") else f"{name}.{op}"
        try:
            with keep_caller_mode():
                if op.startswith("with"):
                    with no_grad():
                        t.add_(1)
                elif op == "add_(1)":
                    t.add_(1)
                else:
                    t.mul_(2)
        except Exception as exc:
            self.last_error = explained(exc, self.names)
            self.messages.append(f"{code}  ->  {self.last_error['error']}")
            self._read()
            return False
        self.last_error = None
        self.messages.append(f"{code}  ->  {name}._version is now {version_of(t)}")
        self._read()
        return True

    def check(self, node_id: str) -> NodeCheck:
        """Compare node ``node_id``'s rule with a numerical gradient (see ``nodecheck``)."""
        res = check_node(self._nodes[node_id], node_id, self.names)
        self.checks[node_id] = res
        for fn in self._listeners:
            fn(self)
        return res

    def on_change(self, fn: Callable) -> None:
        self._listeners.append(fn)

    # ------------------------------------------------------------------ display
    def classes(self) -> dict[str, str]:
        """Highlight for the picture: freed and stale buffer rows."""
        out = {}
        for r in self.rows():
            if r.state in ("freed", "stale"):
                out[f"saved-{r.buffer_id}"] = f"ag-{r.state}"
        return out

    def table_html(self, selected: str = "") -> str:
        head = ["node", "buffer", "shape", "dtype", "device", "bytes", "version saved → now",
                "state", "values"]
        rows, marks = [], set()
        for i, r in enumerate(self.rows()):
            rows.append([r.node_label, f"_saved_{r.name}",
                         "" if r.shape is None else list(r.shape), r.dtype or "", r.device or "",
                         bytes_text(r.nbytes), f"{r.version_saved} → {r.version_now}", r.state,
                         r.value if r.value is not None else ""])
            if r.state != "live":
                marks.add((i, 7))
            if selected and r.node == selected:
                marks.add((i, 0))
        out = table(head, rows, marks) if rows else "<p>This graph saved no buffers.</p>"
        out += (f"<div>live in this graph: <b>{bytes_text(self.live_total())}</b> "
                "<span style='color:#555'>(the rows above added up: a tensor saved by two "
                "nodes is listed twice, and a leaf such as a parameter is listed although "
                "it exists anyway)</span></div>")
        return out

    def process_html(self) -> str:
        """The process-wide count, saying how it differs from this graph's total."""
        return (f"<div>saved_bytes(), all graphs in this process: "
                f"<b>{bytes_text(self.process_total())}</b> <span style='color:#555'>(memory held "
                "only for backward, in every graph still alive: each storage once, parameters "
                "not counted; this is the number notebook 01 measures)</span></div>")

    def check_html(self, node_id: str) -> str:
        res = self.checks.get(node_id)
        if res is None:
            return ""
        head = f"<div><b>check of {esc(self.labels.get(node_id, node_id))}</b>: "
        if res.ok is None:
            if res.error:                            # PyTorch's error, explained
                return head + "could not run:</div>" + error_html(res.error)
            return head + f"could not run: {esc(res.reason)}</div>"
        verdict = "rule agrees with finite differences" if res.ok else "MISMATCH"
        rows = [[f"grad_{n}", f"{err:.2e}", a, num] for n, err, a, num in res.rows]
        return (head + f"{verdict}</div>"
                + table(["input", "max |analytic - numerical|", "analytic", "numerical"], rows))

    def static_html(self) -> str:
        from .graphview import BUFFER_LEGEND, legend_html, restyle
        from .labviews import inspector_drawing
        d = inspector_drawing(self)
        msgs = "".join(f"<pre style='margin:1px 0'>{esc(m)}</pre>" for m in self.messages[-3:])
        err = error_html(self.last_error) if self.last_error else ""
        checks = "".join(self.check_html(k) for k in self.checks)
        return ("<div class='agnb-buffers-static'><b>Buffer inspector</b>"
                f"{self.table_html()}{msgs}{err}{checks}"
                f"{legend_html(BUFFER_LEGEND)}<div style='max-width:100%;overflow:auto'>"
                f"{restyle(d.svg, d.id_prefix, self.classes())}</div></div>")

    def __repr__(self) -> str:
        n = len(self.rows())
        return f"<BufferInspector: {n} buffer{'s' if n != 1 else ''}, {self.live_total()} bytes live>"

