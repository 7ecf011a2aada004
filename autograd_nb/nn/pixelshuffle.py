"""``nn.PixelShuffle`` / ``nn.PixelUnshuffle``: move values between channels and pixels.

``PixelShuffle(r)`` turns ``(N, C*r*r, H, W)`` into ``(N, C, H*r, W*r)``: each group of
``r*r`` channels becomes an ``r x r`` block of pixels (sub-pixel upsampling);
``PixelUnshuffle(r)`` does the reverse. No numbers change, only their places.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
