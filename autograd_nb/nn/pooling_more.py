"""``nn.MaxPool3d``, ``nn.LPPool1d/2d/3d``, ``nn.MaxUnpool1d/2d/3d`` and
``nn.FractionalMaxPool2d/3d``: the pooling
functions of ``nn/_pool_functions.py`` as layers (they store their arguments, nothing
to learn)."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import _pool_functions as P
from .module import Module
from .pooling import _MaxPoolNd

__all__ = ["MaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
           "FractionalMaxPool2d", "FractionalMaxPool3d"]


class MaxPool3d(_MaxPoolNd):
    """Largest value in each ``kernel_size`` window of ``(N, C, D, H, W)`` volumes (stride
    defaults to the kernel size); ``return_indices=True`` also returns where each was, for
    ``MaxUnpool3d``."""

    def forward(self, input: Tensor) -> Any:
        return P.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _LPPoolNd(Module):
    """Power-average pooling: ``(sum of x^p over each window) ^ (1/p)`` with ``p = norm_type``
    (1: sum pooling, 2: the window's Euclidean norm, inf: max pooling of ``|x|``)."""
    _fn: Any = None

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling along the last dim of ``(N, C, L)`` (``F.lp_pool1d``)."""
    _fn = P.lp_pool1d


class LPPool2d(_LPPoolNd):
    """Power-average pooling over the last two dims of ``(N, C, H, W)`` (``F.lp_pool2d``)."""
    _fn = P.lp_pool2d


class LPPool3d(_LPPoolNd):
    """Power-average pooling over the last three dims of ``(N, C, D, H, W)`` (``F.lp_pool3d``)."""
    _fn = P.lp_pool3d


class _MaxUnpoolNd(Module):
    """Undo a max pooling as far as it can be undone: each value written back at the index
    the pooling returned (``return_indices=True``), zeros elsewhere."""
    _dims = 2
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()

        def tup(v: Any) -> tuple:
            return tuple(v) if isinstance(v, (tuple, list)) else (v,) * self._dims
        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool1d`` (``F.max_unpool1d``)."""
    _dims, _fn = 1, P.max_unpool1d


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool2d`` (``F.max_unpool2d``)."""
    _dims, _fn = 2, P.max_unpool2d


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of ``MaxPool3d`` (``F.max_unpool3d``)."""
    _dims, _fn = 3, P.max_unpool3d


class _FractionalMaxPoolNd(Module):
    """Max pooling to ``output_size`` (or ``output_ratio`` times the input's size, each
    ratio in (0, 1)) with ``kernel_size`` windows at pseudo-random starts, fresh on every
    call unless ``_random_samples`` (a buffer) fixes them."""
    _dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        name = type(self).__name__

        def tup(v: Any) -> tuple:
            return tuple(v) if isinstance(v, (tuple, list)) else (v,) * self._dims
        self.kernel_size = tup(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        fn = P.fractional_max_pool2d if self._dims == 2 else P.fractional_max_pool3d
        return fn(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                  _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling of ``(N, C, H, W)`` images (``F.fractional_max_pool2d``)."""
    _dims = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of ``(N, C, T, H, W)`` volumes (``F.fractional_max_pool3d``)."""
    _dims = 3
