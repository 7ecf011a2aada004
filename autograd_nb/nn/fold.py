"""``nn.Unfold`` / ``nn.Fold``: ``F.unfold`` (im2col) and ``F.fold`` (col2im) as layers.

``Unfold(kernel_size)`` turns ``(N, C, H, W)`` into columns ``(N, C * kh * kw, L)``, one
per window position; ``Fold(output_size, kernel_size)`` adds such columns back into an
image, summing where windows overlap. With the same arguments, ``fold(unfold(x))`` is
``x`` times how many windows cover each position.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Columns ``(N, C * prod(kernel_size), L)`` -> image ``(N, C, *output_size)``, overlaps summed."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Image ``(N, C, H, W)`` -> columns ``(N, C * prod(kernel_size), L)``, one per window."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")
