"""Check one node's backward rule against finite differences.

The *analytic* gradient is what the node's own rule returns (``node.apply(g)``, run
under ``no_grad`` exactly as the engine runs it) for a random upstream gradient ``g``.
The *numerical* one nudges each element of an input by ``±eps`` and measures how
``sum(g * forward(inputs))`` moves (central differences, in float64).

For that the forward op must be run again, so the check needs

* the op's forward: known here for the common ops (``FORWARDS``);
* the values of its inputs: a buffer the node saved under the input's PyTorch name
  (``self``, ``other``, ``mat2``, ...), or the leaf behind an ``AccumulateGrad`` edge,
  or a tensor you named whose ``grad_fn`` is the node on that edge;
* live, unchanged buffers (the rule reads them: after a backward without
  ``retain_graph`` or an in-place change, the check shows PyTorch's error instead).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from .. import random as _random

from ..autograd import no_grad
from ..viz.summary import node_label
from ._common import explained, keep_caller_mode, summary
from .rules import rule_for

__all__ = ["NodeCheck", "check_node", "FORWARDS"]


def _f(name: str) -> Callable:
    return lambda ins, n: getattr(ins[0], name)()


def _dims(n: Any) -> tuple:
    return tuple(n._saved_dim), bool(n._saved_keepdim)


FORWARDS: dict[str, Callable[[list, Any], Any]] = {
    "AddBackward0": lambda i, n: i[0] + i[1] * n._saved_alpha,
    "SubBackward0": lambda i, n: i[0] - i[1] * n._saved_alpha,
    "MulBackward0": lambda i, n: i[0] * i[1],
    "DivBackward0": lambda i, n: i[0] / i[1],
    "PowBackward0": lambda i, n: i[0] ** n._saved_exponent,
    "PowBackward1": lambda i, n: i[0] ** i[1],
    "NegBackward0": lambda i, n: -i[0],
    "ExpBackward0": _f("exp"), "LogBackward0": _f("log"), "SinBackward0": _f("sin"),
    "CosBackward0": _f("cos"), "TanhBackward0": _f("tanh"), "SigmoidBackward0": _f("sigmoid"),
    "ReluBackward0": _f("relu"), "SqrtBackward0": _f("sqrt"), "AbsBackward0": _f("abs"),
    "ReciprocalBackward0": _f("reciprocal"), "TBackward0": _f("t"),
    "SumBackward0": _f("sum"), "MeanBackward0": _f("mean"),
    "SumBackward1": lambda i, n: i[0].sum(*_dims(n)),
    "MeanBackward1": lambda i, n: i[0].mean(*_dims(n)),
    "MmBackward0": lambda i, n: i[0] @ i[1],
    "MvBackward0": lambda i, n: i[0] @ i[1],
    "DotBackward0": lambda i, n: i[0] @ i[1],
    "AddmmBackward0": lambda i, n: i[0] * n._saved_beta + (i[1] @ i[2]) * n._saved_alpha,
}
# inputs that may be replaced by 0 when unknown: the rule of the other input ignores them
_ADDITIVE = {"AddBackward0": (1,), "SubBackward0": (1,)}


@dataclass
class NodeCheck:
    """``ok``: True / False, or None when the check could not run (``reason`` says why)."""

    node: str
    name: str
    ok: bool | None
    rows: list[tuple[str, float, str, str]] = field(default_factory=list)
    reason: str | None = None
    error: dict | None = None

    @property
    def max_error(self) -> float:
        return max((r[1] for r in self.rows), default=0.0)


def _value(s: Any) -> Any:
    return s.peek()


def _inputs(node: Any, names: Mapping[str, Any]) -> tuple[list, list[str]]:
    """The forward inputs' values (None when unknown) and their PyTorch names."""
    rule = rule_for(node)
    saved = {n: s for n, s in node.saved_tensors_info}
    values, labels = [], []
    for i, (nxt, nr) in enumerate(node.next_functions):
        label = rule.inputs[i] if i < len(rule.inputs) else f"input{i}"
        labels.append(label)
        v = None
        if label in saved and not saved[label].freed:
            v = _value(saved[label])
        elif nxt is not None and hasattr(type(nxt), "variable"):
            v = nxt.variable
        elif nxt is not None:
            v = next((t for t in names.values() if getattr(t, "_gfn", None) is nxt
                      and t._output_nr == nr), None)
        values.append(v)
    return values, labels


