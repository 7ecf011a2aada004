"""``nn.MaxPool3d``, ``nn.LPPool1d/2d/3d`` and ``nn.MaxUnpool1d/2d/3d``: the pooling
functions of ``nn/_pool_functions.py`` as layers (they store their arguments, nothing
to learn)."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import _pool_functions as P
from .module import Module

__all__ = ["MaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class MaxPool3d(Module):
    """Largest value in each ``kernel_size`` window of ``(N, C, D, H, W)`` volumes (stride
    defaults to the kernel size); ``return_indices=True`` also returns where each was, for
    ``MaxUnpool3d``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return P.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


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
