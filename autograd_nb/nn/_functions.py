"""Custom autograd Functions behind a few legacy layers (as PyTorch's
``torch/nn/modules/_functions.py``): ``CrossMapLRN2d`` (``nn.CrossMapLRN2d``)."""
from __future__ import annotations

from typing import Any

from .. import _backend as B
from .._tensor import Tensor
from ..autograd.function import Function

__all__ = ["CrossMapLRN2d"]


def _window(channels: int, first: Any, last: Any, xp: Any, with_first_channel: bool = False) -> Any:
    """``(C, C)`` 0/1 matrix: row c marks channels ``first[c] .. last[c]`` (and channel 0 too
    with ``with_first_channel``)."""
    j = xp.arange(channels)[None, :]
    inside = (j >= first[:, None]) & (j <= last[:, None])
    if with_first_channel:
        inside = inside | (j == 0)
    return inside.astype(float)


class CrossMapLRN2d(Function):
    """``nn.CrossMapLRN2d``'s computation as a custom Function (its node:
    ``CrossMapLRN2dBackward``); see ``nn/cross_map_lrn.py`` for the formulas."""

    @staticmethod
    def forward(ctx: Any, input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> Tensor:
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        x = input._data
        xp = B.xp_of(x)
        c = x.shape[1]
        pre_pad = int((size - 1) / 2 + 1)
        rows = xp.arange(c)
        # PyTorch's running sum adds channel c + pre_pad - 1 and removes c - pre_pad for c > pre_pad:
        # channel 0 is never removed
        window = _window(c, rows - pre_pad + 1, xp.minimum(rows + pre_pad - 1, c - 1), xp, True).astype(x.dtype)
        sums = xp.einsum("cj,njhw->nchw", window, x * x)
        scale = (sums * (alpha / size) + k).astype(x.dtype)
        out = (x * scale ** -beta).astype(x.dtype)
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        ctx.scale = scale
        result = Tensor._wrap(out)
        ctx.save_for_backward(input, result)
        return result

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple:
        input, output = ctx.saved_tensors
        x, out, g, scale = input._data, output._data, grad_output._data, ctx.scale
        xp = B.xp_of(x)
        c = x.shape[1]
        p = int(ctx.size - (ctx.size - 1) / 2)
        if p > ctx.size - 1:                          # (PyTorch's padded buffer is too short: size 1)
            raise RuntimeError(f"start ({p}) + length ({c}) exceeds dimension size ({c + ctx.size - 1}).")
        rows = xp.arange(c)
        window = _window(c, rows - p, rows + ctx.size - 1 - p, xp).astype(x.dtype)
        accum = xp.einsum("cj,njhw->nchw", window, g * out / scale)
        grad = scale ** -ctx.beta * g - (2 * ctx.alpha * ctx.beta / ctx.size) * x * accum
        return Tensor._wrap(grad.astype(x.dtype)), None, None, None, None