def _f64(v: Any) -> Any:
    from .._tensor import Tensor
    if hasattr(v, "_data"):
        return Tensor._wrap(np.array(v._data, dtype=np.float64))
    return float(v)


def _missing_reason(name: str, missing: list[str]) -> str:
    """Why the check cannot run, in a learner's words."""
    what = " and ".join(f"its input '{m}'" for m in missing)
    return (f"to check {name} the forward op must run again, so it needs {what}. "
            f"{name} did not keep that value (its rule does not need it: a sum, for "
            "example, only needs the input's shape), and the tensor is not one of your "
            "variables. Store the input in a variable before the op (h = ...; "
            "loss = h.sum()) and open the inspector again: it finds tensors by their names.")


def check_node(node: Any, node_id: str = "", names: Mapping[str, Any] | None = None,
               eps: float = 1e-6, seed: int = 0, max_elements: int = 64) -> NodeCheck:
    """Compare ``node``'s rule with central differences (see the module docstring)."""
    name = node_label(node)
    fwd = FORWARDS.get(name)
    if fwd is None:
        return NodeCheck(node_id, name, None, reason=f"no forward known for {name} here "
                         "(the check covers the common ops)")
    values, labels = _inputs(node, names or {})
    for k in _ADDITIVE.get(name, ()):
        if k < len(values) and values[k] is None and node.next_functions[k][0] is None:
            values[k] = 0.0
    missing = [labels[i] for i, v in enumerate(values) if v is None]
    if missing:
        return NodeCheck(node_id, name, None, reason=_missing_reason(name, missing))
    rng = _random.Generator().manual_seed(seed)      # its own stream: the learner's stays put
    with keep_caller_mode(), no_grad():
        x64 = [_f64(v) for v in values]
        out = fwd(x64, node)
        g64 = _random.normal(rng, int(np.prod(out.shape)), np.float64).reshape(out.shape)
        from .._tensor import Tensor
        dtype = next((v._data.dtype for v in values if hasattr(v, "_data")), np.float32)
        g = Tensor._wrap(np.asarray(g64, dtype=dtype))
        try:
            analytic = node.apply(g)
        except Exception as exc:
            info = explained(exc, names)
            return NodeCheck(node_id, name, None, reason=info["error"], error=info)
        rows, ok = [], True
        for i, (nxt, _) in enumerate(node.next_functions):
            if nxt is None or analytic[i] is None or not hasattr(x64[i], "_data"):
                continue
            arr = x64[i]._data
            flat = arr.reshape(-1)
            idx = np.arange(flat.size) if flat.size <= max_elements else \
                np.sort(rng.choice(flat.size, max_elements, replace=False))
            numeric = np.zeros(len(idx))
            for j, e in enumerate(idx):
                keep = flat[e]
                flat[e] = keep + eps
                up = float((fwd(x64, node)._data * g64).sum())
                flat[e] = keep - eps
                down = float((fwd(x64, node)._data * g64).sum())
                flat[e] = keep
                numeric[j] = (up - down) / (2 * eps)
            exact = np.asarray(analytic[i]._data, dtype=np.float64).reshape(-1)[idx]
            err = float(np.max(np.abs(exact - numeric))) if len(idx) else 0.0
            tol = 1e-4 + 1e-3 * float(np.max(np.abs(numeric), initial=0.0))
            ok = ok and err <= tol
            rows.append((labels[i], err, summary(exact), summary(numeric)))
    return NodeCheck(node_id, name, ok, rows)
