"""Gates, shrinkage, pixel shuffles and group norm: each forward beside its node.

* ``glu(x, dim)``: split ``x`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)`` --
  the second half decides how much of the first passes (``GluBackward0``).
* ``hardshrink`` / ``softshrink``: zero the values within ``lambd`` of zero (soft also
  pulls the rest ``lambd`` towards zero); the gradient passes where ``|x| > lambd``.
* ``pixel_shuffle(x, r)``: ``(C*r*r, H, W)`` channels rearranged into an ``(C, H*r, W*r)``
  image (and ``pixel_unshuffle`` back): pure data movement, so each one's gradient is
  the other applied to the incoming gradient.
* ``rrelu``: a leaky ReLU whose negative slope is drawn at random per element in
  training (uniform in ``[lower, upper]``, from PyTorch's random stream) and is the
  middle of that range in eval mode (``RreluWithNoiseBackward0``).
* ``group_norm(x, G)``: normalise each group of ``C / G`` channels of each sample to mean
  0 and variance 1 (then scale and shift per channel): batch norm without the batch,
  layer norm within groups (``NativeGroupNormBackward0``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import _backend as B
from ..._tensor import Tensor
from .._core import OpNode, check_inplace, record
from ..backward_ops import hardshrink_backward, softshrink_backward

__all__ = ["glu", "hardshrink", "softshrink", "pixel_shuffle", "pixel_unshuffle", "group_norm", "rrelu"]


class GluBackward0(OpNode):
    """The gated linear unit: the first half a of self (along dim) times the sigmoid of the
    second half b, the gate. The first half gets the gradient times the gate, the second
    the gradient times a times the gate's derivative.

    out = a * sigmoid(b)
    grad_self = cat([grad * sigmoid(b), grad * a * sigmoid(b) * (1 - sigmoid(b))], dim)
    """
    saved_names = ("self",)
    fields = ("dim",)

    def backward(self, g):
        from ..._functions import cat
        x = self._saved[0].unpack()
        dim = self.dim
        a, b = x.chunk(2, dim)
        s = b.sigmoid()
        return cat([g * s, g * a * s * (1 - s)], dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """The gated linear unit: first half times the sigmoid of the second half."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.dim()
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    xp = B.xp_of(input._data)
    a, b = xp.split(input._data, 2, axis=d)
    out = a / (1 + xp.exp(-b)) if input.dtype.is_floating_point else None
    if out is None:
        raise NotImplementedError(f'"glu_cpu" not implemented for \'{input.dtype.name}\'')
    return record(out.astype(input._data.dtype, copy=False), GluBackward0, (input,), saved=(input,),
                  dim=dim)


class _ShrinkBackward(OpNode):
    """Shrinking zeroes the values within lambd of zero: the gradient passes elsewhere
    (a NaN passes it too).

    grad_self = grad where |self| > lambd, else 0
    """
    saved_names = ("self",)
    fields = ("lambd",)


class HardshrinkBackward0(_ShrinkBackward):
    """hardshrink zeroes the values within lambd of zero: the gradient passes elsewhere
    (a NaN passes it too).

    grad_self = grad where |self| > lambd, else 0
    """

    def backward(self, g):
        return hardshrink_backward(g, self._saved[0].unpack(), self.lambd)


