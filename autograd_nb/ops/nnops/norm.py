"""Normalisation: batch norm (over the batch, per channel) and layer norm (per sample).

Both compute ``x_hat = (x - mean) / sqrt(var + eps)`` and then ``weight * x_hat + bias``;
they differ in the axes the statistics are taken over:

* batch norm: over the batch and the spatial dims, one mean per channel (in eval
  mode the *running* mean and variance are used instead, collected in training);
* layer norm: over the last ``normalized_shape`` dims of each sample.

Backward, with ``M`` the number of values in each mean and sums over the same axes:

    grad_x = weight / sqrt(var + eps) * (g - sum(g)/M - x_hat * sum(g * x_hat)/M)
    grad_weight = sum(g * x_hat),   grad_bias = sum(g)

(the two subtracted terms are the paths through the mean and the variance). In
eval mode the statistics are constants and ``grad_x = weight * g / sqrt(running_var + eps)``.
The rules are tensor ops; with ``create_graph=True`` they recompute the statistics
from ``x`` so that second derivatives are right.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from ...autograd.grad_mode import STATE
from .._core import OpNode, record, record_multi


def _batch_stats_backward(g: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | None,
                          eps: float, need: Sequence[bool]) -> tuple:
    """Training-mode batch norm gradients (see the module docstring)."""
    axes = (0,) + tuple(range(2, x.ndim))
    pshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if STATE.grad_enabled:                           # building a graph: statistics as functions of x
        mean = x.mean(axes, keepdim=True)
        invstd = ((x - mean) ** 2).mean(axes, keepdim=True).add(eps).rsqrt()
    else:
        mean, invstd = mean.reshape(pshape), invstd.reshape(pshape)
    m = x.numel() // x.shape[1]
    xhat = (x - mean) * invstd
    gsum = g.sum(axes, keepdim=True)
    gxsum = (g * xhat).sum(axes, keepdim=True)
    gx = None
    if need[0]:
        scale = invstd if weight is None else invstd * weight.reshape(pshape)
        gx = (g - gsum / m - xhat * (gxsum / m)) * scale
    return gx, gxsum.reshape(-1) if need[1] else None, gsum.reshape(-1) if need[2] else None


class _NormBackwardBackward(OpNode):
    """Under create_graph a norm's first-order rule runs as ordinary tensor ops, and its
    three results are gathered by this node, PyTorch's NativeBatchNormBackwardBackward0
    or NativeLayerNormBackwardBackward0: as there, all three require grad together (the
    bias's gradient, grad summed, too), and differentiating them goes back through the
    rule's own ops.

    out = (grad_input, grad_weight, grad_bias) of the first-order rule
    grad_grad_input = grads[0], passed back through the rule's ops
    grad_grad_weight = grads[1], passed back through the rule's ops
    grad_grad_bias = grads[2], passed back through the rule's ops
    """

    def backward(self, *grads):
        return grads


def _gathered(node: type, grads: tuple, saved: tuple, **fields: Any) -> tuple:
    """The first-order rule's ``(gx, gw, gb)`` (None where not wanted), under create_graph
    gathered into one ``node`` (see ``_NormBackwardBackward``)."""
    if not STATE.grad_enabled:
        return grads
    present = [t for t in grads if t is not None]
    outs = iter(record_multi([t._data for t in present], node, present, saved=saved, **fields))
    return tuple(None if t is None else next(outs) for t in grads)


class NativeBatchNormBackwardBackward0(_NormBackwardBackward):
    __doc__ = _NormBackwardBackward.__doc__
    saved_names = ("grad_out", "input", "weight", "running_mean", "running_var", "save_mean", "save_invstd")
    fields = ("train", "eps")


class NativeLayerNormBackwardBackward0(_NormBackwardBackward):
    __doc__ = _NormBackwardBackward.__doc__
    saved_names = ("grad_out", "input", "mean", "rstd", "weight")
    fields = ("normalized_shape",)


# ---------------------------------------------------------------------------
# batch norm
# ---------------------------------------------------------------------------


class NativeBatchNormBackward0(OpNode):
    """Batch norm x_hat = (x - mean) invstd per channel, then weight x_hat + bias. In
    training the input's gradient has two more terms, the paths through the batch's mean
    and variance (sums over the batch and positions, M values each); in eval mode the
    running statistics are constants. (With create_graph the statistics are recomputed
    from x, so second derivatives see them.)

    out = weight * (input - mean) * invstd + bias
    grad_input = weight * invstd * (grad - sum(grad) / M - x_hat * sum(grad * x_hat) / M)   (eval: grad * weight * invstd)
    grad_weight = sum(grad * x_hat)
    grad_bias = sum(grad)
    """
    saved_names = ("input", "weight", "running_mean", "running_var", "result1", "result2")
    fields = ("training", "eps")

    def backward(self, g):
        x, w, rm, rv, mean, invstd = (None if s is None else s.unpack() for s in self._saved)
        training, eps = self.training, self.eps
        need = [e[0] is not None for e in self.next_functions]
        saved = (g, x, w, rm, rv, mean, invstd)
        if training:
            return _gathered(NativeBatchNormBackwardBackward0, _batch_stats_backward(g, x, mean, invstd, w, eps, need),
                             saved, train=training, eps=eps)
        axes = (0,) + tuple(range(2, x.ndim))
        pshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        invstd = (rv + eps).rsqrt().reshape(pshape)
        gx = g * (invstd if w is None else invstd * w.reshape(pshape)) if need[0] else None
        gw = (g * ((x - rm.reshape(pshape)) * invstd)).sum(axes) if need[1] else None
        gb = g.sum(axes) if need[2] else None
        return _gathered(NativeBatchNormBackwardBackward0, (gx, gw, gb), saved, train=training, eps=eps)


def _empty_like(d: Any) -> Tensor:
    return Tensor._wrap(B.xp_of(d).zeros((0,), dtype=d.dtype))


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` over the batch and spatial dims.

    In training (or without running statistics) the batch's own mean and biased
    variance are used, and ``running_mean``/``running_var`` (if given) move towards
    the batch's mean and *unbiased* variance by ``momentum``. Otherwise the running
    statistics are used and nothing changes.
    """
    d = input._data
    if d.size == 0:                                  # (PyTorch: a copy -- not a view, not a fresh
        out = input.clone()                          # tensor, so the graph goes on -- times
        if weight is not None:                       # weight[0], plus bias[0])
            out = out * weight[0]
        if bias is not None:
            out = out + bias[0]
        return out
    xp = B.xp_of(d)
    c = d.shape[1] if d.ndim > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, d.ndim))
    pshape = (1, c) + (1,) * (d.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        mean = d.mean(axis=axes)
        var = d.var(axis=axes)
        invstd = (1.0 / xp.sqrt(var + eps)).astype(d.dtype)
        if training and running_mean is not None and running_var is not None:
            n = d.size // c
            running_mean._data *= 1 - momentum
            running_mean._data += momentum * mean
            running_var._data *= 1 - momentum
            running_var._data += momentum * var * (n / max(n - 1, 1))
            # as in PyTorch, this update does not move the version counters: a graph that
            # saved the running statistics (eval-mode batch norm) stays usable
        save_mean, save_invstd = Tensor._wrap(mean.astype(d.dtype)), Tensor._wrap(invstd)
        shift = mean.reshape(pshape)
    else:
        rm, rv = running_mean._data, running_var._data
        invstd = (1.0 / xp.sqrt(rv + eps)).astype(d.dtype)
        save_mean, save_invstd = _empty_like(d), _empty_like(d)
        shift = rm.reshape(pshape)
    out = (d - shift) * invstd.reshape(pshape)
    if weight is not None:
        out = out * weight._data.reshape(pshape)
    if bias is not None:
        out = out + bias._data.reshape(pshape)
    return record(out.astype(d.dtype, copy=False), NativeBatchNormBackward0, (input, weight, bias),
                  saved=(input, weight, running_mean, running_var, save_mean, save_invstd),
                  training=use_batch, eps=eps)


# ---------------------------------------------------------------------------
# layer norm
# ---------------------------------------------------------------------------


class NativeLayerNormBackward0(OpNode):
    """Layer norm x_hat = (x - mean) rstd over each sample's last dims (M values), then
    weight x_hat + bias: the input's gradient has the two more terms of the paths through
    the sample's mean and variance. (With create_graph the statistics are recomputed
    from x, so second derivatives see them.)

    out = weight * (input - mean) * rstd + bias
    grad_input = rstd * (grad * weight - sum(grad * weight) / M - x_hat * sum(grad * weight * x_hat) / M)
    grad_weight = (grad * x_hat) summed over the leading dims
    grad_bias = grad summed over the leading dims
    """
    saved_names = ("input", "weight", "bias", "result1", "result2")
    fields = ("normalized_shape", "_eps")

    def backward(self, g):
        x, w, b, mean, rstd = (None if s is None else s.unpack() for s in self._saved)
        normalized, eps = self.normalized_shape, self._eps
        k = len(normalized)
        axes = tuple(range(x.ndim - k, x.ndim))
        lead = tuple(range(x.ndim - k))
        need = [e[0] is not None for e in self.next_functions]
        if STATE.grad_enabled:
            mean = x.mean(axes, keepdim=True)
            rstd = ((x - mean) ** 2).mean(axes, keepdim=True).add(eps).rsqrt()
        xhat = (x - mean) * rstd
        gx = gw = gb = None
        if need[0]:
            gw_in = g if w is None else g * w
            m = 1
            for a in normalized:
                m *= a
            gx = (gw_in - gw_in.sum(axes, keepdim=True) / m
                  - xhat * ((gw_in * xhat).sum(axes, keepdim=True) / m)) * rstd
        if need[1]:
            gw = (g * xhat).sum(lead) if lead else g * xhat
        if need[2]:
            gb = g.sum(lead) if lead else g
        return _gathered(NativeLayerNormBackwardBackward0, (gx, gw, gb), (g, x, mean, rstd, w),
                         normalized_shape=normalized)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last ``len(normalized_shape)`` dims."""
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    d = input._data
    k = len(normalized_shape)
    if d.ndim < k or tuple(d.shape[d.ndim - k:]) != normalized_shape:
        shown = "[" + ", ".join(map(str, normalized_shape)) + "]"
        expect = "[*, " + ", ".join(map(str, normalized_shape)) + "]"
        raise RuntimeError(f"Given normalized_shape={shown}, expected input with shape {expect}, but got "
                           f"input of size{list(d.shape)}")
    xp = B.xp_of(d)
    axes = tuple(range(d.ndim - k, d.ndim))
    mean = d.mean(axis=axes, keepdims=True)
    rstd = (1.0 / xp.sqrt(d.var(axis=axes, keepdims=True) + eps)).astype(d.dtype)
    out = (d - mean) * rstd
    if weight is not None:
        out = out * weight._data
    if bias is not None:
        out = out + bias._data
    return record(out.astype(d.dtype, copy=False), NativeLayerNormBackward0, (input, weight, bias),
                  saved=(input, weight, bias, Tensor._wrap(mean.astype(d.dtype)), Tensor._wrap(rstd)),
                  normalized_shape=normalized_shape, _eps=eps)

