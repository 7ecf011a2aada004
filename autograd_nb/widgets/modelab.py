"""The grad-mode lab: run the same code under each grad mode and see what changes.

``GradModeLab(fn, inputs={"x": x, "w": w}, model=net)`` calls ``fn()`` (or runs a code
string) inside the blocks you pick::

    with torch.no_grad():            # outer block: none / no_grad / inference_mode
        with torch.enable_grad():    # mode: grad (no block) / no_grad / enable_grad / inference_mode
            out = fn()

and tabulates each output: does it have a ``grad_fn``, does it require grad, is it an
inference tensor, how many bytes its graph saved, how long a run took, and what a
*later* ``backward()`` or in-place op on it would do. The Try buttons really do that
later step (on a fresh run, the inputs' ``.grad`` put back afterwards) and show
PyTorch's error, explained. Toggling an input's ``requires_grad`` or the model's
``train()``/``eval()`` changes the real objects, as the same line in a cell would.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..autograd import enable_grad, inference_mode, no_grad
from ..viz.snapshot import caller_namespace
from ..viz.summary import node_label
from ._common import (Dashboard, BOX, GradBackup, bytes_text, error_html, esc, explained, graph_nodes,
                      keep_caller_mode, leaves_of, tensor_names, table,)

__all__ = ["GradModeLab", "RunResult", "OutputInfo", "TryResult", "MODES", "OUTER"]

MODES = ("grad", "no_grad", "enable_grad", "inference_mode")
OUTER = ("none", "no_grad", "inference_mode")
FIELDS = ("requires_grad", "grad_fn", "is_leaf", "is_inference", "saved_bytes")


@dataclass
class OutputInfo:
    name: str
    shape: tuple
    requires_grad: bool
    grad_fn: str | None
    is_leaf: bool
    is_inference: bool
    saved_bytes: int                    # bytes its graph's buffers hold
    later_backward: str                 # what a later backward() would do
    later_inplace: str                  # what a later out.add_(1) would do


@dataclass
class RunResult:
    run: int
    mode: str
    outer: str
    requires_grad: dict[str, bool]
    training: bool | None
    outputs: list[OutputInfo] = field(default_factory=list)
    saved_bytes: int = 0
    seconds: float = 0.0
    error: dict | None = None

    def output(self, name: str) -> OutputInfo:
        return next(o for o in self.outputs if o.name == name)


@dataclass
class TryResult:
    code: str
    ok: bool
    message: str
    error: dict | None = None


def _block(name: str) -> contextlib.AbstractContextManager:
    return {"none": contextlib.nullcontext, "grad": contextlib.nullcontext, "no_grad": no_grad,
            "enable_grad": enable_grad, "inference_mode": inference_mode}[name]()


def _outputs(value: Any) -> dict[str, Any]:
    if hasattr(value, "_data"):
        return {"out": value}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if hasattr(v, "_data")}
    if isinstance(value, (tuple, list)):
        return {f"out[{i}]": v for i, v in enumerate(value) if hasattr(v, "_data")}
    return {}


def _saves_itself(t: Any) -> bool:
    """True when ``t``'s own grad_fn saved ``t`` (exp, sigmoid, ... save their result)."""
    fn = t.grad_fn
    if fn is None:
        return False
    return any(s.is_output and s.output_nr == t.output_nr for _, s in fn.saved_tensors_info)


