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

from typing import Any, Sequence

from ..._tensor import Tensor
from .._core import record
from . import conv
from .conv import _shown, ntuple, run_kernel
from .patches import Geometry, correlate, correlate_transposed, correlate_weight

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
        x, w = self._saved[0].unpack(), self._saved[1].unpack()
        need = tuple(e[0] is not None for e in self.next_functions)
        return transposed_backward(g, x, w, self._geom, self.output_padding, need)


class ConvolutionBackwardBackward0(conv.ConvolutionBackwardBackward0):
    """The transposed convolution's backward is linear in each argument, as the
    convolution's: with respect to grad_output its outputs' gradients are transposed
    convolutions, and with respect to input and weight it is the transposed backward
    itself with a gradient in the weight's (or the input's) place.

    out = transposed_backward(grad_output, input, weight)
    grad_grad_output = conv_transpose(grads[0], weight) + conv_transpose(input, grads[1]) + grads[2] (broadcast over the positions)
    grad_input = transposed_backward(grad_output, input, grads[1])[0]
    grad_weight = transposed_backward(grad_output, grads[0], weight)[1]
    """

    def backward(self, *grads):
        it = iter(grads)
        ggi, ggw, ggb = (next(it) if m else None for m in self._mask)
        g, x, w = (s.unpack() for s in self._saved)
        nf = self.next_functions
        geom, op = self._geom, self.output_padding
        gg = gx = gw = None
        if nf[0][0] is not None:
            parts = []
            if ggi is not None:
                parts.append(_transposed(ggi, w, None, geom, op))
            if ggw is not None:
                parts.append(_transposed(x, ggw, None, geom, op))
            if ggb is not None:
                parts.append(ggb.reshape((1, -1) + (1,) * (g.ndim - 2)).expand(tuple(g.shape)))
            for p in parts:
                gg = p if gg is None else gg + p
        if nf[1][0] is not None and ggw is not None:
            gx = transposed_backward(g, x, ggw, geom, op, (True, False, False))[0]
        if nf[2][0] is not None and ggi is not None:
            gw = transposed_backward(g, ggi, w, geom, op, (False, True, False))[1]
        return gg, gx, gw


def transposed_backward(grad: Tensor, input: Tensor, weight: Tensor, geom: Geometry, output_padding: tuple,
                        output_mask: Sequence[bool]) -> tuple:
    """``(grad_input, grad_weight, grad_bias)`` of a transposed convolution whose output
    gradient is ``grad`` (None where ``output_mask`` says no), on the convolution's array
    kernels; under create_graph the three record one ``ConvolutionBackwardBackward0``
    (``transposed=True``), as PyTorch's ``convolution_backward`` does."""
    gd, xd, wd = grad._data, input._data, weight._data
    gi = gw = gb = None
    if output_mask[0]:                                # the convolution of the gradient; with an
        gi = run_kernel(correlate, gd, wd, geom)       # output_padding past the stride it has rows
        spatial = xd.shape[2:]                        # for inputs that do not exist
        if gi.shape[2:] != spatial:
            gi = gi[(slice(None),) * 2 + tuple(slice(0, s) for s in spatial)]
    if output_mask[1]:                                # the weight gradient, input and grad swapped
        g_w, geom_w = _weight_view(gd, geom, output_padding)
        gw = run_kernel(correlate_weight, g_w, xd, geom_w, wd.shape)
    if output_mask[2]:
        gb = gd.sum(axis=(0,) + tuple(range(2, gd.ndim)))
    return conv.backward_results((gi, gw, gb), grad, input, weight, output_mask,
                                 _shown(geom, True, output_padding), ConvolutionBackwardBackward0)


def _weight_view(g: Any, geom: Geometry, output_padding: tuple) -> tuple[Any, Geometry]:
    """The gradient (an array) and window geometry that put exactly one window per input
    pixel on ``g``. The windows reach ``padding`` past the start of ``g``; at the end,
    ``output_padding`` rows are already part of ``g``, so the end padding shrinks by that
    much, and where it would go negative the rows no window reaches are cut off."""
    after, crop = [], []
    for p, op, size in zip(geom.pad_before, output_padding, g.shape[2:]):
        after.append(max(p - op, 0))
        crop.append(size + min(p - op, 0))
    if tuple(crop) != tuple(g.shape[2:]):
        g = g[(slice(None),) * 2 + tuple(slice(0, c) for c in crop)]
    return g, geom._replace(pad_after=tuple(after))


def _transposed(input: Tensor, weight: Tensor, bias: Tensor | None, geom: Geometry,
                output_padding: tuple) -> Tensor:
    """The transposed convolution op itself (arguments checked): each input pixel spreads
    a copy of the weights into the output, + bias."""
    xd, wd = input._data, weight._data
    cout = wd.shape[1] * geom.groups
    out_size = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1 for s, st, p, d, k, op in
                     zip(xd.shape[2:], geom.stride, geom.pad_before, geom.dilation, geom.kernel, output_padding))
    out = run_kernel(correlate_transposed, xd, wd, geom, (xd.shape[0], cout) + out_size)
    if bias is not None:
        out = out + bias._data.reshape((1, cout) + (1,) * len(out_size))
    return record(out.astype(xd.dtype, copy=False), ConvolutionBackward0, (input, weight, bias),
                  saved=(input, weight), **_shown(geom, True, output_padding, bias))


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
    cin = xd.shape[1]
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
    geom = Geometry(tuple(wd.shape[2:]), stride, dilation, padding, padding, groups)
    return _transposed(input, weight, bias, geom, output_padding)


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
