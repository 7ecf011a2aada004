"""``F.linear_cross_entropy`` with ``options``: PyTorch's chunked op, as one node.

With a :class:`LinearCrossEntropyOptions`, PyTorch does not record ``linear`` and
``cross_entropy`` separately: one custom op computes the loss (walking over the batch in
chunks, so that the ``(N, C)`` logits never exist at once) and its own backward node,
``GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward``
(``..._no_reduction_...`` for ``reduction="none"``). That node has one edge per tensor
argument given (input, linear_weight, target, then linear_bias and weight when given) and
its gradient is not differentiable again. For ``"mean"`` / ``"sum"`` it may run only once
unless ``allow_retain_graph=True``.

The rule, with ``p = softmax(x W^T + b)`` and ``w_i`` the class weight of row i's target
(0 for an ignored row):

    d loss / d logits[i] = g_i * w_i * (p[i] - onehot(target[i]))   (divided by sum of w_i for "mean")
    grad_input = dlogits @ W,  grad_linear_weight = dlogits^T @ x,  grad_linear_bias = dlogits summed over rows

Here the batch is one chunk (numpy has no memory to save by chunking); the numbers and the
graph are PyTorch's.
"""
from __future__ import annotations

from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from ..ops._core import OpNode, record

_TWICE = ("linear_cross_entropy chunked backward called twice; retain_graph=True / double backward are not "
          "supported.")


class GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward(OpNode):  # noqa: N801
    """The loss of the logits x W^T + b sends each row's logits g * w_i * (softmax - onehot),
    and from them x, W and b get their gradients (target and class weights get none).

    out = cross_entropy(input @ linear_weight^T + linear_bias, target, weight)
    grad_input = dlogits @ linear_weight
    grad_linear_weight = dlogits^T @ input
    grad_target = None (class indices)
    grad_linear_bias = dlogits.sum(0)
    grad_weight = None (not differentiated)
    """
    fields = ("_arrays", "_reduction", "_ignore_index", "_allow_retain_graph", "_has_bias", "_has_weight", "_used")

    def backward(self, g):
        if self._used and not self._allow_retain_graph:
            raise RuntimeError(_TWICE)
        self._used = True
        x, w, b, target, cw = self._arrays
        xp = B.xp_of(x)
        logits = x @ w.T + (b if b is not None else 0)
        p = xp.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)                             # softmax of the logits
        keep = target != self._ignore_index
        safe = xp.where(keep, target, 0)
        rows = (cw[safe] if cw is not None else xp.ones(len(target), dtype=x.dtype)) * keep
        p[xp.arange(len(target)), safe] -= 1
        gd = g._data
        scale = rows * (gd if gd.ndim else gd / (rows.sum() if self._reduction == "mean" else 1))
        dlogits = (p * scale[:, None]).astype(x.dtype)
        grads = [Tensor._wrap(dlogits @ w), Tensor._wrap(dlogits.T @ x), None]
        if self._has_bias:
            grads.append(Tensor._wrap(dlogits.sum(0)))
        if self._has_weight:
            grads.append(None)
        return tuple(grads)


class GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_no_reduction_defaultBackward(  # noqa: N801
        GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward):
    """The per-row form (``reduction="none"``): recomputed from the inputs at each backward,
    so it may run more than once.

    out = cross_entropy(input @ linear_weight^T + linear_bias, target, weight, reduction="none")
    grad_input = dlogits @ linear_weight
    grad_linear_weight = dlogits^T @ input
    grad_target = None (class indices)
    grad_linear_bias = dlogits.sum(0)
    grad_weight = None (not differentiated)
    """


def chunked(input: Tensor, linear_weight: Tensor, target: Tensor, linear_bias: Tensor | None,
            weight: Tensor | None, reduction: str, ignore_index: int, allow_retain_graph: bool) -> Tensor:
    """The loss as PyTorch's chunked op records it (arguments checked by the caller)."""
    unbatched = input.dim() == 1
    x = input._data[None] if unbatched else input._data
    t = target._data.reshape(-1) if unbatched else target._data
    w, b = linear_weight._data, None if linear_bias is None else linear_bias._data
    cw = None if weight is None else weight._data
    xp = B.xp_of(x)
    logits = x @ w.T + (b if b is not None else 0)
    top = logits.max(1, keepdims=True)
    logsum = top[:, 0] + xp.log(xp.exp(logits - top).sum(1))
    keep = t != ignore_index
    safe = xp.where(keep, t, 0)
    rows = (cw[safe] if cw is not None else xp.ones(len(t), dtype=x.dtype)) * keep
    losses = (logsum - logits[xp.arange(len(t)), safe]) * rows
    if reduction == "none":
        data = losses.astype(x.dtype)
    else:
        total = losses.sum()
        data = xp.asarray(total / rows.sum() if reduction == "mean" else total, dtype=x.dtype)
    tensors: list[Any] = [input, linear_weight, target]         # (one edge per tensor argument given)
    if linear_bias is not None:
        tensors.append(linear_bias)
    if weight is not None:
        tensors.append(weight)
    node = (GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_no_reduction_defaultBackward
            if reduction == "none" else GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_defaultBackward)
    if unbatched:                                   # (PyTorch: unsqueeze the row, run the op, squeeze)
        tensors[0] = input.unsqueeze(0)
        tensors[2] = target.unsqueeze(0)
    out = record(data, node, tensors, _arrays=(x, w, b, t, cw), _reduction=reduction, _ignore_index=ignore_index,
                 _allow_retain_graph=allow_retain_graph or reduction == "none", _has_bias=linear_bias is not None,
                 _has_weight=weight is not None, _used=False)
    return out.squeeze(0) if unbatched else out
