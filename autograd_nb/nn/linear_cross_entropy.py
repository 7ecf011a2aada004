"""``F.linear_cross_entropy`` / ``nn.LinearCrossEntropyLoss``: a last linear layer and its
cross-entropy in one call.

A language model's last step scores every word of the vocabulary, ``logits = x @ W^T``,
and the loss is the cross-entropy of those logits. With 100,000 words the logits are the
biggest tensor of the whole model, although the loss only needs, per row, their
log-sum-exp and the target's score. PyTorch therefore offers the two steps as one
function; with ``options`` (a :class:`LinearCrossEntropyOptions`) it may walk over the
batch in chunks and never hold all the logits at once.

Mathematically (and here, computationally) it is exactly::

    logits = F.linear(input, linear_weight, linear_bias)       # (N, C) or (N, C, d1, ..., dK)
    loss   = F.cross_entropy(logits, target, weight=..., ...)

so the graph is ``linear``'s (``AddmmBackward0`` / ``MmBackward0``) under
``cross_entropy``'s (``LogSoftmaxBackward0``, ``NllLossBackward0``). A weight of shape
``(C, d1, ..., dK, in_features)`` asks for a K-dimensional loss: it is used flattened to
``(C * d1 * ... * dK, in_features)`` and the logits are reshaped to ``(N, C, d1, ...)``.
``ignore_index=None`` means PyTorch's usual -100 (and must stay None when the target
holds class probabilities).

With ``options``, ``options`` are checked as PyTorch checks them (and the same warning
says when PyTorch would ignore them); where PyTorch's chunked op runs, its one node is
recorded instead (``_linear_cross_entropy_chunked.py``: the same numbers, PyTorch's
graph, its refusal of a second backward).
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from ._losses import cross_entropy
from .linear import Linear
from .loss import _WeightedLoss

__all__ = ["LinearCrossEntropyOptions", "LinearCrossEntropyLoss", "linear_cross_entropy"]

_ACC_POLICIES = ("accurate", "balanced", "compact", "auto")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """How PyTorch's chunked ``linear_cross_entropy`` walks over the batch.

    * ``batch_chunk_size``: rows per chunk (None: one chunk, or whatever
      ``chunking_method`` picks);
    * ``chunking_method``: ``"auto"``, ``"aspect_ratio"`` or ``"aspect_ratio:N"`` (chunks
      whose logits take about as much memory as the input, N times less), or None;
    * ``acc_policy`` / ``acc_dtype``: which intermediates are kept in a wider dtype;
    * ``allow_retain_graph``: keep the precomputed gradients for a second backward.

    Checked as in PyTorch; autograd_nb computes the same loss without chunking, so these
    only change which warnings and errors appear.
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {self.acc_policy!r}")
        if self.chunking_method is not None and self.chunking_method != "auto":
            if _aspect_factor(self.chunking_method) is None:
                raise ValueError(f"invalid chunking_method: {self.chunking_method!r}")
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and size > 0)):
            raise ValueError(f"batch_chunk_size must be positive int or None, got {size!r}")
        if self.acc_dtype is not None and self.acc_dtype not in (B.float16, B.float32, B.float64):
            raise ValueError("acc_dtype must be one of {None, torch.float16, torch.bfloat16, torch.float32, "
                             f"torch.float64}}, got {self.acc_dtype!r}. Pass acc_dtype=None to let the op pick "
                             "automatically.")


