"""``torch.nn.functional``: the layers as plain functions (no parameters stored).

``nn.Linear(3, 2)(x)`` is ``F.linear(x, layer.weight, layer.bias)``; every module in
``nn`` calls one of these. The graph they record is PyTorch's: ``F.linear`` of a
matrix is one ``addmm`` (``AddmmBackward0``), a convolution is one
``ConvolutionBackward0``, ``F.cross_entropy`` is ``nll_loss(log_softmax(x))``, ...

Loss functions are gathered in ``nn/_losses.py`` and re-exported here.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .. import random as _random
from .._backend import float16
from .._tensor import Size, Tensor
from ..autograd.grad_mode import no_grad
from ..ops import nnops as _nn
from ..ops._core import check_inplace
from ..ops.linalg import addmm
from ..ops.pointwise import add_scalar, apply_inplace
from ..ops.nnops import padding as _padding
from ..ops.nnops.embedding import embedding as _lookup
from ._losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cosine_similarity,
                      cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss)

__all__ = [
    "linear", "bilinear", "instance_norm", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "max_pool2d", "max_pool2d_with_indices", "avg_pool2d",
    "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "relu", "relu_", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid",
    "tanh", "hardtanh", "relu6", "logsigmoid", "softmin", "normalize", "huber_loss", "selu", "celu",
    "threshold", "mish", "hardswish", "hardsigmoid", "softsign", "tanhshrink", "kl_div", "cosine_similarity",
    "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "dropout1d", "dropout2d", "prelu", "softmax",
    "log_softmax", "dropout", "batch_norm", "layer_norm", "rms_norm", "embedding", "embedding_bag", "one_hot", "pad", "mse_loss",
    "l1_loss", "smooth_l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu_", "elu_", "hardtanh_", "leaky_relu_", "rrelu_", "selu_",
    "threshold_", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "unfold", "fold", "channel_shuffle", "alpha_dropout", "feature_alpha_dropout", "dropout3d",
    "local_response_norm", "avg_pool3d", "adaptive_avg_pool3d", "linear_cross_entropy", "lp_pool1d", "lp_pool2d",
    "lp_pool3d", "max_pool1d_with_indices", "max_pool3d", "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "gumbel_softmax", "pdist", "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d", "fractional_max_pool3d_with_indices", "affine_grid", "grid_sample",
]

# the op, its node (ConvolutionBackward0), its rule (convolution_backward) and its fields: one file
from ..ops.nnops.conv import conv1d, conv2d, conv3d  # noqa: E402
from ..ops.nnops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: E402
adaptive_max_pool1d = _nn.adaptive_max_pool1d


def _list_with_default(out_size: Any, defaults: Sequence[int]) -> Any:
    """An adaptive pool's ``output_size`` with each None replaced by the input's size there
    (an int stays an int); the input needs more dims than the sizes given."""
    if isinstance(out_size, (int, np.integer)):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling to exactly ``output_size`` (None keeps that dim's size)."""
    return _nn.adaptive_avg_pool2d(input, _list_with_default(output_size, input.shape))


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling to exactly ``output_size`` (None keeps that dim's size)."""
    return _nn.adaptive_max_pool2d(input, _list_with_default(output_size, input.shape), return_indices)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """3-d max pooling to exactly ``output_size`` (None keeps that dim's size)."""
    return _nn.adaptive_max_pool3d(input, _list_with_default(output_size, input.shape), return_indices)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool1d`` returning ``(values, indices)`` always."""
    return _nn.adaptive_max_pool1d(input, output_size, return_indices=True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool2d`` returning ``(values, indices)`` always."""
    return _nn.adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``adaptive_max_pool3d`` returning ``(values, indices)`` always."""
    return _nn.adaptive_max_pool3d(input, output_size, return_indices=True)


# ---------------------------------------------------------------------------
# linear
# ---------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: ``(*, in_features) -> (*, out_features)``.

    A 2-D input with a bias is one fused ``addmm`` (grad_fn ``AddmmBackward0``);
    other ranks are flattened to 2-D around it, as PyTorch does.
    """
    if bias is not None:
        if input.ndim == 2:
            return addmm(bias, input, weight.t())
        if input.ndim >= 1 and input.is_contiguous():
            lead = tuple(input.shape[:-1])
            out = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
            return out.view(lead + (out.shape[1],))
        return input.matmul(weight.t()) + bias
    return input.matmul(weight.t())


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., k] = input1[...] @ weight[k] @ input2[...] + bias[k]``."""
    from ..ops.nnops.bilinear import bilinear_2d
    for which, t, dim in (("input1", input1, 1), ("input2", input2, 2)):
        if t.shape[-1] != weight.shape[dim]:
            raise RuntimeError(f"bilinear(): {which} size does not match weight size: got {t.shape[-1]} but "
                               f"expected {weight.shape[dim]}")
    for d in range(input1.ndim - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{input1.shape[d]} and {input2.shape[d]}")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but "
                           f"expected {weight.shape[0]}")
    lead = tuple(input1.shape[:-1])
    out = bilinear_2d(input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1]))
    out = out.reshape(lead + (weight.shape[0],))
    return out if bias is None else out + bias


# ---------------------------------------------------------------------------
# pooling
# ---------------------------------------------------------------------------


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Largest value in each window (``return_indices`` also gives where it was)."""
    return _nn.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _one(v: Any) -> int:
    """A 1-d pooling size: an int, or a 1-tuple of one."""
    return v[0] if isinstance(v, (tuple, list)) else v


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """Largest value in each window along the last dim: a height-1 ``max_pool2d``, as PyTorch
    computes it (unsqueeze, pool, squeeze)."""
    if return_indices:
        return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    from ._pool_functions import check_max_pool1d
    check_max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    k = _one(kernel_size)
    s = k if stride is None or stride == [] else _one(stride)
    out = _nn.max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding)), (1, _one(dilation)),
                         ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean of each window along the last dim (a height-1 ``avg_pool2d``)."""
    k = _one(kernel_size)
    s = k if stride is None or stride == [] else _one(stride)
    return _nn.avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _one(padding)), ceil_mode,
                          count_include_pad, None).squeeze(-2)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over ``output_size`` near-equal windows along the last dim."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for adaptive_avg_pool1d)")
    if isinstance(output_size, (tuple, list)) and len(output_size) != 1:
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'output_size' should contain one int (got "
                           f"{len(output_size)})")
    return _nn.adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """Mean of each window."""
    return _nn.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


# ---------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------


def _maybe_inplace(input: Tensor, result_fn: Any, inplace: bool) -> Tensor:
    if not inplace:
        return result_fn(input)
    check_inplace(input)
    return apply_inplace(input, result_fn(input))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, ``negative_slope * x`` otherwise."""
    return _maybe_inplace(input, lambda t: _nn.leaky_relu(t, negative_slope, inplace), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    return _maybe_inplace(input, lambda t: _nn.elu(t, alpha, inplace), inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (``approximate='tanh'`` for the tanh formula)."""
    return _nn.gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x), the "swish" activation."""
    return _maybe_inplace(input, _nn.silu, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, a smooth ReLU (x itself where ``beta * x > threshold``)."""
    return _nn.softplus(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to ``[min_val, max_val]``; the gradient passes strictly inside."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, lambda t: _nn.hardtanh(t, min_val, max_val), inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0, 6, inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    return _maybe_inplace(input, lambda t: _nn.selu(t, inplace), inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _maybe_inplace(input, lambda t: _nn.celu(t, alpha, inplace), inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    return _maybe_inplace(input, lambda t: _nn.threshold(t, threshold, value, inplace), inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, _nn.mish, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(input, _nn.hardswish, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    return _maybe_inplace(input, _nn.hardsigmoid, inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else ``weight * x`` (a learned slope per channel, dim 1)."""
    return _nn.prelu(input, weight)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow."""
    return _nn.logsigmoid(input)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``: the smallest values get the largest weights."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    return (-input).softmax(dim, dtype=dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Any = None) -> Tensor:
    """``input`` divided by its ``p``-norm along ``dim`` (at least ``eps``): unit vectors."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def sigmoid(input: Tensor) -> Tensor:
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def _softmax_dim(ndim: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include "
                  "dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: each slice becomes a probability distribution."""
    if dim is None:
        dim = _softmax_dim(input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably (x - logsumexp(x)); as PyTorch's, the
    method ``input.log_softmax``: ``ops/reduce.py``'s ``log_softmax`` and its node,
    ``LogSoftmaxBackward0``."""
    if dim is None:
        dim = _softmax_dim(input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The scaling keeps the expected value unchanged, so in eval mode (``training=False``)
    the input passes through untouched. The random mask comes from the default
    generator (``torch.manual_seed`` makes it repeat) and is multiplied in, so the
    gradient is the same mask (grad_fn ``MulBackward0``).
    """
    return _dropout(input, p, training, inplace, None)


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, lead: int | None) -> Tensor:
    """Dropout with one draw per element, or (``lead``) one per channel: the mask keeps the
    first ``lead`` dims and has size 1 in the others, so a whole feature map is kept or
    dropped."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    d = input._data
    if d.size == 0:
        return input
    if p == 1.0:                                      # PyTorch multiplies by 0 without drawing
        zero = Tensor._wrap(B.to_device(np.zeros((), d.dtype), input.device))
        return input.mul_(zero) if inplace else input * zero
    # PyTorch's order: a noise tensor of 1s with probability 1 - p (bernoulli_), divided
    # by 1 - p in the input's dtype, multiplied in.
    shape = d.shape if lead is None else d.shape[:lead] + (1,) * (d.ndim - lead)
    keep = _random.bernoulli_p(_random.default_generator, int(np.prod(shape)), 1.0 - p)
    if lead is None:                          # the noise is empty_like(input): the input's layout
        from .._random_tensors import like_layout
        keep = like_layout(B.to_device(d, B.CPU) if not input.is_cpu else d, keep)
    if d.dtype.kind != "f":                   # the noise is divided by 1 - p in the input's dtype
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{input.dtype.scalar_name}")
    dt = d.dtype.type
    mask = np.asarray((keep.reshape(shape).astype(d.dtype) / dt(1.0 - p)).astype(d.dtype))
    mask_t = Tensor._wrap(B.to_device(mask, input.device) if not input.is_cpu else mask)
    return input.mul_(mask_t) if inplace else input * mask_t


# ---------------------------------------------------------------------------
# normalisation and embedding
# ---------------------------------------------------------------------------


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of a (N, C, L) or (C, L) input with probability ``p``."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                           "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if input.dim() == 2:                              # unbatched: as (1, C, L), as PyTorch does
        if not training or p == 0.0:
            return input
        return _dropout(input.unsqueeze(0), p, training, inplace, 2).squeeze(0)
    return _dropout(input, p, training, inplace, 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole feature maps of a (N, C, H, W) input with probability ``p`` (the survivors
    scaled by ``1 / (1 - p)``): neighbouring pixels are correlated, so dropping single
    pixels would teach little. Like PyTorch, a 3-D input is taken as (N, C, L), with a
    warning."""
    n = input.dim()
    if n not in (3, 4):
        warnings.warn(f"dropout2d: Received a {n}-D input to dropout2d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with "
                      "2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    elif n == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    if n < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _dropout(input, p, training, inplace, 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Per-channel normalisation over the batch (see ``nn.BatchNorm1d``)."""
    if training:
        size = input.shape
        n = size[0]
        for s in size[2:]:
            n *= s
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    return _nn.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each *sample* on its own, over its spatial positions (see
    ``nn.InstanceNorm2d``).

    As in PyTorch it is batch norm in disguise: ``(N, C, ...)`` is seen as one sample of
    ``N * C`` channels, the per-channel weight, bias and running statistics are repeated
    ``N`` times, batch norm runs, and the result is viewed back (so the graph shows
    ViewBackward0 on NativeBatchNormBackward0). Running statistics, if given, take the
    mean over the samples of what batch norm computed.
    """
    size = tuple(input.shape)
    if use_input_stats:
        spatial = 1
        for s in size[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    b, c = size[0], size[1]
    rep = [None if t is None else t.repeat(b) for t in (weight, bias, running_mean, running_var)]
    flat = input.contiguous().view((1, b * c) + size[2:])
    out = _nn.batch_norm(flat, rep[2], rep[3], rep[0], rep[1], use_input_stats, momentum, eps)
    with no_grad():
        for stat, repeated in ((running_mean, rep[2]), (running_var, rep[3])):
            if stat is not None:
                stat.copy_(repeated.view(b, c).mean(0))
    return out.view(size)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Per-sample normalisation over the last dims (see ``nn.LayerNorm``)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                               f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    return _nn.layer_norm(input, shape, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """Root-mean-square normalisation over the last dims (see ``nn.RMSNorm``):
    ``input / sqrt(mean(input**2) + eps) * weight``, with no mean subtracted.

    As in PyTorch it is composed of ordinary ops, so the graph shows them: PowBackward0,
    MeanBackward1, AddBackward1 (``eps``), RsqrtBackward0 and MulBackward0.
    ``eps`` defaults to the machine epsilon of the input's dtype.
    """
    if isinstance(normalized_shape, (int, np.integer)) or not isinstance(normalized_shape, (tuple, list, Size)):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    k = len(shape)
    if not k:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    if input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        shown = "[" + ", ".join(map(str, shape)) + "]"
        raise RuntimeError(f"Given normalized_shape={shown}, expected input with shape [*"
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    x = input.float() if input.dtype == float16 else input     # (PyTorch computes half in float)
    if eps is None:
        eps = float(np.finfo(x.dtype.np).eps)
    dims = [x.dim() - i - 1 for i in range(k)]
    scale = add_scalar(x.pow(2).mean(dims, keepdim=True), eps).rsqrt()   # (C++: add_(Scalar), AddBackward1)
    out = x.mul(scale).type_as(input)
    return out if weight is None else out.mul(weight)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the integer ``input`` positions."""
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.shape[0] + padding_idx
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return _lookup(weight, input, padding_idx, scale_grad_by_freq)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of each bag of rows of ``weight``: a 2-D ``input`` is one bag
    per row; a 1-D one is cut into bags at ``offsets`` (see ops/nnops/embedding_bag.py)."""
    from ..ops.nnops.embedding_bag import embedding_bag as _bag
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        offsets = Tensor._wrap(np.arange(0, input.numel(), input.shape[1], dtype=input._data.dtype))
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  "on GitHub.")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not implemented in autograd_nb")
    idx = input._data
    if idx.dtype.kind not in "iu" or idx.dtype.itemsize < 4 or idx.dtype.kind == "u":
        from ..ops.nnops.embedding import legacy_type_name
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {legacy_type_name(idx.dtype)} instead (while "
                           "checking arguments for embedding_bag)")
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through {num - 1}, "
                               f"but got {padding_idx}")
        padding_idx %= num
    return _bag(weight, input, offsets, mode, per_sample_weights, include_last_offset, padding_idx)


def _renorm_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Shrink, in place, the looked-up rows whose norm exceeds ``max_norm``."""
    from .._backend import xp_of
    with no_grad():
        w = weight._data
        xp = xp_of(w)
        rows = xp.unique(input._data.ravel())
        norms = (xp.abs(w[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        w[rows] = w[rows] * scale[:, None].astype(w.dtype)
        weight._vc[0] += 1


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """``(*) -> (*, num_classes)`` int64 tensor with a 1 at each value's position."""
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if d.size and d.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(d.max()) + 1 if d.size else 0
    elif d.size and d.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    from .._backend import xp_of
    xp = xp_of(d)
    return Tensor._wrap((d[..., None] == xp.arange(num_classes)).astype(np.int64))


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, front, back)``.

    The pairs start from the *last* dimension. Negative amounts crop. ``mode`` says what
    fills the border:

    * ``'constant'``: ``value`` (default 0), any number of dims (``ConstantPadNdBackward0``);
    * ``'reflect'``: the input mirrored at its edge, without repeating the edge element
      (``[1, 2, 3]`` padded by 2 on the left starts ``3, 2, 1, 2, 3``); each amount must be
      smaller than the size it pads (``ReflectionPad{1,2,3}DBackward0``);
    * ``'replicate'``: the edge element repeated (``1, 1, 1, 2, 3``) (``ReplicationPad...``);
    * ``'circular'``: the input wrapped around (``2, 3, 1, 2, 3``), recorded as PyTorch
      does, as a chain of slice copies (``CopySlices``).

    The last three pad 1, 2 or 3 trailing dims of a batched or unbatched input:
    ``(N, C, W)`` or ``(C, W)`` for 1 pair, ``(N, C, H, W)`` or ``(C, H, W)`` for 2,
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` for 3. Their gradient adds up, for each input
    element, the gradients of every output position that copied it.
    """
    pad = _int_list(pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.ndim
    if len(pad) > 2 * nd:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {nd}")
    if mode == "constant":
        return _nn.constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
                                  "Supported combinations for non-constant padding:\n"
                                  "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                                  "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                                  "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        return _padding.circular_pad(input, pad)
    _check_repeat_pad(tuple(input.shape), pad, mode)
    return _padding.pad_repeat(input, pad, mode)


def _int_list(pad: Any) -> list:
    """``pad`` as a list of ints, refused as PyTorch refuses it (floats, bools, a bare int)."""
    if not isinstance(pad, (list, tuple)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element "
                            f"of type {type(p).__name__} at pos {i}")
    return [int(p) for p in pad]


def _check_repeat_pad(shape: tuple, pad: list, mode: str) -> None:
    """PyTorch's shape checks for reflect/replicate padding (each kernel words them its own way)."""
    k, nd = len(pad) // 2, len(shape)
    batched = nd == k + 2
    if any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(
            f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {_fmt_shape(shape)}")
    if mode == "reflect":
        for i in range(k):                              # the last dimension first
            lo, hi, size = pad[2 * i], pad[2 * i + 1], shape[nd - 1 - i]
            if lo >= size or hi >= size:
                raise RuntimeError(
                    f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                    f"dimension, but got: padding ({lo}, {hi}) at dimension {nd - 1 - i} of input "
                    f"{_fmt_shape(shape)}")
    out = list(shape)
    for i in range(k):
        out[nd - 1 - i] += pad[2 * i] + pad[2 * i + 1]
    if k == 1 and out[-1] < 1:
        raise RuntimeError(f"input (W: {shape[-1]}) is too small. Calculated output W: {out[-1]}")
    negative = [s for s in out if s < 0]
    if negative:
        if mode == "reflect" and k == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: {_fmt_shape(out)}")


def _fmt_shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


from ..ops.nnops.upsample import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: E402
from ..ops.nnops.fold import fold, unfold  # noqa: E402
from ..ops.nnops.channel_shuffle import channel_shuffle  # noqa: E402
from ._alpha_dropout import alpha_dropout, dropout3d, feature_alpha_dropout  # noqa: E402
from .local_response_norm import local_response_norm  # noqa: E402
from ..ops.nnops.pool3d import adaptive_avg_pool3d, avg_pool3d_checked as avg_pool3d  # noqa: E402
from ..ops.nnops.shapers import (glu, group_norm, hardshrink, pixel_shuffle, pixel_unshuffle,  # noqa: E402
                                 rrelu, softshrink)


# the in-place activations: ``F.celu_(x)`` is ``F.celu(x, inplace=True)`` (torch.celu_ too)
def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _maybe_inplace(input, lambda t: _nn.threshold(t, threshold, value, True), True)


# torch.dropout_ and torch.feature_dropout_ (not names of torch.nn.functional)
def _torch_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, None)


def _torch_feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """Whole channels (one draw per index of dims 0 and 1), in place."""
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _dropout(input, p, train, True, 2)


_torch_dropout_.__name__, _torch_feature_dropout_.__name__ = "dropout_", "feature_dropout_"
from ._more_losses import (cosine_embedding_loss, ctc_loss, gaussian_nll_loss, hinge_embedding_loss,  # noqa: E402
                           margin_ranking_loss, multi_margin_loss, multilabel_margin_loss,
                           multilabel_soft_margin_loss, pairwise_distance, poisson_nll_loss, soft_margin_loss,
                           triplet_margin_loss, triplet_margin_with_distance_loss)

# attention lives with its modules (nn/attention.py); imported last, as it uses this module
from .attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402
from .linear_cross_entropy import linear_cross_entropy  # noqa: E402
from ._pool_functions import (lp_pool1d, lp_pool2d, lp_pool3d, max_pool1d_with_indices,  # noqa: E402
                              max_pool2d_with_indices, max_pool3d, max_pool3d_with_indices, max_unpool1d,
                              max_unpool2d, max_unpool3d, fractional_max_pool2d,
                              fractional_max_pool2d_with_indices, fractional_max_pool3d,
                              fractional_max_pool3d_with_indices)
from ._gumbel_softmax import gumbel_softmax  # noqa: E402
from ..ops.nnops.pdist import pdist  # noqa: E402
from ..ops.nnops.grid_sample import (GRID_SAMPLE_INTERPOLATION_MODES, GRID_SAMPLE_PADDING_MODES,  # noqa: E402
                                     affine_grid, grid_sample)