class SoftshrinkBackward0(_ShrinkBackward):
    """softshrink zeroes the values within lambd of zero and moves the others lambd
    towards zero: the gradient passes where it did not zero (a NaN passes it too).

    grad_self = grad where |self| > lambd, else 0
    """

    def backward(self, g):
        return softshrink_backward(g, self._saved[0].unpack(), self.lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    d = input._data
    xp = B.xp_of(input._data)
    out = xp.where(xp.abs(d) > lambd, d, d.dtype.type(0))
    return record(out, HardshrinkBackward0, (input,), saved=(input,), lambd=lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    d = input._data
    top = float(np.finfo(d.dtype).max) if d.dtype.kind == "f" else float(np.iinfo(d.dtype).max) \
        if d.dtype.kind in "iu" else 1.0
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{B.SCALAR_NAMES[d.dtype.name]}, but found {lambd:g}")
    xp = B.xp_of(input._data)
    t = d.dtype.type
    out = xp.where(d > lambd, d - t(lambd), xp.where(d < -lambd, d + t(lambd), t(0)))
    return record(out, SoftshrinkBackward0, (input,), saved=(input,), lambd=lambd)


def _shuffle(d: Any, r: int) -> Any:
    *lead, c, h, w = d.shape
    x = d.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle(d: Any, r: int) -> Any:
    *lead, c, h, w = d.shape
    x = d.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


class PixelShuffleBackward0(OpNode):
    """Pure rearrangement of channels into pixels: the gradient is rearranged back.

    grad_self = pixel_unshuffle(grad, upscale_factor)
    """
    saved_names = ()
    fields = ("upscale_factor",)

    def backward(self, g):
        return pixel_unshuffle(g, self.upscale_factor)


class PixelUnshuffleBackward0(OpNode):
    """Pure rearrangement of pixels into channels: the gradient is rearranged back.

    grad_self = pixel_shuffle(grad, downscale_factor)
    """
    saved_names = ()
    fields = ("downscale_factor",)

    def backward(self, g):
        return pixel_shuffle(g, self.downscale_factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``: channels become sub-pixel positions."""
    r = upscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                           f"square of upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible "
                           f"by {r * r}")
    out = _shuffle(input._data, r)
    return record(B.xp_of(input._data).ascontiguousarray(out), PixelShuffleBackward0, (input,), upscale_factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)``, the inverse of :func:`pixel_shuffle`."""
    r = downscale_factor
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    if input.shape[-2] % r or input.shape[-1] % r:
        which, size = ("height", input.shape[-2]) if input.shape[-2] % r else ("width", input.shape[-1])
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by downscale_factor, but input.size"
                           f"({-2 if which == 'height' else -1})={size} is not divisible by {r}")
    out = _unshuffle(input._data, r)
    return record(B.xp_of(input._data).ascontiguousarray(out), PixelUnshuffleBackward0, (input,), downscale_factor=r)


class NativeGroupNormBackward0(OpNode):
    """Group norm normalises each group of channels of each sample, then scales and shifts
    per channel: the input's gradient is the normalisation's (the gradient's mean and its
    projection on the normalised values taken out, per group), weight's and bias's are
    sums over samples and positions.

    out = (input - mean_g) * rstd_g * weight_c + bias_c   (xhat = (input - mean_g) * rstd_g)
    grad_input = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) per group, dxhat = grad * weight
    grad_weight = (grad * xhat) summed over samples and positions
    grad_bias = grad summed over samples and positions
    """
    saved_names = ("input", "weight", "result1", "result2")
    fields = ("N", "C", "HxW", "group", "eps")

    def backward(self, g):
        x, w = (s.unpack() if s is not None else None for s in self._saved[:2])
        groups, eps = self.group, self.eps
        n, c = x.shape[0], x.shape[1]
        shape_g = (n, groups, c // groups * self.HxW)     # (spelled out: an empty batch has no -1)
        xg = x.reshape(shape_g)
        # mean and rstd recomputed from x (not the saved copies), so a second backward
        # sees how they depend on x
        centred = xg - xg.mean(-1, keepdim=True)
        rstd = ((centred * centred).mean(-1, keepdim=True) + eps) ** -0.5
        hg = centred * rstd
        xhat = hg.reshape(x.shape)
        bshape = (1, c) + (1,) * (x.dim() - 2)
        dxhat = g * w.reshape(bshape) if w is not None else g
        dg = dxhat.reshape(shape_g)
        dx = (dg - dg.mean(-1, keepdim=True) - hg * (dg * hg).mean(-1, keepdim=True)) * rstd
        red = (0,) + tuple(range(2, x.dim()))
        dw = (g * xhat).sum(red) if w is not None else None
        db = g.sum(red) if self.next_functions[2][0] is not None else None
        return dx.reshape(x.shape), dw, db


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels of every sample separately."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    d = input._data
    xp = B.xp_of(input._data)
    hxw = int(np.prod(d.shape[2:])) if d.ndim > 2 else 1
    xg = d.reshape(n, num_groups, c // num_groups * hxw)   # (spelled out: an empty batch has no -1)
    with np.errstate(invalid="ignore", divide="ignore"):  # (an empty group: NaN statistics, as torch)
        mean = xg.mean(-1)
        var = ((xg - mean[..., None]) ** 2).mean(-1)
    rstd = (1 / xp.sqrt(var + d.dtype.type(eps))).astype(d.dtype)
    y = ((xg - mean[..., None]) * rstd[..., None]).reshape(d.shape)
    bshape = (1, c) + (1,) * (d.ndim - 2)
    if weight is not None:
        y = y * weight._data.reshape(bshape)
    if bias is not None:
        y = y + bias._data.reshape(bshape)
    m, r = Tensor._wrap(mean.astype(d.dtype)), Tensor._wrap(rstd)
    return record(y.astype(d.dtype, copy=False), NativeGroupNormBackward0, (input, weight, bias),
                  saved=(input, weight, m, r),
                  N=n, C=c, HxW=hxw, group=num_groups, eps=eps)


class RreluWithNoiseBackward0(OpNode):
    """Randomized leaky ReLU multiplies each element by its noise (the drawn slope where
    self <= 0, else 1): the gradient is multiplied by it too (in eval mode, by the middle
    slope (lower + upper) / 2 where self <= 0).

    out = self * noise
    grad_self = grad * noise   (eval: grad where self > 0, else grad * (lower + upper) / 2)
    """
    saved_names = ("self", "noise")
    fields = ("lower", "upper", "training")

    def backward(self, g):
        x, noise = (s.unpack() for s in self._saved)
        return rrelu_with_noise_backward(g, x, noise, self.lower, self.upper, self.training)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    """The in-place form, rrelu_: the gradient is multiplied by the noise, as rrelu's (the
    input is overwritten, so the result is kept instead: its sign is the input's, the
    slopes being positive).

    grad_self = grad * noise   (eval: grad where result > 0, else grad * (lower + upper) / 2)
    """
    saved_names = ("noise", "result")

    def backward(self, g):
        noise, result = (s.unpack() for s in self._saved)
        return rrelu_with_noise_backward(g, result, noise, self.lower, self.upper, self.training)


class RreluWithNoiseBackwardBackward0(OpNode):
    """rrelu's backward op, grad times the noise (in eval mode: grad where self > 0, else
    grad times the middle slope). It is linear in grad; the noise and the mask do not
    move when self moves a little, so self gets zeros.

    out = rrelu_with_noise_backward(grad_output, self, noise, lower, upper, training)
    grad_grad_output = rrelu_with_noise_backward(grad, self, noise, lower, upper, training)
    grad_self = zeros_like(grad)
    """
    saved_names = ("self", "noise")
    fields = ("lower", "upper", "training")

    def backward(self, gg):
        x, noise = (s.unpack() for s in self._saved)
        nf = self.next_functions
        return (rrelu_with_noise_backward(gg, x, noise, self.lower, self.upper, self.training)
                if nf[0][0] is not None else None,
                Tensor._wrap(B.xp_of(gg._data).zeros_like(gg._data)) if nf[1][0] is not None else None)


def rrelu_with_noise_backward(grad: Tensor, self: Tensor, noise: Tensor, lower: float, upper: float,
                              training: bool) -> Tensor:
    """PyTorch's ``rrelu_with_noise_backward``: ``grad * noise`` in training, else ``grad``
    where ``self > 0`` and ``grad`` times the middle slope elsewhere (``self`` may be the
    in-place form's result: positive exactly where the input was). Records
    ``RreluWithNoiseBackwardBackward0`` under create_graph."""
    gd, xd = grad._data, self._data
    if training and upper - lower > 1e-6:
        out = gd * noise._data
    else:
        out = B.xp_of(gd).where(xd > 0, gd, gd * ((lower + upper) / 2))
    return record(out.astype(gd.dtype, copy=False), RreluWithNoiseBackwardBackward0, (grad, self),
                  saved=(self, noise), lower=lower, upper=upper, training=training)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: ``x`` for ``x > 0``, else ``x * a`` with ``a`` drawn uniformly in
    ``[lower, upper]`` for each element in training (``a = (lower + upper) / 2`` in eval)."""
    from ... import random as _random
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:                                       # (refused before anything is drawn)
        check_inplace(input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"rrelu_with_noise_out_cpu" not implemented for \'{input.dtype.name}\'')
    d = B.to_device(input._data, B.CPU)
    t = d.dtype.type
    lo, hi = float(t(lower)), float(t(upper))            # the bounds in the input's precision
    noise = np.ones(d.shape, d.dtype)
    if training:
        neg = np.flatnonzero(d.reshape(-1) <= 0)
        u = _random._unit53(_random.default_generator, neg.size)       # one draw per element <= 0
        noise.reshape(-1)[neg] = (u * (hi - lo) + lo).astype(d.dtype)
    else:
        noise[d <= 0] = t((lower + upper) / 2)
    out = d * noise
    if not input.is_cpu:
        out, noise = B.to_device(out, input.device), B.to_device(noise, input.device)
    n = Tensor._wrap(noise)
    if inplace:
        from ..pointwise import apply_inplace
        return apply_inplace(input, record(out, RreluWithNoiseBackward1, (input,), saved=(n,), save_output=True,
                                           lower=lower, upper=upper, training=training))
    return record(out, RreluWithNoiseBackward0, (input,), saved=(input, n),
                  lower=lower, upper=upper, training=training)
