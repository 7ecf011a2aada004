"""More pooling functions of ``nn.functional``: power-average pooling (``lp_pool1d/2d/3d``),
max pooling in 3-d and the ``*_with_indices`` forms, max unpooling, fractional max pooling.

``lp_pool`` is made of ops we already have, as PyTorch makes it: with ``p = norm_type``,
each window's ``(sum of x^p) ^ (1/p)``, computed as ``avg_pool(x^p) * window_size``,
then the ``1/p`` power. ``p = 1`` is sum pooling, ``p = 2`` the window's Euclidean norm,
and ``p -> inf`` max pooling (of ``|x|``; ``-inf``: the minimum of ``|x|``).
``sign(out) * relu(|out|)`` in the middle is just ``out``, written as PyTorch writes it so
that the graph is PyTorch's: ``PowBackward0`` over ``MulBackward0`` over
``MulBackward0(sign, relu(abs))`` over ``AvgPool2DBackward0`` over ``PowBackward0``.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..ops.nnops import pool as _pool
from ..ops.nnops.max_pool3d import max_pool3d, max_pool3d_with_indices
from ..ops.nnops.max_unpool import max_unpool1d, max_unpool2d, max_unpool3d
from ..ops.nnops.pool3d import avg_pool3d_checked

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d", "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``(values, indices)`` of 1-d max pooling over the last dim of ``(N, C, L)`` or
    ``(C, L)``: as PyTorch, a height-1 ``max_pool2d_with_indices`` (unsqueeze, pool, squeeze)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for max_pool1d)")
    one = {}
    for name, v in (("kernel_size", kernel_size), ("stride", stride), ("padding", padding), ("dilation", dilation)):
        if isinstance(v, (tuple, list)):
            if len(v) > 1 or (len(v) == 0 and name != "stride"):
                raise RuntimeError(f"max_pool1d() argument '{name}' should contain one int (got {len(v)})")
            v = v[0] if v else None
        one[name] = v
    k = one["kernel_size"]
    s = k if one["stride"] is None else one["stride"]
    values, indices = _pool.max_pool2d_with_indices(input.unsqueeze(-2), (1, k), (1, s), (0, one["padding"]),
                                                    (1, one["dilation"]), ceil_mode)
    return values.squeeze(-2), indices.squeeze(-2)


def check_max_pool1d(input: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                     ceil_mode: bool) -> None:
    """PyTorch's checks of ``max_pool1d`` without indices, in its order (its own messages,
    not the 2-d pooling's it runs on): the input's dims, one int per argument, then each
    one's range and the output's length."""
    shape = list(input.shape)
    if not (len(shape) == 2 and shape[0] != 0 and shape[1] != 0 or len(shape) == 3 and shape[1] != 0 and shape[2] != 0):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{shape}")
    def ints(v):
        return [int(a) for a in v] if isinstance(v, (tuple, list)) else ([] if v is None else [int(v)])
    k, s, p, d = ints(kernel_size), ints(stride), ints(padding), ints(dilation)
    for name, v, what in (("kernel_size", k, "an int, list of ints or tuple of ints"),
                          ("stride", s, "None, an int, list of ints, or tuple of ints"),
                          ("padding", p, "an int, list of ints, or tuple of ints"),
                          ("dilation", d, "an int, list of ints or tuple of ints")):
        if len(v) != 1 and not (name == "stride" and not v):
            raise RuntimeError(f"max_pool1d() {name} must be {what} of size 1 but got size {len(v)}")
    (k,), (p,), (d,) = k, p, d
    s = s[0] if s else k
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
                           f"and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    size = shape[-1]
    num = size + 2 * p - d * (k - 1) - 1
    length = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (length - 1) * s >= size + p:      # (the last window must start inside)
        length -= 1
    if length <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {length}")


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                            dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """``(values, indices)`` of 2-d max pooling (``return_indices`` is accepted and ignored,
    as in PyTorch: both are always returned)."""
    return _pool.max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def _lp_finish(out: Tensor, norm_type: float, window: int) -> Tensor:
    """``(sign(avg) * relu(|avg|) * window) ^ (1 / p)``: the window's power sum, then its root."""
    from .functional import relu
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def _is_inf(norm_type: Any, sign: int) -> bool:
    return isinstance(norm_type, (int, float)) and norm_type == sign * float("inf")


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each window) ^ (1/p)`` along the last dim, ``p = norm_type``."""
    from .functional import avg_pool1d, max_pool1d
    if _is_inf(norm_type, 1):
        return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if _is_inf(norm_type, -1):
        return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kernel_size)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each window) ^ (1/p)`` over the last two dims, ``p = norm_type``."""
    from .functional import avg_pool2d, max_pool2d
    kh, kw = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
    if _is_inf(norm_type, 1):
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if _is_inf(norm_type, -1):
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kh * kw)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """``(sum of x^p over each window) ^ (1/p)`` over the last three dims, ``p = norm_type``."""
    kd, kh, kw = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 3
    if _is_inf(norm_type, 1):
        return max_pool3d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if _is_inf(norm_type, -1):
        return -max_pool3d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool3d_checked(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kd * kh * kw)


# ---------------------------------------------------------------------------
# fractional max pooling (the kernel: ops/nnops/fractional_max_pool.py)
# ---------------------------------------------------------------------------

def _fractional(input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any, samples: Any,
                dims: int) -> tuple[Tensor, Tensor]:
    """``output_size`` from ``output_ratio`` (each side's size times its ratio, truncated) and
    the random samples drawn as PyTorch draws them, then the kernel."""
    from .._random_tensors import rand
    from ..ops.nnops.fractional_max_pool import fractional_max_pool
    name = f"fractional_max_pool{dims}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if dims == 2 and len(output_ratio) > 2:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * dims
        if len(ratio) == 1:
            ratio = ratio * dims
        output_size = [int(input.size(-dims + j) * ratio[j]) for j in range(dims)]
    if samples is None:
        n = 1 if input.dim() == dims + 1 else input.size(0)
        samples = rand(n, input.size(-dims - 1), dims, dtype=input.dtype, device=input.device)
    return fractional_max_pool(input, kernel_size, output_size, samples, dims)


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``(values, indices)`` of fractional max pooling of ``(N, C, H, W)`` to ``output_size``
    (or ``output_ratio`` times the input's size): windows of ``kernel_size`` at
    pseudo-random starts (``_random_samples``, drawn from the global generator if None)."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                                       output_ratio: Any = None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``(values, indices)`` of fractional max pooling of ``(N, C, T, H, W)``."""
    return _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool2d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """Fractional max pooling of ``(N, C, H, W)`` (``return_indices``: also the indices)."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (values, indices) if return_indices else values


def fractional_max_pool3d(input: Tensor, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                          return_indices: bool = False, _random_samples: Tensor | None = None) -> Any:
    """Fractional max pooling of ``(N, C, T, H, W)`` (``return_indices``: also the indices)."""
    values, indices = _fractional(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (values, indices) if return_indices else values
