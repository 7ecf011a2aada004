"""Margin losses PyTorch computes as ops of their own: soft margin, multi-class margin
(hinge) and multi-label margin.

Each takes already-checked tensors and a ``reduction`` code (0 none, 1 mean, 2 sum, as
``grad_fn._saved_reduction`` shows it); the argument checks live in ``nn/_more_losses.py``.
With ``x`` the scores of one sample, ``C`` its number of classes:

* soft margin: ``log(1 + exp(-t x))`` per element; gradient ``-t e / (1 + e)``,
  ``e = exp(-t x)``;
* multi margin: ``sum over i != y of max(0, margin - x[y] + x[i])^p * w[y] / C``: every
  class scoring within ``margin`` of the target class costs; gradient ``+`` at each such
  class, the opposite sum at ``y``;
* multi-label margin: the same with ``p = 1``, ``margin = 1`` for every pair (target
  class ``j``, non-target class ``i``); the targets are listed first in ``target`` and
  end at the first ``-1``.

PyTorch defines no second derivative for the last two (their gradient under
``create_graph`` is a ``NotImplemented`` node, as there); soft margin's gradient is
written with differentiable ops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor
from .._core import OpNode, record
from ..pointwise import NoDerivative as _NoDerivative

NONE, MEAN, SUM = 0, 1, 2


def _reduce(loss: Any, reduction: int) -> Any:
    return loss.mean() if reduction == MEAN else loss.sum() if reduction == SUM else loss


class SoftMarginLossBackward0(OpNode):
    """The soft margin loss log(1 + exp(-t x)) has the slope -t e / (1 + e) with
    e = exp(-t x) (divided by the count for the mean).

    grad_self = -grad * target * e / (1 + e),   e = exp(-target * self)   (/ N for a mean)
    """
    saved_names = ("self", "target")
    fields = ("reduction",)

    def backward(self, g):
        x, t = self._saved[0].unpack(), self._saved[1].unpack()
        e = (-t * x).exp()
        grad = -t * e / (1 + e) * g
        return grad / x.numel() if self.reduction == MEAN else grad


def soft_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
    x, t = np.broadcast_arrays(input._data, target._data)
    if t.dtype.kind in "biu":                  # a 0/1 or +-1 integer or bool target counts as numbers
        t = t.astype(x.dtype)
    loss = np.log1p(np.exp(-t * x))
    return record(np.asarray(_reduce(loss, reduction)).astype(input._data.dtype, copy=False),
                  SoftMarginLossBackward0, (input,), saved=(input, target), reduction=reduction)


def _rows(g: Tensor, per_sample: Any, reduction: int) -> Any:
    """The upstream gradient for each sample's row: ``(N, 1)``."""
    gd = g._data
    if reduction == NONE:
        return gd.reshape(-1, 1)
    return np.broadcast_to(gd / per_sample if reduction == MEAN else gd, (per_sample, 1))


def _no_second_derivative(data: Any, node: OpNode, g: Tensor, name: str) -> Tensor:
    """The input's gradient, with PyTorch's NotImplemented node should it be differentiated."""
    return record(data, _NoDerivative, (g, node._saved[0].unpack()), _op=name)


def _as_rows(d: Any) -> Any:
    """The scores as ``(N, C)`` rows (a 0-d input is one sample of one class)."""
    return d.reshape(-1, d.shape[-1]) if d.ndim else d.reshape(1, 1)


def _within_margin(x: Any, y: Any, margin: float, weight: Any) -> tuple[Any, Any, Any]:
    """``z = margin - x[y] + x`` per (sample, class), where it counts (``z > 0``, not at the
    target class ``y``), and each sample's weight ``w[y]``."""
    n = x.shape[0]
    rows = np.arange(n)
    z = margin - x[rows, y][:, None] + x                          # (N, C): within the margin where > 0
    on = z > 0
    on[rows, y] = False
    scale = np.ones(n, dtype=x.dtype) if weight is None else weight[y]
    return z, on, scale