def _chunk_size(options: Any, rows: int, in_features: int, num_classes: int) -> int:
    """The chunk size PyTorch would use; refuses a ``batch_chunk_size`` that contradicts the
    ``chunking_method`` (as PyTorch does). ``"auto"`` on our CPU dtypes means
    ``"aspect_ratio:2"`` (PyTorch's fallback pick). (Read by attribute, so torch's own
    options object works too.)"""
    method, given = options.chunking_method, options.batch_chunk_size
    if method == "auto":
        method = None if given is not None else "aspect_ratio:2"
    size = rows if given is None else min(given, rows)
    if method is not None:
        # chunks whose (chunk, C) logits weigh about what the (N, in_features) input does
        per_row = -(-num_classes // in_features)
        target = -(-rows // per_row)
        size = min((1 << (target - 1).bit_length()) // _aspect_factor(method), rows)
        if given is not None and given != size:
            raise ValueError(f"batch_chunk_size (={given}) and chunking_method ('{method}') give different chunk "
                             f"sizes ({given} vs {size}); pass only one.")
    return max(1, size)


def _aspect_factor(method: str) -> int | None:
    """``"aspect_ratio"`` -> 1, ``"aspect_ratio:N"`` -> N (N >= 1); anything else None."""
    name, colon, factor = method.partition(":")
    factor = factor if colon else "1"
    return int(factor) if name == "aspect_ratio" and factor.isdigit() and int(factor) > 0 else None


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,
                         linear_bias: Tensor | None = None, weight: Tensor | None = None, reduction: str = "mean",
                         ignore_index: int | None = None, label_smoothing: float = 0.0,
                         options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)`` in one call.

    ``input``: ``(in_features,)`` or ``(N, in_features)``; ``linear_weight``:
    ``(C, in_features)``, or ``(C, d1, ..., dK, in_features)`` for a K-dimensional loss
    (batched input only). ``target``: class indices, or class probabilities shaped like
    the logits. See the module docstring.
    """
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes, extra = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *extra):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *extra)}, got {tuple(linear_bias.shape)}")
    if extra and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *extra)
    # a target shaped like the logits holds probabilities (how cross_entropy tells them apart)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if options is not None and _check_options(options, input, linear_weight, linear_bias, target, reduction,
                                              label_smoothing, extra):
        from ._linear_cross_entropy_chunked import chunked
        return chunked(input, linear_weight, target, linear_bias, weight, reduction,
                       -100 if ignore_index is None else ignore_index, options.allow_retain_graph)
    if extra:                                             # a K-dimensional loss: one flat linear layer
        linear_weight = linear_weight.reshape((math.prod(extra, start=num_classes), in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(extra, start=num_classes))
    from .functional import linear
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)


def _check_options(options: LinearCrossEntropyOptions, input: Tensor, linear_weight: Tensor,
                   linear_bias: Tensor | None, target: Tensor, reduction: str, label_smoothing: float,
                   extra: tuple) -> bool:
    """PyTorch's warning when it would ignore ``options`` (False), else its check of the chunk
    size (True: the chunked op runs)."""
    chunkable = (not extra and reduction in ("mean", "sum", "none") and label_smoothing == 0.0
                 and target.dtype == B.int64)
    if not chunkable:
        bias_shape = tuple(linear_bias.shape) if linear_bias is not None else None
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). Got "
                      f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target.dtype}, "
                      f"out_features={extra}, tracing=False, linear_bias.shape={bias_shape}.", stacklevel=3)
        return False
    rows = input.shape[0] if input.dim() == 2 else 1
    _chunk_size(options, rows, input.shape[-1], linear_weight.shape[0])
    return True


class LinearCrossEntropyLoss(_WeightedLoss):
    """A ``Linear(in_features, num_classes * prod(out_features))`` layer (``self.linear``)
    and the cross-entropy of its logits, as one loss module: ``loss(input, target)``.

    ``out_features=(d1, ..., dK)`` asks for a K-dimensional loss (logits
    ``(N, num_classes, d1, ..., dK)``); the weight is stored flat, as ``nn.Linear``'s, and
    reshaped in ``forward``. The other arguments are ``CrossEntropyLoss``'s
    (``ignore_index=None`` meaning -100); see ``F.linear_cross_entropy``.
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (),
                 bias: bool = False, device: Any = None, dtype: Any = None, reduction: str = "mean",
                 weight: Tensor | None = None, ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options: LinearCrossEntropyOptions | None = None) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(in_features, math.prod(out_features, start=num_classes), bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias.reshape(shape) if self.linear.bias is not None else None
        return linear_cross_entropy(input, self.linear.weight.reshape((*shape, self.linear.in_features)), target,
                                    linear_bias=bias, weight=self.weight, reduction=self.reduction,
                                    ignore_index=self.ignore_index, label_smoothing=self.label_smoothing,
                                    options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
