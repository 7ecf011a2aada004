"""Losses PyTorch writes from other ops (so their graphs here are PyTorch's too): margin
ranking, hinge embedding, cosine embedding, Poisson and Gaussian negative log
likelihood, multi-label soft margin, triplet margin (also with any distance), and the
pairwise distance; and the checks in front of the margin losses PyTorch computes as ops
of their own (soft margin, multi margin, multi-label margin: ops/nnops/margin_loss.py;
CTC: ops/nnops/ctc_loss.py).

Each is the formula in its docstring, then the usual reduction: ``'mean'`` (the
default), ``'sum'`` or ``'none'`` (one loss per element or sample).
"""
from __future__ import annotations

import math
from typing import Any

from .._tensor import Tensor

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "multilabel_soft_margin_loss", "pairwise_distance", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "ctc_loss"]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _where(cond: Tensor, a: Tensor, b: Any) -> Tensor:
    from .._functions import where
    return where(cond, a, b)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: input1 should rank above input2
    where target is 1, below where it is -1."""
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``x`` where target is 1, ``max(0, margin - x)`` where it is -1 (x: a distance)."""
    zeros = input * 0
    output = _where(target != 1, (margin - input).clamp_min(0), zeros) + _where(target != -1, input, zeros)
    return _reduce(output, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1."""
    dim = target.dim()
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + 1e-12
    mag2 = (input2 * input2).sum(dim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    zeros = cos * 0
    output = _where(target == 1, 1 - cos, zeros) + _where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(output, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: ``exp(input) - target * input`` (``input - target *
    log(input + eps)`` when the input is the rate itself); ``full`` adds Stirling's term."""
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Any, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """``0.5 * (log(var) + (input - target)^2 / var)`` (plus ``0.5 * log(2 pi)`` when
    ``full``): the targets are normal around ``input`` with variance ``var`` (clamped to
    at least ``eps``, without a gradient through the clamp)."""
    from ..autograd.grad_mode import no_grad
    if not isinstance(var, Tensor):
        from .._creation import full as full_like
        var = full_like(tuple(input.shape), float(var), dtype=input.dtype)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy per label, averaged over the labels of each sample."""
    from .functional import logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    c = input.shape[input.dim() - 1]
    return _reduce(loss.sum(dim=input.dim() - 1) / c, reduction)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last dimension, one distance per row."""
    from ..ops.reduce import aten_norm
    dim = max(x1.dim(), x2.dim()) - 1
    return aten_norm(x1 - x2 + eps, float(p), dim, keepdim)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))``: the anchor should be
    nearer the positive than the negative by ``margin``."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from .._functions import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """``triplet_margin_loss`` with any ``distance_function(x1, x2)`` (the pairwise
    distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        from .._functions import minimum
        d_neg = minimum(d_neg, distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``: a smooth two-class (+1 / -1) margin loss."""
    from ..autograd.grad_mode import is_grad_enabled
    from ..ops._core import check_broadcast
    from ..ops.nnops.margin_loss import soft_margin_loss as _op
    from ._losses import _reduction
    code = _reduction(reduction, size_average, reduce)
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument "
                           "'target'. This input cannot have requires_grad True.")
    try:
        check_broadcast(tuple(input.shape), tuple(target.shape))
    except RuntimeError:                              # (the kernel's: after its inputs are saved)
        from ..ops._histories import saved_first
        first = saved_first(_op, (input, target), {})
        if first is not None:
            raise first from None
        raise
    return _op(input, target, code)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average: Any = None, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: every class scoring within ``margin`` of the target class
    costs ``(margin - x[y] + x[i])^p`` (times ``weight[y]``), averaged over the classes."""
    from ..ops.nnops.margin_loss import multi_margin_loss as _op
    from ._losses import _reduction
    code = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    c = input.shape[-1] if input.dim() else 1
    n = input.shape[0] if input.dim() == 2 else 1
    if input.dim() > 2 or (input.dim() == 2 and input.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if target.dim() > 1 or target.numel() != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(target.shape)}. Input "
                           f"has shape {list(input.shape)}.")
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    t = target._data
    if t.size and (t.min() < 0 or t.max() >= c):
        raise RuntimeError("target out of range")
    return _op(input, target, p, margin, weight, code)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: each target class (listed first in ``target``, up to the
    first -1) should score at least 1 above each non-target class."""
    from ..ops.nnops.margin_loss import multilabel_margin_loss as _op
    from ._losses import _reduction
    code = _reduction(reduction, size_average, reduce)
    if input.dim() > 2 or (input.dim() == 2 and input.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    t = target._data
    c = input.shape[-1] if input.dim() else 1
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    return _op(input, target, code)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification: ``-log`` of the probability of each target
    sequence summed over all its alignments to the ``(T, N, C)`` log probabilities
    (ops/nnops/ctc_loss.py). ``'mean'`` divides each loss by its target length first."""
    import numpy as np
    from .._tensor import Tensor as _T
    from ..ops.nnops.ctc_loss import ctc_loss as _op
    from ._losses import _reduction
    code = _reduction(reduction)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs, targets = log_probs.unsqueeze(1), targets.unsqueeze(0)
    lengths = [np.asarray(v._data if isinstance(v, _T) else v, dtype=np.int64).reshape(-1)
               for v in (input_lengths, target_lengths)]
    n = log_probs.shape[1]
    for what, v in zip(("input_lengths", "target_lengths"), lengths):
        if v.shape[0] != n:
            raise RuntimeError(f"{what} must be of size batch_size")
    if bool((lengths[0] > log_probs.shape[0]).any()):
        i = int(np.argmax(lengths[0] > log_probs.shape[0]))
        raise RuntimeError(f"Expected input_lengths to have value at most {log_probs.shape[0]}, but got value "
                           f"{int(lengths[0][i])} (while checking arguments for ctc_loss_allocate_outputs)")
    loss = _op(log_probs, targets, lengths[0], lengths[1], blank, zero_infinity)
    if zero_infinity:                                  # an impossible alignment costs 0, not inf
        loss = _where(loss == math.inf, _T._wrap(np.zeros((), dtype=loss._data.dtype)), loss)
    if code == 1:
        divisor = _T._wrap(np.maximum(lengths[1], 1).astype(log_probs._data.dtype))
        return (loss / divisor).mean()
    if code == 2:
        return loss.sum()
    return loss.squeeze(0) if unbatched else loss
