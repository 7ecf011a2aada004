"""``conv_transpose2d``: the convolution's input gradient, used as a layer of its own.

A 2-d convolution maps an ``(N, C_in, H, W)`` image to a smaller or equal one; its
transpose maps back: every input pixel *spreads* ``kernel``-sized copies of the weights
into the output (``stride`` apart), and overlapping copies add up. That is exactly
what a convolution's backward does to its output gradient, so the forward here is
``patches.correlate_transposed`` -- the same kernel conv2d's backward uses -- and the
rules are the convolution's read the other way round:

    grad_input  = conv2d(grad, weight)                 (the transposed map's transpose)
    grad_weight = conv2d's weight gradient with the roles of input and gradient swapped
    grad_bias   = grad summed over the batch and the positions

PyTorch records this as ``ConvolutionBackward0`` with ``transposed=True``; so do we.
"""
from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .._core import record
from . import conv
from .conv import _shown, convolution, convolution_backward, ntuple, run_kernel
from .patches import Geometry, correlate_transposed

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


class ConvolutionBackward0(conv.ConvolutionBackward0):
    """A transposed convolution's node (PyTorch's name for both kinds of convolution),
    the convolution's rules read the other way round: the input's gradient is the
    convolution of the gradient with the weight, the weight's is the convolution's weight
    gradient with the roles of input and gradient swapped, the bias's the gradient summed
    over the batch and the positions.

    out = conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    grad_input = convolution(grad, weight, stride, padding, dilation, groups)
    grad_weight = convolution_backward(input, grad, weight)[1]   (input in the gradient's place)
    grad_bias = grad.sum over the batch and the positions
    """

    def backward(self, g):
        geom = self._geom
        x_saved, w_saved = self._saved
        need = [e[0] is not None for e in self.next_functions]
        gi = gw = gb = None
        if need[0] or need[1]:
            x = x_saved.unpack()
            spatial = tuple(x.shape[2:])
        if need[0]:                                   # the convolution of the gradient; with an
            gi = convolution(g, w_saved.unpack(), None, geom.stride, self.padding, geom.dilation,
                             geom.groups, f"conv{len(geom.kernel)}d")  # output_padding past the stride it has
            if tuple(gi.shape[2:]) != spatial:        # rows for inputs that do not exist
                gi = gi[(slice(None),) * 2 + tuple(slice(0, s) for s in spatial)]
        if need[1]:
            g_w, geom_w = _weight_view(g, geom, self.output_padding)
            gw = convolution_backward(x, g_w, w_saved.unpack(), geom_w, (False, True, False))[1]
        if need[2]:
            gb = g.sum((0,) + tuple(range(2, g.ndim)))
        return gi, gw, gb


def _weight_view(g: Tensor, geom: Geometry, output_padding: tuple) -> tuple[Tensor, Geometry]:
    """The gradient and window geometry that put exactly one window per input pixel on
    ``g``. The windows reach ``padding`` past the start of ``g``; at the end,
    ``output_padding`` rows are already part of ``g``, so the end padding shrinks by that
    much, and where it would go negative the rows no window reaches are cut off."""
    after, crop = [], []
    for p, op, size in zip(geom.pad_before, output_padding, g.shape[2:]):
        after.append(max(p - op, 0))
        crop.append(size + min(p - op, 0))
    if tuple(crop) != tuple(g.shape[2:]):
        g = g[(slice(None),) * 2 + tuple(slice(0, c) for c in crop)]
    return g, geom._replace(pad_after=tuple(after))


def conv_transpose_nd(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
                      output_padding: Any, groups: int, dilation: Any, nsp: int) -> Tensor:
    """Transposed convolution over ``nsp`` spatial dims of ``(N, C_in, *spatial)`` (or
    ``(C_in, *spatial)``) with weights ``(C_in, C_out / groups, *kernel)``: each output size
    is ``(size - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``."""
    name = f"conv_transpose{nsp}d"
    if input.dim() == nsp + 1:
        return conv_transpose_nd(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                 dilation, nsp).squeeze(0)
    if input.dim() != nsp + 2:
        raise RuntimeError(f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {name}, but got "
                           f"input of size: [{', '.join(map(str, input.shape))}]")
    stride, padding = ntuple(stride, nsp, "stride"), ntuple(padding, nsp, "padding")
    output_padding, dilation = ntuple(output_padding, nsp, "output_padding"), ntuple(dilation, nsp, "dilation")
    xd, wd = input._data, weight._data
    n, cin = xd.shape[:2]
    if wd.shape[0] != cin:
        raise RuntimeError(f"Given transposed=1, weight of size [{', '.join(map(str, wd.shape))}], expected "
                           f"input[{', '.join(map(str, xd.shape))}] to have {wd.shape[0]} channels, but got "
                           f"{cin} channels instead")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        # PyTorch names the sizes of a 2-d or 3-d check; a 1-d one is a 2-d one of height 1
        dims = ("depth", "height", "width") if nsp == 3 else ("height", "width")
        pad = (1,) * (len(dims) - nsp)
        parts = [f"{what}_{dim}: {v}" for what, vals in (("output_padding", (0,) * len(pad) + output_padding),
                                                         ("stride", pad + stride), ("dilation", pad + dilation))
                 for dim, v in zip(dims, vals)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    kernel = tuple(wd.shape[2:])
    cout = wd.shape[1] * groups
    out_size = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, st, p, d, k, op in
                     zip(xd.shape[2:], stride, padding, dilation, kernel, output_padding))
    geom = Geometry(kernel, stride, dilation, padding, padding, groups)
    out = run_kernel(correlate_transposed, xd, wd, geom, (n, cout) + out_size)
    if bias is not None:
        out = out + bias._data.reshape((1, cout) + (1,) * nsp)
    return record(out.astype(xd.dtype, copy=False), ConvolutionBackward0, (input, weight, bias),
                  saved=(input, weight), **_shown(geom, True, output_padding, bias))


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-d convolution of ``(N, C_in, L)`` with weights ``(C_in, C_out / groups, k)``."""
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-d convolution of ``(N, C_in, H, W)`` with weights ``(C_in, C_out / groups, kh, kw)``."""
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 3-d convolution of ``(N, C_in, D, H, W)`` with weights ``(C_in, C_out / groups, kd, kh, kw)``."""
    return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
