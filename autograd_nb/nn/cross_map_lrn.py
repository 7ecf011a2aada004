"""``nn.CrossMapLRN2d``: the Lua Torch ("legacy") form of local response normalisation.

Like ``nn.LocalResponseNorm``, each value of an ``(N, C, H, W)`` input is divided by a
power of the squares of its neighbouring channels at the same position:

    scale = k + alpha / size * (sum of input^2 over the neighbouring channels)
    out = input * scale ^ (-beta)

PyTorch keeps this older layer as a custom ``autograd.Function`` (its node is named
``CrossMapLRN2dBackward``) with hand-written loops, and two details differ from
``LocalResponseNorm``: the running window over the channels, as PyTorch's loop builds it,
reaches ``pre_pad - 1`` channels to each side (``pre_pad = int((size - 1) / 2 + 1)``)
and, as that loop never takes channel 0 out again, every channel's sum also counts
channel 0; and the backward is the classic LRN gradient for a symmetric window, written
independently of the forward:

    grad_input = scale^(-beta) * grad - 2 * alpha * beta / size * input * accum
    accum[c] = sum of (grad * out / scale)[j]  for  c - p <= j <= c + size - 1 - p,
               p = int(size - (size - 1) / 2)

Both are reproduced as PyTorch computes them (``nn/_functions.py``, with matrices over the
channels instead of loops), so values and gradients agree with PyTorch's. The backward
records no graph: PyTorch gives this node no usable second derivative either.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ._functions import CrossMapLRN2d as _cross_map_lrn2d
from .module import Module

__all__ = ["CrossMapLRN2d"]


class CrossMapLRN2d(Module):
    """Local response normalisation across the channels of ``(N, C, H, W)`` inputs, in the
    Lua Torch form PyTorch keeps (see the module docstring)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return _cross_map_lrn2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
