"""``F.alpha_dropout``, ``F.feature_alpha_dropout``, ``F.dropout3d``: the dropouts PyTorch
builds from one noise tensor (``_dropout_impl``), with its graph.

Alpha dropout is the dropout of self-normalising networks (SELU): instead of zeroing a
dropped unit, it sets it to SELU's negative saturation value, then scales and shifts
everything so that the mean and the variance stay what they were:

    a = 1 / sqrt((alpha^2 * p + 1) * (1 - p)),   alpha = 1.7580993408473766
    out = input * (keep * a) + (keep - 1) * alpha * a + alpha * a * p

so the graph is a product and an in-place add (``AddBackward0`` after ``MulBackward0``).
The feature forms draw one value per channel (the noise has size 1 in the spatial
dims). The keep mask comes from the default generator (``torch.manual_seed`` repeats it).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _backend as B
from .. import random as _random
from .._tensor import Tensor

__all__ = ["alpha_dropout", "feature_alpha_dropout", "dropout3d"]

_ALPHA = 1.7580993408473766


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    d = input._data
    if p == 1:                                        # PyTorch multiplies by 0 without drawing
        zero = Tensor._wrap(B.to_device(np.zeros((), d.dtype), input.device))
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if d.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = d.shape[:2] + (1,) * (d.ndim - 2)
        keep = _random.bernoulli_p(_random.default_generator, int(np.prod(shape)), 1.0 - p).reshape(shape)
    else:
        shape = d.shape
        keep = _random.bernoulli_p(_random.default_generator, int(np.prod(shape)), 1.0 - p)
        from .._random_tensors import like_layout
        keep = like_layout(B.to_device(d, B.CPU) if not input.is_cpu else d, keep).reshape(shape)
    if d.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {input.dtype.scalar_name}")
    t = d.dtype.type
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    noise = keep.astype(d.dtype)
    b = ((noise + t(-1)) * t(_ALPHA * a) + t(_ALPHA * a * p)).astype(d.dtype)   # (in the input's dtype)
    noise = (noise * t(a)).astype(d.dtype)
    noise_t, b_t = (Tensor._wrap(np.asarray(v) if input.is_cpu else B.to_device(np.asarray(v), input.device))
                    for v in (noise, b))
    out = input.mul_(noise_t) if inplace else input * noise_t
    return out.add_(b_t)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout (for SELU networks): dropped units take SELU's saturation value and
    the rest is scaled and shifted so that mean and variance are kept. Off unless ``training``."""
    return _alpha(input, p, training, inplace, False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (one draw per sample and channel)."""
    return _alpha(input, p, training, inplace, True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole 3-d feature maps of a (N, C, D, H, W) or (C, D, H, W) input with
    probability ``p`` (the survivors scaled by ``1 / (1 - p)``)."""
    from .functional import _dropout
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    n = input.dim()
    if n not in (4, 5):
        warnings.warn(f"dropout3d: Received a {n}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    batched = n == 5
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    result = _dropout(input, p, training, inplace, 2)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result