class MultiMarginLossBackward0(OpNode):
    """Per sample, every class i scoring within the margin of the target class y
    (z = margin - x[y] + x[i] > 0) gets dz w[y] / C, and y gets minus their sum (dz is 1,
    or 2 z for p = 2). PyTorch defines no second derivative (a NotImplemented node).

    out = sum over i != y of max(0, margin - self[y] + self[i])^p * weight[y] / C
    grad_self = grad * dz * weight[target] / C at each class within the margin, minus their sum at target
    """
    saved_names = ("self", "target", "weight")
    fields = ("p", "margin", "reduction")

    def backward(self, g):
        x, t, w = (None if s is None else s.unpack() for s in self._saved)
        xd = x._data
        x2, y = _as_rows(xd), t._data.reshape(-1)
        z, on, scale = _within_margin(x2, y, self.margin, None if w is None else w._data)
        n, c = x2.shape
        coef = (np.where(on, 1.0 if self.p == 1 else 2 * z, 0) * scale[:, None] / c).astype(xd.dtype)
        grad = coef * _rows(g, n, self.reduction)
        grad[np.arange(n), y] = -grad.sum(1)
        return _no_second_derivative(grad.reshape(x.shape).astype(xd.dtype, copy=False), self, g,
                                     "multi_margin_loss_backward")


def multi_margin_loss(input: Tensor, target: Tensor, p: int, margin: float, weight: Tensor | None,
                      reduction: int) -> Tensor:
    x = _as_rows(input._data)
    z, on, scale = _within_margin(x, target._data.reshape(-1), margin, None if weight is None else weight._data)
    h = np.where(on, z if p == 1 else z * z, 0) * scale[:, None]
    loss = h.sum(1) / x.shape[1]
    if reduction == NONE and input.dim() < 2:
        loss = loss.reshape(())
    return record(np.asarray(_reduce(loss, reduction)).astype(x.dtype, copy=False), MultiMarginLossBackward0,
                  (input,), saved=(input, target, weight), p=p, margin=margin, reduction=reduction)


def _pairs(x: Any, t: Any) -> tuple[Any, Any, Any, Any, Any]:
    """Per sample, the listed targets (before the first -1) and, for each pair (target
    class j, class i), ``z = 1 - x[j] + x[i]`` and whether it counts (``z > 0``, i not a
    target): ``(rows, safe targets, is_target, z, active)``."""
    n, c = x.shape
    listed = np.cumprod(t != -1, axis=1).astype(bool)             # the targets before the first -1
    safe = np.where(listed, t, 0)
    rows = np.arange(n)[:, None]
    is_target = np.zeros((n, c), dtype=x.dtype)
    is_target[np.broadcast_to(rows, t.shape)[listed], safe[listed]] = 1
    z = 1 - x[rows, safe][:, :, None] + x[:, None, :]             # (N, target j, class i)
    active = (z > 0) & listed[:, :, None] & (is_target == 0)[:, None, :]
    return rows, safe, is_target, z, active


class MultilabelMarginLossBackward0(OpNode):
    """Per pair (target class j, non-target class i) with 1 - x[j] + x[i] > 0: +1/C at i and
    -1/C at j. PyTorch defines no second derivative (a NotImplemented node).

    out = sum over such pairs of (1 - self[j] + self[i]) / C
    grad_self = grad * (count of such pairs as i - count as j) / C
    """
    saved_names = ("self", "target", "is_target")
    fields = ("reduction",)

    def backward(self, g):
        x, t = self._saved[0].unpack(), self._saved[1].unpack()
        xd = x._data
        x2 = _as_rows(xd)
        rows, safe, _, _, active = _pairs(x2, t._data.reshape(x2.shape))
        c = x2.shape[1]
        coef = active.sum(1).astype(xd.dtype) / c                     # + at each non-target class ...
        np.add.at(coef, (np.broadcast_to(rows, safe.shape), safe), -active.sum(2) / c)   # ... - at each target
        grad = coef * _rows(g, coef.shape[0], self.reduction)
        return _no_second_derivative(grad.reshape(x.shape).astype(xd.dtype, copy=False), self, g,
                                     "multilabel_margin_loss_backward")


def multilabel_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
    x = _as_rows(input._data)
    _, _, is_target, z, active = _pairs(x, target._data.reshape(x.shape))
    loss = np.where(active, z, 0).sum((1, 2)) / x.shape[1]
    if reduction == NONE and input.dim() < 2:
        loss = loss.reshape(())
    return record(np.asarray(_reduce(loss, reduction)).astype(x.dtype, copy=False),
                  MultilabelMarginLossBackward0, (input,),
                  saved=(input, target, Tensor._wrap(is_target.reshape(input._data.shape))),
                  reduction=reduction)
