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
    """grad = -t * e / (1 + e) * g, e = exp(-t x) (divided by the count for the mean)."""
    __slots__ = ()
    saved_names = ("self", "target")

    def backward(self, g):
        x, t = self._saved[0].unpack(), self._saved[1].unpack()
        e = (-t * x).exp()
        grad = -t * e / (1 + e) * g
        return grad / x.numel() if self.extra == MEAN else grad

    def _extra_saved(self, name):
        return self.extra if name == "reduction" else None


def soft_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
    x, t = np.broadcast_arrays(input._data, target._data)
    loss = np.log1p(np.exp(-t * x))
    return record(np.asarray(_reduce(loss, reduction)).astype(input._data.dtype, copy=False),
                  SoftMarginLossBackward0, (input,), saved=(input, target), extra=reduction)


def _rows(g: Tensor, per_sample: Any, reduction: int) -> Any:
    """The upstream gradient for each sample's row: ``(N, 1)``."""
    gd = g._data
    if reduction == NONE:
        return gd.reshape(-1, 1)
    return np.broadcast_to(gd / per_sample if reduction == MEAN else gd, (per_sample, 1))


def _no_second_derivative(data: Any, node: OpNode, g: Tensor, name: str) -> Tensor:
    """The input's gradient, with PyTorch's NotImplemented node should it be differentiated."""
    return record(data, _NoDerivative, (g, node._saved[0].unpack()), extra=name)


class MultiMarginLossBackward0(OpNode):
    """Per sample, with ``a`` the classes within the margin: ``dz * w[y] / C`` at each, minus
    their sum at ``y`` (``dz`` is 1, or ``2 z`` for ``p = 2``)."""
    __slots__ = ()
    saved_names = ("self", "target", "weight")

    def backward(self, g):
        coef, reduction = self.extra[1], self.extra[3]
        x = self._saved[0].unpack()
        y = self._saved[1].unpack()._data.reshape(-1)
        n = y.shape[0]
        grad = coef * _rows(g, n, reduction)
        grad[np.arange(n), y] = -grad.sum(1)
        return _no_second_derivative(grad.reshape(x.shape).astype(x._data.dtype, copy=False), self, g,
                                     "multi_margin_loss_backward")

    def _extra_saved(self, name):
        return {"p": self.extra[0], "margin": self.extra[2], "reduction": self.extra[3]}.get(name)


def multi_margin_loss(input: Tensor, target: Tensor, p: int, margin: float, weight: Tensor | None,
                      reduction: int) -> Tensor:
    x = input._data.reshape(-1, input._data.shape[-1]) if input.dim() else input._data.reshape(1, 1)
    y = target._data.reshape(-1)
    n, c = x.shape
    rows = np.arange(n)
    z = margin - x[rows, y][:, None] + x                          # (N, C): within the margin where > 0
    on = z > 0
    on[rows, y] = False
    scale = np.ones(n, dtype=x.dtype) if weight is None else weight._data[y]
    h = np.where(on, z if p == 1 else z * z, 0) * scale[:, None]
    coef = np.where(on, 1.0 if p == 1 else 2 * z, 0) * scale[:, None] / c    # d loss_n / d x[n, i]
    loss = h.sum(1) / c
    if reduction == NONE and input.dim() < 2:
        loss = loss.reshape(())
    return record(np.asarray(_reduce(loss, reduction)).astype(x.dtype, copy=False), MultiMarginLossBackward0,
                  (input,), saved=(input, target, weight), extra=(p, coef.astype(x.dtype), margin, reduction))


class MultilabelMarginLossBackward0(OpNode):
    """Per pair (target j, non-target i) within the margin: ``+1/C`` at i, ``-1/C`` at j."""
    __slots__ = ()
    saved_names = ("self", "target", "is_target")

    def backward(self, g):
        coef, reduction = self.extra
        x = self._saved[0].unpack()
        grad = coef * _rows(g, coef.shape[0], reduction)
        return _no_second_derivative(grad.reshape(x.shape).astype(x._data.dtype, copy=False), self, g,
                                     "multilabel_margin_loss_backward")

    def _extra_saved(self, name):
        return self.extra[1] if name == "reduction" else None


def multilabel_margin_loss(input: Tensor, target: Tensor, reduction: int) -> Tensor:
    x = input._data.reshape(-1, input._data.shape[-1]) if input.dim() else input._data.reshape(1, 1)
    t = target._data.reshape(x.shape)
    n, c = x.shape
    listed = np.cumprod(t != -1, axis=1).astype(bool)             # the targets before the first -1
    safe = np.where(listed, t, 0)
    rows = np.arange(n)[:, None]
    is_target = np.zeros((n, c), dtype=x.dtype)
    is_target[np.broadcast_to(rows, t.shape)[listed], safe[listed]] = 1
    z = 1 - x[rows, safe][:, :, None] + x[:, None, :]             # (N, target j, class i)
    active = (z > 0) & listed[:, :, None] & (is_target == 0)[:, None, :]
    loss = np.where(active, z, 0).sum((1, 2)) / c
    coef = active.sum(1).astype(x.dtype) / c                      # + at each non-target class ...
    np.add.at(coef, (np.broadcast_to(rows, t.shape), safe), -active.sum(2) / c)   # ... - at each target
    if reduction == NONE and input.dim() < 2:
        loss = loss.reshape(())
    return record(np.asarray(_reduce(loss, reduction)).astype(x.dtype, copy=False),
                  MultilabelMarginLossBackward0, (input,),
                  saved=(input, target, Tensor._wrap(is_target.reshape(input._data.shape))),
                  extra=(coef, reduction))
