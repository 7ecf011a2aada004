"""``torch.pdist`` / ``F.pdist``: the p-norm distance between every pair of rows.

For ``x`` of shape ``(N, M)`` the result has ``N * (N - 1) / 2`` entries, the distances
``||x[i] - x[j]||_p`` for ``i < j`` in row-major order (the upper triangle of the
distance matrix, without its zero diagonal; ``scipy.spatial.distance.pdist``'s layout).

Backward (``PdistBackward0``): each distance ``d = ||diff||_p`` with
``diff = x[i] - x[j]`` sends ``g * dd/d(diff)`` to row i and its negative to row j, where

    dd/d(diff) = sign(diff) * |diff|^(p-1) / d^(p-1)          (p = 2: diff / d)

with the limits PyTorch takes: 0 where ``d == 0``; ``p = 0`` (counting non-zero
coordinates) has zero gradient; ``p = inf`` sends ``sign(diff)`` to the coordinates
that reach the maximum; for ``p < 1`` equal coordinates send nothing (``|0|^(p-1)``
would be infinite).
PyTorch has no rule for differentiating this backward again: its node
(``PdistBackwardBackward0``) raises when reached, and so does ours.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, record
from ..gathers import _add_at


class PdistBackward0(OpNode):
    """Each pairwise distance sends its gradient to its two rows, +/- dd/d(diff).

    out = ||self[i] - self[j]||_p for each pair i < j
    grad_self = _pdist_backward(grad, self, p, result)
    """
    saved_names = ("self", "result")
    fields = ("p",)

    def backward(self, g):
        return pdist_backward(g, self._saved[0].unpack(), self.p, self._saved[1].unpack())


class PdistBackwardBackward0(OpNode):
    """PyTorch has no derivative of pdist's backward: reaching this node is an error.

    grad_grad = not implemented
    grad_self = not implemented
    grad_pdist = not implemented
    """

    def backward(self, gg):
        raise NotImplementedError("the derivative for '_pdist_backward' is not implemented.")


def _pairs(n: int, xp: Any) -> tuple[Any, Any]:
    """Row indices ``(i, j)`` of every pair ``i < j``, in the result's order."""
    i, j = np.triu_indices(n, 1)
    return xp.asarray(i), xp.asarray(j)


def pdist_backward(grad: Tensor, self: Tensor, p: float, result: Tensor) -> Tensor:
    """``_pdist_backward``: the rows' gradients from the distances' (see the module docstring)."""
    x, g, dist = self._data, grad._data, result._data
    xp = B.xp_of(x)
    n = x.shape[0]
    out = xp.zeros_like(x)
    if n > 1 and p != 0 and x.shape[1] > 0:
        i, j = _pairs(n, xp)
        diff = x[i] - x[j]
        d = dist[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == float("inf"):
                share = xp.sign(diff) * (xp.abs(diff) == d)
            elif p == 1:
                share = xp.sign(diff)
            elif p == 2:
                share = diff / d
            elif p < 2:                              # (|0|^(p-1) is inf for p < 1: equal coordinates send 0)
                share = xp.where(diff == 0, 0, xp.sign(diff) * xp.abs(diff) ** (p - 1) / d ** (p - 1))
            else:
                share = diff * xp.abs(diff) ** (p - 2) / d ** (p - 1)
        if p != 1 and p != float("inf"):
            share = xp.where(d == 0, 0, share)
        share = (share * g[:, None]).astype(x.dtype)
        _add_at(out, i, share)                       # row i gets +share, row j -share
        _add_at(out, j, -share)
    return record(out, PdistBackwardBackward0, (grad, self, result))


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between all pairs of rows of ``(N, M)`` ``input``, ``i < j`` in
    row-major order: ``N * (N - 1) / 2`` of them."""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {d.ndim}D")
    if d.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = B.xp_of(d)
    n = d.shape[0]
    i, j = _pairs(n, xp)
    diff = xp.abs(d[i] - d[j])
    if p == 0:
        out = (diff != 0).sum(axis=1).astype(d.dtype)
    elif p == float("inf"):
        out = diff.max(axis=1, initial=0).astype(d.dtype)
    elif p == 1:
        out = diff.sum(axis=1)
    elif p == 2:
        out = xp.sqrt((diff * diff).sum(axis=1))
    else:
        out = ((diff ** p).sum(axis=1) ** (1.0 / p)).astype(d.dtype)
    return record(xp.ascontiguousarray(out), PdistBackward0, (input,), saved=(input,), save_output=True, p=float(p))