class GradModeLab(Dashboard):
    """Run ``fn`` under the chosen grad modes and compare (see the module docstring).

    ``fn``: a function of no arguments returning a tensor, a tuple or a dict of
    tensors; or a string of code run in ``namespace`` (its new tensors are the
    outputs). ``inputs``: the leaves whose ``requires_grad`` the lab may toggle
    (default: the leaves found behind the first run's outputs, by variable name).
    ``model``: an ``nn.Module`` to switch between ``train()`` and ``eval()``.
    """

    _view_name = "GradModeView"

    def __init__(self, fn: Callable[[], Any] | str, inputs: Mapping[str, Any] | None = None,
                 model: Any = None, namespace: dict | None = None, repeats: int = 3) -> None:
        self.fn = fn
        self.namespace = namespace if namespace is not None else caller_namespace(1)
        self.model = model
        self.repeats = max(1, int(repeats))
        self.mode = "grad"
        self.outer = "none"
        self.history: list[RunResult] = []
        self.tries: list[TryResult] = []
        self.outputs: dict[str, Any] = {}
        self._listeners: list[Callable] = []
        if inputs is None:                     # the leaves behind a first (untimed) run
            by_id = tensor_names(self.namespace)
            found = leaves_of(self._call().values())
            inputs = {by_id.get(id(t), f"input{i}"): t for i, t in enumerate(found)}
        self.inputs: dict[str, Any] = dict(inputs)
        self.run()

    # ------------------------------------------------------------------ settings
    def set_mode(self, mode: str, outer: str | None = None) -> RunResult:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if outer is not None and outer not in OUTER:
            raise ValueError(f"outer must be one of {OUTER}, not {outer!r}")
        self.mode = mode
        if outer is not None:
            self.outer = outer
        return self.run()

    def set_requires_grad(self, name: str, flag: bool) -> RunResult:
        """``inputs[name].requires_grad_(flag)`` for real, then run again."""
        try:
            self.inputs[name].requires_grad_(flag)
        except RuntimeError as exc:
            res = self._new_result()
            res.error = explained(exc, self.namespace)
            self.history.append(res)
            self._changed()
            return res
        return self.run()

    def set_training(self, training: bool) -> RunResult:
        """``model.train()`` or ``model.eval()``, then run again."""
        if self.model is None:
            raise ValueError("this lab has no model (pass model=...)")
        self.model.train(bool(training))
        return self.run()

    # ------------------------------------------------------------------ running
    def code(self) -> str:
        """The Python the lab runs, as a learner would write it."""
        body = "out = fn()" if callable(self.fn) else self.fn.strip()
        lines, indent = [], ""
        if self.model is not None:
            lines.append(f"model.{'train' if self.model.training else 'eval'}()")
        if self.outer != "none":
            lines.append(f"with torch.{self.outer}():")
            indent = "    "
        if self.mode != "grad":
            lines.append(f"{indent}with torch.{self.mode}():")
            indent += "    "
        lines += [indent + ln for ln in body.splitlines()]
        return "\n".join(lines)

    def _flags(self) -> dict[str, bool]:
        return {k: bool(t.requires_grad) for k, t in self.inputs.items()}

    def _new_result(self) -> RunResult:
        return RunResult(len(self.history) + 1, self.mode, self.outer, self._flags(),
                         None if self.model is None else bool(self.model.training))

    def _call(self) -> dict[str, Any]:
        with keep_caller_mode(), inference_mode(False), enable_grad():
            with _block(self.outer), _block(self.mode):
                if callable(self.fn):
                    return _outputs(self.fn())
                ns = self.namespace
                before = {k: id(v) for k, v in ns.items()}
                exec(compile(self.fn, "<GradModeLab>", "exec"), ns)
                return {k: v for k, v in ns.items() if hasattr(v, "_data")
                        and not k.startswith("_") and before.get(k) != id(v)}

    def run(self) -> RunResult:
        """Run under the current settings (best of ``repeats`` timed runs) and record it."""
        res = self._new_result()
        best = float("inf")
        try:
            for _ in range(self.repeats):
                self.outputs = {}
                t0 = time.perf_counter()
                outs = self._call()
                best = min(best, time.perf_counter() - t0)
                self.outputs = outs
        except Exception as exc:                        # shown, explained, never raised
            res.error = explained(exc, self.namespace)
        else:
            res.seconds = best
            res.outputs = [self._info(k, t) for k, t in self.outputs.items()]
            res.saved_bytes = _graph_bytes(self.outputs.values())
        # keep the facts, not the tensors: a lab left open must not hold a graph (and
        # its saved buffers) alive, or saved_bytes() in a later cell would count them
        self.outputs = {}
        self.history.append(res)
        self._changed()
        return res

    def _info(self, name: str, t: Any) -> OutputInfo:
        fn = t.grad_fn
        return OutputInfo(name, tuple(t.shape), bool(t.requires_grad),
                          None if fn is None else node_label(fn), bool(t.is_leaf),
                          bool(t.is_inference()), _graph_bytes([t]),
                          _later_backward(t, self.inputs), _later_inplace(t))

    # ------------------------------------------------------------------ what changed
    def changes(self) -> list[tuple[str, str, Any, Any]]:
        """(output, field, before, now) for every fact that differs from the previous run."""
        if len(self.history) < 2:
            return []
        prev, now = self.history[-2], self.history[-1]
        out = []
        old = {o.name: o for o in prev.outputs}
        for o in now.outputs:
            p = old.get(o.name)
            if p is None:
                continue
            for f in FIELDS:
                a, b = getattr(p, f), getattr(o, f)
                if a != b:
                    out.append((o.name, f, a, b))
        return out

    # ------------------------------------------------------------------ try it
    def try_backward(self, inplace_first: bool = False, output: str | None = None) -> TryResult:
        """Run once more, then (after the blocks) call backward on an output, for real.

        ``inplace_first``: first change the output in place (``out.add_(1)``). The
        inputs' ``.grad`` are put back afterwards; the error, if any, is explained.
        """
        outs = self._call()
        name = output or next(iter(outs), None)
        if name is None:
            return self._tried(TryResult("(no output)", False, "the code returned no tensor"))
        t = outs[name]
        call = f"{name}.backward()" if t.numel() == 1 else f"{name}.sum().backward()"
        code = (f"{name}.add_(1)\n" if inplace_first else "") + call
        if any(t is v for v in self.inputs.values()) or t._vbase is not None:
            return self._tried(TryResult(code, False, f"{name} is an input or a view of one: the "
                                         "lab does not change your tensors in place"))
        backup = GradBackup(self.inputs.values())
        try:
            with keep_caller_mode():
                if inplace_first:
                    t.add_(1)
                (t if t.numel() == 1 else t.sum()).backward()
            grads = ", ".join(f"{k}.grad" for k, v in self.inputs.items() if v.grad is not None)
            res = TryResult(code, True, "ran: it filled " + (grads or "no .grad"))
        except Exception as exc:
            info = explained(exc, self.namespace)
            res = TryResult(code, False, info["error"], info)
        finally:
            backup.restore()
        return self._tried(res)

    def _tried(self, res: TryResult) -> TryResult:
        self.tries.append(res)
        self._changed()
        return res

    # ------------------------------------------------------------------ display
    def on_change(self, fn: Callable) -> None:
        self._listeners.append(fn)

    def _changed(self) -> None:
        for fn in self._listeners:
            fn(self)

    def results_html(self, timings: bool = True) -> str:
        """The last run as a table (changed facts highlighted) and the code it ran."""
        res = self.history[-1]
        out = [f"<pre style='margin:2px 0;background:#f7f7f7;padding:4px'>{esc(self.code())}</pre>"]
        if res.error is not None:
            return f"<div style='{BOX}'>" + "".join(out) + error_html(res.error) + "</div>"
        changed = {(o, f) for o, f, _, _ in self.changes()}
        head = ["output", "shape", "requires_grad", "grad_fn", "is_leaf", "is_inference",
                "saved bytes", "a later backward()", "a later out.add_(1)"]
        rows, marks = [], set()
        for r, o in enumerate(res.outputs):
            rows.append([o.name, list(o.shape), o.requires_grad, o.grad_fn, o.is_leaf,
                         o.is_inference, bytes_text(o.saved_bytes), o.later_backward,
                         o.later_inplace])
            for c, f in ((2, "requires_grad"), (3, "grad_fn"), (4, "is_leaf"),
                         (5, "is_inference"), (6, "saved_bytes")):
                if (o.name, f) in changed:
                    marks.add((r, c))
        out.append(table(head, rows, marks))
        flags = ", ".join(f"{k}.requires_grad={v}" for k, v in res.requires_grad.items())
        line = f"run {res.run}: {flags or 'no inputs'}"
        if res.training is not None:
            line += f"; model.training={res.training}"
        line += f"; graph saved {bytes_text(res.saved_bytes)}"
        if timings:
            line += f"; {res.seconds * 1e3:.3f} ms per run (best of {self.repeats})"
        out.append(f"<div>{esc(line)}</div>")
        if self.changes():
            out.append("<div>changed since the previous run (highlighted): "
                       + esc("; ".join(f"{o}.{f}: {a} → {b}" for o, f, a, b in self.changes()))
                       + "</div>")
        return f"<div style='{BOX}'>" + "".join(out) + "</div>"

    def tries_html(self) -> str:
        if not self.tries:
            return ""
        t = self.tries[-1]
        head = f"<pre style='margin:2px 0'>{esc(t.code)}</pre>"
        if t.ok or t.error is None:
            color = "#2e7d32" if t.ok else "#8a4b00"
            return head + f"<div style='color:{color};{BOX}'>{esc(t.message)}</div>"
        return head + f"<div style='{BOX}'>{error_html(t.error)}</div>"

    def static_html(self) -> str:
        return ("<div class='agnb-gradmode-static'><b>Grad-mode lab</b>"
                f"{self.results_html(timings=False)}{self.tries_html()}</div>")

    def __repr__(self) -> str:
        return (f"<GradModeLab: mode={self.mode}, outer={self.outer}, "
                f"{len(self.history)} runs>")



def _graph_bytes(tensors: Any) -> int:
    return sum(s.nbytes for n in graph_nodes(list(tensors)) for _, s in n.saved_tensors_info
               if not s.freed)


def _later_backward(t: Any, inputs: Mapping[str, Any]) -> str:
    if not t.requires_grad:
        return "raises: it does not require grad and has no grad_fn"
    names = {id(v): k for k, v in inputs.items()}
    fills = [names.get(id(v), "a leaf") for v in leaves_of([t])]
    if t.grad_fn is None:
        return "fills its own .grad (a leaf)"
    return "fills " + (", ".join(f"{n}.grad" for n in fills) or "no .grad")


def _later_inplace(t: Any) -> str:
    if t.is_inference():
        return "raises: inference tensor changed outside inference_mode"
    if t.requires_grad and t.grad_fn is None:
        return "raises: a leaf that requires grad"
    if _saves_itself(t):
        return "allowed, but backward() then fails: its grad_fn saved it"
    return "allowed"
