"""``nn.ChannelShuffle`` and ``nn.Softmax2d``: layers over the channel dimension.

``ChannelShuffle(g)`` interleaves the channels of ``g`` groups (``F.channel_shuffle``), so
that a following grouped convolution sees channels from every group (ShuffleNet).
``Softmax2d()`` is a softmax over the channels at every pixel of ``(N, C, H, W)`` or
``(C, H, W)`` (dim -3).
"""
from __future__ import annotations

from .._tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["ChannelShuffle", "Softmax2d"]


class ChannelShuffle(Module):
    """``(N, g * k, *) -> (N, k * g, *)``: the channels of ``groups`` groups interleaved."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) at every spatial position."""

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)
